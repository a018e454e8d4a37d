"""Reads for partners, channels and requirements, with the queries each page needs."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from partners.models import (
    CertificateRule,
    Channel,
    ChannelRequirement,
    Partner,
    PreferredCriterion,
    PreferredKind,
    RequirementVersion,
)

PREFERRED_ORDER = {kind: i for i, kind in enumerate(PreferredKind.values)}


def requirement_prefetch(prefix: str = "") -> list:
    """What requirement_snapshot reads, as prefetches from a Channel (prefix "") or from a
    Partner (prefix "channels__")."""
    req = f"{prefix}requirement__"
    return [
        f"{prefix}provinces",
        f"{req}categories",
        f"{req}subcategories",
        Prefetch(
            f"{req}certificate_rules",
            queryset=CertificateRule.objects.prefetch_related("certification_types", "categories"),
        ),
        Prefetch(
            f"{req}preferred",
            queryset=PreferredCriterion.objects.select_related(
                "certification_type"
            ).prefetch_related("provinces"),
        ),
    ]


def _codes(manager) -> list[str]:
    # .all() so that prefetched rows are used; sorted here, not in SQL, for the same reason.
    return sorted(obj.code for obj in manager.all())


def _price(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def requirement_snapshot(requirement: ChannelRequirement) -> dict[str, Any]:
    """The requirement as plain JSON data: codes instead of keys, sorted lists, decimals as
    strings, None where unset. RequirementVersion.snapshot stores exactly this, and the matching
    engine reads it; changing the shape means changing the engine."""
    channel = requirement.channel
    rules = [
        {
            "mode": rule.mode,
            "types": _codes(rule.certification_types),
            "categories": _codes(rule.categories),
        }
        for rule in requirement.certificate_rules.all()
    ]
    rules.sort(key=lambda r: (r["mode"], r["types"], r["categories"]))
    preferred = []
    for criterion in requirement.preferred.all():
        item: dict[str, Any] = {"kind": criterion.kind, "weight": criterion.weight}
        if criterion.kind == PreferredKind.CERTIFICATE:
            ctype = criterion.certification_type
            item["type"] = ctype.code if ctype else None
        elif criterion.kind == PreferredKind.STARS:
            item["target"] = criterion.target_star_level
        elif criterion.kind == PreferredKind.PROVINCE:
            item["provinces"] = _codes(criterion.provinces)
        elif criterion.kind == PreferredKind.CAPACITY:
            item["target"] = criterion.target_capacity
        preferred.append(item)
    preferred.sort(key=lambda p: (PREFERRED_ORDER[p["kind"]], sorted(map(str, p.items()))))
    return {
        "channel": channel.code,
        "partner": channel.partner.code,
        "version": requirement.version,
        "kind": channel.kind,
        "nationwide": channel.nationwide,
        "provinces": _codes(channel.provinces),
        "categories": _codes(requirement.categories),
        "subcategories": _codes(requirement.subcategories),
        "producer_types": sorted(requirement.producer_types or []),
        "min_stars": requirement.min_star_level,
        "gtin_required": requirement.gtin_required,
        "min_shelf_life_days": requirement.min_shelf_life_days,
        "min_monthly_capacity": requirement.min_monthly_capacity,
        "max_lead_time_days": requirement.max_lead_time_days,
        "price_min": _price(requirement.price_min),
        "price_max": _price(requirement.price_max),
        "certificate_rules": rules,
        "preferred": preferred,
    }


def requirement_for_snapshot(channel: Channel) -> ChannelRequirement:
    """The channel's requirement loaded fresh, with everything the snapshot reads."""
    return (
        ChannelRequirement.objects.select_related("channel__partner")
        .prefetch_related("channel__provinces", *_requirement_side_prefetch())
        .get(channel=channel)
    )


def _requirement_side_prefetch() -> list:
    return [
        "categories",
        "subcategories",
        Prefetch(
            "certificate_rules",
            queryset=CertificateRule.objects.prefetch_related("certification_types", "categories"),
        ),
        Prefetch(
            "preferred",
            queryset=PreferredCriterion.objects.select_related(
                "certification_type"
            ).prefetch_related("provinces"),
        ),
    ]


def channels_with_requirements(*, active_only: bool = True) -> QuerySet[Channel]:
    qs = Channel.objects.select_related("partner", "requirement").prefetch_related(
        *requirement_prefetch()
    )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("partner__name_en", "name_en")


def partner_directory() -> QuerySet[Partner]:
    """Every partner with its active channels and their requirements, in a fixed number of
    queries whatever their count."""
    channels = (
        Channel.objects.filter(is_active=True)
        .select_related("partner", "requirement")
        .prefetch_related(*requirement_prefetch())
        .order_by("name_en")
    )
    return Partner.objects.order_by("name_en").prefetch_related(
        Prefetch("channels", queryset=channels, to_attr="active_channels")
    )


def partner_with_channels(*, code: str, include_inactive: bool) -> Partner:
    """One partner and its channels (inactive ones too, for those who edit). Raises
    Partner.DoesNotExist."""
    channels = Channel.objects.select_related("partner", "requirement").prefetch_related(
        *requirement_prefetch()
    )
    if not include_inactive:
        channels = channels.filter(is_active=True)
    return Partner.objects.prefetch_related(
        Prefetch("channels", queryset=channels.order_by("name_en"), to_attr="shown_channels")
    ).get(code=code)


def channel_for_page(*, partner_code: str, channel_code: str) -> Channel:
    """Raises Channel.DoesNotExist when the channel is not that partner's."""
    return (
        Channel.objects.select_related("partner", "requirement")
        .prefetch_related(*requirement_prefetch())
        .get(code=channel_code, partner__code=partner_code)
    )


def requirement_versions(channel: Channel) -> list[RequirementVersion]:
    return list(
        RequirementVersion.objects.filter(channel=channel)
        .select_related("changed_by")
        .order_by("-number")
    )


def channels_matching(
    qs: QuerySet[Channel], *, category: str | None = None, province: str | None = None
) -> QuerySet[Channel]:
    """Channels that accept a category (or every category) / that serve a province (or the
    whole country)."""
    if category:
        qs = qs.filter(
            Q(requirement__categories__code=category) | Q(requirement__categories__isnull=True)
        )
    if province:
        qs = qs.filter(Q(nationwide=True) | Q(provinces__code=province))
    return qs.distinct()


# --- The partner portal: the shortlist and a referred product's page ---------------------------

# What the shortlist's state tabs group: "ended" is withdrawn or lapsed after it was sent.
SHORTLIST_STATES = ("sent", "accepted", "declined", "listed", "ended")
ENDED_STATES = ("withdrawn", "lapsed")
# Contact details are shown once the partner has taken the product on (PDPA: data minimisation).
CONTACT_STATES = ("accepted", "listed")


def partner_shortlist(user) -> QuerySet:
    """The referrals sent to the member's partner (and what became of them), with what the list
    shows joined in: `score` and `star_level` from the pair's stored match result, `sent_at` the
    last time it was sent, and the product's photos prefetched. A fixed number of queries
    whatever the page size. Unordered (the filter set orders)."""
    from django.db.models import F, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from matching.models import MatchResult, ReferralEvent
    from matching.selectors import referrals_visible_to
    from producers.models import ProductPhoto

    result = MatchResult.objects.filter(
        product_id=OuterRef("product_id"), channel_id=OuterRef("channel_id")
    )
    sent = ReferralEvent.objects.filter(referral_id=OuterRef("pk"), to_state="sent").order_by(
        "-created_at", "-pk"
    )
    return (
        referrals_visible_to(user)
        .select_related("product__subcategory")
        .annotate(
            score=Subquery(result.values("score")[:1]),
            star_level=Subquery(result.values("star_level")[:1]),
            sent_at=Coalesce(Subquery(sent.values("created_at")[:1]), F("created_at")),
        )
        .prefetch_related(
            Prefetch(
                "product__photos",
                queryset=ProductPhoto.objects.order_by("position", "pk"),
                to_attr="ordered_photos",
            )
        )
    )


def partner_state_counts(user) -> dict[str, int]:
    """How many of the partner's referrals are in each of SHORTLIST_STATES: kept per partner
    until one of its referrals changes (otop_portal/counts.py); one query when worked out."""
    from django.db.models import Count

    from matching.selectors import referrals_visible_to
    from otop_portal.counts import REFERRALS, cached_count

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


def partner_referral(user, pk: int):
    """One referral of the member's partner for its page, with the product's photos, category
    and producer. Raises Referral.DoesNotExist when it is not theirs (or does not exist)."""
    return partner_shortlist(user).select_related("product__producer__user").get(pk=pk)


def product_certificates(product) -> list:
    """The product's current verified certificates (its own and the producer's), soonest
    expiry last. One query."""
    import datetime as dt

    from django.utils import timezone

    from producers.models import Certification, CertificationStatus
    from producers.selectors import covering, current_on

    today: dt.date = timezone.localdate()
    return list(
        Certification.objects.filter(
            producer_id=product.producer_id, status=CertificationStatus.VERIFIED
        )
        .filter(covering(product), current_on(today))
        .select_related("type")
        .distinct()
        .order_by("type__sort_order", "type__code", "pk")
    )


def referral_explanation(referral) -> dict[str, Any] | None:
    """Why the product fits the referral's channel, now: the engine's checks in the reader's
    language, with the score. None when the product or the channel is no longer matched."""
    from django.db.models import F
    from django.utils import timezone

    from matching.engine import compile_channel, explain
    from matching.selectors import product_facts
    from matching.words import describe_check
    from partners.sentences import NameBook

    snapshot = (
        RequirementVersion.objects.filter(
            channel_id=referral.channel_id, number=F("channel__requirement__version")
        )
        .values_list("snapshot", flat=True)
        .first()
    )
    today = timezone.localdate()
    facts = product_facts([referral.product_id], today)
    if snapshot is None or not facts:
        return None
    result, checks, _steps = explain(compile_channel(snapshot), facts[0], today)
    names = NameBook()
    return {
        "result": result,
        "checks": [(check.outcome, describe_check(check, names)) for check in checks],
    }


def producer_contact_for(viewer, referral, *, via: str = "page") -> dict[str, Any] | None:
    """The producer's personal contact details for a partner member, only once their partner
    has accepted the referral (None before). Every time they are shown the view is recorded
    (partners.models.ContactView), as the national ID's views are."""
    from partners.models import ContactView

    if referral.state not in CONTACT_STATES:
        return None
    producer = referral.product.producer
    ContactView.objects.create(referral=referral, viewer=viewer, via=via)
    return {
        "person": producer.user.full_name,
        "phone": producer.phone,
        "line_id": producer.line_id,
        "email": producer.user.email,
        "producer": producer,
    }
