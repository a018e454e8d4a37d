"""Reads for producers, products and certification records, with the queries pages need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from otop_portal.models import Role, User
from otop_portal.statements import Statement
from producers.models import (
    CERTIFICATION_FIELDS,
    OTOP_STAR_ROUND_YEARS,
    OTOP_STARS_CODE,
    PRODUCT_FIELDS,
    STEP_FIELDS,
    Certification,
    CertificationScope,
    CertificationStatus,
    CertificationType,
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


# Who else may see a product: rules added by the apps above (matching: the members of a partner
# it was referred to), so producers imports none of them. Each is rule(viewer, product) -> bool.
_product_readers: list = []


def register_product_reader(rule) -> None:
    if rule not in _product_readers:
        _product_readers.append(rule)


def can_view_product(viewer: User, product: Product) -> bool:
    """Its producer, officers of the producer's province (or national), administrators, and
    whoever a registered rule lets in (partner members once it was sent to their partner).
    Nobody sees the products of a producer who erased their data but administrators."""
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    producer = product.producer
    if viewer.role == Role.ADMIN:
        return True
    if producer.erased_at is not None:
        return False
    if viewer.pk == producer.user_id or officer_covers(viewer, producer):
        return True
    return any(rule(viewer, product) for rule in _product_readers)


# --- Producers ----------------------------------------------------------------------------------


# Every producer page asks for it: compiled once (otop_portal.statements).
_PRODUCER_OF = Statement(
    lambda user_id: (
        Producer.objects.select_related("province").filter(user_id=user_id).order_by("pk")[:1]
    )
)


def producer_for_user(user: User) -> Producer | None:
    """The producer record of the account, with its province; None before they register."""
    return _PRODUCER_OF.first(user.pk) if user.pk is not None else None


# --- Products -----------------------------------------------------------------------------------


def _products_of(producer: Producer | int) -> QuerySet[Product]:
    return (
        Product.objects.filter(producer=producer)
        .select_related("category", "subcategory")
        .order_by("name_th", "pk")
    )


def product_list(*, producer: Producer) -> QuerySet[Product]:
    """A producer's products with what the list shows: category, first photo, photo count."""
    return (
        _products_of(producer)
        .prefetch_related(
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "pk"))
        )
        .annotate(photo_count=Count("photos", distinct=True))
    )


def _home_products(producer_id: int, *, limit: int) -> QuerySet[Product]:
    first_photo = ProductPhoto.objects.filter(product=OuterRef("pk")).order_by("position", "pk")
    return _products_of(producer_id).annotate(
        first_photo_pk=Subquery(first_photo.values("pk")[:1])
    )[:limit]


def _product_of(producer_id: int, pk: int) -> QuerySet[Product]:
    return (
        Product.objects.select_related("category", "subcategory")
        .prefetch_related("photos")
        .filter(producer_id=producer_id, pk=pk)
    )


# The producer's home and product page read these on every visit: compiled once per
# connection (otop_portal.statements).
_HOME_PRODUCTS = Statement(_home_products)
_PRODUCT_OF = Statement(_product_of)
_COVERING = Statement(
    lambda product_id, producer_id: certifications_covering(product_id, producer_id)
)
_CERTIFICATIONS_OF = Statement(
    lambda producer_id, *, limit: certification_list(producer=producer_id)[:limit]
)


def home_products(*, producer: Producer, limit: int) -> list[Product]:
    """The first `limit` of a producer's products for their home, in product_list's order: of
    the photos only the first one's id (`first_photo_pk`, None without photos), in the
    products' own statement. The photos' prefetch was a statement of its own: 1.3 ms of a
    home (issue 13). Their `producer` is the one given, not read again."""
    products = _HOME_PRODUCTS.all(producer.pk, limit=limit)
    for product in products:
        product.producer = producer
    return products


def home_certifications(*, producer: Producer, limit: int) -> list[Certification]:
    """The first `limit` of certification_list, for the producer's home."""
    return _CERTIFICATIONS_OF.all(producer.pk, limit=limit)


def product_detail(*, producer: Producer, pk: int) -> Product:
    """The producer's product, as its page shows it; its `producer` is the one given (read
    with its province by producer_for_user), not read again. Product.DoesNotExist when it is
    not theirs."""
    product = _PRODUCT_OF.first(producer.pk, pk)
    if product is None:
        raise Product.DoesNotExist
    product.producer = producer
    return product


def certificates_covering(product: Product) -> list[Certification]:
    """certifications_covering, read for the product's page."""
    return _COVERING.all(product.pk, product.producer_id)


@dataclass(frozen=True)
class StarRating:
    level: int
    award_year: int  # Christian era
    stale: bool

    @property
    def award_year_be(self) -> int:
        return self.award_year + 543


def certificate_type_categories(*, kept: bool = True) -> dict[str, list[str]]:
    """For each certificate type that is limited to some categories, their codes (reference
    data, editable in the admin): what the matching engine needs to know which preferred marks
    mean something for which products. For the pages, kept by the process while the reference
    data is unchanged (otop_portal.choices.kept_reference; a change to a type's categories is
    one): the producer's and the referral pages ask on every request (issue 13). `kept=False`
    reads them afresh (a re-score)."""
    from otop_portal.choices import kept_reference

    def read() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        through = CertificationType.categories.through.objects.values_list(
            "certificationtype__code", "category__code"
        )
        for type_code, category_code in through:
            out.setdefault(type_code, []).append(category_code)
        return out

    if not kept:
        return read()
    rows = kept_reference("certificate-type-categories", read)
    return {code: list(categories) for code, categories in rows.items()}


class StarFact(NamedTuple):
    """What the star rule reads of one certificate that covers a product: plain values, so the
    re-score (which reads certificates as tuples, in bulk) and the pages share the rule."""

    type_code: str
    status: str
    expires_on: dt.date | None
    star_level: int | None
    award_year: int | None  # Christian era


def star_rating_is_stale(award_year: int, today: dt.date | None = None) -> bool:
    """OPC stars are judged every two years: a rating older than one round is stale."""
    today = today or timezone.localdate()
    return award_year < today.year - OTOP_STAR_ROUND_YEARS


def star_rating(certificates: Iterable[StarFact], today: dt.date) -> StarRating | None:
    """A product's OTOP star rating, from the certificates that cover it (its own and its
    producer's for all products): the newest verified, unexpired OTOP Product Champion rating
    (on a tie of years, the higher level), flagged stale when older than one round. The one
    definition of the rule: pages, feeds and the re-score all come here."""
    best: tuple[int, int] | None = None
    for c in certificates:
        if (
            c[0] == OTOP_STARS_CODE
            and c[1] == CertificationStatus.VERIFIED
            and (c[2] is None or c[2] >= today)
            and c[3]
            and c[4]
            and (best is None or (c[4], c[3]) > best)
        ):
            best = (c[4], c[3])
    if best is None:
        return None
    return StarRating(level=best[1], award_year=best[0], stale=star_rating_is_stale(best[0], today))


def current_star_level(certificates: Iterable[StarFact], today: dt.date) -> int | None:
    """The star level a product has today: its rating (star_rating), unless that is stale."""
    rating = star_rating(certificates, today)
    return rating.level if rating is not None and not rating.stale else None


def product_star_ratings(
    products: list[Product], today: dt.date | None = None
) -> dict[int, StarRating]:
    """star_rating of each product that has one (stale ones too: the pages say so), for a list
    of products. Two queries whatever the count."""
    today = today or timezone.localdate()
    if not products:
        return {}
    certs = (
        Certification.objects.filter(
            producer_id__in={p.producer_id for p in products},
            type__code=OTOP_STARS_CODE,
            status=CertificationStatus.VERIFIED,
        )
        .exclude(expires_on__lt=today)
        .select_related("type")
        .prefetch_related(Prefetch("products", queryset=Product.objects.only("pk")))
    )
    return star_ratings_from(products, certs, today)


def star_facts(certifications: Iterable[Certification]) -> list[StarFact]:
    """What the star rule reads of certificate rows (read with their type)."""
    return [
        StarFact(c.type.code, c.status, c.expires_on, c.star_level, c.award_year)
        for c in certifications
    ]


def covering_each(
    products: list[Product], certifications: Iterable[Certification]
) -> dict[int, list[Certification]]:
    """For each product, those of `certifications` that cover it (as covering() says in SQL):
    its producer's producer-wide ones and those that name it, in the order given. Certificates
    naming products have them prefetched. No query."""
    mine: dict[int, list[Certification]] = {p.pk: [] for p in products}
    for cert in certifications:
        if cert.scope == CertificationScope.PRODUCER:
            covered = [p.pk for p in products if p.producer_id == cert.producer_id]
        else:
            covered = [p.pk for p in cert.products.all() if p.pk in mine]
        for pk in covered:
            mine[pk].append(cert)
    return mine


def star_ratings_from(
    products: list[Product], certifications: Iterable[Certification], today: dt.date
) -> dict[int, StarRating]:
    """product_star_ratings from certificate rows already read: every certificate of the
    products' producers that may rate them (any status: the rule chooses), each with its type
    and, for one that names products, those prefetched. No query: the producer's home reads
    its certificates for their list and rates its products from them."""
    covering_them = covering_each(products, certifications)
    facts = {pk: star_facts(mine) for pk, mine in covering_them.items()}
    ratings = {pk: star_rating(mine, today) for pk, mine in facts.items()}
    return {pk: rating for pk, rating in ratings.items() if rating is not None}


# --- Certification records ----------------------------------------------------------------------


def covering(product) -> Q:
    """Certificates that count for a product (a Product, its pk or an OuterRef to it): the
    producer-wide ones and those that name it. Filter by the product's producer as well."""
    return Q(scope=CertificationScope.PRODUCER) | Q(products=product)


def certifications_covering(product_id: int, producer_id: int) -> QuerySet[Certification]:
    """Every certificate of the product's producer that covers it (any status), with its type:
    what the product's page lists and rates the product from (star_facts), what a referral's
    page lists the current verified ones of, and what one product's facts read."""
    return (
        Certification.objects.filter(producer_id=producer_id)
        .filter(covering(product_id))
        .select_related("type")
        .distinct()
    )


def current_on(day: dt.date) -> Q:
    """Certificates still valid on `day` (no expiry date, or not expired yet)."""
    return Q(expires_on__isnull=True) | Q(expires_on__gte=day)


def is_current_on(certification: Certification, day: dt.date) -> bool:
    """current_on for a certificate already read."""
    return certification.expires_on is None or certification.expires_on >= day


def certification_list(*, producer: Producer | int) -> QuerySet[Certification]:
    return (
        Certification.objects.filter(producer=producer)
        .select_related("type")
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk", "name_th", "name_en"))
        )
        .order_by("expires_on", "pk")
    )


def certificate_number_duplicates(certifications: list[Certification]) -> dict[int, int]:
    """For each of these certificates, how many other producers hold a certificate of the same
    type with the same number (rejected ones left out): one certificate recorded by two
    producers is worth a look before it is verified. One query."""
    if not certifications:
        return {}
    numbers = {c.number for c in certifications}
    others: dict[tuple[int, str], set[int]] = {}
    rows = (
        Certification.objects.filter(number__in=numbers)
        .exclude(status=CertificationStatus.REJECTED)
        .values_list("type_id", "number", "producer_id")
    )
    for type_id, number, producer_id in rows:
        others.setdefault((type_id, number), set()).add(producer_id)
    return {
        c.pk: len(others.get((c.type_id, c.number), set()) - {c.producer_id})
        for c in certifications
    }


# --- My data ------------------------------------------------------------------------------------


SHOWN_APART = ("national_id", "province")


def _exported(obj, name: str):
    """A field as the export writes it: a related row by its code, many of them by their ids."""
    value = getattr(obj, name)
    if name == "products":
        return [p.pk for p in value.all()]
    if name in ("category", "subcategory", "type"):
        return value.code if value is not None else ""
    return value


def producer_export_data(producer: Producer) -> dict:
    """Everything we hold about this producer, as plain data (the owner sees the full ID)."""
    user = producer.user
    # The profile as the owner filled it in (national ID and province below, in their own
    # form), then what the portal keeps about it.
    fields = [f for names in STEP_FIELDS.values() for f in names if f not in SHOWN_APART] + [
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
            {"id": product.pk}
            | {f: _exported(product, f) for f in PRODUCT_FIELDS}
            | {"photos": [p.image.name.rsplit("/", 1)[-1] for p in product.photos.all()]}
        )
    for cert in certification_list(producer=producer):
        data["certifications"].append(
            {"id": cert.pk}
            | {f: _exported(cert, f) for f in CERTIFICATION_FIELDS}
            | {
                "status": cert.status,
                "reject_reason": cert.reject_reason,
                "document": cert.document.name.rsplit("/", 1)[-1] if cert.document.name else "",
            }
        )
    return data
