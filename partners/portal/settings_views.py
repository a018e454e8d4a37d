"""Partner settings: how new referrals reach each member, the partner's members and
invitations, its channels and what they require, and the API keys of its own systems.

Every member reads the hub; only the partner's administrators change members and manage keys.
Everything here is about the reader's own partner: a member or key of another partner is
answered with 404, as if it did not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otop_portal.models import Invitation, Role, User
from otop_portal.roles import role_required
from partners.models import ApiToken, Partner
from partners.permissions import can_edit_partner
from partners.services import (
    api_token_create,
    api_token_revoke,
    partner_member_deactivate,
    partner_member_set_admin,
)
from partners.tokens import key_still_works

MEMBERS_PER_PAGE = 50
KEYS_PER_PAGE = 25
PENDING_INVITATIONS_SHOWN = 20


class ApiKeyForm(forms.Form):
    # Not required here: the service says what is missing, in the same words as the API.
    name = forms.CharField(
        label=gettext_lazy("Name of the key"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Which system uses it, e.g. “Purchasing system (production)”. Give each system its "
            "own key, so you can revoke one without stopping the others."
        ),
    )


def _require_partner_admin(request: HttpRequest) -> Partner:
    if not request.user.is_partner_admin:
        raise PermissionDenied(_("Only your partner's administrators can do this."))
    return request.user.partner


def _member_of_my_partner(request: HttpRequest, pk: int) -> User:
    """A member of the reader's own partner; any other account is 404."""
    return get_object_or_404(User, pk=pk, role=Role.PARTNER, partner_id=request.user.partner_id)


def _members(partner: Partner):
    return partner.members.filter(role=Role.PARTNER).order_by(
        "-is_active", "-is_partner_admin", "full_name", "email", "pk"
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@role_required(Role.PARTNER)
@require_GET
def settings_home(request: HttpRequest) -> HttpResponse:
    """The hub: the reader's notification choice, the members and (administrators) what they
    may change, pending invitations, the channels and what they require."""
    partner = request.user.partner
    page = Paginator(_members(partner), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    is_admin = request.user.is_partner_admin
    pending = (
        list(
            Invitation.objects.pending()
            .filter(partner=partner, role=Role.PARTNER)
            .select_related("invited_by")
            .order_by("-created_at")[:PENDING_INVITATIONS_SHOWN]
        )
        if is_admin
        else []
    )
    channels = list(partner.channels.order_by("-is_active", "name_th", "pk"))
    return render(
        request,
        "partners/settings.html",
        {
            "partner": partner,
            "page": page,
            "is_admin": is_admin,
            "pending_invitations": pending,
            "channels": channels,
            "may_edit_channels": can_edit_partner(request.user, partner),
        },
    )


@role_required(Role.PARTNER)
@require_POST
def member_admin(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a colleague an administrator (is_admin=1) or a plain member again (is_admin=0)."""
    _require_partner_admin(request)
    member = _member_of_my_partner(request, pk)
    wanted = request.POST.get("is_admin")
    if wanted not in ("0", "1"):
        messages.error(request, _("Choose whether the member becomes an administrator."))
        return redirect("partners:settings")
    try:
        partner_member_set_admin(member=member, is_admin=wanted == "1", by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if wanted == "1":
            text = _("%(member)s is now an administrator of your partner.")
        else:
            text = _("%(member)s is no longer an administrator of your partner.")
        messages.success(request, text % {"member": member})
    return redirect("partners:settings")


@role_required(Role.PARTNER)
@require_POST
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a colleague's account: they can no longer log in, and their API keys stop
    working."""
    _require_partner_admin(request)
    member = _member_of_my_partner(request, pk)
    was_active = member.is_active
    try:
        partner_member_deactivate(member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if was_active:
            messages.success(
                request,
                _(
                    "%(member)s's account is deactivated: they can no longer log in, and the API "
                    "keys they made no longer work."
                )
                % {"member": member},
            )
        else:
            messages.info(
                request, _("%(member)s's account was already deactivated.") % {"member": member}
            )
    return redirect("partners:settings")


def _keys_page(request: HttpRequest, partner: Partner, form: ApiKeyForm) -> HttpResponse:
    tokens = ApiToken.objects.filter(partner=partner).select_related(
        "partner", "created_by", "revoked_by"
    )
    page = Paginator(tokens, KEYS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(token, key_still_works(token)) for token in page]
    return render(
        request,
        "partners/api_keys.html",
        {"partner": partner, "form": form, "page": page, "rows": rows},
    )


@never_cache  # the answer to a POST holds the new key: no cache may keep it
@role_required(Role.PARTNER)
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """The partner's API keys (administrators): the list, and a form for a new one. The new
    key is shown once, on the answer to the POST; only its hash is kept."""
    partner = _require_partner_admin(request)
    if request.method == "GET":
        return _keys_page(request, partner, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(
                partner=partner, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return render(request, "partners/api_key_created.html", {"token": token, "key": key})
    return _keys_page(request, partner, form)


@role_required(Role.PARTNER)
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _require_partner_admin(request)
    token = get_object_or_404(ApiToken, pk=pk, partner=partner)
    try:
        changed = api_token_revoke(token=token, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if changed:
            messages.success(
                request,
                _("The key “%(name)s” is revoked: calls made with it are refused from now on.")
                % {"name": token.name},
            )
        else:
            messages.info(
                request, _("The key “%(name)s” was already revoked.") % {"name": token.name}
            )
    return redirect("partners:api_keys")
