from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from matching.filters import MatchResultFilter
from matching.selectors import officer_candidates as candidates_for
from otop_portal.models import Province, Role
from otop_portal.roles import role_required

CANDIDATES_PER_PAGE = 50


@role_required(Role.OFFICER)
def officer_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    provinces = Province.objects.all() if user.is_national_officer else user.provinces.all()
    return render(
        request,
        "matching/officer_home.html",
        {"provinces": provinces, "national": user.is_national_officer},
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_candidates(request: HttpRequest) -> HttpResponse:
    """Eligible pairs not yet referred in the officer's provinces, filtered and by score: what
    the referral review starts from."""
    # Always bound (an empty query string too): the filter set applies the default order.
    filterset = MatchResultFilter(
        request.GET, queryset=candidates_for(request.user), request=request
    )
    for field in filterset.form.fields.values():
        # The help texts describe the API's query parameters (codes, ranges); on the page the
        # labelled selects speak for themselves.
        field.help_text = ""
    page = Paginator(filterset.qs, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/officer_candidates.html",
        {"filter": filterset, "page": page},
    )
