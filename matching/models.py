"""Stored match results: one row per product × channel, small enough for ten million rows.

The words (explanation, gap) are not stored: they are rendered at display time from
matching.engine.explain() in the reader's language.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from otop_portal.limits import NOTE_MAX, text_limit
from producers.models import Product, private_storage


class MatchResult(models.Model):
    # No index of their own: one_result_per_pair (product, channel) and match_channel_rank
    # (channel, …) lead with these columns already, and each extra index is written for every
    # stored row (docs/performance.md, findings 3-4).
    product = models.ForeignKey(
        "producers.Product", on_delete=models.CASCADE, related_name="match_results", db_index=False
    )
    channel = models.ForeignKey(
        "partners.Channel", on_delete=models.CASCADE, related_name="match_results", db_index=False
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
    # A re-score rewrites a row only when the result changed (services.CHANGES): these two say
    # when it last changed, which is also the last day it was scored as it stands.
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed on"), auto_now=True)
    # When the pair last became eligible; kept while it stays eligible (re-scores do not reset
    # it), so "waiting since" means what it says. None while not eligible.
    eligible_since = models.DateTimeField(_("eligible since"), null=True, blank=True)

    class Meta:
        verbose_name = _("match result")
        verbose_name_plural = _("match results")
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="one_result_per_pair"),
        ]
        indexes = [
            models.Index(fields=["channel", "eligible", "-score"], name="match_channel_rank"),
            # The candidate list's whole sort order: ~100k ties at score 100 are read in
            # order instead of sorted (docs/performance.md, issue 6 finding 1).
            models.Index(
                fields=["-score", "product", "id"],
                condition=models.Q(eligible=True),
                name="match_eligible_order",
            ),
            # Every result in the API's order (eligible or not, for producers and officers):
            # a page is the first rows of an index walk, not a sort of millions (issue 13).
            # It also serves ?eligible=false, which had an index of its own.
            models.Index(fields=["-score", "product", "id"], name="match_order"),
            # The candidate waiting longest, on the officer's home (issue 13).
            models.Index(
                fields=["eligible_since", "id"],
                condition=models.Q(eligible=True),
                name="match_eligible_since",
            ),
            # A province's candidates for one partner: the province's products, then their
            # eligible pairs (6 % of all), without reading the other 38 rows of each product
            # (docs/performance.md, issue 13: 235 -> 139 ms at national size).
            models.Index(
                fields=["product", "channel"],
                condition=models.Q(eligible=True),
                name="match_eligible_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}×{self.channel_id}: {self.score}{'' if self.eligible else ' ✗'}"


class ReferralState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    # Not the certificates' "Rejected" (ไม่ผ่านการตรวจสอบ, failed the check): an officer
    # decided not to put the product forward (ไม่อนุมัติ).
    REJECTED = "rejected", pgettext_lazy("referral state", "Rejected")
    SENT = "sent", _("Sent to the partner")
    ACCEPTED = "accepted", _("Accepted by the partner")
    DECLINED = "declined", _("Declined by the partner")
    LISTED = "listed", _("Listed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed (no longer eligible)")


class DeclineReason(models.TextChoices):
    """The common reasons a partner declines a product; the partner may add words of their own.
    Stored as a code, so the officer and the producer read it in their own language."""

    CAPACITY = "capacity", _("The production capacity is too small for the channel")
    PRICE = "price", _("The price does not fit the channel")
    PACKAGING = "packaging", _("The packaging or the label is not ready for the channel")
    ASSORTMENT = "assortment", _("We already carry enough products like this one")
    CERTIFICATES = "certificates", _("A certificate the channel needs is missing or ends soon")
    SHELF_LIFE = "shelf_life", _("The shelf life or the delivery does not fit the channel")
    OTHER = "other", _("Another reason (see the note)")


# The partner's shortlist puts the referrals waiting for its decision first: this expression,
# the same in its ORDER BY and in the index that gives that order (referral_waiting_first).
WAITING_FIRST = models.Case(
    models.When(state=ReferralState.SENT, then=models.Value(0)),
    default=models.Value(1),
    output_field=models.IntegerField(),
)

# A pair has at most one referral in these states; the others are history.
OPEN_STATES = (
    ReferralState.PROPOSED,
    ReferralState.APPROVED,
    ReferralState.SENT,
    ReferralState.ACCEPTED,
    ReferralState.LISTED,
)


class Referral(models.Model):
    """A product put forward to a partner channel. Its state moves only through
    matching.services.referral_transition, which writes a ReferralEvent each time."""

    product = models.ForeignKey(
        "producers.Product",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("product"),
    )
    channel = models.ForeignKey(
        "partners.Channel",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("channel"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ReferralState.choices, default=ReferralState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decline_code = models.CharField(
        _("reason for declining"), max_length=16, choices=DeclineReason.choices, blank=True
    )
    decline_reason = models.TextField(_("reason"), blank=True, **text_limit(NOTE_MAX))
    listing_url = models.URLField(_("listing link"), blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    # When it was sent to the partner (set by referral_transition; None until then). The
    # partner's shortlist filters and sorts by it: read from the audit trail per row, it cost
    # a subquery for each of a big partner's 20,000 referrals on every page (issue 13).
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    # The province of the product's producer, copied: an officer's referral list is the
    # province's latest changes, read in order through referral_province_latest. Through the
    # join, a province's list walked every province's referrals in order until it had found
    # 50 of its own: 872 rows for the biggest province, ten times as many for one of the
    # smallest (docs/performance.md, issue 13). Set when the referral is made (save below)
    # and kept when a producer moves (matching.hooks); the officers' scope reads it.
    province = models.ForeignKey(
        "otop_portal.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # referral_province_latest leads with it
        verbose_name=_("province"),
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "channel"],
                condition=models.Q(state__in=OPEN_STATES),
                name="one_open_referral_per_pair",
                violation_error_message=_(
                    "This product already has an open referral to this channel."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "state"]),
            models.Index(fields=["state", "-updated_at"]),
            # The referral list's order (latest change first), read in order (issue 13).
            models.Index(fields=["-updated_at", "-id"], name="referral_latest_change"),
            # An officer's list in the same order, one province at a time (issue 13).
            models.Index(
                fields=["province", "-updated_at", "-id"], name="referral_province_latest"
            ),
            # The partner's shortlist in its default order (waiting first, the latest sent
            # first): a page is read in order, not a sort of a big partner's 20,000 (issue 13).
            models.Index(
                WAITING_FIRST,
                models.F("sent_at").desc(),
                models.F("id").desc(),
                name="referral_waiting_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}→{self.channel_id} ({self.state})"

    def save(self, *args, **kwargs):
        if self._state.adding and self.province_id is None and self.product_id is not None:
            # The product's producer's province (None when it has none), in one query.
            self.province_id = (
                Product.objects.filter(pk=self.product_id)
                .values_list("producer__province_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)


class ReferralEvent(models.Model):
    """The audit trail of a referral: who moved it from which state to which, when, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )  # None: the system (a lapse found by re-scoring)
    from_state = models.CharField(
        _("from"), max_length=12, choices=ReferralState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=12, choices=ReferralState.choices)
    note = models.TextField(_("note"), blank=True, **text_limit(NOTE_MAX))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_state or '-'} → {self.to_state}"


class ReferralMessage(models.Model):
    """A question a partner asks the officers about a referral, and the answers: a thread on
    the referral, read by the partner's members and the officers of the product's province."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="messages", verbose_name=_("referral")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("message"), **text_limit(NOTE_MAX))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("referral message")
        verbose_name_plural = _("referral messages")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.text[:40]}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A spreadsheet of one of the officer's lists, with the filters that were applied. Small
    ones are made during the request; large ones by a background task, and the officer is
    notified when the file is ready. The file is private: served only to its requester."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("requested by"),
    )
    list_name = models.CharField(_("list"), max_length=32)
    query = models.TextField(_("filters"), blank=True)  # the list page's query string
    format = models.CharField(
        _("format"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")]
    )
    language = models.CharField(_("language"), max_length=8, default="th")
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(
        _("file"), upload_to="exports/%Y/%m/", storage=private_storage, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.list_name}.{self.format} ({self.status})"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Finished with errors")
    SUPERSEDED = "superseded", _("Replaced by a newer run")


class RematchRun(models.Model):
    """A full re-score (or one channel's) spread over the task workers as ranges of product
    ids. Written only through matching.runs; the last range to finish does the run's end (the
    stale-result cleanup and the referral lapse) once, under this row's lock."""

    # "all", or "channel:<id>": at most one unfinished run per key (a second start joins it).
    key = models.CharField(_("what"), max_length=64)
    channel_ids = models.JSONField(_("channels"), null=True, blank=True)  # None: every channel
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    # A range not heard from for this long is taken over by another worker (a killed worker
    # loses nothing). Each range reports after every chunk of products.
    lease_seconds = models.PositiveIntegerField(_("lease (seconds)"), default=120)
    ranges_total = models.PositiveIntegerField(_("ranges"), default=0)
    ranges_done = models.PositiveIntegerField(_("ranges done"), default=0)
    products = models.PositiveIntegerField(_("products"), default=0)
    pairs = models.BigIntegerField(_("pairs scored"), default=0)
    written = models.BigIntegerField(_("results written"), default=0)
    eligible = models.BigIntegerField(_("eligible pairs"), default=0)
    removed = models.PositiveIntegerField(_("stale results removed"), default=0)
    lapsed = models.PositiveIntegerField(_("referrals lapsed"), default=0)
    # When a check for ranges left by a dead worker is due (one queued check per run).
    check_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("re-scoring run")
        verbose_name_plural = _("re-scoring runs")
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status="running"),
                name="one_unfinished_run_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.key} {self.ranges_done}/{self.ranges_total} ({self.status})"


class RangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CLAIMED = "claimed", _("Being scored")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RematchRange(models.Model):
    """Products first_id <= id <= last_id (None: no upper bound) of a run; claimed by one
    worker at a time (SELECT … FOR UPDATE SKIP LOCKED), with a lease it renews as it goes."""

    run = models.ForeignKey(RematchRun, on_delete=models.CASCADE, related_name="ranges")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RangeStatus.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)  # also the claim's token
    worker = models.CharField(max_length=128, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    products = models.PositiveIntegerField(default=0)
    pairs = models.BigIntegerField(default=0)
    written = models.BigIntegerField(default=0)
    eligible = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "first_id"]
        indexes = [models.Index(fields=["run", "status"], name="rematch_range_run_status")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.first_id}..{self.last_id or ''} ({self.status})"
