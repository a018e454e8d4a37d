"""Small request helpers shared by the apps' views."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def safe_next(request: HttpRequest, default: str = "") -> str:
    """Where to go back to: the posted `next` when it is a page of this site, else `default`
    (never an address elsewhere: no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def filter_for_page(filterset):
    """The filter set with its form ready for a page: the help texts describe the API's query
    parameters (codes, ranges), and on the page the labelled selects speak for themselves; the
    search box keeps its hint."""
    for name, field in filterset.form.fields.items():
        if name != "q":
            field.help_text = ""
    return filterset


def errors_as_messages(request: HttpRequest, form) -> None:
    """A bulk form lives on a list page it redirects back to: its errors travel as messages."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def report_bulk_outcome(request: HttpRequest, outcome, names: dict[int, str]) -> None:
    """Say how many changed, and each one that did not, with the reason. `outcome` has
    `changed` (ids) and `refused` ((id, why) pairs), as matching.services.BulkOutcome."""
    if outcome.changed:
        messages.success(
            request,
            ngettext("%(n)s referral changed.", "%(n)s referrals changed.", len(outcome.changed))
            % {"n": len(outcome.changed)},
        )
    for item, why in outcome.refused:
        messages.warning(
            request,
            _("Not changed: %(item)s. %(why)s") % {"item": names.get(item, f"#{item}"), "why": why},
        )
    if not outcome.changed and not outcome.refused:
        messages.info(request, _("Nothing was selected."))
