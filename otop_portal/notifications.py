"""Notifications, the plumbing: what a notification says (each kind's words come from the app
that owns the kind, through a registry), the emails that go with it, and marking them read.

A notification stores only its kind, the object it is about and the note given; its words are
made when it is shown or sent (`describe`), in the reader's language. The apps above register
their kinds (`register_kind`) when they start, so this module imports none of them. Emails go
out after the surrounding transaction commits, so a rolled-back change never reaches an inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from otop_portal.emails import subject_prefix
from otop_portal.models import Notification, Role, User
from otop_portal.pagination import relations_of

log = logging.getLogger(__name__)

IMMEDIATE, DAILY = "immediate", "daily"
REFERRAL_EMAIL_CHOICES = (IMMEDIATE, DAILY)


# --- Kinds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    sentence: str
    link: str  # a path on the portal ("" when there is nothing to open)
    note_label: str  # "Reason" for a refusal, "Note" otherwise


@dataclass(frozen=True)
class KindSpec:
    """How one kind of notification reads: its words, its email and what they read."""

    describe: Callable[[Notification], Described]
    email_template: str  # templates/email/<name>_subject.txt and _body.txt
    email_context: Callable[[Notification], dict] | None = None
    # The columns its words read, through the notification's relations ("referral__state"):
    # a list of notifications reads these and no more (notification_columns), an email the
    # whole rows of the relations they name (notification_related). A column the words read
    # but this leaves out costs a query per notification shown.
    columns: tuple[str, ...] = ()


_KINDS: dict[str, KindSpec] = {}


def register_kind(kind: str, spec: KindSpec) -> None:
    """Called by the app that owns `kind` when it starts (its AppConfig.ready)."""
    _KINDS[kind] = spec


# What a list of notifications shows of the notification itself (templates/_notifications.html,
# otop_portal/notifications.html), besides its words.
NOTIFICATION_COLUMNS = ("kind", "note", "created_at", "read_at")


def notification_columns() -> tuple[str, ...]:
    """The columns a list of notifications reads: its own shown columns and every registered
    kind's words' columns (for only_shown). The notifications joined in full took more CPU than
    the rest of the home page's list together at national size (issue 13)."""
    columns: dict[str, None] = dict.fromkeys(NOTIFICATION_COLUMNS)
    for spec in _KINDS.values():
        columns.update(dict.fromkeys(spec.columns))
    return tuple(columns)


def notification_related() -> tuple[str, ...]:
    """Every relation the registered kinds' words read (select_related paths), in full: for the
    emails, whose templates may read more of them than the words."""
    return relations_of(notification_columns())


def reverse_or(name: str, *args, fallback: str = "") -> str:
    """A page's path, or `fallback` when that page does not exist (a part not installed)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def describe(notification: Notification) -> Described:
    """The sentence and link of a notification, in the active language."""
    spec = _KINDS.get(notification.kind)
    if spec is None:
        return Described(str(notification.get_kind_display()), "", _("Note"))
    return spec.describe(notification)


# --- Email --------------------------------------------------------------------------------------


def site_url() -> str:
    """The portal's address for links in emails, which leave without a request: PORTAL_URL
    when set, else the first trusted origin, else the first allowed host."""
    configured = getattr(settings, "PORTAL_URL", "")
    if configured:
        return configured.rstrip("/")
    if settings.CSRF_TRUSTED_ORIGINS:
        return settings.CSRF_TRUSTED_ORIGINS[0].rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")]
    scheme = "https" if getattr(settings, "SECURE_SSL_REDIRECT", False) else "http"
    return f"{scheme}://{hosts[0] if hosts else 'localhost'}"


def absolute_url(path: str) -> str:
    return site_url() + path if path.startswith("/") else path


def send_email(user: User, template: str, context: dict) -> None:
    """One email from templates/email/<template>_*.txt, in the user's language."""
    with translation.override(user.language):
        subject = render_to_string(f"email/{template}_subject.txt", context).strip()
        body = render_to_string(f"email/{template}_body.txt", context)
        prefix = subject_prefix()
    send_mail(
        prefix + " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def _email_notification(notification: Notification) -> None:
    """One notification by email, in its recipient's language."""
    user = notification.recipient
    spec = _KINDS[notification.kind]
    with translation.override(user.language):
        words = describe(notification)
        context = {
            "recipient": user,
            "notification": notification,
            "kind": notification.get_kind_display(),
            "words": words,
            "link": absolute_url(words.link) if words.link else "",
            "referral": notification.referral,
            "export": notification.export,
        }
        if spec.email_context is not None:
            context.update(spec.email_context(notification))
        send_email(user, spec.email_template, context)


def email_after_commit(notification_ids: list[int]) -> None:
    """Queue the emails once the change is committed: a background task in production, so a
    bulk approval of 200 referrals does not wait for 200 SMTP round trips (inline by default).
    robust: once the change is committed, a failure to queue is logged, not turned into an
    error page for a change that did happen."""
    transaction.on_commit(
        partial(email_notifications.enqueue, notification_ids=list(notification_ids)),
        robust=True,
    )


def email_notifications_now(notification_ids: Iterable[int]) -> None:
    """Email these notifications (those not emailed yet) and note when. A failed send is logged and
    leaves emailed_at empty, and the others still go."""
    notifications = Notification.objects.select_related(
        "recipient", *notification_related()
    ).filter(pk__in=list(notification_ids), emailed_at__isnull=True)
    for notification in notifications:
        try:
            _email_notification(notification)
        except Exception:
            log.exception("notification %s: the email could not be sent", notification.pk)
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


@task()
def email_notifications(notification_ids: list[int]) -> int:
    """Email notifications made by a committed change (queued by email_after_commit)."""
    email_notifications_now(notification_ids)
    return len(notification_ids)


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark the user's unread notifications read (only the one given, when given). Someone
    else's notification is never touched. Returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_settings_update(*, user: User, referral_emails: str) -> User:
    """A partner member's choice: new referrals by email as they come, or in a daily digest."""
    if user.role != Role.PARTNER:
        raise ValidationError(_("Only partner members receive referrals."))
    if referral_emails not in REFERRAL_EMAIL_CHOICES:
        raise ValidationError(_("Choose how you want to receive new referrals."))
    user.referral_emails = referral_emails
    user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "referral_emails"])
    user.save(update_fields=["referral_emails"])
    return user
