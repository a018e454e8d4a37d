"""The officers' spreadsheet downloads: a list with its filters as CSV or Excel, at once when it
is small and as a background job otherwise; the officer's own jobs; and a job's file, only for
the officer who asked for it. The work is in matching/officer/exports.py."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from matching.models import ExportJob, ExportStatus
from matching.officer.exports import (
    CONTENT_TYPES,
    EXPORTS,
    FORMATS,
    export_filename,
    export_query,
    export_request,
    export_rows,
    write_export,
)
from otop_portal.models import Role
from otop_portal.roles import role_required

EXPORTS_PER_PAGE = 25
# The list names a URL may carry (matching/urls.py): any other is not a route at all.
LIST_NAMES_PATTERN = "|".join(EXPORTS)


def _get_export_for_requester(request: HttpRequest, pk: int) -> ExportJob:
    """A finished export of the requesting user; 404 for anyone else's (administrators
    included: a file holds the requester's scope, and is theirs), as if it did not exist."""
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user, status=ExportStatus.DONE)


@role_required(Role.OFFICER, Role.ADMIN)
def export(request: HttpRequest, list_name: str) -> HttpResponse:
    """GET ?format=csv|xlsx plus the list page's filters: the file at once when the filtered
    list has at most EXPORT_INLINE_ROWS rows; otherwise a background job, and the officer is
    sent to their downloads, where the file appears when it is ready."""
    if list_name not in EXPORTS:
        raise Http404
    fmt = request.GET.get("format", "")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Choose the CSV or the Excel (XLSX) format."),
            content_type="text/plain; charset=utf-8",
        )
    query = export_query(request.GET)
    rows = export_rows(list_name, user=request.user, query=query, request=request)
    language = get_language()
    # Counting stops past the limit: knowing "more than 5,000" is enough, and an exact COUNT
    # over a national list is most of a page's time (docs/performance.md, finding 6).
    if rows.order_by()[: settings.EXPORT_INLINE_ROWS + 1].count() > settings.EXPORT_INLINE_ROWS:
        export_request(
            user=request.user, list_name=list_name, query=query, fmt=fmt, language=language
        )
        messages.info(
            request, _("We are preparing your file; you will be notified when it is ready.")
        )
        return redirect("matching:exports")
    out = io.BytesIO()  # at most EXPORT_INLINE_ROWS rows
    write_export(list_name, rows, fmt=fmt, language=language, out=out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(list_name, fmt)
    )
    add_never_cache_headers(response)
    return response


@role_required(Role.OFFICER, Role.ADMIN)
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's own exports, the newest first, with a download link for each one ready."""
    jobs = ExportJob.objects.filter(requested_by=request.user).order_by("-created_at", "-pk")
    page = Paginator(jobs, EXPORTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for job in page.object_list:
        spec = EXPORTS.get(job.list_name)
        job.list_title = spec.title if spec else job.list_name
    return render(
        request, "matching/exports.html", {"page": page, "keep_days": settings.EXPORT_KEEP_DAYS}
    )


@role_required(Role.OFFICER, Role.ADMIN)
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file of a finished export, to the officer who asked for it only."""
    job = _get_export_for_requester(request, pk)
    if not job.file:
        raise Http404
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(job.list_name, job.format, timezone.localdate(job.created_at)),
        content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )
    add_never_cache_headers(response)
    return response
