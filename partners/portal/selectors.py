"""Reads of the partner portal: the shortlist, a referred product's page, and the producer's
contact details once the partner has taken the product on."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from matching.engine import compile_channel, explain
from matching.models import Referral
from matching.selectors import (
    active_channel_snapshot,
    facts_of_product,
    referrals_of_partner,
    referrals_visible_to,
    with_list_relations,
)
from matching.words import describe_check
from otop_portal.counts import QUEUES, REFERRALS, cached_count
from otop_portal.models import Role
from otop_portal.pagination import (
    ValuesRow,
    count_from_states,
    filtered_by_state_alone,
    values_in_order,
    values_of,
    values_rows,
)
from otop_portal.statements import Pages, Statement
from partners.models import ContactView
from partners.portal.filters import ENDED_STATES, PartnerReferralFilter
from partners.sentences import NameBook
from producers.models import CertificationStatus, ProductPhoto
from producers.selectors import (
    certificate_type_categories,
    certificates_covering,
    is_current_on,
)

# --- The partner portal: the shortlist and a referred product's page ---------------------------

# What the shortlist's state tabs group: "ended" is withdrawn or lapsed after it was sent.
SHORTLIST_STATES = ("sent", "accepted", "declined", "listed", "ended")
# Contact details are shown once the partner has taken the product on (PDPA: data minimisation).
CONTACT_STATES = ("accepted", "listed")


def is_partner_member(user) -> bool:
    """A signed-in member of a partner: who has a shortlist, saved lists and feeds."""
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.PARTNER
        and user.partner_id is not None
    )


def partner_shortlist(user) -> QuerySet:
    """The referrals sent to the member's partner (and what became of them), with what the list
    shows joined in: `score` and `star_level` from the pair's stored match result (None when
    the pair has none), and the product's photos prefetched. A fixed number of queries
    whatever the page size. Unordered (the filter set orders)."""
    return _as_listed(referrals_visible_to(user))


def _as_listed(referrals: QuerySet) -> QuerySet:
    return (
        referrals.select_related("product__subcategory")
        .annotate(
            # A join on (product, channel), at most one row (one_result_per_pair): a list
            # sorted or filtered by score or stars looks each result up once, where the
            # correlated subqueries it replaces were run two or three times for every one
            # of a big partner's 20,000 referrals (issue 13).
            result=FilteredRelation(
                "product__match_results",
                condition=Q(product__match_results__channel=F("channel")),
            ),
            score=F("result__score"),
            star_level=F("result__star_level"),
        )
        .prefetch_related(
            Prefetch(
                "product__photos",
                queryset=ProductPhoto.objects.order_by("position", "pk"),
                to_attr="ordered_photos",
            )
        )
    )


# What a shortlist row shows (templates/jinja2/partners/_shortlist_rows.html), and no more:
# the referral's seven joined rows read in full (the product's and the producer's dozens of
# columns, the officer who proposed it, the partner) were most of a page's CPU at national
# size (docs/performance.md, issue 13, eighth pass). A column the rows start showing goes
# here too; the shortlist's query-count tests fail with a query per row until it does.
SHORTLIST_ROW_COLUMNS = (
    "state",
    "sent_at",
    "channel__name_th",
    "channel__name_en",
    "product__name_th",
    "product__name_en",
    "product__price",
    "product__price_unit",
    "product__category__name_th",
    "product__category__name_en",
    "product__subcategory__name_th",
    "product__subcategory__name_en",
    "product__producer__name_th",
    "product__producer__name_en",
    "product__producer__province__name_th",
    "product__producer__province__name_en",
)


def shortlist_page_rows(rows: QuerySet, ids, *, partner_id: int | None = None) -> list[ValuesRow]:
    """The shortlist's rows with these ids (`rows`: partner_shortlist, filtered), in the ids'
    order, as values of what a row shows (SHORTLIST_ROW_COLUMNS and the pair's score, through
    shortlist_rows), with `photo_pk`, the id of the product's first photo (its thumbnail), read
    in the same statement; an id `rows` no longer holds is left out. As models, a page's 50
    referrals (seven models each, and the photos) cost twice the CPU (issue 13). `partner_id`:
    as shortlist_rows."""
    return shortlist_rows(rows, ids, SHORTLIST_PAGE_COLUMNS, partner_id=partner_id)


SHORTLIST_PAGE_COLUMNS = ("score", "photo_pk", *SHORTLIST_ROW_COLUMNS)


def _with_first_photo(rows: QuerySet) -> QuerySet:
    """`rows` with `photo_pk`, the id of the product's first photo (None without photos)."""
    first_photo = (
        ProductPhoto.objects.filter(product_id=OuterRef("product_id"))
        .order_by("position", "pk")
        .values("pk")[:1]
    )
    return rows.annotate(photo_pk=Subquery(first_photo))


def _rows_of_partner(partner_id: int, ids: list[int], *, columns: tuple[str, ...]) -> QuerySet:
    rows = _partner_shortlist_of(partner_id)
    if "photo_pk" in columns:
        rows = _with_first_photo(rows)
    return values_of(rows.order_by().filter(pk__in=ids), columns)


# The shortlist's first pages, on the page and in the API, read their rows by id on every
# visit: compiled once per connection and page length (otop_portal.statements).
_ROWS_OF_PARTNER = Statement(_rows_of_partner, kinds=(int, list[int]))


def shortlist_rows(
    rows: QuerySet, ids, columns: tuple[str, ...], *, partner_id: int | None = None
) -> list[ValuesRow]:
    """The rows of `rows` (partner_shortlist, filtered) with these ids, in the ids' order, as
    values of `columns` (values_rows; `photo_pk` as shortlist_page_rows has it); an id `rows`
    no longer holds is left out. Kept ids are read back through `rows`, so a row that no
    longer matches the filters is left out. `partner_id`, when the ids were read from `rows`
    in this same request (the list not narrowed): then by id among that partner's referrals,
    through a statement compiled once (building and compiling the filtered query was 1.4 ms
    of the page, issue 13, sixteenth pass)."""
    ids = list(ids)
    if not ids:
        return []
    if partner_id is None:
        return values_rows(_with_first_photo(rows) if "photo_pk" in columns else rows, ids, columns)
    found = _ROWS_OF_PARTNER.all(partner_id, ids, columns=tuple(columns))
    return values_in_order(Referral, columns, found, ids)


def partner_state_counts(user) -> dict[str, int]:
    """How many of the partner's referrals are in each of SHORTLIST_STATES: kept per partner
    until one of its referrals changes (otop_portal/counts.py); one query when worked out."""

    def compute() -> dict[str, int]:
        rows = (
            referrals_visible_to(user)
            .order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        counts = dict.fromkeys(SHORTLIST_STATES, 0)
        for state, n in rows:
            counts["ended" if state in ENDED_STATES else state] += n
        return counts

    return cached_count(REFERRALS, f"shortlist:{user.partner_id}", compute)


def partner_shortlist_count(
    user, filterset, rows: QuerySet, state_counts: dict[str, int] | None = None
) -> int:
    """How many of the partner's referrals `rows` (the shortlist under `filterset`) holds: the
    sum of the state counts (partner_state_counts, read unless given) when it is filtered by
    state alone; otherwise counted, and kept per partner and filters until a referral, product
    or certificate changes, as the officer's candidates are (otop_portal/counts.py). No query
    when kept; one when worked out."""
    if state_counts is None:
        state_counts = partner_state_counts(user)
    known = count_from_states(filterset, state_counts)
    if known is not None:
        return known
    return cached_count(
        (REFERRALS, QUEUES),
        f"shortlist:{user.partner_id}:{_applied_filters(filterset, ordering=False)}",
        lambda: rows.count(),  # `rows` may be built when first used: not before a miss
    )


def _applied_filters(filterset, *, ordering: bool) -> str:
    """The filters as understood (what narrows the rows), not as typed: the order in the query
    string does not count; the list's sort order only when `ordering`."""
    filterset.is_valid()
    applied = sorted(
        (name, str(getattr(value, "pk", value)))
        for name, value in filterset.form.cleaned_data.items()
        if (ordering or name != "ordering") and value not in (None, "")
    )
    return urlencode(applied)


def partner_shortlist_ids(user, filterset, rows: QuerySet) -> list[int] | None:
    """The ids of the shortlist under `filterset`, in its order, kept per partner, filters and
    order as its count is (partner_shortlist_count), when the list is narrowed by more than
    its state or sorted otherwise than waiting first: None when it is not (an index serves
    that order, issue 13). A category, stars and score filter read each of a big partner's
    20,000 referrals with its product and result (160 ms); a page then reads its 50 rows by id.
    The rows a page shows are read afresh and filtered again, so a row whose state or product
    changed since shows as it is now, or not at all; only a re-score's new scores can take up
    to COUNTS_CACHE_SECONDS to move a row (as they move the counts)."""
    if filtered_by_state_alone(filterset):  # the filters as understood (cleaned_data)
        ordering = filterset.form.cleaned_data.get("ordering") or filterset.default_ordering
        if ordering == filterset.default_ordering:
            return None
    return cached_count(
        (REFERRALS, QUEUES),
        f"shortlist-ids:{user.partner_id}:{_applied_filters(filterset, ordering=True)}",
        lambda: list(rows.values_list("pk", flat=True)),
    )


def _shortlist_ids(partner_id: int, *, state: str, bottom: int, top: int) -> QuerySet:
    # The filter set's own state filter and default order: one definition of both.
    filtered = PartnerReferralFilter({"state": state}, queryset=_partner_shortlist_of(partner_id))
    return filtered.qs.values_list("pk", flat=True)[bottom:top]


def _partner_shortlist_of(partner_id: int) -> QuerySet:
    """partner_shortlist of a member of this partner."""
    return _as_listed(with_list_relations(referrals_of_partner(partner_id)))


# The shortlist's pages, not narrowed: their ids on every visit, compiled once per connection,
# state and page (otop_portal.statements).
_SHORTLIST_IDS = Statement(_shortlist_ids)


def shortlist_ids(user, filterset) -> Pages:
    """The ids of a member's shortlist filtered by state alone (or not at all), in the
    default order (waiting first, newest first), read a page at a time through a statement:
    what a paginator pages when partner_shortlist_ids gives None. Building, filtering and
    compiling the list's query for a page's ids was about 1 ms of the page (issue 13,
    sixteenth pass)."""
    filterset.is_valid()
    state = filterset.form.cleaned_data.get("state") or ""
    return _SHORTLIST_IDS.pages(user.partner_id, state=state)


# The referral's page asks for it on every visit: compiled once (otop_portal.statements).
_REFERRAL_OF_PARTNER = Statement(
    lambda partner_id, pk: (
        _partner_shortlist_of(partner_id).select_related("product__producer__user").filter(pk=pk)
    )
)


def partner_referral(user, pk: int):
    """One referral of the member's partner for its page, with the product's photos, category
    and producer. Raises Referral.DoesNotExist when it is not theirs (or does not exist)."""
    found = _REFERRAL_OF_PARTNER.first(user.partner_id, pk) if is_partner_member(user) else None
    if found is None:
        raise Referral.DoesNotExist
    return found


def covering_certificates(product) -> list:
    """Every certificate that counts for the product (its own and the producer's), read with
    its type, that an officer has not rejected: what a referral's page lists the current
    verified ones of (product_certificates) and explains the fit from (referral_explanation).
    One query (producers.selectors.certificates_covering, which the producer's product page
    reads too)."""
    return [c for c in certificates_covering(product) if c.status != CertificationStatus.REJECTED]


def product_certificates(product, certifications: list | None = None) -> list:
    """The product's current verified certificates (its own and the producer's), in the
    certificate types' order: of `certifications` when given (covering_certificates), else
    read in one query."""
    today: dt.date = timezone.localdate()
    if certifications is None:
        certifications = covering_certificates(product)
    shown = [
        c
        for c in certifications
        if c.status == CertificationStatus.VERIFIED and is_current_on(c, today)
    ]
    return sorted(shown, key=lambda c: (c.type.sort_order, c.type.code, c.pk))


def referral_explanation(referral, certifications: list) -> dict[str, Any] | None:
    """Why the product fits the referral's channel, now: the engine's checks in the reader's
    language, with the score. None when the product or the channel is no longer matched (the
    channel closed, or its partner left). From the referral's product as read with it and
    `certifications` (covering_certificates), and the channel's requirement from the rows the
    process keeps: no statement of its own (issue 13)."""
    snapshot = active_channel_snapshot(referral.channel_id)
    today = timezone.localdate()
    facts = facts_of_product(referral.product, certifications, today)
    if snapshot is None or facts is None:
        return None
    compiled = compile_channel(snapshot, certificate_type_categories())
    result, checks, _steps = explain(compiled, facts, today)
    names = NameBook()
    return {
        "result": result,
        # Spoken about the producer, not to them: the reader is the partner.
        "checks": [
            (check.outcome, describe_check(check, names, to_producer=False)) for check in checks
        ],
    }


def producer_contact_for(viewer, referral, *, via: str = "page") -> dict[str, Any] | None:
    """The producer's personal contact details for a partner member, only once their partner
    has accepted the referral (None before). Every time they are shown the view is recorded
    (partners.models.ContactView), as the national ID's views are."""
    if referral.state not in CONTACT_STATES:
        return None
    producer = referral.product.producer
    ContactView.objects.create(referral=referral, viewer=viewer, via=via)
    return {
        # A register record not claimed yet has no account: phone and LINE only.
        "person": producer.user.full_name if producer.user else "",
        "phone": producer.phone,
        "line_id": producer.line_id,
        "email": producer.user.email if producer.user else "",
        "producer": producer,
    }
