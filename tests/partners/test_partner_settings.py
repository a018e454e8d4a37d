"""The partner settings hub: each member's notification choice, the members and what an
administrator may change about them (never leaving the partner without an administrator),
pending invitations, and the channels with what they require."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from otop_portal.models import Role
from partners.services import partner_member_deactivate, partner_member_set_admin
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
SETTINGS = reverse("partners:settings")


def _make_admin(member):
    return reverse("partners:member_admin", args=[member.pk])


def _deactivate(member):
    return reverse("partners:member_deactivate", args=[member.pk])


def test_a_member_sees_their_notification_choice_and_where_to_change_it(client, other_partner):
    other_partner.referral_emails = "daily"
    other_partner.save()
    client.force_login(other_partner)
    response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A daily digest" in html
    assert reverse("notification_settings") in html


def test_the_members_are_listed_with_their_roles(client, partner, colleague, other_partner):
    client.force_login(partner)
    html = client.get(SETTINGS).content.decode()
    assert "Malee Srisuk" in html and partner.email in html
    assert html.count("partner administrator") >= 1
    assert other_partner.email not in html  # another partner's member


def test_a_plain_member_sees_the_members_but_no_buttons_keys_or_invitations(
    client, partner, colleague
):
    client.force_login(colleague)
    html = client.get(SETTINGS).content.decode()
    assert partner.email in html
    assert _make_admin(partner) not in html and _deactivate(partner) not in html
    assert reverse("partners:api_keys") not in html
    assert reverse("invitation_list") not in html
    assert client.post(_make_admin(colleague), {"is_admin": "1"}).status_code == 403
    assert client.post(_deactivate(partner)).status_code == 403
    partner.refresh_from_db()
    assert partner.is_active


def test_an_administrator_sees_the_buttons_the_keys_and_pending_invitations(
    client, partner, colleague, officer
):
    factories.InvitationFactory(
        partner=partner.partner, invited_by=partner, email="new@example.org"
    )
    factories.InvitationFactory(partner=factories.PartnerFactory(), email="elsewhere@example.org")
    client.force_login(partner)
    html = client.get(SETTINGS).content.decode()
    assert _make_admin(colleague) in html and _deactivate(colleague) in html
    assert _deactivate(partner) not in html  # not their own account
    assert reverse("partners:api_keys") in html
    assert reverse("invitation_list") in html
    assert "new@example.org" in html
    assert "elsewhere@example.org" not in html


def test_an_administrator_makes_a_colleague_an_administrator_and_back(client, partner, colleague):
    client.force_login(partner)
    response = client.post(_make_admin(colleague), {"is_admin": "1"}, follow=True)
    assert "Malee Srisuk is now an administrator of your partner." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.is_partner_admin
    client.post(_make_admin(colleague), {"is_admin": "0"})
    colleague.refresh_from_db()
    assert not colleague.is_partner_admin


def test_the_last_administrator_cannot_step_down(client, partner, colleague):
    client.force_login(partner)
    response = client.post(_make_admin(partner), {"is_admin": "0"}, follow=True)
    assert "A partner needs at least one active administrator" in response.content.decode()
    partner.refresh_from_db()
    assert partner.is_partner_admin
    # With a second administrator, they can.
    partner_member_set_admin(member=colleague, is_admin=True, by=partner)
    client.post(_make_admin(partner), {"is_admin": "0"})
    partner.refresh_from_db()
    assert not partner.is_partner_admin


def test_a_deactivated_administrator_does_not_count_as_the_one_left(partner, partner_org):
    second = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
    partner_member_deactivate(member=second, by=partner)
    with pytest.raises(ValidationError, match="at least one active administrator"):
        partner_member_set_admin(member=partner, is_admin=False, by=partner)
    plain = factories.PartnerMemberFactory(partner=partner_org)
    partner_member_deactivate(member=plain, by=partner)
    with pytest.raises(ValidationError, match="deactivated"):
        partner_member_set_admin(member=plain, is_admin=True, by=partner)


def test_an_administrator_deactivates_a_colleague_who_can_no_longer_log_in(
    client, partner, colleague
):
    client.force_login(partner)
    response = client.post(_deactivate(colleague), follow=True)
    assert "account is deactivated" in response.content.decode()
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert not client.login(email=colleague.email, password=factories.PASSWORD)
    html = client.get(SETTINGS).content.decode()
    assert "Deactivated" in html
    # again: nothing changes, and it says so
    response = client.post(_deactivate(colleague), follow=True)
    assert "was already deactivated" in response.content.decode()


def test_an_administrator_cannot_deactivate_themselves(client, partner, colleague):
    client.force_login(partner)
    response = client.post(_deactivate(partner), follow=True)
    assert "You cannot deactivate your own account" in response.content.decode()
    partner.refresh_from_db()
    assert partner.is_active


def test_another_partners_member_is_not_found(client, partner, other_partner, other_partner_org):
    rival = factories.PartnerMemberFactory(partner=other_partner_org, is_partner_admin=True)
    client.force_login(rival)
    assert client.post(_make_admin(partner), {"is_admin": "0"}).status_code == 404
    assert client.post(_deactivate(partner)).status_code == 404
    client.force_login(partner)
    assert client.post(_deactivate(other_partner)).status_code == 404
    officer = factories.OfficerFactory()
    assert client.post(_deactivate(officer)).status_code == 404  # not a partner member at all
    for user in (partner, other_partner, officer):
        user.refresh_from_db()
        assert user.is_active
    with pytest.raises(ValidationError, match="Only an administrator of this partner"):
        partner_member_deactivate(member=partner, by=rival)


def test_an_unclear_admin_choice_changes_nothing(client, partner, colleague):
    client.force_login(partner)
    response = client.post(_make_admin(colleague), {"is_admin": "yes"}, follow=True)
    assert "Choose whether the member becomes an administrator." in response.content.decode()
    colleague.refresh_from_db()
    assert not colleague.is_partner_admin


def test_the_channels_link_to_their_requirements_and_the_editor_for_administrators(
    client, partner, colleague, partner_org
):
    channel = factories.ChannelFactory(partner=partner_org, code="central-hall")
    factories.ChannelFactory(partner=factories.PartnerFactory(), code="not-ours")
    detail = reverse("partners:channel_detail", args=[partner_org.code, channel.code])
    edit = reverse("partners:channel_edit", args=[partner_org.code, channel.code])
    client.force_login(partner)
    html = client.get(SETTINGS).content.decode()
    assert detail in html and edit in html
    assert "not-ours" not in html
    client.force_login(colleague)
    html = client.get(SETTINGS).content.decode()
    assert detail in html and edit not in html


def test_other_roles_have_no_partner_settings(client, officer, producer):
    for user in (officer, producer):
        client.force_login(user)
        assert client.get(SETTINGS).status_code == 403


def test_the_hub_costs_the_same_queries_whatever_the_number_of_members(client, partner_org):
    admin_of_central = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
    client.force_login(admin_of_central)

    def add(n):
        for _ in range(n):
            factories.PartnerMemberFactory(partner=partner_org, role=Role.PARTNER)
            factories.ChannelFactory(partner=partner_org)
            factories.InvitationFactory(partner=partner_org, invited_by=admin_of_central)

    assert_constant_queries(client, SETTINGS, add)


def test_the_partner_nav_leads_to_the_settings(client, partner, producer):
    client.force_login(partner)
    html = client.get(SETTINGS).content.decode()
    assert 'data-testid="nav-settings"' in html
    assert 'data-testid="nav-shortlist"' in html
    client.force_login(producer)
    html = client.get(reverse("producers:home")).content.decode()
    assert 'data-testid="nav-settings"' not in html
