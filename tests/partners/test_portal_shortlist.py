"""The partner's shortlist (their home page) and its read-only API: what a member sees, the
counts by state, the filters, search, sorting, paging, the queries it costs, and that another
partner's referrals never show."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import MatchResult, Referral
from matching.services import referral_transition
from producers.models import CertificationStatus
from tests import factories
from tests.helpers import assert_constant_queries, models_compiled
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db
HOME = reverse("partners:home")


@pytest.fixture
def central_channel(partner_org):
    """A channel of "central" that takes every product (no minimum star level)."""
    return factories.ChannelFactory(
        partner=partner_org, code="central-shelf", name_th="ชั้นวางเซ็นทรัล", name_en="Central shelf"
    )


def _shown(response) -> list[int]:
    return [r.pk for r in response.context["page"].object_list]


def test_the_shortlist_shows_the_partners_referrals_waiting_ones_first_newest_first(
    client, partner, officer, central_channel
):
    older, newer, decided = sent_referrals(3, channel=central_channel, officer=officer)
    referral_transition(referral_id=decided.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    response = client.get(HOME)
    # decided was sent last but is no longer waiting: after the two that are.
    assert _shown(response) == [newer.pk, older.pk, decided.pk]
    counts = {value: n for value, _label, n in response.context["states"]}
    assert counts == {"sent": 2, "accepted": 1, "declined": 0, "listed": 0, "ended": 0}


def test_a_member_sees_nothing_of_another_partners_referrals(
    client, partner, other_partner, officer, central_channel, shopee_channel
):
    (mine,) = sent_referrals(1, channel=central_channel, officer=officer)
    (theirs,) = sent_referrals(1, channel=shopee_channel, officer=officer)
    client.force_login(other_partner)
    response = client.get(HOME)
    assert _shown(response) == [theirs.pk]
    assert mine.product.name_th not in response.content.decode()
    # Nor by asking for the other partner's channel in the filter.
    response = client.get(HOME, {"channel": central_channel.code})
    assert _shown(response) == [theirs.pk]
    assert response.context["filter"].form.errors


def test_referrals_not_yet_sent_are_not_on_the_shortlist(client, partner, officer, central_channel):
    from matching.services import referral_propose

    (sent,) = sent_referrals(1, channel=central_channel, officer=officer)
    product = factories.ProductFactory(
        producer=factories.ProducerFactory(
            status="verified", province=sent.product.producer.province
        )
    )
    from matching.services import rematch_products

    rematch_products([product.pk])
    referral_propose(product=product, channel=central_channel, by=officer)
    client.force_login(partner)
    assert _shown(client.get(HOME)) == [sent.pk]


def test_the_state_tab_shows_only_that_state(client, partner, officer, central_channel):
    waiting, accepted = sent_referrals(2, channel=central_channel, officer=officer)
    referral_transition(referral_id=accepted.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    assert _shown(client.get(HOME, {"state": "accepted"})) == [accepted.pk]
    assert _shown(client.get(HOME, {"state": "sent"})) == [waiting.pk]


def test_withdrawn_after_sending_counts_as_ended(client, partner, officer, central_channel):
    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    referral_transition(referral_id=referral.pk, to_state="withdrawn", by=officer)
    client.force_login(partner)
    response = client.get(HOME, {"state": "ended"})
    assert _shown(response) == [referral.pk]
    assert {v: n for v, _l, n in response.context["states"]}["ended"] == 1


def test_search_finds_thai_product_and_producer_names(client, partner, officer, central_channel):
    chilli, silk = sent_referrals(2, channel=central_channel, officer=officer)
    chilli.product.name_th = "น้ำพริกเผาแม่มาลี"
    chilli.product.save()
    silk.product.producer.name_th = "กลุ่มทอผ้าไหมบ้านดอน"
    silk.product.producer.save()
    client.force_login(partner)
    assert _shown(client.get(HOME, {"q": "น้ำพริก"})) == [chilli.pk]
    assert _shown(client.get(HOME, {"q": "ทอผ้าไหม"})) == [silk.pk]


def test_filters_by_price_band_category_and_sub_type(client, partner, officer, central_channel):
    cheap, dear = sent_referrals(2, channel=central_channel, officer=officer)
    sub = factories.SubCategoryFactory(code="food-processed", category=cheap.product.category)
    cheap.product.price, cheap.product.subcategory = Decimal("80"), sub
    cheap.product.save()
    dear.product.price = Decimal("900")
    dear.product.save()
    client.force_login(partner)
    assert _shown(client.get(HOME, {"price_max": "100"})) == [cheap.pk]
    assert _shown(client.get(HOME, {"price_min": "100", "price_max": "1000"})) == [dear.pk]
    assert _shown(client.get(HOME, {"subcategory": "food-processed"})) == [cheap.pk]
    assert set(_shown(client.get(HOME, {"category": "food"}))) == {cheap.pk, dear.pk}


def test_filters_by_province_and_channel(client, partner, officer, partner_org, central_channel):
    other_channel = factories.ChannelFactory(partner=partner_org, code="central-online")
    (here,) = sent_referrals(1, channel=central_channel, officer=officer)
    (online,) = sent_referrals(1, channel=other_channel, officer=officer)
    national = factories.OfficerFactory(provinces=[], is_national_officer=True)
    (far,) = sent_referrals(1, channel=central_channel, officer=national, province_code="40")
    client.force_login(partner)
    assert _shown(client.get(HOME, {"province": "40"})) == [far.pk]
    assert _shown(client.get(HOME, {"channel": "central-online"})) == [online.pk]
    assert here.pk in _shown(client.get(HOME, {"channel": "central-shelf"}))


def test_filters_by_verified_certificate_stars_and_score(
    client, partner, officer, central_channel, fda
):
    certified, plain = sent_referrals(2, channel=central_channel, officer=officer)
    factories.CertificationFactory(
        producer=certified.product.producer, type=fda, status=CertificationStatus.VERIFIED
    )
    # A certificate waiting for review does not count.
    factories.CertificationFactory(
        producer=plain.product.producer, type=fda, status=CertificationStatus.PENDING
    )
    MatchResult.objects.filter(product=certified.product).update(score=90, star_level=4)
    MatchResult.objects.filter(product=plain.product).update(score=40, star_level=None)
    client.force_login(partner)
    assert _shown(client.get(HOME, {"certificate": "fda"})) == [certified.pk]
    assert _shown(client.get(HOME, {"min_stars": "4"})) == [certified.pk]
    assert _shown(client.get(HOME, {"min_score": "50"})) == [certified.pk]


def test_an_expired_certificate_does_not_count(client, partner, officer, central_channel, fda):
    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=fda,
        status=CertificationStatus.VERIFIED,
        issued_on=dt.date(2019, 1, 1),
        expires_on=dt.date(2020, 1, 1),
    )
    client.force_login(partner)
    assert _shown(client.get(HOME, {"certificate": "fda"})) == []


def test_the_score_and_stars_are_the_referred_channels_and_none_without_a_result(
    client, partner, officer, central_channel, shopee_channel
):
    scored, unscored = sent_referrals(2, channel=central_channel, officer=officer)
    products = [scored.product, unscored.product]
    # The same products' results for another partner's channel must not leak in.
    MatchResult.objects.filter(product__in=products, channel=shopee_channel).update(
        score=99, star_level=5
    )
    MatchResult.objects.filter(product=scored.product, channel=central_channel).update(
        score=10, star_level=None
    )
    MatchResult.objects.filter(product=unscored.product, channel=central_channel).delete()
    client.force_login(partner)
    response = client.get(HOME, {"ordering": "-score"})
    assert _shown(response) == [scored.pk, unscored.pk]  # no result: last, still listed
    assert [r.score for r in response.context["page"].object_list] == [10, None]
    assert _shown(client.get(HOME, {"min_stars": "1"})) == []
    assert _shown(client.get(HOME, {"min_score": "10"})) == [scored.pk]


def test_sorts_by_score_and_price_both_ways(client, partner, officer, central_channel):
    a, b, c = sent_referrals(3, channel=central_channel, officer=officer)
    for referral, score, price in ((a, 50, 300), (b, 90, 100), (c, 70, 200)):
        MatchResult.objects.filter(product=referral.product).update(score=score)
        referral.product.price = Decimal(price)
        referral.product.save()
    client.force_login(partner)
    assert _shown(client.get(HOME, {"ordering": "-score"})) == [b.pk, c.pk, a.pk]
    assert _shown(client.get(HOME, {"ordering": "score"})) == [a.pk, c.pk, b.pk]
    assert _shown(client.get(HOME, {"ordering": "price"})) == [b.pk, c.pk, a.pk]
    assert _shown(client.get(HOME, {"ordering": "-price"})) == [a.pk, c.pk, b.pk]
    assert _shown(client.get(HOME, {"ordering": "sent"})) == [a.pk, b.pk, c.pk]


def test_the_score_shown_is_the_pairs_stored_score(client, partner, officer, central_channel):
    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    MatchResult.objects.filter(product=referral.product, channel=central_channel).update(score=77)
    client.force_login(partner)
    response = client.get(HOME)
    assert response.context["page"].object_list[0].score == 77
    assert ">77</summary>" in response.content.decode()


def test_a_filtered_shortlist_is_read_once_until_a_referral_changes(
    client, partner, officer, central_channel, django_capture_on_commit_callbacks
):
    """A narrowed or sorted list keeps its ids in order (and so its count) per partner,
    filters and order: a page reads only its own rows until a referral changes."""
    sent_referrals(3, channel=central_channel, officer=officer)
    client.force_login(partner)
    url = f"{HOME}?channel={central_channel.code}&ordering=-score"

    def shown(address=url):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(address).context["page"]
        read_whole = [
            q
            for q in ctx.captured_queries
            if q["sql"].startswith('SELECT "matching_referral"."id" AS "pk" FROM')
            or 'COUNT(*) AS "__count" FROM "matching_referral"' in q["sql"]
        ]
        return page.paginator.count, [r.pk for r in page.object_list], len(read_whole)

    count, first, read = shown()
    assert (count, len(first), read) == (3, 3, 1)
    # The same filters in another order of the query string: kept, the list not read again.
    assert shown(f"{HOME}?ordering=-score&channel={central_channel.code}") == (3, first, 0)
    with django_capture_on_commit_callbacks(execute=True):
        (new,) = sent_referrals(1, channel=central_channel, officer=officer)
    count, again, read = shown()
    assert (count, read) == (4, 1) and set(again) == {*first, new.pk}  # read afresh once


def test_a_kept_list_shows_its_rows_as_they_are_now(client, partner, officer, central_channel):
    """Between two changes of the kept ids (here a change no service made, so nothing was
    dropped), a page reads its rows afresh and filters them again: a row that no longer
    matches is left out, never shown as it was."""
    a, b = sent_referrals(2, channel=central_channel, officer=officer)
    client.force_login(partner)
    url = f"{HOME}?state=sent&ordering=-score"
    assert {r.pk for r in client.get(url).context["page"].object_list} == {a.pk, b.pk}
    Referral.objects.filter(pk=a.pk).update(state="accepted")
    shown = client.get(url).context["page"].object_list
    assert [r.pk for r in shown] == [b.pk]


def test_the_shortlist_is_paginated(client, partner, officer, central_channel, monkeypatch):
    monkeypatch.setattr("partners.portal.views.SHORTLIST_PER_PAGE", 2)
    sent_referrals(3, channel=central_channel, officer=officer)
    client.force_login(partner)
    first = client.get(HOME, {"ordering": "sent"})
    second = client.get(HOME, {"ordering": "sent", "page": 2})
    assert len(_shown(first)) == 2 and len(_shown(second)) == 1
    assert not set(_shown(first)) & set(_shown(second))
    assert "ordering=sent" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]


def test_the_default_order_pages_without_repeating_or_skipping_a_referral(
    client, partner, officer, central_channel, monkeypatch
):
    monkeypatch.setattr("partners.portal.views.SHORTLIST_PER_PAGE", 2)
    oldest, older, newer, decided = sent_referrals(4, channel=central_channel, officer=officer)
    referral_transition(referral_id=decided.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    pages = [_shown(client.get(HOME, {"page": n})) for n in (1, 2)]
    # Waiting first, newest first, across the pages.
    assert pages == [[newer.pk, older.pk], [oldest.pk, decided.pk]]


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_shortlist_costs_the_same_queries_for_5_or_30_rows(
    client, partner, officer, central_channel, language
):
    """In both languages: a row reads only the columns it shows (shortlist_page_rows), and a
    name of the other language left out would cost a query per row."""
    client.force_login(partner)
    client.cookies["django_language"] = language

    def add(n):
        referrals = sent_referrals(n, channel=central_channel, officer=officer)
        for referral in referrals:
            factories.ProductPhotoFactory(product=referral.product)

    assert_constant_queries(client, HOME, add, sizes=(5, 30))


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_row_says_what_its_referral_and_product_say_in_the_readers_language(
    client, partner, officer, central_channel, language
):
    """The rows are read as values, not models (issue 13): each cell still says what the
    models say, in the reader's language (a name with no English one in Thai), with the
    thumbnail of the product's first photo."""
    from django.utils import translation

    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    product = referral.product
    product.subcategory = factories.SubCategoryFactory(category=product.category)
    product.name_en = "Silk scarf"
    product.save()
    product.producer.name_en = ""  # none in English: Thai for every reader
    product.producer.save()
    later = factories.ProductPhotoFactory(product=product, position=1)
    first = factories.ProductPhotoFactory(product=product, position=0)
    unshown = sent_referrals(1, channel=central_channel, officer=officer)[0]
    client.force_login(partner)
    client.cookies["django_language"] = language

    html = client.get(HOME).content.decode()
    start = html.index(f'data-referral="{referral.pk}"')
    row = html[start : html.index("</tr>", start)]
    referral = Referral.objects.get(pk=referral.pk)
    with translation.override(language):
        said = [
            product.name,
            f"{product.category.name} · {product.subcategory.name}",
            product.producer.name,
            product.producer.province.name,
            central_channel.name,
            f'<span class="state state-sent">{referral.get_state_display()}</span>',
            f'<img src="{first.thumbnail_url}"',
        ]
    assert all(words in row for words in said), (said, row)
    assert product.producer.name == product.producer.name_th
    assert later.thumbnail_url not in row
    assert ("Silk scarf" in row) == (language == "en")
    other = html[html.index(f'data-referral="{unshown.pk}"') :].split("</tr>")[0]
    assert "<img" not in other  # no photo, no thumbnail


def test_a_filtered_shortlist_costs_the_same_queries_too(client, partner, officer, central_channel):
    client.force_login(partner)
    url = f"{HOME}?certificate=fda&min_score=0&ordering=-price&q=%E0%B8%9C%E0%B9%89%E0%B8%B2"
    factories.CertificationTypeFactory(code="fda")

    def add(n):
        for referral in sent_referrals(n, channel=central_channel, officer=officer):
            factories.CertificationFactory(
                producer=referral.product.producer, status=CertificationStatus.VERIFIED
            )

    assert_constant_queries(client, url, add, sizes=(5, 30))


def test_an_empty_shortlist_says_so(client, partner):
    client.force_login(partner)
    response = client.get(HOME)
    assert response.status_code == 200
    assert b'data-testid="shortlist-empty"' in response.content


# --- The API ----------------------------------------------------------------------------------


def test_the_api_lists_the_shortlist_with_the_same_filters(
    client, partner, other_partner, officer, central_channel, shopee_channel
):
    cheap, dear = sent_referrals(2, channel=central_channel, officer=officer)
    sent_referrals(1, channel=shopee_channel, officer=officer)
    dear.product.price = Decimal("999")
    dear.product.save()
    client.force_login(partner)
    body = client.get(reverse("api:shortlist-list")).json()
    assert {r["id"] for r in body["results"]} == {cheap.pk, dear.pk}
    body = client.get(reverse("api:shortlist-list"), {"price_min": "500"}).json()
    assert [r["id"] for r in body["results"]] == [dear.pk]
    assert body["count"] == 1  # counted with the filter, not taken from the state counts
    assert body["results"][0]["product"]["price"] == "999.00"
    assert body["results"][0]["channel"] == "central-shelf"


@pytest.mark.parametrize("query", [{}, {"ordering": "-price"}, {"ordering": "price", "q": ""}])
def test_the_api_pages_the_shortlist_in_the_pages_order(
    client, partner, officer, central_channel, query, monkeypatch
):
    """The API reads a page's ids, then its rows by id (as the page does, issue 13): page after
    page, in the index's order or sorted (the kept ids), it gives each referral once, in the
    order the shortlist page shows them, with the count, and 404 past the last page."""
    from partners.portal.api import ShortlistPagination

    monkeypatch.setattr(ShortlistPagination, "page_size", 2)
    for i, referral in enumerate(sent_referrals(5, channel=central_channel, officer=officer)):
        referral.product.price = Decimal(100 + (i * 37) % 5 * 10)
        referral.product.save()
    client.force_login(partner)
    html = client.get(HOME, query).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-referral="(\d+)"', html)]
    assert len(shown) == 5

    url, seen = reverse("api:shortlist-list"), []
    body = client.get(url, query).json()
    while True:
        assert body["count"] == 5
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        body = client.get(body["next"]).json()
    assert seen == shown
    assert client.get(url, {**query, "page": 4}).status_code == 404


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_api_list_shows_each_referral_as_its_own_detail_does(
    client, partner, officer, central_channel, language
):
    """The list reads only the columns its serializer names (serializer_columns), as values
    (values_rows, issue 13); the detail reads whole rows. Each row of the list is its detail,
    the certificates aside (an empty sub-type included), and says its state in the reader's
    language."""
    from django.utils import translation

    from matching.models import ReferralState

    accepted, sent, third = sent_referrals(3, channel=central_channel, officer=officer)
    accepted.product.name_en, accepted.product.price = "Chilli paste", Decimal("85.50")
    accepted.product.subcategory = factories.SubCategoryFactory(category=accepted.product.category)
    accepted.product.save()
    third.product.subcategory = None
    third.product.save()
    referral_transition(referral_id=accepted.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    client.cookies["django_language"] = language
    rows = client.get(reverse("api:shortlist-list")).json()["results"]
    assert len(rows) == 3
    for row in rows:
        detail = client.get(reverse("api:shortlist-detail", args=[row["id"]])).json()
        detail.pop("certificates")
        assert row == detail
    by_id = {row["id"]: row for row in rows}
    assert by_id[accepted.pk]["product"]["name_en"] == "Chilli paste"
    assert by_id[accepted.pk]["product"]["price"] == "85.50"
    assert by_id[third.pk]["product"]["subcategory"] is None
    assert by_id[accepted.pk]["product"]["subcategory"] == accepted.product.subcategory.code
    assert by_id[sent.pk]["score"] is not None
    with translation.override(language):
        assert by_id[accepted.pk]["state_label"] == str(ReferralState.ACCEPTED.label)
        assert by_id[sent.pk]["state_label"] == str(ReferralState.SENT.label)
    assert (by_id[sent.pk]["state_label"] == "Sent to the partner") == (language == "en")


def test_the_api_list_serializes_a_row_once_and_a_row_that_changed_afresh(
    client, partner, officer, central_channel
):
    """A page's rows are serialized once per process (otop_portal.serializers, issue 13): the
    next call's rows come from the keep and say the same; a row whose product was renamed or
    whose state moved is serialized afresh, and a reader of the other language gets their own
    words."""
    from django.utils import translation

    from matching.models import ReferralState
    from otop_portal import serializers as kept_module
    from partners.portal.api import ShortlistSerializer

    renamed, accepted = sent_referrals(2, channel=central_channel, officer=officer)
    client.force_login(partner)
    client.cookies["django_language"] = "th"
    url = reverse("api:shortlist-list")
    kept_module._kept_representations.clear()
    first = client.get(url).json()["results"]
    assert client.get(url).json()["results"] == first

    kept = [key for key in kept_module._kept_representations if key[0] is ShortlistSerializer]
    assert len(kept) == 2  # one per row
    for key in kept:
        kept_module._kept_representations[key] = {"id": dict(key[2])["pk"], "kept": True}
    assert [row.get("kept") for row in client.get(url).json()["results"]] == [True, True]

    renamed.product.name_th = "น้ำพริกสูตรใหม่"
    renamed.product.save()
    referral_transition(referral_id=accepted.pk, to_state="accepted", by=partner)
    by_id = {row["id"]: row for row in client.get(url).json()["results"]}
    assert "kept" not in by_id[renamed.pk] and "kept" not in by_id[accepted.pk]
    assert by_id[renamed.pk]["product"]["name_th"] == "น้ำพริกสูตรใหม่"
    assert by_id[accepted.pk]["state"] == "accepted"
    with translation.override("th"):
        assert by_id[accepted.pk]["state_label"] == str(ReferralState.ACCEPTED.label)

    client.cookies["django_language"] = "en"
    english = {row["id"]: row for row in client.get(url).json()["results"]}
    assert english[accepted.pk]["state_label"] == "Accepted by the partner"
    assert english[renamed.pk]["state_label"] == "Sent to the partner"


def test_the_api_detail_has_verified_certificates_and_no_contact_details(
    client, partner, officer, central_channel, fda
):
    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=fda,
        number="5012345000009",
        status=CertificationStatus.VERIFIED,
    )
    referral_transition(referral_id=referral.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    body = client.get(reverse("api:shortlist-detail", args=[referral.pk])).json()
    assert [c["number"] for c in body["certificates"]] == ["5012345000009"]
    text = str(body)
    assert referral.product.producer.phone not in text
    assert referral.product.producer.user.email not in text


def test_the_api_answers_another_partners_referral_with_404(
    client, other_partner, officer, central_channel
):
    (referral,) = sent_referrals(1, channel=central_channel, officer=officer)
    client.force_login(other_partner)
    assert client.get(reverse("api:shortlist-detail", args=[referral.pk])).status_code == 404
    assert client.get(reverse("api:shortlist-list")).json()["results"] == []


def test_the_api_list_costs_the_same_queries_for_5_or_30_rows(
    client, partner, officer, central_channel
):
    client.force_login(partner)
    assert_constant_queries(
        client,
        reverse("api:shortlist-list"),
        lambda n: sent_referrals(n, channel=central_channel, officer=officer),
        sizes=(5, 30),
    )


def test_the_shortlist_shows_only_the_newest_three_notifications_above_it(
    client, partner, officer, central_channel
):
    sent_referrals(5, channel=central_channel, officer=officer)  # five "new product" notices
    client.force_login(partner)
    page = client.get(HOME).content.decode()
    assert page.count('data-testid="notification"') == 3
    assert page.count('data-testid="referral"') == 5  # the list itself has them all
    assert reverse("notifications") in page


@pytest.mark.parametrize("path", [HOME, reverse("api:shortlist-list")])
def test_a_pages_ids_and_rows_are_compiled_once_and_read_as_they_are_now(
    client, partner, officer, central_channel, path
):
    """Not narrowed, a page's ids (by state, in the default order) and then its rows by id
    are read through statements compiled on the first visit (issue 13); what the page lists
    and what a row shows are read on every visit."""
    referrals = sent_referrals(3, channel=central_channel, officer=officer)
    client.force_login(partner)
    assert client.get(path).status_code == 200
    product = referrals[0].product
    product.name_th = "ชื่อใหม่ของสินค้า"
    product.save()
    first_shown = max(referrals, key=lambda r: (r.sent_at, r.pk))
    referral_transition(referral_id=first_shown.pk, to_state="accepted", by=partner)
    with models_compiled() as compiled:
        response = client.get(path)
    assert "ชื่อใหม่ของสินค้า" in response.content.decode()
    shown = [row["id"] for row in response.json()["results"]] if path != HOME else _shown(response)
    # Decided, it is no longer waiting: last now, after the two that are.
    assert shown[-1] == first_shown.pk and sorted(shown) == sorted(r.pk for r in referrals)
    assert Referral not in compiled  # neither the page's ids nor its rows compiled again
