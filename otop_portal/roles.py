"""Who may reach what: one place for the role rules that views and the API share."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from otop_portal.models import Role

HOME_URL_NAMES = {
    Role.PRODUCER: "producers:home",
    Role.OFFICER: "matching:officer_home",
    Role.PARTNER: "partners:home",
    Role.ADMIN: "admin_home",
}


def home_url_for(user) -> str:
    return reverse(HOME_URL_NAMES.get(user.role, "landing"))


def role_required(*roles: str):
    """Logged-in users of the given roles only; others get 403, anonymous users the login page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_invite(user) -> bool:
    return user.is_authenticated and (
        user.role in (Role.ADMIN, Role.OFFICER)
        or (user.role == Role.PARTNER and user.is_partner_admin)
    )


def invitable_roles(user) -> list[str]:
    """Administrators invite anyone; officers invite partner members; partner admins, colleagues."""
    if user.role == Role.ADMIN:
        return [Role.OFFICER, Role.PARTNER, Role.ADMIN]
    if user.role == Role.OFFICER or (user.role == Role.PARTNER and user.is_partner_admin):
        return [Role.PARTNER]
    return []
