"""Reads for accounts and notifications."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from otop_portal.models import Invitation, Notification, Role, User
from otop_portal.statements import Statement


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
    """All of the user's notifications, the newest first, with only what their words and the
    list show (notification_columns)."""
    from otop_portal.notifications import notification_columns
    from otop_portal.pagination import only_shown

    return only_shown(Notification.objects.filter(recipient=user), notification_columns())


def _unread(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)


def _newest_unread(user_id: int, *, limit: int) -> QuerySet:
    from otop_portal.notifications import notification_columns
    from otop_portal.pagination import values_of

    return values_of(_unread(user_id), notification_columns())[:limit]  # newest first


# Asked by every page (the header's count) and every home page (the list): compiled once.
_NEWEST_UNREAD = Statement(_newest_unread)
_UNREAD_COUNT = Statement(
    lambda user_id: (
        _unread(user_id)
        .order_by()
        .values("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("unread", flat=True)
    )
)


def notifications_for(user: User, limit: int = 10) -> list:
    """The user's unread notifications for a home page: the newest `limit`, as values of the
    columns their words and the list show (ValuesRow): ten read as models, through their seven
    joined tables, took 1.6-1.7 ms of an officer's home, as values 1.0 ms (issue 13), and the
    rendered items are kept by those values (templates/jinja2/_notifications.html)."""
    from otop_portal.notifications import notification_columns
    from otop_portal.pagination import values_row

    columns = notification_columns()
    return [
        values_row(Notification, columns, row) for row in _NEWEST_UNREAD.all(user.pk, limit=limit)
    ]


def unread_notification_count(user: User) -> int:
    return _UNREAD_COUNT.first(user.pk) or 0


def unread_count_of(request) -> int:
    """The reader's unread notifications (the header's bell): counted once per request."""
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_notification_count(request.user)
    return request._unread_notifications


def home_notifications(request, limit: int = 10) -> list[Notification]:
    """The newest `limit` unread notifications of the reader, for their home page. The bell's
    count comes first: with nothing unread (no one has written to the reader yet, or they read
    it all) the list is not read, a query of the notifications' relations the page then does
    without (issue 13)."""
    if not unread_count_of(request):
        return []
    return notifications_for(request.user, limit)
