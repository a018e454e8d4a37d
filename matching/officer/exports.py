"""Spreadsheet exports of the officer's lists (CSV and Excel), with the page's filters applied.

Each list has one spec: the filter set its page uses, the selector that scopes it to the reader,
and its columns. A column is a header (translated when the file is written, so a file comes out
in the language of the page it was asked from) and a function of a row.

The files are written by otop_portal.spreadsheets (cells neutralised against formula injection,
dates as dates), as every export and feed of the portal is. Rows are streamed from the database
in chunks, so a national export keeps memory flat.

Small exports are written during the request (matching.officer.export_views); larger ones are queued
as an ExportJob (export_request) and written by a background task (export_make), which notifies
the officer when the file is ready.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from django_tasks import task

from matching import selectors
from matching.filters import (
    CertificationQueueFilter,
    MatchResultFilter,
    ProducerQueueFilter,
    ReferralFilter,
)
from matching.models import ExportJob, ExportStatus
from otop_portal import spreadsheets
from otop_portal.models import Notification, NotificationKind, Role
from otop_portal.notifications import email_after_commit

log = logging.getLogger(__name__)

CHUNK_ROWS = 2000  # rows fetched from the database at a time
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = spreadsheets.CONTENT_TYPES
# An identical export asked for again within this time is the same job (a double click).
SAME_JOB_WINDOW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Column:
    header: Promise  # gettext_lazy: made in the file's language when it is written
    value: Callable[[Any], Any]
    # The fields `value` reads, as paths from the row ("product__producer__name_th"). Only these
    # are fetched: building every column of eight joined models, the encrypted national ID
    # decrypted included, for columns no file has was a quarter of an export's time
    # (docs/performance.md, issue 6). A field read but not listed costs a query per row, which
    # tests/matching/test_exports.py notices.
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportSpec:
    title: Promise
    filterset: type[FilterSet]
    rows: Callable[[Any], QuerySet]  # the user's scope, with what the columns read joined in
    columns: tuple[Column, ...]

    @property
    def fields(self) -> list[str]:
        """What the columns read, for QuerySet.only(): every field once, in column order."""
        return list(dict.fromkeys(path for column in self.columns for path in column.reads))


# --- Columns ------------------------------------------------------------------------------------
# Dates are written as dates in the Christian era (ISO 8601, 2025-06-30, in CSV; date cells in
# Excel), never as Buddhist-era text: a spreadsheet sorts and filters them as dates then.


def _name(obj) -> str:
    """A reference row's name in the file's language (province, category, channel, partner)."""
    return obj.name if obj is not None else ""


def _names(path: str) -> tuple[str, ...]:
    """The fields _name reads of the row at `path` ("product__category__")."""
    return (f"{path}name_th", f"{path}name_en")


def _producer_columns(path: Callable[[Any], Any], to: str) -> tuple[Column, ...]:
    """`path` leads from the row to its producer; `to` is the same as a field path."""
    return (
        Column(_("Producer ID"), lambda row: path(row).pk, (f"{to}id",)),
        Column(_("Producer (Thai)"), lambda row: path(row).name_th, (f"{to}name_th",)),
        Column(_("Producer (English)"), lambda row: path(row).name_en, (f"{to}name_en",)),
        Column(_("Province"), lambda row: _name(path(row).province), _names(f"{to}province__")),
    )


def _product_columns(path: Callable[[Any], Any], to: str) -> tuple[Column, ...]:
    return (
        Column(_("Product ID"), lambda row: path(row).pk, (f"{to}id",)),
        Column(_("Product (Thai)"), lambda row: path(row).name_th, (f"{to}name_th",)),
        Column(_("Product (English)"), lambda row: path(row).name_en, (f"{to}name_en",)),
        *_producer_columns(lambda row: path(row).producer, f"{to}producer__"),
        Column(
            _("OTOP category"),
            lambda row: _name(path(row).category),
            _names(f"{to}category__"),
        ),
    )


def _channel_columns() -> tuple[Column, ...]:
    return (
        Column(_("Channel"), lambda row: _name(row.channel), _names("channel__")),
        Column(_("Channel code"), lambda row: row.channel.code, ("channel__code",)),
        Column(_("Partner"), lambda row: _name(row.channel.partner), _names("channel__partner__")),
    )


PRODUCER_COLUMNS = (
    Column(_("Producer ID"), lambda p: p.pk, ("id",)),
    Column(_("Name (Thai)"), lambda p: p.name_th, ("name_th",)),
    Column(_("Name (English)"), lambda p: p.name_en, ("name_en",)),
    Column(_("Producer type"), lambda p: p.get_producer_type_display(), ("producer_type",)),
    Column(_("Province"), lambda p: _name(p.province), _names("province__")),
    Column(_("Postal code"), lambda p: p.postal_code, ("postal_code",)),
    Column(_("Contact person"), lambda p: p.user.full_name, ("user__full_name",)),
    Column(_("Phone"), lambda p: p.phone, ("phone",)),
    Column(_("Status"), lambda p: p.get_status_display(), ("status",)),
    Column(_("Submitted on"), lambda p: p.submitted_at, ("submitted_at",)),
)

CERTIFICATE_COLUMNS = (
    Column(_("Certificate ID"), lambda c: c.pk, ("id",)),
    Column(_("Certificate type"), lambda c: _name(c.type), _names("type__")),
    Column(_("Certificate number"), lambda c: c.number, ("number",)),
    Column(_("Issued by"), lambda c: c.issuer, ("issuer",)),
    Column(_("Issue date"), lambda c: c.issued_on, ("issued_on",)),
    Column(_("Expiry date"), lambda c: c.expires_on, ("expires_on",)),
    Column(_("Days to expiry"), lambda c: c.days_to_expiry(), ("expires_on",)),
    Column(_("Status"), lambda c: c.get_status_display(), ("status",)),
    Column(_("Covers"), lambda c: c.get_scope_display(), ("scope",)),
    Column(_("OTOP stars"), lambda c: c.star_level, ("star_level",)),
    *_producer_columns(lambda c: c.producer, "producer__"),
    Column(_("Added on"), lambda c: c.created_at, ("created_at",)),
)

CANDIDATE_COLUMNS = (
    Column(_("Result ID"), lambda r: r.pk, ("id",)),
    *_product_columns(lambda r: r.product, "product__"),
    *_channel_columns(),
    Column(_("Score"), lambda r: r.score, ("score",)),
    Column(_("OTOP stars"), lambda r: r.star_level, ("star_level",)),
    Column(_("Eligible since"), lambda r: r.eligible_since, ("eligible_since",)),
    Column(_("Scored as of"), lambda r: r.as_of, ("as_of",)),
)

REFERRAL_COLUMNS = (
    Column(_("Referral ID"), lambda r: r.pk, ("id",)),
    Column(_("State"), lambda r: r.get_state_display(), ("state",)),
    *_product_columns(lambda r: r.product, "product__"),
    *_channel_columns(),
    # str(user): the full name, or the email when there is none.
    Column(
        _("Proposed by"),
        lambda r: str(r.proposed_by),
        ("proposed_by__full_name", "proposed_by__email"),
    ),
    Column(_("Proposed on"), lambda r: r.created_at, ("created_at",)),
    Column(_("Last change"), lambda r: r.updated_at, ("updated_at",)),
    Column(_("Listed on"), lambda r: r.listed_on, ("listed_on",)),
    Column(_("Listing link"), lambda r: r.listing_url, ("listing_url",)),
    Column(_("Reason"), lambda r: r.decline_reason, ("decline_reason",)),
)


EXPORTS: dict[str, ExportSpec] = {
    "producers": ExportSpec(
        _("Producers submitted for verification"),
        ProducerQueueFilter,
        lambda user: selectors.officer_submitted_producers(user).select_related("user"),
        PRODUCER_COLUMNS,
    ),
    "certificates": ExportSpec(
        _("Certificates waiting for verification"),
        CertificationQueueFilter,
        selectors.officer_pending_certifications,
        CERTIFICATE_COLUMNS,
    ),
    "expiring": ExportSpec(
        _("Certificates expiring soon"),
        CertificationQueueFilter,
        selectors.officer_expiring_certifications,
        CERTIFICATE_COLUMNS,
    ),
    "candidates": ExportSpec(
        _("Candidates for referral"),
        MatchResultFilter,
        selectors.officer_candidates,
        CANDIDATE_COLUMNS,
    ),
    "referrals": ExportSpec(
        _("Referrals"),
        ReferralFilter,
        selectors.referrals_visible_to,
        REFERRAL_COLUMNS,
    ),
}


# --- Reading: the page's rows, for this user, with these filters --------------------------------


def may_export(user) -> bool:
    return bool(user and user.is_active and user.role in (Role.OFFICER, Role.ADMIN))


def export_query(params: QueryDict) -> str:
    """The filters of a list page's query string: without the page number and the format."""
    query = params.copy()
    for name in ("format", "page"):
        query.pop(name, None)
    return query.urlencode()


def export_rows(list_name: str, *, user, query: str | QueryDict, request=None) -> QuerySet:
    """The rows of a list as its page shows them to `user` (their scope, as it is now), with the
    filters of `query` applied and in the page's order. Filters that are not understood are left
    out, as on the page."""
    spec = EXPORTS[list_name]
    data = query if isinstance(query, QueryDict) else QueryDict(query)
    if not may_export(user):
        return spec.rows(user).none()
    # The filter sets read only request.user (the province choices): a stand-in does for a task.
    filterset = spec.filterset(
        data, queryset=spec.rows(user), request=request or SimpleNamespace(user=user)
    )
    return filterset.qs


# --- Writing ------------------------------------------------------------------------------------


def _values(columns: tuple[Column, ...], rows: Iterable) -> Iterable[list[Any]]:
    for row in rows:
        yield [column.value(row) for column in columns]


def write_export(list_name: str, rows: QuerySet, *, fmt: str, language: str, out: IO[bytes]) -> int:
    """Writes `rows` of a list to `out` as CSV or XLSX, headers and labels in `language`;
    returns the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format: {fmt!r}")
    spec = EXPORTS[list_name]
    with translation.override(language):
        headers = [str(column.header) for column in spec.columns]
        # Only the columns the file has (Column.reads); the rows' joins and order stay.
        rows = rows.only(*spec.fields)
        records = _values(spec.columns, rows.iterator(chunk_size=CHUNK_ROWS))
        if fmt == "csv":
            return spreadsheets.write_csv(headers, records, out)
        return spreadsheets.write_xlsx(str(spec.title), headers, records, out)


def export_filename(list_name: str, fmt: str, on: dt.date | None = None) -> str:
    """otop-producers-2025-06-30.xlsx: the list and the day, in ASCII for every browser."""
    return f"otop-{list_name}-{(on or timezone.localdate()).isoformat()}.{fmt}"


# --- Background exports -------------------------------------------------------------------------


@transaction.atomic
def export_request(*, user, list_name: str, query: str, fmt: str, language: str) -> ExportJob:
    """Queues the export of a list for `user` and enqueues the task that writes it (once the
    transaction commits). The same export asked for again while the first is still waiting or
    being made returns that job rather than making the file twice."""
    if not may_export(user):
        raise PermissionDenied
    if list_name not in EXPORTS or fmt not in FORMATS:
        raise ValidationError(_("There is no such export."))
    same = ExportJob.objects.filter(
        requested_by=user,
        list_name=list_name,
        query=query,
        format=fmt,
        language=language,
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        created_at__gte=timezone.now() - SAME_JOB_WINDOW,
    ).first()
    if same is not None:
        return same
    job = ExportJob(
        requested_by=user, list_name=list_name, query=query, format=fmt, language=language
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: make_export.enqueue(job.pk))
    return job


def export_make(*, job: ExportJob) -> ExportJob:
    """Writes the file of a queued export: the list's rows for its requester as they are now
    (the scope is checked again: someone who is no longer an officer gets a failed job), with
    the job's filters, format and language. Sets the job done with its row count, or failed with
    the error, and then notifies the requester either way."""
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    job.status = ExportStatus.RUNNING
    try:
        # A savepoint: a failed read leaves the surrounding transaction usable for the status.
        with transaction.atomic():
            user = job.requested_by
            if not may_export(user):
                raise PermissionDenied("The requester may no longer export this list.")
            rows = export_rows(job.list_name, user=user, query=job.query)
            with tempfile.TemporaryFile() as out:
                count = write_export(
                    job.list_name, rows, fmt=job.format, language=job.language, out=out
                )
                out.seek(0)
                job.file.save(f"{job.list_name}-{job.pk}.{job.format}", File(out), save=False)
        job.row_count = count
        job.status = ExportStatus.DONE
        job.error = ""
    except Exception as error:  # whatever went wrong is reported on the job
        log.exception("Export %s failed", job.pk)
        job.status = ExportStatus.FAILED
        job.error = f"{type(error).__name__}: {error}"[:2000]
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "row_count", "file", "error", "finished_at"])
        notify_export_ready(job)
    return job


def exports_remove_old_files(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete the files of exports finished more than `days` ago (EXPORT_KEEP_DAYS, 30): they
    hold personal data and are copies of lists anyone may download again. The job itself stays,
    as the record of who downloaded which list with which filters; its page says the file was
    removed. Each file goes after its row is cleared and committed. Returns how many."""
    from django.conf import settings

    days = settings.EXPORT_KEEP_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    removed = 0
    old = ExportJob.objects.filter(finished_at__lt=cutoff).exclude(file="")
    for job_id in old.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=job_id).exclude(file="").first()
            if job is None:  # cleared meanwhile by another run
                continue
            storage, name = job.file.storage, job.file.name
            ExportJob.objects.filter(pk=job.pk).update(file="")
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        removed += 1
    return removed


@transaction.atomic
def notify_export_ready(job: ExportJob) -> Notification:
    """Tell the officer who asked for an export that its file is ready (or could not be made),
    with the link to download it; emailed at once."""
    notification = Notification(
        recipient=job.requested_by, kind=NotificationKind.EXPORT_READY, export=job
    )
    notification.full_clean(exclude=["recipient", "referral", "export"])
    notification.save()
    if job.requested_by.is_active:
        email_after_commit([notification.pk])
    return notification


@task()
def make_export(job_id: int) -> str:
    """Write the file of a queued spreadsheet export and notify the officer who asked."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportStatus.QUEUED:
        return job.status  # already made (a task run twice)
    return export_make(job=job).status
