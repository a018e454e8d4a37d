"""Product photos are private files: no public /media/products/ address (in production or in
DEBUG), shown only to those who may see the product; a feed's signed link is the one way in
without a login, and it expires (tests/partners/test_feeds.py)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import Resolver404, resolve, reverse

from producers.models import ProductPhoto, private_storage
from producers.services import producer_erase
from tests import factories
from tests.producers.matrix_rows_photos import photo_sent_to_central

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(request) -> ProductPhoto:
    return ProductPhoto.objects.get(pk=photo_sent_to_central(request)["pk"])


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_file_is_outside_media_root(photo):
    path = Path(photo.image.path)
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert Path(private_storage.location) in path.parents
    with pytest.raises(ValueError, match="no public URL"):
        photo.image.url  # noqa: B018


def test_a_reader_who_may_see_the_product_gets_the_photo(client, photo, partner):
    client.force_login(partner)
    response = client.get(photo.image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    with photo.image.open("rb") as handle:
        assert _bytes(response) == handle.read()
    thumbnail = client.get(photo.thumbnail_url)
    assert thumbnail.status_code == 200 and _bytes(thumbnail)


def test_an_unknown_size_is_not_found(client, photo, admin):
    client.force_login(admin)
    url = reverse("producers:product_photo", kwargs={"pk": photo.pk, "size": "huge"})
    assert client.get(url).status_code == 404


def test_an_erased_producers_photos_are_gone_for_everyone_but_administrators(
    client, photo, officer, admin, producer
):
    producer_erase(producer=photo.product.producer, by=producer)
    client.force_login(officer)
    assert client.get(photo.image_url).status_code == 404
    client.force_login(admin)
    assert client.get(photo.image_url).status_code == 200


def test_pages_and_the_api_link_to_the_checked_address(client, photo, partner, producer):
    client.force_login(partner)
    page = client.get(reverse("partners:home")).content.decode()
    assert photo.thumbnail_url in page and "/media/" not in page
    client.force_login(producer)
    body = client.get("/api/v1/products/").json()
    (summary,) = body["results"][0]["photos"]
    assert summary["image"] == "http://testserver" + photo.image_url
    assert summary["thumbnail"] == "http://testserver" + photo.thumbnail_url


def test_no_media_products_address_answers(photo):
    with pytest.raises(Resolver404):
        resolve("/media/" + photo.image.name)


def test_not_even_in_debug(photo):
    from django.urls import URLResolver
    from django.urls.resolvers import RegexPattern

    from otop_portal.urls import debug_media_urlpatterns

    debug = URLResolver(RegexPattern(r"^/"), debug_media_urlpatterns())
    with pytest.raises(Resolver404):
        debug.resolve("/media/" + photo.image.name)
    # Partner logos stay public media (they are on the public directory).
    assert debug.resolve("/media/partners/logos/central.png").func.__name__ == "serve"


def test_photos_uploaded_before_move_to_the_private_storage(db):
    migration = importlib.import_module("producers.migrations.0008_product_photos_private")
    photo = factories.ProductPhotoFactory()
    name = photo.image.name
    with private_storage.open(name, "rb") as handle:
        data = handle.read()
    private_storage.delete(name)
    default_storage.save(name, ContentFile(data))  # where a photo lived before
    from django.apps import apps

    migration.move_photos_to_private_storage(apps, None)
    assert not default_storage.exists(name)
    with private_storage.open(name, "rb") as handle:
        assert handle.read() == data
