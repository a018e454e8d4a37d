"""Referrals over the API. Who reads which is matching.selectors.referrals_visible_to; every
move goes through matching.services (referral_propose, referral_transition and the bulk ones), so
the API and the pages check the same rules and refuse in the same words."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from matching import services
from matching.api.serializers import (
    ACTIONS,
    BULK_LIMIT,
    CanPropose,
    InvalidRequestSerializer,
    IsOfficerOrAdmin,
    ReferralAskSerializer,
    ReferralBulkOutcomeSerializer,
    ReferralBulkProposeOutcomeSerializer,
    ReferralBulkProposeSerializer,
    ReferralBulkSerializer,
    ReferralDeclineSerializer,
    ReferralDetailSerializer,
    ReferralListedSerializer,
    ReferralMessageSerializer,
    ReferralMoveSerializer,
    ReferralProposeSerializer,
    ReferralRejectSerializer,
    ReferralSerializer,
    RefusalSerializer,
    api_refusal,
)
from matching.filters import ReferralFilter
from matching.models import (
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralState,
)
from matching.selectors import (
    products_proposable_by,
    referrals_visible_to,
)
from partners.models import Channel

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
            raise api_refusal(error) from None
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
            raise api_refusal(error) from None
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
            raise api_refusal(error) from None
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
