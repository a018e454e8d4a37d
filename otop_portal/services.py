"""Writes for accounts: invitations and their acceptance."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otop_portal.emails import subject_prefix
from otop_portal.models import Invitation, Province, Role, User
from otop_portal.roles import invitable_roles


@transaction.atomic
def invitation_create(
    *,
    invited_by: User,
    email: str,
    role: str,
    full_name: str = "",
    language: str = settings.LANGUAGE_CODE,
    provinces: list[Province] | None = None,
    is_national_officer: bool = False,
    partner=None,
    is_partner_admin: bool = False,
    base_url: str,
) -> Invitation:
    """Create an invitation and email its link. A pending invitation to the same address is
    replaced, so the newest link is the only one that works.

    Raises ValidationError when the inviter may not invite this role or partner, or when the
    address already has an account.
    """
    email = email.strip().lower()
    if role not in invitable_roles(invited_by):
        raise ValidationError(_("You may not invite people with this role."))
    if invited_by.role == Role.PARTNER:
        partner = invited_by.partner  # partner admins invite only their own colleagues
    if role == Role.PARTNER and partner is None:
        raise ValidationError(_("Choose the partner this person works for."))
    if role == Role.OFFICER and not (provinces or is_national_officer):
        raise ValidationError(_("Choose the officer's provinces, or make them a national officer."))
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("An account with this email address already exists."))

    now = timezone.now()
    Invitation.objects.pending().filter(email__iexact=email).update(revoked_at=now)
    token, token_hash = Invitation.new_token()
    invitation = Invitation(
        email=email,
        full_name=full_name,
        role=role,
        language=language,
        is_national_officer=role == Role.OFFICER and is_national_officer,
        partner=partner if role == Role.PARTNER else None,
        is_partner_admin=role == Role.PARTNER and is_partner_admin,
        token_hash=token_hash,
        invited_by=invited_by,
    )
    invitation.full_clean()
    invitation.save()
    if role == Role.OFFICER and provinces:
        invitation.provinces.set(provinces)

    link = base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    # Sent after commit: a rolled-back invitation must not leave a working link in someone's inbox.
    transaction.on_commit(lambda: _send_invitation_email(invitation, link))
    return invitation


def _send_invitation_email(invitation: Invitation, link: str) -> None:
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": link,
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = render_to_string("email/invitation_subject.txt", context).strip()
        body = render_to_string("email/invitation_body.txt", context)
        subject = subject_prefix() + subject
    send_mail(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Turn a valid invitation into an account with a verified email address.

    The invitation row is locked, so two clicks on the same link create one account.
    Raises ValidationError for an unknown, expired, revoked or used link.
    """
    found = Invitation.find_by_token(token)
    if found is None:
        raise ValidationError(_("This invitation link is not valid."))
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.status != "pending":
        raise ValidationError(
            {
                "accepted": _("This invitation has already been used. Log in instead."),
                "revoked": _("This invitation was withdrawn. Ask for a new one."),
                "expired": _("This invitation has expired. Ask for a new one."),
            }[invitation.status]
        )
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this email address already exists."))

    user = User(
        email=invitation.email,
        full_name=full_name.strip() or invitation.full_name,
        role=invitation.role,
        language=invitation.language,
        is_national_officer=invitation.is_national_officer,
        partner=invitation.partner,
        is_partner_admin=invitation.is_partner_admin,
        is_staff=invitation.role == Role.ADMIN,
        is_superuser=invitation.role == Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if invitation.role == Role.OFFICER:
        user.provinces.set(invitation.provinces.all())
    # The invitation email reached them: the address is verified.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw a pending invitation so its link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise ValidationError(_("Only a waiting invitation can be withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation
