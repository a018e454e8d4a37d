"""Filters over the officers' lists: stored match results (shared by the candidate page and the
API), referrals, and the producer and certificate queues.

Codes, not ids, in the query string (partner=central&channel=central-shelf&category=food), as
everywhere in the API. On the page the same fields render as a plain GET form with a select for
each code, so filtering works without JavaScript. `q` searches names the way Thai needs
(otop_portal.search.thai_search). The spreadsheet exports re-apply the same filter sets to the
same query string (matching/officer/exports.py).
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema_field

from matching.models import MatchResult, Referral, ReferralState
from otop_portal.choices import FilterModelChoiceField, ModelChoiceFilter
from otop_portal.filters import FilterSet, IntegerFilter, StrictBooleanFilter
from otop_portal.models import Province, Role
from otop_portal.search import thai_search
from otop_portal.thai_input import ThaiDateFilter
from partners.models import Channel, Partner, PartnerStatus
from producers.models import Category, Certification, CertificationType, Producer, ProducerType

# (score direction, then product and result id: a total order the API's keyset cursor follows)
ORDERINGS = {
    "-score": ("-score", "product_id", "id"),
    "score": ("score", "product_id", "id"),
}
DEFAULT_ORDERING = "-score"


class ChannelChoiceField(FilterModelChoiceField):
    def label_from_instance(self, obj: Channel) -> str:
        # Two partners may both call a channel "Online shop": say whose it is.
        return f"{obj.partner.name} – {obj.name}"


class ChannelChoiceFilter(ModelChoiceFilter):
    field_class = ChannelChoiceField


def _provinces(request) -> QuerySet[Province]:
    """An officer of some provinces picks among theirs; everyone else among all 77."""
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and user.role == Role.OFFICER
        and not user.is_national_officer
    ):
        return user.provinces.order_by("name_th")
    return Province.objects.order_by("name_th")


# The same filters on the candidates and the referral list (and in the API): one definition.
def _partner_filter(partners: QuerySet[Partner]) -> ModelChoiceFilter:
    return ModelChoiceFilter(
        field_name="channel__partner",
        to_field_name="code",
        queryset=partners.order_by("name_en"),
        label=_("Partner"),
        empty_label=_("Any partner"),
        help_text=_("Partner code."),
    )


def _channel_filter(channels: QuerySet[Channel]) -> ChannelChoiceFilter:
    return ChannelChoiceFilter(
        field_name="channel",
        to_field_name="code",
        queryset=channels.select_related("partner").order_by("partner__name_en", "name_en"),
        label=_("Channel"),
        empty_label=_("Any channel"),
        help_text=_("Channel code."),
    )


def _category_filter() -> ModelChoiceFilter:
    return ModelChoiceFilter(
        field_name="product__category",
        to_field_name="code",
        queryset=Category.objects.all(),
        label=_("OTOP category"),
        empty_label=_("Any category"),
        help_text=_("OTOP category code."),
    )


def _province_filter(
    producer_path: str = "product__producer__",
) -> ModelChoiceFilter:
    return ModelChoiceFilter(
        field_name=f"{producer_path}province",
        to_field_name="code",
        queryset=_provinces,
        label=_("Province"),
        empty_label=_("Any province"),
        help_text=_("Province code (DOPA, two digits) of the producer."),
    )


class SearchFilter(django_filters.CharFilter):
    """`q`: every word typed must be in one of `search_fields` (a part of a name is enough)."""

    def __init__(self, *, search_fields: tuple[str, ...], **kwargs):
        self.search_fields = search_fields
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault(
            "help_text", _("Part of a name is enough; several words may come in any order.")
        )
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return thai_search(qs, value, self.search_fields)


PRODUCT_AND_PRODUCER_NAMES = (
    "product__name_th",
    "product__name_en",
    "product__producer__name_th",
    "product__producer__name_en",
)


def _stars_or_more(n: int) -> str:
    return ngettext("%(stars)s star or more", "%(stars)s stars or more", n) % {"stars": n}


# Lazy: the labels are made in the reader's language when the form renders.
STAR_CHOICES = [(n, lazy(_stars_or_more, str)(n)) for n in range(1, 6)]


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class ScoreFilter(IntegerFilter):
    """A number box on the page; an integer 0-100 in the schema."""


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 5})
class StarsFilter(django_filters.ChoiceFilter):
    """A select on the page; a plain 1-5 in the schema (not the model field's int64)."""


def min_stars_filter() -> StarsFilter:
    """At least n stars, read from the stored result's `star_level` (officers' candidates and
    partners' shortlist alike)."""
    return StarsFilter(
        field_name="star_level",
        lookup_expr="gte",
        choices=STAR_CHOICES,
        label=_("OTOP stars"),
        empty_label=_("Any, or none"),
        help_text=_("At least this many OTOP stars (a current, verified rating)."),
    )


def min_score_filter() -> ScoreFilter:
    return ScoreFilter(
        field_name="score",
        lookup_expr="gte",
        min_value=0,
        max_value=100,
        label=_("Lowest score"),
        help_text=_("A score of at least this (0–100)."),
    )


class OrderedFilterSet(FilterSet):
    """A FilterSet whose `ordering` field picks one of `orderings` (name -> order_by args), and
    which orders by `default_ordering` when none is asked for (or the one asked for was not
    understood): a list always has a total, stable order."""

    orderings: dict[str, tuple] = {}
    default_ordering = ""

    def _ordered_in_filter_queryset(self, queryset, name, value):
        return queryset  # applied in filter_queryset, also when no ordering is asked for

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        chosen = self.form.cleaned_data.get("ordering") or self.default_ordering
        return queryset.order_by(*self.orderings[chosen])


class MatchResultFilter(OrderedFilterSet):
    """What an officer narrows the candidates by; sorted by score, highest first unless asked."""

    q = SearchFilter(search_fields=PRODUCT_AND_PRODUCER_NAMES)
    partner = _partner_filter(Partner.objects.exclude(status=PartnerStatus.LEFT))
    channel = _channel_filter(Channel.objects.filter(is_active=True))
    category = _category_filter()
    province = _province_filter()
    min_stars = min_stars_filter()
    min_score = min_score_filter()
    ordering = django_filters.ChoiceFilter(
        choices=[("-score", _("Highest score first")), ("score", _("Lowest score first"))],
        method="_ordered_in_filter_queryset",
        empty_label=None,
        label=_("Sort by"),
        help_text=_("Default: highest score first."),
    )

    orderings, default_ordering = ORDERINGS, DEFAULT_ORDERING

    class Meta:
        model = MatchResult
        fields: list[str] = []


class MatchResultApiFilter(MatchResultFilter):
    """The same, and `eligible`: the API lists near misses too; the officers' page lists only
    eligible pairs (the candidates), so the page has no such field."""

    eligible = StrictBooleanFilter(
        label=_("Eligible"), help_text=_("true: eligible pairs only; false: the others.")
    )


REFERRAL_ORDERINGS = {
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "-created": ("-created_at", "-id"),
}


class ReferralFilter(OrderedFilterSet):
    """What officers (and the API) narrow the referral list by; the latest change first."""

    q = SearchFilter(search_fields=PRODUCT_AND_PRODUCER_NAMES)
    state = django_filters.MultipleChoiceFilter(
        choices=ReferralState.choices,
        # A column of the referral itself, so no row can come twice: without this the filter
        # adds a DISTINCT, which sorted every matching row (docs/performance.md, issue 6).
        distinct=False,
        label=_("State"),
        help_text=_("One or more states."),
    )
    # Every partner and channel, those that left included: their referrals are history.
    partner = _partner_filter(Partner.objects.all())
    channel = _channel_filter(Channel.objects.all())
    category = _category_filter()
    province = _province_filter("")  # the referral's copy of its producer's province
    ordering = django_filters.ChoiceFilter(
        choices=[
            ("-updated", _("Latest change first")),
            ("updated", _("Longest unchanged first")),
            ("-created", _("Newest first")),
        ],
        method="_ordered_in_filter_queryset",
        empty_label=None,
        label=_("Sort by"),
        help_text=_("Default: latest change first."),
    )

    orderings, default_ordering = REFERRAL_ORDERINGS, "-updated"

    class Meta:
        model = Referral
        fields: list[str] = []


# --- The officer's queues -----------------------------------------------------------------------


class ProducerQueueFilter(FilterSet):
    """What an officer narrows the producers waiting for verification by."""

    q = SearchFilter(
        search_fields=("name_th", "name_en", "user__full_name"),
        help_text=_("A part of the producer's or the contact person's name."),
    )
    province = _province_filter("")
    producer_type = django_filters.ChoiceFilter(
        choices=ProducerType.choices,
        label=_("Producer type"),
        empty_label=_("Any type"),
    )
    submitted_from = ThaiDateFilter(
        field_name="submitted_at",
        lookup_expr="date__gte",
        label=_("Submitted on or after"),
    )
    submitted_to = ThaiDateFilter(
        field_name="submitted_at",
        lookup_expr="date__lte",
        label=_("Submitted on or before"),
    )

    class Meta:
        model = Producer
        fields: list[str] = []


class CertificationQueueFilter(FilterSet):
    """What an officer narrows a certificate queue (waiting, or expiring soon) by."""

    q = SearchFilter(
        search_fields=("number", "issuer", "producer__name_th", "producer__name_en"),
        help_text=_("A part of the certificate number, the issuer or the producer's name."),
    )
    type = ModelChoiceFilter(
        field_name="type",
        to_field_name="code",
        queryset=CertificationType.objects.all(),
        label=_("Certificate type"),
        empty_label=_("Any type"),
    )
    province = _province_filter("producer__")

    class Meta:
        model = Certification
        fields: list[str] = []
