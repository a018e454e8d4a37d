"""API: the partner's shortlist, read only (GET /api/v1/shortlist/, /api/v1/shortlist/{id}/).

The same filters as the shortlist page (partners.portal.filters.PartnerReferralFilter) over the
same selector, for partner members only. Decisions are made through
/api/v1/referrals/{id}/accept/ and friends (matching.api.referrals), which go through the same
services as the pages. The producer's personal contact details are not in this API: they are
shown on the product's page once the partner accepted it, and each view is recorded.
"""

from __future__ import annotations

import functools

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from matching.api.serializers import decline_code_field, listing_url_field, state_label_field
from matching.models import Referral
from otop_portal.models import Role
from otop_portal.pagination import KnownCountPaginator, serializer_columns
from otop_portal.serializers import KeptRowsListSerializer
from partners.portal.filters import PartnerReferralFilter
from partners.portal.selectors import (
    partner_shortlist,
    partner_shortlist_count,
    partner_shortlist_ids,
    product_certificates,
    shortlist_ids,
    shortlist_rows,
)


class IsPartnerMember(permissions.BasePermission):
    message = gettext_lazy("Only partner members read a shortlist.")

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.role == Role.PARTNER
        )


class ShortlistProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name_th = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    subcategory = serializers.CharField(
        source="subcategory.code", read_only=True, allow_null=True, default=None
    )
    description = serializers.CharField(read_only=True)
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, allow_null=True, help_text="Baht."
    )
    price_unit = serializers.CharField(read_only=True)
    pack_size = serializers.CharField(read_only=True)
    weight_grams = serializers.IntegerField(read_only=True, allow_null=True)
    shelf_life_days = serializers.IntegerField(read_only=True, allow_null=True)
    storage_conditions = serializers.CharField(read_only=True)
    monthly_capacity = serializers.IntegerField(read_only=True, allow_null=True)
    lead_time_days = serializers.IntegerField(read_only=True, allow_null=True)
    gtin = serializers.CharField(read_only=True)


class ShortlistSerializer(serializers.ModelSerializer):
    product = ShortlistProductSerializer(read_only=True)
    producer_name_th = serializers.CharField(source="product.producer.name_th", read_only=True)
    producer_name_en = serializers.CharField(source="product.producer.name_en", read_only=True)
    province = serializers.CharField(
        source="product.producer.province.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The producer's province code.",
    )
    channel = serializers.CharField(source="channel.code", read_only=True)
    state_label = state_label_field()
    score = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The stored match score (0–100)."
    )
    star_level = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Current verified OTOP stars, if any."
    )
    sent_at = serializers.DateTimeField(read_only=True, help_text="When it was sent to you.")
    decline_code = decline_code_field()
    listing_url = listing_url_field()

    class Meta:
        model = Referral
        # A page's rows, read as values, serialized once per process (issue 13).
        list_serializer_class = KeptRowsListSerializer
        fields = [
            "id",
            "state",
            "state_label",
            "channel",
            "product",
            "producer_name_th",
            "producer_name_en",
            "province",
            "score",
            "star_level",
            "sent_at",
            "decline_code",
            "decline_reason",
            "listing_url",
            "listed_on",
            "updated_at",
        ]
        read_only_fields = fields


class ShortlistCertificateSerializer(serializers.Serializer):
    type = serializers.CharField(source="type.code", read_only=True)
    number = serializers.CharField(read_only=True)
    issuer = serializers.CharField(read_only=True)
    issued_on = serializers.DateField(read_only=True)
    expires_on = serializers.DateField(read_only=True, allow_null=True)
    star_level = serializers.IntegerField(read_only=True, allow_null=True)


class ShortlistDetailSerializer(ShortlistSerializer):
    certificates = serializers.SerializerMethodField(
        help_text="The product's current verified certificates (its own and its producer's)."
    )

    class Meta(ShortlistSerializer.Meta):
        fields = [*ShortlistSerializer.Meta.fields, "certificates"]
        read_only_fields = fields

    @extend_schema_field(ShortlistCertificateSerializer(many=True))
    def get_certificates(self, obj: Referral) -> list[dict]:
        return ShortlistCertificateSerializer(product_certificates(obj.product), many=True).data


_EXAMPLE = {
    "id": 42,
    "state": "sent",
    "state_label": "Sent to the partner",
    "channel": "central-food-hall",
    "product": {
        "id": 1234,
        "name_th": "น้ำพริกเผาแม่มาลี",
        "name_en": "Mae Malee chilli paste",
        "category": "food",
        "subcategory": "food-processed",
        "description": "น้ำพริกเผาสูตรดั้งเดิม",
        "price": "85.00",
        "price_unit": "กระปุก",
        "pack_size": "200 g",
        "weight_grams": 260,
        "shelf_life_days": 365,
        "storage_conditions": "เก็บในที่แห้ง",
        "monthly_capacity": 3000,
        "lead_time_days": 7,
        "gtin": "8850123456786",
    },
    "producer_name_th": "วิสาหกิจชุมชนแม่มาลี",
    "producer_name_en": "Mae Malee community enterprise",
    "province": "50",
    "score": 87,
    "star_level": 4,
    "sent_at": "2026-03-04T10:00:00+07:00",
    "decline_code": "",
    "decline_reason": "",
    "listing_url": "",
    "listed_on": None,
    "updated_at": "2026-03-04T10:00:00+07:00",
}
_EXAMPLE_DETAIL = {
    **_EXAMPLE,
    "certificates": [
        {
            "type": "fda",
            "number": "50-1-12345-2-0001",
            "issuer": "สำนักงานสาธารณสุขจังหวัดเชียงใหม่",
            "issued_on": "2025-01-15",
            "expires_on": None,
            "star_level": None,
        }
    ],
}
_NOT_PARTNER = OpenApiResponse(description="Only partner members read a shortlist.")


class ShortlistPagination(PageNumberPagination):
    """Pages as the other lists have them, read as the shortlist page reads them
    (partners/portal/views.py home, issue 13): a page's ids first, then its rows by id. The ids
    are kept when the list is narrowed or sorted (partner_shortlist_ids); otherwise they come
    through the index, with the count the page shows (partner_shortlist_count: from the state
    counts, or kept per partner and filters), not a COUNT over a big partner's 20,000
    referrals. Ordering the joined rows for a page took 16 ms of the database's time at
    national size; its ids and then its 50 rows, a few."""

    def paginate_queryset(self, queryset, request, view=None):
        filterset = PartnerReferralFilter(request.query_params, queryset=queryset, request=request)
        ids = partner_shortlist_ids(request.user, filterset, queryset)
        read_now = ids is None  # the page's ids read just now through the filters
        if read_now:
            ids = shortlist_ids(request.user, filterset)
            count = partner_shortlist_count(request.user, filterset, queryset)
            self.django_paginator_class = functools.partial(KnownCountPaginator, count=count)
        else:
            self.django_paginator_class = Paginator  # the kept list's length
        page_ids = super().paginate_queryset(ids, request, view)
        # Only the columns the list's serializer reads (and the pair's score and stars), as
        # values the same serializer reads as it reads model rows: the 50 rows read in full,
        # with every joined row, cost 5 ms of the list's 25, and as models with only those
        # columns still a third of the list's CPU (issue 13).
        columns = (*serializer_columns(ShortlistSerializer, Referral), "score", "star_level")
        self.page.object_list = shortlist_rows(
            queryset, page_ids, columns, partner_id=request.user.partner_id if read_now else None
        )
        return self.page.object_list


@extend_schema(tags=["shortlist"])
@extend_schema_view(
    list=extend_schema(
        summary="Your shortlist",
        description="The referrals sent to your partner's channels (and what became of them), "
        "waiting ones first and the newest first unless `ordering` says otherwise; the same "
        "filters as the shortlist page. Pages of 50 (`page`).",
        responses={200: ShortlistSerializer(many=True), 403: _NOT_PARTNER},
        examples=[OpenApiExample("a product on the list", value=_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One product of your shortlist",
        description="With its verified certificates. 404 for a referral that is not your "
        "partner's.",
        responses={200: ShortlistDetailSerializer, 403: _NOT_PARTNER},
        examples=[OpenApiExample("a product", value=_EXAMPLE_DETAIL, response_only=True)],
    ),
)
class ShortlistViewSet(viewsets.ReadOnlyModelViewSet):
    """The partner member's shortlist, read only."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    filterset_class = PartnerReferralFilter
    pagination_class = ShortlistPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return partner_shortlist(self.request.user)

    def get_serializer_class(self):
        return ShortlistDetailSerializer if self.action == "retrieve" else ShortlistSerializer
