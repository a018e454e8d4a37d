"""Every text a person types has a limit: a 100,000-character description is refused by the
form, the API and the model, with a message that says the limit."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from otop_portal.limits import DESCRIPTION_MAX
from producers.models import Product
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "ก" * 100_000
OUR_APPS = ("otop_portal", "producers", "partners", "matching")
# Written by the portal itself, never typed: the export's query string, a task's error, a
# notification's copy of a note that was limited where it was typed, the register import's
# failure and its rows' rejection reasons.
SYSTEM_TEXT = {
    "matching.ExportJob.query",
    "matching.ExportJob.error",
    "otop_portal.Notification.note",
    "producers.RegisterImport.failure_th",
    "producers.RegisterImport.failure_en",
    "producers.RegisterImportRejection.reason_th",
    "producers.RegisterImportRejection.reason_en",
    "matching.RematchRange.error",  # the failure a worker met, written by the portal
}


def _typed_text_fields():
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in OUR_APPS or label.split(".")[1].startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and f"{label}.{field.name}" not in SYSTEM_TEXT:
                yield f"{label}.{field.name}", field


@pytest.mark.parametrize(("name", "field"), list(_typed_text_fields()), ids=lambda v: str(v))
def test_every_typed_text_field_has_a_limit_the_model_checks(name, field):
    assert field.max_length, f"{name} has no max_length (the form and the API take it from there)"
    assert any(isinstance(v, MaxLengthValidator) for v in field.validators), (
        f"{name}: full_clean does not check the limit"
    )


def test_the_product_form_refuses_a_huge_description(client, profile, category):
    client.force_login(profile.user)
    response = client.post(
        "/producer/products/new/",
        {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "active", "description": HUGE},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["description"])
    assert f"at most {DESCRIPTION_MAX} characters (it has 100000)" in errors
    assert not Product.objects.exists()


def test_the_api_refuses_a_huge_description(client, profile, category):
    client.force_login(profile.user)
    response = client.post(
        "/api/v1/products/",
        {"name_th": "ชา", "category": "food", "description": HUGE},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "no more than 5000 characters" in response.json()["description"][0]
    assert not Product.objects.exists()


def test_the_model_refuses_it_whatever_the_caller(profile, category):
    product = factories.ProductFactory(producer=profile)
    product.description = HUGE
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert "description" in refused.value.message_dict


def test_a_partner_description_and_requirement_notes_are_limited(client, officer, partner_org):
    factories.ChannelFactory(partner=partner_org, code="central-shelf")
    client.force_login(officer)
    response = client.patch(
        "/api/v1/partners/central/", {"description_th": HUGE}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "description_th" in response.json()
    response = client.patch(
        "/api/v1/requirements/central-shelf/", {"notes_th": HUGE}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "notes_th" in response.json()


def test_a_thai_reader_is_told_the_limit_in_thai(client, profile, category):
    client.cookies["django_language"] = "th"
    client.force_login(profile.user)
    response = client.post(
        "/producer/products/new/",
        {"name_th": "ข้าวแต๋น", "category": category.pk, "status": "active", "description": HUGE},
    )
    errors = " ".join(response.context["form"].errors["description"])
    assert "ยาวได้ไม่เกิน 5000 ตัวอักษร (ตอนนี้มี 100000 ตัวอักษร)" in errors
