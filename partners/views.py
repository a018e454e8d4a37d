from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from otop_portal.models import Role
from otop_portal.roles import role_required
from partners.models import Partner


@role_required(Role.PARTNER)
def home(request: HttpRequest) -> HttpResponse:
    partner = request.user.partner
    colleagues = partner.members.order_by("full_name", "email")
    return render(request, "partners/home.html", {"partner": partner, "colleagues": colleagues})


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Public: what each MOU partner is, before anyone signs up."""
    partners = Partner.objects.order_by("name_en")
    return render(request, "partners/directory.html", {"partners": partners})
