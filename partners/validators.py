"""Upload checks that look at the content, not at the name the browser sent."""

from __future__ import annotations

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


def validate_logo(file) -> None:
    """A logo must really be a PNG, JPEG or WebP image of a sane size.

    Pillow's own decompression-bomb limit is far above what a logo needs, so the portal's pixel
    limit applies and Pillow's warning counts as an error.
    """
    if file.size > settings.UPLOAD_MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large: at most %(mb)s MB.")
            % {"mb": settings.UPLOAD_MAX_IMAGE_BYTES // (1024 * 1024)}
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                fmt = image.format
                width, height = image.size
                image.verify()
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ValidationError(_("This file is not an image the portal can read.")) from exc
    finally:
        file.seek(position)
    if fmt not in LOGO_FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG or WebP image."))
    if width * height > settings.UPLOAD_MAX_IMAGE_PIXELS:
        raise ValidationError(_("The image has too many pixels."))


# Words that are paths under /partners/<partner>/channels/, so never a channel's code.
RESERVED_CHANNEL_CODES = frozenset({"new"})


def validate_channel_code(value: str) -> None:
    if value in RESERVED_CHANNEL_CODES:
        raise ValidationError(
            _("“%(code)s” is a word the portal uses in its web addresses. Choose another code."),
            code="reserved",
            params={"code": value},
        )
