"""Notifications of the officer workspace: a spreadsheet export is ready (or could not be made).
Registered with the portal's notification plumbing when matching starts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from matching.models import ExportJob, ExportStatus
from matching.officer.exports import EXPORTS
from otop_portal.models import Notification, NotificationKind
from otop_portal.notifications import (
    Described,
    KindSpec,
    register_kind,
    reverse_or,
)

K = NotificationKind


def _export_title(job: ExportJob) -> str:
    spec = EXPORTS.get(job.list_name)
    return str(spec.title) if spec else job.list_name


def describe_export(notification: Notification) -> Described:
    """The words of an "export ready" notification, in the active language, from the export's
    columns the kind names (as attributes: a notification read as values reads the same)."""
    job = notification.export
    if job is None:
        return Described(_("An export you asked for has been removed."), "", _("Note"))
    title = _export_title(job)
    if job.status == ExportStatus.FAILED:
        return Described(
            _("Your download “%(list)s” could not be made. Please ask for it again.")
            % {"list": title},
            reverse_or("matching:exports", fallback="/officer/exports/"),
            _("Note"),
        )
    if not job.file:  # removed after EXPORT_KEEP_DAYS (matching.officer.exports)
        return Described(
            _("Your download “%(list)s” has been removed. Please ask for it again.")
            % {"list": title},
            reverse_or("matching:exports", fallback="/officer/exports/"),
            _("Note"),
        )
    return Described(
        _("Your download “%(list)s” is ready.") % {"list": title},
        reverse_or("matching:export_download", job.id, fallback="/officer/exports/"),
        _("Note"),
    )


def register() -> None:
    """Tell the notification plumbing how export notifications read (MatchingConfig.ready)."""
    register_kind(
        K.EXPORT_READY,
        KindSpec(
            describe=describe_export,
            email_template="export_ready",
            columns=("export__id", "export__status", "export__file", "export__list_name"),
        ),
    )
