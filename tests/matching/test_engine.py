"""The scoring engine on plain data: gates, score, explanation, gap."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from matching.engine import (
    CertificateFact,
    Criterion,
    ProductFacts,
    certificate_rule_bit,
    compile_channel,
    evaluate,
    evaluate_all,
    explain,
)

TODAY = dt.date(2026, 11, 25)

SEVEN_ELEVEN = {
    "channel": "cpall-convenience",
    "partner": "cpall",
    "version": 3,
    "kind": "convenience_store",
    "nationwide": True,
    "provinces": [],
    "categories": ["beverage", "food", "herbal"],
    "subcategories": [],
    "producer_types": [],
    "min_stars": 4,
    "gtin_required": True,
    "min_shelf_life_days": 120,
    "min_monthly_capacity": 5000,
    "max_lead_time_days": None,
    "price_min": "15.00",
    "price_max": "99.00",
    "certificate_rules": [
        {"mode": "all", "types": ["fda"], "categories": ["food", "beverage"]},
        {"mode": "any", "types": ["fda", "tcps"], "categories": []},
    ],
    "preferred": [
        {"kind": "certificate", "weight": 20, "type": "halal"},
        {"kind": "stars", "weight": 30, "target": 5},
        {"kind": "capacity", "weight": 50, "target": 10000},
    ],
}


def fda(**kw):
    return CertificateFact(type="fda", verified=True, expires_on=None, **kw)


def chilli_paste(**changes) -> ProductFacts:
    base = ProductFacts(
        product_id=1,
        category="food",
        subcategory="food-processed",
        producer_type="community_group",
        province="50",
        price=Decimal("45"),
        gtin="8850123456781",
        shelf_life_days=180,
        monthly_capacity=6000,
        lead_time_days=7,
        star_level=4,
        certificates=(fda(),),
    )
    return replace(base, **changes)


CH = compile_channel(SEVEN_ELEVEN)


def test_a_product_meeting_every_gate_is_eligible_with_a_weighted_score():
    result = evaluate(CH, chilli_paste(), TODAY)
    assert result.eligible
    assert result.failed == 0
    # halal 0/20 + stars 4/5*30=24 + capacity 6000/10000*50=30 → 54
    assert result.score == 54


def test_below_minimum_stars_fails_the_star_gate():
    result = evaluate(CH, chilli_paste(star_level=3), TODAY)
    assert not result.eligible
    assert result.failed == 1 << Criterion.STARS


def test_category_not_accepted_fails():
    result = evaluate(CH, chilli_paste(category="textile", subcategory="textile-cloth"), TODAY)
    assert result.failed & 1 << Criterion.CATEGORY


def test_missing_barcode_fails_when_the_channel_needs_one():
    assert evaluate(CH, chilli_paste(gtin=""), TODAY).failed == 1 << Criterion.GTIN


def test_shelf_life_capacity_and_price_are_gates():
    result = evaluate(
        CH, chilli_paste(shelf_life_days=30, monthly_capacity=100, price=Decimal("150")), TODAY
    )
    assert result.failed == (1 << Criterion.SHELF_LIFE) | (1 << Criterion.CAPACITY) | (
        1 << Criterion.PRICE
    )


def test_unknown_price_fails_a_price_band():
    assert evaluate(CH, chilli_paste(price=None), TODAY).failed == 1 << Criterion.PRICE


def test_lead_time_above_the_maximum_fails():
    ch = compile_channel({**SEVEN_ELEVEN, "max_lead_time_days": 5})
    assert evaluate(ch, chilli_paste(lead_time_days=7), TODAY).failed == 1 << Criterion.LEAD_TIME


def test_category_condition_applies_only_to_its_categories():
    # Herbal products need "fda or tcps" but not the food/beverage-only FDA rule.
    herbal = chilli_paste(
        category="herbal",
        subcategory="herbal-cosmetic",
        certificates=(CertificateFact("tcps", True, None),),
    )
    assert evaluate(CH, herbal, TODAY).eligible
    food_with_tcps_only = chilli_paste(certificates=(CertificateFact("tcps", True, None),))
    assert evaluate(CH, food_with_tcps_only, TODAY).failed == certificate_rule_bit(0)


def test_any_of_group_passes_with_one_of_its_choices():
    ch = compile_channel(
        {
            **SEVEN_ELEVEN,
            "certificate_rules": [{"mode": "any", "types": ["fda", "tcps"], "categories": []}],
        }
    )
    assert evaluate(
        ch, chilli_paste(certificates=(CertificateFact("tcps", True, None),)), TODAY
    ).eligible
    assert not evaluate(ch, chilli_paste(certificates=()), TODAY).eligible


def test_expired_certificate_does_not_count_on_the_as_of_date():
    cert = CertificateFact("fda", True, expires_on=dt.date(2026, 11, 24))
    assert not evaluate(CH, chilli_paste(certificates=(cert,)), TODAY).eligible
    assert evaluate(CH, chilli_paste(certificates=(cert,)), dt.date(2026, 11, 24)).eligible


def test_unverified_certificate_does_not_count():
    cert = CertificateFact("fda", verified=False, expires_on=None)
    assert not evaluate(CH, chilli_paste(certificates=(cert,)), TODAY).eligible


def test_region_is_a_gate_for_a_market_serving_some_provinces():
    ch = compile_channel(
        {**SEVEN_ELEVEN, "kind": "community_market", "nationwide": False, "provinces": ["50"]}
    )
    assert evaluate(ch, chilli_paste(province="50"), TODAY).eligible
    assert evaluate(ch, chilli_paste(province="40"), TODAY).failed == 1 << Criterion.REGION


def test_subtypes_restrict_only_their_own_category():
    ch = compile_channel(
        {
            **SEVEN_ELEVEN,
            "categories": [],
            "subcategories": ["food-processed"],
            "certificate_rules": [],
            "min_stars": None,
            "gtin_required": False,
            "price_min": None,
            "price_max": None,
            "min_shelf_life_days": None,
            "min_monthly_capacity": None,
        }
    )
    assert (
        evaluate(ch, chilli_paste(subcategory="food-fresh"), TODAY).failed
        == 1 << Criterion.SUBCATEGORY
    )
    assert evaluate(
        ch, chilli_paste(category="textile", subcategory="textile-cloth"), TODAY
    ).eligible


def test_no_preferred_criteria_scores_a_fitting_product_100():
    ch = compile_channel({**SEVEN_ELEVEN, "preferred": []})
    assert evaluate(ch, chilli_paste(), TODAY).score == 100


def test_gap_says_renew_the_expired_certificate_with_its_date():
    expired = CertificateFact("fda", True, expires_on=dt.date(2025, 3, 3))
    _result, _checks, steps = explain(CH, chilli_paste(certificates=(expired,)), TODAY)
    assert [s.action for s in steps] == ["renew_certificate", "get_one_of"]
    assert steps[0].detail == {"type": "fda", "expired_on": dt.date(2025, 3, 3)}


def test_gap_says_wait_for_a_pending_certificate():
    pending = CertificateFact("fda", verified=False, expires_on=None)
    _r, _c, steps = explain(CH, chilli_paste(certificates=(pending,)), TODAY)
    assert steps[0].action == "await_verification"


def test_gap_lists_every_failed_gate_once():
    _r, _c, steps = explain(CH, chilli_paste(gtin="", star_level=2, certificates=()), TODAY)
    assert [s.action for s in steps] == ["raise_stars", "add_gtin", "get_certificate", "get_one_of"]


def test_explanation_marks_partial_preferred_criteria():
    _r, checks, _s = explain(CH, chilli_paste(), TODAY)
    preferred = {c.required: c.outcome for c in checks if c.criterion == "preferred"}
    assert preferred == {"certificate": "failed", "stars": "partial", "capacity": "partial"}


# --- Properties ---------------------------------------------------------------------------------

cert_types = st.sampled_from(["fda", "tcps", "halal", "gmp", "organic"])
certs = st.builds(
    CertificateFact,
    type=cert_types,
    verified=st.booleans(),
    expires_on=st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2028, 1, 1))),
)
facts = st.builds(
    ProductFacts,
    product_id=st.just(1),
    category=st.sampled_from(["food", "beverage", "textile", "household", "herbal"]),
    subcategory=st.none(),
    producer_type=st.sampled_from(["community_group", "single_owner", "sme"]),
    province=st.sampled_from(["50", "40", "10"]),
    price=st.one_of(st.none(), st.decimals(1, 5000, places=2)),
    gtin=st.sampled_from(["", "8850123456781"]),
    shelf_life_days=st.one_of(st.none(), st.integers(0, 720)),
    monthly_capacity=st.one_of(st.none(), st.integers(0, 20000)),
    lead_time_days=st.one_of(st.none(), st.integers(0, 60)),
    star_level=st.one_of(st.none(), st.integers(1, 5)),
    certificates=st.lists(certs, max_size=4).map(tuple),
)


@given(facts)
def test_adding_a_valid_certificate_never_makes_a_product_less_eligible(f):
    before = evaluate(CH, f, TODAY)
    for t in ["fda", "tcps", "halal"]:
        after = evaluate(
            CH, replace(f, certificates=(*f.certificates, CertificateFact(t, True, None))), TODAY
        )
        assert after.failed & ~before.failed == 0
        assert after.eligible or not before.eligible
        assert after.score >= before.score


@given(facts, st.integers(1, 5))
def test_raising_the_star_level_never_lowers_the_score(f, stars):
    low = evaluate(CH, replace(f, star_level=stars), TODAY)
    high = evaluate(CH, replace(f, star_level=min(5, stars + 1)), TODAY)
    assert high.score >= low.score
    assert high.failed & ~low.failed == 0


@given(facts)
def test_results_are_deterministic(f):
    assert evaluate(CH, f, TODAY) == evaluate(compile_channel(SEVEN_ELEVEN), f, TODAY)


@given(facts)
def test_a_product_that_passes_every_gate_has_an_empty_gap(f):
    result, _checks, steps = explain(CH, f, TODAY)
    assert (steps == []) == result.eligible
    assert 0 <= result.score <= 100


def test_a_high_enough_rating_waiting_for_review_says_wait_not_reach():
    pending = CertificateFact("otop-stars", verified=False, expires_on=None, stars=5)
    _r, _c, steps = explain(CH, chilli_paste(star_level=None, certificates=(fda(), pending)), TODAY)
    assert [(s.action, s.detail.get("type")) for s in steps] == [
        ("await_verification", "otop-stars")
    ]


# --- Judgements of issue 17: shelf life, stars, preferred scope, closed channels -------------

SCARF_SHOP = {
    **SEVEN_ELEVEN,
    "channel": "everything-shop",
    "categories": [],
    "certificate_rules": [],
    "min_stars": 3,
    "gtin_required": False,
    "min_monthly_capacity": None,
    "price_min": None,
    "price_max": None,
    "min_shelf_life_days": 90,
    "preferred": [
        {"kind": "certificate", "weight": 50, "type": "organic"},
        {"kind": "stars", "weight": 50, "target": 5},
    ],
}
ORGANIC_FOR = {"organic": ["food", "beverage", "herbal"]}


def silk_scarf(**changes) -> ProductFacts:
    return chilli_paste(
        category="textile",
        subcategory=None,
        shelf_life_days=None,
        perishable=False,
        certificates=(),
        **changes,
    )


def test_shelf_life_minimum_does_not_apply_to_a_product_that_does_not_perish():
    ch = compile_channel(SCARF_SHOP)
    result, checks, steps = explain(ch, silk_scarf(), TODAY)
    assert result.eligible
    assert "shelf_life" not in [c.criterion for c in checks]
    assert steps == []


def test_shelf_life_minimum_still_applies_to_a_perishable_product():
    ch = compile_channel(SCARF_SHOP)
    result, _checks, steps = explain(ch, chilli_paste(shelf_life_days=30), TODAY)
    assert result.failed == 1 << Criterion.SHELF_LIFE
    assert [(s.action, s.detail) for s in steps] == [("extend_shelf_life", {"days": 90})]


def test_a_blank_shelf_life_on_a_perishable_asks_to_enter_it_not_to_extend_it():
    ch = compile_channel(SCARF_SHOP)
    result, _checks, steps = explain(ch, chilli_paste(shelf_life_days=None), TODAY)
    assert result.failed == 1 << Criterion.SHELF_LIFE
    assert [(s.action, s.detail) for s in steps] == [("enter_shelf_life", {"days": 90})]


def test_a_stale_star_rating_says_renew_the_rating_not_reach_n_stars():
    ch = compile_channel(SCARF_SHOP)
    stale = chilli_paste(star_level=None, stale_star_level=4)
    result, _checks, steps = explain(ch, stale, TODAY)
    assert result.failed == 1 << Criterion.STARS
    assert [(s.action, s.detail) for s in steps] == [("renew_stars", {"stars": 3, "previous": 4})]


def test_no_rating_at_all_still_says_reach_n_stars():
    _r, _c, steps = explain(compile_channel(SCARF_SHOP), chilli_paste(star_level=None), TODAY)
    assert [s.action for s in steps] == ["raise_stars"]


def test_a_preferred_mark_is_not_scored_for_a_category_it_does_not_apply_to():
    ch = compile_channel(SCARF_SHOP, ORGANIC_FOR)
    # The scarf is scored on stars alone: 4 of 5 stars = 80, not (0 + 40) of 100 = 40.
    result, checks, _steps = explain(ch, silk_scarf(), TODAY)
    assert result.score == 80
    assert [c.required for c in checks if c.criterion == "preferred"] == ["stars"]


def test_a_preferred_mark_still_counts_for_the_categories_it_applies_to():
    ch = compile_channel(SCARF_SHOP, ORGANIC_FOR)
    assert evaluate(ch, chilli_paste(), TODAY).score == 40  # 0 organic + 4/5 of 50 stars
    organic = CertificateFact("organic", verified=True, expires_on=None)
    assert evaluate(ch, chilli_paste(certificates=(organic,)), TODAY).score == 90


def test_a_snapshot_may_name_the_categories_of_a_preferred_criterion_itself():
    snapshot = {
        **SCARF_SHOP,
        "preferred": [{"kind": "capacity", "weight": 10, "target": 100, "categories": ["food"]}],
    }
    assert evaluate(compile_channel(snapshot), silk_scarf(), TODAY).score == 100


def test_a_product_no_preferred_criterion_applies_to_scores_100():
    snapshot = {
        **SCARF_SHOP,
        "preferred": [{"kind": "certificate", "weight": 5, "type": "organic"}],
    }
    assert evaluate(compile_channel(snapshot, ORGANIC_FOR), silk_scarf(), TODAY).score == 100


def test_a_channel_closed_by_category_shows_only_the_closing_reason():
    # A textile at 7-Eleven also lacks a barcode, stars, FDA and shelf life: none of it matters.
    result, checks, steps = explain(CH, silk_scarf(gtin="", star_level=None), TODAY)
    assert not result.eligible
    assert [(c.criterion, c.outcome) for c in checks] == [("category", "failed")]
    assert [s.action for s in steps] == ["not_possible"]


def test_a_channel_closed_by_province_or_producer_type_shows_only_those_reasons():
    snapshot = {
        **SCARF_SHOP,
        "kind": "community_market",
        "nationwide": False,
        "provinces": ["40"],
        "producer_types": ["sme"],
    }
    result, checks, steps = explain(compile_channel(snapshot), chilli_paste(star_level=1), TODAY)
    assert [(c.criterion, c.outcome) for c in checks] == [
        ("producer_type", "failed"),
        ("region", "failed"),
    ]
    assert [s.action for s in steps] == ["not_possible"]
    assert result.failed & (1 << Criterion.STARS)  # still stored: only the words are trimmed


perishable_facts = st.builds(
    replace,
    facts,
    perishable=st.booleans(),
    stale_star_level=st.one_of(st.none(), st.integers(1, 5)),
)


@given(perishable_facts)
def test_a_product_that_does_not_perish_never_fails_on_shelf_life(f):
    f = replace(f, perishable=False)
    assert not evaluate(compile_channel(SCARF_SHOP), f, TODAY).failed & (1 << Criterion.SHELF_LIFE)


@given(perishable_facts)
def test_preferred_scope_keeps_the_score_between_0_and_100_and_the_gap_honest(f):
    ch = compile_channel(SCARF_SHOP, ORGANIC_FOR)
    result, _checks, steps = explain(ch, f, TODAY)
    assert 0 <= result.score <= 100
    assert (steps == []) == result.eligible


@given(perishable_facts)
def test_a_rescore_finds_for_each_channel_what_one_evaluation_finds(f):
    """evaluate_all (the re-score's hot path, plain tuples) and evaluate (the product page,
    the explanation) must agree on every channel, in order."""
    channels = [
        compile_channel(SEVEN_ELEVEN),
        compile_channel(SCARF_SHOP),
        compile_channel(SCARF_SHOP, ORGANIC_FOR),
    ]
    assert evaluate_all(channels, f, TODAY) == [
        (r.failed, r.score) for r in (evaluate(ch, f, TODAY) for ch in channels)
    ]
