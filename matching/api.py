"""Match results and referrals over the API.

Match results are read-only, with the same filters as the officers' candidate page. Who sees
what is matching.selectors.results_visible_to: a producer their own products' results, an
officer those of their provinces, an administrator all, a partner member none until referrals
exist (an empty list, not a refusal).

Referrals: who reads which is matching.selectors.referrals_visible_to; every move goes through
matching.services (referral_propose, referral_transition and the bulk ones), so the API and the
pages check the same rules and refuse in the same words.
"""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from matching import services
from matching.engine import Criterion
from matching.filters import DEFAULT_ORDERING, ORDERINGS, MatchResultApiFilter, ReferralFilter
from matching.models import (
    DeclineReason,
    MatchResult,
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralState,
)
from matching.selectors import officer_producers, referrals_visible_to, results_visible_to
from otop_portal.models import Role
from otop_portal.thai_input import ThaiDateSerializerField
from partners.models import Channel
from producers.models import Product

GATE_NAMES = {c.value: c.name.lower() for c in Criterion if c < Criterion.CERTIFICATE_RULE}


def failed_criteria_names(mask: int) -> list[str]:
    """The failed-criteria bitmask as names: the engine's gates ("stars", "price" ...) and
    "certificate_rule_<i>" for the channel's certificate rule i (counted from 0)."""
    names = []
    for bit in range(mask.bit_length()):
        if mask >> bit & 1:
            if bit >= Criterion.CERTIFICATE_RULE:
                names.append(f"certificate_rule_{bit - Criterion.CERTIFICATE_RULE}")
            else:
                names.append(GATE_NAMES.get(bit, f"criterion_{bit}"))
    return names


class KeysetPagination(BasePagination):
    """Keyset ("seek") pagination in the order the filter set gave: the next page starts after
    the last row's (score, product id, id), so page 10,000 costs what page 1 costs, with no
    COUNT over millions of results.

    Why not DRF's CursorPagination: it keeps its position on the first ordering field only and
    walks past equal values with an OFFSET; score has at most 101 values over ten million rows,
    so that OFFSET would run to the tens of thousands. And it re-orders the queryset by its own
    fixed `ordering`, which would silently undo the `ordering` filter. This class follows the
    queryset's order (matching.filters.ORDERINGS: score either way, then product id, then id,
    a total order) and compares all three keys. Forward only: `next`, no count.
    """

    page_size = 50
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        ordering = tuple(queryset.query.order_by) or ORDERINGS[DEFAULT_ORDERING]
        if ordering not in ORDERINGS.values():
            raise ValueError(
                f"KeysetPagination needs one of matching.filters.ORDERINGS, not {ordering}"
            )
        self.ordering = ordering
        after = self._decode_cursor(request)
        if after is not None:
            queryset = queryset.filter(_after(ordering, after))
        rows = list(queryset.order_by(*ordering)[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        return self.page

    def _decode_cursor(self, request) -> tuple[int, ...] | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            raw = base64.urlsafe_b64decode(encoded.encode("ascii")).decode("ascii")
            values = tuple(int(part) for part in raw.split("."))
        except (ValueError, UnicodeError, binascii.Error):
            raise NotFound("Invalid cursor.") from None
        if len(values) != len(self.ordering):
            raise NotFound("Invalid cursor.")
        return values

    def _encode_cursor(self, row) -> str:
        raw = ".".join(str(getattr(row, field.lstrip("-"))) for field in self.ordering)
        return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii")

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode_cursor(self.page[-1]))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from `next`, do not build it.",
                "schema": {"type": "string"},
            }
        ]


def _after(ordering: tuple[str, ...], values: tuple[int, ...]) -> Q:
    """Rows that come after `values` in `ordering` (fields may be descending, "-score"):
    a > x, or a = x and (b > y, or b = y and ...)."""
    condition = None
    for field, value in reversed(list(zip(ordering, values, strict=True))):
        name = field.lstrip("-")
        beyond = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{name: value}) & condition)
    return condition


class MatchResultSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(
        source="product.name_th", read_only=True, help_text="The product's name in Thai."
    )
    channel = serializers.CharField(source="channel.code", read_only=True)
    partner = serializers.CharField(source="channel.partner.code", read_only=True)
    failed_criteria = serializers.SerializerMethodField(
        help_text="Requirements the product does not meet: category, subcategory, "
        "producer_type, region, stars, gtin, shelf_life, capacity, lead_time, price, and "
        "certificate_rule_<i> for the channel's certificate rule i (from 0). Empty when "
        "eligible."
    )

    class Meta:
        model = MatchResult
        fields = [
            "id",
            "product",
            "product_name",
            "channel",
            "partner",
            "eligible",
            "score",
            "star_level",
            "failed_criteria",
            "requirement_version",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_failed_criteria(self, obj: MatchResult) -> list[str]:
        return failed_criteria_names(obj.failed)


@extend_schema(tags=["matching"])
class MatchResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored match results (product × channel), highest score first. Producers see their own
    products' results, officers those of their provinces, administrators all; partner members
    none yet."""

    serializer_class = MatchResultSerializer
    filterset_class = MatchResultApiFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MatchResult.objects.none()
        return results_visible_to(self.request.user)


# --- Referrals --------------------------------------------------------------------------------

S = ReferralState

# Each action and the state it moves a referral to; matching.services.TRANSITIONS says from
# which state and in which capacity (officer, producer, partner).
ACTIONS: dict[str, str] = {
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "send": S.SENT,
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "list": S.LISTED,
    "withdraw": S.WITHDRAWN,
}
BULK_ACTIONS = ("approve", "reject", "send", "withdraw")  # the officer's review moves
BULK_LIMIT = 500  # ids (or pairs) per bulk call

# The services' own words, so the API and the pages say the same (and share a translation).
REJECT_NEEDS_NOTE = gettext_lazy("Say why it is rejected: the producer reads it.")
DECLINE_NEEDS_REASON = gettext_lazy(
    "Say why the product is declined: the officer and the producer read it."
)
LISTING_NEEDS_LINK = gettext_lazy("Give the listing link and the date it went on sale.")
UNKNOWN_DECLINE_CODE = gettext_lazy("Choose one of the reasons in the list.")
MESSAGE_NEEDS_TEXT = gettext_lazy("Write your question or answer first.")
MESSAGE_TOO_LONG = gettext_lazy("Keep the message under 2,000 characters.")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Someone changed this referral first: read it again.")
    default_code = "conflict"


def _api_refusal(error: DjangoValidationError) -> APIException:
    """A refusal of matching.services as the API answers it: 409 when the referral's state no
    longer allows the move (someone moved it first), 403 when the user's role or scope does
    not, 400 for anything the request itself lacks. The message is the service's, in the
    request's language."""
    code = getattr(error, "code", None)
    if code == "conflict":
        return Conflict(" ".join(error.messages))
    if code == "not_allowed":
        return PermissionDenied(" ".join(error.messages))
    return serializers.ValidationError({"non_field_errors": error.messages})


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


def actions_open_to(user, referral: Referral) -> list[str]:
    """The actions this user may take on this referral now (the service checks again)."""
    capacities = services.referral_capacities(user, referral)
    return [
        name
        for name, to_state in ACTIONS.items()
        if services.TRANSITIONS.get((referral.state, to_state), frozenset()) & capacities
    ]


class CanPropose(permissions.BasePermission):
    message = gettext_lazy("Only producers, officers and administrators put products forward.")

    def has_permission(self, request, view) -> bool:
        return request.user.role in (Role.PRODUCER, Role.OFFICER, Role.ADMIN)


class IsOfficerOrAdmin(permissions.BasePermission):
    message = gettext_lazy("Only officers and administrators review referrals in bulk.")

    def has_permission(self, request, view) -> bool:
        return request.user.role in (Role.OFFICER, Role.ADMIN)


# Serializers: what a referral looks like ---------------------------------------------------------


def _state_name_field(*, blank: bool = False, **kwargs) -> serializers.CharField:
    """A referral state's value, described by a pattern in the schema: an enum of its own would
    be a second name for the `state` enum (drf-spectacular names enums after their field)."""
    pattern = f"^({'|'.join(S.values)}){'?' if blank else ''}$"

    @extend_schema_field({"type": "string", "pattern": pattern})
    class Field(serializers.CharField):
        pass

    return Field(read_only=True, **kwargs)


class ReferralEventSerializer(serializers.ModelSerializer):
    from_state = _state_name_field(
        blank=True, help_text="The state before the move (as in `state`); empty for the proposal."
    )
    to_state = _state_name_field(help_text="The state after the move (as in `state`).")
    by = serializers.SerializerMethodField(
        help_text="Who made the move: a name (staff emails are shown only to officers and "
        "administrators), or the portal itself."
    )

    class Meta:
        model = ReferralEvent
        fields = ["from_state", "to_state", "by", "note", "created_at"]
        read_only_fields = fields

    def get_by(self, obj: ReferralEvent) -> str:
        return person_shown_to(self.context["request"].user, obj.actor)


class ReferralSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(
        source="product.name",
        read_only=True,
        help_text="In the request's language (Thai when the product has no English name).",
    )
    producer_name = serializers.CharField(source="product.producer.name", read_only=True)
    province = serializers.CharField(
        source="product.producer.province.code",
        read_only=True,
        allow_null=True,
        help_text="The producer's province code.",
    )
    channel = serializers.CharField(source="channel.code", read_only=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    partner = serializers.CharField(source="channel.partner.code", read_only=True)
    state_label = serializers.CharField(
        source="get_state_display", read_only=True, help_text="The state in words."
    )
    proposed_by = serializers.SerializerMethodField(help_text="A name, as in `events[].by`.")

    class Meta:
        model = Referral
        fields = [
            "id",
            "product",
            "product_name",
            "producer_name",
            "province",
            "channel",
            "channel_name",
            "partner",
            "state",
            "state_label",
            "proposed_by",
            "decline_code",
            "decline_reason",
            "listing_url",
            "listed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_proposed_by(self, obj: Referral) -> str:
        return person_shown_to(self.context["request"].user, obj.proposed_by)


class ReferralMessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who wrote it: a name (staff emails are shown only to officers and "
        "administrators)."
    )

    class Meta:
        model = ReferralMessage
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields

    def get_author(self, obj: ReferralMessage) -> str:
        return person_shown_to(self.context["request"].user, obj.author)


class ReferralDetailSerializer(ReferralSerializer):
    events = ReferralEventSerializer(
        many=True, read_only=True, help_text="The audit trail, oldest first."
    )
    messages = serializers.SerializerMethodField(
        help_text="Questions of the partner and answers of the officers, oldest first. Empty "
        "for producers: the thread is between the partner and the officers."
    )
    actions = serializers.SerializerMethodField(
        help_text="The actions you may take on it now (each is a POST to "
        "/api/v1/referrals/{id}/<action>/)."
    )

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "events", "messages", "actions"]
        read_only_fields = fields

    @extend_schema_field(ReferralMessageSerializer(many=True))
    def get_messages(self, obj: Referral) -> list[dict]:
        if self.context["request"].user.role == Role.PRODUCER:
            return []
        return ReferralMessageSerializer(obj.messages.all(), many=True, context=self.context).data

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(ACTIONS)))
    )
    def get_actions(self, obj: Referral) -> list[str]:
        return actions_open_to(self.context["request"].user, obj)


# Serializers: what a request sends --------------------------------------------------------------


def _note(**kwargs) -> serializers.CharField:
    kwargs.setdefault("help_text", "Kept in the referral's history.")
    return serializers.CharField(required=False, allow_blank=True, max_length=2000, **kwargs)


class ReferralProposeSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.none(),
        help_text="Product id: one of your own (producers) or of your provinces (officers).",
    )
    channel = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Channel.objects.select_related("partner"),
        help_text="Channel code.",
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["product"].queryset = products_proposable_by(request.user)


class ReferralMoveSerializer(serializers.Serializer):
    note = _note()


class ReferralRejectSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000,
        help_text="Why it is rejected: the producer reads it. Required.",
        error_messages={"required": REJECT_NEEDS_NOTE, "blank": REJECT_NEEDS_NOTE},
    )


class ReferralDeclineSerializer(serializers.Serializer):
    decline_code = serializers.ChoiceField(
        choices=DeclineReason.choices,
        required=False,
        allow_blank=True,
        help_text="One of the common reasons; the officer and the producer read it in their "
        "own language. `reason`, this, or both; `other` needs `reason`.",
        error_messages={"invalid_choice": UNKNOWN_DECLINE_CODE},
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Why the partner declines, in its own words: the officer and the producer "
        "read it. Required without `decline_code`, and with `other`.",
    )
    note = _note(help_text="Kept in the history; the reason is kept when there is none.")

    def validate(self, data: dict) -> dict:
        code, words = data.get("decline_code", ""), data.get("reason", "").strip()
        if not (code or words) or (code == DeclineReason.OTHER and not words):
            raise serializers.ValidationError({"reason": [DECLINE_NEEDS_REASON]})
        return data


class ReferralAskSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=2000,
        help_text="The question (partner members) or the answer (officers of the product's "
        "province, administrators).",
        error_messages={
            "required": MESSAGE_NEEDS_TEXT,
            "blank": MESSAGE_NEEDS_TEXT,
            "max_length": MESSAGE_TOO_LONG,
        },
    )


class ReferralListedSerializer(serializers.Serializer):
    listing_url = serializers.URLField(
        max_length=200,
        help_text="The product's page in the partner's shop.",
        error_messages={"required": LISTING_NEEDS_LINK, "blank": LISTING_NEEDS_LINK},
    )
    listed_on = ThaiDateSerializerField(
        help_text="The day it went on sale (YYYY-MM-DD; a year from 2400 on is a Buddhist year).",
        error_messages={"required": LISTING_NEEDS_LINK, "null": LISTING_NEEDS_LINK},
    )
    note = _note()


class ReferralBulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=BULK_LIMIT,
        help_text=f"Referral ids, at most {BULK_LIMIT}.",
    )
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    note = _note(help_text="One note for every move; required to reject (the producer reads it).")

    def validate(self, data: dict) -> dict:
        if data["action"] == "reject" and not data.get("note", "").strip():
            raise serializers.ValidationError({"note": [REJECT_NEEDS_NOTE]})
        return data


class ReferralBulkRefusedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField(help_text="Why it did not change, in the request's language.")


class ReferralBulkOutcomeSerializer(serializers.Serializer):
    changed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the referrals that changed."
    )
    refused = ReferralBulkRefusedSerializer(
        many=True, help_text="The others, each with the reason."
    )


class ReferralPairSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, help_text="Product id.")
    channel = serializers.CharField(max_length=60, help_text="Channel code.")


class ReferralBulkProposeSerializer(serializers.Serializer):
    pairs = ReferralPairSerializer(
        many=True,
        allow_empty=False,
        max_length=BULK_LIMIT,
        help_text=f"Candidates (product × channel) to put forward, at most {BULK_LIMIT}.",
    )
    approve = serializers.BooleanField(
        default=False, help_text="Approve them at once (each pair proposed and approved whole)."
    )
    note = _note(help_text="One note, kept with the last move of each pair.")


class ReferralBulkRefusedPairSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    channel = serializers.CharField()
    reason = serializers.CharField(help_text="Why it was not put forward.")


class ReferralBulkProposeOutcomeSerializer(serializers.Serializer):
    changed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the new referrals."
    )
    refused = ReferralBulkRefusedPairSerializer(
        many=True, help_text="The others, each with the reason."
    )


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


class InvalidRequestSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What the service refused, in the request's language. Errors of one field "
        "come under that field's name instead.",
    )


# The schema: answers and examples -------------------------------------------------------------

_EXAMPLE_REFERRAL = {
    "id": 42,
    "product": 1234,
    "product_name": "ผ้าไหมมัดหมี่ลายนาคน้อย",
    "producer_name": "วิสาหกิจชุมชนทอผ้าบ้านดอนแก้ว",
    "province": "50",
    "channel": "central-food-hall",
    "channel_name": "Central Food Hall",
    "partner": "central",
    "state": "approved",
    "state_label": "Approved",
    "proposed_by": "Somchai Jaidee",
    "decline_code": "",
    "decline_reason": "",
    "listing_url": "",
    "listed_on": None,
    "created_at": "2026-03-02T09:15:00+07:00",
    "updated_at": "2026-03-03T14:02:11+07:00",
}
_EXAMPLE_DETAIL = {
    **_EXAMPLE_REFERRAL,
    "events": [
        {
            "from_state": "",
            "to_state": "proposed",
            "by": "Somchai Jaidee",
            "note": "",
            "created_at": "2026-03-02T09:15:00+07:00",
        },
        {
            "from_state": "proposed",
            "to_state": "approved",
            "by": "Somchai Jaidee",
            "note": "Good fit for the northern stores.",
            "created_at": "2026-03-03T14:02:11+07:00",
        },
    ],
    "messages": [],
    "actions": ["send", "withdraw"],
}
# As a partner member reads it once it was sent to them, with a question asked.
_EXAMPLE_SENT = {
    **_EXAMPLE_DETAIL,
    "state": "sent",
    "state_label": "Sent to the partner",
    "updated_at": "2026-03-04T10:30:00+07:00",
    "events": [
        *_EXAMPLE_DETAIL["events"],
        {
            "from_state": "approved",
            "to_state": "sent",
            "by": "Somchai Jaidee",
            "note": "",
            "created_at": "2026-03-04T10:30:00+07:00",
        },
    ],
    "messages": [
        {
            "id": 3,
            "author": "Suda Rattanakorn",
            "text": "Can the producer deliver 500 pieces a month from June?",
            "created_at": "2026-03-05T09:00:00+07:00",
        }
    ],
    "actions": ["accept", "decline"],
}
_NOT_FOUND = OpenApiResponse(RefusalSerializer, description="No referral you can see has this id.")
_CONFLICT = OpenApiResponse(
    RefusalSerializer,
    description="The referral's state does not allow this move (any more): someone moved it "
    "first. The message says its state and who moved it; read it again.",
    examples=[
        OpenApiExample(
            "moved first",
            value={
                "detail": "This referral is already “Rejected” (by Somchai Jaidee); it cannot "
                "become “Approved”."
            },
            status_codes=["409"],
            response_only=True,
        )
    ],
)
_NOT_ALLOWED = OpenApiResponse(
    RefusalSerializer,
    description="Your role or scope does not allow this move (a producer approving, a partner "
    "deciding for another partner's channel).",
    examples=[
        OpenApiExample(
            "not your move",
            value={"detail": "You cannot make this change to this referral."},
            status_codes=["403"],
            response_only=True,
        )
    ],
)


def _move_schema(
    operation: str,
    summary: str,
    request,
    description: str,
    example: dict | None = None,
    *,
    more: list[OpenApiExample] | None = None,
    after: dict | None = None,
):
    """The schema of one move: its body, the referral as it is after the move, and refusals.
    `more` adds request examples; `after` is the referral after the move (a generic one if
    not given)."""
    examples = (
        [] if example is None else [OpenApiExample("request", value=example, request_only=True)]
    )
    examples += more or []
    examples.append(
        OpenApiExample("after the move", value=after or _EXAMPLE_DETAIL, response_only=True)
    )
    return extend_schema(
        operation_id=f"referrals_{operation}",
        summary=summary,
        description=description + " Answers with the referral as it is after the move.",
        request=request,
        responses={
            200: ReferralDetailSerializer,
            400: OpenApiResponse(
                InvalidRequestSerializer, description="Something the move needs is missing."
            ),
            403: _NOT_ALLOWED,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
        examples=examples,
    )


@extend_schema(tags=["referrals"])
@extend_schema_view(
    list=extend_schema(
        summary="Referrals you may read",
        description="An administrator reads all; an officer those of their provinces' products "
        "(all when national); a producer their own products'; a partner member those of their "
        "partner's channels once sent. The latest change first unless `ordering` says "
        "otherwise; pages of 50 (`page`).",
        examples=[
            OpenApiExample("a page of referrals", value=_EXAMPLE_REFERRAL, response_only=True),
            OpenApiExample(
                "as a partner member",
                description="A partner member's list: the partner's channels only, from "
                "“sent” on (GET /api/v1/referrals/?state=sent for the ones waiting for a "
                "decision).",
                value={
                    **_EXAMPLE_REFERRAL,
                    "state": "sent",
                    "state_label": "Sent to the partner",
                },
                response_only=True,
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One referral with its history",
        examples=[OpenApiExample("a referral", value=_EXAMPLE_DETAIL, response_only=True)],
    ),
    create=extend_schema(
        summary="Propose a product to a channel",
        description="Producers for their own eligible products, officers for those of their "
        "provinces, administrators for any. One open referral per product and channel.",
        request=ReferralProposeSerializer,
        responses={
            201: ReferralDetailSerializer,
            400: OpenApiResponse(
                InvalidRequestSerializer,
                description="Unknown product or channel, or the service refused: not eligible "
                "yet, producer not verified, already referred.",
                examples=[
                    OpenApiExample(
                        "not eligible",
                        value={
                            "non_field_errors": [
                                "This product does not meet this channel's requirements yet."
                            ]
                        },
                        status_codes=["400"],
                        response_only=True,
                    )
                ],
            ),
            403: OpenApiResponse(RefusalSerializer, description="Partner members do not propose."),
        },
        examples=[
            OpenApiExample(
                "request",
                value={"product": 1234, "channel": "central-food-hall", "note": "Sells well."},
                request_only=True,
            )
        ],
    ),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The referral pipeline: products put forward to partner channels, reviewed by officers,
    decided by partners. Every move is an action (POST /referrals/{id}/<action>/) that
    matching.services checks: 409 when the state does not allow it (someone moved it first),
    403 when your role or scope does not, 404 for a referral you cannot see.

    Page-number pagination (not keyset, as match results have): a pipeline holds far fewer rows
    than the results table, and clients of the review want the count."""

    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), CanPropose()]
        if self.action in ("bulk", "bulk_propose"):
            return [permissions.IsAuthenticated(), IsOfficerOrAdmin()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        referrals = referrals_visible_to(self.request.user)
        if self.action == "retrieve":
            referrals = _with_events(referrals)
        return referrals

    def get_serializer_class(self):
        return ReferralSerializer if self.action == "list" else ReferralDetailSerializer

    def _detail(self, referral_id: int) -> dict:
        referral = _with_events(referrals_visible_to(self.request.user)).get(pk=referral_id)
        return ReferralDetailSerializer(referral, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = ReferralProposeSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            referral = services.referral_propose(
                product=data["product"],
                channel=data["channel"],
                by=request.user,
                note=data.get("note", ""),
            )
        except DjangoValidationError as error:
            raise _api_refusal(error) from None
        return Response(self._detail(referral.pk), status=status.HTTP_201_CREATED)

    def _move(self, request, name: str, body: type[serializers.Serializer]) -> Response:
        referral = self.get_object()  # 404 for a referral the user cannot see
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.referral_transition(
                referral_id=referral.pk,
                to_state=ACTIONS[name],
                by=request.user,
                note=data.get("note", ""),
                reason=data.get("reason", ""),
                reason_code=data.get("decline_code", ""),
                listing_url=data.get("listing_url", ""),
                listed_on=data.get("listed_on"),
            )
        except DjangoValidationError as error:
            raise _api_refusal(error) from None
        return Response(self._detail(referral.pk))

    @_move_schema(
        "approve",
        "Approve a proposal",
        ReferralMoveSerializer,
        "Officers of the product's province and administrators; from “proposed”.",
        {"note": "Good fit for the northern stores."},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(request, "approve", ReferralMoveSerializer)

    @_move_schema(
        "reject",
        "Reject a proposal",
        ReferralRejectSerializer,
        "Officers of the product's province and administrators; from “proposed”. The note is "
        "required: it is the reason the producer reads.",
        {"note": "The photos are too dark for the shelf; please send new ones."},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._move(request, "reject", ReferralRejectSerializer)

    @_move_schema(
        "send",
        "Send an approved referral to the partner",
        ReferralMoveSerializer,
        "Officers of the product's province and administrators; from “approved”. The partner's "
        "members see it from now on.",
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._move(request, "send", ReferralMoveSerializer)

    @_move_schema(
        "accept",
        "Accept a referral",
        ReferralMoveSerializer,
        "Members of the channel's partner; from “sent”.",
        {"note": "We will order a first lot of 200 in May."},
        after={
            **_EXAMPLE_SENT,
            "state": "accepted",
            "state_label": "Accepted by the partner",
            "actions": ["list"],
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._move(request, "accept", ReferralMoveSerializer)

    @_move_schema(
        "decline",
        "Decline a referral",
        ReferralDeclineSerializer,
        "Members of the channel's partner; from “sent”. A reason is required: one of the common "
        "ones (`decline_code`), words of your own (`reason`), or both; `other` needs the "
        "words. The officer and the producer read it.",
        {"decline_code": "shelf_life", "reason": "We need at least six months on the shelf."},
        more=[
            OpenApiExample(
                "a common reason alone", value={"decline_code": "price"}, request_only=True
            ),
            OpenApiExample(
                "words alone",
                value={"reason": "Shelf life too short for our stores."},
                request_only=True,
            ),
        ],
        after={
            **_EXAMPLE_SENT,
            "state": "declined",
            "state_label": "Declined by the partner",
            "decline_code": "shelf_life",
            "decline_reason": "We need at least six months on the shelf.",
            "actions": [],
        },
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._move(request, "decline", ReferralDeclineSerializer)

    @_move_schema(
        "mark_listed",  # not "list": referrals_list is the list of referrals
        "Mark an accepted referral as listed",
        ReferralListedSerializer,
        "Members of the channel's partner; from “accepted”, with the listing link and the day "
        "it went on sale.",
        {"listing_url": "https://shop.example.co.th/p/1234", "listed_on": "2026-04-01"},
        after={
            **_EXAMPLE_SENT,
            "state": "listed",
            "state_label": "Listed",
            "listing_url": "https://shop.example.co.th/p/1234",
            "listed_on": "2026-04-01",
            "actions": [],
        },
    )
    @action(detail=True, methods=["post"], url_path="list", url_name="listed")
    def listed(self, request, pk=None):
        return self._move(request, "list", ReferralListedSerializer)

    @extend_schema(
        operation_id="referrals_ask",
        summary="Ask the officers a question about a referral (or answer one)",
        description="Members of the channel's partner ask once it was sent to them (until it "
        "ends: sent, accepted or listed); officers of the product's province and "
        "administrators answer. The other side is notified. The thread is in the referral's "
        "`messages`. Answers with the message.",
        request=ReferralAskSerializer,
        responses={
            201: ReferralMessageSerializer,
            400: OpenApiResponse(
                InvalidRequestSerializer, description="No text, or more than 2,000 characters."
            ),
            403: OpenApiResponse(
                RefusalSerializer,
                description="Not yours to write about (a producer, or a partner before it was "
                "sent or after it ended).",
                examples=[
                    OpenApiExample(
                        "not now",
                        value={"detail": "You cannot write about this referral."},
                        status_codes=["403"],
                        response_only=True,
                    )
                ],
            ),
            404: _NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "request",
                value={"text": "Can the producer deliver 500 pieces a month from June?"},
                request_only=True,
            ),
            OpenApiExample(
                "the message",
                value=_EXAMPLE_SENT["messages"][0],
                status_codes=["201"],
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def ask(self, request, pk=None):
        referral = self.get_object()  # 404 for a referral the user cannot see
        body = ReferralAskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            message = services.referral_message(
                referral_id=referral.pk, by=request.user, text=body.validated_data["text"]
            )
        except DjangoValidationError as error:
            raise _api_refusal(error) from None
        data = ReferralMessageSerializer(message, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @_move_schema(
        "withdraw",
        "Withdraw a referral",
        ReferralMoveSerializer,
        "Officers of the product's province, administrators and the product's producer; any "
        "time before it is listed.",
        {"note": "Out of stock until the next harvest."},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._move(request, "withdraw", ReferralMoveSerializer)

    @extend_schema(
        operation_id="referrals_bulk",
        summary="The same move for many referrals",
        description=f"Officers and administrators: approve, reject, send or withdraw up to "
        f"{BULK_LIMIT} referrals with one note. Each is checked on its own: the answer lists "
        "those that changed and, with the reason, those that did not (a referral you cannot "
        "see is reported as not existing). An unexpected error changes none.",
        request=ReferralBulkSerializer,
        responses={
            200: ReferralBulkOutcomeSerializer,
            400: OpenApiResponse(
                InvalidRequestSerializer,
                description=f"No ids, more than {BULK_LIMIT}, an unknown action, or a "
                "rejection without a note.",
            ),
            403: OpenApiResponse(RefusalSerializer, description="Officers and administrators."),
        },
        examples=[
            OpenApiExample(
                "request",
                value={"ids": [41, 42, 43], "action": "approve", "note": "Reviewed on 3 March."},
                request_only=True,
            ),
            OpenApiExample(
                "outcome",
                value={
                    "changed": [41, 43],
                    "refused": [
                        {
                            "id": 42,
                            "reason": "This referral is already “Rejected” (by Somchai "
                            "Jaidee); it cannot become “Approved”.",
                        }
                    ],
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        serializer = ReferralBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = list(dict.fromkeys(data["ids"]))
        visible = set(
            referrals_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        outcome = services.referrals_bulk_transition(
            referral_ids=sorted(visible),
            to_state=ACTIONS[data["action"]],
            by=request.user,
            note=data.get("note", ""),
        )
        # Out of the user's sight is "does not exist", as for an id nobody has.
        refused = outcome.refused + [
            (i, _("This referral does not exist.")) for i in ids if i not in visible
        ]
        return Response(
            {
                "changed": outcome.changed,
                "refused": [{"id": i, "reason": why} for i, why in sorted(refused)],
            }
        )

    @extend_schema(
        operation_id="referrals_bulk_propose",
        summary="Put many candidates forward at once",
        description=f"Officers and administrators: up to {BULK_LIMIT} candidates (product × "
        "channel) become proposals, approved at once if `approve` is true. Each pair is "
        "proposed (and approved) whole or not at all; the answer lists the new referrals and, "
        "with the reason, the pairs that were not put forward. An unexpected error changes "
        "none.",
        request=ReferralBulkProposeSerializer,
        responses={
            200: ReferralBulkProposeOutcomeSerializer,
            400: OpenApiResponse(
                InvalidRequestSerializer, description=f"No pairs, or more than {BULK_LIMIT}."
            ),
            403: OpenApiResponse(RefusalSerializer, description="Officers and administrators."),
        },
        examples=[
            OpenApiExample(
                "request",
                value={
                    "pairs": [
                        {"product": 1234, "channel": "central-food-hall"},
                        {"product": 1235, "channel": "central-food-hall"},
                    ],
                    "approve": True,
                    "note": "Chiang Mai silk for the spring promotion.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "outcome",
                value={
                    "changed": [57],
                    "refused": [
                        {
                            "product": 1235,
                            "channel": "central-food-hall",
                            "reason": "This product already has an open referral to this channel.",
                        }
                    ],
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=False, methods=["post"], url_path="bulk-propose", url_name="bulk-propose")
    def bulk_propose(self, request):
        serializer = ReferralBulkProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        wanted = list(dict.fromkeys((p["product"], p["channel"]) for p in data["pairs"]))
        products = products_proposable_by(request.user).in_bulk({pid for pid, _c in wanted})
        channels = Channel.objects.in_bulk({code for _p, code in wanted}, field_name="code")
        chosen, refused = [], []
        for product_id, code in wanted:
            if product_id not in products:  # or out of the officer's sight
                refused.append((product_id, code, _("This product does not exist.")))
            elif code not in channels:
                refused.append((product_id, code, _("This channel does not exist.")))
            else:
                chosen.append((products[product_id], channels[code]))
        outcome = services.referrals_bulk_propose(
            pairs=chosen,
            by=request.user,
            note=data.get("note", ""),
            then=ReferralState.APPROVED if data["approve"] else None,
        )
        pair_of = {f"{p.pk}:{c.pk}": (p.pk, c.code) for p, c in chosen}
        refused += [(*pair_of[key], why) for key, why in outcome.refused]
        return Response(
            {
                "changed": outcome.changed,
                "refused": [
                    {"product": p, "channel": c, "reason": why} for p, c, why in sorted(refused)
                ],
            }
        )


def _with_events(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.prefetch_related(
        Prefetch("events", queryset=ReferralEvent.objects.select_related("actor")),
        Prefetch("messages", queryset=ReferralMessage.objects.select_related("author")),
    )
