"""Stored match results: one row per product × channel, small enough for ten million rows.

The words (explanation, gap) are not stored: they are rendered at display time from
matching.engine.explain() in the reader's language.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchResult(models.Model):
    product = models.ForeignKey(
        "producers.Product", on_delete=models.CASCADE, related_name="match_results"
    )
    channel = models.ForeignKey(
        "partners.Channel", on_delete=models.CASCADE, related_name="match_results"
    )
    eligible = models.BooleanField(_("eligible"))
    score = models.PositiveSmallIntegerField(_("score"))
    # Bits of matching.engine.Criterion that failed; failed_count orders the nearest misses.
    failed = models.BigIntegerField(_("failed criteria"))
    failed_count = models.PositiveSmallIntegerField(_("failed requirements"))
    # Copied from the product facts for the officer's filters (part of the fingerprint).
    star_level = models.PositiveSmallIntegerField(_("star level"), null=True, blank=True)
    requirement_version = models.PositiveIntegerField(_("requirement version"))
    fingerprint = models.BigIntegerField(_("fingerprint of the product facts"))
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed on"), auto_now=True)

    class Meta:
        verbose_name = _("match result")
        verbose_name_plural = _("match results")
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="one_result_per_pair"),
        ]
        indexes = [
            models.Index(fields=["channel", "eligible", "-score"], name="match_channel_rank"),
            models.Index(fields=["eligible", "-score"], name="match_eligible_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}×{self.channel_id}: {self.score}{'' if self.eligible else ' ✗'}"
