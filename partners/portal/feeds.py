"""Listing feeds: a partner's accepted products as CSV, Excel or JSON, with the columns a
marketplace bulk upload asks for, and image links that work for a while without a login.

What is in a feed
    One row per referral of the partner's channels that the partner accepted or already listed
    (product × channel): the state and the listing link are the referral's, and a partner with
    several channels may sell one product on more than one of them. Within one channel a
    product appears once (a pair has at most one open referral), so a feed of one channel is
    one row per product, ready for a bulk upload. Products no longer on sale and products of
    producers who erased their data are left out: the feed is for listing.

    No personal contact details (the producer's phone, LINE ID, address, national ID, the
    representative's name) and not the producer's name either: a listing does not need them
    (data minimisation), so a download records no ContactView. The province of origin is in,
    as OTOP products are sold on it.

Columns
    Each has a stable machine name (the JSON keys, the API's fields, and the spreadsheet header
    when asked for with headers=code) and a header in the reader's language. SKU is the
    product's barcode (GTIN) when it has one, else "OTOP-<product id>", which never changes.
    Certificates are the verified, unexpired ones that cover the product (its own, or its
    producer's for all products); the OTOP stars have their own column.

Image links
    Up to 8 photos, each an absolute link to partners:feed_image carrying the photo id signed
    with a TimestampSigner (its own salt, so no other signed value of the portal opens an
    image). A link works for FEED_IMAGE_LINK_HOURS hours (a setting, 72 by default); then it
    answers 410 Gone and the partner downloads the feed again for fresh links.

The files are written by otop_portal.spreadsheets, as every export is: cells are neutralised
against formula injection, so a product name such as "=HYPERLINK(...)" reaches the spreadsheet
as text. Rows are read a chunk at a time in a fixed number of queries per chunk: memory and
queries do not grow with each row.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.models import Referral, ReferralState
from matching.selectors import referrals_visible_to
from otop_portal import spreadsheets
from otop_portal.models import Role
from otop_portal.statements import Statement
from partners.models import Channel
from partners.portal.selectors import is_partner_member
from producers.models import (
    MAX_PHOTOS,
    OTOP_STARS_CODE,
    Certification,
    CertificationScope,
    CertificationStatus,
    Product,
    ProductPhoto,
    ProductStatus,
)
from producers.selectors import StarFact, star_rating

FEED_STATES = (ReferralState.ACCEPTED, ReferralState.LISTED)
FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {**spreadsheets.CONTENT_TYPES, "json": "application/json"}
HEADER_STYLES = ("label", "code")  # headers in the reader's language, or the machine names
MAX_IMAGES = MAX_PHOTOS
FDA_CODE = "fda"
CHUNK_ROWS = 500  # referrals read at a time
DEFAULT_IMAGE_LINK_HOURS = 72
IMAGE_SALT = "partners.portal.feeds.image"


def image_link_hours() -> int:
    """How long an image link works: settings.FEED_IMAGE_LINK_HOURS, 72 hours by default."""
    return int(getattr(settings, "FEED_IMAGE_LINK_HOURS", DEFAULT_IMAGE_LINK_HOURS))


# --- Signed image links -------------------------------------------------------------------------


class ImageLinkExpired(Exception):
    """The link was genuine but is older than FEED_IMAGE_LINK_HOURS."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=IMAGE_SALT)


def image_token(photo_id: int) -> str:
    """The signed, timestamped token of a photo's feed link."""
    return _signer().sign(str(photo_id))


def read_image_token(token: str) -> tuple[int, float]:
    """(photo id, when the link stops working as a Unix time) of a genuine, unexpired token.
    Raises ImageLinkExpired for a genuine but expired one, signing.BadSignature for anything
    else (tampered, truncated, signed for something other than a feed image)."""
    max_age = image_link_hours() * 3600
    signer = _signer()
    try:
        value = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired as expired:
        raise ImageLinkExpired from expired
    signed_at = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    try:
        return int(value), signed_at + max_age
    except ValueError:
        raise signing.BadSignature("Not a photo id.") from None


def image_link(photo_id: int, base_url: str) -> str:
    return base_url + reverse("partners:feed_image", args=[image_token(photo_id)])


# --- Scope --------------------------------------------------------------------------------------


def feed_channels(user) -> QuerySet[Channel]:
    """The channels a partner member may make a feed of: their partner's own."""
    if not is_partner_member(user):
        return Channel.objects.none()
    return _channels_of(user.partner_id)


def _channels_of(partner_id: int) -> QuerySet[Channel]:
    return Channel.objects.filter(partner_id=partner_id).order_by("name_th", "code")


# The feed's page lists them on every visit: compiled once (otop_portal.statements).
_CHANNELS_OF = Statement(_channels_of)


def feed_channel_list(user) -> list[Channel]:
    """feed_channels, read for the feed's page."""
    if not is_partner_member(user):
        return []
    return _CHANNELS_OF.all(user.partner_id)


def feed_channel(user, code: str) -> Channel | None:
    """The user's channel with this code; None for an empty code (all their channels). Raises
    ValidationError when none of their channels has it (another partner's channel included:
    it is not theirs to name)."""
    code = (code or "").strip()
    if not code:
        return None
    channel = feed_channels(user).filter(code=code).first()
    if channel is None:
        raise ValidationError(
            _("None of your channels has the code “%(code)s”. Choose one from the list.")
            % {"code": code[:60]},
            code="channel",
        )
    return channel


def feed_referrals(user, channel: Channel | None = None) -> QuerySet[Referral]:
    """The referrals a feed lists for this user: those of the user's partner's channels (of
    one of them when given) that the partner accepted or listed, of products still on sale of
    producers who have not erased their data. Unordered; nothing for anyone but a partner
    member."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.PARTNER:
        return Referral.objects.none()
    referrals = referrals_visible_to(user).filter(
        state__in=FEED_STATES,
        product__status=ProductStatus.ACTIVE,
        product__producer__erased_at__isnull=True,
    )
    if channel is not None:
        referrals = referrals.filter(channel=channel)
    return referrals


ROW_FIELDS = (
    "id",
    "state",
    "listing_url",
    "listed_on",
    "channel__code",
    "channel__name_th",
    "channel__name_en",
    *(
        f"product__{name}"
        for name in (
            "id",
            "producer",
            "gtin",
            "name_th",
            "name_en",
            "description",
            "price",
            "price_unit",
            "pack_size",
            "weight_grams",
            "shelf_life_days",
            "storage_conditions",
            "category__code",
            "category__name_th",
            "category__name_en",
            "subcategory__code",
            "subcategory__name_th",
            "subcategory__name_en",
            "producer__province__name_th",
            "producer__province__name_en",
        )
    ),
)


def with_feed_rows(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """What a row reads, joined or prefetched: a page of any size costs the same queries."""
    return (
        referrals.select_related(None)
        .select_related(
            "product",
            "product__category",
            "product__subcategory",
            "product__producer__province",
            "channel",
        )
        # Only what the rows read: not the producer's encrypted national ID (decrypted for
        # every row otherwise) nor anything else personal.
        .only(*ROW_FIELDS)
        .prefetch_related(
            Prefetch(
                "product__photos",
                queryset=ProductPhoto.objects.order_by("position", "pk").only(
                    "pk", "product_id", "position"
                ),
            )
        )
    )


def feed_summary(referrals: QuerySet[Referral]) -> dict[str, int]:
    """How many rows a feed has (and how many products: one may be on several channels), by
    state, and how many miss what marketplaces ask for most (a shipping weight, a photo).
    One query."""
    has_photo = Exists(ProductPhoto.objects.filter(product_id=OuterRef("product_id")))
    return referrals.order_by().aggregate(
        total=Count("pk"),
        products=Count("product_id", distinct=True),
        accepted=Count("pk", filter=Q(state=ReferralState.ACCEPTED)),
        listed=Count("pk", filter=Q(state=ReferralState.LISTED)),
        no_weight=Count("pk", filter=Q(product__weight_grams__isnull=True)),
        no_photo=Count("pk", filter=~Q(has_photo)),
    )


# --- Rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedCertificate:
    type_code: str
    name_th: str
    name_en: str
    number: str
    expires_on: dt.date | None

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_th


@dataclass
class FeedItem:
    referral: Referral
    images: list[str]
    images_expire_at: dt.datetime
    certificates: list[FeedCertificate] = field(default_factory=list)
    otop_stars: int | None = None
    otop_stars_year: int | None = None

    @property
    def product(self) -> Product:
        return self.referral.product

    @property
    def sku(self) -> str:
        return self.product.gtin or f"OTOP-{self.product.pk}"

    @property
    def fda_number(self) -> str:
        return next((c.number for c in self.certificates if c.type_code == FDA_CODE), "")

    def image(self, index: int) -> str:
        return self.images[index] if index < len(self.images) else ""


def _certificates_for(products: list[Product], today: dt.date) -> dict[int, list]:
    """product id -> verified, unexpired certificates covering it (its own and its producer's
    for all products), in the certificate types' order. Two queries whatever the count."""
    if not products:
        return {}
    producer_ids = {p.producer_id for p in products}
    product_ids = {p.pk for p in products}
    certs = list(
        Certification.objects.filter(
            producer_id__in=producer_ids, status=CertificationStatus.VERIFIED
        )
        .exclude(expires_on__lt=today)
        .select_related("type")
        .order_by("type__sort_order", "type__code", "expires_on", "pk")
    )
    covers: dict[int, set[int]] = defaultdict(set)
    product_scoped = [c.pk for c in certs if c.scope == CertificationScope.PRODUCTS]
    if product_scoped:
        through = Certification.products.through.objects.filter(
            certification_id__in=product_scoped, product_id__in=product_ids
        ).values_list("certification_id", "product_id")
        for cert_id, product_id in through:
            covers[cert_id].add(product_id)
    found: dict[int, list] = defaultdict(list)
    for product in products:
        for cert in certs:
            if cert.producer_id != product.producer_id:
                continue
            if cert.scope == CertificationScope.PRODUCER or product.pk in covers[cert.pk]:
                found[product.pk].append(cert)
    return found


def _stars(certs: list[Certification], today: dt.date) -> tuple[int | None, int | None]:
    """The product's current OTOP stars (producers.selectors.star_rating, not stale): (level,
    year awarded)."""
    rating = star_rating(
        (StarFact(c.type.code, c.status, c.expires_on, c.star_level, c.award_year) for c in certs),
        today,
    )
    if rating is None or rating.stale:
        return None, None
    return rating.level, rating.award_year


def feed_items_for(
    referrals: Iterable[Referral],
    *,
    base_url: str,
    today: dt.date | None = None,
    expires_at: dt.datetime | None = None,
) -> list[FeedItem]:
    """The rows of these referrals (loaded with with_feed_rows): two queries for the
    certificates of all of them, none per row."""
    referrals = list(referrals)
    today = today or timezone.localdate()
    expires_at = expires_at or timezone.now() + dt.timedelta(hours=image_link_hours())
    certs = _certificates_for([r.product for r in referrals], today)
    items = []
    for referral in referrals:
        mine = certs.get(referral.product_id, [])
        stars, stars_year = _stars(mine, today)
        photos = list(referral.product.photos.all())[:MAX_IMAGES]
        items.append(
            FeedItem(
                referral=referral,
                images=[image_link(photo.pk, base_url) for photo in photos],
                images_expire_at=expires_at,
                certificates=[
                    FeedCertificate(
                        c.type.code, c.type.name_th, c.type.name_en, c.number, c.expires_on
                    )
                    for c in mine
                    if c.type.code != OTOP_STARS_CODE
                ],
                otop_stars=stars,
                otop_stars_year=stars_year,
            )
        )
    return items


FILE_ORDER = ("channel__code", "product__name_th", "pk")


def feed_items(referrals: QuerySet[Referral], *, base_url: str) -> Iterator[FeedItem]:
    """Every row of a feed in the files' order (channel, then product name), read CHUNK_ROWS
    referrals at a time: one query for the ids, then four a chunk."""
    ids = list(referrals.order_by(*FILE_ORDER).values_list("pk", flat=True))
    expires_at = timezone.now() + dt.timedelta(hours=image_link_hours())
    today = timezone.localdate()
    for start in range(0, len(ids), CHUNK_ROWS):
        chunk = ids[start : start + CHUNK_ROWS]
        loaded = with_feed_rows(Referral.objects.filter(pk__in=chunk)).in_bulk()
        yield from feed_items_for(
            [loaded[pk] for pk in chunk if pk in loaded],
            base_url=base_url,
            today=today,
            expires_at=expires_at,
        )


# --- Columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedColumn:
    name: str  # stable machine name: JSON key, API field, header with headers=code
    header: Promise  # in the reader's language, made when the file is written
    value: Callable[[FeedItem], Any]
    required: bool = False  # what a marketplace bulk upload cannot do without


def _name(obj, language: str) -> str:
    return getattr(obj, f"name_{language}", "") if obj is not None else ""


def _certificate_text(item: FeedItem) -> str:
    parts = []
    for cert in item.certificates:
        if cert.expires_on:
            parts.append(
                _("%(type)s %(number)s (valid until %(date)s)")
                % {"type": cert.name, "number": cert.number, "date": cert.expires_on.isoformat()}
            )
        else:
            parts.append(f"{cert.name} {cert.number}")
    return "; ".join(parts)


def _image_header(n: int) -> str:
    return _("Image %(n)d link") % {"n": n}


_image_header_lazy = lazy(_image_header, str)  # made in the file's language, not at import


def _image_columns() -> list[FeedColumn]:
    def link(index: int) -> Callable[[FeedItem], str]:
        return lambda item: item.image(index)

    return [
        FeedColumn(f"image_{n}", _image_header_lazy(n), link(n - 1), required=n == 1)
        for n in range(1, MAX_IMAGES + 1)
    ]


COLUMNS: tuple[FeedColumn, ...] = (
    FeedColumn("sku", gettext_lazy("SKU"), lambda i: i.sku, required=True),
    FeedColumn("gtin", gettext_lazy("Barcode (GTIN)"), lambda i: i.product.gtin),
    FeedColumn(
        "name_th", gettext_lazy("Product name (Thai)"), lambda i: i.product.name_th, required=True
    ),
    FeedColumn(
        "name_en",
        gettext_lazy("Product name (English)"),
        lambda i: i.product.name_en,
        required=True,
    ),
    FeedColumn(
        "description",
        gettext_lazy("Description"),
        lambda i: i.product.description,
        required=True,
    ),
    FeedColumn(
        "category_th",
        gettext_lazy("Category (Thai)"),
        lambda i: _name(i.product.category, "th"),
        required=True,
    ),
    FeedColumn(
        "category_en",
        gettext_lazy("Category (English)"),
        lambda i: _name(i.product.category, "en"),
        required=True,
    ),
    FeedColumn(
        "subcategory_th",
        gettext_lazy("Sub-type (Thai)"),
        lambda i: _name(i.product.subcategory, "th"),
    ),
    FeedColumn(
        "subcategory_en",
        gettext_lazy("Sub-type (English)"),
        lambda i: _name(i.product.subcategory, "en"),
    ),
    FeedColumn(
        "price", gettext_lazy("Retail price (baht)"), lambda i: i.product.price, required=True
    ),
    FeedColumn("price_unit", gettext_lazy("Unit"), lambda i: i.product.price_unit),
    FeedColumn("pack_size", gettext_lazy("Pack size or net weight"), lambda i: i.product.pack_size),
    FeedColumn(
        "weight_grams",
        gettext_lazy("Shipping weight (grams)"),
        lambda i: i.product.weight_grams,
        required=True,
    ),
    FeedColumn(
        "shelf_life_days",
        gettext_lazy("Shelf life (days)"),
        lambda i: i.product.shelf_life_days,
        required=True,
    ),
    FeedColumn(
        "storage_conditions",
        gettext_lazy("Storage conditions"),
        lambda i: i.product.storage_conditions,
    ),
    FeedColumn(
        "province_th",
        gettext_lazy("Province of origin (Thai)"),
        lambda i: _name(i.product.producer.province, "th"),
    ),
    FeedColumn(
        "province_en",
        gettext_lazy("Province of origin (English)"),
        lambda i: _name(i.product.producer.province, "en"),
    ),
    FeedColumn(
        "fda_number", gettext_lazy("Thai FDA number (อย.)"), lambda i: i.fda_number, required=True
    ),
    FeedColumn(
        "certificates",
        gettext_lazy("Certificates and their numbers"),
        _certificate_text,
        required=True,
    ),
    FeedColumn("otop_stars", gettext_lazy("OTOP stars"), lambda i: i.otop_stars),
    FeedColumn(
        "otop_stars_year",
        gettext_lazy("OTOP stars: year awarded"),
        lambda i: i.otop_stars_year,
    ),
    *_image_columns(),
    FeedColumn(
        "images_expire_at",
        gettext_lazy("Image links work until"),
        lambda i: i.images_expire_at,
        required=True,
    ),
    # People read the channel's name; a listing system matches on its code.
    FeedColumn(
        "channel_name_th", gettext_lazy("Channel (Thai)"), lambda i: i.referral.channel.name_th
    ),
    FeedColumn(
        "channel_name_en", gettext_lazy("Channel (English)"), lambda i: i.referral.channel.name_en
    ),
    FeedColumn("channel", gettext_lazy("Channel code"), lambda i: i.referral.channel.code),
    FeedColumn(
        "state",
        gettext_lazy("State"),
        lambda i: i.referral.get_state_display(),
        required=True,
    ),
    FeedColumn("listing_url", gettext_lazy("Listing link"), lambda i: i.referral.listing_url),
    FeedColumn("listed_on", gettext_lazy("Listed on"), lambda i: i.referral.listed_on),
    FeedColumn("referral_id", gettext_lazy("Referral ID"), lambda i: i.referral.pk),
    FeedColumn("product_id", gettext_lazy("Product ID"), lambda i: i.product.pk),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)


def headers(style: str = "label") -> list[str]:
    """The header row in the active language, or the machine names (style "code")."""
    if style == "code":
        return list(COLUMN_NAMES)
    return [str(column.header) for column in COLUMNS]


def item_data(item: FeedItem) -> dict[str, Any]:
    """One row as JSON data (the JSON file and the API): machine names for keys, the state as
    its code, dates in ISO 8601, the price as a string (exact), images and certificates as
    lists."""
    product, referral = item.product, item.referral
    return {
        "sku": item.sku,
        "gtin": product.gtin,
        "name_th": product.name_th,
        "name_en": product.name_en,
        "description": product.description,
        "category": product.category.code,
        "category_th": product.category.name_th,
        "category_en": product.category.name_en,
        "subcategory": product.subcategory.code if product.subcategory else None,
        "subcategory_th": _name(product.subcategory, "th"),
        "subcategory_en": _name(product.subcategory, "en"),
        "price": None if product.price is None else str(product.price),
        "price_unit": product.price_unit,
        "pack_size": product.pack_size,
        "weight_grams": product.weight_grams,
        "shelf_life_days": product.shelf_life_days,
        "storage_conditions": product.storage_conditions,
        "province_th": _name(product.producer.province, "th"),
        "province_en": _name(product.producer.province, "en"),
        "fda_number": item.fda_number,
        "certificates": [
            {
                "type": c.type_code,
                "name_th": c.name_th,
                "name_en": c.name_en,
                "number": c.number,
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in item.certificates
        ],
        "otop_stars": item.otop_stars,
        "otop_stars_year": item.otop_stars_year,
        "images": list(item.images),
        "images_expire_at": item.images_expire_at.isoformat(),
        "channel": referral.channel.code,
        "channel_name_th": referral.channel.name_th,
        "channel_name_en": referral.channel.name_en,
        "state": referral.state,
        "listing_url": referral.listing_url,
        "listed_on": referral.listed_on.isoformat() if referral.listed_on else None,
        "referral_id": referral.pk,
        "product_id": product.pk,
    }


# --- Writing ------------------------------------------------------------------------------------


def _records(items: Iterable[FeedItem]) -> Iterator[list[Any]]:
    for item in items:
        yield [column.value(item) for column in COLUMNS]


def stream_csv(items: Iterable[FeedItem], *, header_style: str = "label") -> Iterator[bytes]:
    """The feed as CSV, a few rows at a time (otop_portal.spreadsheets.stream_csv)."""
    yield from spreadsheets.stream_csv(headers(header_style), _records(items))


def write_xlsx(items: Iterable[FeedItem], out: IO[bytes], *, header_style: str = "label") -> int:
    """The feed as an Excel workbook (openpyxl, write-only); returns the number of rows."""
    return spreadsheets.write_xlsx(_("Listing feed"), headers(header_style), _records(items), out)


def stream_json(items: Iterable[FeedItem], *, channel: Channel | None) -> Iterator[bytes]:
    """The feed as one JSON document, written a row at a time: {"generated_at", "channel",
    "columns": [{"name", "header", "required"}], "items": [...]}. Thai stays as it is."""

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    head = {
        "generated_at": timezone.now().isoformat(),
        "channel": channel.code if channel else None,
        "image_link_hours": image_link_hours(),
        "columns": [
            {"name": c.name, "header": str(c.header), "required": c.required} for c in COLUMNS
        ],
    }
    yield (dump(head)[:-1] + ', "items": [').encode("utf-8")
    first = True
    for item in items:
        yield (("" if first else ",") + "\n" + dump(item_data(item))).encode("utf-8")
        first = False
    yield b"\n]}\n"


def feed_filename(fmt: str, *, partner_code: str, channel: Channel | None) -> str:
    """otop-feed-central-shelf-2026-11-26.csv: ASCII for every browser (codes are slugs)."""
    name = channel.code if channel else partner_code
    return f"otop-feed-{name}-{timezone.localdate().isoformat()}.{fmt}"


def seconds_left(expires_at: float) -> int:
    return max(0, int(expires_at - time.time()))
