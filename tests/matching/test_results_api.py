"""Match results over the API: who sees which, the shared filters, and keyset pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.api.pagination import KeysetPagination
from matching.api.results import failed_criteria_names
from matching.engine import Criterion, certificate_rule_bit
from matching.models import MatchResult
from matching.services import rematch_all
from producers.models import ProducerStatus
from tests.helpers import assert_constant_queries
from tests.matching.test_officer_candidates import build_world, make_product

pytestmark = pytest.mark.django_db

URL = reverse("api:match-result-list")


CHANNELS = ("central-premium", "central-shelf", "shopee-shop")


@pytest.fixture
def world(db):
    return build_world()


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def _pairs(client, user, **params) -> set[tuple[int, str]]:
    return {(r["product"], r["channel"]) for r in _get(client, user, **params)["results"]}


def every_channel(*products) -> set[tuple[int, str]]:
    return {(p.pk, code) for p in products for code in CHANNELS}


# --- Who sees what ------------------------------------------------------------------------------


def test_a_producer_sees_only_their_own_products_results_eligible_or_not(
    client, producer, other_producer, world
):
    mine = make_product("50", capacity=50, user=producer)
    make_product("50", capacity=50, user=other_producer)
    rematch_all()
    results = _get(client, producer)["results"]
    assert {(r["product"], r["channel"]) for r in results} == every_channel(mine)
    assert {r["eligible"] for r in results} == {True, False}


def test_a_producer_without_products_gets_an_empty_list(client, producer, world):
    assert _get(client, producer)["results"] == []


def test_a_partner_member_gets_an_empty_list(client, partner, world):
    assert _get(client, partner) == {"next": None, "results": []}


def test_an_officer_sees_every_result_of_their_province(client, officer, world):
    assert _pairs(client, officer) == every_channel(
        world.cm_food, world.cm_textile, world.cm_unverified
    )


def test_an_officer_of_another_province_sees_nothing_of_this_one(client, other_officer, world):
    assert _pairs(client, other_officer) == every_channel(world.kk_food)


def test_a_national_officer_and_an_administrator_see_every_province(
    client, national_officer, admin, world
):
    everything = every_channel(world.cm_food, world.cm_textile, world.kk_food, world.cm_unverified)
    assert _pairs(client, national_officer) == everything
    assert _pairs(client, admin) == everything


def test_a_result_out_of_scope_answers_404(client, other_officer, world):
    result = MatchResult.objects.filter(product=world.cm_food).first()
    client.force_login(other_officer)
    assert client.get(reverse("api:match-result-detail", args=[result.pk])).status_code == 404


# --- What a result says -----------------------------------------------------------------------


def test_a_result_names_its_product_channel_partner_and_failed_criteria(client, officer, world):
    results = _get(client, officer, channel="central-premium", category="textile")["results"]
    assert len(results) == 1
    result = results[0]
    assert result["product"] == world.cm_textile.pk
    assert result["product_name"] == world.cm_textile.name_th
    assert result["partner"] == "central"
    assert result["eligible"] is False
    assert result["star_level"] == 4
    assert result["failed_criteria"] == ["stars"]
    assert result["requirement_version"] == 1
    assert result["computed_at"]


def test_failed_criteria_are_named_after_the_engine_and_the_certificate_rules():
    mask = 1 << Criterion.STARS | 1 << Criterion.PRICE | certificate_rule_bit(0)
    mask |= certificate_rule_bit(2)
    assert failed_criteria_names(mask) == [
        "stars",
        "price",
        "certificate_rule_0",
        "certificate_rule_2",
    ]
    assert failed_criteria_names(0) == []


# --- Filters and order -------------------------------------------------------------------------


MADE = ("cm_food", "cm_textile", "kk_food")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"partner": "shopee"}, {(p, "shopee-shop") for p in MADE}),
        ({"channel": "central-shelf"}, {(p, "central-shelf") for p in MADE}),
        ({"category": "textile"}, {("cm_textile", c) for c in CHANNELS}),
        ({"min_stars": 4}, {("cm_textile", c) for c in CHANNELS}),
        ({"province": "40"}, {("kk_food", c) for c in CHANNELS}),
        # (central-premium prefers nothing: every product scores 100 there, eligible or not)
        (
            {"min_score": 60},
            {(p, c) for p in ("cm_food", "kk_food") for c in CHANNELS}
            | {("cm_textile", "central-premium")},
        ),
        ({"eligible": "false"}, {(p, "central-premium") for p in MADE}),
        ({"eligible": "true", "partner": "central"}, {(p, "central-shelf") for p in MADE}),
    ],
    ids=["partner", "channel", "category", "stars", "province", "score", "eligible", "combined"],
)
def test_each_filter_narrows_the_results(client, national_officer, world, params, expected):
    wanted = {(getattr(world, name).pk, code) for name, code in expected}
    # (the unverified producer's product has results too; it is left out of the comparison)
    found = _pairs(client, national_officer, **params) - every_channel(world.cm_unverified)
    assert found == wanted


def test_an_unknown_code_is_refused_with_400(client, officer, world):
    client.force_login(officer)
    response = client.get(URL, {"partner": "nobody"})
    assert response.status_code == 400
    assert "partner" in response.json()


def test_results_come_highest_score_first_then_by_product(client, national_officer, world):
    results = _get(client, national_officer, eligible="true")["results"]
    keys = [(-r["score"], r["product"], r["id"]) for r in results]
    assert keys == sorted(keys)
    assert results[0]["score"] == 90


def test_results_can_be_sorted_lowest_score_first(client, national_officer, world):
    results = _get(client, national_officer, eligible="true", ordering="score")["results"]
    assert [r["score"] for r in results] == sorted(r["score"] for r in results)
    assert results[0]["score"] == 30


@pytest.mark.parametrize("ordering", ["-score", "score"])
def test_keyset_pages_walk_every_result_once_in_order(
    client, national_officer, world, monkeypatch, ordering
):
    monkeypatch.setattr(KeysetPagination, "page_size", 4)
    client.force_login(national_officer)
    seen, url, pages = [], f"{URL}?ordering={ordering}&partner=central", 0
    while url:
        page = client.get(url).json()
        seen += page["results"]
        url, pages = page["next"], pages + 1
        assert "partner=central" in (url or "partner=central")
    assert pages == 2
    whole = MatchResult.objects.filter(channel__partner__code="central")
    assert sorted(r["id"] for r in seen) == sorted(whole.values_list("id", flat=True))
    sign = -1 if ordering == "-score" else 1
    keys = [(sign * r["score"], r["product"], r["id"]) for r in seen]
    assert keys == sorted(keys)


def test_a_broken_cursor_answers_404(client, officer, world):
    client.force_login(officer)
    assert client.get(URL, {"cursor": "not-a-cursor"}).status_code == 404


def test_the_list_costs_the_same_number_of_queries_for_any_number_of_rows(client, officer, world):
    client.force_login(officer)

    def add_rows(n: int) -> None:
        for i in range(n):
            make_product("50", capacity=5 * i, status=ProducerStatus.VERIFIED)
        rematch_all()

    assert_constant_queries(client, URL + "?partner=central&min_score=0", add_rows)


def test_the_schema_describes_the_results_and_their_filters(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/match-results/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "partner",
        "channel",
        "category",
        "min_stars",
        "province",
        "min_score",
        "eligible",
        "ordering",
        "cursor",
    } <= names
    fields = schema["components"]["schemas"]["MatchResult"]["properties"]
    assert {"product", "product_name", "channel", "partner", "failed_criteria"} <= set(fields)


def test_each_listed_result_is_its_detail_and_a_changed_one_shows_at_once(
    client, national_officer, world
):
    """The list reads a page's rows as values (values_columns) and keeps their representation
    (otop_portal.serializers); the detail reads a model. Each listed result says what its
    detail says, the next call's rows come from the keep, and a result whose stored score
    changed (a re-score) shows its new score at once."""
    from django.utils import timezone

    from matching.api.results import MatchResultSerializer
    from otop_portal import serializers as kept_module

    client.force_login(national_officer)
    kept_module._kept_representations.clear()
    rows = client.get(URL).json()["results"]
    assert len(rows) > 3
    for row in rows:
        detail = client.get(reverse("api:match-result-detail", args=[row["id"]]))
        assert detail.json() == row
    assert client.get(URL).json()["results"] == rows
    kept = [key for key in kept_module._kept_representations if key[0] is MatchResultSerializer]
    assert len(kept) == len(rows)

    changed = rows[-1]
    new_score = 1 if changed["score"] != 1 else 2
    MatchResult.objects.filter(pk=changed["id"]).update(score=new_score, computed_at=timezone.now())
    by_id = {row["id"]: row for row in client.get(URL, {"ordering": "score"}).json()["results"]}
    assert by_id[changed["id"]]["score"] == new_score
