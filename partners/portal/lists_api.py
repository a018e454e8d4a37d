"""Saved lists over the API, for partner members: read their own and their colleagues' shared
lists, make a list, add and remove products.

The rules are partners.portal.saved_lists' (the pages ask the same functions): a member reads their
own lists and the shared ones of their partner; another partner's list answers 404, as if it
did not exist; other roles get 403. Shared lists are collaborative: colleagues add products and
remove those they added; the owner alone renames, shares or deletes (on the pages).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.response import Response

from otop_portal.api_schema import RefusalSerializer  # one "Refusal" component in the schema
from otop_portal.models import Role
from partners.models import SavedList
from partners.portal.saved_lists import (
    MAX_ITEMS,
    ItemRow,
    SavedListError,
    can_manage,
    item_rows,
    list_items,
    lists_for_index,
    saved_list_add,
    saved_list_create,
    saved_list_remove,
    with_newest_referral,
)


class IsPartnerMember(permissions.BasePermission):
    message = gettext_lazy("Saved lists are for partner members.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.PARTNER)


# --- Serializers ------------------------------------------------------------------------------


class SavedListSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField(help_text="Who made the list.")
    is_mine = serializers.SerializerMethodField(
        help_text="True for your own lists: you may rename, share and delete them."
    )
    item_count = serializers.IntegerField(read_only=True, help_text="Products in the list.")

    class Meta:
        model = SavedList
        fields = [
            "id",
            "name",
            "shared",
            "owner",
            "is_mine",
            "item_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner(self, obj: SavedList) -> str:
        return str(obj.owner)

    def get_is_mine(self, obj: SavedList) -> bool:
        return can_manage(self.context["request"].user, obj)


class SavedListItemSerializer(serializers.Serializer):
    """One product of a list, with the newest referral of it you can see."""

    product = serializers.IntegerField(source="item.product_id", help_text="Product id.")
    product_name = serializers.CharField(source="item.product.name_th")
    product_name_en = serializers.CharField(source="item.product.name_en")
    category = serializers.CharField(source="item.product.category.code")
    province = serializers.CharField(
        source="item.product.producer.province.code",
        allow_null=True,
        help_text="Province code of the producer.",
    )
    thumbnail = serializers.CharField(
        source="thumbnail_url", help_text="Address of the first photo's thumbnail; empty if none."
    )
    referral = serializers.IntegerField(
        source="referral.pk", allow_null=True, help_text="Id of the newest referral you can see."
    )
    referral_state = serializers.CharField(source="referral.state", allow_null=True)
    channel = serializers.CharField(
        source="referral.channel.code", allow_null=True, help_text="That referral's channel code."
    )
    note = serializers.CharField(source="item.note")
    added_by = serializers.CharField(source="item.added_by", allow_null=True)
    added_at = serializers.DateTimeField(source="item.added_at")
    may_remove = serializers.BooleanField(
        help_text="You may remove it: your list, or a product you added to a colleague's."
    )


class SavedListDetailSerializer(SavedListSerializer):
    items = serializers.SerializerMethodField(
        help_text=f"Every product of the list, newest first (a list holds at most {MAX_ITEMS})."
    )

    class Meta(SavedListSerializer.Meta):
        fields = [*SavedListSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(SavedListItemSerializer(many=True))
    def get_items(self, obj: SavedList) -> list[dict]:
        return SavedListItemSerializer(self.context["rows"], many=True).data


class SavedListCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    shared = serializers.BooleanField(
        default=False, help_text="Colleagues of your partner see the list and may add to it."
    )


class SavedListAddSerializer(serializers.Serializer):
    product = serializers.IntegerField(
        min_value=1, help_text="Id of a product referred to your partner's channels."
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- Schema examples --------------------------------------------------------------------------

_EXAMPLE_LIST = {
    "id": 7,
    "name": "ของขวัญปีใหม่",
    "shared": True,
    "owner": "Malee Srisuk",
    "is_mine": True,
    "item_count": 1,
    "created_at": "2026-03-02T09:15:00+07:00",
    "updated_at": "2026-03-04T11:20:00+07:00",
}
_EXAMPLE_ITEM = {
    "product": 1234,
    "product_name": "ผ้าไหมมัดหมี่ลายนาคน้อย",
    "product_name_en": "Mudmee silk, little naga pattern",
    "category": "textile",
    "province": "50",
    "thumbnail": "/media/products/thumbs/3f9c2a.webp",
    "referral": 42,
    "referral_state": "accepted",
    "channel": "central-food-hall",
    "note": "Ask for the blue one",
    "added_by": "Malee Srisuk",
    "added_at": "2026-03-04T11:20:00+07:00",
    "may_remove": True,
}
_NOT_FOUND = OpenApiResponse(
    RefusalSerializer, description="No list you can see has this id (another partner's, say)."
)
_NOT_MEMBER = OpenApiResponse(RefusalSerializer, description="Not a partner member.")


def _refusal(error: SavedListError) -> APIException:
    if error.code == "not_found":
        return NotFound(" ".join(error.messages))
    if error.code == "not_allowed":
        return PermissionDenied(" ".join(error.messages))
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


@extend_schema(tags=["saved lists"])
@extend_schema_view(
    list=extend_schema(
        summary="My saved lists and my colleagues' shared ones",
        description="Your own lists first, then by name; pages of 50 (`page`).",
        responses={200: SavedListSerializer(many=True), 403: _NOT_MEMBER},
        examples=[OpenApiExample("a list", value=_EXAMPLE_LIST, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One list with its products",
        responses={200: SavedListDetailSerializer, 403: _NOT_MEMBER, 404: _NOT_FOUND},
        examples=[
            OpenApiExample(
                "a list", value={**_EXAMPLE_LIST, "items": [_EXAMPLE_ITEM]}, response_only=True
            )
        ],
    ),
    create=extend_schema(
        summary="Make a list",
        description="The name must differ from your other lists' names (case aside).",
        request=SavedListCreateSerializer,
        responses={
            201: SavedListDetailSerializer,
            400: OpenApiResponse(
                description="No name, or you already have a list of this name.",
                examples=[
                    OpenApiExample(
                        "duplicate",
                        value={
                            "name": [
                                "You already have a list called “ของขวัญปีใหม่”. Choose another name."
                            ]
                        },
                        status_codes=["400"],
                        response_only=True,
                    )
                ],
            ),
            403: _NOT_MEMBER,
        },
        examples=[
            OpenApiExample(
                "request", value={"name": "ของขวัญปีใหม่", "shared": True}, request_only=True
            )
        ],
    ),
)
class SavedListViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Saved lists of referred products, for partner members."""

    serializer_class = SavedListSerializer
    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedList.objects.none()
        return lists_for_index(self.request.user)

    def _detail(self, saved_list: SavedList) -> dict:
        items = list(with_newest_referral(list_items(saved_list), self.request.user))
        rows: list[ItemRow] = item_rows(items, self.request.user, saved_list)
        for row in rows:
            if row.thumbnail_url:
                row.thumbnail_url = self.request.build_absolute_uri(row.thumbnail_url)
        context = {**self.get_serializer_context(), "rows": rows}
        return SavedListDetailSerializer(saved_list, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    def create(self, request, *args, **kwargs):
        serializer = SavedListCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            saved_list = saved_list_create(by=request.user, **serializer.validated_data)
        except SavedListError as error:
            raise _refusal(error) from None
        saved_list = self.get_queryset().get(pk=saved_list.pk)
        return Response(self._detail(saved_list), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a product to a list",
        description="Your list or a colleague's shared one. The product must be referred to "
        "your partner's channels (from “sent” on) and not in the list yet.",
        request=SavedListAddSerializer,
        responses={
            201: SavedListItemSerializer,
            400: OpenApiResponse(
                description="Not a product of your partner's referrals, or in the list already.",
                examples=[
                    OpenApiExample(
                        "already there",
                        value={
                            "product": ["“ผ้าไหมมัดหมี่ลายนาคน้อย” is already in the list “ของขวัญปีใหม่”."]
                        },
                        status_codes=["400"],
                        response_only=True,
                    )
                ],
            ),
            403: _NOT_MEMBER,
            404: _NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "request",
                value={"product": 1234, "note": "Ask for the blue one"},
                request_only=True,
            ),
            OpenApiExample("added", value=_EXAMPLE_ITEM, response_only=True, status_codes=["201"]),
        ],
    )
    @action(detail=True, methods=["post"], url_path="items", url_name="items")
    def add_item(self, request, pk=None):
        saved_list = self.get_object()  # 404 for a list the member cannot see
        serializer = SavedListAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            item = saved_list_add(
                saved_list_id=saved_list.pk,
                product_id=serializer.validated_data["product"],
                note=serializer.validated_data["note"],
                by=request.user,
            )
        except SavedListError as error:
            raise _refusal(error) from None
        items = list(with_newest_referral(list_items(saved_list).filter(pk=item.pk), request.user))
        (row,) = item_rows(items, request.user, saved_list)
        if row.thumbnail_url:
            row.thumbnail_url = request.build_absolute_uri(row.thumbnail_url)
        return Response(SavedListItemSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a product out of a list",
        description="The owner removes any product; a colleague only those they added.",
        parameters=[
            OpenApiParameter(
                "product", OpenApiTypes.INT, OpenApiParameter.PATH, description="Product id."
            )
        ],
        request=None,
        responses={
            204: OpenApiResponse(description="Removed."),
            400: OpenApiResponse(description="The product is not in the list (any more)."),
            403: OpenApiResponse(
                RefusalSerializer,
                description="Not a partner member, or a product a colleague added to their list.",
            ),
            404: _NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path="items/<int:product>",
        url_name="remove-item",
    )
    def remove_item(self, request, pk=None, product=None):
        saved_list = self.get_object()
        try:
            saved_list_remove(saved_list_id=saved_list.pk, product_id=int(product), by=request.user)
        except SavedListError as error:
            raise _refusal(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
