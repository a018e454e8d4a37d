"""A producer brought in from the national register claims their record.

An officer of the producer's province issues a one-time claim code (only its keyed hash is
kept; the letter or the CSV row is the one copy); the producer, signed up, types their national
ID (or juristic number) and the code, and the record becomes theirs. Every attempt is logged
(ClaimAttempt); wrong attempts are limited per account and per address, and the answer to a
wrong one is the same whether or not the ID exists. An officer can also link an account to a
record by hand; both ways write a ProducerEvent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from otop_portal.models import Role, User
from producers import validators
from producers.models import (
    ClaimAttempt,
    ClaimCode,
    Producer,
    ProducerEvent,
    ProducerStatus,
)
from producers.services import national_id_hash

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 10
FAILURE_WINDOW = dt.timedelta(minutes=15)


def _setting(name: str, default: int) -> int:
    return getattr(settings, name, default)


def code_expiry(now: dt.datetime | None = None) -> dt.datetime:
    """When a code issued now stops working."""
    return (now or timezone.now()) + dt.timedelta(days=_setting("CLAIM_CODE_VALID_DAYS", 90))


def code_hash(code: str) -> str:
    normal = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hmac.new(
        settings.PII_HASH_KEY.encode(), f"claim:{normal}".encode(), hashlib.sha256
    ).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


# --- Who may do what ----------------------------------------------------------------------------


def officer_covers(user: User, producer: Producer) -> bool:
    """Administrators, national officers, and officers of the producer's province."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.OFFICER:
        return False
    if user.is_national_officer:
        return True
    return producer.province_id is not None and (
        user.provinces.filter(pk=producer.province_id).exists()
    )


def unclaimed_records_for(user: User) -> QuerySet[Producer]:
    """Register records nobody has claimed yet, in the reader's provinces."""
    records = Producer.objects.filter(user__isnull=True, erased_at__isnull=True).exclude(
        register_key_hash=""
    )
    if user.role == Role.ADMIN or (user.role == Role.OFFICER and user.is_national_officer):
        return records
    if user.role == Role.OFFICER:
        return records.filter(province__in=user.provinces.all())
    return records.none()


# --- Issuing codes ------------------------------------------------------------------------------


@transaction.atomic
def claim_codes_issue(*, producers: list[Producer], by: User) -> list[tuple[Producer, str]]:
    """New claim codes for these unclaimed register records (earlier unused codes of theirs are
    revoked). Returns (producer, code) pairs: the only time the codes exist in clear.

    Raises PermissionDenied for a record outside the officer's provinces, ValidationError when
    the officer would pass CLAIM_CODES_PER_HOUR."""
    limit = _setting("CLAIM_CODES_PER_HOUR", 1000)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    issued = ClaimCode.objects.filter(issued_by=by, created_at__gte=hour_ago).count()
    if issued + len(producers) > limit:
        raise ValidationError(
            _(
                "You can issue at most %(limit)d claim codes an hour; %(left)d are left. Choose "
                "fewer producers or try again later."
            )
            % {"limit": limit, "left": max(0, limit - issued)}
        )
    records = list(
        Producer.objects.select_for_update().filter(pk__in=[p.pk for p in producers]).order_by("pk")
    )
    for producer in records:
        if not officer_covers(by, producer):
            raise PermissionDenied
        if producer.user_id is not None or not producer.from_register:
            raise ValidationError(
                _("%(name)s already has an account; it needs no claim code.")
                % {"name": producer.name_th}
            )
    now = timezone.now()
    ClaimCode.objects.filter(
        producer__in=records, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    expires_at = code_expiry(now)
    pairs = [(producer, new_code()) for producer in records]
    ClaimCode.objects.bulk_create(
        ClaimCode(producer=p, code_hash=code_hash(code), issued_by=by, expires_at=expires_at)
        for p, code in pairs
    )
    ProducerEvent.objects.bulk_create(
        ProducerEvent(
            producer=p,
            actor=by,
            action=ProducerEvent.Action.CLAIM_CODE_ISSUED,
            data={"expires_at": expires_at.isoformat()},
        )
        for p, _code in pairs
    )
    return pairs


# --- Claiming -----------------------------------------------------------------------------------


class ClaimRefused(ValidationError):
    def __init__(self, message, *, outcome: str = "refused", producer: Producer | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.producer = producer


def _no_match(outcome: str, producer: Producer | None = None) -> ClaimRefused:
    # The same words whether the ID exists or not, and whether the code exists or not.
    return ClaimRefused(
        _(
            "The ID and the claim code do not match a record. Check both against your letter "
            "and try again."
        ),
        outcome=outcome,
        producer=producer,
    )


def claim_failures(*, user: User, ip_address: str | None) -> tuple[int, int]:
    since = timezone.now() - FAILURE_WINDOW
    failed = ClaimAttempt.objects.filter(succeeded=False, created_at__gte=since)
    by_user = failed.filter(user=user).count()
    by_address = failed.filter(ip_address=ip_address).count() if ip_address else 0
    return by_user, by_address


def _own_profile_in_the_way(user: User) -> Producer | None:
    """The account's own profile, if it holds anything: an empty draft is simply replaced."""
    own = Producer.objects.filter(user=user).first()
    if own is None:
        return None
    empty = (
        own.status == ProducerStatus.DRAFT
        and not own.from_register
        and not own.products.exists()
        and not own.certifications.exists()
        and not own.events.exists()
        and not own.name_th
    )
    if empty:
        own.delete()
        return None
    return own


def claim_record(*, user: User, id_number: str, code: str, ip_address: str | None) -> Producer:
    """The signed-up producer `user` claims the register record of this ID with this code.

    Every call writes a ClaimAttempt (in its own transaction, so a refusal is logged too).
    Raises ClaimRefused with words that never say whether the ID exists.
    """
    if user.role != Role.PRODUCER:
        raise PermissionDenied
    max_user = _setting("CLAIM_FAILURES_PER_ACCOUNT", 5)
    max_address = _setting("CLAIM_FAILURES_PER_ADDRESS", 20)
    by_user, by_address = claim_failures(user=user, ip_address=ip_address)
    if by_user >= max_user or by_address >= max_address:
        ClaimAttempt.objects.create(user=user, ip_address=ip_address, outcome="limited")
        raise ClaimRefused(
            _(
                "Too many wrong tries. Wait %(minutes)d minutes, then try again with the ID "
                "and the code exactly as on your letter."
            )
            % {"minutes": int(FAILURE_WINDOW.total_seconds() // 60)}
        )
    try:
        with transaction.atomic():
            producer = _claim(user, id_number, code)
    except ClaimRefused as refused:
        ClaimAttempt.objects.create(
            user=user, ip_address=ip_address, outcome=refused.outcome, producer=refused.producer
        )
        raise
    ClaimAttempt.objects.create(
        user=user, ip_address=ip_address, succeeded=True, outcome="claimed", producer=producer
    )
    return producer


def _claim(user: User, id_number: str, code: str) -> Producer:
    found = (
        ClaimCode.objects.select_for_update()
        .select_related("producer")
        .filter(code_hash=code_hash(code))
        .first()
    )
    number = validators.digits_only(id_number)
    if found is None:
        raise _no_match("no_code")
    producer = found.producer
    matches = bool(number) and (
        producer.national_id_hash == national_id_hash(number)
        or (bool(producer.juristic_id) and producer.juristic_id == number)
    )
    if not matches:
        raise _no_match("id_mismatch", producer)
    # From here the person holds the letter of this record: they may be told more.
    if found.used_at is not None or producer.user_id is not None:
        raise ClaimRefused(
            _(
                "This record has already been claimed. If that was not you, contact your "
                "district Community Development office."
            ),
            outcome="used",
            producer=producer,
        )
    if found.revoked_at is not None or found.expires_at <= timezone.now():
        raise ClaimRefused(
            _(
                "This claim code is no longer valid (it expired or a newer one was issued). Ask "
                "your district Community Development office for a new letter."
            ),
            outcome="expired",
            producer=producer,
        )
    if _own_profile_in_the_way(user) is not None:
        raise ClaimRefused(
            _(
                "Your account already has a producer profile. Ask your district Community "
                "Development office to link the register record to it."
            ),
            outcome="has_profile",
            producer=producer,
        )
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    producer.user = user
    producer._change_reason = "claimed by the producer with a claim code"
    producer.save(update_fields=["user", "updated_at"])
    found.used_at = timezone.now()
    found.used_by = user
    found.save(update_fields=["used_at", "used_by"])
    ClaimCode.objects.filter(producer=producer, used_at__isnull=True).exclude(pk=found.pk).update(
        revoked_at=timezone.now()
    )
    ProducerEvent.objects.create(
        producer=producer,
        actor=user,
        action=ProducerEvent.Action.CLAIMED,
        data={"claim_code": found.pk},
    )
    return producer


# --- Linking by hand ----------------------------------------------------------------------------


@transaction.atomic
def producer_link_account(*, producer: Producer, email: str, by: User) -> Producer:
    """An officer links a signed-up producer account (found by its email) to an unclaimed
    register record, with an audit entry. Raises PermissionDenied outside the officer's
    provinces and ValidationError naming what is wrong."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if not officer_covers(by, producer):
        raise PermissionDenied
    if producer.user_id is not None:
        raise ValidationError(_("This record already belongs to an account."))
    account = User.objects.filter(email=(email or "").strip().lower()).first()
    if account is None or account.role != Role.PRODUCER or not account.is_active:
        raise ValidationError({"email": _("No active producer account has this email address.")})
    if _own_profile_in_the_way(account) is not None:
        raise ValidationError(
            {
                "email": _(
                    "This account already has a producer profile of its own. Linking would "
                    "leave two records; ask an administrator to merge them."
                )
            }
        )
    producer.user = account
    producer._change_reason = f"linked to an account by officer #{by.pk}"
    producer.save(update_fields=["user", "updated_at"])
    ClaimCode.objects.filter(producer=producer, used_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    ProducerEvent.objects.create(
        producer=producer,
        actor=by,
        action=ProducerEvent.Action.LINKED,
        data={"user_id": account.pk, "email": account.email},
    )
    return producer
