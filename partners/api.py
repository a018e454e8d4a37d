"""API for partners, channels and channel requirements: anyone reads, editors write.

Writes go through partners.services, so the API and the forms check the same things and report
them in the same words. Requirements are read in the snapshot's shape (codes, not keys) and
written in the same shape.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, parsers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from otop_portal.filters import FilterSet, StrictBooleanFilter
from otop_portal.limits import NOTE_MAX
from otop_portal.models import Province, Role
from partners.models import (
    Channel,
    ChannelKind,
    ChannelRequirement,
    Partner,
    PartnerStatus,
    PreferredKind,
    RequirementVersion,
    RuleMode,
)
from partners.permissions import can_edit_partner, can_set_partner_status
from partners.selectors import (
    _requirement_side_prefetch,
    channels_matching,
    requirement_snapshot,
)
from partners.sentences import NameBook, describe_requirement
from partners.services import (
    CHANNEL_FIELDS,
    PARTNER_FIELDS,
    channel_create,
    partner_set_status,
    partner_update,
    requirement_save,
)
from producers.models import Category, CertificationType, ProducerType, SubCategory

# Service field names as the API spells them (the snapshot's words).
API_NAMES = {
    "min_star_level": "min_stars",
    "certification_types": "types",
    "certification_type": "type",
    "target_star_level": "target",
    "target_capacity": "target",
}


def _api_error(exc: DjangoValidationError) -> ApiValidationError:
    """ "certificate_rules.0.certification_types" -> {"certificate_rules": {"0": {"types": ...}}}"""
    detail: dict[str, Any] = {}
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        node = detail
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        last = parts[-1]
        last = "non_field_errors" if last == NON_FIELD_ERRORS else API_NAMES.get(last, last)
        node.setdefault(last, []).extend(messages)
    return ApiValidationError(detail)


class CanEditOrReadOnly(BasePermission):
    """Anyone reads; writing needs an account, and partners.permissions.can_edit_partner."""

    anonymous_methods = SAFE_METHODS  # the schema marks reads as needing no credentials

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can_edit_partner(request.user, view.partner_of(obj))


def _pattern_choice_field(choices_class, **kwargs) -> serializers.ChoiceField:
    """A choice field described by a pattern instead of an enum in the schema. drf-spectacular
    names enums by field name: a preferred criterion's "kind" would collide with the channel's
    "kind", and "producer_types" would name the producers app's ProducerType enum a second
    time (ENUM_NAME_OVERRIDES in settings would be the other fix)."""
    values = "|".join(choices_class.values)

    @extend_schema_field({"type": "string", "pattern": f"^({values})$"})
    class Field(serializers.ChoiceField):
        pass

    return Field(choices=choices_class.choices, **kwargs)


def _code_field(model, **kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=model.objects.all(), **kwargs)


# --- Partners ----------------------------------------------------------------------------------


class PartnerSerializer(serializers.ModelSerializer):
    channels = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=PartnerStatus.choices,
        required=False,
        help_text="Officers and administrators only. Leaving the MOU closes the channels.",
    )

    class Meta:
        model = Partner
        fields = ["code", *PARTNER_FIELDS, "status", "channels"]
        read_only_fields = ["code"]

    def get_channels(self, obj: Partner) -> list[str]:
        return sorted(channel.code for channel in obj.channels.all())


_LEAVE_BY_ACTION = gettext_lazy(
    "Leaving the MOU is final and is confirmed on its own: POST to this partner's leave/ "
    'action with {"confirm": true}.'
)


class LeaveSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: the partner left the MOU and everything listed stops."
    )

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Confirm with true that the partner left the MOU."))
        return value


class PartnerFilter(FilterSet):
    class Meta:
        model = Partner
        fields = ["status"]


@extend_schema(tags=["partners"])
class PartnerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The MOU partners. Officers and administrators edit any; a partner's administrators their
    own (not its status)."""

    queryset = Partner.objects.prefetch_related("channels").order_by("name_en")
    serializer_class = PartnerSerializer
    permission_classes = [CanEditOrReadOnly]
    filterset_class = PartnerFilter
    lookup_field = "code"

    def partner_of(self, obj: Partner) -> Partner:
        return obj

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        status = data.pop("status", None)
        partner = serializer.instance
        if (
            status is not None
            and status != partner.status
            and not can_set_partner_status(self.request.user)
        ):
            raise PermissionDenied("Only officers and administrators change a partner's status.")
        if status == PartnerStatus.LEFT and partner.status != PartnerStatus.LEFT:
            raise ApiValidationError({"status": [_LEAVE_BY_ACTION]})
        try:
            with transaction.atomic():
                partner = partner_update(partner=partner, data=data, by=self.request.user)
                if status is not None:
                    partner = partner_set_status(
                        partner=partner, status=status, by=self.request.user
                    )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        serializer.instance = Partner.objects.prefetch_related("channels").get(pk=partner.pk)

    @extend_schema(
        summary="Record that the partner left the MOU",
        description="Officers and administrators. Final: the partner's API keys, feed and "
        "members' access (logins, sessions, personal tokens, saved lists) stop, its channels "
        "close and its open referrals are withdrawn; its history is kept. The body must say "
        '`{"confirm": true}`. The confirmation page at /officer/partners/{code}/leave/ shows '
        "the counts first.",
        request=LeaveSerializer,
        responses={200: PartnerSerializer},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, code=None):
        partner = self.get_object()
        if not can_set_partner_status(request.user):
            raise PermissionDenied(
                _("Only officers and administrators record that a partner left.")
            )
        body = LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            partner = partner_set_status(
                partner=partner, status=PartnerStatus.LEFT, by=request.user
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        partner = Partner.objects.prefetch_related("channels").get(pk=partner.pk)
        return Response(PartnerSerializer(partner).data)


# --- Channels ----------------------------------------------------------------------------------


class ChannelSerializer(serializers.ModelSerializer):
    partner = _code_field(Partner)
    provinces = _code_field(Province, many=True, required=False)
    requirement_version = serializers.IntegerField(source="requirement.version", read_only=True)

    class Meta:
        model = Channel
        fields = ["code", "partner", *CHANNEL_FIELDS, "requirement_version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list):
            # A channel stays with its partner and keeps its code (they are in every snapshot).
            self.fields["partner"].read_only = True
            self.fields["code"].read_only = True

    def validate_code(self, value: str) -> str:
        return value  # uniqueness is checked by the service with the forms' message


class ChannelFilter(FilterSet):
    partner = django_filters.CharFilter(field_name="partner__code", label="partner code")
    kind = django_filters.ChoiceFilter(choices=ChannelKind.choices)
    category = django_filters.CharFilter(
        method="accepts_category", label="accepts this category code (or every category)"
    )
    province = django_filters.CharFilter(
        method="serves_province", label="serves this province code (or the whole country)"
    )
    nationwide = StrictBooleanFilter()
    is_active = StrictBooleanFilter()

    class Meta:
        model = Channel
        fields = ["partner", "kind", "nationwide", "is_active"]

    def accepts_category(self, queryset, name, value):
        return channels_matching(queryset, category=value)

    def serves_province(self, queryset, name, value):
        return channels_matching(queryset, province=value)


def _requirement_save_or_400(**kwargs):
    try:
        return requirement_save(**kwargs)
    except DjangoValidationError as exc:
        raise _api_error(exc) from exc


@extend_schema(tags=["partners"])
class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partner channels. A change to the kind or the area is a new requirement version."""

    queryset = (
        Channel.objects.select_related("partner", "requirement")
        .prefetch_related("provinces")
        .order_by("partner__name_en", "name_en")
    )
    serializer_class = ChannelSerializer
    permission_classes = [CanEditOrReadOnly]
    filterset_class = ChannelFilter
    lookup_field = "code"

    def partner_of(self, obj: Channel) -> Partner:
        return obj.partner

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        partner = data.pop("partner")
        if not can_edit_partner(self.request.user, partner):
            raise PermissionDenied
        code = data.pop("code")
        try:
            channel = channel_create(
                partner=partner, code=code, channel_data=data, by=self.request.user
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        serializer.instance = self.get_queryset().get(pk=channel.pk)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        _requirement_save_or_400(
            channel=serializer.instance, by=self.request.user, channel_data=data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


# --- Requirements ------------------------------------------------------------------------------


class CertificateRuleSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=RuleMode.choices)
    types = _code_field(CertificationType, many=True)
    categories = _code_field(
        Category, many=True, required=False, help_text="Empty: the rule applies to every product."
    )


class PreferredSerializer(serializers.Serializer):
    kind = _pattern_choice_field(PreferredKind)
    weight = serializers.IntegerField(min_value=1, max_value=100)
    type = _code_field(
        CertificationType, required=False, allow_null=True, help_text="kind=certificate"
    )
    target = serializers.IntegerField(
        required=False, allow_null=True, help_text="kind=stars: star level; kind=capacity: units"
    )
    provinces = _code_field(Province, many=True, required=False, help_text="kind=province")


class RequirementSerializer(serializers.Serializer):
    """The requirement snapshot (what RequirementVersion keeps), its notes and its sentences."""

    channel = serializers.CharField(read_only=True)
    partner = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ChannelKind.choices, read_only=True)
    nationwide = serializers.BooleanField(read_only=True)
    provinces = serializers.ListField(child=serializers.CharField(), read_only=True)
    categories = _code_field(Category, many=True, required=False)
    subcategories = _code_field(SubCategory, many=True, required=False)
    producer_types = serializers.ListField(
        child=_pattern_choice_field(ProducerType), required=False
    )
    min_stars = serializers.IntegerField(
        source="min_star_level", min_value=1, max_value=5, required=False, allow_null=True
    )
    gtin_required = serializers.BooleanField(required=False)
    min_shelf_life_days = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    min_monthly_capacity = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    max_lead_time_days = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    price_min = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )
    price_max = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )
    certificate_rules = CertificateRuleSerializer(many=True, required=False)
    preferred = PreferredSerializer(many=True, required=False)
    notes_th = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    notes_en = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    sentences = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="In the request's language."
    )
    note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="What changed and why, for the version history.",
    )

    def to_representation(self, instance: ChannelRequirement) -> dict:
        snapshot = requirement_snapshot(instance)
        names = self.context.setdefault("names", NameBook())
        return {
            **snapshot,
            "notes_th": instance.notes_th,
            "notes_en": instance.notes_en,
            "sentences": describe_requirement(snapshot, names),
        }


class RequirementVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = RequirementVersion
        fields = ["number", "changed_at", "changed_by", "note", "snapshot", "notes_th", "notes_en"]

    def get_changed_by(self, obj: RequirementVersion) -> str | None:
        return str(obj.changed_by) if obj.changed_by else None


class RequirementFilter(ChannelFilter):
    partner = django_filters.CharFilter(field_name="channel__partner__code", label="partner code")
    kind = django_filters.ChoiceFilter(field_name="channel__kind", choices=ChannelKind.choices)
    nationwide = StrictBooleanFilter(field_name="channel__nationwide")
    is_active = StrictBooleanFilter(field_name="channel__is_active")

    class Meta:
        model = ChannelRequirement
        fields: list[str] = []

    def accepts_category(self, queryset, name, value):
        channels = channels_matching(Channel.objects.all(), category=value)
        return queryset.filter(channel__in=channels)

    def serves_province(self, queryset, name, value):
        channels = channels_matching(Channel.objects.all(), province=value)
        return queryset.filter(channel__in=channels)


def _rule_input(item: dict) -> dict:
    categories = list(item.get("categories") or [])
    return {
        "mode": item["mode"],
        "certification_types": list(item["types"]),
        "categories": categories,
        "conditional": bool(categories),
    }


def _preferred_input(item: dict) -> dict:
    kind = item["kind"]
    return {
        "kind": kind,
        "weight": item["weight"],
        "certification_type": item.get("type"),
        "target_star_level": item.get("target") if kind == PreferredKind.STARS else None,
        "target_capacity": item.get("target") if kind == PreferredKind.CAPACITY else None,
        "provinces": list(item.get("provinces") or []),
    }


@extend_schema(tags=["partners"])
@extend_schema_view(
    update=extend_schema(
        description="Replace what is given (lists of rules and preferred criteria whole); "
        "what is left out stays. Writes a new version."
    ),
    partial_update=extend_schema(description="Same as PUT: a new version of what is given."),
)
class RequirementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """What each channel requires, in the snapshot's shape, with plain sentences. Addressed by
    channel code."""

    queryset = (
        ChannelRequirement.objects.select_related("channel__partner")
        .prefetch_related("channel__provinces", *_requirement_side_prefetch())
        .order_by("channel__partner__name_en", "channel__name_en")
    )
    serializer_class = RequirementSerializer
    permission_classes = [CanEditOrReadOnly]
    filterset_class = RequirementFilter
    # JSON only: the rules and preferred criteria are lists of objects, which form data cannot
    # carry (DRF would read them as absent and keep the old ones).
    parser_classes = [parsers.JSONParser]
    lookup_field = "channel__code"
    lookup_url_kwarg = "channel"

    def partner_of(self, obj: ChannelRequirement) -> Partner:
        return obj.channel.partner

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        note = data.pop("note", "")
        rules = data.pop("certificate_rules", None)
        preferred = data.pop("preferred", None)
        channel = serializer.instance.channel
        _requirement_save_or_400(
            channel=channel,
            by=self.request.user,
            note=note,
            requirement_data=data,
            certificate_rules=None if rules is None else [_rule_input(r) for r in rules],
            preferred=None if preferred is None else [_preferred_input(p) for p in preferred],
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(responses=RequirementVersionSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def versions(self, request, channel=None):
        """Every version, newest first, with who changed it. For the partner's own members,
        officers and administrators."""
        requirement = self.get_object()
        partner = requirement.channel.partner
        user = request.user
        if not (
            can_edit_partner(user, partner)
            or (user.role == Role.PARTNER and user.partner_id == partner.pk)
        ):
            raise PermissionDenied
        versions = (
            RequirementVersion.objects.filter(channel=requirement.channel)
            .select_related("changed_by")
            .order_by("-number")
        )
        page = self.paginate_queryset(versions)
        serializer = RequirementVersionSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)
