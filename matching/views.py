from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from otop_portal.models import Province, Role
from otop_portal.roles import role_required


@role_required(Role.OFFICER)
def officer_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    provinces = Province.objects.all() if user.is_national_officer else user.provinces.all()
    return render(
        request,
        "matching/officer_home.html",
        {"provinces": provinces, "national": user.is_national_officer},
    )
