"""The import pages: upload, progress and report, template and report downloads."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from otop_portal.reference import load_provinces
from producers.models import Producer, RegisterImport, RegisterImportRejection
from producers.reference import load_categories, load_certification_types
from producers.register import COLUMNS
from tests.producers.register_files import csv_bytes, good_row, make_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference(db):
    load_provinces()
    load_categories()
    load_certification_types()


def test_a_national_officer_may_import(client, national_officer, officer):
    client.force_login(national_officer)
    assert client.get(reverse("producers:register_imports")).status_code == 200
    client.force_login(officer)  # of one province
    assert client.get(reverse("producers:register_imports")).status_code == 403


def test_upload_imports_in_the_background_and_shows_the_report(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    content = csv_bytes([good_row(1), good_row(2, gtin="123")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("producers:register_imports"),
            {"file": SimpleUploadedFile("register.csv", content, "text/csv")},
        )
    register_import = RegisterImport.objects.get()
    assert response["Location"] == reverse("producers:register_import", args=[register_import.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-created">1<' in page
    assert 'data-testid="count-rejected">1<' in page
    assert "barcode" in page  # the reason, in the reader's language (English here)
    assert register_import.uploaded_by == admin
    assert Producer.objects.get().verified_by == admin


def test_an_upload_that_is_not_csv_or_xlsx_is_refused_at_once(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("producers:register_imports"),
        {"file": SimpleUploadedFile("register.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert response.status_code == 200
    assert "neither" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_the_template_has_thai_headers_and_an_example_row_that_imports(client, admin):
    from producers.register import run_import

    client.force_login(admin)
    response = client.get(reverse("producers:register_template"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.th for c in COLUMNS]
    result = run_import(make_import(response.content, "template.xlsx"))
    assert (result.created, result.rejected) == (1, 0), list(
        result.rejections.values_list("column", "reason_en")
    )


def test_the_csv_template_opens_in_excel_as_utf8(client, admin):
    client.force_login(admin)
    response = client.get(reverse("producers:register_template") + "?format=csv")
    assert response.content.startswith("\ufeff".encode())
    assert "รหัสผลิตภัณฑ์" in response.content.decode("utf-8-sig")


def test_the_report_downloads_as_xlsx_with_each_rejected_row(client, admin):
    from producers.register import run_import

    result = run_import(make_import(csv_bytes([good_row(1, gtin="123")]), "register.csv"))
    client.force_login(admin)
    response = client.get(reverse("producers:register_import_report", args=[result.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    rejected = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert rejected[1][0] == 2  # the line
    assert "บาร์โค้ด" in rejected[1][2]  # the Thai reason
    assert "barcode" in rejected[1][3]  # the English one


def test_the_report_page_queries_are_bounded(client, admin, django_assert_max_num_queries):
    register_import = make_import(b"x", "register.csv")
    RegisterImportRejection.objects.bulk_create(
        RegisterImportRejection(
            register_import=register_import,
            line=n,
            column="gtin",
            reason_th="ผิด",
            reason_en="wrong",
        )
        for n in range(2, 202)
    )
    RegisterImport.objects.filter(pk=register_import.pk).update(status="done", rejected=200)
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("producers:register_import", args=[register_import.pk]))
    assert response.content.decode().count('data-testid="rejection"') == 50


def test_a_running_import_shows_its_progress_and_refreshes(client, admin):
    register_import = make_import(b"x", "register.csv")
    RegisterImport.objects.filter(pk=register_import.pk).update(
        status="running", total_rows=200, processed_rows=50
    )
    client.force_login(admin)
    page = client.get(reverse("producers:register_import", args=[register_import.pk]))
    html = page.content.decode()
    assert 'http-equiv="refresh"' in html
    assert '<progress max="100" value="25"' in html
