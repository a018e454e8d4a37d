import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from partners.models import RequirementVersion
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

EDIT_URL = "/partners/central/channels/central-shelf/edit/"


def _edit_form(**changes) -> dict:
    data = {
        "channel-kind": "modern_trade",
        "channel-name_th": "ชั้นวาง",
        "channel-name_en": "Shelf",
        "channel-nationwide": "on",
        "channel-is_active": "on",
        "min_star_level": "3",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "preferred-TOTAL_FORMS": "2",
        "preferred-INITIAL_FORMS": "0",
        "preferred-MIN_NUM_FORMS": "0",
        "preferred-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_directory_shows_partners_channels_and_their_sentences(client, central_channel):
    client.cookies.load({"django_language": "en"})
    page = client.get("/partners/").content.decode()
    assert "Central Group" in page
    assert "Central shelf" in page
    assert "Products need at least 3 OTOP stars." in page


def test_directory_reads_in_thai_by_default(central_channel):
    from django.test import Client

    page = Client().get("/partners/").content.decode()
    assert "เซ็นทรัล กรุ๊ป" in page
    assert "ช่องทาง central-shelf" in page


def test_partner_administrator_edits_a_requirement_and_a_version_is_written(
    client, partner, central_channel
):
    client.force_login(partner)
    response = client.post(EDIT_URL, _edit_form(min_star_level="5", change_note="tighter"))
    assert response.status_code == 302
    version = RequirementVersion.objects.get(channel=central_channel, number=2)
    assert (version.changed_by, version.note, version.snapshot["min_stars"]) == (
        partner,
        "tighter",
        5,
    )
    history = client.get("/partners/central/channels/central-shelf/history/").content.decode()
    assert str(partner) in history


def test_contradiction_is_shown_beside_the_field_and_nothing_is_saved(
    client, partner, central_channel
):
    client.force_login(partner)
    client.cookies.load({"django_language": "en"})
    response = client.post(EDIT_URL, _edit_form(price_min="100", price_max="10"))
    assert response.status_code == 200
    assert "The highest price is below the lowest price." in response.content.decode()
    assert RequirementVersion.objects.filter(channel=central_channel).count() == 1


def test_any_of_group_with_one_certificate_is_explained_in_the_form(
    client, partner, central_channel, fda
):
    client.force_login(partner)
    client.cookies.load({"django_language": "en"})
    response = client.post(
        EDIT_URL,
        _edit_form(**{"rules-0-mode": "any", "rules-0-certification_types": [str(fda.pk)]}),
    )
    assert "two or more certificates" in response.content.decode()


def test_member_of_another_partner_cannot_edit_the_channel(client, other_partner, central_channel):
    client.force_login(other_partner)
    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, _edit_form(min_star_level="1")).status_code == 403
    central_channel.requirement.refresh_from_db()
    assert central_channel.requirement.min_star_level == 3


def test_a_plain_member_of_the_same_partner_only_reads(client, partner_org, central_channel):
    member = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=False)
    client.force_login(member)
    assert client.get(EDIT_URL).status_code == 403
    assert client.get("/partners/central/channels/central-shelf/history/").status_code == 200


def test_partner_administrator_adds_a_channel(client, partner, partner_org):
    client.force_login(partner)
    response = client.post(
        "/partners/central/channels/new/",
        {
            "channel-code": "central-online",
            "channel-kind": "online_marketplace",
            "channel-name_th": "ออนไลน์",
            "channel-name_en": "Central online",
            "channel-nationwide": "on",
            "channel-is_active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/partners/central/channels/central-online/edit/"
    assert partner_org.channels.get(code="central-online").requirement.version == 1


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_logo_is_accepted_when_it_really_is_an_image(client, partner, partner_org):
    client.force_login(partner)
    response = client.post(
        "/partners/central/edit/",
        {
            "name_th": "เซ็นทรัล",
            "name_en": "Central Group",
            "logo": SimpleUploadedFile("logo.png", _png(), "image/png"),
        },
    )
    assert response.status_code == 302
    partner_org.refresh_from_db()
    assert partner_org.logo.name.startswith("partners/logos/central-")


def test_a_file_named_png_that_is_not_an_image_is_refused(client, partner, partner_org):
    client.force_login(partner)
    response = client.post(
        "/partners/central/edit/",
        {
            "name_th": "เซ็นทรัล",
            "name_en": "Central Group",
            "logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png"),
        },
    )
    assert response.status_code == 200
    partner_org.refresh_from_db()
    assert not partner_org.logo


def test_partner_administrator_cannot_change_the_partner_status(client, partner, partner_org):
    client.force_login(partner)
    client.post(
        "/partners/central/edit/",
        {
            "name_th": "เซ็นทรัล",
            "name_en": "Central Group",
            "status": "left",
        },
    )
    partner_org.refresh_from_db()
    assert partner_org.status == "active"


def test_saving_the_profile_never_records_that_a_partner_left(
    client, officer, partner_org, central_channel
):
    # Leaving is final: it has its own confirmation page (tests/partners/test_partner_left.py).
    client.force_login(officer)
    response = client.post(
        "/partners/central/edit/",
        {
            "name_th": "เซ็นทรัล",
            "name_en": "Central Group",
            "status": "left",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    partner_org.refresh_from_db()
    assert partner_org.status == "active"
    assert partner_org.channels.get().is_active


def _more_partners_with_channels(food, fda):
    def add(n):
        for _ in range(n):
            channel = factories.ChannelFactory(
                requirement={"categories": [food]},
                certificate_rules=[
                    {"mode": "all", "certification_types": [fda], "categories": [food]}
                ],
                preferred=[{"kind": "stars", "weight": 5, "target_star_level": 5}],
            )
            factories.ChannelFactory(partner=channel.partner)

    return add


def test_directory_keeps_a_constant_number_of_queries(client, food, fda):
    assert_constant_queries(client, "/partners/", _more_partners_with_channels(food, fda))


def test_partner_page_keeps_a_constant_number_of_queries(client, partner_org, food, fda):
    def add(n):
        for _ in range(n):
            factories.ChannelFactory(
                partner=partner_org,
                requirement={"categories": [food]},
                certificate_rules=[{"mode": "all", "certification_types": [fda]}],
            )

    assert_constant_queries(client, "/partners/central/", add)
