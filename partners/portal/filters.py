"""What a partner member narrows their shortlist by, on the page and in the API (one definition).

Codes, not ids, in the query string (channel=central-shelf&category=food&certificate=fda), as
everywhere in the API. Runs over partners.selectors.partner_shortlist, which adds `score`,
`star_level` and `sent_at` to each referral.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from matching.filters import (
    PRODUCT_AND_PRODUCER_NAMES,
    OrderedFilterSet,
    SearchFilter,
    _category_filter,
    _province_filter,
    min_score_filter,
    min_stars_filter,
)
from matching.models import WAITING_FIRST, Referral
from otop_portal.choices import ModelChoiceFilter
from partners.models import Channel
from producers.models import (
    Certification,
    CertificationStatus,
    CertificationType,
    SubCategory,
)
from producers.selectors import covering, current_on

# What the "ended" choice stands for: withdrawn or lapsed after it was sent.
ENDED_STATES = ("withdrawn", "lapsed")
STATE_CHOICES = [
    ("sent", _("Waiting for your decision")),
    ("accepted", _("Accepted")),
    ("declined", _("Declined")),
    ("listed", _("Listed")),
    ("ended", _("Withdrawn or lapsed")),
]

# Each ordering ends with the id: a total order, so pages never repeat or skip a row.
ORDERINGS = {
    "waiting": (WAITING_FIRST, F("sent_at").desc(), "-id"),
    "-sent": (F("sent_at").desc(), "-id"),
    "sent": (F("sent_at").asc(), "id"),
    "-score": (F("score").desc(nulls_last=True), F("sent_at").desc(), "-id"),
    "score": (F("score").asc(nulls_last=True), F("sent_at").desc(), "-id"),
    "price": (F("product__price").asc(nulls_last=True), "id"),
    "-price": (F("product__price").desc(nulls_last=True), "-id"),
}
DEFAULT_ORDERING = "waiting"


def _partner_channels(request):
    """Only the member's own partner's channels (those closed since included: their referrals
    are history)."""
    user = getattr(request, "user", None)
    partner_id = getattr(user, "partner_id", None) if user and user.is_authenticated else None
    return (
        Channel.objects.filter(partner_id=partner_id).order_by("name_en")
        if partner_id
        else Channel.objects.none()
    )


@extend_schema_field({"type": "string", "description": "Certificate type code."})
class CertificateFilter(ModelChoiceFilter):
    """Products with a current, verified certificate of this type (their own or their
    producer's)."""

    def filter(self, qs, value):
        if not value:
            return qs
        today = timezone.localdate()
        held = Certification.objects.filter(
            producer_id=OuterRef("product__producer_id"),
            type=value,
            status=CertificationStatus.VERIFIED,
        ).filter(covering(OuterRef("product_id")), current_on(today))
        return qs.filter(Exists(held))


@extend_schema_field({"type": "number", "minimum": 0})
class PriceFilter(django_filters.NumberFilter):
    """Baht: a number box on the page, a number in the schema."""


class PartnerReferralFilter(OrderedFilterSet):
    """What a partner member narrows their shortlist by; waiting ones first unless asked."""

    q = SearchFilter(
        search_fields=PRODUCT_AND_PRODUCER_NAMES,
        help_text=_("A part of the product's or the producer's name, in Thai or English."),
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES,
        method="_by_state",
        label=_("Where it stands"),
        empty_label=_("All"),
        help_text=_("sent (waiting for your decision), accepted, declined, listed, ended."),
    )
    channel = ModelChoiceFilter(
        field_name="channel",
        to_field_name="code",
        queryset=_partner_channels,
        label=_("Channel"),
        empty_label=_("Any of your channels"),
        help_text=_("Channel code (one of your partner's)."),
    )
    category = _category_filter()
    subcategory = ModelChoiceFilter(
        field_name="product__subcategory",
        to_field_name="code",
        queryset=SubCategory.objects.select_related("category").order_by(
            "category__sort_order", "sort_order", "code"
        ),
        label=_("Sub-type"),
        empty_label=_("Any sub-type"),
        help_text=_("Sub-type code."),
    )
    province = _province_filter()
    min_stars = min_stars_filter()
    certificate = CertificateFilter(
        to_field_name="code",
        queryset=CertificationType.objects.order_by("sort_order", "code"),
        label=_("Holds the certificate"),
        empty_label=_("Any certificates"),
        help_text=_("Certificate type code: a current, verified certificate of that type."),
    )
    price_min = PriceFilter(
        field_name="product__price",
        lookup_expr="gte",
        min_value=0,
        label=_("Price from (baht)"),
        help_text=_("Retail price at least this."),
    )
    price_max = PriceFilter(
        field_name="product__price",
        lookup_expr="lte",
        min_value=0,
        label=_("Price up to (baht)"),
        help_text=_("Retail price at most this."),
    )
    min_score = min_score_filter()
    ordering = django_filters.ChoiceFilter(
        choices=[
            ("waiting", _("Waiting for a decision first, newest first")),
            ("-sent", _("Newest first")),
            ("sent", _("Oldest first")),
            ("-score", _("Highest score first")),
            ("score", _("Lowest score first")),
            ("price", _("Lowest price first")),
            ("-price", _("Highest price first")),
        ],
        method="_ordered_in_filter_queryset",
        empty_label=None,
        label=_("Sort by"),
        help_text=_("Default: waiting for a decision first, the most recently sent first."),
    )

    orderings, default_ordering = ORDERINGS, DEFAULT_ORDERING

    class Meta:
        model = Referral
        fields: list[str] = []

    def _by_state(self, queryset, name, value):
        if value == "ended":
            return queryset.filter(state__in=ENDED_STATES)
        return queryset.filter(state=value) if value else queryset
