"""Accounts, roles and the reference geography every other app points at."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRODUCER = "producer", _("Producer")
    OFFICER = "officer", _("Officer")
    PARTNER = "partner", _("Partner member")
    ADMIN = "admin", _("Administrator")


class Province(models.Model):
    """One of Thailand's 77 provinces (DOPA two-digit code), loaded from geothai."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["name_th"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_th


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by email. The role decides which home and which data they reach."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PRODUCER)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Officers: scoped to provinces, or national.
    provinces = models.ManyToManyField(
        Province, blank=True, related_name="officers", verbose_name=_("provinces")
    )
    is_national_officer = models.BooleanField(_("national officer"), default=False)
    # Partner members: exactly one partner.
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("partner"),
    )
    is_partner_admin = models.BooleanField(_("partner administrator"), default=False)
    # Partner members: new referrals by email as they come, or once a day in one digest.
    referral_emails = models.CharField(
        _("emails about new referrals"),
        max_length=12,
        choices=[("immediate", _("As they come")), ("daily", _("A daily digest"))],
        default="immediate",
    )

    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="partner", partner__isnull=False)
                | (~models.Q(role="partner") & models.Q(partner__isnull=True)),
                name="partner_member_has_partner",
                violation_error_message=_("A partner member belongs to exactly one partner."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_producer(self) -> bool:
        return self.role == Role.PRODUCER

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_partner_member(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN


def partner_model() -> type[models.Model]:
    """The partner organisation a partner member belongs to (partners.Partner), reached through
    the account's own relation: the ground knows that accounts may belong to a partner, and
    imports no domain app to say so (docs/architecture.md)."""
    return User._meta.get_field("partner").related_model


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _default_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An officer, partner member or administrator is invited; nobody self-registers as one.

    Only a hash of the token is stored: the link in the email is the only copy of the token.
    """

    email = models.EmailField(_("email address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=[c for c in Role.choices if c[0] != Role.PRODUCER],
    )
    language = models.CharField(
        _("language of the email"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    provinces = models.ManyToManyField(Province, blank=True, verbose_name=_("provinces"))
    is_national_officer = models.BooleanField(_("national officer"), default=False)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("partner"),
    )
    is_partner_admin = models.BooleanField(_("partner administrator"), default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires on"), default=_default_expiry)
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitation",
    )
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @classmethod
    def find_by_token(cls, token: str) -> Invitation | None:
        return (
            cls.objects.select_related("partner", "invited_by")
            .filter(token_hash=_hash_token(token))
            .first()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def status_label(self) -> str:
        return {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Waiting"),
        }[self.status]


# --- Notifications ------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    REFERRAL_APPROVED = "referral_approved", _("Referral approved")
    REFERRAL_REJECTED = "referral_rejected", _("Referral rejected")
    REFERRAL_SENT = "referral_sent", _("New referral")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_LISTED = "referral_listed", _("Product listed")
    REFERRAL_QUESTION = "referral_question", _("Question from a partner")
    REFERRAL_ANSWER = "referral_answer", _("Answer from an officer")
    EXPORT_READY = "export_ready", _("Export ready")


class Notification(models.Model):
    """Something a person should know, shown on their home page and (depending on the kind and
    their preference) emailed. The words are rendered when shown or sent, in the reader's
    language, from the kind and the linked object."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    referral = models.ForeignKey(
        "matching.Referral",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("referral"),
    )
    export = models.ForeignKey(
        "matching.ExportJob",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("export"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)
    # Set when the email went out (or was folded into a digest); None: not emailed yet.
    emailed_at = models.DateTimeField(_("emailed on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The home pages show the newest unread few: walked in this order and stopped after
            # them, where (recipient, read_at, -created_at) could not give the -pk tiebreak, so
            # every unread notification was joined and sorted first (1,989 of a national
            # officer's at national size: 27.6 ms of the officer home's 60, docs/performance.md).
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_latest",
            ),
            # The notifications page: all of them, newest first, a page at a time.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_latest"),
            models.Index(fields=["emailed_at", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"
