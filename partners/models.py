"""MOU partners. Channels and their requirements extend this in the partner-directory issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from otop_portal.i18n import BilingualNameMixin


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left the MOU")


class Partner(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    business_th = models.CharField(_("kind of business (Thai)"), max_length=300, blank=True)
    business_en = models.CharField(_("kind of business (English)"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    mou_date = models.DateField(_("MOU signed"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
