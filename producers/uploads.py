"""Checks and clean-up for uploaded files: photos of products and scanned certificates.

The format is decided by the bytes, never by the file name or the browser's content type.
Photos are re-encoded, which applies the EXIF orientation and drops every piece of metadata
(GPS position included); the thumbnail is made once here, not on page views.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
DOCUMENT_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png"}
THUMBNAIL_SIZE = (480, 480)
# Anything a PDF can run or carry inside it; a scanned certificate needs none of these.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"/AA")

NOT_A_PHOTO = gettext_noop("This file is not a photo. Choose a JPEG, PNG or WebP image.")


@dataclass
class CleanPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _read(upload, limit: int, too_big: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(too_big % {"max": filesizeformat(limit)}, code="too_big")
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationError(too_big % {"max": filesizeformat(limit)}, code="too_big")
    if not data:
        raise ValidationError(_("This file is empty."), code="empty")
    return data


def _looks_like_svg_or_html(data: bytes) -> bool:
    head = data[:512].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in head


def _open_image(data: bytes, allowed: dict[str, str], not_allowed_message: str) -> Image.Image:
    """Identify, verify and fully decode an image; every failure becomes a plain message."""
    if data.startswith(b"%PDF-") or _looks_like_svg_or_html(data):
        raise ValidationError(not_allowed_message, code="not_an_image")
    max_pixels = settings.UPLOAD_MAX_IMAGE_PIXELS
    too_many = _(
        "This picture is too large: at most %(max)s million pixels. Make it smaller and try again."
    ) % {"max": f"{max_pixels / 1_000_000:g}"}
    with warnings.catch_warnings():
        # Pillow only warns about a decompression bomb; for uploads it is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in allowed:
                raise ValidationError(not_allowed_message, code="format")
            if image.width * image.height > max_pixels:
                raise ValidationError(too_many, code="too_many_pixels")
            image.verify()
            image = Image.open(io.BytesIO(data))  # verify() leaves the image unusable
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ValidationError(too_many, code="too_many_pixels") from None
        except UnidentifiedImageError:
            raise ValidationError(not_allowed_message, code="not_an_image") from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(
                _("This picture is damaged or incomplete. Take it again or choose another file."),
                code="damaged",
            ) from None
    return image


def clean_photo(upload) -> CleanPhoto:
    """Check a product photo and return its re-encoded image and thumbnail."""
    data = _read(
        upload,
        settings.UPLOAD_MAX_IMAGE_BYTES,
        _("This photo is too big: at most %(max)s. Make it smaller and try again."),
    )
    image = _open_image(data, PHOTO_FORMATS, _(NOT_A_PHOTO))
    fmt = image.format
    image = ImageOps.exif_transpose(image)
    name = uuid.uuid4().hex
    main = _encode(image, fmt)
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return CleanPhoto(
        image=ContentFile(main, name=f"{name}.{PHOTO_FORMATS[fmt]}"),
        thumbnail=ContentFile(_encode(thumb, "JPEG"), name=f"{name}-thumb.jpg"),
        width=image.width,
        height=image.height,
    )


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Re-encode from pixels only: no EXIF, no ICC-embedded comments, no text chunks."""
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


@dataclass
class CleanDocument:
    content: ContentFile
    content_type: str


DOCUMENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def clean_document(upload) -> CleanDocument:
    """Check a scanned certificate: a PDF without active content, or a JPEG or PNG picture."""
    data = _read(
        upload,
        settings.UPLOAD_MAX_DOCUMENT_BYTES,
        _("This file is too big: at most %(max)s. Scan it at a lower resolution and try again."),
    )
    name = uuid.uuid4().hex
    not_allowed = _("This file is not a PDF, JPEG or PNG. Choose the scan of the certificate.")
    if data.startswith(b"%PDF-"):
        if any(marker in data for marker in PDF_ACTIVE_CONTENT):
            raise ValidationError(
                _(
                    "This PDF contains scripts or attached files, which we do not accept. "
                    "Print it to a new PDF or scan the paper certificate."
                ),
                code="active_pdf",
            )
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(
                _("This PDF is damaged or incomplete. Save it again and try again."),
                code="damaged",
            )
        return CleanDocument(ContentFile(data, name=f"{name}.pdf"), DOCUMENT_TYPES["pdf"])
    image = _open_image(data, DOCUMENT_IMAGE_FORMATS, not_allowed)
    fmt = image.format
    ext = DOCUMENT_IMAGE_FORMATS[fmt]
    image = ImageOps.exif_transpose(image)
    return CleanDocument(
        ContentFile(_encode(image, fmt), name=f"{name}.{ext}"), DOCUMENT_TYPES[ext]
    )
