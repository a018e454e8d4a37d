"""Writes for notifications: who is told what when a referral moves or an export is ready, and
the emails that go with it.

A notification stores only its kind, the object it is about and the note given; its words are
made when it is shown or sent (`describe`), in the reader's language. Emails go out after the
surrounding transaction commits, so a rolled-back change never reaches an inbox.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
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

from matching.models import ExportJob, ExportStatus, Referral, ReferralState
from otop_portal.emails import subject_prefix
from otop_portal.models import Notification, NotificationKind, Role, User

log = logging.getLogger(__name__)

S = ReferralState
K = NotificationKind

# The moves the producer hears about, and the kind of notification each makes.
PRODUCER_KINDS: dict[str, str] = {
    S.APPROVED: K.REFERRAL_APPROVED,
    S.REJECTED: K.REFERRAL_REJECTED,
    S.ACCEPTED: K.REFERRAL_ACCEPTED,
    S.DECLINED: K.REFERRAL_DECLINED,
    S.LISTED: K.REFERRAL_LISTED,
}
# ... and back: the state a referral notification reports.
KIND_STATES: dict[str, str] = {kind: state for state, kind in PRODUCER_KINDS.items()} | {
    K.REFERRAL_SENT: S.SENT
}
IMMEDIATE, DAILY = "immediate", "daily"
REFERRAL_EMAIL_CHOICES = (IMMEDIATE, DAILY)

# What a sentence reads: the referral with its product, producer's province, channel, partner.
NOTIFICATION_RELATED = (
    "referral__product__producer__province",
    "referral__channel__partner",
    "export",
)


# --- Words --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    sentence: str
    link: str  # a path on the portal ("" when there is nothing to open)
    note_label: str  # "Reason" for a refusal, "Note" otherwise


def _reverse(name: str, *args, fallback: str = "") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page another part of the portal has not got yet
        return fallback


def _product_name(product) -> str:
    return product.name  # the reader's language when it has one, else Thai


def _export_title(job: ExportJob) -> str:
    from matching.exports import EXPORTS

    spec = EXPORTS.get(job.list_name)
    return str(spec.title) if spec else job.list_name


def describe(notification: Notification) -> Described:
    """The sentence and link of a notification, in the active language."""
    kind = notification.kind
    if kind == K.EXPORT_READY:
        job = notification.export
        if job is None:
            return Described(_("An export you asked for has been removed."), "", _("Note"))
        title = _export_title(job)
        if job.status == ExportStatus.FAILED:
            return Described(
                _("Your download “%(list)s” could not be made. Please ask for it again.")
                % {"list": title},
                _reverse("matching:exports", fallback="/officer/exports/"),
                _("Note"),
            )
        if not job.file:  # removed after EXPORT_KEEP_DAYS (matching.exports)
            return Described(
                _("Your download “%(list)s” has been removed. Please ask for it again.")
                % {"list": title},
                _reverse("matching:exports", fallback="/officer/exports/"),
                _("Note"),
            )
        return Described(
            _("Your download “%(list)s” is ready.") % {"list": title},
            _reverse("matching:export_download", job.pk, fallback="/officer/exports/"),
            _("Note"),
        )

    referral = notification.referral
    if referral is None:
        return Described(_("A referral that has since been removed."), "", _("Note"))
    values = {
        "product": _product_name(referral.product),
        "channel": referral.channel.name,
        "partner": referral.channel.partner.name,
    }
    if kind == K.REFERRAL_SENT:
        values["province"] = referral.product.producer.province or _("an unknown province")
        return Described(
            _("New product for %(channel)s: “%(product)s” from %(province)s.") % values,
            _reverse("partners:referral", referral.pk, fallback=_reverse("partners:home")),
            _("Officer's note"),
        )
    if kind == K.REFERRAL_QUESTION:
        return Described(
            _("%(partner)s asks about “%(product)s” for %(channel)s.") % values,
            _reverse("matching:referral", referral.pk),
            _("Question"),
        )
    if kind == K.REFERRAL_ANSWER:
        return Described(
            _("An officer answered about “%(product)s” for %(channel)s.") % values,
            _reverse("partners:referral", referral.pk, fallback=_reverse("partners:home")),
            _("Answer"),
        )
    sentences = {
        K.REFERRAL_APPROVED: _(
            "An officer approved “%(product)s” for %(channel)s (%(partner)s); it will be sent "
            "to the partner."
        ),
        K.REFERRAL_REJECTED: _(
            "An officer did not approve “%(product)s” for %(channel)s (%(partner)s)."
        ),
        K.REFERRAL_ACCEPTED: _("%(partner)s accepted “%(product)s” for %(channel)s."),
        K.REFERRAL_DECLINED: _("%(partner)s declined “%(product)s” for %(channel)s."),
        K.REFERRAL_LISTED: _("“%(product)s” is now on sale on %(channel)s (%(partner)s)."),
    }
    refusal = kind in (K.REFERRAL_REJECTED, K.REFERRAL_DECLINED)
    sentence = sentences.get(kind, _("Your referral of “%(product)s” to %(channel)s changed."))
    sentence %= values
    if kind == K.REFERRAL_DECLINED and referral.decline_code:
        sentence = f"{sentence} {referral.get_decline_code_display()}."
    return Described(
        sentence,
        _reverse("producers:product_detail", referral.product_id),
        _("Reason") if refusal else _("Note"),
    )


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


def _send(user: User, template: str, context: dict) -> None:
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
        if notification.kind in KIND_STATES:
            context["state"] = S(KIND_STATES[notification.kind]).label
        if notification.kind == K.REFERRAL_SENT:
            context["settings_link"] = absolute_url(reverse("notification_settings"))
        template = "export_ready" if notification.kind == K.EXPORT_READY else "referral_change"
        _send(user, template, context)


def _email_after_commit(notification_ids: list[int]) -> None:
    """Queue the emails once the change is committed: a background task in production, so a
    bulk approval of 200 referrals does not wait for 200 SMTP round trips (inline by default).
    robust: once the change is committed, a failure to queue is logged, not turned into an
    error page for a change that did happen."""
    from otop_portal.tasks import email_notifications

    transaction.on_commit(
        partial(email_notifications.enqueue, notification_ids=list(notification_ids)),
        robust=True,
    )


def email_notifications_now(notification_ids: Iterable[int]) -> None:
    """Email these notifications (those not emailed yet) and note when. A failed send is logged and
    leaves emailed_at empty, and the others still go."""
    notifications = Notification.objects.select_related("recipient", *NOTIFICATION_RELATED).filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    )
    for notification in notifications:
        try:
            _email_notification(notification)
        except Exception:
            log.exception("notification %s: the email could not be sent", notification.pk)
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def notify_referral_change(
    *, referral_id: int, to_state: str, note: str = ""
) -> list[Notification]:
    """Tell the people concerned that a referral moved to `to_state`.

    approved, rejected, accepted, declined, listed: its producer, by email at once. sent: every
    active member of the channel's partner; those who chose "immediate" are emailed at once,
    the others in the daily digest (send_referral_digests). Other states tell nobody. Inactive
    accounts are skipped. Returns the notifications made.
    """
    if to_state in PRODUCER_KINDS:
        kind = PRODUCER_KINDS[to_state]
    elif to_state == S.SENT:
        kind = K.REFERRAL_SENT
    else:
        return []
    referral = Referral.objects.select_related("product__producer__user", "channel").get(
        pk=referral_id
    )
    if kind == K.REFERRAL_SENT:
        recipients = list(
            User.objects.filter(
                role=Role.PARTNER, partner_id=referral.channel.partner_id, is_active=True
            ).order_by("pk")
        )
    else:
        owner = referral.product.producer.user
        recipients = [owner] if owner.is_active else []

    notifications = []
    for user in recipients:
        notification = Notification(recipient=user, kind=kind, referral=referral, note=note)
        notification.full_clean(exclude=["recipient", "referral", "export"])
        notification.save()
        notifications.append(notification)
    email_now = [
        n.pk
        for n, user in zip(notifications, recipients, strict=True)
        if kind != K.REFERRAL_SENT or user.referral_emails != DAILY
    ]
    if email_now:
        _email_after_commit(email_now)
    return notifications


def _officers_of(province_id: int | None) -> list[User]:
    """The active officers who look after a province: its own, and the national ones."""
    from django.db.models import Q

    scope = Q(is_national_officer=True)
    if province_id is not None:
        scope |= Q(provinces__pk=province_id)
    return list(
        User.objects.filter(scope, role=Role.OFFICER, is_active=True).distinct().order_by("pk")
    )


@transaction.atomic
def notify_referral_message(message) -> list[Notification]:
    """A partner's question reaches the officers of the product's province (and the national
    ones); an officer's answer reaches the partner's active members. Emailed at once."""
    referral = Referral.objects.select_related("product__producer", "channel").get(
        pk=message.referral_id
    )
    if message.author.role == Role.PARTNER:
        kind = K.REFERRAL_QUESTION
        recipients = _officers_of(referral.product.producer.province_id)
    else:
        kind = K.REFERRAL_ANSWER
        recipients = list(
            User.objects.filter(
                role=Role.PARTNER, partner_id=referral.channel.partner_id, is_active=True
            ).order_by("pk")
        )
    notifications = [
        Notification.objects.create(recipient=user, kind=kind, referral=referral, note=message.text)
        for user in recipients
        if user.pk != message.author_id
    ]
    if notifications:
        _email_after_commit([n.pk for n in notifications])
    return notifications


@transaction.atomic
def notify_export_ready(job: ExportJob) -> Notification:
    """Tell the officer who asked for an export that its file is ready (or could not be made),
    with the link to download it; emailed at once."""
    notification = Notification(recipient=job.requested_by, kind=K.EXPORT_READY, export=job)
    notification.full_clean(exclude=["recipient", "referral", "export"])
    notification.save()
    if job.requested_by.is_active:
        _email_after_commit([notification.pk])
    return notification


def send_referral_digests(*, now: dt.datetime | None = None) -> int:
    """One email to each active partner member who chose the daily digest, listing every new
    referral (REFERRAL_SENT) not emailed yet; those are then marked emailed. Returns how many
    emails went out.

    Idempotent and safe to run twice at once: each member's rows are locked (skipping rows
    another run holds) and marked in the same transaction as the email is sent; a failed send
    rolls the marks back, so the next run tries again.
    """
    now = now or timezone.now()
    members = (
        User.objects.filter(
            role=Role.PARTNER,
            is_active=True,
            referral_emails=DAILY,
            notifications__kind=K.REFERRAL_SENT,
            notifications__emailed_at__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for user in members:
        try:
            with transaction.atomic():
                locked = list(
                    Notification.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(recipient=user, kind=K.REFERRAL_SENT, emailed_at__isnull=True)
                    .values_list("pk", flat=True)
                )
                if not locked:
                    continue  # another run has them
                Notification.objects.filter(pk__in=locked).update(emailed_at=now)
                pending = list(
                    Notification.objects.filter(pk__in=locked)
                    .select_related(*NOTIFICATION_RELATED)
                    .order_by("created_at", "pk")
                )
                _send_digest(user, pending)
        except Exception:
            log.exception("referral digest for user %s could not be sent", user.pk)
            continue
        sent += 1
    return sent


def _send_digest(user: User, notifications: list[Notification]) -> None:
    with translation.override(user.language):
        items = []
        for notification in notifications:
            referral = notification.referral
            items.append(
                {
                    "sentence": describe(notification).sentence,
                    "product": referral.product,
                    "channel": referral.channel,
                    "province": referral.product.producer.province,
                    "note": notification.note,
                }
            )
        _send(
            user,
            "referral_digest",
            {
                "recipient": user,
                "items": items,
                "count": len(items),
                "link": absolute_url(reverse("partners:home")),
                "settings_link": absolute_url(reverse("notification_settings")),
            },
        )


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
