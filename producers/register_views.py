"""Pages of the national register: the import (administrators and national officers), claim
codes and linking by hand (officers of the producer's province), and the producer's own claim.

Producer layer: imports only otop_portal and producers. The work is in producers/register.py
and producers/claims.py.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otop_portal import spreadsheets
from otop_portal.models import Role
from otop_portal.roles import role_required
from producers import claims, register
from producers.claim_letters import codes_csv, letters_pdf
from producers.models import Producer, RegisterImport
from producers.validators import mask_national_id

IMPORTS_PER_PAGE = 20
REJECTIONS_PER_PAGE = 50
RECORDS_PER_PAGE = 50
XLSX = spreadsheets.CONTENT_TYPES["xlsx"]
CSV = spreadsheets.CONTENT_TYPES["csv"]


def _file_response(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)
    return response


def _require_importer(request: HttpRequest) -> None:
    """Administrators and national officers only: the register is national."""
    user = request.user
    if not (user.role == Role.ADMIN or (user.role == Role.OFFICER and user.is_national_officer)):
        raise PermissionDenied


# --- Import -------------------------------------------------------------------------------------


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Register file"),
        help_text=gettext_lazy("CSV or Excel (.xlsx) in the template's layout, up to 200 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show the report, write nothing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            register.file_kind(upload.name)
        except register.FileProblem as problem:
            raise ValidationError(str(problem)) from None
        if upload.size > register.MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 200 MB. Split it into parts."))
        return upload


@role_required(Role.OFFICER, Role.ADMIN)
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a register file (checked and imported in the background) and see earlier ones."""
    _require_importer(request)
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from producers.tasks import import_register

        upload = form.cleaned_data["file"]
        register_import = RegisterImport(
            filename=upload.name[:255],
            dry_run=form.cleaned_data["dry_run"],
            uploaded_by=request.user,
        )
        register_import.file.save(f"{timezone.now():%Y%m%d-%H%M%S}-{upload.name}", upload, False)
        register_import.save()
        transaction.on_commit(lambda: import_register.enqueue(register_import.pk))
        return redirect("producers:register_import", pk=register_import.pk)
    imports = RegisterImport.objects.select_related("uploaded_by").order_by("-created_at", "-pk")
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "producers/register/import_list.html",
        {"form": form, "page": page, "columns": register.COLUMNS},
    )


@role_required(Role.OFFICER, Role.ADMIN)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while it runs (the page refreshes itself), then the report."""
    _require_importer(request)
    register_import = get_object_or_404(RegisterImport.objects.select_related("uploaded_by"), pk=pk)
    page = Paginator(
        register_import.rejections.order_by("line", "pk"), REJECTIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [(r, register.column_label(r.column)) for r in page.object_list]
    return render(
        request,
        "producers/register/import_detail.html",
        {"import": register_import, "page": page, "rows": rows},
    )


@role_required(Role.OFFICER, Role.ADMIN)
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_importer(request)
    register_import = get_object_or_404(RegisterImport, pk=pk)
    if not register_import.finished:
        raise Http404
    out = io.BytesIO()
    register.report_workbook(register_import, out)
    name = f"register-import-{register_import.pk}-report.xlsx"
    return _file_response(out.getvalue(), name, XLSX)


@role_required(Role.OFFICER, Role.ADMIN)
def import_template(request: HttpRequest) -> HttpResponse:
    """The column layout with an example row: ?format=xlsx (default) or csv."""
    _require_importer(request)
    if request.GET.get("format") == "csv":
        content = register.template_csv()
        return _file_response(content, "otop-register-template.csv", CSV)
    out = io.BytesIO()
    register.template_workbook(out)
    return _file_response(out.getvalue(), "otop-register-template.xlsx", XLSX)


# --- Claim codes and linking (officers) ---------------------------------------------------------


@role_required(Role.OFFICER, Role.ADMIN)
def record_list(request: HttpRequest) -> HttpResponse:
    """Register records nobody has claimed, in the officer's provinces. POST: issue claim codes
    for the ticked ones, as PDF letters or a CSV (the only copy of the codes)."""
    records = claims.unclaimed_records_for(request.user).select_related("province")
    query = (request.GET.get("q") or "").strip()
    if query:
        records = records.filter(Q(name_th__icontains=query) | Q(name_en__icontains=query))
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("producer") if i.isdigit()]
        chosen = list(records.filter(pk__in=ids)) if ids else []
        fmt = request.POST.get("format", "pdf")
        if not chosen:
            messages.error(request, _("Tick the producers to issue claim codes for."))
            return redirect(request.get_full_path())
        try:
            pairs = claims.claim_codes_issue(producers=chosen, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.get_full_path())
        expires_at = claims.code_expiry()
        claim_url = request.build_absolute_uri(reverse("producers:claim"))
        stamp = f"{timezone.localdate():%Y%m%d}"
        if fmt == "csv":
            content = codes_csv(pairs, expires_at=expires_at, claim_url=claim_url)
            return _file_response(content, f"claim-codes-{stamp}.csv", CSV)
        content = letters_pdf(pairs, expires_at=expires_at, claim_url=claim_url)
        return _file_response(content, f"claim-letters-{stamp}.pdf", "application/pdf")
    page = Paginator(records.order_by("name_th", "pk"), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(p, mask_national_id(p.national_id or "")) for p in page.object_list]
    return render(
        request,
        "producers/register/record_list.html",
        {"page": page, "rows": rows, "query": query},
    )


class LinkForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address of the producer's account"),
        help_text=gettext_lazy("The producer signs up on the portal first."),
    )


def _get_record_for_officer(request: HttpRequest, pk: int) -> Producer:
    """An unclaimed register record in the officer's provinces, or 404 (as if it did not exist)."""
    return get_object_or_404(
        claims.unclaimed_records_for(request.user).select_related("province"), pk=pk
    )


@role_required(Role.OFFICER, Role.ADMIN)
def record_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a signed-up producer account to a register record by hand (audited)."""
    producer = _get_record_for_officer(request, pk)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claims.producer_link_account(
                producer=producer, email=form.cleaned_data["email"], by=request.user
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is now linked to %(email)s.")
                % {"name": producer.name_th, "email": form.cleaned_data["email"]},
            )
            return redirect("producers:register_records")
    return render(
        request,
        "producers/register/record_link.html",
        {
            "producer": producer,
            "form": form,
            "national_id": mask_national_id(producer.national_id or ""),
        },
    )


# --- The producer claims their record -----------------------------------------------------------


class ClaimForm(forms.Form):
    id_number = forms.CharField(
        label=gettext_lazy("National ID or juristic-person number"),
        max_length=20,
        help_text=gettext_lazy("13 digits, as on your letter."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Claim code"),
        max_length=20,
        help_text=gettext_lazy("10 letters and digits, like ABCDE-23456."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


@role_required(Role.PRODUCER)
def claim(request: HttpRequest) -> HttpResponse:
    """A signed-up producer types their ID and the code on their letter; the register record
    becomes theirs."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claims.claim_record(
                user=request.user,
                id_number=form.cleaned_data["id_number"],
                code=form.cleaned_data["code"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except claims.ClaimRefused as refused:
            form.add_error(None, refused.messages)
        else:
            messages.success(
                request,
                _("Your register record is now yours. Check its details and add what is missing."),
            )
            return redirect("producers:home")
    return render(request, "producers/register/claim.html", {"form": form})
