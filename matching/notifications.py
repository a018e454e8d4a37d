"""Notifications of referrals: who is told what when a referral moves or a question is asked, in
what words, and the partners' daily digest. The kinds are registered with the portal's
notification plumbing (otop_portal.notifications) when matching starts."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matching.models import Referral, ReferralState
from otop_portal.i18n import choice_labels
from otop_portal.models import Notification, NotificationKind, Role, User
from otop_portal.notifications import (
    DAILY,
    Described,
    KindSpec,
    absolute_url,
    describe,
    email_after_commit,
    register_kind,
    reverse_or,
    send_email,
)
from otop_portal.pagination import relations_of

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
# What a sentence reads (describe_referral): the referral's id and refusal code, its product's
# id and name, the producer's province, the channel's and the partner's names.
COLUMNS = (
    "referral__id",
    "referral__decline_code",
    "referral__product__id",
    "referral__product__name_th",
    "referral__product__name_en",
    "referral__product__producer__province__name_th",
    "referral__product__producer__province__name_en",
    "referral__channel__name_th",
    "referral__channel__name_en",
    "referral__channel__partner__name_th",
    "referral__channel__partner__name_en",
)


# --- Words --------------------------------------------------------------------------------------


def _product_name(product) -> str:
    return product.name  # the reader's language when it has one, else Thai


def describe_referral(notification: Notification) -> Described:
    """The words of a notification about a referral, in the active language. It reads only
    COLUMNS, as attributes, so a notification read as values (a home page's, ValuesRow) reads
    as one read as a model."""
    kind = notification.kind
    referral = notification.referral
    if referral is None:
        return Described(_("A referral that has since been removed."), "", _("Note"))
    values = {
        "product": _product_name(referral.product),
        "channel": referral.channel.name,
        "partner": referral.channel.partner.name,
    }
    if kind == K.REFERRAL_SENT:
        province = referral.product.producer.province
        values["province"] = province.name if province else _("an unknown province")
        return Described(
            _("New product for %(channel)s: “%(product)s” from %(province)s.") % values,
            reverse_or("partners:referral", referral.id, fallback=reverse_or("partners:home")),
            _("Officer's note"),
        )
    if kind == K.REFERRAL_QUESTION:
        return Described(
            _("%(partner)s asks about “%(product)s” for %(channel)s.") % values,
            reverse_or("matching:referral", referral.id),
            _("Question"),
        )
    if kind == K.REFERRAL_ANSWER:
        return Described(
            _("An officer answered about “%(product)s” for %(channel)s.") % values,
            reverse_or("partners:referral", referral.id, fallback=reverse_or("partners:home")),
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
        code = referral.decline_code
        sentence = f"{sentence} {choice_labels(Referral, 'decline_code').get(code, code)}."
    return Described(
        sentence,
        reverse_or("producers:product_detail", referral.product.id),
        _("Reason") if refusal else _("Note"),
    )


def _referral_email_context(notification: Notification) -> dict:
    context = {}
    if notification.kind in KIND_STATES:
        context["state"] = S(KIND_STATES[notification.kind]).label
    if notification.kind == K.REFERRAL_SENT:
        context["settings_link"] = absolute_url(reverse("notification_settings"))
    return context


def register() -> None:
    """Tell the notification plumbing how referral notifications read (MatchingConfig.ready)."""
    spec = KindSpec(
        describe=describe_referral,
        email_template="referral_change",
        email_context=_referral_email_context,
        columns=COLUMNS,
    )
    for kind in (*PRODUCER_KINDS.values(), K.REFERRAL_SENT, K.REFERRAL_QUESTION, K.REFERRAL_ANSWER):
        register_kind(kind, spec)


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
        # A register record not claimed yet has no account to tell.
        recipients = [owner] if owner is not None and owner.is_active else []

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
        email_after_commit(email_now)
    return notifications


def _officers_of(province_id: int | None) -> list[User]:
    """The active officers who look after a province: its own, and the national ones."""
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
        email_after_commit([n.pk for n in notifications])
    return notifications


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
                    .select_related(*relations_of(COLUMNS))  # the digest reads more
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
        send_email(
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
