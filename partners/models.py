"""MOU partners, the channels they sell through, and what each channel requires.

Requirements are data, never code: partners and officers edit them in the portal, and every
change is kept as a numbered RequirementVersion whose snapshot the matching engine reads.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from otop_portal.i18n import BilingualNameMixin
from partners.validators import validate_channel_code, validate_logo


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left the MOU")


def _logo_path(instance: Partner, filename: str) -> str:
    # A fresh name every upload: no guessing, no overwriting, no caching of an old logo.
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"partners/logos/{instance.code}-{uuid.uuid4().hex[:12]}{suffix}"


class PartnerQuerySet(models.QuerySet):
    def in_mou(self) -> PartnerQuerySet:
        """Partners that have not left the MOU (active or paused)."""
        return self.exclude(status=PartnerStatus.LEFT)


class Partner(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    business_th = models.CharField(_("kind of business (Thai)"), max_length=300, blank=True)
    business_en = models.CharField(_("kind of business (English)"), max_length=300, blank=True)
    description_th = models.TextField(_("description (Thai)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to=_logo_path,
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG, JPEG or WebP."),
    )
    mou_date = models.DateField(_("MOU signed"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed the profile or the status, and when (the status matters: leaving the MOU).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name

    @property
    def business(self) -> str:
        return self.business_en if get_language() == "en" and self.business_en else self.business_th

    @property
    def description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description_th


class ChannelKind(models.TextChoices):
    ONLINE_MARKETPLACE = "online_marketplace", _("Online marketplace")
    SOCIAL_COMMERCE = "social_commerce", _("Social and live commerce")
    MODERN_TRADE = "modern_trade", _("Modern trade (department store or supermarket shelf)")
    CONVENIENCE_STORE = "convenience_store", _("Convenience store")
    PETROL_STATION = "petrol_station", _("Petrol-station retail")
    POSTAL_ECOMMERCE = "postal_ecommerce", _("Postal e-commerce")
    COMMUNITY_MARKET = "community_market", _("Community market")


class Channel(BilingualNameMixin, models.Model):
    """One way a partner sells: a shelf, a marketplace, a live-commerce shop."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="channels", verbose_name=_("partner")
    )
    code = models.SlugField(
        _("code"), max_length=60, unique=True, validators=[validate_channel_code]
    )
    kind = models.CharField(_("kind of channel"), max_length=30, choices=ChannelKind.choices)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_th = models.TextField(_("description (Thai)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    nationwide = models.BooleanField(_("sells nationwide"), default=True)
    provinces = models.ManyToManyField(
        "otop_portal.Province",
        blank=True,
        related_name="channels",
        verbose_name=_("provinces served"),
        help_text=_("Used when the channel does not sell nationwide."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["partner_id", "name_en"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["nationwide"])]

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description_th


class ChannelRequirement(models.Model):
    """What a channel asks of a product. Empty lists mean "any"; None means "no limit".

    Written only through partners.services.requirement_save, which bumps `version` and keeps
    the snapshot of every version.
    """

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="requirement", verbose_name=_("channel")
    )
    categories = models.ManyToManyField(
        "producers.Category",
        blank=True,
        related_name="+",
        verbose_name=_("accepted OTOP categories"),
        help_text=_("None ticked: every category."),
    )
    subcategories = models.ManyToManyField(
        "producers.SubCategory",
        blank=True,
        related_name="+",
        verbose_name=_("accepted sub-types"),
        help_text=_("None ticked: every sub-type of the accepted categories."),
    )
    # Values of producers.models.ProducerType; empty: every kind of producer.
    producer_types = models.JSONField(_("accepted producer types"), default=list, blank=True)
    min_star_level = models.PositiveSmallIntegerField(
        _("minimum OTOP stars"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    gtin_required = models.BooleanField(_("barcode (GTIN) required"), default=False)
    min_shelf_life_days = models.PositiveIntegerField(
        _("minimum shelf life (days)"), null=True, blank=True
    )
    min_monthly_capacity = models.PositiveIntegerField(
        _("minimum monthly capacity (units)"), null=True, blank=True
    )
    max_lead_time_days = models.PositiveIntegerField(
        _("maximum lead time (days)"), null=True, blank=True
    )
    price_min = models.DecimalField(
        _("lowest retail price (baht)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    price_max = models.DecimalField(
        _("highest retail price (baht)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    notes_th = models.TextField(_("notes (Thai)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel requirement")
        verbose_name_plural = _("channel requirements")

    def __str__(self) -> str:
        return f"{self.channel.code} v{self.version}"

    @property
    def notes(self) -> str:
        if get_language() == "en" and self.notes_en:
            return self.notes_en
        return self.notes_th


class RuleMode(models.TextChoices):
    ALL = "all", _("All of these")
    ANY = "any", _("At least one of these")


class CertificateRule(models.Model):
    """Certificates a product must hold: all of them, or any one. With categories, the rule
    applies only to products of those categories ("food needs อย.")."""

    requirement = models.ForeignKey(
        ChannelRequirement, on_delete=models.CASCADE, related_name="certificate_rules"
    )
    mode = models.CharField(_("which certificates"), max_length=3, choices=RuleMode.choices)
    certification_types = models.ManyToManyField(
        "producers.CertificationType", related_name="+", verbose_name=_("certificates")
    )
    categories = models.ManyToManyField(
        "producers.Category",
        blank=True,
        related_name="+",
        verbose_name=_("only for these categories"),
        help_text=_("None ticked: the rule applies to every product."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")

    def __str__(self) -> str:
        return f"{self.get_mode_display()} ({self.pk})"


class PreferredKind(models.TextChoices):
    CERTIFICATE = "certificate", _("An extra certificate")
    STARS = "stars", _("More OTOP stars")
    PROVINCE = "province", _("Producer near the channel")
    CAPACITY = "capacity", _("Capacity above the minimum")


class PreferredCriterion(models.Model):
    """Not required, but raises a product's score by its weight."""

    requirement = models.ForeignKey(
        ChannelRequirement, on_delete=models.CASCADE, related_name="preferred"
    )
    kind = models.CharField(_("preferred"), max_length=12, choices=PreferredKind.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    certification_type = models.ForeignKey(
        "producers.CertificationType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )
    target_star_level = models.PositiveSmallIntegerField(
        _("star level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    provinces = models.ManyToManyField(
        "otop_portal.Province", blank=True, related_name="+", verbose_name=_("provinces")
    )
    target_capacity = models.PositiveIntegerField(
        _("monthly capacity (units)"), null=True, blank=True
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("preferred criterion")
        verbose_name_plural = _("preferred criteria")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.weight})"


class RequirementVersion(models.Model):
    """One saved state of a channel's requirement: who, when, and the snapshot the matching
    engine scores against."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="versions", verbose_name=_("channel")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed on"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The free-text notes are not part of the snapshot (the engine does not read them) but a
    # change to them is a change people want to see in the history.
    notes_th = models.TextField(_("notes (Thai)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)

    class Meta:
        ordering = ["channel_id", "-number"]
        verbose_name = _("requirement version")
        verbose_name_plural = _("requirement versions")
        constraints = [
            models.UniqueConstraint(fields=["channel", "number"], name="unique_version_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} v{self.number}"

    @property
    def notes(self) -> str:
        if get_language() == "en" and self.notes_en:
            return self.notes_en
        return self.notes_th


# --- The partner portal (issue 7) ----------------------------------------------------------------


class SavedList(models.Model):
    """A partner member's named list of products to come back to; shared, every member of the
    same partner reads it (only its owner renames, shares or deletes it)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="saved_lists", verbose_name=_("partner")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_lists",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    shared = models.BooleanField(_("shared with colleagues"), default=False)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved list")
        verbose_name_plural = _("saved lists")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="unique_saved_list_name_per_owner",
                violation_error_message=_("You already have a list with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class SavedListItem(models.Model):
    saved_list = models.ForeignKey(
        SavedList, on_delete=models.CASCADE, related_name="items", verbose_name=_("list")
    )
    product = models.ForeignKey(
        "producers.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added on"), auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        verbose_name = _("saved product")
        verbose_name_plural = _("saved products")
        constraints = [
            models.UniqueConstraint(
                fields=["saved_list", "product"],
                name="unique_product_per_saved_list",
                violation_error_message=_("This product is already in the list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.saved_list_id}: {self.product_id}"


class ContactView(models.Model):
    """A partner member saw a producer's personal contact details (PDPA: shown only once the
    partner accepted the referral, and every view is recorded)."""

    referral = models.ForeignKey(
        "matching.Referral",
        on_delete=models.PROTECT,
        related_name="contact_views",
        verbose_name=_("referral"),
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seen by"),
    )
    via = models.CharField(_("where"), max_length=8, default="page")  # page, api, feed
    viewed_at = models.DateTimeField(_("seen on"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        verbose_name = _("view of contact details")
        verbose_name_plural = _("views of contact details")

    def __str__(self) -> str:
        return f"{self.viewer_id} saw {self.referral_id} ({self.via})"


class ApiToken(models.Model):
    """A key a partner administrator makes for the partner's own systems. The key is shown once;
    only its SHA-256 is stored. A call with it acts as the member who made it, limited to the
    partner's data; it stops working when revoked or when that member leaves the partner."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made on"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
