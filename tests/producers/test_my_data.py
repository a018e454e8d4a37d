"""My data (PDPA): download everything, and erasure that keeps the audit trail and products."""

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile

from otop_portal.models import User
from producers.models import (
    CERTIFICATION_FIELDS,
    PRODUCT_FIELDS,
    NationalIdView,
    Producer,
    ProducerEvent,
)
from producers.selectors import producer_national_id_for
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_files(profile, fda_type):
    product = factories.ProductFactory(producer=profile)
    factories.ProductPhotoFactory(product=product)
    cert = factories.CertificationFactory(producer=profile, type=fda_type)
    cert.document.save("scan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return product, cert


def test_download_holds_the_data_and_the_files(client, profile, with_files):
    client.force_login(profile.user)
    response = client.get("/producer/my-data/download/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["producer"]["national_id"] == profile.national_id
    assert data["account"]["email"] == profile.user.email
    assert len(data["products"]) == 1 and len(data["certifications"]) == 1
    # Every field the owner fills in is in it (producers.models' field lists).
    assert set(PRODUCT_FIELDS) <= data["products"][0].keys()
    assert set(CERTIFICATION_FIELDS) <= data["certifications"][0].keys()
    assert data["products"][0]["category"] == with_files[0].category.code
    names = archive.namelist()
    assert any(n.startswith("photos/") for n in names)
    assert any(n.startswith("certificates/") for n in names)
    assert ProducerEvent.objects.filter(producer=profile, action="exported").exists()


def test_erasure_needs_the_password(client, profile):
    client.force_login(profile.user)
    response = client.post("/producer/my-data/erase/", {"password": "wrong"})
    assert response.status_code == 400
    assert "This password is incorrect." in response.content.decode()
    assert Producer.objects.get(pk=profile.pk).erased_at is None


def test_erasure_removes_personal_data_and_keeps_products_and_the_audit_trail(
    client, profile, with_files, officer
):
    product, cert = with_files
    producer_national_id_for(officer, profile)  # an officer looked at the ID once
    old_phone, old_name = profile.phone, profile.name_th
    client.force_login(profile.user)

    response = client.post("/producer/my-data/erase/", {"password": factories.PASSWORD})

    assert response.status_code == 302
    erased = Producer.objects.get(pk=profile.pk)
    assert erased.national_id is None and erased.national_id_hash == ""
    assert erased.phone == "" and erased.house_no == ""
    assert erased.name_en == f"Erased producer #{profile.pk}"
    assert erased.products.get() == product  # referrals still point at it
    cert.refresh_from_db()
    assert not cert.document
    user = User.objects.get(pk=profile.user_id)
    assert (
        not user.is_active
        and user.email.endswith("@erased.invalid")
        and not user.has_usable_password()
    )
    assert not EmailAddress.objects.filter(user=user).exists()
    # History rows are scrubbed too; the audit trail stays.
    assert not erased.history.filter(phone=old_phone).exists()
    assert not erased.history.filter(name_th=old_name).exists()
    assert NationalIdView.objects.filter(producer=erased).count() == 1
    assert ProducerEvent.objects.filter(producer=erased, action="erased").exists()
    # Logged out: the next page asks to log in.
    assert client.get("/producer/").status_code == 302


def test_an_erased_national_id_can_register_again(profile, producer):
    from producers import services

    number = profile.national_id
    services.producer_erase(producer=profile, by=profile.user)
    newcomer = factories.ProducerUserFactory()
    draft = services.producer_get_or_create_draft(user=newcomer)
    services.producer_save_step(
        producer=draft,
        step="identity",
        data={"producer_type": "single_owner", "name_th": "ใหม่", "national_id": number},
        by=newcomer,
    )
    # The newcomer holds the number now, and is the only one found by it.
    saved = Producer.objects.get(user=newcomer)
    assert saved.national_id == number
    assert saved.national_id_hash == services.national_id_hash(number)
    assert list(Producer.objects.filter(national_id_hash=saved.national_id_hash)) == [saved]


def test_demo_producer_loads_once(db):
    from producers.demo import load_demo_producer
    from producers.reference import load_categories, load_certification_types

    load_categories()
    load_certification_types()
    factories.ProvinceFactory(code="50")
    factories.ProducerUserFactory(email="producer@demo.otop.th")
    assert load_demo_producer() == 2
    assert load_demo_producer() == 0
    producer = Producer.objects.get(user__email="producer@demo.otop.th")
    assert producer.products.count() == 2
    assert producer.certifications.get().star_level == 4
