"""Producers, their products and certification records, and the reference data they use."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import geothai
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from otop_portal.i18n import BilingualNameMixin, localized
from otop_portal.limits import DESCRIPTION_MAX, NOTE_MAX, text_limit


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

# What the owner fills in, declared once: the forms, the API's serializers, the services that
# save them and the "my data" export all read these lists, so a new field is one edit here.
# The producer's profile, by registration step:
STEP_FIELDS = {
    "identity": list(LEGAL_IDENTITY_FIELDS),
    "address": [
        "house_no",
        "moo",
        "street",
        "province",
        "district_code",
        "subdistrict_code",
        "postal_code",
    ],
    "contact": ["phone", "line_id", "member_count", "community_roles"],
    "confirm": [],
}
PRODUCT_FIELDS = [
    "name_th",
    "name_en",
    "category",
    "subcategory",
    "description",
    "price",
    "price_unit",
    "pack_size",
    "weight_grams",
    "shelf_life_days",
    "storage_conditions",
    "monthly_capacity",
    "lead_time_days",
    "gtin",
    "status",
]
CERTIFICATION_FIELDS = [
    "type",
    "number",
    "issuer",
    "issued_on",
    "expires_on",
    "scope",
    "products",  # many-to-many: the services set it after saving
    "star_level",
    "award_year",
]


class Producer(models.Model):
    """A registered OTOP producer: a community group, a single owner or an SME.

    One per producer account. The representative's national ID is personal data (PDPA): it is
    stored encrypted, found by its keyed hash, and shown through
    `producers.selectors.producer_national_id_for` only.
    """

    # None: brought in from the national register and not claimed yet (producers/claims.py).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    return_reason = models.TextField(_("reason for returning"), blank=True, **text_limit(NOTE_MAX))
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
    # Records from the national register: keyed hash (like national_id_hash) of the juristic
    # number, or of the representative's national ID when there is none. Empty: signed up here.
    register_key_hash = models.CharField(max_length=64, blank=True, editable=False)
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
            ),
            # A register record is imported once: re-importing finds it by this key.
            models.UniqueConstraint(
                fields=["register_key_hash"],
                condition=~models.Q(register_key_hash=""),
                name="one_producer_per_register_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(_("Producer #%(pk)s") % {"pk": self.pk})

    @property
    def name(self) -> str:
        return localized(self.name_th, self.name_en)

    @property
    def from_register(self) -> bool:
        return bool(self.register_key_hash)

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
        CLAIM_CODE_ISSUED = "claim_code_issued", _("Claim code issued")
        CLAIMED = "claimed", _("Claimed by the producer with a claim code")
        LINKED = "linked", _("Linked to an account by an officer")

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
    description = models.TextField(_("description"), blank=True, **text_limit(DESCRIPTION_MAX))
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
    # The national register's own product code; empty for products added here.
    register_code = models.CharField(
        _("register product code"), max_length=30, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_th", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["producer", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["register_code"],
                condition=~models.Q(register_code=""),
                name="one_product_per_register_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_th, self.name_en)


class PrivateStorage(FileSystemStorage):
    """Scanned certificates and product photos: outside MEDIA_ROOT, with no URL. They are
    served only by views that check who asks (producers.views.certification_document,
    producers.media.product_photo, and the feed's signed, expiring photo links)."""

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
    # Private: a photo is shown only to those who may see its product (producers.media).
    image = models.ImageField(
        _("photo"),
        upload_to=_photo_path,
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=_thumbnail_path, storage=private_storage
    )
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

    @property
    def image_url(self) -> str:
        return reverse("producers:product_photo", kwargs={"pk": self.pk, "size": "full"})

    @property
    def thumbnail_url(self) -> str:
        return reverse("producers:product_photo", kwargs={"pk": self.pk, "size": "thumbnail"})


# --- Certification records ----------------------------------------------------------------------


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
    reject_reason = models.TextField(_("reason for rejecting"), blank=True, **text_limit(NOTE_MAX))
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
        indexes = [
            # The officers' queue of certificates waiting for review, the longest waiting
            # first, 50 a page: walked in order and stopped, where the status index alone
            # had PostgreSQL sort every pending certificate first (9,791 at national size:
            # 13 ms of the national queue's 37, docs/performance.md, issue 13).
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status=CertificationStatus.PENDING),
                name="certification_pending_oldest",
            ),
        ]
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


# --- The national register: imports and claims --------------------------------------------------


def _register_file_path(instance, filename: str) -> str:
    return f"register-imports/{filename}"


class RegisterImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Could not be read")


class RegisterImport(models.Model):
    """One upload of the national register (CSV or XLSX) and what became of each row.

    The file waits in private storage (it holds national ID numbers) and is deleted once the
    import has read it; the report keeps the counts and the rejected rows, never their values.
    """

    file = models.FileField(
        _("file"), upload_to=_register_file_path, storage=private_storage, blank=True
    )
    filename = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("dry run (check only, write nothing)"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegisterImportStatus.choices,
        default=RegisterImportStatus.QUEUED,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # Why the whole file could not be read (encoding, missing columns ...), in both languages.
    failure_th = models.TextField(blank=True)
    failure_en = models.TextField(blank=True)
    created_at = models.DateTimeField(_("uploaded on"), auto_now_add=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == RegisterImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in (RegisterImportStatus.DONE, RegisterImportStatus.FAILED)

    @property
    def failure(self) -> str:
        return self.failure_en if get_language() == "en" and self.failure_en else self.failure_th


class RegisterImportRejection(models.Model):
    """A row that was not imported: where (line, column) and why, in Thai and in English."""

    register_import = models.ForeignKey(
        RegisterImport, on_delete=models.CASCADE, related_name="rejections"
    )
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=60, blank=True)
    reason_th = models.TextField(_("reason (Thai)"))
    reason_en = models.TextField(_("reason (English)"))

    class Meta:
        ordering = ["line", "pk"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        indexes = [models.Index(fields=["register_import", "line"])]

    def __str__(self) -> str:
        return f"{self.line}: {self.column}"

    @property
    def reason(self) -> str:
        return self.reason_en if get_language() == "en" else self.reason_th


class ClaimCode(models.Model):
    """A one-time code an officer hands to a register producer so they can claim their record.

    Only a hash is stored: the letter (or the CSV row) is the one copy of the code.
    """

    producer = models.ForeignKey(
        Producer, on_delete=models.CASCADE, related_name="claim_codes", verbose_name=_("producer")
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued on"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires on"))
    used_at = models.DateTimeField(_("used on"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")

    def __str__(self) -> str:
        return f"{self.producer_id} ({self.created_at:%Y-%m-%d})"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ClaimAttempt(models.Model):
    """Every try at claiming a record, right or wrong (the audit trail and the rate limit)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="claim_attempts",
        verbose_name=_("account"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    # Why it failed, for the audit: "no_code", "id_mismatch", "expired", "used", "limited".
    outcome = models.CharField(_("outcome"), max_length=20)
    producer = models.ForeignKey(
        Producer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claim_attempts",
        verbose_name=_("producer"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("claim attempt")
        verbose_name_plural = _("claim attempts")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.outcome} ({self.created_at:%Y-%m-%d %H:%M})"
