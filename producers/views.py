from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from otop_portal.models import Role
from otop_portal.roles import role_required
from producers.models import Category, CertificationType


@role_required(Role.PRODUCER)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "producers/home.html",
        {
            "categories": Category.objects.all(),
            "certification_types": CertificationType.objects.all(),
        },
    )
