"""Bringing in the national register: reading, checking, applying, idempotency, dry runs."""

from __future__ import annotations

import datetime as dt
import io
import os
from unittest import mock

import pytest
from django.core.management import call_command

from otop_portal.dates import parse_date
from otop_portal.reference import load_provinces
from producers.models import (
    Certification,
    CertificationStatus,
    Producer,
    ProducerStatus,
    Product,
    RegisterImportStatus,
)
from producers.reference import load_categories, load_certification_types
from producers.register import change_reason, run_import
from tests import factories
from tests.producers.register_files import csv_bytes, good_row, make_import, write, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference(db):
    load_provinces()
    load_categories()
    load_certification_types()


def _run(rows, *, fmt="csv", dry_run=False, **kwargs):
    content = xlsx_bytes(rows, **kwargs) if fmt == "xlsx" else csv_bytes(rows, **kwargs)
    return run_import(make_import(content, f"register.{fmt}", dry_run=dry_run))


def _reasons(result) -> list[tuple[int, str, str, str]]:
    return [
        (r.line, r.column, r.reason_th, r.reason_en)
        for r in result.rejections.order_by("line", "pk")
    ]


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_thai_headers_is_imported(fmt):
    result = _run([good_row(1), good_row(2)], fmt=fmt)
    assert result.status == RegisterImportStatus.DONE
    assert (result.created, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 0)
    producer = Producer.objects.get()
    assert producer.user is None and producer.from_register
    assert producer.status == ProducerStatus.VERIFIED
    assert producer.national_id == "1101700230708"
    assert producer.province.code == "50"
    assert (producer.district_code, producer.subdistrict_code) == ("5001", "500101")
    assert Product.objects.filter(producer=producer).count() == 2
    cert = Certification.objects.get()
    assert cert.type.code == "tcps" and cert.number == "1555/2563"
    assert cert.issued_on == dt.date(2023, 3, 15)  # 15/03/2566 in the Buddhist era
    assert cert.status == CertificationStatus.VERIFIED
    assert cert.products.count() == 2


def test_english_headers_and_codes_are_accepted():
    row = good_row(
        producer_type="community_group",
        province="50",
        district="5001",
        subdistrict="500101",
        category="textile",
        cert1_type="tcps",
        cert1_issued_on="2023-03-15",
        cert1_expires_on="2026-03-14",
    )
    result = _run([row], english=True)
    assert result.created == 1, _reasons(result)


def test_an_old_excel_tis620_csv_is_read():
    result = _run([good_row(1)], encoding="cp874")
    assert result.created == 1, _reasons(result)
    assert Producer.objects.get().name_th == "กลุ่มทอผ้าบ้านดอนเจดีย์"


def test_a_csv_in_no_encoding_we_read_fails_whole_with_a_clear_reason():
    # Valid UTF-8 up to its last row, then bytes that are neither UTF-8 nor CP874: nothing of
    # it is imported, not even the rows before.
    content = csv_bytes([good_row(1), good_row(2)]) + b"\xff\xfe\xfc,\xdb\n"
    result = run_import(make_import(content, "register.csv"))
    assert result.status == RegisterImportStatus.FAILED
    assert "CSV UTF-8" in result.failure_en and result.failure_th != result.failure_en
    assert not Producer.objects.exists()


def test_a_file_that_is_not_a_workbook_fails_whole_with_a_clear_reason():
    result = run_import(make_import(b"not a zip", "register.xlsx"))
    assert result.status == RegisterImportStatus.FAILED
    assert "Excel" in result.failure_en and result.failure_th
    assert not Producer.objects.exists()


def test_a_file_without_required_columns_fails_whole():
    result = run_import(make_import("ชื่อ,นามสกุล\nก,ข\n".encode(), "register.csv"))
    assert result.status == RegisterImportStatus.FAILED
    assert "lacks these columns" in result.failure_en
    assert "รหัสผลิตภัณฑ์" in result.failure_th


def test_a_cell_with_a_formula_rejects_its_row():
    result = _run([good_row(1), good_row(2)], fmt="xlsx", formulas={(3, "price"): "=1000+200"})
    assert (result.created, result.rejected) == (1, 1)
    [(line, column, th, en)] = _reasons(result)
    assert (line, column) == (3, "price")
    assert "formula" in en and th != en


def test_blank_rows_are_skipped():
    content = (
        csv_bytes([good_row(1)]) + b",,,,\n" * 2000 + csv_bytes([good_row(2)]).split(b"\n", 1)[1]
    )
    result = run_import(make_import(content, "register.csv"))
    assert (result.created, result.rejected) == (2, 0), _reasons(result)


# --- Checking: each rejection with its line, column and a Thai reason ---------------------------

REJECTIONS = [
    ({"national_id": "1101700230709"}, "national_id", "last digit"),
    ({"national_id": "12345"}, "national_id", "13 digits"),
    ({"juristic_id": "1234567890123"}, "juristic_id", "starts with 0"),
    ({"community_enterprise_code": "12345"}, "community_enterprise_code", "12 digits"),
    ({"province": "Atlantis"}, "province", "Unknown province"),
    ({"district": "Nowhere"}, "district", "not in the province"),
    ({"postal_code": "10110"}, "postal_code", "postal code of"),
    ({"category": "weapons"}, "category", "Unknown OTOP category"),
    ({"gtin": "8850999000002"}, "gtin", "last digit"),
    ({"cert1_issued_on": "31/02/2566"}, "cert1_issued_on", "does not exist"),
    ({"cert1_issued_on": "sometime"}, "cert1_issued_on", "could not be read"),
    ({"cert1_expires_on": "01/01/2565"}, "cert1_expires_on", "after the issue date"),
    ({"cert1_number": "1555/2020"}, "cert1_number", "Christian-era year"),
    ({"otop_stars": "4", "otop_star_year": "2540"}, "otop_star_year", "since 2546"),
    ({"otop_stars": "7", "otop_star_year": "2567"}, "otop_stars", "1 to 5"),
    ({"producer_type": "sme"}, "juristic_id", "juristic-person number"),
    ({"phone": "12345"}, "phone", "starts with 0"),
    ({"product_name_th": ""}, "product_name_th", "required"),
]


@pytest.mark.parametrize(("overrides", "column", "english"), REJECTIONS)
def test_each_rejection_names_line_column_and_reason_in_thai_and_english(
    overrides, column, english
):
    result = _run([good_row(1), good_row(2, **overrides)])
    assert (result.created, result.rejected) == (1, 1)
    rejections = _reasons(result)
    assert {(line, col) for line, col, _th, _en in rejections} == {(3, column)}
    _line, _col, th, en = rejections[0]
    assert english in en
    # The Thai reason is Thai (the catalogue has it), not the English text again.
    assert th != en and any("\u0e00" <= ch <= "\u0e7f" for ch in th)


def test_every_row_of_a_producer_with_a_bad_id_is_rejected_with_the_same_reasons():
    # The producer's columns are checked once per producer and language; each row still gets
    # its own rejection, in Thai and English.
    result = _run([good_row(n, national_id="1101700230709") for n in (1, 2, 3)])
    assert (result.created, result.rejected) == (0, 3)
    reasons = _reasons(result)
    assert [line for line, *_rest in reasons] == [2, 3, 4]
    assert len({(col, th, en) for _line, col, th, en in reasons}) == 1
    assert "last digit" in reasons[0][3] and reasons[0][2] != reasons[0][3]


def test_a_row_with_one_bad_certificate_is_rejected_whole():
    row = good_row(
        1,
        cert2_type="อย.",
        cert2_number="50-1-12345-2-0001",
        cert2_issued_on="01/01/2566",
        cert3_type="มผช.",
        cert3_number="not a number",
        cert3_issued_on="01/01/2566",
    )
    result = _run([row])
    assert (result.created, result.rejected) == (0, 1)
    assert [c for _l, c, _t, _e in _reasons(result)] == ["cert3_number"]
    assert not Producer.objects.exists()
    assert not Product.objects.exists()
    assert not Certification.objects.exists()


def test_otop_stars_become_a_star_certificate_of_the_product():
    result = _run([good_row(1, otop_stars="4", otop_star_year="2567")])
    assert result.created == 1, _reasons(result)
    stars = Certification.objects.get(type__code="otop-stars")
    assert (stars.star_level, stars.award_year) == (4, 2024)
    assert list(stars.products.values_list("register_code", flat=True)) == ["50-0001-01"]


def test_two_rows_with_one_product_code_reject_the_second():
    result = _run([good_row(1), good_row(1, product_name_th="อื่น")])
    assert (result.created, result.rejected) == (1, 1)
    assert "already on line 2" in _reasons(result)[0][3]


def test_two_rows_of_one_producer_that_disagree_reject_the_second():
    result = _run([good_row(1), good_row(2, phone="0899999999")])
    assert (result.created, result.rejected) == (1, 1)
    assert "also on line 2" in _reasons(result)[0][3]


# --- Applying -----------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing():
    rows = [good_row(1, otop_stars="4", otop_star_year="2567"), good_row(2)]
    first = _run(rows)
    assert first.created == 2
    before = (
        Producer.history.count(),
        Product.history.count(),
        Certification.history.count(),
    )
    second = _run(rows)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 2, 0)
    after = (
        Producer.history.count(),
        Product.history.count(),
        Certification.history.count(),
    )
    assert after == before


def test_a_changed_row_updates_its_records():
    _run([good_row(1)])
    result = _run([good_row(1, price="1500", phone="0899999999")])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert Product.objects.get().price == 1500
    assert Producer.objects.get().phone == "0899999999"


def test_a_dry_run_writes_nothing():
    result = _run([good_row(1), good_row(2, national_id="1")], dry_run=True)
    assert result.status == RegisterImportStatus.DONE
    assert (result.created, result.rejected) == (1, 1)
    assert not Producer.objects.exists()
    assert not Product.objects.exists()
    assert not Certification.objects.exists()
    assert not Producer.history.exists()


def test_imported_records_say_where_they_came_from_in_their_history():
    _run([good_row(1)])
    reason = Producer.history.get().history_change_reason
    assert reason.startswith("from the register: register.csv (")
    assert Product.history.get().history_change_reason == reason
    assert Certification.history.get().history_change_reason == reason


def test_a_claimed_record_is_not_overwritten_by_the_register(producer):
    _run([good_row(1)])
    Producer.objects.update(user=producer)
    result = _run([good_row(1, phone="0899999999")])
    assert result.rejected == 1
    assert "claimed" in _reasons(result)[0][3]
    assert Producer.objects.get().phone == "0812345678"


def test_a_single_owner_who_signed_up_is_not_duplicated(producer, province):
    from producers.services import national_id_hash

    factories.ProducerFactory(
        user=producer,
        producer_type="single_owner",
        national_id="1101700230708",
        national_id_hash=national_id_hash("1101700230708"),
    )
    result = _run([good_row(1, producer_type="single_owner")])
    assert result.rejected == 1
    assert "link the account" in _reasons(result)[0][3]


def test_matching_re_scores_once_at_the_end_not_row_by_row():
    with mock.patch("matching.services.rematch_products") as rematch:
        result = _run([good_row(n) for n in range(1, 6)])
    assert result.created == 5
    assert rematch.call_count == 1
    assert set(rematch.call_args.args[0]) == set(Product.objects.values_list("pk", flat=True))


def test_a_file_imported_again_unchanged_re_scores_nothing():
    _run([good_row(1)])
    with mock.patch("matching.services.rematch_products") as rematch:
        result = _run([good_row(1)])
    assert result.unchanged == 1
    assert rematch.call_count == 0


def test_a_dry_run_re_scores_nothing():
    with mock.patch("matching.services.rematch_products") as rematch:
        _run([good_row(1)], dry_run=True)
    assert rematch.call_count == 0


def test_the_management_command_imports_and_dry_runs(tmp_path, capsys):
    path = write(tmp_path, "register.csv", csv_bytes([good_row(1), good_row(2, gtin="1")]))
    call_command("import_register", str(path), "--dry-run", "--no-progress")
    out = capsys.readouterr().out
    assert "Dry run" in out and "1 created" in out and "1 rejected" in out
    assert not Producer.objects.exists()
    call_command("import_register", str(path), "--no-progress")
    assert Product.objects.count() == 1


# --- Dates in either era ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/06/2567", dt.date(2024, 6, 30)),
        ("30/06/2024", dt.date(2024, 6, 30)),
        ("2567-06-30", dt.date(2024, 6, 30)),
        ("2024-06-30", dt.date(2024, 6, 30)),
        ("๓๐/๐๖/๒๕๖๗", dt.date(2024, 6, 30)),
        ("30 มิ.ย. 2567", dt.date(2024, 6, 30)),
        ("30 มิถุนายน พ.ศ. 2567", dt.date(2024, 6, 30)),
        (dt.date(2567, 6, 30), dt.date(2024, 6, 30)),
        (dt.datetime(2024, 6, 30, 0, 0), dt.date(2024, 6, 30)),
    ],
)
def test_dates_are_read_in_the_buddhist_or_the_christian_era(text, expected):
    assert parse_date(text) == expected


def test_an_unexpected_error_fails_the_import_with_a_message_not_a_spinner():
    with mock.patch("producers.register.apply_row", side_effect=RuntimeError("boom")):
        result = _run([good_row(1)])
    assert result.status == RegisterImportStatus.FAILED
    assert "error in the portal" in result.failure_en
    assert not Producer.objects.exists()


def test_the_uploaded_file_is_deleted_once_read():
    register_import = make_import(csv_bytes([good_row(1)]), "register.csv")
    path = register_import.file.path
    result = run_import(register_import)
    assert result.created == 1
    assert not result.file
    assert not os.path.exists(path)


def test_a_sheet_formatted_down_to_its_last_row_ends_where_the_data_does():
    from openpyxl import load_workbook

    content = xlsx_bytes([good_row(1), good_row(2)])
    workbook = load_workbook(io.BytesIO(content))
    workbook.active.cell(row=1_048_576, column=1, value="")  # a million blank rows after
    workbook.active.cell(row=1_048_576, column=2).number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    result = run_import(make_import(out.getvalue(), "register.xlsx"))
    assert (result.status, result.created, result.rejected) == ("done", 2, 0)


# --- Writing a batch: new records in bulk, the rest row by row ------------------------------------


def _producer_rows(first: int, count: int, products: int = 2) -> list[dict[str, str]]:
    """`count` producers (each its own national ID) of `products` products each, with stars."""
    return [
        good_row(
            n,
            national_id=factories.valid_national_id(1000 + p),
            product_code=f"50-{p:04d}-{k:02d}",
            otop_stars="4",
            otop_star_year="2567",
        )
        for p in range(first, first + count)
        for k, n in enumerate(range(products), start=1)
    ]


def _queries_of_import(rows) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register_import = make_import(csv_bytes(rows), "register.csv")
    with (
        mock.patch("matching.services.rematch_products"),
        CaptureQueriesContext(connection) as ctx,
    ):
        result = run_import(register_import)
    assert result.created == len(rows), _reasons(result)
    return len(ctx.captured_queries)


def test_new_rows_cost_the_same_number_of_queries_however_many_there_are():
    few = _queries_of_import(_producer_rows(0, 3))
    many = _queries_of_import(_producer_rows(100, 12))
    assert few == many, f"{few} queries for 6 new rows, {many} for 24: a query per row?"
    assert Producer.objects.count() == 15 and Product.objects.count() == 30
    assert Certification.objects.count() == 15 + 30  # a มผช. per producer, stars per product


def test_records_written_in_bulk_have_their_history_from_the_register():
    result = _run(_producer_rows(0, 3))
    assert result.created == 6, _reasons(result)
    reason = change_reason(result)
    assert reason.startswith("from the register: register.csv (")
    for model in (Producer, Product, Certification):
        history = model.history.all()
        assert history.count() == model.objects.count()
        assert {(h.history_type, h.history_change_reason) for h in history} == {("+", reason)}
    assert set(Producer.history.values_list("name_th", "register_key_hash")) == set(
        Producer.objects.values_list("name_th", "register_key_hash")
    )
    # Each product's certificates are linked: its stars and its producer's มผช.
    for product in Product.objects.all():
        assert sorted(product.certifications.values_list("type__code", flat=True)) == [
            "otop-stars",
            "tcps",
        ]


def test_a_row_that_conflicts_is_rejected_whole_and_the_rows_around_it_are_imported():
    _run([good_row(1)])  # product 50-0001-01 belongs to this producer now
    other = {"national_id": factories.valid_national_id(7), "producer_name_th": "กลุ่มอื่น"}
    rows = [
        good_row(
            2, national_id=factories.valid_national_id(5), otop_stars="3", otop_star_year="2566"
        ),
        good_row(1, **other),  # a new producer with the first producer's product code
        good_row(3, national_id=factories.valid_national_id(9)),
    ]
    result = _run(rows)
    assert (result.created, result.rejected) == (2, 1), _reasons(result)
    assert [(line, col) for line, col, _th, _en in _reasons(result)] == [(3, "product_code")]
    assert not Producer.objects.filter(name_th="กลุ่มอื่น").exists()
    assert Producer.objects.count() == 3 and Product.objects.count() == 3
    for code in ("50-0001-02", "50-0001-03"):
        product = Product.objects.get(register_code=code)
        assert product.certifications.filter(type__code="tcps").exists()
    assert Product.objects.get(register_code="50-0001-02").certifications.count() == 2


def test_a_rejected_row_leaves_no_change_behind_for_the_next_row_of_its_producer():
    first = good_row(1)
    second = good_row(2, national_id=factories.valid_national_id(5))
    _run([first, second])
    changed = {"phone": "0899999999"}
    # The first producer's new phone, on a row with the other producer's product code:
    # rejected whole. Its next row (its own product) still brings the new phone.
    result = _run([good_row(2, **changed), good_row(1, **changed)])
    assert (result.updated, result.rejected) == (1, 1), _reasons(result)
    assert Producer.objects.get(national_id_hash=_hash(first["national_id"])).phone == (
        "0899999999"
    )


def _hash(national_id: str) -> str:
    from producers.services import national_id_hash

    return national_id_hash(national_id)


def test_a_row_that_changes_a_record_made_earlier_in_its_batch_is_applied_after_it():
    # Two products of one producer list the same certificate with another expiry date: the
    # second row changes the certificate the first one created, as row by row.
    rows = [good_row(1), good_row(2, cert1_expires_on="14/03/2573")]
    result = _run(rows)
    assert (result.created, result.rejected) == (2, 0), _reasons(result)
    cert = Certification.objects.get()
    assert cert.expires_on == dt.date(2030, 3, 14)
    assert cert.products.count() == 2
    assert list(
        Certification.history.order_by("history_id").values_list("history_type", flat=True)
    ) == [
        "+",
        "~",
    ]


def test_a_bulk_insert_that_meets_records_written_meanwhile_falls_back_to_row_by_row():
    from producers import register

    _run([good_row(1)])
    real_load = register.Batch.load
    loads = []

    def load(rows):
        loads.append(rows)
        # The first read misses the records another import committed meanwhile.
        return register.Batch({}, {}, {}, {}, set()) if len(loads) == 1 else real_load(rows)

    with mock.patch.object(register.Batch, "load", side_effect=load):
        result = _run([good_row(1), good_row(2)])
    assert len(loads) == 2  # the bulk attempt, then the batch again row by row
    assert (result.created, result.unchanged, result.rejected) == (1, 1, 0), _reasons(result)
    assert Producer.objects.count() == 1 and Product.objects.count() == 2
    assert Certification.objects.get().products.count() == 2
