"""The officers' candidates: eligible pairs in their provinces, filtered and sorted by score."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchResult
from matching.services import rematch_all
from producers.models import CertificationScope, CertificationStatus, ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries, assert_row_says, models_compiled

pytestmark = pytest.mark.django_db

URL = reverse("matching:officer_candidates")


# Every channel prefers a monthly capacity of 100 units: a product's score is its capacity.
BY_CAPACITY = [{"kind": "capacity", "weight": 10, "target_capacity": 100}]


@dataclass
class World:
    """Two partners' channels that take anything, one that takes only 5-star products, and
    products in Chiang Mai (50) and Khon Kaen (40)."""

    shelf: object  # central-shelf (Central)
    shop: object  # shopee-shop (Shopee)
    premium: object  # central-premium (Central), needs 5 stars: nobody is eligible
    cm_food: object  # Chiang Mai, food, score 80
    cm_textile: object  # Chiang Mai, textiles, 4 stars, score 30
    kk_food: object  # Khon Kaen, food, score 60
    cm_unverified: object  # Chiang Mai, producer not verified yet, score 90


def make_product(province_code: str, *, capacity: int, category="food", stars=None, **producer):
    producer.setdefault("status", ProducerStatus.VERIFIED)
    profile = factories.ProducerFactory(
        province=factories.ProvinceFactory(code=province_code), **producer
    )
    if stars:
        factories.CertificationFactory(
            producer=profile,
            type=factories.StarsTypeFactory(),
            status=CertificationStatus.VERIFIED,
            scope=CertificationScope.PRODUCER,
            star_level=stars,
            award_year=timezone.localdate().year,
            issued_on=dt.date(timezone.localdate().year, 1, 1),
        )
    return factories.ProductFactory(
        producer=profile,
        category=factories.CategoryFactory(
            code=category, name_en=category.title(), name_th=f"หมวด {category}"
        ),
        monthly_capacity=capacity,
    )


def build_world() -> World:
    central = factories.PartnerFactory(code="central", name_en="Central Group")
    shopee = factories.PartnerFactory(code="shopee", name_en="Shopee (Thailand)")
    world = World(
        shelf=factories.ChannelFactory(
            partner=central, code="central-shelf", preferred=BY_CAPACITY
        ),
        shop=factories.ChannelFactory(partner=shopee, code="shopee-shop", preferred=BY_CAPACITY),
        premium=factories.ChannelFactory(
            partner=central, code="central-premium", requirement={"min_star_level": 5}
        ),
        cm_food=make_product("50", capacity=80),
        cm_textile=make_product("50", capacity=30, category="textile", stars=4),
        kk_food=make_product("40", capacity=60),
        cm_unverified=make_product("50", capacity=90, status=ProducerStatus.SUBMITTED),
    )
    rematch_all()
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


def _pairs(response) -> list[tuple[int, str]]:
    """The (product, channel code) of each row shown, in order (a row holds what it shows: its
    result is looked up by id)."""
    assert response.status_code == 200
    pks = [r.pk for r in response.context["page"].object_list]
    results = MatchResult.objects.select_related("channel").in_bulk(pks)
    return [(results[pk].product_id, results[pk].channel.code) for pk in pks]


def _candidates(client, user, **params) -> list[tuple[int, str]]:
    client.force_login(user)
    return _pairs(client.get(URL, params))


def both(*products) -> set[tuple[int, str]]:
    return {(p.pk, code) for p in products for code in ("central-shelf", "shopee-shop")}


# --- Who sees what ------------------------------------------------------------------------------


def test_officer_sees_the_eligible_pairs_of_their_province_only(client, officer, world):
    assert set(_candidates(client, officer)) == both(world.cm_food, world.cm_textile)


def test_an_officer_of_another_province_sees_nothing_of_this_one(client, other_officer, world):
    assert set(_candidates(client, other_officer)) == both(world.kk_food)


def test_an_officer_without_provinces_sees_nothing(client, world):
    nowhere = factories.OfficerFactory(email="nowhere@example.org", provinces=[])
    assert _candidates(client, nowhere) == []


def test_a_national_officer_sees_every_province(client, national_officer, world):
    assert set(_candidates(client, national_officer)) == both(
        world.cm_food, world.cm_textile, world.kk_food
    )


def test_an_administrator_sees_every_province(client, admin, world):
    assert set(_candidates(client, admin)) == both(world.cm_food, world.cm_textile, world.kk_food)


def test_products_of_unverified_producers_are_not_candidates(client, officer, world):
    products = {pid for pid, _code in _candidates(client, officer)}
    assert world.cm_unverified.pk not in products


def test_pairs_that_are_not_eligible_are_not_candidates(client, officer, world):
    assert "central-premium" not in {code for _pid, code in _candidates(client, officer)}


def test_an_inactive_channel_has_no_candidates(client, officer, world):
    world.shop.is_active = False
    world.shop.save()
    assert "shopee-shop" not in {code for _pid, code in _candidates(client, officer)}


def test_a_discontinued_product_is_not_a_candidate(client, officer, world):
    world.cm_food.status = "discontinued"
    world.cm_food.save()
    assert set(_candidates(client, officer)) == both(world.cm_textile)


# --- Filters and order -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"partner": "shopee"}, {(p, "shopee-shop") for p in ("cm_food", "cm_textile", "kk_food")}),
        (
            {"channel": "central-shelf"},
            {(p, "central-shelf") for p in ("cm_food", "cm_textile", "kk_food")},
        ),
        ({"category": "textile"}, {("cm_textile", "central-shelf"), ("cm_textile", "shopee-shop")}),
        ({"min_stars": "4"}, {("cm_textile", "central-shelf"), ("cm_textile", "shopee-shop")}),
        ({"min_stars": "5"}, set()),
        ({"province": "40"}, {("kk_food", "central-shelf"), ("kk_food", "shopee-shop")}),
        (
            {"min_score": "60"},
            {(p, c) for p in ("cm_food", "kk_food") for c in ("central-shelf", "shopee-shop")},
        ),
        (
            {"province": "50", "partner": "central", "min_score": "50"},
            {("cm_food", "central-shelf")},
        ),
    ],
    ids=["partner", "channel", "category", "stars", "stars-none", "province", "score", "combined"],
)
def test_each_filter_narrows_the_candidates(client, national_officer, world, params, expected):
    wanted = {(getattr(world, name).pk, code) for name, code in expected}
    assert set(_candidates(client, national_officer, **params)) == wanted


def test_candidates_come_highest_score_first(client, national_officer, world):
    client.force_login(national_officer)
    scores = [r.score for r in client.get(URL).context["page"].object_list]
    assert scores == [80, 80, 60, 60, 30, 30]


def test_candidates_can_be_sorted_lowest_score_first(client, national_officer, world):
    client.force_login(national_officer)
    rows = client.get(URL, {"ordering": "score"}).context["page"].object_list
    assert [r.score for r in rows] == [30, 30, 60, 60, 80, 80]


def test_equal_scores_keep_a_stable_order_by_product(client, national_officer, world):
    client.force_login(national_officer)
    pks = [r.pk for r in client.get(URL).context["page"].object_list]
    rows = [MatchResult.objects.get(pk=pk) for pk in pks]
    assert rows == sorted(rows, key=lambda r: (-r.score, r.product_id, r.pk))


def test_a_filter_value_that_is_not_understood_is_reported_not_fatal(client, officer, world):
    client.force_login(officer)
    response = client.get(URL, {"min_score": "lots", "partner": "nobody"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4
    assert response.context["filter"].form.errors.keys() == {"min_score", "partner"}


def test_the_province_choices_are_the_officers_own(client, officer, world):
    client.force_login(officer)
    form = client.get(URL).context["filter"].form
    assert [p.code for p in form.fields["province"].queryset] == ["50"]


# --- The page ----------------------------------------------------------------------------------


def test_every_filter_has_a_label_and_the_form_works_without_javascript(client, officer, world):
    client.force_login(officer)
    response = client.get(URL)
    html = response.content.decode()
    form = re.search(r'<form method="get"[^>]*>.*?</form>', html, re.S).group(0)
    for name in (
        "partner",
        "channel",
        "category",
        "province",
        "min_stars",
        "min_score",
        "ordering",
    ):
        assert f'<label for="id_{name}"' in form, name
        assert f'name="{name}"' in form, name
    assert 'type="submit"' in form
    for described_by in re.findall(r'aria-describedby="([^"]+)"', form):
        assert f'id="{described_by}"' in form, described_by
    assert "<script" not in html.split("<main", 1)[1]


def test_the_table_scrolls_sideways_on_a_phone(client, officer, world):
    client.force_login(officer)
    html = client.get(URL).content.decode()
    # (Other attributes, such as a class that stacks the cells on a phone, may come first.)
    assert re.search(r'<div class="table-wrap">\s*<table[^>]* data-testid="candidate-table"', html)


def test_the_page_shows_names_and_the_count(client, officer, world):
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert "4 candidates" in html
    assert world.cm_food.name_th in html
    assert world.cm_food.producer.name_en in html
    assert "Chiang Mai" in html
    assert "Central Group" in html
    assert "Shopee (Thailand)" in html


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_row_says_what_its_result_product_and_channel_say(client, officer, world, language):
    """The rows are read as values, not models (issue 13): each cell still says what the
    models say, in the reader's language."""
    from django.utils import translation

    client.force_login(officer)
    client.cookies["django_language"] = language
    response = client.get(URL)
    html = response.content.decode()
    for row in response.context["page"].object_list:
        result = MatchResult.objects.select_related(
            "product__producer__province", "product__category", "channel__partner"
        ).get(pk=row.pk)
        with translation.override(language):
            said = [
                result.product.name_th,
                result.product.producer.name,
                result.product.producer.province.name,
                result.product.category.name,
                f'{result.channel.name}<br><span class="muted">{result.channel.partner.name}',
                str(result.star_level or "–"),
            ]
        assert_row_says(html, result.pk, said)


def test_the_page_reads_in_thai(client, officer, world):
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert "เชียงใหม่" in response.content.decode()


def test_page_links_keep_the_filters(client, national_officer, world, monkeypatch):
    monkeypatch.setattr("matching.officer.views.CANDIDATES_PER_PAGE", 2)
    client.force_login(national_officer)
    response = client.get(URL, {"partner": "central", "ordering": "score"})
    next_link = re.search(r'href="([^"]+)" rel="next"', response.content.decode()).group(1)
    assert "partner=central" in next_link
    assert "ordering=score" in next_link
    assert "page=2" in next_link
    second = client.get(URL + next_link.replace("&amp;", "&"))
    assert [r.score for r in second.context["page"].object_list] == [80]


def test_officer_home_links_to_the_candidates(client, officer):
    client.force_login(officer)
    assert f'href="{URL}"' in client.get(reverse("matching:officer_home")).content.decode()


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_page_costs_the_same_number_of_queries_for_any_number_of_rows(
    client, officer, world, language
):
    """In both languages: a row reads only the columns it shows (candidate_page_rows), and a
    name of the other language left out would cost a query per row."""
    client.force_login(officer)
    client.cookies["django_language"] = language

    def add_rows(n: int) -> None:
        for i in range(n):
            make_product("50", capacity=10 + i, category=("food", "textile")[i % 2], stars=i % 5)
        rematch_all()

    assert_constant_queries(client, URL, add_rows)


# --- What keeps the page fast at national scale (docs/performance.md, issue 6) ----------------


def test_the_default_order_has_an_index_that_gives_it_whole(db):
    """Half the eligible pairs share the top score: an index that gives only the score makes
    every page read and sort that whole group. The index must hold the page's whole order, for
    eligible rows."""
    from django.db import connection

    from matching.filters import DEFAULT_ORDERING, ORDERINGS

    # ("-score", "product_id", "id"): the names are the columns'.
    wanted = [
        (name.lstrip("-"), "DESC" if name.startswith("-") else "ASC")
        for name in ORDERINGS[DEFAULT_ORDERING]
    ]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "matching_matchresult")
    indexes = [
        list(zip(c["columns"], c["orders"], strict=True))
        for c in constraints.values()
        if c["index"] and c.get("orders")
    ]
    assert wanted in indexes, f"no index on {wanted}: {indexes}"


def test_no_index_offers_the_score_without_its_tie_breakers(db):
    """An index on (eligible, score) alone tempted PostgreSQL into an incremental sort that it
    costed on evenly sized score groups: page 5 of a province read the whole top group again
    (900 ms instead of 30)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "matching_matchresult")
    assert not [
        name
        for name, c in constraints.items()
        if c["index"] and c["columns"] == ["eligible", "score"]
    ]


def test_the_province_scope_is_a_list_of_ids_not_a_subquery(client, officer, world):
    """With a subquery the planner joined every result of the country before keeping the
    province's; with the ids it estimates the province from its statistics."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    through = officer._meta.get_field("provinces").remote_field.through._meta.db_table
    rows = [q["sql"] for q in ctx.captured_queries if 'FROM "matching_matchresult"' in q["sql"]]
    assert rows, "the page read no results"
    assert not [sql for sql in rows if through in sql]


def test_a_province_given_to_an_officer_is_in_scope_at_once(officer, other_province, world):
    """The officer's province ids are read once per user object: a change made through the
    relation is still seen."""
    from matching.selectors import officer_candidates

    assert {r.product_id for r in officer_candidates(officer)} == {
        world.cm_food.pk,
        world.cm_textile.pk,
    }
    officer.provinces.add(other_province)
    assert {r.product_id for r in officer_candidates(officer)} == {
        world.cm_food.pk,
        world.cm_textile.pk,
        world.kk_food.pk,
    }
    officer.provinces.clear()
    assert list(officer_candidates(officer)) == []


def test_every_list_of_the_officer_home_reads_the_provinces_once(client, officer, world):
    """Six queues scoped to the officer's provinces: the ids are read once for all of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)
    client.get(reverse("matching:officer_home"))
    through = officer._meta.get_field("provinces").remote_field.through._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("matching:officer_home")).status_code == 200
    scoped = [q["sql"] for q in ctx.captured_queries if through in q["sql"]]
    # The scope's ids, and the page's own list of the officer's provinces.
    assert len(scoped) <= 2, scoped


# --- The list is kept, each page read by id (issue 13) ---------------------------------------


def test_the_candidates_are_worked_out_once_until_a_referral_changes_them(
    client, officer, world, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.models import MatchResult
    from matching.services import referral_propose

    client.force_login(officer)

    def shown():
        with CaptureQueriesContext(connection) as ctx:
            pairs = _pairs(client.get(URL, {"partner": "central"}))
        listed = [
            q
            for q in ctx.captured_queries
            if q["sql"].startswith('SELECT "matching_matchresult"."id" AS "pk" FROM')
        ]
        return pairs, len(listed)

    first, read = shown()
    assert read == 1 and set(first) == {
        (world.cm_food.pk, "central-shelf"),
        (world.cm_textile.pk, "central-shelf"),
    }
    assert shown() == (first, 0)  # kept: the page reads only its own rows

    # A pair that stopped being eligible without a service (a re-score's doing) is left out at
    # once: the rows are read afresh and filtered again.
    MatchResult.objects.filter(product=world.cm_textile, channel=world.shelf).update(eligible=False)
    assert shown() == ([(world.cm_food.pk, "central-shelf")], 0)

    with django_capture_on_commit_callbacks(execute=True):
        referral_propose(product=world.cm_food, channel=world.shelf, by=officer)
    assert shown() == ([], 1)  # proposed: no longer a candidate, the list worked out afresh


@pytest.mark.parametrize("who", ["officer", "national_officer", "admin"])
@pytest.mark.parametrize("query", [{}, {"ordering": "score"}])
def test_a_list_not_narrowed_reads_its_rows_through_a_statement_and_as_they_are_now(
    client, request, world, who, query
):
    """Not narrowed by any filter (it may be sorted), a page's rows are read by id through a
    statement compiled on the first visit (issue 13, seventeenth pass): the candidates' query
    is not even built. What a row shows is read on every visit, a pair that stopped being a
    candidate since the ids were kept is left out, and another province's are not listed."""
    viewer = request.getfixturevalue(who)
    client.force_login(viewer)
    everywhere = who != "officer"
    expected = both(world.cm_food, world.cm_textile) | (
        both(world.kk_food) if everywhere else set()
    )
    assert set(_pairs(client.get(URL, query))) == expected  # the ids are kept from here on

    world.cm_food.name_th = "ชื่อใหม่ของสินค้า"
    world.cm_food.save()
    MatchResult.objects.filter(product=world.cm_textile, channel=world.shelf).update(eligible=False)
    with models_compiled() as compiled:
        response = client.get(URL, query)
    assert set(_pairs(response)) == expected - {(world.cm_textile.pk, "central-shelf")}
    scores = [r.score for r in response.context["page"].object_list]
    assert scores == sorted(scores, reverse="ordering" not in query)
    assert "ชื่อใหม่ของสินค้า" in response.content.decode()
    assert MatchResult not in compiled  # the page's rows, through the kept statement


def test_a_narrowed_list_reads_its_kept_rows_back_through_its_filters(
    client, national_officer, world
):
    """Narrowed (here by a lowest score), the kept ids' rows are read through the filters: a
    re-score that moves a pair under the filter leaves it out at once, though the kept ids,
    which only a service's change drops, still hold it."""
    client.force_login(national_officer)
    query = {"min_score": 50}
    expected = both(world.cm_food, world.kk_food)
    assert set(_pairs(client.get(URL, query))) == expected
    MatchResult.objects.filter(product=world.kk_food).update(score=40)
    assert set(_pairs(client.get(URL, query))) == both(world.cm_food)
