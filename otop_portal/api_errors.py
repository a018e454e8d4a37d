"""Every error under /api/ answers JSON in one shape, `{"detail": "..."}`, the shape DRF gives
its own refusals (401, 403, 404, 405, 429), so a client parses one thing whatever went wrong.

DRF's views already answer that way. What reaches Django instead is answered here: an address
no route matches (an unknown path, or an id that is not a number such as `0.5`) and an
unexpected server error. Pages outside /api/ keep their HTML error pages.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

API_PREFIX = "/api/"


class Conflict(APIException):
    """409: the row's state does not allow this (it is referenced, or someone moved it first)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This cannot be done in the record's present state.")
    default_code = "conflict"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The last route under /api/: no operation has this address (whatever the method)."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/, the portal's page elsewhere."""
    if is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, the portal's page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": str(APIException.default_detail)}, status=500)
    return defaults.server_error(request)
