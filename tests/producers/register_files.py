"""Register files for the tests: rows as dicts of column keys, written as CSV or XLSX with the
Thai headers (or the English ones)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import translation

from producers.models import RegisterImport
from producers.register import COLUMNS


def good_row(n: int = 1, **overrides) -> dict[str, str]:
    """A valid row: a community group in Chiang Mai with one silk product and a มผช."""
    row = {
        "producer_type": "กลุ่มผู้ผลิตชุมชน",
        "producer_name_th": "กลุ่มทอผ้าบ้านดอนเจดีย์",
        "national_id": "1101700230708",
        "province": "เชียงใหม่",
        "district": "เมืองเชียงใหม่",
        "subdistrict": "ศรีภูมิ",
        "postal_code": "50200",
        "phone": "0812345678",
        "member_count": "25",
        "product_code": f"50-0001-{n:02d}",
        "product_name_th": f"ผ้าไหม {n}",
        "category": "ผ้าและเครื่องแต่งกาย",
        "price": "1200",
        "cert1_type": "มผช.",
        "cert1_number": "1555/2563",
        "cert1_issued_on": "15/03/2566",
        "cert1_expires_on": "14/03/2572",
    }
    row.update(overrides)
    return row


def headers(english: bool = False) -> list[str]:
    if english:
        with translation.override("en"):
            return [str(c.en) for c in COLUMNS]
    return [c.th for c in COLUMNS]


def csv_bytes(rows: list[dict], *, english: bool = False, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(english))
    for row in rows:
        writer.writerow([row.get(c.key, "") for c in COLUMNS])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], *, english: bool = False, formulas: dict | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append(headers(english))
    for row in rows:
        sheet.append([row.get(c.key, "") for c in COLUMNS])
    for (row_number, key), formula in (formulas or {}).items():
        column = [c.key for c in COLUMNS].index(key) + 1
        sheet.cell(row=row_number, column=column, value=formula)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_import(content: bytes, filename: str, *, dry_run: bool = False, by=None):
    register_import = RegisterImport(filename=filename, dry_run=dry_run, uploaded_by=by)
    register_import.file.save(filename, ContentFile(content), save=False)
    register_import.save()
    return register_import


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path
