"""The referral pages: the officer's list, one referral with its history and moves, bulk moves,
turning candidates into referrals, and the producer's side on the product page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import MatchResult, Referral, ReferralEvent, ReferralState
from matching.services import referral_propose, referral_transition, rematch_all
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries, assert_row_says, models_compiled

pytestmark = pytest.mark.django_db
S = ReferralState


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def _eligible_products(n: int, province_code: str = "50", *, user=None, channels=None):
    """n products of verified producers in the province, eligible for `channels` (one new
    channel when none is given)."""
    province = factories.ProvinceFactory(code=province_code)
    products = []
    for i in range(n):
        kwargs = {"user": user} if user is not None and i == 0 else {}
        profile = factories.ProducerFactory(
            province=province, status=ProducerStatus.VERIFIED, **kwargs
        )
        products.append(factories.ProductFactory(producer=profile, name_th=f"ผ้าไหม {i}"))
    channels = channels or [factories.ChannelFactory()]
    rematch_all()
    return products, channels


def _proposed(n: int, by, province_code: str = "50") -> list[Referral]:
    products, (channel,) = _eligible_products(n, province_code)
    return [referral_propose(product=p, channel=channel, by=by) for p in products]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_this_provinces_referrals_with_counts_by_state(
    client, officer, other_officer
):
    mine = _proposed(2, officer)
    referral_transition(referral_id=mine[0].pk, to_state=S.APPROVED, by=officer)
    _proposed(1, other_officer, province_code="40")
    client.force_login(officer)
    response = client.get(reverse("matching:referrals"))
    assert [r.pk for r in response.context["page"].object_list] == [mine[0].pk, mine[1].pk]
    counts = {value: n for value, _label, n in response.context["states"]}
    assert counts["approved"] == 1 and counts["proposed"] == 1


def test_a_producer_who_moves_takes_their_referrals_to_the_new_provinces_officer(
    client,
    officer,
    other_officer,
    national_officer,
    other_province,
    django_capture_on_commit_callbacks,
):
    mine = _proposed(2, officer)
    moving = mine[0].product.producer
    client.force_login(officer)
    client.get(reverse("matching:referrals"))  # the counts are kept; the move must drop them
    moving.province = other_province
    with django_capture_on_commit_callbacks(execute=True):  # as when the move commits
        moving.save()

    response = client.get(reverse("matching:referrals"))
    assert [r.pk for r in response.context["page"].object_list] == [mine[1].pk]
    assert sum(n for _value, _label, n in response.context["states"]) == 1
    assert client.get(reverse("matching:referral", args=[mine[0].pk])).status_code == 404

    client.force_login(other_officer)
    response = client.get(reverse("matching:referrals"))
    assert [r.pk for r in response.context["page"].object_list] == [mine[0].pk]
    assert client.get(reverse("matching:referral", args=[mine[0].pk])).status_code == 200
    assert client.get(reverse("matching:referral", args=[mine[1].pk])).status_code == 404
    # The national officer's province filter follows the move too.
    client.force_login(national_officer)
    response = client.get(reverse("matching:referrals"), {"province": other_province.code})
    assert [r.pk for r in response.context["page"].object_list] == [mine[0].pk]


def test_a_referral_saved_without_a_province_takes_its_producers(officer):
    """Referral.save fills the province in (a bulk insert, as the bench seeds, must say it)."""
    from matching.selectors import referrals_visible_to

    (product,), (channel,) = _eligible_products(1)
    saved = Referral(product=product, channel=channel, proposed_by=officer)
    saved.save()
    assert saved.province_id == product.producer.province_id
    assert list(referrals_visible_to(officer)) == [saved]


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_row_says_what_its_referral_product_and_channel_say(client, officer, language):
    """The rows are read as values, not models (issue 13): each cell still says what the
    models say, in the reader's language: the names, the province, the channel and partner,
    the state's label and the date of the last change."""
    from django.utils import translation

    from otop_portal.templatetags.thai_dates import local_date

    mine = _proposed(2, officer)
    referral_transition(referral_id=mine[0].pk, to_state=S.APPROVED, by=officer)
    client.force_login(officer)
    client.cookies["django_language"] = language
    html = client.get(reverse("matching:referrals")).content.decode()
    for referral in Referral.objects.select_related(
        "product__producer__province", "channel__partner"
    ).filter(pk__in=[r.pk for r in mine]):
        with translation.override(language):
            said = [
                referral.product.name_th,
                referral.product.producer.name,
                referral.product.producer.province.name,
                f'{referral.channel.name}<br><span class="muted">{referral.channel.partner.name}',
                f'state-{referral.state}">{referral.get_state_display()}</span>',
                str(local_date(referral.updated_at)),
            ]
        assert_row_says(html, referral.pk, said)


def test_the_list_filters_by_state(client, officer):
    mine = _proposed(2, officer)
    referral_transition(referral_id=mine[0].pk, to_state=S.APPROVED, by=officer)
    client.force_login(officer)
    response = client.get(reverse("matching:referrals"), {"state": "proposed"})
    assert [r.pk for r in response.context["page"].object_list] == [mine[1].pk]


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_list_costs_the_same_queries_for_more_rows(client, officer, language):
    """In both languages: a row reads only the columns it shows (referral_page_rows), and a
    name of the other language left out would cost a query per row."""
    client.force_login(officer)
    client.cookies["django_language"] = language
    channel = factories.ChannelFactory()
    assert_constant_queries(
        client,
        reverse("matching:referrals"),
        lambda n: [
            referral_propose(product=p, channel=channel, by=officer)
            for p in _eligible_products(n, channels=[channel])[0]
        ],
    )


@pytest.mark.parametrize("who", ["officer", "national_officer", "admin"])
@pytest.mark.parametrize(
    "query", [{}, {"state": ["proposed", "approved"]}, {"ordering": "updated"}]
)
def test_a_list_by_state_alone_is_compiled_once_and_read_as_it_is_now(
    client, request, officer, who, query
):
    """Filtered by state alone (or not at all), a page's rows are read through a statement
    compiled on the first visit (issue 13): what it lists and in which order, and what a row
    shows, are read on every visit; another province's referrals are not listed."""
    viewer = request.getfixturevalue(who)
    mine = _proposed(3, officer)
    other = factories.OfficerFactory(provinces=[factories.ProvinceFactory(code="10")])
    (theirs,) = _proposed(1, other, province_code="10")
    url = reverse("matching:referrals")
    client.force_login(viewer)
    assert client.get(url, query).status_code == 200
    referral_transition(referral_id=mine[0].pk, to_state=S.APPROVED, by=officer)
    product = mine[1].product
    product.name_th = "ชื่อใหม่ของสินค้า"
    product.save()
    with models_compiled() as compiled:
        response = client.get(url, query)
    shown = [r.pk for r in response.context["page"].object_list]
    expected = (
        Referral.objects.all() if who != "officer" else Referral.objects.exclude(pk=theirs.pk)
    )
    if "state" in query:
        expected = expected.filter(state__in=query["state"])
    order = ("updated_at", "id") if query.get("ordering") else ("-updated_at", "-id")
    assert shown == list(expected.order_by(*order).values_list("pk", flat=True))
    assert mine[0].pk in shown and "ชื่อใหม่ของสินค้า" in response.content.decode()
    assert Referral not in compiled  # the page's rows, through the kept statement


# --- One referral -----------------------------------------------------------------------------


def test_an_officer_approves_from_the_page_and_the_history_says_who(client, officer):
    (referral,) = _proposed(1, officer)
    client.force_login(officer)
    url = reverse("matching:referral", args=[referral.pk])
    page = client.get(url)
    assert [value for value, _label in page.context["moves"]] == [
        S.APPROVED,
        S.REJECTED,
        S.WITHDRAWN,
    ]
    response = client.post(url, {"to_state": "approved", "note": "fits the shelf"}, follow=True)
    assert "The referral is now “Approved”." in _messages(response)
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert (event.to_state, event.actor, event.note) == (S.APPROVED, officer, "fits the shelf")
    assert b"fits the shelf" in response.content


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(client, officer):
    (referral,) = _proposed(1, officer)
    client.force_login(officer)
    response = client.post(
        reverse("matching:referral", args=[referral.pk]), {"to_state": "rejected", "note": " "}
    )
    assert response.status_code == 200
    assert (
        "Say why it is rejected: the producer reads it." in response.context["form"].errors["note"]
    )
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_a_move_someone_made_first_gets_a_clear_message(client, officer):
    (referral,) = _proposed(1, officer)
    colleague = factories.OfficerFactory(
        email="colleague@example.org",
        full_name="Somchai",
        provinces=[referral.product.producer.province],
    )
    referral_transition(referral_id=referral.pk, to_state=S.APPROVED, by=colleague)
    client.force_login(officer)
    response = client.post(
        reverse("matching:referral", args=[referral.pk]), {"to_state": "approved"}
    )
    assert response.status_code == 200
    (message,) = _messages(response)
    assert "already “Approved” (by Somchai)" in message


# --- Bulk -------------------------------------------------------------------------------------


def test_bulk_approve_changes_what_it_can_and_says_why_not_for_the_rest(client, officer):
    ready = _proposed(2, officer)
    (sent,) = _proposed(1, officer)
    referral_transition(referral_id=sent.pk, to_state=S.APPROVED, by=officer)
    referral_transition(referral_id=sent.pk, to_state=S.SENT, by=officer)
    (elsewhere,) = _proposed(1, factories.AdminFactory(email="a@example.org"), "40")
    client.force_login(officer)
    response = client.post(
        reverse("matching:referral_bulk"),
        {
            "ids": [r.pk for r in (*ready, sent, elsewhere)],
            "to_state": "approved",
            "note": "batch of 12 March",
        },
        follow=True,
    )
    states = dict(Referral.objects.values_list("pk", "state"))
    assert [states[r.pk] for r in ready] == [S.APPROVED, S.APPROVED]
    assert states[sent.pk] == S.SENT and states[elsewhere.pk] == S.PROPOSED
    said = _messages(response)
    assert said[0] == "2 referrals changed."
    assert any(sent.product.name_th in m and "cannot become" in m for m in said)
    assert any(f"#{elsewhere.pk}" in m and "does not exist" in m for m in said)
    assert ReferralEvent.objects.filter(note="batch of 12 March").count() == 2


def test_bulk_reject_needs_the_reason(client, officer):
    referrals = _proposed(2, officer)
    client.force_login(officer)
    response = client.post(
        reverse("matching:referral_bulk"),
        {"ids": [r.pk for r in referrals], "to_state": "rejected"},
        follow=True,
    )
    assert "Say why it is rejected: the producer reads it." in _messages(response)
    assert set(Referral.objects.values_list("state", flat=True)) == {S.PROPOSED}


def test_bulk_with_nothing_ticked_says_so(client, officer):
    client.force_login(officer)
    response = client.post(reverse("matching:referral_bulk"), {"to_state": "approved"}, follow=True)
    assert "Tick at least one referral first." in _messages(response)


# --- Candidates into referrals ----------------------------------------------------------------


def test_ticked_candidates_are_approved_at_once_and_leave_the_candidate_list(client, officer):
    products, (channel,) = _eligible_products(3)
    results = list(MatchResult.objects.filter(product__in=products[:2], channel=channel))
    client.force_login(officer)
    response = client.post(
        reverse("matching:candidates_refer"),
        {"ids": [r.pk for r in results], "to_state": "approved", "note": "good sellers"},
        follow=True,
    )
    assert "2 referrals changed." in _messages(response)
    assert set(Referral.objects.values_list("state", flat=True)) == {S.APPROVED}
    trail = list(
        ReferralEvent.objects.filter(referral__product=products[0]).values_list(
            "to_state", flat=True
        )
    )
    assert trail == [S.PROPOSED, S.APPROVED]
    remaining = client.get(reverse("matching:officer_candidates")).context["page"].object_list
    assert [MatchResult.objects.get(pk=r.pk).product_id for r in remaining] == [products[2].pk]


def test_a_candidate_referred_meanwhile_is_reported_not_doubled(client, officer):
    products, (channel,) = _eligible_products(1)
    result = MatchResult.objects.get(product=products[0], channel=channel)
    referral_propose(product=products[0], channel=channel, by=officer)
    client.force_login(officer)
    response = client.post(
        reverse("matching:candidates_refer"),
        {"ids": [result.pk], "to_state": "proposed"},
        follow=True,
    )
    assert any("no longer open" in m for m in _messages(response))
    assert Referral.objects.count() == 1


# --- The producer's side ----------------------------------------------------------------------


def test_a_verified_producer_asks_to_be_put_forward_and_can_withdraw(client, producer):
    (product,), (channel,) = _eligible_products(1, user=producer)
    client.force_login(producer)
    page = client.get(reverse("producers:product_detail", args=[product.pk]))
    assert f'data-testid="request-{channel.code}"'.encode() in page.content
    response = client.post(
        reverse("producers:referral_request", args=[product.pk]),
        {"channel": channel.code},
        follow=True,
    )
    assert "Your request is sent: an officer of your province will review it." in _messages(
        response
    )
    referral = Referral.objects.get(product=product, channel=channel)
    assert (referral.state, referral.proposed_by) == (S.PROPOSED, producer)
    assert f'data-testid="request-{channel.code}"'.encode() not in response.content
    client.post(reverse("producers:referral_withdraw", args=[product.pk, referral.pk]))
    referral.refresh_from_db()
    assert referral.state == S.WITHDRAWN


def test_the_producer_reads_the_officers_reason_for_a_rejection(client, producer, officer):
    (product,), (channel,) = _eligible_products(1, user=producer)
    referral = referral_propose(product=product, channel=channel, by=officer)
    referral_transition(
        referral_id=referral.pk,
        to_state=S.REJECTED,
        by=officer,
        note="Photos too dark for the shelf",
    )
    client.force_login(producer)
    page = client.get(reverse("producers:product_detail", args=[product.pk]))
    assert b"Photos too dark for the shelf" in page.content
    assert b"Rejected" in page.content


def test_an_unknown_channel_gets_a_clear_message(client, producer):
    (product,), _channels = _eligible_products(1, user=producer)
    client.force_login(producer)
    response = client.post(
        reverse("producers:referral_request", args=[product.pk]), {"channel": "nope"}, follow=True
    )
    assert "Choose one of the channels this product fits." in _messages(response)
    assert not Referral.objects.exists()


def test_the_officer_home_counts_proposals_to_review_and_approvals_to_send(client, officer):
    from matching.selectors import officer_queues

    first, _second, third = _proposed(3, officer)
    _proposed(1, factories.AdminFactory(email="b@example.org"), "40")  # another province
    referral_transition(referral_id=third.pk, to_state=S.APPROVED, by=officer)
    queues = officer_queues(officer)
    assert queues["proposals"] == {"count": 2, "oldest": first}
    assert queues["to_send"] == {"count": 1, "oldest": third}
    client.force_login(officer)
    row = client.get(reverse("matching:officer_home")).content.decode()
    assert reverse("matching:referral", args=[first.pk]) in row


# --- Withdrawing asks first, naming the partner and the channel (issue 17) -------------------


def test_the_producers_withdraw_asks_first_naming_partner_and_channel(client, producer, officer):
    (product,), (channel,) = _eligible_products(1, user=producer)
    referral = referral_propose(product=product, channel=channel, by=officer)
    client.force_login(producer)
    client.cookies["django_language"] = "th"
    url = reverse("producers:referral_withdraw", args=[product.pk, referral.pk])
    detail = client.get(reverse("producers:product_detail", args=[product.pk])).content.decode()
    assert "ถอนการเสนอ" in detail and "ยกเลิกคำเชิญ" not in detail
    page = client.get(url).content.decode()
    assert channel.partner.name_th in page and channel.name_th in page
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED  # looking is not withdrawing
    client.post(url, {"note": "หมดสต็อก"})
    referral.refresh_from_db()
    assert referral.state == S.WITHDRAWN


def test_the_officers_withdraw_asks_first_then_withdraws(client, officer):
    (referral,) = _proposed(1, officer)
    client.force_login(officer)
    url = reverse("matching:referral", args=[referral.pk])
    page = client.post(url, {"to_state": "withdrawn", "note": "duplicate"})
    assert page.status_code == 200
    assert b'data-testid="withdraw-confirm"' in page.content
    assert referral.channel.partner.name_en.encode() in page.content
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED
    client.post(url, {"to_state": "withdrawn", "confirmed": "1", "note": "duplicate"})
    referral.refresh_from_db()
    assert referral.state == S.WITHDRAWN
