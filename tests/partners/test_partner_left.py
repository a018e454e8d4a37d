"""A partner leaving the MOU: confirmed on a page that says what stops, never as a side effect;
then its members are refused on every path (login, pages, personal tokens, the partner's keys,
saved lists), with the reason, and its history is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from matching.models import Referral, ReferralState
from partners.models import PartnerStatus, SavedList
from partners.services import api_token_create, partner_set_status
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db

LEFT = "has left the OTOP MOU"


@pytest.fixture
def central(partner_org, partner, officer):
    """Central with a working key, a personal token, a saved list and one referral sent."""
    _token, key = api_token_create(partner=partner_org, name="Stock sync", by=partner)
    Token.objects.create(user=partner)
    SavedList.objects.create(partner=partner_org, owner=partner, name="Gifts")
    channel = factories.ChannelFactory(partner=partner_org)
    (referral,) = sent_referrals(1, channel=channel, officer=officer)
    referral.key = key  # the key itself exists only here
    return referral


def _leave_url(code="central") -> str:
    return reverse("matching:partner_leave", kwargs={"code": code})


def test_the_confirmation_page_names_what_stops(client, officer, central):
    client.force_login(officer)
    response = client.get(_leave_url())
    assert response.status_code == 200
    text = response.content.decode()
    for words in (
        "1 API key of the partner's systems stops working",
        "The listing feed empties",
        "1 member can no longer log in; their open sessions end",
        "1 personal API token",
        "1 saved list can no longer be opened",
        "1 open referral is withdrawn",
        "1 channel closes",
    ):
        assert words in text, words
    central.channel.partner.refresh_from_db()
    assert central.channel.partner.status == PartnerStatus.ACTIVE  # a page view changes nothing


def test_nothing_happens_without_the_box_ticked(client, officer, central, partner_org):
    client.force_login(officer)
    response = client.post(_leave_url(), {})
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    partner_org.refresh_from_db()
    assert partner_org.status == PartnerStatus.ACTIVE


def test_confirming_records_it_and_keeps_the_history(client, officer, central, partner_org):
    client.force_login(officer)
    response = client.post(_leave_url(), {"confirm": "on"})
    assert response.status_code == 302
    partner_org.refresh_from_db()
    assert partner_org.status == PartnerStatus.LEFT
    assert Referral.objects.get(pk=central.pk).state == ReferralState.WITHDRAWN  # not deleted
    assert SavedList.objects.filter(partner=partner_org).count() == 1
    assert partner_org.history.filter(status=PartnerStatus.LEFT).exists()
    # Once left, the page does not offer it again.
    assert client.get(_leave_url()).status_code == 302


def test_a_partner_administrator_cannot_record_it(client, partner, central):
    client.force_login(partner)
    assert client.post(_leave_url(), {"confirm": "on"}).status_code == 403


def test_the_api_refuses_leaving_by_a_plain_patch(client, officer, partner_org):
    client.force_login(officer)
    url = reverse("api:partner-detail", kwargs={"code": "central"})
    response = client.patch(url, {"status": "left"}, content_type="application/json")
    assert response.status_code == 400
    assert "confirmed on its own" in response.json()["status"][0]
    partner_org.refresh_from_db()
    assert partner_org.status == PartnerStatus.ACTIVE


def test_the_api_leave_action_needs_confirm_true(client, officer, partner_org):
    client.force_login(officer)
    url = reverse("api:partner-leave", kwargs={"code": "central"})
    assert client.post(url, {"confirm": False}, content_type="application/json").status_code == 400
    partner_org.refresh_from_db()
    assert partner_org.status == PartnerStatus.ACTIVE
    response = client.post(url, {"confirm": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "left"


# --- After leaving: every path of its members is refused, with the reason ------------------------


@pytest.fixture
def left(central, partner_org, admin):
    partner_set_status(partner=partner_org, status=PartnerStatus.LEFT, by=admin)
    return partner_org


def test_a_member_cannot_log_in(client, partner, left):
    response = client.post(
        "/accounts/login/", {"login": partner.email, "password": factories.PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert LEFT in response.content.decode()


def test_an_open_session_ends_on_the_next_page(client, partner, central, partner_org, admin):
    client.force_login(partner)
    assert client.get(reverse("partners:home")).status_code == 200
    partner_set_status(partner=partner_org, status=PartnerStatus.LEFT, by=admin)
    url = reverse("partners:referral", kwargs={"pk": central.pk})
    response = client.get(url, follow=True)
    assert response.redirect_chain[0][0] == reverse("account_login")
    assert LEFT in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_a_session_ends_on_the_next_page_though_the_partners_are_kept(client):
    """The partners are kept by the process (partners.selectors.kept_partner), not read on
    each of a member's requests; a partner leaving is seen at the member's next request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = factories.PartnerFactory(code="central", name_en="Central Group")
    member = factories.PartnerMemberFactory(email="buyer@example.org", partner=org)
    admin = factories.AdminFactory(email="admin@example.org")
    client.force_login(member)
    assert client.get(reverse("partners:home")).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(reverse("partners:home")).status_code == 200
    assert not [q for q in again.captured_queries if 'FROM "partners_partner"' in q["sql"]]

    partner_set_status(partner=org, status=PartnerStatus.LEFT, by=admin)
    response = client.get(reverse("partners:home"), follow=True)
    assert response.redirect_chain[0][0] == reverse("account_login")
    assert LEFT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_personal_api_token_is_refused(client, partner, left):
    token = Token.objects.get(user=partner)
    response = client.get(reverse("api:shortlist-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert LEFT in response.json()["detail"]


def test_the_partners_key_is_refused(client, central, left):
    response = client.get(reverse("api:shortlist-list"), HTTP_AUTHORIZATION=f"Bearer {central.key}")
    assert response.status_code == 401
    assert "left the MOU" in response.json()["detail"]


def test_saved_lists_are_refused_over_the_api(client, partner, left):
    client.force_login(partner)
    response = client.get(reverse("api:saved-list-list"))
    assert response.status_code == 403
    assert LEFT in response.json()["detail"]
    assert "_auth_user_id" not in client.session
    response = client.post(
        reverse("api:saved-list-list"), {"name": "New"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert SavedList.objects.filter(partner=left).count() == 1
