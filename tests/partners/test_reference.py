"""The eight MOU partners and their channels load from domain.md section 7, and a re-run never
undoes what people changed."""

import pytest
from django.core.management import call_command

from partners.models import Channel, Partner, RequirementVersion
from partners.services import requirement_save
from tests import factories

pytestmark = pytest.mark.django_db


def _load():
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_partner_has_a_channel_with_a_first_version_from_the_reference_data():
    _load()
    assert Partner.objects.count() == 8
    assert set(Channel.objects.values_list("partner__code", flat=True)) == set(
        Partner.objects.values_list("code", flat=True)
    )
    for channel in Channel.objects.all():
        version = RequirementVersion.objects.get(channel=channel)
        assert (version.number, version.changed_by, version.note) == (1, None, "reference data")
    cpall = RequirementVersion.objects.get(channel__code="cpall-7-eleven").snapshot
    assert (cpall["kind"], cpall["min_stars"], cpall["gtin_required"]) == (
        "convenience_store",
        4,
        True,
    )
    assert cpall["certificate_rules"] == [
        {"mode": "all", "types": ["fda"], "categories": ["beverage", "food"]}
    ]
    assert "2026" in Partner.objects.get(code="nocnoc").description_en


def test_reloading_changes_nothing():
    _load()
    before = list(RequirementVersion.objects.order_by("pk").values_list("pk", "snapshot"))
    _load()
    assert list(RequirementVersion.objects.order_by("pk").values_list("pk", "snapshot")) == before


def test_reloading_keeps_edited_requirements_and_removed_rules():
    _load()
    channel = Channel.objects.get(code="cpall-7-eleven")
    editor = factories.OfficerFactory()
    requirement_save(
        channel=channel,
        by=editor,
        requirement_data={"min_star_level": 3, "gtin_required": False},
        certificate_rules=[],
    )
    Partner.objects.filter(code="nocnoc").update(description_en="Edited by hand.")

    _load()

    snapshot = RequirementVersion.objects.get(channel=channel, number=2).snapshot
    channel.requirement.refresh_from_db()
    assert channel.requirement.version == 2
    assert (snapshot["min_stars"], snapshot["gtin_required"], snapshot["certificate_rules"]) == (
        3,
        False,
        [],
    )
    assert not RequirementVersion.objects.filter(channel=channel, number=3).exists()
    assert Partner.objects.get(code="nocnoc").description_en == "Edited by hand."
