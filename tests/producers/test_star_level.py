"""A product's OTOP star level: one rule (producers.selectors.star_rating), and every place that
shows or uses a star level agrees with it — the producer's pages (product_star_ratings), the
re-score that stores it on each result (matching.selectors.product_facts) and the partner's
listing feed (partners.portal.feeds). One table of cases, each checked on all three."""

from __future__ import annotations

import datetime as dt

import pytest

from matching.models import Referral
from matching.selectors import product_facts
from partners.portal.feeds import feed_items_for
from producers.models import OTOP_STARS_CODE
from producers.selectors import (
    StarFact,
    certification_list,
    certifications_covering,
    current_star_level,
    product_star_ratings,
    star_facts,
    star_rating,
    star_ratings_from,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)  # ratings awarded before 2023 are stale on this day


def _cert(level, year, *, status="verified", expires_on=None, covers="producer", type="stars"):
    return {
        "level": level,
        "year": year,
        "status": status,
        "expires_on": expires_on,
        "covers": covers,  # "producer": all its products; "a" or "b": that product only
        "type": type,
    }


# (case, certificates of the producer of products a and b, expected level of a, of b)
CASES = [
    ("verified counts", [_cert(4, 2024)], 4, 4),
    ("pending does not count", [_cert(4, 2024, status="pending")], None, None),
    ("rejected does not count", [_cert(4, 2024, status="rejected")], None, None),
    ("marked expired does not count", [_cert(4, 2024, status="expired")], None, None),
    (
        "past its expiry date does not count",
        [_cert(4, 2024, expires_on=TODAY - dt.timedelta(days=1))],
        None,
        None,
    ),
    ("valid on its expiry date", [_cert(4, 2024, expires_on=TODAY)], 4, 4),
    ("stale: older than one round", [_cert(5, 2022)], None, None),
    ("last year of the round still counts", [_cert(5, 2023)], 5, 5),
    ("product-scoped covers only its product", [_cert(3, 2024, covers="a")], 3, None),
    ("producer-scoped covers every product", [_cert(3, 2024, covers="producer")], 3, 3),
    (
        "newest wins, even with fewer stars",
        [_cert(5, 2023), _cert(3, 2024, covers="a")],
        3,
        5,
    ),
    ("tie on the year: the higher level", [_cert(3, 2024), _cert(5, 2024, covers="a")], 5, 3),
    (
        "a newer pending rating leaves the verified one",
        [_cert(3, 2023), _cert(5, 2025, status="pending")],
        3,
        3,
    ),
    (
        "a newer expired rating leaves the older current one",
        [_cert(3, 2023), _cert(5, 2024, expires_on=dt.date(2025, 1, 1))],
        3,
        3,
    ),
    ("another certificate type is no rating", [_cert(4, 2024, type="fda")], None, None),
]


def _feed_stars(product) -> int | None:
    (item,) = feed_items_for(
        [Referral(product=product)],
        base_url="https://portal.example",
        today=TODAY,
        expires_at=dt.datetime(2025, 6, 4, tzinfo=dt.UTC),
    )
    return item.otop_stars


@pytest.mark.parametrize(
    ("certificates", "level_a", "level_b"),
    [pytest.param(certs, a, b, id=case) for case, certs, a, b in CASES],
)
def test_a_products_star_level(profile, stars_type, certificates, level_a, level_b):
    fda = factories.CertificationTypeFactory(code="fda")
    a, b = (factories.ProductFactory(producer=profile) for _ in range(2))
    for i, c in enumerate(certificates):
        factories.CertificationFactory(
            producer=profile,
            type=stars_type if c["type"] == "stars" else fda,
            number=f"OPC-{c['year']}-{i}",
            issued_on=dt.date(c["year"], 8, 1),
            star_level=c["level"],
            award_year=c["year"],
            status=c["status"],
            expires_on=c["expires_on"],
            scope="producer" if c["covers"] == "producer" else "products",
            products={"a": [a], "b": [b]}.get(c["covers"]),
        )
    expected = {a.pk: level_a, b.pk: level_b}

    def levels(ratings) -> dict[int, int | None]:
        return {
            p.pk: (r.level if (r := ratings.get(p.pk)) and not r.stale else None) for p in (a, b)
        }

    pages = levels(product_star_ratings([a, b], today=TODAY))
    # The producer's home: from the certificates it lists. A product's page: from those that
    # cover it, which it lists.
    home = levels(star_ratings_from([a, b], certification_list(producer=profile), TODAY))

    def product_page_level(p) -> int | None:
        rating = star_rating(star_facts(certifications_covering(p.pk, p.producer_id)), TODAY)
        return rating.level if rating is not None and not rating.stale else None

    product_pages = {p.pk: product_page_level(p) for p in (a, b)}
    both = product_facts([a.pk, b.pk], TODAY)
    rescore = {f.product_id: f.star_level for f in both}
    # One product's facts (its page, a referral's) read its certificates another way
    # (matching.selectors._facts_from_rows): the same facts, certificates and all.
    assert [*product_facts([a.pk], TODAY), *product_facts([b.pk], TODAY)] == both
    feed = {p.pk: _feed_stars(p) for p in (a, b)}

    assert pages == expected
    assert home == expected
    assert product_pages == expected
    assert rescore == expected
    assert feed == expected


def test_a_stale_rating_is_still_shown_as_stale_on_the_producers_pages(profile, stars_type):
    product = factories.ProductFactory(producer=profile)
    factories.CertificationFactory(
        producer=profile, type=stars_type, star_level=5, award_year=2022, status="verified"
    )
    rating = product_star_ratings([product], today=TODAY)[product.pk]
    assert (rating.level, rating.award_year, rating.stale) == (5, 2022, True)


def test_the_rule_reads_plain_facts():
    facts = [
        StarFact(OTOP_STARS_CODE, "verified", None, 3, 2024),
        StarFact(OTOP_STARS_CODE, "verified", None, 5, 2024),
        StarFact(OTOP_STARS_CODE, "pending", None, 5, 2025),
    ]
    assert star_rating(facts, TODAY).level == 5
    assert current_star_level(facts, TODAY) == 5
    assert current_star_level([(OTOP_STARS_CODE, "verified", None, 4, 2021)], TODAY) is None
    assert star_rating([], TODAY) is None
