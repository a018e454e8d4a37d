"""The listing feed over the API: the same rows as the CSV, Excel and JSON files
(partners/portal/feeds.py), a page at a time.

GET /api/v1/partner-feed/?channel=<code>&cursor=<from next>&page_size=<1..500>: partner
members only (others 403, no credentials 401), their partner's channels only; a channel code
that is not theirs is refused with 400, as one that does not exist. Pages follow the referral
id with a cursor (no COUNT, no OFFSET), so a feed read page by page while partners accept more
products neither skips nor repeats a row.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from matching.models import Referral
from otop_portal.models import Role
from partners.portal import feeds


class IsPartnerMember(permissions.BasePermission):
    message = "Only partner members read the listing feed."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            request.user.role == Role.PARTNER
        )


class FeedPagination(CursorPagination):
    ordering = "pk"  # the referral id: unique, so the cursor never needs an offset
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        """A page_size that is not a whole number of at least 1 is refused (400), not quietly
        replaced by the default; above max_page_size it is capped."""
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        try:
            size = serializers.IntegerField(min_value=1).run_validation(raw)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.page_size_query_param: error.detail}) from None
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Rows per page, {self.page_size} unless given; at most {self.max_page_size} "
                    "(larger asks are capped)."
                )
        return parameters


class FeedCertificateSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The certificate type's code (fda, tcps, halal …).")
    name_th = serializers.CharField()
    name_en = serializers.CharField()
    number = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True, help_text="null: it does not expire.")


class FeedItemSerializer(serializers.Serializer):
    """One row of the listing feed: a product the partner accepted or listed on a channel."""

    sku = serializers.CharField(
        help_text="The barcode (GTIN) when the product has one, else OTOP-<product id>."
    )
    gtin = serializers.CharField(allow_blank=True)
    name_th = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    category = serializers.CharField(help_text="The OTOP category's code.")
    category_th = serializers.CharField()
    category_en = serializers.CharField()
    subcategory = serializers.CharField(allow_null=True)
    subcategory_th = serializers.CharField(allow_blank=True)
    subcategory_en = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="Retail price in baht."
    )
    price_unit = serializers.CharField(allow_blank=True)
    pack_size = serializers.CharField(allow_blank=True)
    weight_grams = serializers.IntegerField(
        allow_null=True, help_text="Shipping weight of one unit as sold, packed, in grams."
    )
    shelf_life_days = serializers.IntegerField(allow_null=True)
    storage_conditions = serializers.CharField(allow_blank=True)
    province_th = serializers.CharField(allow_blank=True, help_text="Province of origin.")
    province_en = serializers.CharField(allow_blank=True)
    fda_number = serializers.CharField(
        allow_blank=True, help_text="The Thai FDA (อย.) number, when a verified one covers it."
    )
    certificates = FeedCertificateSerializer(
        many=True,
        help_text="Verified, unexpired certificates covering the product (OTOP stars apart).",
    )
    otop_stars = serializers.IntegerField(allow_null=True)
    otop_stars_year = serializers.IntegerField(
        allow_null=True, help_text="Year the stars were awarded (Christian era)."
    )
    images = serializers.ListField(
        child=serializers.URLField(),
        help_text="Up to 8 photo links, signed: they work without a login until "
        "images_expire_at, then answer 410 Gone.",
    )
    images_expire_at = serializers.DateTimeField()
    channel = serializers.CharField(help_text="The channel's code.")
    state = serializers.CharField(help_text="accepted or listed.")
    listing_url = serializers.CharField(allow_blank=True)
    listed_on = serializers.DateField(allow_null=True)
    referral_id = serializers.IntegerField()
    product_id = serializers.IntegerField()


EXAMPLE_ITEM = {
    "sku": "8851234567895",
    "gtin": "8851234567895",
    "name_th": "น้ำพริกหนุ่ม",
    "name_en": "Green chilli dip",
    "description": "น้ำพริกหนุ่มสูตรเชียงใหม่ ไม่ใส่สารกันบูด",
    "category": "food",
    "category_th": "อาหาร",
    "category_en": "Food",
    "subcategory": None,
    "subcategory_th": "",
    "subcategory_en": "",
    "price": "89.00",
    "price_unit": "กระปุก",
    "pack_size": "200 g",
    "weight_grams": 260,
    "shelf_life_days": 180,
    "storage_conditions": "เก็บในที่แห้ง",
    "province_th": "เชียงใหม่",
    "province_en": "Chiang Mai",
    "fda_number": "50-2-01234-2-0001",
    "certificates": [
        {
            "type": "fda",
            "name_th": "เลขสารบบอาหาร (อย.)",
            "name_en": "Thai FDA food serial number (อย.)",
            "number": "50-2-01234-2-0001",
            "expires_on": None,
        }
    ],
    "otop_stars": 4,
    "otop_stars_year": 2024,
    "images": ["https://otop.example/feed/images/41:1vQk2a:x9cS0bN3lq1d0f7uYv2w8HkqzR4J4aTzq6o/"],
    "images_expire_at": "2026-11-29T09:00:00+07:00",
    "channel": "central-shelf",
    "state": "accepted",
    "listing_url": "",
    "listed_on": None,
    "referral_id": 1207,
    "product_id": 318,
}


_FEED_SCHEMA = extend_schema(
    tags=["partner"],
    operation_id="partner_feed_list",
    summary="The listing feed",
    description="The products the partner's channels accepted or listed, with what a "
    "marketplace bulk upload asks for. The same rows as the CSV, Excel and JSON files on "
    "the feed page; products no longer on sale are left out, and so are the producers' "
    "contact details. Partner members only.",
    parameters=[
        OpenApiParameter(
            "channel",
            OpenApiTypes.STR,
            description="One of your channels' codes; empty or absent: all of them.",
        )
    ],
    responses={
        200: FeedItemSerializer(many=True),
        400: OpenApiResponse(
            description="The channel is not one of yours.",
            examples=[
                OpenApiExample(
                    "not your channel",
                    value={
                        "channel": [
                            "None of your channels has the code “shopee-shop”. Choose one "
                            "from the list."
                        ]
                    },
                    status_codes=["400"],
                    response_only=True,
                )
            ],
        ),
        403: OpenApiResponse(description="Not a partner member."),
    },
    examples=[OpenApiExample("a product", value=EXAMPLE_ITEM, response_only=True)],
)


@extend_schema_view(get=_FEED_SCHEMA)
class PartnerFeedView(generics.ListAPIView):
    serializer_class = FeedItemSerializer
    pagination_class = FeedPagination
    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    filter_backends: list = []  # the one filter, the channel, is checked against the partner's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        user = self.request.user
        try:
            channel = feeds.feed_channel(user, self.request.query_params.get("channel", ""))
        except DjangoValidationError as error:
            raise ValidationError({"channel": error.messages}) from None
        return feeds.with_feed_rows(feeds.feed_referrals(user, channel))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        items = feeds.feed_items_for(page, base_url=request.build_absolute_uri("/").rstrip("/"))
        data = FeedItemSerializer([feeds.item_data(item) for item in items], many=True).data
        return self.get_paginated_response(data)
