"""The referral pipeline over the API: proposals, every move as an action with the services'
rules, how refusals answer (400, 403, 404, 409) in the reader's language, bulk moves and bulk
proposals, and who reads which referral."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from matching.models import MatchResult, Referral, ReferralEvent, ReferralState
from matching.services import (
    referral_propose,
    referral_transition,
    referrals_bulk_propose,
    rematch_all,
)
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
S = ReferralState
LIST = reverse("api:referral-list")
BULK = reverse("api:referral-bulk")
BULK_PROPOSE = reverse("api:referral-bulk-propose")


@pytest.fixture
def client(client):
    """These tests read messages in English; the Thai ones ask for Thai."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _eligible(n: int = 1, province_code: str = "50", *, user=None, channel=None):
    """n products of verified producers in the province (the first one `user`'s), eligible for
    `channel` (a new channel of a new partner when none is given)."""
    province = factories.ProvinceFactory(code=province_code)
    products = []
    for i in range(n):
        owner = {"user": user} if user is not None and i == 0 else {}
        profile = factories.ProducerFactory(
            province=province, status=ProducerStatus.VERIFIED, **owner
        )
        products.append(factories.ProductFactory(producer=profile, name_th=f"ผ้าไหม {i}"))
    channel = channel or factories.ChannelFactory()
    rematch_all()
    return products, channel


@pytest.fixture
def central_channel(partner_org):
    return factories.ChannelFactory(code="central-shelf", partner=partner_org)


@pytest.fixture
def referral(producer, officer, central_channel):
    """`producer`'s product in Chiang Mai, proposed by the officer to a channel of `partner`'s
    organisation (Central)."""
    (product,), channel = _eligible(user=producer, channel=central_channel)
    return referral_propose(product=product, channel=channel, by=officer)


def _move(referral, *states, by, partner=None):
    for state in states:
        actor = partner if state in (S.ACCEPTED, S.DECLINED, S.LISTED) else by
        referral_transition(
            referral_id=referral.pk,
            to_state=state,
            by=actor,
            note="moved",
            reason="no room",
            listing_url="https://shop.example/p/1",
            listed_on=dt.date(2026, 4, 1),
        )


def _post(client, user, url, body=None, **headers):
    client.force_login(user)
    return client.post(url, body or {}, content_type="application/json", **headers)


def _action(referral, name: str) -> str:
    return reverse(f"api:referral-{name}", args=[referral.pk])


# --- Proposing ----------------------------------------------------------------------------------


def test_an_officer_proposes_an_eligible_product_and_the_proposal_is_on_the_record(
    client, officer, producer, central_channel
):
    (product,), channel = _eligible(user=producer, channel=central_channel)
    response = _post(
        client, officer, LIST, {"product": product.pk, "channel": channel.code, "note": "a fit"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product"], body["channel"], body["partner"]) == (
        product.pk,
        channel.code,
        "central",
    )
    assert body["state"] == "proposed"
    assert body["proposed_by"] == officer.full_name
    assert body["events"] == [
        {
            "from_state": "",
            "to_state": "proposed",
            "by": officer.full_name,
            "note": "a fit",
            "created_at": body["events"][0]["created_at"],
        }
    ]
    assert set(body["actions"]) == {"approve", "reject", "withdraw"}
    assert Referral.objects.get(pk=body["id"]).proposed_by == officer


def test_a_producer_asks_for_their_own_eligible_product(client, producer, central_channel):
    (product,), channel = _eligible(user=producer, channel=central_channel)
    response = _post(client, producer, LIST, {"product": product.pk, "channel": channel.code})
    assert response.status_code == 201, response.content
    assert response.json()["actions"] == ["withdraw"]
    assert Referral.objects.get().proposed_by == producer


def test_a_producer_cannot_propose_another_producers_product(
    client, producer, other_producer, central_channel
):
    (theirs,), channel = _eligible(user=other_producer, channel=central_channel)
    response = _post(client, producer, LIST, {"product": theirs.pk, "channel": channel.code})
    assert response.status_code == 400
    assert "product" in response.json()
    assert not Referral.objects.exists()


def test_a_partner_member_cannot_propose(client, partner, central_channel):
    (product,), channel = _eligible(channel=central_channel)
    response = _post(client, partner, LIST, {"product": product.pk, "channel": channel.code})
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_an_unknown_channel_code_is_refused_with_400(client, officer):
    (product,), _channel = _eligible()
    response = _post(client, officer, LIST, {"product": product.pk, "channel": "nowhere"})
    assert response.status_code == 400
    assert "channel" in response.json()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This product does not meet this channel's requirements yet."),
        ("th", "ผลิตภัณฑ์นี้ยังไม่ผ่านเงื่อนไขของช่องทางจำหน่ายนี้"),
    ],
)
def test_a_pair_that_is_not_eligible_is_refused_in_the_readers_language(
    client, officer, language, message
):
    (product,), channel = _eligible()
    MatchResult.objects.filter(product=product).update(eligible=False)
    response = _post(
        client,
        officer,
        LIST,
        {"product": product.pk, "channel": channel.code},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}


def test_a_second_open_referral_of_the_same_pair_is_refused(client, officer, referral):
    response = _post(
        client,
        officer,
        LIST,
        {"product": referral.product_id, "channel": referral.channel.code},
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This product already has an open referral to this channel."]
    }
    assert Referral.objects.count() == 1


# --- Every move, by a role that may make it -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "before", "actor", "body", "after", "note"),
    [
        ("approve", (), "officer", {"note": "good fit"}, S.APPROVED, "good fit"),
        ("reject", (), "officer", {"note": "Photos too dark"}, S.REJECTED, "Photos too dark"),
        ("send", (S.APPROVED,), "officer", {}, S.SENT, ""),
        ("accept", (S.APPROVED, S.SENT), "partner", {"note": "welcome"}, S.ACCEPTED, "welcome"),
        (
            "decline",
            (S.APPROVED, S.SENT),
            "partner",
            {"reason": "Shelf life too short"},
            S.DECLINED,
            "Shelf life too short",
        ),
        (
            "list",
            (S.APPROVED, S.SENT, S.ACCEPTED),
            "partner",
            {"listing_url": "https://shop.example/p/9", "listed_on": "2026-04-01"},
            S.LISTED,
            "",
        ),
        ("withdraw", (), "producer", {"note": "sold out"}, S.WITHDRAWN, "sold out"),
        ("withdraw", (S.APPROVED, S.SENT), "officer", {}, S.WITHDRAWN, ""),
    ],
)
def test_each_action_moves_the_referral_and_writes_the_event(
    client, request, referral, officer, partner, name, before, actor, body, after, note
):
    _move(referral, *before, by=officer, partner=partner)
    user = request.getfixturevalue(actor)
    url = reverse(f"api:referral-{'listed' if name == 'list' else name}", args=[referral.pk])
    assert url.endswith(f"/{name}/")
    response = _post(client, user, url, body)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == after
    last = response.json()["events"][-1]
    assert (last["to_state"], last["by"], last["note"]) == (after, user.full_name, note)
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert (event.to_state, event.actor, event.note) == (after, user, note)
    referral.refresh_from_db()
    assert referral.state == after


def test_a_decline_keeps_the_reason_and_a_listing_its_link_and_date(
    client, officer, partner, central_channel
):
    products, channel = _eligible(2, channel=central_channel)
    declined, listed = (referral_propose(product=p, channel=channel, by=officer) for p in products)
    _move(declined, S.APPROVED, S.SENT, by=officer)
    _move(listed, S.APPROVED, S.SENT, S.ACCEPTED, by=officer, partner=partner)
    body = _post(client, partner, _action(declined, "decline"), {"reason": "No room"}).json()
    assert body["decline_reason"] == "No room"
    link = {"listing_url": "https://shop.example/p/9", "listed_on": "2026-04-01"}
    body = _post(client, partner, _action(listed, "listed"), link).json()
    assert (body["listing_url"], body["listed_on"]) == (link["listing_url"], link["listed_on"])


# --- Refusals -----------------------------------------------------------------------------------


def test_a_move_the_state_no_longer_allows_is_409_and_says_who_moved_it_first(
    client, referral, officer, admin
):
    _move(referral, S.REJECTED, by=officer)
    response = _post(client, admin, _action(referral, "approve"))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"This referral is already “Rejected” (by {officer.full_name}); it cannot "
        "become “Approved”."
    }
    assert referral.events.count() == 2


def test_a_producer_cannot_approve_their_own_product(client, referral, producer):
    response = _post(client, producer, _action(referral, "approve"))
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot make this change to this referral."}
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED
    assert referral.events.count() == 1


def test_a_refusal_reaches_a_thai_reader_in_thai(client, referral, producer):
    response = _post(client, producer, _action(referral, "approve"), HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 403
    assert response.json() == {"detail": "คุณไม่มีสิทธิ์เปลี่ยนสถานะการเสนอนี้"}


def test_a_partner_cannot_decide_for_another_partners_channel(
    client, referral, officer, other_partner
):
    _move(referral, S.APPROVED, S.SENT, by=officer)
    response = _post(client, other_partner, _action(referral, "accept"))
    assert response.status_code == 404  # another partner's referral: as if it did not exist


def test_an_officer_cannot_accept_for_the_partner(client, referral, officer):
    _move(referral, S.APPROVED, S.SENT, by=officer)
    response = _post(client, officer, _action(referral, "accept"))
    assert response.status_code == 403


def test_an_officer_of_another_province_gets_404_for_reading_and_acting(
    client, referral, other_officer
):
    client.force_login(other_officer)
    assert client.get(reverse("api:referral-detail", args=[referral.pk])).status_code == 404
    assert _post(client, other_officer, _action(referral, "approve")).status_code == 404
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_a_partner_cannot_see_a_referral_before_it_is_sent(client, referral, officer, partner):
    client.force_login(partner)
    detail = reverse("api:referral-detail", args=[referral.pk])
    assert client.get(detail).status_code == 404
    assert _post(client, partner, _action(referral, "accept")).status_code == 404
    _move(referral, S.APPROVED, S.SENT, by=officer)
    assert client.get(detail).status_code == 200


@pytest.mark.parametrize(
    ("name", "before", "actor", "body", "field", "message"),
    [
        (
            "reject",
            (),
            "officer",
            {"note": "  "},
            "note",
            "Say why it is rejected: the producer reads it.",
        ),
        (
            "decline",
            (S.APPROVED, S.SENT),
            "partner",
            {},
            "reason",
            "Say why the product is declined: the officer and the producer read it.",
        ),
        (
            "listed",
            (S.APPROVED, S.SENT, S.ACCEPTED),
            "partner",
            {"listed_on": "2026-04-01"},
            "listing_url",
            "Give the listing link and the date it went on sale.",
        ),
    ],
)
def test_a_move_without_the_reason_it_needs_is_400_saying_what_is_missing(
    client, request, referral, officer, partner, name, before, actor, body, field, message
):
    _move(referral, *before, by=officer, partner=partner)
    response = _post(client, request.getfixturevalue(actor), _action(referral, name), body)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert referral.events.count() == 1 + len(before)


# --- Reading ------------------------------------------------------------------------------------


def test_a_partner_lists_only_its_own_partners_referrals_once_sent(
    client, officer, partner, other_partner, other_partner_org, central_channel
):
    products, _ = _eligible(3, channel=central_channel)
    shopee = factories.ChannelFactory(code="shopee-shop", partner=other_partner_org)
    rematch_all()
    sent, proposed, _ = (
        referral_propose(product=p, channel=central_channel, by=officer) for p in products
    )
    _move(sent, S.APPROVED, S.SENT, by=officer)
    _move(proposed, S.APPROVED, by=officer)
    to_shopee = referral_propose(product=products[2], channel=shopee, by=officer)
    _move(to_shopee, S.APPROVED, S.SENT, by=officer)
    client.force_login(partner)
    assert [r["id"] for r in client.get(LIST).json()["results"]] == [sent.pk]
    client.force_login(other_partner)
    assert [r["id"] for r in client.get(LIST).json()["results"]] == [to_shopee.pk]


def test_the_list_is_the_latest_change_first_and_filters_by_state(client, officer):
    products, channel = _eligible(3)
    first, second, third = (
        referral_propose(product=p, channel=channel, by=officer) for p in products
    )
    _move(first, S.APPROVED, by=officer)
    client.force_login(officer)
    page = client.get(LIST).json()
    assert page["count"] == 3
    assert [r["id"] for r in page["results"]] == [first.pk, third.pk, second.pk]
    approved = client.get(LIST, {"state": "approved"}).json()["results"]
    assert [r["id"] for r in approved] == [first.pk]


def test_an_officer_lists_only_the_referrals_of_their_provinces(
    client, officer, other_officer, referral
):
    client.force_login(other_officer)
    assert client.get(LIST).json()["results"] == []
    client.force_login(officer)
    assert [r["id"] for r in client.get(LIST).json()["results"]] == [referral.pk]


def test_staff_emails_are_shown_to_officers_but_not_to_producers_or_partners(
    client, producer, partner, admin, central_channel
):
    nameless = factories.OfficerFactory(email="no-name@cdd.example", full_name="")
    (product,), channel = _eligible(user=producer, channel=central_channel)
    referral = referral_propose(product=product, channel=channel, by=nameless)
    _move(referral, S.APPROVED, S.SENT, by=nameless)
    detail = reverse("api:referral-detail", args=[referral.pk])
    for reader, shown in [(producer, "Officer"), (partner, "Officer"), (admin, nameless.email)]:
        client.force_login(reader)
        body = client.get(detail).json()
        assert body["proposed_by"] == shown
        assert {e["by"] for e in body["events"]} == {shown}
        assert client.get(LIST).json()["results"][0]["proposed_by"] == shown


def test_the_list_costs_the_same_number_of_queries_for_any_number_of_referrals(client, officer):
    client.force_login(officer)
    channel = factories.ChannelFactory()

    def add_rows(n: int) -> None:
        products, _ = _eligible(n, channel=channel)
        for product in products:
            referral = referral_propose(product=product, channel=channel, by=officer)
            _move(referral, S.APPROVED, by=officer)

    assert_constant_queries(client, LIST, add_rows)


# --- Bulk ---------------------------------------------------------------------------------------


def test_bulk_changes_what_it_can_and_lists_the_rest_with_the_reason(
    client, officer, other_officer
):
    (a, b), channel = _eligible(2)
    first = referral_propose(product=a, channel=channel, by=officer)
    rejected = referral_propose(product=b, channel=channel, by=officer)
    _move(rejected, S.REJECTED, by=officer)
    (elsewhere_product,), _ = _eligible(1, "40", channel=channel)
    elsewhere = referral_propose(product=elsewhere_product, channel=channel, by=other_officer)
    response = _post(
        client,
        officer,
        BULK,
        {"ids": [first.pk, rejected.pk, elsewhere.pk, 999_999], "action": "approve", "note": "ok"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "changed": [first.pk],
        "refused": [
            {
                "id": rejected.pk,
                "reason": f"This referral is already “Rejected” (by {officer.full_name}); it "
                "cannot become “Approved”.",
            },
            # another province's: not leaked, refused as if it did not exist
            {"id": elsewhere.pk, "reason": "This referral does not exist."},
            {"id": 999_999, "reason": "This referral does not exist."},
        ],
    }
    states = dict(Referral.objects.values_list("pk", "state"))
    assert states == {first.pk: S.APPROVED, rejected.pk: S.REJECTED, elsewhere.pk: S.PROPOSED}
    assert ReferralEvent.objects.get(referral=first, to_state=S.APPROVED).note == "ok"


def test_bulk_reject_needs_the_note_the_producers_read(client, officer, referral):
    response = _post(client, officer, BULK, {"ids": [referral.pk], "action": "reject"})
    assert response.status_code == 400
    assert response.json() == {"note": ["Say why it is rejected: the producer reads it."]}
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_bulk_takes_at_most_500_ids(client, officer):
    response = _post(
        client, officer, BULK, {"ids": list(range(1, 502)), "action": "approve", "note": "x"}
    )
    assert response.status_code == 400
    assert "ids" in response.json()


def test_bulk_offers_only_the_review_moves(client, officer, referral):
    response = _post(client, officer, BULK, {"ids": [referral.pk], "action": "accept"})
    assert response.status_code == 400
    assert "action" in response.json()


@pytest.mark.parametrize("role", ["producer", "partner"])
def test_bulk_is_for_officers_and_administrators(client, request, referral, role):
    response = _post(
        client, request.getfixturevalue(role), BULK, {"ids": [referral.pk], "action": "withdraw"}
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_an_unexpected_error_in_bulk_changes_nothing(client, officer, monkeypatch):
    from matching import services

    products, channel = _eligible(2)
    ids = [referral_propose(product=p, channel=channel, by=officer).pk for p in products]
    real, tried = services.referral_transition, []

    def fails_on_the_second(**kwargs):
        tried.append(kwargs["referral_id"])
        if kwargs["referral_id"] == ids[1]:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "referral_transition", fails_on_the_second)
    client.raise_request_exception = False
    response = _post(client, officer, BULK, {"ids": ids, "action": "approve"})
    assert response.status_code == 500
    assert tried == ids  # the first was approved, then rolled back with the batch
    assert set(Referral.objects.values_list("state", flat=True)) == {S.PROPOSED}


# --- Bulk proposals -----------------------------------------------------------------------------


def test_bulk_propose_approves_many_candidates_at_once_and_lists_the_refusals(
    client, officer, other_officer
):
    (a, b, not_eligible, already), channel = _eligible(4)
    (elsewhere,), _ = _eligible(1, "40", channel=channel)
    MatchResult.objects.filter(product=not_eligible).update(eligible=False)
    referral_propose(product=already, channel=channel, by=officer)
    pairs = [
        {"product": p.pk, "channel": channel.code} for p in (b, a, not_eligible, already, elsewhere)
    ] + [{"product": a.pk, "channel": "nowhere"}]
    response = _post(
        client, officer, BULK_PROPOSE, {"pairs": pairs, "approve": True, "note": "spring"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    made = Referral.objects.filter(product__in=[a, b])
    assert sorted(body["changed"]) == sorted(made.values_list("pk", flat=True))
    assert set(made.values_list("state", flat=True)) == {S.APPROVED}
    trail = ReferralEvent.objects.filter(referral__product=a).values_list("to_state", "note")
    assert list(trail) == [(S.PROPOSED, ""), (S.APPROVED, "spring")]
    code = channel.code
    assert body["refused"] == sorted(
        [
            {
                "product": not_eligible.pk,
                "channel": code,
                "reason": "This product does not meet this channel's requirements yet.",
            },
            {
                "product": already.pk,
                "channel": code,
                "reason": "This product already has an open referral to this channel.",
            },
            {"product": elsewhere.pk, "channel": code, "reason": "This product does not exist."},
            {"product": a.pk, "channel": "nowhere", "reason": "This channel does not exist."},
        ],
        key=lambda r: (r["product"], r["channel"]),
    )
    assert not Referral.objects.filter(product__in=[not_eligible, elsewhere]).exists()


def test_bulk_propose_without_approval_leaves_proposals(client, officer):
    products, channel = _eligible(2)
    pairs = [{"product": p.pk, "channel": channel.code} for p in products]
    response = _post(client, officer, BULK_PROPOSE, {"pairs": pairs, "note": "have a look"})
    assert len(response.json()["changed"]) == 2
    assert set(Referral.objects.values_list("state", flat=True)) == {S.PROPOSED}
    assert set(ReferralEvent.objects.values_list("note", flat=True)) == {"have a look"}


@pytest.mark.parametrize("role", ["producer", "partner"])
def test_bulk_propose_is_for_officers_and_administrators(client, request, role):
    (product,), channel = _eligible(user=request.getfixturevalue("producer"))
    response = _post(
        client,
        request.getfixturevalue(role),
        BULK_PROPOSE,
        {"pairs": [{"product": product.pk, "channel": channel.code}]},
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_bulk_propose_refers_each_pair_whole_or_not_at_all(officer):
    """A pair whose second move is refused leaves no proposal behind (a savepoint per pair)."""
    products, channel = _eligible(2)
    outcome = referrals_bulk_propose(
        pairs=[(p, channel) for p in products], by=officer, note="", then=S.REJECTED
    )
    assert outcome.changed == []
    assert [why for _key, why in outcome.refused] == [
        "Say why it is rejected: the producer reads it."
    ] * 2
    assert not Referral.objects.exists()


def test_bulk_propose_takes_each_pair_once_in_a_fixed_order(officer):
    products, channel = _eligible(3)
    pairs = [(p, channel) for p in reversed(products)] + [(products[0], channel)]
    outcome = referrals_bulk_propose(pairs=pairs, by=officer, then=S.APPROVED)
    made = Referral.objects.order_by("pk")
    assert [r.product_id for r in made] == [p.pk for p in products]
    assert outcome.changed == [r.pk for r in made]


# --- The schema ---------------------------------------------------------------------------------


def test_the_schema_documents_every_action_with_its_refusals(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for name in ("approve", "reject", "send", "accept", "decline", "list", "withdraw"):
        operation = schema["paths"][f"/api/v1/referrals/{{id}}/{name}/"]["post"]
        assert operation["tags"] == ["referrals"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    reject = schema["components"]["schemas"]["ReferralRejectRequest"]
    assert reject["required"] == ["note"]
    for path in ("/api/v1/referrals/bulk/", "/api/v1/referrals/bulk-propose/"):
        assert schema["paths"][path]["post"]["requestBody"]["content"]["application/json"][
            "examples"
        ]
