"""Producers, their products and certification records, and the reference data they use."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import geothai
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from otop_portal.i18n import BilingualNameMixin


class Category(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from the mixin
    """One of the five OTOP product types (domain.md section 2)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    perishable = models.BooleanField(
        _("perishable (has a shelf life)"),
        default=False,
        help_text=_(
            "Products of this category keep for a limited time (food, beverages, herbal "
            "products with an expiry date). A channel's minimum shelf life applies to them only."
        ),
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("OTOP category")
        verbose_name_plural = _("OTOP categories")


class SubCategory(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from the mixin
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="subcategories", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["category__sort_order", "sort_order", "code"]
        verbose_name = _("sub-type")
        verbose_name_plural = _("sub-types")


class CertificationType(BilingualNameMixin, models.Model):  # noqa: DJ008 - __str__ from the mixin
    """A mark or standard a product or producer can hold: อย., มผช., GMP, Halal, GI ..."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    issuer_th = models.CharField(_("issuer (Thai)"), max_length=200, blank=True)
    issuer_en = models.CharField(_("issuer (English)"), max_length=200, blank=True)
    # None: the mark does not expire (GI); otherwise the usual validity, used to suggest dates.
    typical_validity_months = models.PositiveSmallIntegerField(
        _("typical validity (months)"), null=True, blank=True
    )
    number_hint = models.CharField(_("number format hint"), max_length=100, blank=True)
    # The longest believable span from issue to expiry: a longer one is a typing mistake
    # (2570 typed for 2027, or 9999-12-31), and would make the certificate never expire.
    max_validity_years = models.PositiveSmallIntegerField(
        _("longest validity (years)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("An expiry date further than this from the issue date is refused."),
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="certification_types",
        verbose_name=_("applies to categories"),
        help_text=_(
            "The categories this mark means something for (Organic for food, not for cloth). "
            "A channel's preference for it counts only for products of these categories. "
            "None chosen: every category."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("certification type")
        verbose_name_plural = _("certification types")


class ProducerType(models.TextChoices):
    """The three kinds of registered OTOP producer (domain.md section 1)."""

    COMMUNITY_GROUP = "community_group", _("Community producer group")
    SINGLE_OWNER = "single_owner", _("Single-owner community producer")
    SME = "sme", _("SME producer")


# --- Producers ----------------------------------------------------------------------------------


class CommunityRole(models.TextChoices):
    """How the community takes part (domain.md section 1: at least one is needed)."""

    PRODUCTION = "production", _("Production: local labour or raw materials")
    MANAGEMENT = "management", _("Management")
    BENEFIT = "benefit", _("The community benefits")


class ProducerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned for changes")


# Changing one of these on a verified producer sends it back for review.
LEGAL_IDENTITY_FIELDS = (
    "producer_type",
    "name_th",
    "name_en",
    "national_id",
    "juristic_id",
    "community_enterprise_code",
)


class Producer(models.Model):
    """A registered OTOP producer: a community group, a single owner or an SME.

    One per producer account. The representative's national ID is personal data (PDPA): it is
    stored encrypted, found by its keyed hash, and shown through
    `producers.selectors.producer_national_id_for` only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="producer",
        verbose_name=_("account"),
    )
    producer_type = models.CharField(
        _("producer type"), max_length=20, choices=ProducerType.choices, blank=True
    )
    name_th = models.CharField(_("name (Thai)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    national_id = EncryptedCharField(
        _("representative's national ID"), max_length=13, blank=True, null=True
    )
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    juristic_id = models.CharField(_("juristic-person number"), max_length=13, blank=True)
    community_enterprise_code = models.CharField(
        _("community-enterprise registration code"), max_length=12, blank=True
    )
    house_no = models.CharField(_("house number"), max_length=50, blank=True)
    moo = models.CharField(_("village no. (moo)"), max_length=10, blank=True)
    street = models.CharField(_("street or soi"), max_length=200, blank=True)
    province = models.ForeignKey(
        "otop_portal.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="producers",
        verbose_name=_("province"),
    )
    district_code = models.CharField(_("district"), max_length=4, blank=True)
    subdistrict_code = models.CharField(_("subdistrict"), max_length=6, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    line_id = models.CharField(_("LINE ID"), max_length=21, blank=True)
    member_count = models.PositiveIntegerField(_("number of members"), null=True, blank=True)
    community_roles = models.JSONField(_("how the community takes part"), default=list, blank=True)
    privacy_consent_version = models.CharField(
        _("privacy notice version"), max_length=20, blank=True
    )
    privacy_consented_at = models.DateTimeField(
        _("privacy notice accepted on"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProducerStatus.choices, default=ProducerStatus.DRAFT
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    registration_step = models.PositiveSmallIntegerField(_("last completed step"), default=0)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    erased_at = models.DateTimeField(_("erased on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    # The encrypted ID never goes into history rows; its hash records that it changed.
    history = HistoricalRecords(excluded_fields=["national_id"])

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        indexes = [models.Index(fields=["status", "province"])]
        constraints = [
            # One person registers once as a single owner (the service says so first, kindly).
            models.UniqueConstraint(
                fields=["national_id_hash"],
                condition=models.Q(producer_type="single_owner") & ~models.Q(national_id_hash=""),
                name="one_single_owner_per_national_id",
            )
        ]

    def __str__(self) -> str:
        return self.name or str(_("Producer #%(pk)s") % {"pk": self.pk})

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_th

    @property
    def district(self):
        return geothai.district(self.district_code) if self.district_code else None

    @property
    def subdistrict(self):
        return geothai.subdistrict(self.subdistrict_code) if self.subdistrict_code else None

    def community_role_labels(self) -> list[str]:
        labels = dict(CommunityRole.choices)
        return [labels[r] for r in self.community_roles if r in labels]


class ProducerEvent(models.Model):
    """Audit log of a producer's state changes and privacy actions: who, what, when."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        VERIFIED = "verified", _("Verified")
        RETURNED = "returned", _("Returned for changes")
        IDENTITY_CHANGED = "identity_changed", _("Legal identity changed: back to review")
        EXPORTED = "exported", _("Personal data downloaded")
        ERASED = "erased", _("Personal data erased")

    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="events", verbose_name=_("producer")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("producer event")
        verbose_name_plural = _("producer events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class NationalIdView(models.Model):
    """Each time an officer saw a producer's national ID in full (PDPA accountability)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="national_id_views",
        verbose_name=_("officer"),
    )
    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        related_name="national_id_views",
        verbose_name=_("producer"),
    )
    viewed_at = models.DateTimeField(_("viewed on"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("national ID view")
        verbose_name_plural = _("national ID views")

    def __str__(self) -> str:
        return f"{self.officer} → {self.producer} ({self.viewed_at:%Y-%m-%d %H:%M})"


# --- Products -----------------------------------------------------------------------------------


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("On sale")
    DISCONTINUED = "discontinued", _("Discontinued")


class Product(models.Model):
    producer = models.ForeignKey(
        Producer, on_delete=models.CASCADE, related_name="products", verbose_name=_("producer")
    )
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("OTOP category")
    )
    subcategory = models.ForeignKey(
        SubCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("sub-type"),
    )
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("retail price (baht)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    price_unit = models.CharField(
        _("unit"),
        max_length=50,
        blank=True,
        help_text=_("What the price is for: piece, bottle, box ..."),
    )
    pack_size = models.CharField(
        _("pack size or net weight"),
        max_length=100,
        blank=True,
        help_text=_("For example 250 g or 6 pieces."),
    )
    weight_grams = models.PositiveIntegerField(
        _("shipping weight (grams)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text=_("One unit as sold, packed: marketplaces need it to work out delivery."),
    )
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    storage_conditions = models.CharField(_("storage conditions"), max_length=200, blank=True)
    monthly_capacity = models.PositiveIntegerField(
        _("production capacity per month (units)"), null=True, blank=True
    )
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    gtin = models.CharField(_("barcode (GTIN/EAN-13)"), max_length=14, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_th", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["producer", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_th


def _photo_path(instance, filename: str) -> str:
    # Random names (set in uploads.clean_photo): no producer or product in the path.
    return f"products/{filename}"


def _thumbnail_path(instance, filename: str) -> str:
    return f"products/thumbs/{filename}"


MAX_PHOTOS = 8


class ProductPhoto(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="photos", verbose_name=_("product")
    )
    image = models.ImageField(
        _("photo"), upload_to=_photo_path, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_thumbnail_path)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


# --- Certification records ----------------------------------------------------------------------


class PrivateStorage(FileSystemStorage):
    """Scanned certificates: outside MEDIA_ROOT, with no URL. They are served only by
    producers.views.certificate_document after a permission check."""

    @cached_property
    def base_location(self):
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return str(configured or Path(settings.MEDIA_ROOT).parent / "private-media")

    @cached_property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL.")


private_storage = PrivateStorage()


def _document_path(instance, filename: str) -> str:
    return f"certificates/{instance.producer_id}/{filename}"


OTOP_STARS_CODE = "otop-stars"
OTOP_STAR_ROUND_YEARS = 2


class CertificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


class CertificationScope(models.TextChoices):
    PRODUCER = "producer", _("The producer (all products)")
    PRODUCTS = "products", _("The products listed")


class Certification(models.Model):
    """A certificate a producer holds (อย., มผช., GMP, Halal, OTOP stars ...)."""

    producer = models.ForeignKey(
        Producer,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("producer"),
    )
    type = models.ForeignKey(
        CertificationType,
        on_delete=models.PROTECT,
        related_name="certifications",
        verbose_name=_("certificate type"),
    )
    number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    scope = models.CharField(
        _("covers"),
        max_length=10,
        choices=CertificationScope.choices,
        default=CertificationScope.PRODUCTS,
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="certifications", verbose_name=_("products covered")
    )
    document = models.FileField(
        _("scanned certificate"), upload_to=_document_path, storage=private_storage, blank=True
    )
    document_content_type = models.CharField(max_length=50, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificationStatus.choices,
        default=CertificationStatus.PENDING,
        db_index=True,
    )
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    star_level = models.PositiveSmallIntegerField(
        _("OTOP stars"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # Stored in the Christian era; shown in the Buddhist era to Thai readers.
    award_year = models.PositiveSmallIntegerField(_("year awarded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on", "pk"]
        verbose_name = _("certification record")
        verbose_name_plural = _("certification records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("issued_on")),
                name="certification_expires_after_issue",
                violation_error_message=_("The expiry date must be after the issue date."),
            ),
            models.CheckConstraint(
                condition=models.Q(star_level__isnull=True)
                | models.Q(star_level__gte=1, star_level__lte=5),
                name="certification_star_level_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.number}"

    def days_to_expiry(self, today: dt.date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or timezone.localdate())).days

    def expiry_state(self, today: dt.date | None = None) -> str:
        """ "expired", "expiring" (within 60 days) or "" for the page badges."""
        days = self.days_to_expiry(today)
        if days is None:
            return ""
        if days < 0:
            return "expired"
        if days <= EXPIRY_WARNING_DAYS:
            return "expiring"
        return ""

    @property
    def award_year_be(self) -> int | None:
        return self.award_year + 543 if self.award_year else None


EXPIRY_WARNING_DAYS = 60
REMINDER_DAYS = (60, 30, 7)


class CertificateReminder(models.Model):
    """An expiry reminder that was sent; the unique pair keeps a re-run from sending it twice."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "days_before"], name="one_reminder_per_certificate_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certification} ({self.days_before} days)"
