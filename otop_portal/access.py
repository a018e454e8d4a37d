"""Accounts that exist but may not be used: the one rule every way in asks.

`account_refusal(user)` says why an account is refused, or None. It is asked by the login
(otop_portal.adapters: allauth's login, which the Django admin login goes through too), by
RefusedAccountMiddleware for a session that is already open (it ends it), and by the API's
token and partner-key authentication. A refused account keeps all its data and history; only
its use stops.

The portal refuses, by itself, the demo accounts (published password) whenever DEBUG is off.
Apps above the ground layer add their own rules with `register_refusal` from their AppConfig
(partners: the members of a partner that left the MOU), so this module imports no domain app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Every demo account (otop_portal/demo.py) has an address at this domain; nobody else can.
DEMO_EMAIL_DOMAIN = "demo.otop.th"

Refusal = Callable[[object], "str | Promise | None"]
_refusals: list[Refusal] = []


def is_demo_account(user) -> bool:
    email = (getattr(user, "email", "") or "").lower()
    return email.endswith("@" + DEMO_EMAIL_DOMAIN)


def _demo_refusal(user) -> Promise | None:
    if not settings.DEBUG and is_demo_account(user):
        return _(
            "Demo accounts cannot be used on this server: their password is published. "
            "Log in with your own account."
        )
    return None


def register_refusal(rule: Refusal) -> None:
    """Add a rule: a function of the user returning the reason it is refused, or None."""
    if rule not in _refusals:
        _refusals.append(rule)


def account_refusal(user) -> str | None:
    """Why this (authenticated) account may not be used now, in the reader's language; None
    when it may. Anonymous users are never refused here."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    for rule in (_demo_refusal, *_refusals):
        reason = rule(user)
        if reason:
            return str(reason)
    return None
