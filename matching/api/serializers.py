"""What a referral looks like over the API, and what each move takes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied

from matching import services
from matching.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralState,
)
from matching.selectors import (
    person_shown_to,
    products_proposable_by,
)
from otop_portal.api_schema import RefusalSerializer  # noqa: F401 - re-exported
from otop_portal.i18n import choice_labels
from otop_portal.models import Role
from otop_portal.thai_input import ThaiDateSerializerField
from partners.models import Channel
from producers.models import Product

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


def api_refusal(error: DjangoValidationError) -> APIException:
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


def actions_open_to(user, referral: Referral) -> list[str]:
    """The actions this user may take on this referral now (the service checks again)."""
    moves = services.referral_moves_open_to(user, referral)
    return [name for name, to_state in ACTIONS.items() if to_state in moves]


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


def decline_code_field() -> serializers.ChoiceField:
    """The partner's reason code as read back: empty until it declines (the schema says so)."""
    return serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True, read_only=True)


class ChoiceLabelField(serializers.CharField):
    """A choices field of `model` in words, in the request's language: the labels translated
    once per language (otop_portal.i18n.choice_labels), where `get_<field>_display` rebuilt
    them for every row (2 ms of a 50-row list, issue 13). Its source is the column itself."""

    def __init__(self, model, field_name: str, **kwargs):
        self.model, self.model_field = model, field_name
        super().__init__(source=field_name, read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return choice_labels(self.model, self.model_field).get(value, value)


def state_label_field() -> ChoiceLabelField:
    """A referral's state in words."""
    return ChoiceLabelField(Referral, "state", help_text="The state in words.")


def listing_url_field() -> serializers.CharField:
    """The listing's address as read back: empty until it is listed, so not always a URI."""
    return serializers.CharField(
        read_only=True, help_text="The product's page in the partner's shop; empty until listed."
    )


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
    state_label = state_label_field()
    proposed_by = serializers.SerializerMethodField(help_text="A name, as in `events[].by`.")
    decline_code = decline_code_field()
    listing_url = listing_url_field()

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


class InvalidRequestSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What the service refused, in the request's language. Errors of one field "
        "come under that field's name instead.",
    )


# The schema: answers and examples -------------------------------------------------------------
