import pytest
from django.utils import translation

from partners.sentences import describe_changes, describe_requirement

pytestmark = pytest.mark.django_db

SNAPSHOT = {
    "channel": "cvs",
    "partner": "cpall",
    "version": 1,
    "kind": "convenience_store",
    "nationwide": True,
    "provinces": [],
    "categories": ["beverage", "food"],
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
        {"mode": "all", "types": ["fda"], "categories": ["food"]},
        {"mode": "any", "types": ["fda", "tcps"], "categories": []},
    ],
    "preferred": [{"kind": "stars", "weight": 30, "target": 5}],
}


def test_requirement_reads_as_plain_english_sentences(food, beverage, fda, tcps):
    with translation.override("en"):
        sentences = describe_requirement(SNAPSHOT)
    assert sentences == [
        "Sells nationwide.",
        "Accepts Food and Beverages.",
        "Products need at least 4 OTOP stars.",
        "Products in Food need Thai FDA food serial number (อย.).",
        "Every product needs at least one of: Thai FDA food serial number (อย.) or "
        "Thai Community Product Standard.",
        "Every product needs a barcode (GTIN, for example EAN-13).",
        "Shelf life of at least 120 days.",
        "The producer can supply at least 5,000 units a month.",
        "Retail price between 15 and 99 baht.",
        "Preferred (weight 30): 5 OTOP stars or more.",
    ]


def test_names_follow_the_readers_language(food, beverage, fda, tcps):
    with translation.override("th"):
        text = " ".join(describe_requirement(SNAPSHOT))
    assert "อาหาร" in text
    assert "เลขสารบบอาหาร (อย.)" in text


def test_changes_between_versions_are_named_with_before_and_after(food, beverage, fda, tcps):
    after = {**SNAPSHOT, "version": 2, "min_stars": 5, "gtin_required": False}
    with translation.override("en"):
        changes = describe_changes(SNAPSHOT, after)
    assert changes == [
        ("Minimum OTOP stars", "4", "5"),
        ("Barcode (GTIN)", "required", "not required"),
    ]
