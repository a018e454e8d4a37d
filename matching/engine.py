"""The scoring engine: a pure function of plain data, no ORM, no I/O.

    result = evaluate(compile_channel(snapshot), facts, as_of)

`snapshot` is a channel requirement as stored in `partners.RequirementVersion.snapshot`;
`facts` describe one product, its producer and the certificates that may count. The result says
whether every gate passes, a 0-100 score from the channel's preferred criteria, which criteria
failed (a bitmask, small enough to store for ten million pairs) and, on demand, an explanation and
the gap as structured data that the views turn into words in the reader's language.

Two speeds: `evaluate()` is the hot path for bulk re-scoring (no allocation beyond the result
tuple); `explain()` re-runs the same rules slowly and keeps the facts behind each decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Any

# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateFact:
    """A certification record as the engine sees it."""

    type: str
    verified: bool
    expires_on: dt.date | None  # None: does not expire
    issued_on: dt.date | None = None
    number: str = ""
    stars: int | None = None  # OTOP Product Champion records: the level awarded

    def counts_on(self, day: dt.date) -> bool:
        """Only verified certificates that have not expired on the as-of date count."""
        return self.verified and (self.expires_on is None or self.expires_on >= day)


@dataclass(frozen=True, slots=True)
class ProductFacts:
    product_id: int
    category: str
    subcategory: str | None
    producer_type: str
    province: str | None
    price: Decimal | None
    gtin: str
    shelf_life_days: int | None
    monthly_capacity: int | None
    lead_time_days: int | None
    star_level: int | None  # from a verified, current OTOP Product Champion record
    certificates: tuple[CertificateFact, ...] = ()
    # Whether the product's category keeps for a limited time (food, beverages, herbal
    # products: producers.Category.perishable). A shelf-life minimum applies only to these.
    perishable: bool = True
    # The level of the newest verified rating that is out of date (awarded before the last
    # round), when there is no current one: the step is "renew the rating", not "reach N".
    stale_star_level: int | None = None

    def valid_types(self, day: dt.date) -> frozenset[str]:
        return frozenset(c.type for c in self.certificates if c.counts_on(day))


# --- Criteria ---------------------------------------------------------------------------------


class Criterion(IntEnum):
    """Bit positions of the failed-criteria mask. Never renumber: stored results use them."""

    CATEGORY = 0
    SUBCATEGORY = 1
    PRODUCER_TYPE = 2
    REGION = 3
    STARS = 4
    GTIN = 5
    SHELF_LIFE = 6
    CAPACITY = 7
    LEAD_TIME = 8
    PRICE = 9
    # Certificate rule i of the channel is bit CERTIFICATE_RULE + i.
    CERTIFICATE_RULE = 16


MAX_CERTIFICATE_RULES = 63 - Criterion.CERTIFICATE_RULE


def certificate_rule_bit(index: int) -> int:
    return 1 << (Criterion.CERTIFICATE_RULE + index)


@dataclass(frozen=True, slots=True)
class CertificateRule:
    mode: str  # "all" or "any"
    types: frozenset[str]
    categories: frozenset[str]  # empty: applies to every product

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories

    def passes(self, held: frozenset[str]) -> bool:
        if self.mode == "all":
            return self.types <= held
        return not self.types.isdisjoint(held)


@dataclass(frozen=True, slots=True)
class Preferred:
    kind: str  # certificate | stars | province | capacity
    weight: int
    type: str | None = None
    target: int | None = None
    provinces: frozenset[str] = frozenset()
    # Categories the criterion means something for (empty: every one). A product of another
    # category is not scored on it at all: neither points nor a share of the total.
    categories: frozenset[str] = frozenset()

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True, slots=True)
class CompiledChannel:
    """A requirement snapshot turned into sets and numbers once, for millions of evaluations."""

    channel: str
    version: int
    categories: frozenset[str]
    subcategories: frozenset[str]
    producer_types: frozenset[str]
    nationwide: bool
    provinces: frozenset[str]
    region_is_gate: bool
    min_stars: int | None
    gtin_required: bool
    min_shelf_life_days: int | None
    min_monthly_capacity: int | None
    max_lead_time_days: int | None
    price_min: Decimal | None
    price_max: Decimal | None
    certificate_rules: tuple[CertificateRule, ...]
    preferred: tuple[Preferred, ...]
    total_weight: int = field(default=0)


# Channels whose shoppers must reach a place: the provinces served are a gate, not a preference.
REGION_GATED_KINDS = frozenset(
    {"community_market", "modern_trade", "convenience_store", "petrol_station"}
)


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def compile_channel(
    snapshot: dict[str, Any], certificate_categories: Mapping[str, Iterable[str]] | None = None
) -> CompiledChannel:
    """`certificate_categories`: for each certificate type, the categories it applies to
    (reference data; a type missing or mapped to nothing applies to every category). A preferred
    certificate counts only for products of those categories, unless the snapshot's own
    criterion names its categories."""
    applies = certificate_categories or {}
    rules = tuple(
        CertificateRule(
            mode=rule.get("mode", "all"),
            types=frozenset(rule.get("types", ())),
            categories=frozenset(rule.get("categories", ())),
        )
        for rule in snapshot.get("certificate_rules", ())
        if rule.get("types")
    )
    if len(rules) > MAX_CERTIFICATE_RULES:
        raise ValueError(f"at most {MAX_CERTIFICATE_RULES} certificate rules per channel")
    preferred = tuple(
        Preferred(
            kind=p["kind"],
            weight=int(p.get("weight", 0)),
            type=p.get("type"),
            target=p.get("target"),
            provinces=frozenset(p.get("provinces", ())),
            categories=frozenset(
                p.get("categories")
                or (applies.get(p.get("type") or "", ()) if p["kind"] == "certificate" else ())
            ),
        )
        for p in snapshot.get("preferred", ())
        if int(p.get("weight", 0)) > 0
    )
    provinces = frozenset(snapshot.get("provinces", ()))
    nationwide = bool(snapshot.get("nationwide", not provinces))
    return CompiledChannel(
        channel=snapshot.get("channel", ""),
        version=int(snapshot.get("version", 0)),
        categories=frozenset(snapshot.get("categories", ())),
        subcategories=frozenset(snapshot.get("subcategories", ())),
        producer_types=frozenset(snapshot.get("producer_types", ())),
        nationwide=nationwide,
        provinces=provinces,
        region_is_gate=not nationwide
        and bool(provinces)
        and snapshot.get("kind") in REGION_GATED_KINDS,
        min_stars=snapshot.get("min_stars"),
        gtin_required=bool(snapshot.get("gtin_required")),
        min_shelf_life_days=snapshot.get("min_shelf_life_days"),
        min_monthly_capacity=snapshot.get("min_monthly_capacity"),
        max_lead_time_days=snapshot.get("max_lead_time_days"),
        price_min=_dec(snapshot.get("price_min")),
        price_max=_dec(snapshot.get("price_max")),
        certificate_rules=rules,
        preferred=preferred,
        total_weight=sum(p.weight for p in preferred),
    )


# --- Evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    channel: str
    version: int
    eligible: bool
    score: int  # 0-100
    failed: int  # bitmask of Criterion bits

    def failed_criteria(self) -> list[int]:
        return [bit for bit in range(64) if self.failed >> bit & 1]


def failed_gates(ch: CompiledChannel, f: ProductFacts, held: frozenset[str]) -> int:
    """The bitmask of hard requirements this product does not meet."""
    failed = 0
    if ch.categories and f.category not in ch.categories:
        failed |= 1 << Criterion.CATEGORY
    if ch.subcategories and not _subcategory_ok(ch.subcategories, f.category, f.subcategory):
        failed |= 1 << Criterion.SUBCATEGORY
    if ch.producer_types and f.producer_type not in ch.producer_types:
        failed |= 1 << Criterion.PRODUCER_TYPE
    if ch.region_is_gate and f.province not in ch.provinces:
        failed |= 1 << Criterion.REGION
    if ch.min_stars and (f.star_level or 0) < ch.min_stars:
        failed |= 1 << Criterion.STARS
    if ch.gtin_required and not f.gtin:
        failed |= 1 << Criterion.GTIN
    if (
        ch.min_shelf_life_days
        and f.perishable
        and (f.shelf_life_days or 0) < ch.min_shelf_life_days
    ):
        failed |= 1 << Criterion.SHELF_LIFE
    if ch.min_monthly_capacity and (f.monthly_capacity or 0) < ch.min_monthly_capacity:
        failed |= 1 << Criterion.CAPACITY
    if ch.max_lead_time_days is not None and (
        f.lead_time_days is None or f.lead_time_days > ch.max_lead_time_days
    ):
        failed |= 1 << Criterion.LEAD_TIME
    if (ch.price_min is not None or ch.price_max is not None) and (
        f.price is None
        or (ch.price_min is not None and f.price < ch.price_min)
        or (ch.price_max is not None and f.price > ch.price_max)
    ):
        failed |= 1 << Criterion.PRICE
    for i, rule in enumerate(ch.certificate_rules):
        if rule.applies_to(f.category) and not rule.passes(held):
            failed |= certificate_rule_bit(i)
    return failed


def _subcategory_ok(allowed: frozenset[str], category: str, subcategory: str | None) -> bool:
    # Sub-types restrict only within their own category: a channel listing "food-processed"
    # still takes every textile when it accepts textiles. Sub-type codes start with their
    # category's code ("food-processed"), as in producers/reference.py.
    same_category = {s for s in allowed if s.split("-", 1)[0] == category}
    return not same_category or subcategory in same_category


def preferred_points(
    ch: CompiledChannel, f: ProductFacts, held: frozenset[str]
) -> list[float | None]:
    """Points earned (0..weight) for each preferred criterion, in order; None for a criterion
    that does not apply to the product's category."""
    points: list[float | None] = []
    for p in ch.preferred:
        if not p.applies_to(f.category):
            points.append(None)
            continue
        if p.kind == "certificate":
            earned = p.weight if p.type in held else 0.0
        elif p.kind == "stars":
            target = p.target or 5
            earned = p.weight * min(1.0, (f.star_level or 0) / target)
        elif p.kind == "province":
            earned = p.weight if f.province in p.provinces else 0.0
        elif p.kind == "capacity":
            target = p.target or 1
            earned = p.weight * min(1.0, (f.monthly_capacity or 0) / target)
        else:
            earned = 0.0
        points.append(earned)
    return points


def score(ch: CompiledChannel, f: ProductFacts, held: frozenset[str]) -> int:
    """0-100: the share of the applicable preferred weight the product earns."""
    if not ch.total_weight:
        return 100  # nothing preferred: a product that fits, fits fully
    earned = total = 0.0
    for p, points in zip(ch.preferred, preferred_points(ch, f, held), strict=True):
        if points is not None:
            earned += points
            total += p.weight
    return round(100 * earned / total) if total else 100


def evaluate(ch: CompiledChannel, f: ProductFacts, as_of: dt.date) -> Result:
    """Eligibility, score and failed criteria of one product for one channel."""
    held = f.valid_types(as_of)
    failed = failed_gates(ch, f, held)
    return Result(ch.channel, ch.version, failed == 0, score(ch, f, held), failed)


def evaluate_all(
    channels: list[CompiledChannel], f: ProductFacts, as_of: dt.date
) -> list[tuple[int, int]]:
    """What evaluate() finds for each of these channels, in order, as (failed, score): the
    product is eligible where failed == 0. A full re-score calls this for 250,000 products ×
    40 channels: building a Result (a frozen dataclass) for each pair took about a quarter of
    its engine time (docs/performance.md, issue 14)."""
    held = f.valid_types(as_of)
    return [(failed_gates(ch, f, held), score(ch, f, held)) for ch in channels]


# --- Explanation and gap ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion with its outcome and the facts behind it, for display."""

    criterion: str  # category, subcategory, producer_type, region, stars, gtin, shelf_life,
    # capacity, lead_time, price, certificates, preferred
    outcome: str  # passed | failed | partial
    required: Any = None
    actual: Any = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    """One thing the producer can do. `key` is the same across channels, so steps can be
    counted ("this opens 5 channels")."""

    action: str  # get_certificate | renew_certificate | await_verification | raise_stars |
    # renew_stars | add_gtin | enter_shelf_life | extend_shelf_life | raise_capacity |
    # shorten_lead_time | change_price | not_possible
    key: tuple
    detail: dict = field(default_factory=dict)


# A channel closed by one of these no step can open: the product would have to be another
# kind of product, or its producer another kind of producer in another province.
CLOSING = (Criterion.CATEGORY, Criterion.SUBCATEGORY, Criterion.PRODUCER_TYPE, Criterion.REGION)
CLOSING_MASK = sum(1 << c for c in CLOSING)


def explain(
    ch: CompiledChannel, f: ProductFacts, as_of: dt.date
) -> tuple[Result, list[Check], list[Step]]:
    """The result with every criterion's outcome and the steps that would make it eligible.

    A channel closed to the product (category, sub-type, producer type, region) is explained by
    its closing reasons alone, with the single step `not_possible`: any other advice for it
    would be noise."""
    result = evaluate(ch, f, as_of)
    held = f.valid_types(as_of)
    checks: list[Check] = []
    steps: list[Step] = []
    bit = result.failed
    closed = bool(bit & CLOSING_MASK)

    def gate(criterion: Criterion, name: str, required, actual, step: Step | None, **extra):
        failed = bit >> criterion & 1
        if closed and not (failed and criterion in CLOSING):
            return
        checks.append(Check(name, "failed" if failed else "passed", required, actual, extra))
        if failed and step is not None:
            steps.append(step)

    impossible = Step("not_possible", ("not_possible",))
    if ch.categories:
        gate(Criterion.CATEGORY, "category", sorted(ch.categories), f.category, impossible)
    if ch.subcategories:
        gate(
            Criterion.SUBCATEGORY,
            "subcategory",
            sorted(ch.subcategories),
            f.subcategory,
            impossible,
        )
    if ch.producer_types:
        gate(
            Criterion.PRODUCER_TYPE,
            "producer_type",
            sorted(ch.producer_types),
            f.producer_type,
            impossible,
        )
    if ch.region_is_gate:
        gate(Criterion.REGION, "region", sorted(ch.provinces), f.province, impossible)
    if closed:
        return result, checks, _dedupe(steps)
    if ch.min_stars:
        gate(Criterion.STARS, "stars", ch.min_stars, f.star_level, _stars_step(ch.min_stars, f))
    if ch.gtin_required:
        gate(Criterion.GTIN, "gtin", True, bool(f.gtin), Step("add_gtin", ("add_gtin",)))
    if ch.min_shelf_life_days and f.perishable:
        gate(
            Criterion.SHELF_LIFE,
            "shelf_life",
            ch.min_shelf_life_days,
            f.shelf_life_days,
            _shelf_life_step(ch.min_shelf_life_days, f),
        )
    if ch.min_monthly_capacity:
        gate(
            Criterion.CAPACITY,
            "capacity",
            ch.min_monthly_capacity,
            f.monthly_capacity,
            Step(
                "raise_capacity",
                ("raise_capacity", ch.min_monthly_capacity),
                {"units": ch.min_monthly_capacity},
            ),
        )
    if ch.max_lead_time_days is not None:
        gate(
            Criterion.LEAD_TIME,
            "lead_time",
            ch.max_lead_time_days,
            f.lead_time_days,
            Step(
                "shorten_lead_time",
                ("shorten_lead_time", ch.max_lead_time_days),
                {"days": ch.max_lead_time_days},
            ),
        )
    if ch.price_min is not None or ch.price_max is not None:
        gate(
            Criterion.PRICE,
            "price",
            (ch.price_min, ch.price_max),
            f.price,
            Step(
                "change_price",
                ("change_price", ch.price_min, ch.price_max),
                {"min": ch.price_min, "max": ch.price_max},
            ),
        )
    for i, rule in enumerate(ch.certificate_rules):
        if not rule.applies_to(f.category):
            continue
        failed = bool(result.failed & certificate_rule_bit(i))
        have = sorted(rule.types & held)
        checks.append(
            Check(
                "certificates",
                "failed" if failed else "passed",
                (rule.mode, sorted(rule.types)),
                have,
            )
        )
        if failed:
            missing = rule.types - held if rule.mode == "all" else rule.types
            steps.extend(_certificate_steps(rule.mode, missing, f, as_of))
    points = preferred_points(ch, f, held)
    for p, earned in zip(ch.preferred, points, strict=True):
        if earned is None:  # not meant for this kind of product
            continue
        outcome = "passed" if earned >= p.weight else ("partial" if earned > 0 else "failed")
        checks.append(
            Check(
                "preferred",
                outcome,
                p.kind,
                round(earned, 1),
                {
                    "weight": p.weight,
                    "type": p.type,
                    "target": p.target,
                    "provinces": sorted(p.provinces),
                },
            )
        )
    return result, checks, _dedupe(steps)


def _shelf_life_step(minimum: int, f: ProductFacts) -> Step:
    """A blank shelf life is something to fill in, not something to improve."""
    if f.shelf_life_days is None:
        return Step("enter_shelf_life", ("enter_shelf_life",), {"days": minimum})
    return Step("extend_shelf_life", ("extend_shelf_life", minimum), {"days": minimum})


STARS_TYPE = "otop-stars"


def _stars_step(minimum: int, f: ProductFacts) -> Step:
    """A rating high enough that waits for an officer is "wait", not "reach N stars"; a rating
    that is out of date (and no current one) is "renew the rating"."""
    for c in f.certificates:
        if c.type == STARS_TYPE and not c.verified and (c.stars or 0) >= minimum:
            return Step(
                "await_verification", ("await_verification", STARS_TYPE), {"type": STARS_TYPE}
            )
    if f.star_level is None and f.stale_star_level:
        return Step(
            "renew_stars",
            ("renew_stars", minimum),
            {"stars": minimum, "previous": f.stale_star_level},
        )
    return Step("raise_stars", ("raise_stars", minimum), {"stars": minimum})


def _certificate_steps(
    mode: str, types: frozenset[str], f: ProductFacts, as_of: dt.date
) -> list[Step]:
    """For each missing type: renew an expired one, wait for a pending one, or get one.
    An any-of group becomes one step offering its choices."""
    by_type: dict[str, list[CertificateFact]] = {}
    for c in f.certificates:
        by_type.setdefault(c.type, []).append(c)

    def step_for(t: str) -> Step:
        records = by_type.get(t, [])
        expired = [c for c in records if c.verified and c.expires_on and c.expires_on < as_of]
        pending = [c for c in records if not c.verified]
        if pending:
            return Step("await_verification", ("await_verification", t), {"type": t})
        if expired:
            last = max(c.expires_on for c in expired)
            return Step(
                "renew_certificate", ("renew_certificate", t), {"type": t, "expired_on": last}
            )
        return Step("get_certificate", ("get_certificate", t), {"type": t})

    ordered = sorted(types)
    if mode == "any" and len(ordered) > 1:
        options = [step_for(t) for t in ordered]
        return [Step("get_one_of", ("get_one_of", *ordered), {"options": options})]
    return [step_for(t) for t in ordered]


def _dedupe(steps: list[Step]) -> list[Step]:
    seen, out = set(), []
    for s in steps:
        if s.key not in seen:
            seen.add(s.key)
            out.append(s)
    return out
