"""The audit view of a producer and of a certificate: everything that happened to the record,
newest first, on one timeline with who did it and when.

A producer's timeline merges its ProducerEvents (state changes and privacy actions), the
versions django-simple-history kept (each shown as the fields that changed from the version
before), and the log of who saw the national ID in full. A certificate's merges its versions
(status changes, with who and the reason) and the expiry reminders sent. (A referral's history
is on the referral page.)

Selectors and views together, beside matching/officer/views.py whose access helpers they reuse: the
timeline has no other reader. A record's history is hundreds of rows, not millions, so it is
read whole (a fixed number of queries), merged in Python, then paginated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import geothai
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from matching.officer.views import _get_certification_for_officer, _get_producer_for_officer
from otop_portal.models import Role, User
from otop_portal.roles import role_required
from otop_portal.templatetags.thai_dates import format_local_date
from producers.models import (
    Certification,
    CertificationStatus,
    CommunityRole,
    Producer,
    ProducerEvent,
    ProducerStatus,
)
from producers.services import PERSONAL_FIELDS

HISTORY_PER_PAGE = 50

# A version and the event its service wrote in the same transaction are one entry.
SAME_MOMENT = dt.timedelta(seconds=2)

# Bookkeeping, not information: left out of the diffs. (Fields that are not editable, such as
# created_at, updated_at and the national ID's hash, are left out by diff_against itself; the
# encrypted national ID is not in the history at all.)
PRODUCER_SKIPPED = {"user", "registration_step"}
CERTIFICATE_SKIPPED = {"producer"}
# Personal data (what an erasure blanks) and scanned files: the timeline says that they
# changed, not what they were.
NOT_SHOWN = set(PERSONAL_FIELDS) | {"document"}


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""
    shown: bool = True


@dataclass
class Entry:
    when: dt.datetime
    who: User | None
    what: str
    kind: str  # event, version, id_view, reminder: for the page's markers and the tests
    detail: str = ""
    changes: list[Change] = field(default_factory=list)


# --- Versions and their differences -------------------------------------------------------------


def _raw_changes(versions: list, skipped: set[str]) -> dict[int, list[tuple[str, object, object]]]:
    """history_id -> (field name, old, new) for each version against the one before; the
    first version has none. No queries (foreign keys stay ids)."""
    changes: dict[int, list[tuple[str, object, object]]] = {}
    previous = None
    for version in versions:
        if previous is not None:
            delta = version.diff_against(previous, excluded_fields=skipped)
            changes[version.history_id] = [(c.field, c.old, c.new) for c in delta.changes]
            # Its hash is the only trace of the encrypted national ID: it says that it changed.
            old_hash = getattr(previous, "national_id_hash", None)
            new_hash = getattr(version, "national_id_hash", None)
            if old_hash != new_hash:
                changes[version.history_id].insert(0, ("national_id", old_hash, new_hash))
        previous = version
    return changes


def _related_objects(model: type[models.Model], raw: Iterable[list[tuple]]) -> dict:
    """(related model, pk) -> object, for every foreign key value in the changes: one query per
    related model, whatever the number of versions."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for changes in raw:
        for name, old, new in changes:
            f = model._meta.get_field(name)
            if f.many_to_one and name not in NOT_SHOWN:
                wanted[f.related_model].update(v for v in (old, new) if v is not None)
    found = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=pks):
            found[(related, obj.pk)] = obj
    return found


def _shown(model: type[models.Model], name: str, value, related: dict) -> str:
    """A stored value as a reader should see it, in their language."""
    if value in (None, "", []):
        return "–"
    f = model._meta.get_field(name)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if f.many_to_one:
        obj = related.get((f.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(value, dt.datetime):
        return format_local_date(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return format_local_date(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "community_roles":
        labels = dict(CommunityRole.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if name in ("district_code", "subdistrict_code"):
        place = (geothai.district if name == "district_code" else geothai.subdistrict)(value)
        if place is not None:
            return place.name_en if get_language() == "en" else place.name_th
    return str(value)


def _changes(model: type[models.Model], raw: list[tuple], related: dict) -> list[Change]:
    out = []
    for name, old, new in raw:
        label = str(model._meta.get_field(name).verbose_name)
        label = label[:1].upper() + label[1:]
        if name in NOT_SHOWN or name == "national_id":
            out.append(Change(label, shown=False))
        else:
            out.append(
                Change(label, _shown(model, name, old, related), _shown(model, name, new, related))
            )
    return out


def _version_entries(
    model: type[models.Model], versions: list, skipped: set[str], describe
) -> list[tuple[object, Entry]]:
    """An entry for each version that changed something a reader can see (the first one:
    the record was made), described by `describe(version, raw changes) -> (what, detail)`."""
    raw = _raw_changes(versions, skipped)
    related = _related_objects(model, raw.values())
    entries = []
    for version in versions:
        changes = _changes(model, raw.get(version.history_id, []), related)
        if version.history_type == "~" and not changes:
            continue  # only bookkeeping changed
        what, detail = describe(version, raw.get(version.history_id, []))
        entry = Entry(
            when=version.history_date,
            who=version.history_user,
            what=what,
            kind="version",
            detail=detail,
            changes=changes,
        )
        entries.append((version, entry))
    return entries


def _newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: e.when, reverse=True)


# --- A producer ---------------------------------------------------------------------------------

# The events whose service also saved the producer: their version's changes join the event.
STATE_ACTIONS = {
    ProducerEvent.Action.SUBMITTED,
    ProducerEvent.Action.VERIFIED,
    ProducerEvent.Action.RETURNED,
    ProducerEvent.Action.IDENTITY_CHANGED,
    ProducerEvent.Action.ERASED,
}


def _producer_version(version, raw) -> tuple[str, str]:
    if version.history_type == "+":
        return _("Registration started"), ""
    status = next((new for name, _old, new in raw if name == "status"), None)
    if status:
        return _("Status: %(status)s") % {"status": ProducerStatus(status).label}, ""
    return _("Record changed"), ""


def _event_entry(event: ProducerEvent) -> Entry:
    data = event.data or {}
    detail = ""
    if data.get("reason"):
        detail = _("Reason: %(reason)s") % {"reason": data["reason"]}
    elif data.get("fields"):
        names = []
        for name in data["fields"]:
            try:
                names.append(str(Producer._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:  # renamed since: its old name is better than nothing
                names.append(name)
        detail = _("Changed: %(fields)s") % {"fields": ", ".join(names)}
    elif data.get("privacy_notice"):
        detail = _("Accepted the privacy notice, version %(version)s") % {
            "version": data["privacy_notice"]
        }
    return Entry(
        when=event.created_at,
        who=event.actor,
        what=event.get_action_display(),
        kind="event",
        detail=detail,
    )


def producer_timeline(producer: Producer) -> list[Entry]:
    """Everything that happened to a producer, newest first: its events, the changes between
    its kept versions (personal data only as "changed"), and each time an officer saw the
    national ID in full. A version saved by the service that wrote a state event (same moment,
    same person) is shown as that event's changes. A fixed number of queries."""
    events = list(producer.events.select_related("actor"))
    versions = list(
        producer.history.select_related("history_user").order_by("history_date", "history_id")
    )
    id_views = list(producer.national_id_views.select_related("officer"))

    by_event = {event.pk: _event_entry(event) for event in events}
    entries = list(by_event.values())
    waiting = [event for event in events if event.action in STATE_ACTIONS]
    for version, entry in _version_entries(Producer, versions, PRODUCER_SKIPPED, _producer_version):
        event = next(
            (
                e
                for e in waiting
                if version.history_type == "~"
                and abs(e.created_at - version.history_date) <= SAME_MOMENT
                and version.history_user_id in (None, e.actor_id)
            ),
            None,
        )
        if event is None:
            entries.append(entry)
        else:
            by_event[event.pk].changes = entry.changes
            waiting.remove(event)
    entries.extend(
        Entry(
            when=view.viewed_at,
            who=view.officer,
            what=_("Saw the national ID in full"),
            kind="id_view",
        )
        for view in id_views
    )
    return _newest_first(entries)


# --- A certificate ------------------------------------------------------------------------------


def _certificate_version(version, raw) -> tuple[str, str]:
    if version.history_type == "+":
        return _("Certificate added"), ""
    status = next((new for name, _old, new in raw if name == "status"), None)
    if not status:
        return _("Record changed"), ""
    what = _("Status: %(status)s") % {"status": Certification(status=status).get_status_display()}
    if status == CertificationStatus.REJECTED and version.reject_reason:
        return what, _("Reason: %(reason)s") % {"reason": version.reject_reason}
    return what, ""


def certificate_timeline(certification: Certification) -> list[Entry]:
    """Everything that happened to a certificate, newest first: the changes between its kept
    versions (status changes with who made them and the reason) and the expiry reminders
    emailed to the producer. A fixed number of queries."""
    versions = list(
        certification.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = [
        entry
        for _version, entry in _version_entries(
            Certification, versions, CERTIFICATE_SKIPPED, _certificate_version
        )
    ]
    entries.extend(
        Entry(
            when=reminder.sent_at,
            who=None,
            what=_("Expiry reminder emailed to the producer"),
            kind="reminder",
            detail=ngettext(
                "%(n)s day before the expiry date", "%(n)s days before the expiry date", days
            )
            % {"n": days},
        )
        for reminder in certification.reminders.all()
        for days in [reminder.days_before]
    )
    return _newest_first(entries)


# --- The pages ----------------------------------------------------------------------------------


def _history_page(request: HttpRequest, entries: list[Entry], **context) -> HttpResponse:
    page = Paginator(entries, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "matching/history.html", {"page": page, **context})


@role_required(Role.OFFICER, Role.ADMIN)
def producer_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A producer's full history, for officers of its province, national officers and
    administrators (others: 404, as for the producer's page)."""
    producer = _get_producer_for_officer(request, pk)
    return _history_page(
        request,
        producer_timeline(producer),
        heading=_("History of %(name)s") % {"name": producer.name},
        back_url=reverse("matching:officer_producer", args=[producer.pk]),
        back_label=_("Back to the producer"),
    )


@role_required(Role.OFFICER, Role.ADMIN)
def certificate_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate's full history, for the same readers as the certificate's page."""
    certification = _get_certification_for_officer(request, pk)
    return _history_page(
        request,
        certificate_timeline(certification),
        heading=_("History of %(certificate)s")
        % {"certificate": f"{certification.type.name} {certification.number}"},
        subheading=certification.producer.name,
        back_url=reverse("matching:officer_certificate", args=[certification.pk]),
        back_label=_("Back to the certificate"),
    )
