"""Reads for producers, products and certification records, with the queries pages need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from otop_portal.models import Role, User
from producers.models import (
    OTOP_STAR_ROUND_YEARS,
    OTOP_STARS_CODE,
    Certification,
    CertificationScope,
    CertificationStatus,
    NationalIdView,
    Producer,
    ProducerEvent,
    Product,
    ProductPhoto,
)
from producers.validators import format_national_id, mask_national_id

# --- The national ID: masked unless the reader may see it -------------------------------------


def can_see_full_national_id(viewer: User, producer: Producer) -> bool:
    """The owner, and officers of the producer's province (or national officers)."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == producer.user_id:
        return True
    if viewer.role == Role.OFFICER:
        if viewer.is_national_officer:
            return True
        return (
            producer.province_id is not None
            and viewer.provinces.filter(pk=producer.province_id).exists()
        )
    return False


def producer_national_id_for(viewer: User, producer: Producer) -> str:
    """The national ID as this viewer may see it: in full, or masked as x-xxxx-xxxxx-12-3.

    Every full view by someone other than the owner is logged (NationalIdView).
    """
    number = producer.national_id or ""
    if not number:
        return ""
    if not can_see_full_national_id(viewer, producer):
        return mask_national_id(number)
    if viewer.pk != producer.user_id:
        NationalIdView.objects.create(officer=viewer, producer=producer)
    return format_national_id(number)


def officer_covers(viewer: User, producer: Producer) -> bool:
    if viewer.role != Role.OFFICER:
        return False
    if viewer.is_national_officer:
        return True
    return (
        producer.province_id is not None
        and viewer.provinces.filter(pk=producer.province_id).exists()
    )


# --- Producers ----------------------------------------------------------------------------------


def producer_for_user(user: User) -> Producer | None:
    return Producer.objects.select_related("province").filter(user=user).first()


# --- Products -----------------------------------------------------------------------------------


def product_list(*, producer: Producer) -> QuerySet[Product]:
    """A producer's products with what the list shows: category, first photo, photo count."""
    return (
        Product.objects.filter(producer=producer)
        .select_related("category", "subcategory")
        .prefetch_related(
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "pk"))
        )
        .annotate(photo_count=Count("photos", distinct=True))
        .order_by("name_th", "pk")
    )


def product_detail(*, producer: Producer, pk: int) -> Product:
    return (
        Product.objects.select_related("category", "subcategory", "producer")
        .prefetch_related("photos")
        .get(producer=producer, pk=pk)
    )


@dataclass(frozen=True)
class StarRating:
    level: int
    award_year: int  # Christian era
    stale: bool

    @property
    def award_year_be(self) -> int:
        return self.award_year + 543


def star_rating_is_stale(award_year: int, today: dt.date | None = None) -> bool:
    """OPC stars are judged every two years: a rating older than one round is stale."""
    today = today or timezone.localdate()
    return award_year < today.year - OTOP_STAR_ROUND_YEARS


def product_star_ratings(
    products: list[Product], today: dt.date | None = None
) -> dict[int, StarRating]:
    """Star level of each product, from its latest verified, unexpired OTOP-stars certificate
    (one covering the product, or covering its producer). Two queries whatever the count."""
    today = today or timezone.localdate()
    if not products:
        return {}
    producer_ids = {p.producer_id for p in products}
    certs = (
        Certification.objects.filter(
            producer_id__in=producer_ids,
            type__code=OTOP_STARS_CODE,
            status=CertificationStatus.VERIFIED,
        )
        .exclude(expires_on__lt=today)
        .prefetch_related(Prefetch("products", queryset=Product.objects.only("pk")))
        .order_by("-award_year", "-star_level", "-pk")
    )
    ratings: dict[int, StarRating] = {}
    for cert in certs:
        covered = (
            [p.pk for p in products if p.producer_id == cert.producer_id]
            if cert.scope == CertificationScope.PRODUCER
            else [p.pk for p in cert.products.all()]
        )
        for pk in covered:
            if pk not in ratings:  # newest first: the first found wins
                ratings[pk] = StarRating(
                    cert.star_level, cert.award_year, star_rating_is_stale(cert.award_year, today)
                )
    return ratings


# --- Certification records ----------------------------------------------------------------------


def covering(product) -> Q:
    """Certificates that count for a product (a Product, its pk or an OuterRef to it): the
    producer-wide ones and those that name it. Filter by the product's producer as well."""
    return Q(scope=CertificationScope.PRODUCER) | Q(products=product)


def current_on(day: dt.date) -> Q:
    """Certificates still valid on `day` (no expiry date, or not expired yet)."""
    return Q(expires_on__isnull=True) | Q(expires_on__gte=day)


def certification_list(*, producer: Producer) -> QuerySet[Certification]:
    return (
        Certification.objects.filter(producer=producer)
        .select_related("type")
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk", "name_th", "name_en"))
        )
        .order_by("expires_on", "pk")
    )


# --- My data ------------------------------------------------------------------------------------


def producer_export_data(producer: Producer) -> dict:
    """Everything we hold about this producer, as plain data (the owner sees the full ID)."""
    user = producer.user
    fields = [
        "producer_type",
        "name_th",
        "name_en",
        "juristic_id",
        "community_enterprise_code",
        "house_no",
        "moo",
        "street",
        "district_code",
        "subdistrict_code",
        "postal_code",
        "phone",
        "line_id",
        "member_count",
        "community_roles",
        "privacy_consent_version",
        "privacy_consented_at",
        "status",
        "return_reason",
        "created_at",
        "updated_at",
    ]
    data = {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "date_joined": user.date_joined,
        },
        "producer": {f: getattr(producer, f) for f in fields}
        | {
            "national_id": producer.national_id or "",
            "province": producer.province.code if producer.province else "",
        },
        "products": [],
        "certifications": [],
        "events": [
            {"action": e.action, "when": e.created_at, "data": e.data}
            for e in ProducerEvent.objects.filter(producer=producer)
        ],
        "national_id_views": [
            {"when": v.viewed_at} for v in NationalIdView.objects.filter(producer=producer)
        ],
    }
    for product in product_list(producer=producer):
        data["products"].append(
            {
                "id": product.pk,
                "name_th": product.name_th,
                "name_en": product.name_en,
                "category": product.category.code,
                "subcategory": product.subcategory.code if product.subcategory else "",
                "description": product.description,
                "price": product.price,
                "price_unit": product.price_unit,
                "pack_size": product.pack_size,
                "shelf_life_days": product.shelf_life_days,
                "storage_conditions": product.storage_conditions,
                "monthly_capacity": product.monthly_capacity,
                "lead_time_days": product.lead_time_days,
                "gtin": product.gtin,
                "status": product.status,
                "photos": [p.image.name.rsplit("/", 1)[-1] for p in product.photos.all()],
            }
        )
    for cert in certification_list(producer=producer):
        data["certifications"].append(
            {
                "id": cert.pk,
                "type": cert.type.code,
                "number": cert.number,
                "issuer": cert.issuer,
                "issued_on": cert.issued_on,
                "expires_on": cert.expires_on,
                "scope": cert.scope,
                "products": [p.pk for p in cert.products.all()],
                "status": cert.status,
                "reject_reason": cert.reject_reason,
                "star_level": cert.star_level,
                "award_year": cert.award_year,
                "document": cert.document.name.rsplit("/", 1)[-1] if cert.document.name else "",
            }
        )
    return data
