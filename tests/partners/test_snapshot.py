"""The snapshot is the contract with the matching engine: its exact shape is tested here."""

from decimal import Decimal

import pytest

from partners.models import RequirementVersion
from partners.selectors import requirement_for_snapshot, requirement_snapshot
from tests import factories

pytestmark = pytest.mark.django_db


def test_snapshot_has_the_agreed_shape_with_codes_sorted_lists_and_string_prices(
    partner_org, food, beverage, fda, tcps, halal
):
    factories.ProvinceFactory(code="10")
    chiang_mai = factories.ProvinceFactory(code="50")
    channel = factories.ChannelFactory(
        partner=partner_org,
        code="cvs",
        kind="convenience_store",
        nationwide=False,
        provinces=[chiang_mai, factories.ProvinceFactory(code="10")],
        requirement={
            "categories": [food, beverage],
            "min_star_level": 4,
            "gtin_required": True,
            "min_shelf_life_days": 120,
            "min_monthly_capacity": 5000,
            "price_min": Decimal("15"),
            "price_max": Decimal("99.5"),
        },
        certificate_rules=[
            {"mode": "any", "certification_types": [tcps, fda], "categories": []},
            {
                "mode": "all",
                "certification_types": [fda],
                "categories": [food, beverage],
                "conditional": True,
            },
        ],
        preferred=[
            {"kind": "capacity", "weight": 20, "target_capacity": 10000},
            {"kind": "province", "weight": 10, "provinces": [chiang_mai]},
            {"kind": "stars", "weight": 30, "target_star_level": 5},
            {"kind": "certificate", "weight": 20, "certification_type": halal},
        ],
    )

    snapshot = requirement_snapshot(requirement_for_snapshot(channel))

    assert snapshot == {
        "channel": "cvs",
        "partner": "central",
        "version": 1,
        "kind": "convenience_store",
        "nationwide": False,
        "provinces": ["10", "50"],
        "categories": ["beverage", "food"],
        "subcategories": [],
        "producer_types": [],
        "min_stars": 4,
        "gtin_required": True,
        "min_shelf_life_days": 120,
        "min_monthly_capacity": 5000,
        "max_lead_time_days": None,
        "price_min": "15.00",
        "price_max": "99.50",
        "certificate_rules": [
            {"mode": "all", "types": ["fda"], "categories": ["beverage", "food"]},
            {"mode": "any", "types": ["fda", "tcps"], "categories": []},
        ],
        "preferred": [
            {"kind": "certificate", "weight": 20, "type": "halal"},
            {"kind": "stars", "weight": 30, "target": 5},
            {"kind": "province", "weight": 10, "provinces": ["50"]},
            {"kind": "capacity", "weight": 20, "target": 10000},
        ],
    }


def test_first_version_stores_the_snapshot_of_a_new_channel(partner_org, food, fda):
    chiang_mai = factories.ProvinceFactory(code="50")
    channel = factories.ChannelFactory(
        partner=partner_org,
        code="central-north",
        kind="modern_trade",
        nationwide=False,
        provinces=[chiang_mai],
        requirement={"categories": [food], "min_star_level": 3, "notes_en": "Chilled only"},
        certificate_rules=[{"mode": "all", "certification_types": [fda], "categories": []}],
    )

    version = RequirementVersion.objects.get(channel=channel)

    # Written out, not worked out again with requirement_snapshot: the stored version is what
    # the engine reads, so it is checked against the agreed shape itself.
    assert version.snapshot == {
        "channel": "central-north",
        "partner": "central",
        "version": 1,
        "kind": "modern_trade",
        "nationwide": False,
        "provinces": ["50"],
        "categories": ["food"],
        "subcategories": [],
        "producer_types": [],
        "min_stars": 3,
        "gtin_required": False,
        "min_shelf_life_days": None,
        "min_monthly_capacity": None,
        "max_lead_time_days": None,
        "price_min": None,
        "price_max": None,
        "certificate_rules": [{"mode": "all", "types": ["fda"], "categories": []}],
        "preferred": [],
    }
    assert (version.number, version.note, version.notes_en) == (1, "factory", "Chilled only")
    assert channel.requirement.version == 1
