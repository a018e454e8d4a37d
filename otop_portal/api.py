"""API base: who am I, and the province list every client needs for its filters."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from otop_portal.filters import FilterSet
from otop_portal.models import Province, User


class MeSerializer(serializers.ModelSerializer):
    provinces = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    partner = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "email",
            "full_name",
            "role",
            "language",
            "provinces",
            "is_national_officer",
            "partner",
            "is_partner_admin",
        ]
        read_only_fields = fields


class MeView(generics.RetrieveAPIView):
    """The account behind this session or token."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return self.request.user


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name_th", "name_en"]


class ProvinceFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="name (Thai or English) contains")

    class Meta:
        model = Province
        fields = ["code"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name_th__icontains=value) | Q(name_en__icontains=value))


@extend_schema(tags=["reference"])
class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    """Thailand's 77 provinces (data: GeoThai, CC-BY-4.0)."""

    queryset = Province.objects.order_by("code")
    serializer_class = ProvinceSerializer
    filterset_class = ProvinceFilter
    lookup_field = "code"
