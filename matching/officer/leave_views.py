"""Recording that a partner left the MOU: a confirmation page that says what will stop.

Leaving is final (partners.services.partner_set_status), so it is never a side effect of
saving a form: officers and administrators come here, read what stops and confirm.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from matching.selectors import partner_leave_summary
from otop_portal.models import Role
from otop_portal.roles import role_required
from partners.models import Partner, PartnerStatus
from partners.permissions import can_set_partner_status
from partners.services import partner_set_status


class LeaveForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: this partner left the MOU, and all of the above stops."),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm that the partner left the MOU.")
        },
    )


@role_required(Role.OFFICER, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def partner_leave(request: HttpRequest, code: str) -> HttpResponse:
    partner = get_object_or_404(Partner, code=code)
    if not can_set_partner_status(request.user):
        raise PermissionDenied
    if partner.status == PartnerStatus.LEFT:
        messages.info(request, _("This partner has left the MOU."))
        return redirect("partners:partner_detail", partner=partner.code)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_set_status(partner=partner, status=PartnerStatus.LEFT, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "%(partner)s has left the MOU. Its keys, feed and members' access have "
                    "stopped; its history is kept."
                )
                % {"partner": partner.name},
            )
            return redirect("partners:partner_detail", partner=partner.code)
    return render(
        request,
        "matching/partner_leave.html",
        {"partner": partner, "summary": partner_leave_summary(partner), "form": form},
    )
