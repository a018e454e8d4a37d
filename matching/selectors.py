"""Reads for matching: the ORM turned into the engine's plain data, in bounded queries."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from matching.engine import CertificateFact, CompiledChannel, ProductFacts, compile_channel
from matching.models import MatchResult, Referral
from otop_portal import counts
from otop_portal.choices import kept_reference, reference_version
from otop_portal.models import Role, User
from otop_portal.pagination import (
    ValuesList,
    filtered_by_state_alone,
    first_values,
    values_in_order,
    values_of,
    values_row,
    values_rows,
)
from otop_portal.statements import Pages, Statement
from partners.models import PartnerStatus, RequirementVersion
from partners.selectors import kept_channels
from producers.models import (
    Certification,
    CertificationScope,
    CertificationStatus,
    Producer,
    ProducerStatus,
    Product,
    ProductStatus,
)
from producers.selectors import (
    certificate_type_categories,
    certifications_covering,
    covering_each,
    officer_covers,
    star_rating,
)

PRODUCT_COLUMNS = (
    "id",
    "producer_id",
    "category__code",
    "subcategory__code",
    "producer__producer_type",
    "producer__province__code",
    "price",
    "gtin",
    "shelf_life_days",
    "monthly_capacity",
    "lead_time_days",
    "category__perishable",
)


def matchable_products():
    """Products that are matched: on sale, of a producer who has not been erased."""
    return Product.objects.filter(status=ProductStatus.ACTIVE, producer__erased_at__isnull=True)


def product_facts(
    product_ids: Iterable[int] | None, as_of: dt.date, *, producer_id: int | None = None
) -> list[ProductFacts]:
    """Facts of the given matchable products (others are left out), or with `producer_id`
    (and no ids) of every matchable product of that producer, in three queries (two for one
    product)."""
    products = matchable_products()
    if producer_id is not None:
        products = products.filter(producer_id=producer_id)
    if product_ids is not None:
        products = products.filter(id__in=list(product_ids))
    rows = list(products.order_by("id").values_list(*PRODUCT_COLUMNS))
    return _facts_from_rows(rows, as_of)


def iter_product_facts(
    as_of: dt.date, *, chunk: int = 2000, first_id: int = 0, last_id: int | None = None
) -> Iterator[list[ProductFacts]]:
    """Every matchable product's facts (or those with first_id <= id <= last_id), a chunk at a
    time (keyset by id: memory stays flat)."""
    last = first_id - 1
    base = matchable_products().order_by("id").values_list(*PRODUCT_COLUMNS)
    if last_id is not None:
        base = base.filter(id__lte=last_id)
    while True:
        rows = list(base.filter(id__gt=last)[:chunk])
        if not rows:
            return
        last = rows[-1][0]
        yield _facts_from_rows(rows, as_of)


# What the facts read of a certificate, in this order (_facts_from_rows indexes them).
CERTIFICATE_COLUMNS = (
    "id",
    "producer_id",
    "type__code",
    "status",
    "expires_on",
    "issued_on",
    "number",
    "scope",
    "star_level",
    "award_year",
)


def _facts_from_rows(rows: list[tuple], as_of: dt.date) -> list[ProductFacts]:
    if not rows:
        return []
    producer_ids = {row[1] for row in rows}
    product_ids = {row[0] for row in rows}
    if len(rows) == 1:
        # One product (its page, a referral's page): the certificates that cover it in one
        # statement (producers.selectors.certifications_covering), not the producer's all and
        # then the products each names (issue 13).
        certs = list(
            certifications_covering(rows[0][0], rows[0][1])
            .exclude(status=CertificationStatus.REJECTED)
            .values_list(*CERTIFICATE_COLUMNS)
        )
        return [_facts_of(rows[0], sorted(certs), as_of)]
    certs = list(
        Certification.objects.filter(producer_id__in=producer_ids)
        .exclude(status=CertificationStatus.REJECTED)
        .values_list(*CERTIFICATE_COLUMNS)
    )
    product_scoped = [c[0] for c in certs if c[7] == CertificationScope.PRODUCTS]
    covers: dict[int, list[int]] = defaultdict(list)
    if product_scoped:
        # Filtering on the certificates alone and dropping other products here: with both IN
        # lists SQLite probes the index once per pair (bench/: 57x slower).
        through = Certification.products.through.objects.filter(
            certification_id__in=product_scoped
        ).values_list("certification_id", "product_id")
        for cert_id, product_id in through:
            if product_id in product_ids:
                covers[cert_id].append(product_id)

    by_producer: dict[int, list[tuple]] = defaultdict(list)
    by_product: dict[int, list[tuple]] = defaultdict(list)
    for c in certs:
        if c[7] == CertificationScope.PRODUCER:
            by_producer[c[1]].append(c)
        else:
            for product_id in covers.get(c[0], ()):
                by_product[product_id].append(c)

    return [
        _facts_of(row, sorted(by_producer.get(row[1], []) + by_product.get(row[0], [])), as_of)
        for row in rows
    ]


def _facts_of(row: tuple, mine: list[tuple], as_of: dt.date) -> ProductFacts:
    """A product's facts from its PRODUCT_COLUMNS and the certificates that cover it
    (CERTIFICATE_COLUMNS, sorted)."""
    (
        pid,
        _producer_id,
        category,
        subcategory,
        producer_type,
        province,
        price,
        gtin,
        shelf_life,
        capacity,
        lead_time,
        perishable,
    ) = row
    rating = star_rating([(c[2], c[3], c[4], c[8], c[9]) for c in mine], as_of)
    stars = rating.level if rating is not None and not rating.stale else None
    # A rating from an earlier round: the step is "renew it", not "reach N stars".
    stale_stars = rating.level if rating is not None and rating.stale else None
    return ProductFacts(
        product_id=pid,
        category=category,
        subcategory=subcategory,
        producer_type=producer_type or "",
        province=province,
        price=price,
        gtin=gtin or "",
        shelf_life_days=shelf_life,
        monthly_capacity=capacity,
        lead_time_days=lead_time,
        star_level=stars,
        perishable=bool(perishable),
        stale_star_level=stale_stars,
        certificates=tuple(
            CertificateFact(
                type=c[2],
                # An expired record was verified once: the gap says "renew", not "get".
                verified=c[3] in (CertificationStatus.VERIFIED, CertificationStatus.EXPIRED),
                expires_on=c[4],
                issued_on=c[5],
                number=c[6],
                stars=c[8],
            )
            for c in mine
        ),
    )


def _read_from(obj: Any, column: str) -> Any:
    """What `values_list(column)` gives for a row already read as a model: a `__` path followed
    through the related rows it joined (None past a missing one)."""
    for name in column.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def facts_of_product(
    product: Product, certifications: Iterable[Certification], as_of: dt.date
) -> ProductFacts | None:
    """product_facts of one product already read as a model, with its category, sub-type,
    producer and the producer's province, from every certificate that covers it, already read
    with its type (any status: producers.selectors.certifications_covering). No statement: a
    referral's page reads both to show them (issue 13). The same PRODUCT_COLUMNS and
    CERTIFICATE_COLUMNS as product_facts, read from the models. None when the product is not
    matched (not on sale, or its producer erased), as product_facts leaves it out."""
    if product.status != ProductStatus.ACTIVE or product.producer.erased_at is not None:
        return None
    row = tuple(_read_from(product, column) for column in PRODUCT_COLUMNS)
    mine = sorted(
        tuple(_read_from(c, column) for column in CERTIFICATE_COLUMNS)
        for c in certifications
        if c.status != CertificationStatus.REJECTED
    )
    return _facts_of(row, mine, as_of)


def facts_of_products(
    products: list[Product], certifications: Iterable[Certification], as_of: dt.date
) -> list[ProductFacts]:
    """facts_of_product of each of a producer's products, ordered by id as product_facts
    orders them, from its certificates already read (each with its type and the products it
    names prefetched): the producer's home holds them all when it lists them all."""
    covering_them = covering_each(products, list(certifications))
    facts = (facts_of_product(p, covering_them[p.pk], as_of) for p in products)
    return sorted((f for f in facts if f is not None), key=lambda f: f.product_id)


def fingerprint(facts: ProductFacts, as_of: dt.date) -> int:
    """A 64-bit digest of everything a result depends on besides the requirement version,
    including which certificates count on the as-of date (so an expiry shows as a change)."""
    payload = repr(
        (
            facts.category,
            facts.subcategory,
            facts.producer_type,
            facts.province,
            str(facts.price),
            facts.gtin,
            facts.shelf_life_days,
            facts.monthly_capacity,
            facts.lead_time_days,
            facts.star_level,
            facts.perishable,
            sorted((c.type, c.verified, c.expires_on) for c in facts.certificates),
            sorted(facts.valid_types(as_of)),
        )
    )
    digest = hashlib.blake2b(payload.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _active_channel_rows(*, kept: bool = True) -> list[tuple[int, int, dict]]:
    """(channel id, requirement version, snapshot) of every matched channel. For the pages,
    kept by the process while the reference data is unchanged (otop_portal.choices.
    kept_reference: a channel, its requirement, a new requirement version or its partner saved
    makes a new version): the producer's pages read the 40 snapshots on every request (issue
    13). `kept=False` reads them afresh."""

    def read() -> list[tuple[int, int, dict]]:
        return list(
            RequirementVersion.objects.filter(
                channel__is_active=True,
                number=F("channel__requirement__version"),
            )
            .exclude(channel__partner__status=PartnerStatus.LEFT)
            .order_by("channel_id")
            .values_list("channel_id", "number", "snapshot")
        )

    return kept_reference("active-channel-rows", read) if kept else read()


def active_channel_snapshot(channel_id: int) -> dict | None:
    """The requirement snapshot a channel is matched against now, from the rows the process
    keeps (_active_channel_rows); None when the channel is not matched (closed, or its
    partner left the MOU)."""
    for found_id, _number, snapshot in _active_channel_rows():
        if found_id == channel_id:
            return snapshot
    return None


def active_channels() -> list[tuple[int, CompiledChannel]]:
    """(channel id, compiled requirement) of every channel that is matched: active, of a
    partner that has not left the MOU, at its current requirement version. Read afresh, two
    queries: a re-score must see every change, also one made behind the receivers' back (a
    queryset update, a bulk load), which the pages' kept copy would miss until the next one."""
    # Compiling 40 snapshots costs well under a millisecond: not worth a cache to invalidate.
    applies = certificate_type_categories(kept=False)
    return [
        (channel_id, compile_channel(snapshot, applies))
        for channel_id, _number, snapshot in _active_channel_rows(kept=False)
    ]


# What the engine says about a product is a function of its facts, the channels' requirement
# versions, the categories each certificate type applies to, the date and the engine's own
# code: kept in the cache under a digest of them all,
# so a producer's pages do not explain every product × channel again on every visit (40 to
# hundreds of engine calls: most of the producer's pages' time at national size, issue 13).
# Nothing needs dropping: a change to any of them is a new key.
EXPLAIN_CACHE_SECONDS = 3600
_ENGINE_DIGEST = hashlib.blake2b(
    Path(__file__).with_name("engine.py").read_bytes(), digest_size=8
).hexdigest()


def _explained_key(
    kind: str, facts: list[ProductFacts], as_of: dt.date, rows, applies: dict
) -> str:
    payload = repr(
        (
            _ENGINE_DIGEST,
            as_of.isoformat(),
            [(f.product_id, fingerprint(f, as_of)) for f in facts],
            [(channel_id, number) for channel_id, number, _snapshot in rows],
            sorted((code, sorted(categories)) for code, categories in applies.items()),
        )
    )
    return f"explained:{kind}:{hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()}"


def _cached_explained(kind: str, facts: list[ProductFacts], as_of: dt.date, work):
    """work(channels) for these facts, from the cache while nothing it reads has changed."""
    from django.core.cache import cache

    rows = _active_channel_rows()
    applies = certificate_type_categories()
    key = _explained_key(kind, facts, as_of, rows, applies)
    found = cache.get(key)
    if found is None:
        channels = [(cid, compile_channel(snapshot, applies)) for cid, _number, snapshot in rows]
        found = work(channels)
        cache.set(key, found, EXPLAIN_CACHE_SECONDS)
    return found


# --- What producers see ---------------------------------------------------------------------

NEAREST_MISSES = 5  # channels shown below the eligible ones, closest first


def _channel_rows(channel_ids: list[int]) -> dict[int, Any]:
    """These channels, with their partners, from the channels the process keeps (one made
    since they were read, by another process, is read here)."""
    from partners.models import Channel

    kept = kept_channels()
    found = {pk: kept[pk] for pk in channel_ids if pk in kept}
    if len(found) < len(set(channel_ids)):
        missing = set(channel_ids) - found.keys()
        found.update(Channel.objects.select_related("partner").in_bulk(missing))
    return found


def product_channel_ranking(
    product_id: int, *, as_of: dt.date | None = None, facts: list[ProductFacts] | None = None
) -> dict[str, Any]:
    """The channels for one product: eligible first by score, then the nearest misses (fewest
    failed gates, then score), each with the engine's checks and gap steps. Channels that do not
    take this kind of product at all are only counted. A fixed number of queries. `facts`: the
    product's facts when the caller holds them (facts_of_product: [] when it is not matched),
    else read."""
    from django.utils import timezone

    from matching.engine import explain

    as_of = as_of or timezone.localdate()
    if facts is None:
        facts = product_facts([product_id], as_of)
    if not facts:
        return {"eligible": [], "misses": [], "impossible": 0, "matched": False}

    def work(channels) -> list[tuple]:
        return [
            (channel_id, *explain(compiled, facts[0], as_of)) for channel_id, compiled in channels
        ]

    explained = _cached_explained("product", facts, as_of, work)
    rows = _channel_rows([cid for cid, *_rest in explained])
    eligible, misses, impossible = [], [], 0
    for channel_id, result, checks, steps in explained:
        entry = {"channel": rows[channel_id], "result": result, "checks": checks, "steps": steps}
        if result.eligible:
            eligible.append(entry)
        elif any(s.action == "not_possible" for s in steps):
            impossible += 1
        else:
            misses.append(entry)
    eligible.sort(key=lambda e: (-e["result"].score, e["channel"].name))
    misses.sort(key=lambda e: (len(e["steps"]), -e["result"].score, e["channel"].name))
    # How many channels each step would open on its own (it is their only missing step).
    opens: dict[tuple, int] = {}
    for e in misses:
        if len(e["steps"]) == 1:
            opens[e["steps"][0].key] = opens.get(e["steps"][0].key, 0) + 1
    for e in misses:
        e["step_opens"] = [opens.get(step.key, 0) for step in e["steps"]]
    return {
        "eligible": eligible,
        "misses": misses[:NEAREST_MISSES],
        "more_misses": max(0, len(misses) - NEAREST_MISSES),
        "impossible": impossible,
        "matched": True,
    }


def producer_next_steps(
    producer_id: int,
    *,
    as_of: dt.date | None = None,
    limit: int = 8,
    facts: list[ProductFacts] | None = None,
):
    """Across all of a producer's products: each step that alone would make a product eligible
    for a channel, with how many product × channel pairs it opens and for which products, most
    first. (Steps that open nothing on their own are left out: they show on each product.)
    `facts`: the producer's products' facts when the caller holds them (facts_of_products),
    else read."""
    from django.utils import timezone

    from matching.engine import explain

    as_of = as_of or timezone.localdate()
    if facts is None:
        facts = product_facts(None, as_of, producer_id=producer_id)

    def work(channels) -> list[dict[str, Any]]:
        opened: dict[tuple, dict[str, Any]] = {}
        for f in facts:
            for _channel_id, compiled in channels:
                result, _checks, steps = explain(compiled, f, as_of)
                if result.eligible or len(steps) != 1 or steps[0].action == "not_possible":
                    continue
                step = steps[0]
                entry = opened.setdefault(
                    step.key, {"step": step, "product_ids": set(), "opens": 0}
                )
                entry["product_ids"].add(f.product_id)
                entry["opens"] += 1
        return sorted(opened.values(), key=lambda e: (-e["opens"], e["step"].key))

    return _cached_explained("producer", facts, as_of, work)[:limit]


# --- What officers and API clients see --------------------------------------------------------


def _in_officer_scope(results: QuerySet[MatchResult], user) -> QuerySet[MatchResult]:
    """Results of products made in the officer's provinces; national officers and
    administrators see every province."""
    return _in_province_scope(results, user, "product__producer__")


def _not_yet_referred(results: QuerySet[MatchResult]) -> QuerySet[MatchResult]:
    """The one place where pairs already referred are left out of the candidates: a pair with
    an open referral (proposed … listed) is in the pipeline, not a candidate. Rejected,
    declined, withdrawn and lapsed ones may be proposed again."""
    from django.db.models import Exists, OuterRef

    from matching.models import OPEN_STATES, Referral

    open_referral = Referral.objects.filter(
        product_id=OuterRef("product_id"), channel_id=OuterRef("channel_id"), state__in=OPEN_STATES
    )
    return results.filter(~Exists(open_referral))


def _in_scope(rows: QuerySet, scope: list[int] | None, producer_path: str = "") -> QuerySet:
    """Rows of producers in `scope`: every province when None, else those provinces' ids."""
    return rows if scope is None else _in_provinces(rows, scope, producer_path)


class _InScope:
    """A statement of a list in an officer's scope (otop_portal.statements), built by
    `build(scope, *arguments, **shape)` with `scope` as _in_scope takes it: one statement
    for every province, one for a list of them (its first argument). `kinds`: the other
    arguments' kinds."""

    def __init__(self, build, *, kinds: tuple = ()) -> None:
        self.everywhere = Statement(functools.partial(build, None), kinds=kinds)
        self.in_provinces = Statement(build, kinds=(list[int], *kinds))

    def of(self, user) -> tuple[Statement, tuple] | None:
        """The user's statement and the scope argument it starts with (none for every
        province); None when the user has no province (the list is empty)."""
        scope = _province_scope(user)
        if scope is None:
            return self.everywhere, ()
        return (self.in_provinces, (scope,)) if scope else None


def officer_candidates(user) -> QuerySet[MatchResult]:
    """Eligible product × channel pairs an officer may refer: in the officer's provinces (all
    for national officers and administrators), of active products of verified producers, on
    active channels of partners still in the MOU, not yet referred. Related rows a list shows
    are joined in, so a page of them costs one query. Unordered: the caller orders (see
    matching.filters)."""
    return _candidates(_in_officer_scope(_eligible_results(), user))


def _eligible_results() -> QuerySet[MatchResult]:
    return MatchResult.objects.filter(
        eligible=True,
        product__status=ProductStatus.ACTIVE,
        product__producer__status=ProducerStatus.VERIFIED,
        product__producer__erased_at__isnull=True,
        channel__is_active=True,
    ).exclude(channel__partner__status=PartnerStatus.LEFT)


def _candidates(results: QuerySet[MatchResult]) -> QuerySet[MatchResult]:
    """officer_candidates of `results` (eligible, in a scope)."""
    return _not_yet_referred(results).select_related(
        "product",
        "product__producer",
        "product__producer__province",
        "product__category",
        "channel",
        "channel__partner",
    )


# What a row of the officer's candidates shows (templates/jinja2/matching/_candidate_rows.html),
# and no more: the result's explanation and gaps, the product's and the producer's dozens of
# columns were most of the page's CPU at national size (docs/performance.md, issue 13, eighth
# pass). A column the rows start showing goes here too; the page's query-count test (in both
# languages) fails with a query per row until it does.
CANDIDATE_ROW_COLUMNS = (
    "score",
    "star_level",
    "product__name_th",
    "product__producer__name_th",
    "product__producer__name_en",
    "product__producer__province__name_th",
    "product__producer__province__name_en",
    "product__category__name_th",
    "product__category__name_en",
    "channel__name_th",
    "channel__name_en",
    "channel__partner__name_th",
    "channel__partner__name_en",
)


def candidate_page_rows(user, filterset, ids) -> list:
    """The candidates with these ids (kept ids of `filterset`, a MatchResultFilter over
    officer_candidates(user)), in the ids' order, with only what a row shows, as values
    (otop_portal.pagination.values_rows). An id that is no longer a candidate, or no longer
    matches the filters, is left out. When no filter narrows the list (it may be ordered), by
    id among the officer's candidates through a statement compiled once: building the
    filtered query and compiling it was 1.5 ms of each visit (issue 13, seventeenth pass)."""
    ids = list(ids)
    if not ids:
        return []
    # The candidates have no state: filtered by state alone is not narrowed.
    if filtered_by_state_alone(filterset) and (scoped := _CANDIDATE_ROWS.of(user)):
        statement, scope = scoped
        found = statement.all(*scope, ids)
        return values_in_order(MatchResult, CANDIDATE_ROW_COLUMNS, found, ids)
    return values_rows(filterset.qs, ids, CANDIDATE_ROW_COLUMNS)


def _candidate_rows(scope, ids):
    rows = _candidates(_in_scope(_eligible_results(), scope, "product__producer__"))
    return values_of(rows.filter(pk__in=ids), CANDIDATE_ROW_COLUMNS)


_CANDIDATE_ROWS = _InScope(_candidate_rows, kinds=(list[int],))


# What a row of the officer's referral list shows (templates/jinja2/matching/_referral_rows.html),
# the same way as the candidates above.
REFERRAL_ROW_COLUMNS = (
    "state",
    "updated_at",
    "product__name_th",
    "product__producer__name_th",
    "product__producer__name_en",
    "product__producer__province__name_th",
    "product__producer__province__name_en",
    "channel__name_th",
    "channel__name_en",
    "channel__partner__name_th",
    "channel__partner__name_en",
)


def referral_page_rows(rows: QuerySet) -> ValuesList:
    """The officer's referrals (referrals_visible_to, filtered and ordered) with only what a
    row shows (not the product's category nor the officer who proposed it), as values
    (otop_portal.pagination.ValuesList), for a Paginator."""
    return ValuesList(rows, REFERRAL_ROW_COLUMNS)


def _referral_page(referrals: QuerySet, *, states, ordering: str, bottom: int, top: int):
    from django.http import QueryDict

    from matching.filters import ReferralFilter

    data = QueryDict(mutable=True)
    data.setlist("state", list(states))
    data["ordering"] = ordering
    # The filter set's own state filter and orders: one definition of both.
    rows = ReferralFilter(data, queryset=referrals).qs
    return values_of(rows, REFERRAL_ROW_COLUMNS)[bottom:top]


# The officer's referral list, filtered by state alone: a page's rows on every visit, compiled
# once per connection, scope, states, order and page (otop_portal.statements).
_REFERRAL_PAGE = _InScope(
    lambda scope, **shape: _referral_page(_in_scope(Referral.objects.all(), scope), **shape)
)


def officer_referral_rows(user, filterset) -> ValuesList | Pages:
    """The rows of the officer's referral list under `filterset` (over referrals_visible_to),
    for a Paginator, as referral_page_rows gives them. Filtered by state alone (or not at
    all), for an officer who sees the whole country or some provinces, read a page at a time
    through a statement (its count is known from the kept counts): building, filtering and
    compiling the list's query was 0.6-0.8 ms of each page (issue 13, sixteenth pass).
    Otherwise referral_page_rows of the filtered query."""
    if filtered_by_state_alone(filterset) and (scoped := _REFERRAL_PAGE.of(user)):
        statement, scope = scoped
        data = filterset.form.cleaned_data
        return statement.pages(
            *scope,
            read=functools.partial(_rows_as_read, Referral, REFERRAL_ROW_COLUMNS),
            states=tuple(data.get("state") or ()),
            ordering=data.get("ordering") or filterset.default_ordering,
        )
    return referral_page_rows(filterset.qs)


def _rows_as_read(model, columns: tuple[str, ...], found: list[dict]) -> list:
    """Rows read through a statement, in the order read, as values_in_order gives them."""
    return values_in_order(model, columns, found, [row["pk"] for row in found])


# What a row of the officer's queues shows (templates/jinja2/matching/_producer_rows.html,
# _certificate_rows.html), the same way: not the producer's address, contacts and documents.
PRODUCER_ROW_COLUMNS = (
    "name_th",
    "name_en",
    "producer_type",
    "submitted_at",
    "province__name_th",
    "province__name_en",
)
CERTIFICATE_ROW_COLUMNS = (
    "number",
    "created_at",
    "expires_on",
    "type__name_th",
    "type__name_en",
    "producer__name_th",
    "producer__name_en",
    "producer__province__name_th",
    "producer__province__name_en",
)


def results_visible_to(user) -> QuerySet[MatchResult]:
    """Every stored result (eligible or not) the user may read: a producer their own products',
    an officer those of their provinces (all when national), an administrator all; partner
    members none until referrals exist. With the rows the API shows joined in."""
    results = MatchResult.objects.all()
    if user.role == Role.PRODUCER:
        results = results.filter(product__producer__user=user)
    else:
        results = _in_officer_scope(results, user)
    return results.select_related("product", "channel", "channel__partner")


# --- The officer's queues ---------------------------------------------------------------------

EXPIRY_WINDOW_DAYS = 60


# Where _officer_province_ids keeps them on the user object.
PROVINCE_IDS_KEPT = "_officer_province_ids"
# The officer's provinces, asked by every officer page (otop_portal.statements).
_PROVINCE_IDS_OF = Statement(
    lambda user_id: (
        User.provinces.through.objects.filter(user_id=user_id)
        .order_by("province_id")
        .values_list("province_id", flat=True)
    )
)


def _officer_province_ids(user) -> list[int]:
    """The ids of the officer's provinces, read once per user object, so every list and chart
    of a request shares the one query. A change through the user's own manager
    (user.provinces.add/remove/set/clear) drops them (hooks.forget_province_ids), as it
    drops what prefetch_related keeps."""
    ids = user.__dict__.get(PROVINCE_IDS_KEPT)
    if ids is None:
        ids = user.__dict__[PROVINCE_IDS_KEPT] = _PROVINCE_IDS_OF.all(user.pk)
    return ids


def officer_provinces(user) -> list:
    """The officer's provinces, in the provinces' order: those _officer_province_ids read for
    their scope, of the provinces the process keeps. No statement of its own."""
    from otop_portal.models import Province

    ids = set(_officer_province_ids(user))
    ordered = kept_reference("provinces-in-order", lambda: list(Province.objects.all()))
    return [province for province in ordered if province.pk in ids]


def _in_province_scope(rows: QuerySet, user, producer_path: str = "") -> QuerySet:
    """Rows of producers in the officer's provinces (all for national officers and
    administrators); `producer_path` leads from the row to its producer ("producer__")."""
    scope = _province_scope(user)
    return rows.none() if scope == [] else _in_scope(rows, scope, producer_path)


def _province_scope(user) -> list[int] | None:
    """The provinces whose producers' rows the user sees: None for every province (national
    officers and administrators), else their ids (none for a user who is not an officer)."""
    if _sees_every_province(user):
        return None
    return _officer_province_ids(user) if user.role == Role.OFFICER else []


def _sees_every_province(user) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.OFFICER and user.is_national_officer)


def _in_provinces(rows: QuerySet, province_ids, producer_path: str = "") -> QuerySet:
    # A list of ids, not a subquery: the planner estimates a list from the column's
    # statistics, and with a subquery it joined every result of the country before keeping
    # the province's 7 % (docs/performance.md, issue 6, finding 1). An empty list matches
    # nothing, without a query: an officer without provinces sees nothing.
    return rows.filter(**{f"{producer_path}province__in": province_ids})


def officer_producers(user) -> QuerySet[Producer]:
    """Producers (not erased) the officer may review, with their province joined in."""
    return _in_province_scope(_producers(), user).select_related("province")


def _producers() -> QuerySet[Producer]:
    return Producer.objects.filter(erased_at__isnull=True)


def officer_submitted_producers(user) -> QuerySet[Producer]:
    """Producers waiting for verification in scope, the longest waiting first."""
    return _submitted(officer_producers(user))


def _submitted(producers: QuerySet[Producer]) -> QuerySet[Producer]:
    return producers.filter(status=ProducerStatus.SUBMITTED).order_by(
        F("submitted_at").asc(nulls_last=True), "pk"
    )


def officer_certifications(user) -> QuerySet[Certification]:
    """Certificates of producers (not erased) in scope, with what a list shows joined in."""
    return _in_province_scope(_certifications(), user, "producer__").select_related(
        "producer", "producer__province", "type"
    )


def _certifications() -> QuerySet[Certification]:
    return Certification.objects.filter(producer__erased_at__isnull=True)


def officer_pending_certifications(user) -> QuerySet[Certification]:
    """Certificates waiting for verification in scope, the longest waiting first."""
    return _pending(officer_certifications(user))


def _pending(certifications: QuerySet[Certification]) -> QuerySet[Certification]:
    return certifications.filter(status=CertificationStatus.PENDING).order_by("created_at", "pk")


def officer_expiring_certifications(
    user, *, today: dt.date | None = None
) -> QuerySet[Certification]:
    """Verified certificates in scope that expire within EXPIRY_WINDOW_DAYS (today included),
    the soonest first."""
    from django.utils import timezone

    return _expiring(officer_certifications(user), today or timezone.localdate())


def _expiring(certifications: QuerySet[Certification], today: dt.date) -> QuerySet[Certification]:
    return certifications.filter(
        status=CertificationStatus.VERIFIED,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=EXPIRY_WINDOW_DAYS),
    ).order_by("expires_on", "pk")


def _queue_page(rows: QuerySet, columns: tuple[str, ...], *, bottom: int, top: int):
    return values_of(rows, columns)[bottom:top]


# The officer's queues not narrowed by a filter: a page's rows on every visit, compiled once
# per connection, scope and page (and day, for the expiring certificates).
_QUEUE_PAGES = {
    "producers": _InScope(
        lambda scope, **page: _queue_page(
            _submitted(_in_scope(_producers(), scope)), PRODUCER_ROW_COLUMNS, **page
        )
    ),
    "certificates": _InScope(
        lambda scope, **page: _queue_page(
            _pending(_in_scope(_certifications(), scope, "producer__")),
            CERTIFICATE_ROW_COLUMNS,
            **page,
        )
    ),
    "expiring": _InScope(
        lambda scope, *, today, **page: _queue_page(
            _expiring(_in_scope(_certifications(), scope, "producer__"), today),
            CERTIFICATE_ROW_COLUMNS,
            **page,
        )
    ),
}
_QUEUE_ROWS = {
    "producers": (Producer, PRODUCER_ROW_COLUMNS),
    "certificates": (Certification, CERTIFICATE_ROW_COLUMNS),
    "expiring": (Certification, CERTIFICATE_ROW_COLUMNS),
}


def queue_rows(user, queue: str, filterset, **shape) -> ValuesList | Pages:
    """The rows of one of the officer's queues ("producers", "certificates", "expiring")
    under `filterset` (over the queue's query, in its order), for a Paginator, with only what
    a row shows, as values. Not narrowed by any filter, read a page at a time through a
    statement (the Paginator is told the kept count): building, filtering and compiling the
    queue's query was about 1 ms of each page (issue 13, seventeenth pass). `shape`: `today`
    for the expiring certificates."""
    model, columns = _QUEUE_ROWS[queue]
    # The queues have no state: filtered by state alone is not narrowed.
    if filtered_by_state_alone(filterset) and (scoped := _QUEUE_PAGES[queue].of(user)):
        statement, scope = scoped
        read = functools.partial(_rows_as_read, model, columns)
        return statement.pages(*scope, read=read, **shape)
    return ValuesList(filterset.qs, columns)


# What the officer's home shows of each queue's item waiting longest (its link is its pk):
# read as values of only these columns, with the joins they name, and kept with the queue's
# count (officer_queues). The six items read in full, with every relation their queues' lists
# join in, cost 2-3 ms of the page's 20 (issue 13).
_REFERRAL_OLDEST_COLUMNS = (
    "updated_at",
    "product__name_th",
    "channel__name_th",
    "channel__name_en",
)
_CERTIFICATE_OLDEST_COLUMNS = (
    "number",
    "type__name_th",
    "type__name_en",
    "producer__name_th",
    "producer__name_en",
)
QUEUE_OLDEST_COLUMNS = {
    "producers": ("name_th", "name_en", "submitted_at"),
    "certificates": (*_CERTIFICATE_OLDEST_COLUMNS, "created_at"),
    "expiring": (*_CERTIFICATE_OLDEST_COLUMNS, "expires_on"),
    "candidates": ("eligible_since", "product__name_th", "channel__name_th", "channel__name_en"),
    "proposals": _REFERRAL_OLDEST_COLUMNS,
    "to_send": _REFERRAL_OLDEST_COLUMNS,
}


def officer_queues(user, *, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """For each of the officer's queues, how many items wait and the one waiting longest
    (for expiring certificates: the one expiring soonest), with only what the home page shows
    of it (QUEUE_OLDEST_COLUMNS, as a ValuesRow in the reader's language). Both come from the
    cache while no service changed a queue and no reference row (a channel's or a certificate
    type's name) changed."""
    from django.apps import apps
    from django.utils import timezone

    def queues() -> dict[str, QuerySet]:
        found = {
            "producers": officer_submitted_producers(user),
            "certificates": officer_pending_certifications(user),
            "expiring": officer_expiring_certifications(user, today=today),
            "candidates": officer_candidates(user).order_by(
                F("eligible_since").asc(nulls_last=True), "pk"
            ),
        }
        referrals = referrals_visible_to(user).order_by("updated_at", "pk")
        found["proposals"] = referrals.filter(state="proposed")  # to approve or reject
        found["to_send"] = referrals.filter(state="approved")  # approved, not sent yet
        return found

    def figures() -> dict[str, tuple[int, dict | None, str]]:
        return {
            name: (qs.count(), first_values(qs, QUEUE_OLDEST_COLUMNS[name]), qs.model._meta.label)
            for name, qs in queues().items()
        }

    # The counts and the item waiting longest, as plain values (any language), per scope and
    # day, until a service changes a queue (otop_portal/counts.py) or a reference row changes:
    # a COUNT over every candidate of the country was most of this page's time at national
    # size, and the six items read afresh on every visit were half of what remained (7 of
    # 16 ms, issue 13). The queues' querysets are built only to work the figures out (six
    # scoped querysets cost 2 ms to build). What changes without a service (a re-score) shows
    # within COUNTS_CACHE_SECONDS, as the counts do.
    kinds = (counts.QUEUES, counts.REFERRALS)
    day = today or timezone.localdate()
    # "queues3": the figures' shape (count, values, model); a new name when it changes, as a
    # deployment meets the figures the code before it left in the shared cache.
    scope = f"queues3:{officer_scope_key(user)}:{day}:{reference_version()}"
    known = counts.cached_count(kinds, scope, figures)
    return {
        name: {
            "count": count,
            "oldest": values_row(apps.get_model(model), QUEUE_OLDEST_COLUMNS[name], oldest),
        }
        for name, (count, oldest, model) in known.items()
    }


def officer_scope_key(user) -> str:
    """What an officer's lists depend on: every province, or the officer's own."""
    if user.role == Role.ADMIN or (user.role == Role.OFFICER and user.is_national_officer):
        return "all"
    if user.role == Role.OFFICER:
        return "p" + ".".join(str(pk) for pk in _officer_province_ids(user))
    return f"u{user.pk}"


# --- Referrals --------------------------------------------------------------------------------

# States a partner sees: from the moment the referral was sent to them.
PARTNER_STATES = ("sent", "accepted", "declined", "listed")


def referrals_visible_to(user) -> QuerySet:
    """Referrals the user may read: an administrator all; an officer those of products made in
    their provinces (all when national); a producer their own products'; a partner member those
    of their partner's channels once sent (and, if withdrawn or lapsed after that, still).
    With what a list shows joined in; unordered (the caller orders)."""
    from matching.models import Referral

    referrals = Referral.objects.all()
    if user.role == Role.PRODUCER:
        referrals = referrals.filter(product__producer__user=user)
    elif user.role == Role.PARTNER:
        referrals = referrals_of_partner(user.partner_id)
    else:
        # The referral's own copy of its producer's province: a province's list in order
        # through an index (Referral.province).
        referrals = _in_province_scope(referrals, user)
    return with_list_relations(referrals)


def _referrals_of_product(product_id: int) -> QuerySet:
    from matching.models import Referral

    return (
        Referral.objects.filter(product_id=product_id)
        .select_related("channel__partner")
        .prefetch_related("events")
        .order_by("-updated_at")
    )


# The producer's product page reads them on every visit: compiled once (otop_portal.statements).
_REFERRALS_OF_PRODUCT = Statement(_referrals_of_product)


def product_referrals(product) -> list:
    """The product's referrals, the latest change first, with their channel, partner and
    moves; their `product` is the one given. For the producer's product page."""
    referrals = _REFERRALS_OF_PRODUCT.all(product.pk)
    for referral in referrals:
        referral.product = product
    return referrals


def _history_of(referral_id: int) -> QuerySet:
    from matching.models import ReferralEvent

    return ReferralEvent.objects.filter(referral_id=referral_id).select_related("actor")


def _thread_of(referral_id: int) -> QuerySet:
    from matching.models import ReferralMessage

    return ReferralMessage.objects.filter(referral_id=referral_id).select_related("author")


# A referral's page (the partner's and the officer's) reads them on every visit: compiled once
# (otop_portal.statements).
_HISTORY = Statement(_history_of)
_THREAD = Statement(_thread_of)


def referral_history(referral) -> list:
    """The referral's moves, the oldest first, with who made them. One query."""
    return _HISTORY.all(referral.pk)


def referral_thread(referral) -> list:
    """The questions about the referral and their answers, the oldest first, with their
    authors. One query."""
    return _THREAD.all(referral.pk)


def referrals_of_partner(partner_id: int) -> QuerySet:
    """The referrals a member of the partner may read (referrals_visible_to): those of its
    channels once sent, and, withdrawn or lapsed after that (sent_at is set when sent),
    still. Without relations joined."""
    from django.db.models import Q

    from matching.models import Referral, ReferralState

    return Referral.objects.filter(channel__partner_id=partner_id).filter(
        Q(state__in=PARTNER_STATES)
        | Q(state__in=[ReferralState.WITHDRAWN, ReferralState.LAPSED], sent_at__isnull=False)
    )


def with_list_relations(referrals: QuerySet) -> QuerySet:
    """`referrals` with what a referral list shows joined in (referrals_visible_to)."""
    return referrals.select_related(
        "product",
        "product__producer",
        "product__producer__province",
        "product__category",
        "channel",
        "channel__partner",
        "proposed_by",
    )


# --- Who is shown how ----------------------------------------------------------------------------


def person_shown_to(viewer, person) -> str:
    """How `person` is named to `viewer`: by full name; without one, by email to officers and
    administrators and by role to producers and partner members, who never see staff emails.
    None is the portal itself (a lapse found by re-scoring)."""
    if person is None:
        return _("the portal")
    if person.full_name:
        return person.full_name
    if viewer.role in (Role.OFFICER, Role.ADMIN):
        return person.email
    return str(person.get_role_display())


def products_proposable_by(user) -> QuerySet[Product]:
    """Products the user may put forward: a producer their own, an officer those of their
    provinces (all when national), an administrator all; nobody else any."""
    products = Product.objects.select_related("producer")
    if user.role == Role.PRODUCER:
        return products.filter(producer__user=user)
    if user.role in (Role.OFFICER, Role.ADMIN):
        return products.filter(producer__in=officer_producers(user))
    return products.none()


def can_view_certification_document(viewer: User, certification: Certification) -> bool:
    """The owner, officers of the producer's province (or national) and administrators; and
    a partner member, for a verified certificate of a producer with a product referred to
    (visible to) the member's partner."""
    if not viewer.is_authenticated:
        return False
    producer = certification.producer
    if viewer.role == Role.PARTNER:
        return (
            certification.status == CertificationStatus.VERIFIED
            and referrals_visible_to(viewer).filter(product__producer_id=producer.pk).exists()
        )
    return (
        viewer.pk == producer.user_id
        or viewer.role == Role.ADMIN
        or officer_covers(viewer, producer)
    )


# --- A partner leaving the MOU ------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveSummary:
    """What stops when a partner leaves the MOU, counted for the confirmation page."""

    working_keys: int
    active_members: int
    personal_tokens: int
    saved_lists: int
    feed_rows: int
    open_referrals: int
    listed_referrals: int
    active_channels: int


def partner_leave_summary(partner) -> LeaveSummary:
    """The counts behind the 'leave the MOU' confirmation (a fixed number of queries)."""
    from rest_framework.authtoken.models import Token

    from matching.models import Referral, ReferralState
    from partners.models import ApiToken, SavedList

    referrals = Referral.objects.filter(channel__partner=partner)
    members = partner.members.filter(role=Role.PARTNER, is_active=True)
    return LeaveSummary(
        working_keys=ApiToken.objects.filter(partner=partner, revoked_at__isnull=True).count(),
        active_members=members.count(),
        personal_tokens=Token.objects.filter(user__in=members).count(),
        saved_lists=SavedList.objects.filter(partner=partner).count(),
        feed_rows=referrals.filter(
            state__in=[ReferralState.ACCEPTED, ReferralState.LISTED]
        ).count(),
        open_referrals=referrals.filter(
            state__in=[
                ReferralState.PROPOSED,
                ReferralState.APPROVED,
                ReferralState.SENT,
                ReferralState.ACCEPTED,
            ]
        ).count(),
        listed_referrals=referrals.filter(state=ReferralState.LISTED).count(),
        active_channels=partner.channels.filter(is_active=True).count(),
    )


def partner_member_sees_product(viewer, product) -> bool:
    """A partner member sees a product (its photos too) once it was sent to their partner
    (referrals_visible_to). Registered with producers.selectors.register_product_reader."""
    return (
        viewer.role == Role.PARTNER
        and referrals_visible_to(viewer).filter(product_id=product.pk).exists()
    )
