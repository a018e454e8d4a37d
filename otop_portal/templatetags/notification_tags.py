"""Notifications on a page: their words in the reader's language, and the unread count."""

from __future__ import annotations

from django import template

from otop_portal.notifications import Described, describe

register = template.Library()


@register.simple_tag
def notification_words(notification) -> Described:
    """`{% notification_words n as words %}` → words.sentence, words.link, words.note_label."""
    return describe(notification)


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The reader's unread notifications: one query, only where the tag is used (the header
    uses it for logged-in readers only), once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from otop_portal.selectors import unread_count_of

    return unread_count_of(request)
