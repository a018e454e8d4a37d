from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from otop_portal.models import Role
from otop_portal.roles import can_invite, home_url_for


def navigation(request):
    """The menu shows only what the reader's role may use."""
    user = getattr(request, "user", None)
    items = []
    if user is None or not user.is_authenticated:
        items = [
            (reverse("partners:directory"), _("Partners")),
            (reverse("account_login"), _("Log in")),
            (reverse("account_signup"), _("Register as a producer")),
        ]
    else:
        items.append((home_url_for(user), _("My home")))
        if user.role in (Role.OFFICER, Role.ADMIN):
            items.append((reverse("matching:referrals"), _("Referrals")))
            items.append((reverse("matching:dashboard"), _("Dashboard")))
        items.append((reverse("partners:directory"), _("Partners")))
        if can_invite(user):
            items.append((reverse("invitation_list"), _("Invitations")))
        if user.role == Role.ADMIN:
            items.append((reverse("admin:index"), _("Site administration")))
        items.append((reverse("account_change_password"), _("Account")))
    current = request.path if request else ""
    return {
        "nav_items": [
            {"url": url, "label": label, "current": url == current} for url, label in items
        ]
    }
