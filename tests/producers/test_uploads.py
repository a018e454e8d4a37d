"""Uploads: photos and scanned certificates are judged by their bytes. Each bad file gets a
clear message and the rest of the form is kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from producers.models import Certification, Product, ProductPhoto
from tests.producers.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
PDF_WITH_SCRIPT = (
    b"%PDF-1.4\n1 0 obj<< /Type /Catalog /OpenAction 2 0 R >>endobj\n"
    b"2 0 obj<< /S /JavaScript /JS (app.alert(1)) >>endobj\ntrailer<<>>\n%%EOF\n"
)
PLAIN_PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 48 kB PNG that declares 20000 x 20000 pixels (400 million)."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def product_form(category, **extra):
    return {
        "name_th": "น้ำพริกตาแดง",
        "category": category.pk,
        "status": "draft",
        "price": "45",
        **extra,
    }


def post_product(client, category, photo):
    return client.post("/producer/products/new/", product_form(category, photos=[photo]))


def assert_refused_and_kept(response, words: str):
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html, html[html.find("errorlist") - 200 : html.find("errorlist") + 400]
    assert 'value="น้ำพริกตาแดง"' in html  # the name typed is kept
    assert 'value="45"' in html  # and the price
    assert not Product.objects.exists()
    assert not ProductPhoto.objects.exists()


@pytest.fixture
def logged_in_producer(client, profile):
    client.force_login(profile.user)
    return client


def test_a_text_file_renamed_jpg_is_not_a_photo(logged_in_producer, category):
    response = post_product(
        logged_in_producer, category, upload("photo.jpg", b"just some text, not a picture")
    )
    assert_refused_and_kept(
        response, "photo.jpg: This file is not a photo. Choose a JPEG, PNG or WebP image."
    )


def test_a_truncated_jpeg_is_called_damaged(logged_in_producer, category):
    data = jpeg_bytes((400, 300))
    response = post_product(logged_in_producer, category, upload("cut.jpg", data[: len(data) // 2]))
    assert_refused_and_kept(response, "damaged or incomplete")


def test_a_decompression_bomb_is_refused_for_its_pixels(logged_in_producer, category, bomb):
    response = post_product(logged_in_producer, category, upload("bomb.png", bomb, "image/png"))
    assert_refused_and_kept(response, "This picture is too large: at most 40 million pixels.")


def test_a_picture_over_the_pixel_limit_is_refused(logged_in_producer, category, settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 100 * 100
    response = post_product(logged_in_producer, category, upload("big.jpg", jpeg_bytes((200, 100))))
    assert_refused_and_kept(response, "too large")


def test_an_oversized_file_is_refused_with_the_limit(logged_in_producer, category, settings):
    settings.UPLOAD_MAX_IMAGE_BYTES = 2048
    data = jpeg_bytes((300, 300), quality=100)
    assert len(data) > 2048
    response = post_product(logged_in_producer, category, upload("heavy.jpg", data))
    assert_refused_and_kept(response, "This photo is too big: at most 2.0")


def test_an_svg_is_not_a_photo(logged_in_producer, category):
    response = post_product(logged_in_producer, category, upload("logo.svg", SVG, "image/svg+xml"))
    assert_refused_and_kept(response, "This file is not a photo.")


def test_a_pdf_with_scripts_where_a_photo_is_expected_is_not_a_photo(logged_in_producer, category):
    response = post_product(logged_in_producer, category, upload("photo.jpg", PDF_WITH_SCRIPT))
    assert_refused_and_kept(response, "This file is not a photo.")


def test_a_gif_is_not_accepted(logged_in_producer, category):
    response = post_product(
        logged_in_producer, category, upload("a.gif", jpeg_bytes(fmt="GIF"), "image/gif")
    )
    assert_refused_and_kept(response, "This file is not a photo.")


def test_a_good_photo_is_re_encoded_without_exif_and_turned_upright(logged_in_producer, category):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show
    exif[0x8825] = {1: "N", 2: (18.0, 47.0, 0.0), 3: "E", 4: (98.0, 59.0, 0.0)}  # GPS
    data = jpeg_bytes((80, 40), exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == 6

    response = post_product(logged_in_producer, category, upload("IMG_0001.JPG", data))

    assert response.status_code == 302
    photo = ProductPhoto.objects.get()
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert stored.size == (40, 80)  # upright
    assert not stored.getexif()  # no orientation, no GPS, nothing
    assert "IMG_0001" not in photo.image.name
    assert (photo.width, photo.height) == (40, 80)
    assert photo.thumbnail.name.endswith("-thumb.jpg")


def test_png_and_webp_photos_are_accepted(logged_in_producer, category):
    photos = [
        upload("a.png", jpeg_bytes(fmt="PNG"), "image/png"),
        upload("b.webp", jpeg_bytes(fmt="WEBP"), "image/webp"),
    ]
    response = logged_in_producer.post(
        "/producer/products/new/", product_form(category, photos=photos)
    )
    assert response.status_code == 302
    assert sorted(p.image.name.rsplit(".", 1)[1] for p in ProductPhoto.objects.all()) == [
        "png",
        "webp",
    ]


def test_more_than_eight_photos_are_refused(logged_in_producer, category):
    photos = [upload(f"{n}.jpg", jpeg_bytes()) for n in range(9)]
    response = logged_in_producer.post(
        "/producer/products/new/", product_form(category, photos=photos)
    )
    assert_refused_and_kept(response, "at most 8 photos")


# --- Scanned certificates -----------------------------------------------------------------------


def cert_form(fda_type, **extra):
    return {
        "type": fda_type.pk,
        "number": "50-1-12345-2-0001",
        "issuer": "สสจ. เชียงใหม่",
        "issued_on": "2024-03-01",
        "scope": "producer",
        **extra,
    }


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("scan.pdf", PDF_WITH_SCRIPT, "This PDF contains scripts or attached files"),
        ("scan.svg", SVG, "This file is not a PDF, JPEG or PNG."),
        ("scan.jpg", b"not a scan at all", "This file is not a PDF, JPEG or PNG."),
        ("scan.webp", jpeg_bytes(fmt="WEBP"), "This file is not a PDF, JPEG or PNG."),
        ("scan.pdf", PLAIN_PDF[:-7], "This PDF is damaged or incomplete."),
    ],
)
def test_a_bad_certificate_document_is_refused_and_the_form_kept(
    logged_in_producer, fda_type, name, data, words
):
    response = logged_in_producer.post(
        "/producer/certificates/new/",
        cert_form(fda_type, document=upload(name, data, "application/pdf")),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html
    assert 'value="สสจ. เชียงใหม่"' in html
    assert not Certification.objects.exists()


def test_an_oversized_document_is_refused(logged_in_producer, fda_type, settings):
    settings.UPLOAD_MAX_DOCUMENT_BYTES = 100
    response = logged_in_producer.post(
        "/producer/certificates/new/",
        cert_form(fda_type, document=upload("s.pdf", PLAIN_PDF + b" " * 200)),
    )
    assert "This file is too big: at most 100" in response.content.decode()


def test_a_document_is_downloaded_as_an_attachment_of_its_checked_type(
    logged_in_producer, fda_type, settings
):
    response = logged_in_producer.post(
        "/producer/certificates/new/",
        cert_form(fda_type, document=upload("scan.pdf", PLAIN_PDF, "text/html")),
    )
    assert response.status_code == 302
    cert = Certification.objects.get()
    # Stored outside MEDIA_ROOT: no public URL can reach it.
    assert not (settings.MEDIA_ROOT / cert.document.name).exists()
    download = logged_in_producer.get(f"/producer/certificates/{cert.pk}/document/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PLAIN_PDF


def test_a_scanned_jpeg_certificate_is_accepted(logged_in_producer, fda_type):
    response = logged_in_producer.post(
        "/producer/certificates/new/",
        cert_form(fda_type, document=upload("scan.jpg", jpeg_bytes())),
    )
    assert response.status_code == 302
    assert Certification.objects.get().document_content_type == "image/jpeg"
