"""Product photos, served only after a check: the files live in the private storage (no
public /media/ address), so a photo is seen by those who may see its product (the producer,
officers of the province, administrators, members of a partner it was sent to;
producers.selectors.can_view_product) and, through a feed's signed link, by anyone holding the
link until it expires (partners.feed_views.feed_image)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from PIL import Image, UnidentifiedImageError

from producers.models import ProductPhoto
from producers.selectors import can_view_product

IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
SIZES = ("full", "thumbnail")
# A browser keeps a photo it was shown for a while (its own cache only: the answer depends on
# who asks); a new photo always has a new id.
PRIVATE_CACHE_SECONDS = 600


def _content_type(name: str, handle) -> str:
    """From the file's extension (uploads are re-encoded and named by their format), else from
    what Pillow reads in the file."""
    known = IMAGE_TYPES.get(PurePath(name).suffix.lower())
    if known:
        return known
    try:
        found = Image.MIME.get(Image.open(handle).format or "")
    except (UnidentifiedImageError, OSError):
        found = None
    handle.seek(0)
    return found or mimetypes.guess_type(name)[0] or "application/octet-stream"


def photo_response(photo: ProductPhoto, size: str = "full") -> FileResponse:
    """The photo's file (or its thumbnail) shown inline with the type of its bytes; 404 when
    the file is missing."""
    field = photo.thumbnail if size == "thumbnail" else photo.image
    if not field or not field.name:
        raise Http404
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    suffix = PurePath(field.name).suffix.lower()
    return FileResponse(
        handle,
        content_type=_content_type(field.name, handle),
        filename=f"otop-photo-{photo.pk}{'-thumb' if size == 'thumbnail' else ''}{suffix}",
    )


@require_safe
@login_required
def product_photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """A product's photo for a reader who may see the product; anyone else gets 404, as if
    it did not exist."""
    if size not in SIZES:
        raise Http404
    photo = get_object_or_404(ProductPhoto.objects.select_related("product__producer"), pk=pk)
    if not can_view_product(request.user, photo.product):
        raise Http404
    response = photo_response(photo, size)
    patch_cache_control(response, private=True, max_age=PRIVATE_CACHE_SECONDS)
    return response
