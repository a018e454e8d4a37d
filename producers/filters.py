"""django-filter sets for the producer API (and any list page that wants them)."""

import django_filters
from django.db.models import Q

from otop_portal.filters import FilterSet, IntegerFilter
from otop_portal.thai_input import ThaiDateFilter
from producers.models import (
    Certification,
    CertificationScope,
    CertificationStatus,
    Product,
    ProductPhoto,
    ProductStatus,
)


class ProductFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices)
    category = django_filters.CharFilter(field_name="category__code", label="OTOP category code")
    subcategory = django_filters.CharFilter(field_name="subcategory__code", label="sub-type code")
    certification_type = django_filters.CharFilter(
        method="filter_certification_type",
        label="has a certificate of this type (code), for the product or its producer",
    )
    q = django_filters.CharFilter(method="search", label="name (Thai or English) contains")

    class Meta:
        model = Product
        fields = ["status", "category", "subcategory"]

    def filter_certification_type(self, queryset, name, value):
        return queryset.filter(
            Q(certifications__type__code=value)
            | Q(
                producer__certifications__type__code=value,
                producer__certifications__scope=CertificationScope.PRODUCER,
            )
        ).distinct()

    def search(self, queryset, name, value):
        return queryset.filter(Q(name_th__icontains=value) | Q(name_en__icontains=value))


class ProductPhotoFilter(FilterSet):
    class Meta:
        model = ProductPhoto
        fields = ["product"]


class CertificationFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=CertificationStatus.choices)
    type = django_filters.CharFilter(field_name="type__code", label="certificate type code")
    expires_before = ThaiDateFilter(
        field_name="expires_on",
        lookup_expr="lte",
        label="expires on or before (YYYY-MM-DD; a year from 2400 on is a Buddhist year)",
    )
    product = IntegerFilter(field_name="products", label="covers this product (id)")

    class Meta:
        model = Certification
        fields = ["status", "type", "expires_before", "product", "scope"]
