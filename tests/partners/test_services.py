import pytest
from django.core.exceptions import ValidationError

from partners.models import Channel, PartnerStatus, RequirementVersion
from partners.permissions import can_edit_partner
from partners.services import partner_set_status, requirement_save
from producers.models import ProducerStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_saving_a_requirement_bumps_the_version_and_records_who(central_channel, partner):
    version = requirement_save(
        channel=central_channel,
        by=partner,
        note="buyers asked",
        requirement_data={"min_star_level": 4},
    )

    central_channel.requirement.refresh_from_db()
    assert central_channel.requirement.min_star_level == 4
    assert central_channel.requirement.version == 2
    assert (version.number, version.changed_by, version.note) == (2, partner, "buyers asked")
    assert version.snapshot["min_stars"] == 4
    assert version.snapshot["version"] == 2
    assert RequirementVersion.objects.filter(channel=central_channel).count() == 2


def test_saving_without_a_change_writes_no_version(central_channel, partner):
    assert (
        requirement_save(
            channel=central_channel, by=partner, requirement_data={"min_star_level": 3}
        )
        is None
    )
    central_channel.requirement.refresh_from_db()
    assert central_channel.requirement.version == 1


def test_a_change_to_the_notes_alone_is_a_version(central_channel, partner):
    version = requirement_save(
        channel=central_channel, by=partner, requirement_data={"notes_en": "Call first."}
    )
    assert version.number == 2
    assert version.notes_en == "Call first."


def test_changing_the_area_is_a_new_version(central_channel, officer, province):
    version = requirement_save(
        channel=central_channel,
        by=officer,
        channel_data={"nationwide": False, "provinces": [province]},
    )
    assert version.snapshot["nationwide"] is False
    assert version.snapshot["provinces"] == ["50"]


def _errors(**kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        requirement_save(**kwargs)
    return caught.value.message_dict


def test_lowest_price_above_highest_is_refused(central_channel, partner):
    errors = _errors(
        channel=central_channel, by=partner, requirement_data={"price_min": 500, "price_max": 100}
    )
    assert errors == {"price_max": ["The highest price is below the lowest price."]}


def test_any_of_group_with_one_certificate_is_refused(central_channel, partner, fda):
    errors = _errors(
        channel=central_channel,
        by=partner,
        certificate_rules=[{"mode": "any", "certification_types": [fda], "categories": []}],
    )
    assert "two or more certificates" in errors["certificate_rules.0.certification_types"][0]


def test_category_condition_naming_no_category_is_refused(central_channel, partner, fda):
    errors = _errors(
        channel=central_channel,
        by=partner,
        certificate_rules=[
            {"mode": "all", "certification_types": [fda], "categories": [], "conditional": True}
        ],
    )
    assert "Name the categories" in errors["certificate_rules.0.categories"][0]


def test_rule_for_a_category_the_channel_refuses_is_refused(
    central_channel, partner, fda, food, textile
):
    errors = _errors(
        channel=central_channel,
        by=partner,
        requirement_data={"categories": [textile]},
        certificate_rules=[{"mode": "all", "certification_types": [fda], "categories": [food]}],
    )
    assert "would never apply" in errors["certificate_rules.0.categories"][0]


def test_preferred_stars_must_be_above_the_minimum(central_channel, partner):
    errors = _errors(
        channel=central_channel,
        by=partner,
        preferred=[{"kind": "stars", "weight": 10, "target_star_level": 3}],
    )
    assert errors == {
        "preferred.0.target_star_level": [
            "The preferred star level must be above the minimum of 3."
        ]
    }


def test_a_channel_that_is_not_nationwide_needs_provinces(central_channel, partner):
    errors = _errors(channel=central_channel, by=partner, channel_data={"nationwide": False})
    assert list(errors) == ["provinces"]


def test_a_refused_change_leaves_everything_as_it_was(central_channel, partner):
    _errors(
        channel=central_channel,
        by=partner,
        requirement_data={"min_star_level": 5, "price_min": 9, "price_max": 1},
    )
    central_channel.requirement.refresh_from_db()
    assert central_channel.requirement.min_star_level == 3
    assert RequirementVersion.objects.filter(channel=central_channel).count() == 1


def test_partner_leaving_keeps_history_closes_channels_and_withdraws_referrals(
    partner_org, central_channel, partner, officer
):
    from matching.models import Referral, ReferralState
    from matching.services import referral_propose, rematch_all

    requirement_save(channel=central_channel, by=partner, requirement_data={"min_star_level": None})
    profile = factories.ProducerFactory(
        province=officer.provinces.first(), status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile)
    rematch_all()
    referral = referral_propose(product=product, channel=central_channel, by=officer)

    partner_set_status(partner=partner_org, status=PartnerStatus.LEFT, by=officer)

    referral = Referral.objects.get(pk=referral.pk)  # withdrawn, not deleted
    assert referral.state == ReferralState.WITHDRAWN
    assert referral.events.last().note == "The partner left the MOU."
    partner_org.refresh_from_db()
    assert partner_org.status == PartnerStatus.LEFT
    assert not Channel.objects.get(pk=central_channel.pk).is_active
    assert RequirementVersion.objects.filter(channel=central_channel).count() == 2
    assert partner_org.history.first().history_user == officer
    partner.refresh_from_db()
    assert partner.is_active  # members can still log in ...
    assert not can_edit_partner(partner, partner_org)  # ... but no longer edit


def test_pausing_keeps_channels_open(partner_org, central_channel, officer):
    partner_set_status(partner=partner_org, status=PartnerStatus.PAUSED, by=officer)
    assert Channel.objects.get(pk=central_channel.pk).is_active


def test_only_own_partner_administrators_officers_and_admins_may_edit(
    partner_org, partner, other_partner, officer, admin, producer
):
    member = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=False)
    assert can_edit_partner(partner, partner_org)
    assert can_edit_partner(officer, partner_org)
    assert can_edit_partner(admin, partner_org)
    assert not can_edit_partner(member, partner_org)
    assert not can_edit_partner(other_partner, partner_org)
    assert not can_edit_partner(producer, partner_org)


def test_a_channel_cannot_take_a_code_the_web_addresses_use(partner):
    from django.utils import translation

    from partners.services import channel_create

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        channel_create(partner=partner.partner, code="new", channel_data={}, by=partner)
    assert "Choose another code" in str(excinfo.value)
    assert not Channel.objects.filter(code="new").exists()
