"""The producer API: own data only, the same rules and messages as the forms, filters, schema."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from producers.models import Product
from tests import factories
from tests.helpers import assert_constant_queries
from tests.producers.factories import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, profile):
    client.force_login(profile.user)
    return client


def test_profile_shows_the_owner_their_full_national_id(api, profile):
    data = api.get("/api/v1/producer/profile/").json()
    assert data["national_id"].replace("-", "") == profile.national_id
    assert data["province"] == "50"


def test_profile_patch_uses_the_same_messages_as_the_form(api):
    response = api.patch(
        "/api/v1/producer/profile/",
        {"phone": "08123", "national_id": "1234567890123"},
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "A mobile number has 10 digits, like 081 234 5678." in errors["phone"]
    assert any("does not match the others" in m for m in errors["national_id"])


def test_profile_patch_checks_the_address_across_fields(api):
    response = api.patch(
        "/api/v1/producer/profile/", {"postal_code": "50100"}, content_type="application/json"
    )
    assert "is 50200, not 50100" in response.json()["postal_code"][0]


def test_submit_without_consent_says_so(client, producer):
    client.force_login(producer)
    response = client.post(
        "/api/v1/producer/profile/submit/", {"consent": False}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Tick the box" in response.json()["consent"][0]


def test_create_a_product_by_token(client, profile, category):
    token = Token.objects.create(user=profile.user)
    response = client.post(
        "/api/v1/products/",
        {"name_th": "ชาใบหม่อน", "category": "food", "gtin": "8850999220017", "price": "120.00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201, response.json()
    assert Product.objects.get().producer == profile


def test_a_bad_barcode_gets_the_forms_message(api, category):
    response = api.post(
        "/api/v1/products/",
        {"name_th": "ชา", "category": "food", "gtin": "8850999220016"},
        content_type="application/json",
    )
    assert response.json()["gtin"] == [
        "The last digit of this barcode does not match the others. "
        "Copy the number under the bars again."
    ]


def test_photo_upload_by_multipart_is_checked_by_content(api, profile):
    product = factories.ProductFactory(producer=profile)
    bad = api.post(
        "/api/v1/product-photos/",
        {
            "product": product.pk,
            "image": SimpleUploadedFile("x.jpg", b"text", content_type="image/jpeg"),
        },
    )
    assert bad.status_code == 400
    assert "This file is not a photo." in bad.json()["image"][0]
    good = api.post(
        "/api/v1/product-photos/",
        {
            "product": product.pk,
            "image": SimpleUploadedFile("x.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )
    assert good.status_code == 201
    assert good.json()["thumbnail"]


def test_a_photo_cannot_be_added_to_another_producers_product(api, other_profile):
    theirs = factories.ProductFactory(producer=other_profile)
    response = api.post(
        "/api/v1/product-photos/",
        {
            "product": theirs.pk,
            "image": SimpleUploadedFile("x.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert theirs.photos.count() == 0


def test_certificate_create_with_a_document_and_the_forms_number_rule(api, fda_type):
    bad = api.post(
        "/api/v1/certifications/",
        {"type": "fda", "number": "123", "issued_on": "2024-01-01", "scope": "producer"},
    )
    assert "An FDA (อย.) number has 13 digits; you typed 3." in bad.json()["number"]
    good = api.post(
        "/api/v1/certifications/",
        {
            "type": "fda",
            "number": "50-1-12345-2-0001",
            "issued_on": "2024-01-01",
            "scope": "producer",
            "document": SimpleUploadedFile(
                "s.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
            ),
        },
    )
    assert good.status_code == 201, good.json()
    assert good.json()["has_document"] is True and good.json()["status"] == "pending"


def test_lists_hold_only_my_rows_and_filter(api, profile, other_profile, fda_type, stars_type):
    mine = factories.ProductFactory(producer=profile, status="active")
    factories.ProductFactory(producer=profile, status="draft")
    factories.ProductFactory(producer=other_profile, status="active")
    factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        scope="products",
        products=[mine],
        expires_on=dt.date(2030, 1, 1),
    )
    factories.CertificationFactory(
        producer=profile, type=stars_type, number="OPC", star_level=3, award_year=2024
    )
    assert api.get("/api/v1/products/").json()["count"] == 2
    assert [
        p["id"] for p in api.get("/api/v1/products/", {"status": "active"}).json()["results"]
    ] == [mine.pk]
    assert [
        p["id"]
        for p in api.get("/api/v1/products/", {"certification_type": "fda"}).json()["results"]
    ] == [mine.pk]
    certs = api.get("/api/v1/certifications/", {"expires_before": "2030-12-31"}).json()
    assert certs["count"] == 1
    assert api.get("/api/v1/certifications/", {"type": "otop-stars"}).json()["count"] == 1


def test_other_roles_get_403_from_the_producer_api(client, officer):
    client.force_login(officer)
    assert client.get("/api/v1/products/").status_code == 403


def test_the_schema_describes_the_producer_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    for path in [
        "/api/v1/producer/profile/",
        "/api/v1/products/",
        "/api/v1/products/{id}/",
        "/api/v1/product-photos/",
        "/api/v1/certifications/",
    ]:
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/certifications/"]["get"]["parameters"]}
    assert {"status", "type", "expires_before"} <= params


def test_product_api_list_keeps_a_constant_number_of_queries(api, profile, stars_type):
    factories.CertificationFactory(
        producer=profile,
        type=stars_type,
        number="OPC",
        star_level=4,
        award_year=2024,
        status="verified",
    )

    def add(n):
        for _ in range(n):
            factories.ProductPhotoFactory(product=factories.ProductFactory(producer=profile))

    assert_constant_queries(api, "/api/v1/products/", add)


def test_certification_api_list_keeps_a_constant_number_of_queries(api, profile, fda_type):
    def add(n):
        for _ in range(n):
            product = factories.ProductFactory(producer=profile)
            factories.CertificationFactory(
                producer=profile, type=fda_type, scope="products", products=[product]
            )

    assert_constant_queries(api, "/api/v1/certifications/", add)
