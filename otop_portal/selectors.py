"""Reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from otop_portal.models import Invitation, Role, User


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    """Administrators see every invitation; officers those they sent; partner admins their
    partner's."""
    qs = Invitation.objects.select_related("partner", "invited_by").prefetch_related("provinces")
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.PARTNER and user.is_partner_admin:
        return qs.filter(partner_id=user.partner_id)
    if user.role == Role.OFFICER:
        return qs.filter(invited_by=user)
    return qs.none()
