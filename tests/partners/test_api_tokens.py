"""A partner's API keys: made and revoked by its administrators (page and API), shown once,
acting as the member who made them, limited to the partner's own data, refused once revoked or
once their maker left, and rate limited per key."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from matching.models import Referral, ReferralEvent, ReferralState
from matching.services import referral_propose, referral_transition, rematch_all
from partners.models import ApiToken, PartnerStatus
from partners.services import (
    api_token_create,
    api_token_revoke,
    partner_member_deactivate,
    partner_set_status,
)
from partners.tokens import key_still_works
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
S = ReferralState
KEYS_PAGE = reverse("partners:api_keys")
KEYS_API = reverse("api:partner-key-list")
REFERRALS = reverse("api:referral-list")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.cookies["django_language"] = "en"
    return client


def _sent_to(channel, *, officer, province_code: str = "50") -> Referral:
    """A verified producer's product in the officer's province, sent to `channel`."""
    profile = factories.ProducerFactory(
        province=factories.ProvinceFactory(code=province_code), status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile)
    rematch_all()
    referral = referral_propose(product=product, channel=channel, by=officer)
    for state in (S.APPROVED, S.SENT):
        referral_transition(referral_id=referral.pk, to_state=state, by=officer)
    return referral


@pytest.fixture
def central_sent(officer, partner_org):
    return _sent_to(factories.ChannelFactory(partner=partner_org), officer=officer)


@pytest.fixture
def shopee_sent(officer, other_partner_org):
    return _sent_to(factories.ChannelFactory(partner=other_partner_org), officer=officer)


@pytest.fixture
def key(partner) -> str:
    """A working key of Central, made by its administrator `partner`."""
    _token, key = api_token_create(partner=partner.partner, name="Stock sync", by=partner)
    return key


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- Making and revoking keys on the page ---------------------------------------------------


def test_an_administrator_makes_a_key_on_the_page_and_sees_it_only_once(client, partner):
    client.force_login(partner)
    response = client.post(KEYS_PAGE, {"name": "  Purchasing   system "})
    assert response.status_code == 200
    key = response.context["key"]
    assert key.startswith("otp_") and len(key) > 40
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.name == "Purchasing system"
    assert (token.partner, token.created_by) == (partner.partner, partner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(token.prefix)

    listing = client.get(KEYS_PAGE).content.decode()
    assert token.prefix in listing
    assert key not in listing


def test_a_key_needs_a_name_not_used_by_another_working_key(client, partner):
    client.force_login(partner)
    response = client.post(KEYS_PAGE, {"name": "  "})
    assert "Give the key a name, so you know later which system uses it." in (
        response.content.decode()
    )
    client.post(KEYS_PAGE, {"name": "Purchasing"})
    response = client.post(KEYS_PAGE, {"name": "purchasing"})
    assert "that is not revoked: choose another name" in response.content.decode()
    assert ApiToken.objects.count() == 1

    client.post(reverse("partners:api_key_revoke", args=[ApiToken.objects.get().pk]))
    response = client.post(KEYS_PAGE, {"name": "Purchasing"})
    assert "key" in response.context  # a revoked key's name can be used again
    assert ApiToken.objects.count() == 2


def test_revoking_on_the_page_says_so_and_twice_is_harmless(client, partner, key):
    token = ApiToken.objects.get()
    client.force_login(partner)
    revoke = reverse("partners:api_key_revoke", args=[token.pk])
    response = client.post(revoke, follow=True)
    assert "is revoked: calls made with it are refused from now on" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == partner
    first = token.revoked_at
    response = client.post(revoke, follow=True)
    assert "was already revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == first


def test_a_plain_member_neither_sees_nor_makes_keys(client, partner_org, key):
    member = factories.PartnerMemberFactory(partner=partner_org)
    client.force_login(member)
    assert client.get(KEYS_PAGE).status_code == 403
    assert client.post(KEYS_PAGE, {"name": "mine"}).status_code == 403
    with pytest.raises(ValidationError, match="Only an administrator of this partner"):
        api_token_create(partner=partner_org, name="mine", by=member)
    assert ApiToken.objects.count() == 1


def test_another_partners_administrator_cannot_revoke_the_key(client, other_partner_org, key):
    rival = factories.PartnerMemberFactory(partner=other_partner_org, is_partner_admin=True)
    token = ApiToken.objects.get()
    client.force_login(rival)
    assert client.post(reverse("partners:api_key_revoke", args=[token.pk])).status_code == 404
    assert "Stock sync" not in client.get(KEYS_PAGE).content.decode()
    with pytest.raises(ValidationError, match="Only an administrator of this partner"):
        api_token_revoke(token=token, by=rival)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_portal_administrator_may_revoke_any_key(admin, key):
    token = ApiToken.objects.get()
    assert api_token_revoke(token=token, by=admin) is True
    assert api_token_revoke(token=token, by=admin) is False  # already revoked: nothing changes


def test_a_partner_that_left_the_mou_makes_no_keys(partner):
    partner.partner.status = PartnerStatus.LEFT
    partner.partner.save()
    with pytest.raises(ValidationError, match="left the MOU"):
        api_token_create(partner=partner.partner, name="late", by=partner)


def test_the_keys_page_costs_the_same_queries_whatever_the_number_of_keys(client, partner_org):
    admin_of_central = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
    client.force_login(admin_of_central)
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            maker = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
            token, _key = api_token_create(
                partner=partner_org, name=f"key {next(counter)}", by=maker
            )
            api_token_revoke(token=token, by=admin_of_central)

    assert_constant_queries(client, KEYS_PAGE, add)


# --- Calling the API with a key -------------------------------------------------------------


def test_a_key_reads_the_referrals_and_the_shortlist_as_the_member_who_made_it(
    client, partner, key, central_sent
):
    me = client.get(reverse("api:me"), **_bearer(key))
    assert me.status_code == 200
    assert me.json()["email"] == partner.email
    referrals = client.get(REFERRALS, **_bearer(key))
    assert [r["id"] for r in referrals.json()["results"]] == [central_sent.pk]
    shortlist = client.get(reverse("api:shortlist-list"), **_bearer(key))
    assert shortlist.status_code == 200
    assert central_sent.pk in [r["id"] for r in shortlist.json()["results"]]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_key_pushes_a_decision_recorded_as_its_maker(client, partner, key, central_sent):
    response = client.post(
        reverse("api:referral-accept", args=[central_sent.pk]),
        {"note": "First lot in May"},
        content_type="application/json",
        **_bearer(key),
    )
    assert response.status_code == 200, response.content
    central_sent.refresh_from_db()
    assert central_sent.state == S.ACCEPTED
    assert ReferralEvent.objects.filter(referral=central_sent).latest("pk").actor == partner


def test_a_key_of_one_partner_is_refused_another_partners_referral(
    client, key, central_sent, shopee_sent
):
    listed = client.get(REFERRALS, **_bearer(key)).json()["results"]
    assert shopee_sent.pk not in [r["id"] for r in listed]
    detail = reverse("api:referral-detail", args=[shopee_sent.pk])
    assert client.get(detail, **_bearer(key)).status_code == 404
    for action in ("accept", "decline", "ask"):
        response = client.post(
            reverse(f"api:referral-{action}", args=[shopee_sent.pk]),
            {"reason": "not ours", "text": "not ours"},
            content_type="application/json",
            **_bearer(key),
        )
        assert response.status_code == 404, action
    shortlist = client.get(reverse("api:shortlist-list"), **_bearer(key)).json()["results"]
    assert shopee_sent.pk not in [r["id"] for r in shortlist]
    shopee_sent.refresh_from_db()
    assert shopee_sent.state == S.SENT
    assert not shopee_sent.messages.exists()


def test_a_revoked_key_is_refused(client, partner, key):
    api_token_revoke(token=ApiToken.objects.get(), by=partner)
    response = client.get(REFERRALS, **_bearer(key))
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key was revoked."


def test_keys_stop_working_when_the_partner_leaves_the_mou(client, partner_org, key, admin):
    assert client.get(REFERRALS, **_bearer(key)).status_code == 200
    partner_set_status(partner=partner_org, status=PartnerStatus.LEFT, by=admin)
    response = client.get(REFERRALS, **_bearer(key))
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "This partner has left the MOU: its API keys no longer work."
    )
    assert not key_still_works(ApiToken.objects.get())  # the keys page says "Stopped" too


@pytest.mark.parametrize("header", ["Bearer", "Bearer otp_a otp_b", "Bearer otp_not-a-key"])
def test_a_malformed_or_unknown_key_is_refused(client, header):
    response = client.get(REFERRALS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_key_stops_working_when_its_maker_is_deactivated(
    client, partner, partner_org, central_sent
):
    maker = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
    _token, key = api_token_create(partner=partner_org, name="theirs", by=maker)
    assert client.get(REFERRALS, **_bearer(key)).status_code == 200
    partner_member_deactivate(member=maker, by=partner)
    response = client.get(REFERRALS, **_bearer(key))
    assert response.status_code == 401
    assert "no longer works" in response.json()["detail"]


def test_a_key_stops_working_when_its_maker_moves_to_another_partner(
    client, partner_org, other_partner_org
):
    maker = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
    _token, key = api_token_create(partner=partner_org, name="theirs", by=maker)
    maker.partner = other_partner_org
    maker.save()
    assert client.get(REFERRALS, **_bearer(key)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, key):
    token = ApiToken.objects.get()
    client.get(REFERRALS, **_bearer(key))
    token.refresh_from_db()
    first = token.last_used_at
    client.get(REFERRALS, **_bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(REFERRALS, **_bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_drfs_own_personal_tokens_keep_working(client, officer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=officer)
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_each_key_is_rate_limited_on_its_own(client, settings, partner, key):
    _other, other_key = api_token_create(partner=partner.partner, name="Warehouse", by=partner)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "partner_key": "2/minute"}
    cache.clear()
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        assert [client.get(REFERRALS, **_bearer(key)).status_code for _ in range(2)] == [200, 200]
        refused = client.get(REFERRALS, **_bearer(key))
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert client.get(REFERRALS, **_bearer(other_key)).status_code == 200
        client.force_login(partner)  # the same member in person is not counted against the key
        assert client.get(REFERRALS).status_code == 200


# --- Managing keys over the API -------------------------------------------------------------


def test_the_api_makes_a_key_shows_it_once_and_lists_it_without_it(client, partner):
    client.force_login(partner)
    made = client.post(KEYS_API, {"name": "ERP"}, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["key"].startswith(body["prefix"])
    assert (body["name"], body["works"], body["revoked_at"]) == ("ERP", True, None)
    listed = client.get(KEYS_API).json()["results"]
    assert [k["name"] for k in listed] == ["ERP"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert body["key"] not in client.get(KEYS_API).content.decode()
    # and the key works
    client.logout()
    assert client.get(REFERRALS, **_bearer(body["key"])).status_code == 200


def test_the_api_says_what_is_wrong_with_a_name(client, partner, key):
    client.force_login(partner)
    response = client.post(KEYS_API, {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "name": ["Give the key a name, so you know later which system uses it."]
    }
    response = client.post(KEYS_API, {"name": "Stock sync"}, content_type="application/json")
    assert response.status_code == 400
    assert "that is not revoked: choose another name" in response.json()["name"][0]


def test_the_api_revokes_a_key_of_ones_own_partner_only(client, partner, other_partner_org, key):
    token = ApiToken.objects.get()
    rival = factories.PartnerMemberFactory(partner=other_partner_org, is_partner_admin=True)
    client.force_login(rival)
    revoke = reverse("api:partner-key-revoke", args=[token.pk])
    assert client.post(revoke).status_code == 404
    assert client.get(KEYS_API).json()["results"] == []
    client.force_login(partner)
    response = client.post(revoke)
    assert response.status_code == 200
    assert (response.json()["works"], response.json()["revoked_by"]) == (
        False,
        partner.full_name or partner.email,
    )
    assert client.post(revoke).status_code == 200  # again: nothing changes
    assert client.get(REFERRALS, **_bearer(key)).status_code == 401


def test_a_key_cannot_manage_keys(client, key):
    token = ApiToken.objects.get()
    for response in (
        client.get(KEYS_API, **_bearer(key)),
        client.post(KEYS_API, {"name": "more"}, content_type="application/json", **_bearer(key)),
        client.post(reverse("api:partner-key-revoke", args=[token.pk]), **_bearer(key)),
    ):
        assert response.status_code == 403
        assert "An API key cannot manage API keys" in response.json()["detail"]
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_schema_describes_the_key_scheme_and_the_key_routes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["partnerKey"]["scheme"] == "bearer"
    assert "/api/v1/partner-keys/" in schema["paths"]
    assert "/api/v1/partner-keys/{id}/revoke/" in schema["paths"]
    create = schema["paths"]["/api/v1/partner-keys/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["examples"]


def test_the_key_list_api_costs_the_same_queries_whatever_the_number_of_keys(
    client, partner, partner_org
):
    client.force_login(partner)
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            maker = factories.PartnerMemberFactory(partner=partner_org, is_partner_admin=True)
            token, _key = api_token_create(
                partner=partner_org, name=f"key {next(counter)}", by=maker
            )
            api_token_revoke(token=token, by=partner)

    assert_constant_queries(client, KEYS_API, add)
