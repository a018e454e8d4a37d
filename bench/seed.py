#!/usr/bin/env python
"""Seed a national-scale OTOP data set into a dedicated benchmark database.

    DJANGO_DEBUG=true .venv/bin/python bench/seed.py --products 250000 --producers 100000 \
        --channels 40 [--seed 1] [--database-url postgres://postgres@127.0.0.1:5432/otop_bench]

Without --database-url the target is the SQLite file bench/out/bench.sqlite3. The database is
dropped and created afresh each run (its name must contain "bench": the developer's db.sqlite3
and the test databases are never touched), migrated, loaded with the reference data through the
existing loaders, then filled with bulk_create (no per-object services, no post_save receivers,
no history rows). Channels go through partners.services.channel_create so each one has its
RequirementVersion snapshot, exactly as in the portal.

Distributions follow /work/shared/domain/domain.md sections 1-3 and 7 where it gives them
(producer types 55.4 / 42.9 / 1.6 %; ~78.9 % of products in quadrant D; few 5-star products;
certificates with some expired). Where it does not (category shares, prices, capacities,
how many certificates a producer holds) the numbers below are ASSUMPTIONS, chosen to look
plausible and to exercise every rule of the engine.

The seeding steps are importable functions that take counts (tests/bench uses them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_SQLITE = OUT / "bench.sqlite3"
BATCH = 5000
EMAIL_DOMAIN = "bench.otop.th"

# --- Distributions -------------------------------------------------------------------------------

# domain.md section 1: 55.4 % groups, 42.9 % single owners, 1.6 % SMEs (93,414 producers, 2021).
PRODUCER_TYPES = (("community_group", 55.4), ("single_owner", 42.9), ("sme", 1.6))
# domain.md section 1: ~78.9 % of products in quadrant D. The A/B/C split is an ASSUMPTION.
QUADRANTS = (("D", 78.9), ("C", 11.1), ("B", 7.0), ("A", 3.0))
# Extra products a producer of this quadrant tends to have, relative to D (ASSUMPTION).
QUADRANT_PRODUCT_WEIGHT = {"D": 1.0, "C": 1.6, "B": 2.2, "A": 3.0}
# Category shares: ASSUMPTION (the domain reference gives none).
CATEGORIES = (("food", 38), ("beverage", 9), ("textile", 24), ("household", 21), ("herbal", 8))
SHELF_LIFE_CATEGORIES = {"food", "beverage", "herbal"}
MEDIAN_PRICE = {"food": 80, "beverage": 90, "textile": 450, "household": 300, "herbal": 150}
MEDIAN_CAPACITY = {"D": 150, "C": 500, "B": 1500, "A": 5000}
GTIN_SHARE = {"D": 0.25, "C": 0.5, "B": 0.75, "A": 0.95}
SHELF_LIFE_DAYS = ((7, 10), (30, 20), (60, 15), (90, 20), (180, 20), (365, 12), (540, 3))
PRODUCT_STATUS = (("active", 92), ("draft", 5), ("discontinued", 3))

# OTOP Product Champion stars (domain.md section 2): a rating for a minority of producers, few 5★
# (3,742 five-star of ~213,000 products in 2019). Shares per quadrant are an ASSUMPTION.
STAR_SHARE = {"D": 0.25, "C": 0.6, "B": 0.85, "A": 1.0}
STAR_LEVELS = {
    "D": ((1, 25), (2, 35), (3, 35), (4, 5)),
    "C": ((2, 15), (3, 50), (4, 30), (5, 5)),
    "B": ((3, 30), (4, 55), (5, 15)),
    "A": ((4, 60), (5, 40)),
}
# Rounds every two years; 2022 ratings are stale on the as-of date (2026).
STAR_ROUNDS = ((2026, 20), (2024, 50), (2022, 30))

# Certificates: (type, categories it is held for or None for all, share per quadrant D/C/B/A).
# ASSUMPTION throughout, shaped by domain.md section 3 (อย. for food, มผช. common, GI rare).
FOOD_LIKE = ("food", "beverage")
CERTIFICATES = (
    ("fda", (*FOOD_LIKE, "herbal"), (0.45, 0.7, 0.9, 1.0)),
    ("primary-gmp", FOOD_LIKE, (0.15, 0.3, 0.4, 0.5)),
    ("gmp", (*FOOD_LIKE, "herbal"), (0.03, 0.15, 0.3, 0.5)),
    ("tcps", None, (0.25, 0.5, 0.6, 0.7)),
    ("tis", ("textile", "household"), (0.02, 0.08, 0.15, 0.3)),
    ("halal", FOOD_LIKE, (0.06, 0.12, 0.2, 0.3)),
    ("organic", ("food",), (0.04, 0.08, 0.1, 0.15)),
    ("gap", ("food",), (0.06, 0.1, 0.15, 0.2)),
    ("q-mark", ("food",), (0.02, 0.05, 0.08, 0.1)),
    ("haccp", FOOD_LIKE, (0.0, 0.03, 0.1, 0.25)),
    ("gi", ("food", "textile"), (0.01, 0.03, 0.05, 0.08)),
    ("thai-select", ("food",), (0.0, 0.02, 0.05, 0.1)),
    ("trust-mark", None, (0.0, 0.0, 0.05, 0.2)),
)
QUADRANT_INDEX = {"D": 0, "C": 1, "B": 2, "A": 3}
# Months of validity; None: does not expire (as in producers/reference.py).
VALIDITY_MONTHS = {
    "fda": None,
    "primary-gmp": None,
    "gmp": 36,
    "tcps": 36,
    "tis": None,
    "halal": 12,
    "organic": 12,
    "gap": 36,
    "q-mark": 36,
    "haccp": 36,
    "gi": None,
    "thai-select": 12,
    "trust-mark": 24,
}
CERT_STATUS = (("verified", 85), ("pending", 8), ("rejected", 3), ("expired", 4))


def _weighted(rng: random.Random, pairs) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _ean13(rng: random.Random) -> str:
    body = "885" + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# --- Database target -----------------------------------------------------------------------------


def database_url_for(database_url: str | None) -> str:
    return database_url or f"sqlite:///{DEFAULT_SQLITE}"


def _check_dedicated(url: str) -> None:
    parts = urlsplit(url)
    name = Path(parts.path).name if parts.scheme.startswith("sqlite") else parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: a benchmark database's name contains 'bench'")
    if parts.scheme.startswith("sqlite") and Path(parts.path).resolve() == ROOT / "db.sqlite3":
        raise SystemExit("refusing to touch the developer's db.sqlite3")


def recreate_database(url: str) -> None:
    """Drop and create the dedicated benchmark database (a fresh, empty one every seed)."""
    _check_dedicated(url)
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database_url: str | None) -> str:
    """Point Django at the benchmark database and set it up. Must run before any model import."""
    url = database_url_for(database_url)
    _check_dedicated(url)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django
    from django.conf import settings

    django.setup()
    # DEBUG keeps every SQL statement in connection.queries (a 5,000-row INSERT is a long
    # string): off for the benchmark so that neither time nor memory measures the debug log.
    settings.DEBUG = False
    return url


# --- Seeding steps (importable; each takes counts and a Random) ---------------------------------


@contextmanager
def matching_receivers_off():
    """bulk_create sends no post_save, but channel_create's RequirementVersion does: with the
    immediate task backend it would re-score everything once per channel. Off while seeding."""
    from django.db.models.signals import post_save

    from matching import hooks
    from partners.models import RequirementVersion

    post_save.disconnect(sender=RequirementVersion, dispatch_uid="matching-req")
    try:
        yield
    finally:
        post_save.connect(
            hooks._requirement_changed, sender=RequirementVersion, dispatch_uid="matching-req"
        )


def seed_reference() -> None:
    from otop_portal.reference import load_provinces
    from partners.reference import load_partners
    from producers.reference import load_categories, load_certification_types

    load_provinces()
    load_categories()
    load_certification_types()
    load_partners()


def _generated_channel_spec(rng: random.Random, i: int, lookup: dict) -> dict:
    """A channel with requirements drawn at random but always valid for channel_create."""
    from partners.models import ChannelKind, PreferredKind

    kinds = [k for k, _label in ChannelKind.choices]
    kind = rng.choice(kinds)
    cats = lookup["categories"]
    n_cats = _weighted(rng, ((0, 35), (1, 25), (2, 20), (3, 15), (4, 5)))
    categories = rng.sample(sorted(cats), n_cats)
    subcategories = []
    if categories and rng.random() < 0.15:
        pool = [s for s in lookup["subcategories"].values() if s.category.code in categories]
        subcategories = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
    regional = kind in ("community_market", "modern_trade", "convenience_store", "petrol_station")
    nationwide = not (regional and rng.random() < 0.5)
    provinces = [] if nationwide else rng.sample(lookup["provinces"], rng.randint(3, 15))
    producer_types = []
    if rng.random() < 0.15:
        producer_types = rng.choice((["community_group"], ["community_group", "single_owner"]))
    min_stars = _weighted(rng, ((None, 30), (2, 15), (3, 35), (4, 20)))
    capacity = _weighted(rng, ((None, 30), (50, 15), (200, 20), (500, 20), (2000, 10), (5000, 5)))
    shelf_life = None
    if categories and set(categories) <= SHELF_LIFE_CATEGORIES:
        shelf_life = rng.choice((30, 60, 90, 120, 180))
    price_min = price_max = None
    if rng.random() < 0.6:
        price_min = Decimal(rng.choice((15, 30, 50, 80, 100)))
        price_max = price_min * rng.choice((10, 20, 40, 100))
    rules = []
    accepted = set(categories) or set(cats)
    food_like = [c for c in ("food", "beverage", "herbal") if c in accepted]
    if food_like and rng.random() < 0.7:
        rules.append(
            {
                "mode": "all",
                "certification_types": [lookup["types"]["fda"]],
                "categories": [cats[c] for c in food_like[: rng.randint(1, len(food_like))]],
                "conditional": True,
            }
        )
    if rng.random() < 0.35:
        rules.append(
            {
                "mode": "any",
                "certification_types": [
                    lookup["types"][t] for t in ("tcps", "tis", "gmp")[: rng.randint(2, 3)]
                ],
                "categories": [],
            }
        )
    if "food" in accepted and rng.random() < 0.1:
        rules.append(
            {
                "mode": "all",
                "certification_types": [lookup["types"]["halal"]],
                "categories": [cats["food"]],
                "conditional": True,
            }
        )
    required_everywhere = {
        t.code
        for r in rules
        if r["mode"] == "all" and not r["categories"]
        for t in r["certification_types"]
    }
    preferred = []
    for _ in range(_weighted(rng, ((0, 30), (1, 30), (2, 25), (3, 15)))):
        pk = rng.choice([k for k, _label in PreferredKind.choices])
        weight = rng.choice((10, 20, 30, 40))
        if pk == PreferredKind.CERTIFICATE:
            code = rng.choice(("organic", "halal", "primary-gmp", "gi", "tcps", "gmp"))
            if code in required_everywhere:
                continue
            preferred.append(
                {"kind": pk, "weight": weight, "certification_type": lookup["types"][code]}
            )
        elif pk == PreferredKind.STARS:
            if (min_stars or 0) >= 5:
                continue
            preferred.append(
                {
                    "kind": pk,
                    "weight": weight,
                    "target_star_level": rng.randint((min_stars or 0) + 1, 5),
                }
            )
        elif pk == PreferredKind.PROVINCE:
            preferred.append(
                {
                    "kind": pk,
                    "weight": weight,
                    "provinces": rng.sample(lookup["provinces"], rng.randint(1, 8)),
                }
            )
        else:
            preferred.append(
                {
                    "kind": pk,
                    "weight": weight,
                    "target_capacity": (capacity or 0) + rng.choice((500, 2000, 8000)),
                }
            )
    return {
        "code": f"bench-{i:02d}-{kind.replace('_', '-')}",
        "channel_data": {
            "kind": kind,
            "name_th": f"ช่องทางทดสอบ {i}",
            "name_en": f"Bench channel {i}",
            "nationwide": nationwide,
            "provinces": provinces,
        },
        "requirement_data": {
            "categories": [cats[c] for c in categories],
            "subcategories": subcategories,
            "producer_types": producer_types,
            "min_star_level": min_stars,
            "gtin_required": rng.random() < 0.3,
            "min_shelf_life_days": shelf_life,
            "min_monthly_capacity": capacity,
            "max_lead_time_days": rng.choice((None, None, None, 14, 30)),
            "price_min": price_min,
            "price_max": price_max,
        },
        "certificate_rules": rules,
        "preferred": preferred,
    }


def seed_channels(total: int, rng: random.Random) -> int:
    """The reference channels (partners/reference.py), then generated ones up to `total`, all
    through channel_create (each gets its RequirementVersion snapshot)."""
    from otop_portal.models import Province
    from partners.models import Channel, Partner
    from partners.reference import load_channels
    from partners.services import channel_create
    from producers.models import Category, CertificationType, SubCategory

    with matching_receivers_off():
        load_channels()
        lookup = {
            "categories": {c.code: c for c in Category.objects.all()},
            "subcategories": {s.code: s for s in SubCategory.objects.select_related("category")},
            "types": {t.code: t for t in CertificationType.objects.all()},
            "provinces": list(Province.objects.order_by("code")),
        }
        partners = list(Partner.objects.order_by("code"))
        existing = Channel.objects.count()
        for i in range(existing, total):
            spec = _generated_channel_spec(rng, i, lookup)
            channel_create(partner=partners[i % len(partners)], by=None, note="bench", **spec)
    return Channel.objects.count()


def seed_producers(n: int, rng: random.Random, *, waiting: bool = False) -> list[dict]:
    """Users and producers in bulk. Returns plain facts about each producer for later steps.
    `waiting`: registered and submitted in the last 30 days, waiting for an officer to verify
    them (seed_waiting)."""
    import datetime as dt

    from django.utils import timezone

    from otop_portal.models import Province, Role, User
    from producers.models import Producer

    provinces = list(Province.objects.order_by("code"))
    # Uneven provinces (some have far more OTOP producers than others): ASSUMPTION.
    province_weights = [rng.paretovariate(1.5) for _ in provinces]
    now = timezone.now()
    start = User.objects.count()
    users = [
        User(
            email=f"p{start + i}@{EMAIL_DOMAIN}",
            password="!",  # noqa: S106 - "!" is Django's unusable-password marker
            role=Role.PRODUCER,
            full_name=f"ผู้ผลิต {start + i}",
            date_joined=now,
        )
        for i in range(n)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    users = [u.pk for u in users]
    facts, rows = [], []
    chosen_provinces = rng.choices(provinces, weights=province_weights, k=n)
    for i, user_id in enumerate(users):
        quadrant = _weighted(rng, QUADRANTS)
        ptype = _weighted(rng, PRODUCER_TYPES)
        category = _weighted(rng, CATEGORIES)
        province = chosen_provinces[i]
        facts.append({"quadrant": quadrant, "category": category, "type": ptype})
        rows.append(
            Producer(
                user_id=user_id,
                producer_type=ptype,
                name_th=f"กลุ่มผู้ผลิต {user_id}",
                name_en=f"Producer {user_id}",
                province=province,
                member_count=rng.randint(7, 60) if ptype == "community_group" else 1,
                community_roles=["production"],
                status="submitted" if waiting else "verified",
                registration_step=4,
                submitted_at=now - dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
                if waiting
                else now,
                verified_at=None if waiting else now,
            )
        )
    Producer.objects.bulk_create(rows, batch_size=BATCH)
    for fact, row in zip(facts, rows, strict=True):
        fact["id"] = row.pk
    return facts


def seed_products(n: int, producers: list[dict], rng: random.Random) -> dict[int, list[tuple]]:
    """Products in bulk: at least one per producer, the rest to bigger (better) producers.
    Returns {producer id: [(product id, category code)]}."""
    from producers.models import Category, Product, SubCategory

    categories = {c.code: c.pk for c in Category.objects.all()}
    subs: dict[str, list[int]] = defaultdict(list)
    for sub in SubCategory.objects.select_related("category"):
        subs[sub.category.code].append(sub.pk)
    owners = list(producers[:n])
    if n > len(producers):
        weights = [QUADRANT_PRODUCT_WEIGHT[p["quadrant"]] for p in producers]
        owners += rng.choices(producers, weights=weights, k=n - len(producers))
    rows, meta = [], []
    for i, owner in enumerate(owners):
        q = owner["quadrant"]
        cat = owner["category"] if rng.random() < 0.8 else _weighted(rng, CATEGORIES)
        median = MEDIAN_PRICE[cat] * (1.5 if q in "AB" else 1.0)
        price = (
            None
            if rng.random() < 0.03
            else Decimal(max(5, round(median * rng.lognormvariate(0, 0.8))))
        )
        shelf = _weighted(rng, SHELF_LIFE_DAYS) if cat in SHELF_LIFE_CATEGORIES else None
        capacity = (
            None
            if rng.random() < 0.05
            else max(1, round(MEDIAN_CAPACITY[q] * rng.lognormvariate(0, 1.0)))
        )
        rows.append(
            Product(
                producer_id=owner["id"],
                name_th=f"สินค้า {i}",
                name_en=f"Product {i}",
                category_id=categories[cat],
                subcategory_id=rng.choice(subs[cat]) if rng.random() < 0.9 else None,
                price=price,
                price_unit="ชิ้น",
                shelf_life_days=shelf,
                monthly_capacity=capacity,
                lead_time_days=None if rng.random() < 0.2 else rng.randint(1, 30),
                gtin=_ean13(rng) if rng.random() < GTIN_SHARE[q] else "",
                status=_weighted(rng, PRODUCT_STATUS),
            )
        )
        meta.append((owner["id"], cat))
    Product.objects.bulk_create(rows, batch_size=BATCH)
    by_producer: dict[int, list[tuple]] = defaultdict(list)
    for row, (producer_id, cat) in zip(rows, meta, strict=True):
        by_producer[producer_id].append((row.pk, cat))
    return by_producer


def seed_certifications(
    producers: list[dict], products: dict[int, list[tuple]], rng: random.Random, as_of: dt.date
) -> int:
    """Certification records in bulk (star ratings included), some pending, rejected or
    expired; a share scoped to some of the producer's products through the M2M table."""
    from producers.models import Certification, CertificationType

    types = {t.code: t.pk for t in CertificationType.objects.all()}
    rows, covers = [], []
    for p in producers:
        mine = products.get(p["id"], [])
        if not mine:
            continue
        q = QUADRANT_INDEX[p["quadrant"]]
        cats = {c for _pid, c in mine}
        if rng.random() < STAR_SHARE[p["quadrant"]]:
            year = _weighted(rng, STAR_ROUNDS)
            rows.append(
                Certification(
                    producer_id=p["id"],
                    type_id=types["otop-stars"],
                    number=f"OPC-{year}-{p['id']}",
                    issued_on=dt.date(year, 8, 1),
                    expires_on=dt.date(year + 2, 12, 31),
                    scope="producer" if rng.random() < 0.5 else "products",
                    status="verified" if rng.random() < 0.95 else "pending",
                    star_level=_weighted(rng, STAR_LEVELS[p["quadrant"]]),
                    award_year=year,
                )
            )
            covers.append(mine)
        for code, for_cats, shares in CERTIFICATES:
            relevant = [c for c in cats if for_cats is None or c in for_cats]
            if not relevant or rng.random() >= shares[q]:
                continue
            months = VALIDITY_MONTHS[code]
            status = _weighted(rng, CERT_STATUS)
            if months is None:
                issued = as_of - dt.timedelta(days=rng.randint(30, 3650))
                expires = None
            else:
                # Issued up to 1.3 validity periods ago: about a quarter have expired.
                issued = as_of - dt.timedelta(days=rng.randint(1, int(months * 30.4 * 1.3)))
                expires = issued + dt.timedelta(days=int(months * 30.4))
                if status == "expired" and expires >= as_of:
                    status = "verified"
            rows.append(
                Certification(
                    producer_id=p["id"],
                    type_id=types[code],
                    number=f"{code.upper()}-{p['id']}",
                    issued_on=issued,
                    expires_on=expires,
                    status=status,
                    scope="producer" if rng.random() < 0.6 else "products",
                )
            )
            covers.append([m for m in mine if for_cats is None or m[1] in for_cats])
    Certification.objects.bulk_create(rows, batch_size=BATCH)
    through = Certification.products.through
    links = []
    for row, candidates in zip(rows, covers, strict=True):
        if row.scope != "products":
            continue
        k = rng.randint(1, len(candidates))
        for product_id, _cat in rng.sample(candidates, k):
            links.append(through(certification_id=row.pk, product_id=product_id))
    through.objects.bulk_create(links, batch_size=BATCH)
    return len(rows)


def seed_officers() -> dict[str, int]:
    """A national officer and an officer of the province with the most matchable products."""
    from django.db.models import Count

    from otop_portal.models import Province, Role, User

    top = Province.objects.annotate(n=Count("producers__products")).order_by("-n", "code").first()
    national, _ = User.objects.get_or_create(
        email=f"officer-national@{EMAIL_DOMAIN}",
        defaults={"role": Role.OFFICER, "is_national_officer": True, "password": "!"},
    )
    local, _ = User.objects.get_or_create(
        email=f"officer-{top.code}@{EMAIL_DOMAIN}",
        defaults={"role": Role.OFFICER, "password": "!"},
    )
    local.provinces.set([top])
    return {"national": national.pk, "provincial": local.pk, "province": top.pk}


def seed(
    *,
    products: int,
    producers: int,
    channels: int,
    seed: int = 1,
    as_of: dt.date | None = None,
    log=print,
) -> dict[str, float]:
    """Every step on the current database; returns seconds per step."""
    from django.db import connection, transaction
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    rng = random.Random(seed)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    timings: dict[str, float] = {}

    def step(name, func, *args):
        started = time.perf_counter()
        with transaction.atomic():
            out = func(*args)
        timings[name] = time.perf_counter() - started
        log(f"  {name:<15} {timings[name]:7.1f} s")
        return out

    step("reference", seed_reference)
    n_channels = step("channels", seed_channels, channels, rng)
    made = step("producers", seed_producers, producers, rng)
    by_producer = step("products", seed_products, products, made, rng)
    n_certs = step("certifications", seed_certifications, made, by_producer, rng, as_of)
    step("officers", seed_officers)
    timings["certifications_count"] = n_certs
    timings["channels_count"] = n_channels
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze"] = time.perf_counter() - started
    return timings


# --- Activity: what people have done with the portal (issue 13) ----------------------------------

# Referrals to the big partner's busiest channel, waiting for its decision (issue 13 measured
# 20,000 "sent" to one Central channel).
BIG_PARTNER = "central"
LAPSED_SHARE = 0.03  # of the proposed referrals, turned "lapsed" (no longer eligible)
READ_SHARE = 0.8  # notifications older than the newest few are mostly read (ASSUMPTION)
SAVED_LISTS_PER_MEMBER = 3
SAVED_LIST_ITEMS = 60


def seed_big_partner_referrals(n: int, rng: random.Random, *, partner_code: str = BIG_PARTNER):
    """n referrals in state "sent" (proposed, approved, sent: three events each) to the
    partner's channels, its busiest channel first: one buyer's queue as big as a national
    roll-out makes it. Pairs come from the candidates (no open referral yet)."""
    from django.db.models import Count
    from django.utils import timezone

    from matching.models import Referral, ReferralEvent
    from matching.selectors import officer_candidates
    from otop_portal.models import User
    from partners.models import Partner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from review import _dates_as_given, _partner_members, _step_times

    already = Referral.objects.filter(channel__partner__code=partner_code, state="sent").count()
    if n <= 0 or already >= n:
        return {"created": 0, "existing": already}
    national = User.objects.get(email=f"officer-national@{EMAIL_DOMAIN}")
    candidates = officer_candidates(national).filter(channel__partner__code=partner_code)
    busiest = [
        row["channel"]
        for row in candidates.order_by()
        .values("channel")
        .annotate(k=Count("pk"))
        .order_by("-k", "channel")
    ]
    pairs = []
    for channel_id in busiest:
        pairs += list(
            candidates.filter(channel_id=channel_id)
            .order_by("product_id")
            .values_list("product_id", "channel_id", "product__producer__province_id")
        )
        if len(pairs) >= n - already:
            break
    chosen = rng.sample(pairs, min(len(pairs), n - already))
    members = _partner_members()  # one bench member per partner, made by review.py too
    now = timezone.now()
    referrals, trails = [], []
    for product_id, channel_id, province_id in chosen:
        times = _step_times(3, now, rng)
        referrals.append(
            Referral(
                product_id=product_id,
                channel_id=channel_id,
                province_id=province_id,  # bulk_create skips Referral.save
                state="sent",
                proposed_by_id=national.pk,
                created_at=times[0],
                updated_at=times[-1],
                sent_at=times[2],
            )
        )
        trails.append(times)
    with _dates_as_given(Referral, ReferralEvent):
        Referral.objects.bulk_create(referrals, batch_size=BATCH)
        path = ("proposed", "approved", "sent")
        ReferralEvent.objects.bulk_create(
            [
                ReferralEvent(
                    referral_id=r.pk,
                    actor_id=national.pk,
                    from_state=path[i - 1] if i else "",
                    to_state=step,
                    created_at=at,
                )
                for r, times in zip(referrals, trails, strict=True)
                for i, (step, at) in enumerate(zip(path, times, strict=True))
            ],
            batch_size=BATCH,
        )
    partner = Partner.objects.get(code=partner_code)
    return {
        "created": len(referrals),
        "existing": already,
        "channels": len({c for _p, c, _province in chosen}),
        "member": members.get(partner.pk),
    }


def seed_lapsed(rng: random.Random, share: float = LAPSED_SHARE) -> int:
    """Some proposed referrals lapse (the pair stopped being eligible): the one state the other
    seeds do not reach. The system makes that move (an event without an actor)."""
    from django.utils import timezone

    from matching.models import Referral, ReferralEvent

    ids = list(
        Referral.objects.filter(state="proposed").order_by("pk").values_list("pk", flat=True)
    )
    if not ids or Referral.objects.filter(state="lapsed").exists():
        return 0
    chosen = rng.sample(ids, max(1, int(len(ids) * share)))
    now = timezone.now()
    Referral.objects.filter(pk__in=chosen).update(state="lapsed", updated_at=now)
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(referral_id=pk, from_state="proposed", to_state="lapsed", actor=None)
            for pk in chosen
        ],
        batch_size=BATCH,
    )
    return len(chosen)


def seed_saved_lists(rng: random.Random) -> int:
    """Every partner member keeps a few lists of products from their shortlist, one shared."""
    from matching.models import Referral
    from otop_portal.models import Role, User
    from partners.models import SavedList, SavedListItem

    if SavedList.objects.exists():
        return 0
    lists, items = [], []
    members = User.objects.filter(role=Role.PARTNER, partner__isnull=False).order_by("pk")
    for member in members:
        products = list(
            Referral.objects.filter(channel__partner_id=member.partner_id)
            .order_by("product_id")
            .values_list("product_id", flat=True)
            .distinct()[:2000]
        )
        if not products:
            continue
        for k in range(SAVED_LISTS_PER_MEMBER):
            saved = SavedList(
                partner_id=member.partner_id,
                owner=member,
                name=f"รายการ {k + 1} ของ {member.pk}",
                shared=k == 0,
            )
            lists.append(saved)
            picked = rng.sample(products, min(len(products), SAVED_LIST_ITEMS))
            items.append((saved, picked, member.pk))
    SavedList.objects.bulk_create(lists, batch_size=BATCH)
    SavedListItem.objects.bulk_create(
        [
            SavedListItem(saved_list=saved, product_id=pid, added_by_id=owner)
            for saved, picked, owner in items
            for pid in picked
        ],
        batch_size=BATCH,
    )
    return len(lists)


def seed_notifications(rng: random.Random) -> int:
    """What the referral moves would have notified: partner members of what was sent to them,
    the proposing officer of a partner's decision, the producer of an officer's. Mostly read,
    except the newest."""
    import datetime as _dt

    from django.utils import timezone

    from matching.models import ReferralEvent
    from otop_portal.models import Notification, NotificationKind, Role, User

    if Notification.objects.exists():
        return 0
    members: dict[int, list[int]] = defaultdict(list)
    for pk, partner_id in User.objects.filter(role=Role.PARTNER, partner__isnull=False).values_list(
        "pk", "partner_id"
    ):
        members[partner_id].append(pk)
    kinds = {
        "sent": NotificationKind.REFERRAL_SENT,
        "accepted": NotificationKind.REFERRAL_ACCEPTED,
        "declined": NotificationKind.REFERRAL_DECLINED,
        "listed": NotificationKind.REFERRAL_LISTED,
        "approved": NotificationKind.REFERRAL_APPROVED,
        "rejected": NotificationKind.REFERRAL_REJECTED,
    }
    events = ReferralEvent.objects.filter(to_state__in=list(kinds)).values_list(
        "referral_id",
        "to_state",
        "created_at",
        "referral__channel__partner_id",
        "referral__proposed_by_id",
        "referral__product__producer__user_id",
    )
    now = timezone.now()
    rows = []
    for referral_id, state, at, partner_id, officer_id, producer_user_id in events.iterator(
        chunk_size=BATCH
    ):
        if state == "sent":
            recipients = members.get(partner_id, [])
        elif state in ("accepted", "declined", "listed"):
            recipients = [officer_id]
        else:
            recipients = [producer_user_id]
        recent = at > now - _dt.timedelta(days=14)
        for recipient in recipients:
            read = not recent and rng.random() < READ_SHARE
            rows.append(
                Notification(
                    recipient_id=recipient,
                    kind=kinds[state],
                    referral_id=referral_id,
                    created_at=at,
                    read_at=at + _dt.timedelta(hours=6) if read else None,
                    emailed_at=at,
                )
            )
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from review import _dates_as_given

    with _dates_as_given(Notification):
        Notification.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def seed_waiting(n: int, rng: random.Random) -> int:
    """New registrations waiting for verification (the officers' producers queue), without
    products yet. Skipped when producers wait already."""
    from producers.models import Producer

    if Producer.objects.filter(status="submitted").exists():
        return 0
    return len(seed_producers(n, rng, waiting=True))


def seed_activity(
    *, referrals: int, big_partner_sent: int, waiting: int = 0, seed: int = 1, log=print
) -> dict[str, object]:
    """After the match results exist: referrals in every state with their events (bench/
    review.py's seed, then some lapse), the big partner's queue of sent referrals, saved lists,
    notifications and `waiting` producers to verify. Each step is skipped when its rows are
    there already."""
    from django.db import connection, transaction

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from review import seed_referrals

    rng = random.Random(seed)
    out: dict[str, object] = {}

    def step(name, func, *args, **kwargs):
        started = time.perf_counter()
        with transaction.atomic():
            out[name] = func(*args, **kwargs)
        log(f"  {name:<15} {time.perf_counter() - started:7.1f} s  {out[name]}")

    step("referrals", seed_referrals, referrals, rng)
    step("lapsed", seed_lapsed, rng)
    step("big_partner", seed_big_partner_referrals, big_partner_sent, rng)
    step("saved_lists", seed_saved_lists, rng)
    step("notifications", seed_notifications, rng)
    step("waiting", seed_waiting, waiting, rng)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Autovacuum is off on the bench machine: statistics and visibility maps, as it
        # would have left them.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"  {'vacuum analyze':<15} {time.perf_counter() - started:7.1f} s")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=250_000)
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgres://... (default: SQLite bench/out/bench.sqlite3)",
    )
    args = parser.parse_args(argv)
    url = database_url_for(args.database_url)
    started = time.perf_counter()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    print(f"database {url}: migrated in {time.perf_counter() - started:.1f} s")
    timings = seed(
        products=args.products, producers=args.producers, channels=args.channels, seed=args.seed
    )
    print(
        f"seeded {args.products:,} products, {args.producers:,} producers, "
        f"{int(timings['certifications_count']):,} certificates, "
        f"{int(timings['channels_count'])} channels in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
