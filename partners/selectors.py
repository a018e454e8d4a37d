"""Reads for partners, channels and requirements, with the queries each page needs."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from otop_portal.choices import kept_reference
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


def kept_partner(pk: int | None) -> Partner | None:
    """The partner with this id, from the partners kept by the process while the reference
    data is unchanged (otop_portal.choices.kept_reference: a partner's save makes a new
    version). Every partner member's request read its partner's row, 17 columns, to learn
    whether it had left the MOU (issue 13). Shared: read it, do not change it (a page that
    changes a partner reads its own row)."""
    return kept_reference("partners", lambda: {p.pk: p for p in Partner.objects.all()}).get(pk)


def kept_channels() -> dict[int, Channel]:
    """Every channel by id, with its partner, kept by the process while the reference data
    is unchanged (a channel's or a partner's save makes a new version): a product's page
    named its ranked channels from a statement of its own on every visit (issue 13).
    Shared: read them, do not change them."""
    return kept_reference(
        "channels", lambda: {c.pk: c for c in Channel.objects.select_related("partner")}
    )


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
