"""Match results over the API: read-only, with the same filters as the officers' candidate
page. Who sees what is matching.selectors.results_visible_to: a producer their own products'
results, an officer those of their provinces, an administrator all, a partner member none (an
empty list, not a refusal)."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, viewsets

from matching.api.pagination import KeysetPagination
from matching.engine import Criterion
from matching.filters import MatchResultApiFilter
from matching.models import (
    MatchResult,
)
from matching.selectors import results_visible_to
from otop_portal.pagination import only_shown, serializer_columns
from otop_portal.serializers import KeptRowsListSerializer

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
        # A page's rows, read as values, serialized once per process (issue 13).
        list_serializer_class = KeptRowsListSerializer
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
    # What a page's rows are read as (values, for KeysetPagination): the columns the
    # serializer reads, each under the name it reads it by. As models, with only these
    # columns, the 50 rows and their serialization were half of a page's CPU (issue 13).
    # tests/matching/test_results_api.py checks each row against its detail (a model).
    values_columns = (
        "id",
        "product_id",
        "product__name_th",
        "channel__code",
        "channel__partner__code",
        "eligible",
        "score",
        "star_level",
        "failed",
        "requirement_version",
        "computed_at",
    )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MatchResult.objects.none()
        # Only the columns the serializer reads (its failed criteria: `failed`), not the
        # product's and the partner's dozens: 1-2 ms of a page's 11 at national size (issue 13).
        columns = (*serializer_columns(MatchResultSerializer, MatchResult), "failed")
        return only_shown(results_visible_to(self.request.user), columns)
