"""Reads for accounts and notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from otop_portal.models import Invitation, Notification, Role, User


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


# --- Notifications ------------------------------------------------------------------------------


def notification_list(user: User) -> QuerySet[Notification]:
    """All of the user's notifications, the newest first, with what their words read."""
    from otop_portal.notifications import notification_related

    return Notification.objects.filter(recipient=user).select_related(*notification_related())


def notifications_for(user: User, limit: int = 10) -> list[Notification]:
    """The user's unread notifications for a home page: the newest `limit`."""
    return list(notification_list(user).filter(read_at__isnull=True)[:limit])


def unread_notification_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
