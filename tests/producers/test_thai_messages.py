"""The same refusals reach a Thai reader in Thai: pages by default, the API on request."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from producers import validators
from tests.producers.factories import valid_national_id

pytestmark = pytest.mark.django_db


def test_a_bad_national_id_is_explained_in_thai():
    good = valid_national_id(7)
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    with translation.override("th"), pytest.raises(ValidationError) as excinfo:
        validators.validate_national_id(bad)
    assert "เลขหลักสุดท้ายของเลขประจำตัวประชาชนนี้ไม่สอดคล้องกับหลักอื่น" in excinfo.value.messages[0]


def test_a_file_that_is_not_a_photo_is_refused_in_thai_on_the_page(profile, category):
    client = Client()  # no language chosen: Thai
    client.force_login(profile.user)
    photo = SimpleUploadedFile("photo.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(
        "/producer/products/new/",
        {"name_th": "น้ำพริกตาแดง", "category": category.pk, "status": "draft", "photos": [photo]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "ไฟล์นี้ไม่ใช่รูปภาพ กรุณาเลือกรูปแบบ JPEG, PNG หรือ WebP" in html
    assert 'value="น้ำพริกตาแดง"' in html


def test_the_api_answers_in_thai_by_default_and_in_english_when_asked(profile, category):
    client = Client()
    client.force_login(profile.user)
    payload = {"name_th": "น้ำพริก", "category": category.code, "gtin": "8850123456780"}
    thai = client.post("/api/v1/products/", payload, content_type="application/json")
    english = client.post(
        "/api/v1/products/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert thai.status_code == english.status_code == 400
    assert "บาร์โค้ด" in str(thai.json())
    assert "barcode" in str(english.json())
