"""Reference data for producers: OTOP categories and certification types.

Producers, products and certification records extend this in the producer issue.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from otop_portal.i18n import BilingualNameMixin


class Category(BilingualNameMixin, models.Model):
    """One of the five OTOP product types (domain.md section 2)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("OTOP category")
        verbose_name_plural = _("OTOP categories")


class SubCategory(BilingualNameMixin, models.Model):
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


class CertificationType(BilingualNameMixin, models.Model):
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
