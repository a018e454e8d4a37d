"""Bringing in the national register (otop.cdd.go.th): producers, products, certificates and
OTOP stars from a CSV or XLSX file, one product per row (docs/register-import.md).

Reading (`read_rows`), checking (`clean_row`: the validators and service rules the forms use)
and applying (`apply_row`) are separate, so the page, the task and the management command share
one path (`run_import`). Each row is imported whole or not at all; re-importing a file changes
nothing (producers are found by the keyed hash of their juristic number or national ID, products
by the register's product code); a dry run rolls every batch back. Saves inside an import do not
trigger re-scoring one by one: the import sends producers.signals.products_changed_in_bulk once
at the end, with the products it created or changed.

Speed (docs/performance.md, issue 15): a batch reads the records its rows name in a few queries
(`Batch.load`); `apply_row` decides what each row changes, and `Writes` decides how: the new
records of a batch wait and are inserted together with bulk_create (and their history rows in
bulk, with the same change reason), while rows that change records that exist are written row
by row in a savepoint each. A bulk insert that meets a record written meanwhile by someone else
rolls the batch back and applies it again row by row.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import datetime as dt
import hashlib
import json
import logging
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import geothai
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otop_portal import spreadsheets
from otop_portal.counts import QUEUES, counts_changed
from otop_portal.dates import DateNotUnderstood, parse_date
from otop_portal.models import Province, User
from producers import services, signals, validators
from producers.forms import IdentityForm
from producers.models import (
    OTOP_STAR_ROUND_YEARS,
    OTOP_STARS_CODE,
    Category,
    Certification,
    CertificationScope,
    CertificationStatus,
    CertificationType,
    Producer,
    ProducerStatus,
    ProducerType,
    Product,
    ProductStatus,
    RegisterImport,
    RegisterImportRejection,
    RegisterImportStatus,
    SubCategory,
)

log = logging.getLogger(__name__)

BATCH_ROWS = 500  # rows per transaction (a savepoint each)
MAX_ROWS = 500_000  # a national file has about 213,000 products
BLANK_RUN_LIMIT = 10_000  # this many blank rows in a row: the data has ended
CERTIFICATE_SLOTS = 3
MAX_FILE_BYTES = 200 * 1024 * 1024


# --- The column layout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    th: str  # the Thai header (what the template writes)
    en: Any  # the English header (gettext_lazy: shown in the report's language)
    required: bool = False
    example: str = ""


def _certificate_columns(n: int) -> list[Column]:
    return [
        Column(
            f"cert{n}_type",
            f"มาตรฐาน {n} ประเภท",
            gettext_lazy("Certificate %(n)s type") % {"n": n},
            example="มผช." if n == 1 else "",
        ),
        Column(
            f"cert{n}_number",
            f"มาตรฐาน {n} เลขที่",
            gettext_lazy("Certificate %(n)s number") % {"n": n},
            example="1555/2563" if n == 1 else "",
        ),
        Column(
            f"cert{n}_issued_on",
            f"มาตรฐาน {n} วันที่ออก",
            gettext_lazy("Certificate %(n)s issue date") % {"n": n},
            example="15/03/2566" if n == 1 else "",
        ),
        Column(
            f"cert{n}_expires_on",
            f"มาตรฐาน {n} วันหมดอายุ",
            gettext_lazy("Certificate %(n)s expiry date") % {"n": n},
            example="14/03/2572" if n == 1 else "",
        ),
    ]


COLUMNS: list[Column] = [
    Column(
        "producer_type",
        "ประเภทผู้ผลิต",
        gettext_lazy("Producer type"),
        True,
        "กลุ่มผู้ผลิตชุมชน",
    ),
    Column(
        "producer_name_th",
        "ชื่อผู้ผลิต (ไทย)",
        gettext_lazy("Producer name (Thai)"),
        True,
        "กลุ่มทอผ้าบ้านดอนเจดีย์",
    ),
    Column("producer_name_en", "ชื่อผู้ผลิต (อังกฤษ)", gettext_lazy("Producer name (English)")),
    Column(
        "national_id",
        "เลขประจำตัวประชาชนผู้แทน",
        gettext_lazy("Representative's national ID"),
        True,
        "1101700230708",
    ),
    Column("juristic_id", "เลขทะเบียนนิติบุคคล", gettext_lazy("Juristic-person number")),
    Column(
        "community_enterprise_code",
        "รหัสทะเบียนวิสาหกิจชุมชน",
        gettext_lazy("Community-enterprise registration code"),
        example="5-50-01-01/1-0001",
    ),
    Column("house_no", "บ้านเลขที่", gettext_lazy("House number"), example="12"),
    Column("moo", "หมู่ที่", gettext_lazy("Village no. (moo)"), example="3"),
    Column("street", "ถนน/ซอย", gettext_lazy("Street or soi")),
    Column("province", "จังหวัด", gettext_lazy("Province"), True, "เชียงใหม่"),
    Column("district", "อำเภอ/เขต", gettext_lazy("District"), example="เมืองเชียงใหม่"),
    Column("subdistrict", "ตำบล/แขวง", gettext_lazy("Subdistrict"), example="ศรีภูมิ"),
    Column("postal_code", "รหัสไปรษณีย์", gettext_lazy("Postal code"), example="50200"),
    Column("phone", "โทรศัพท์", gettext_lazy("Phone"), example="0812345678"),
    Column("member_count", "จำนวนสมาชิก", gettext_lazy("Number of members"), example="25"),
    Column(
        "product_code",
        "รหัสผลิตภัณฑ์",
        gettext_lazy("Register product code"),
        True,
        "50-0001-01",
    ),
    Column(
        "product_name_th",
        "ชื่อผลิตภัณฑ์ (ไทย)",
        gettext_lazy("Product name (Thai)"),
        True,
        "ผ้าไหมมัดหมี่",
    ),
    Column("product_name_en", "ชื่อผลิตภัณฑ์ (อังกฤษ)", gettext_lazy("Product name (English)")),
    Column("category", "ประเภทผลิตภัณฑ์", gettext_lazy("OTOP category"), True, "ผ้าและเครื่องแต่งกาย"),
    Column("subcategory", "ประเภทย่อย", gettext_lazy("Sub-type"), example="ผ้าผืน"),
    Column("price", "ราคาขายปลีก (บาท)", gettext_lazy("Retail price (baht)"), example="1200"),
    Column("price_unit", "หน่วย", gettext_lazy("Unit"), example="ผืน"),
    Column("pack_size", "ขนาดบรรจุ", gettext_lazy("Pack size or net weight")),
    Column("shelf_life_days", "อายุการเก็บรักษา (วัน)", gettext_lazy("Shelf life (days)")),
    Column("gtin", "บาร์โค้ด (GTIN)", gettext_lazy("Barcode (GTIN/EAN-13)")),
    Column("otop_stars", "ระดับดาว OTOP", gettext_lazy("OTOP stars"), example="4"),
    Column(
        "otop_star_year", "ปีที่ได้รับดาว", gettext_lazy("Year the stars were awarded"), example="2567"
    ),
    *[c for n in range(1, CERTIFICATE_SLOTS + 1) for c in _certificate_columns(n)],
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = [c.key for c in COLUMNS if c.required]


def _norm(text: Any) -> str:
    return " ".join(str(text or "").replace("\ufeff", "").split()).casefold()


HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    HEADER_ALIASES[_norm(_column.key)] = _column.key
    HEADER_ALIASES[_norm(_column.th)] = _column.key
    with translation.override("en"):
        HEADER_ALIASES[_norm(str(_column.en))] = _column.key


def column_label(key: str) -> str:
    """How the report names a column: its Thai header (what the file has), and in English its
    English header."""
    column = COLUMN_BY_KEY.get(key)
    if column is None:
        return key
    return str(column.en) if translation.get_language() == "en" else column.th


# --- Problems -----------------------------------------------------------------------------------


class FileProblem(Exception):
    """The whole file cannot be read; the message is in the active language (see _both)."""

    def __init__(self, make: Callable[[], str]):
        self.make = make
        super().__init__(make())


@dataclass
class Problem:
    column: str
    message: str
    message_en: str = ""  # set when the message was made in both languages at once


def _conflict(column: str, make: Callable[[], str]) -> Problem:
    th, en = _both(make)
    return Problem(column, th, en)


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.column}: {p.message}" for p in problems))


def _both(make: Callable[[], str]) -> tuple[str, str]:
    with translation.override("th"):
        th = str(make())
    with translation.override("en"):
        en = str(make())
    return th, en


# --- Reading ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    """A cell as text (dates stay dates): 1101700230708.0 from a spreadsheet becomes the digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value
    return str(value).strip()


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM Excel writes), or TIS-620/CP874 from old Thai Excel: the
    first that decodes the whole file. Decoded a megabyte at a time and thrown away, so that
    the file is then read as a stream (a national file is 85 MB: held as text it took
    250 MB more)."""
    for encoding in ("utf-8-sig", "cp874"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileProblem(
        lambda: _(
            "The file's characters could not be read. Save it from Excel as “CSV UTF-8” "
            "(or as an Excel workbook, .xlsx) and upload it again."
        )
    )


def estimate_rows(path: Path, kind: str) -> int | None:
    try:
        if kind == "csv":
            with path.open("rb") as f:
                return max(0, sum(1 for _line in f) - 1)
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = wb.worksheets[0].max_row
        wb.close()
        return max(0, (rows or 1) - 1)
    except Exception:  # only an estimate for the progress bar
        return None


def file_kind(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileProblem(
            lambda: _("Upload a CSV file or an Excel workbook (.xlsx); this file is neither.")
        )
    return suffix[1:]


def _raw_rows(path: Path, kind: str) -> Iterator[tuple[int, list[Any], set[int]]]:
    """(line number, cells as _cell_text makes them, indexes of cells holding formulas), the
    header row included."""
    if kind == "csv":
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileProblem(lambda: _("The file is larger than 200 MB. Split it into parts."))
        with path.open(encoding=_csv_encoding(path), newline="") as text:
            sample = text.read(4096)
            text.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(text, dialect)
            try:
                for cells in reader:
                    formulas = {i for i, c in enumerate(cells) if c.strip().startswith("=")}
                    yield reader.line_num, [c.strip() for c in cells], formulas
            except csv.Error as error:
                line, detail = reader.line_num, str(error)
                raise FileProblem(
                    lambda: (
                        _("The file is not a well-formed CSV file (line %(line)d: %(error)s).")
                        % {"line": line, "error": detail}
                    )
                ) from None
        return
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileProblem(
            lambda: _(
                "The file is not a readable Excel workbook (.xlsx). Open it in Excel and "
                "save it again as an Excel workbook."
            )
        ) from None
    try:
        sheet = wb.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells, formulas = [], set()
            for i, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", "") == "f" or (
                    isinstance(value, str) and value.startswith("=")
                ):
                    formulas.add(i)
                cells.append(_cell_text(value))
            yield number, cells, formulas
    finally:
        wb.close()


@dataclass
class RawRow:
    line: int
    cells: dict[str, Any]
    formulas: set[str] = field(default_factory=set)


def read_rows(path: Path, filename: str) -> Iterator[RawRow]:
    """The data rows of a register file as {column key: cell}, blank rows skipped.

    Raises FileProblem when the file cannot be read at all or lacks a required column.
    """
    kind = file_kind(filename)
    rows = _raw_rows(path, kind)
    header: list[str | None] | None = None
    for _line, cells, _formulas in rows:
        if not any(_cell_text(c) not in ("", None) for c in cells):
            continue
        header = [HEADER_ALIASES.get(_norm(c)) for c in cells]
        break
    if header is None:
        raise FileProblem(lambda: _("The file is empty: there is no header row."))
    missing = [k for k in REQUIRED_KEYS if k not in header]
    if missing:
        raise FileProblem(
            lambda: (
                _(
                    "The file lacks these columns: %(columns)s. Download the template to see the "
                    "columns and their headers."
                )
                % {"columns": ", ".join(column_label(k) for k in missing)}
            )
        )
    blank_run = 0
    seen = 0
    for line, cells, formulas in rows:
        # _raw_rows gives cells as _cell_text makes them (stripped text, or dates): as they are.
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        if not any(v not in ("", None) for v in values.values()):
            blank_run += 1
            if blank_run >= BLANK_RUN_LIMIT:
                return  # a million formatted blank rows: the data has ended
            continue
        blank_run = 0
        seen += 1
        if seen > MAX_ROWS:
            raise FileProblem(
                lambda: (
                    _("The file has more than %(max)s rows. Split it into parts.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            )
        yield RawRow(
            line=line,
            cells=values,
            formulas={header[i] for i in formulas if i < len(header) and header[i]},
        )


# --- Checking one row ---------------------------------------------------------------------------


class Reference:
    """The vocabulary a row is checked against, loaded once per import."""

    _PREFIXES = re.compile(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|เขต|ตำบล|ต\.|แขวง)\s*")

    def __init__(self):
        self.categories = self._index(Category.objects.all())
        self.subcategories = self._index(SubCategory.objects.all())
        self.certificate_types = self._index(CertificationType.objects.all())
        for ct in self.certificate_types.copy().values():
            # The short names people write: อย., มผช., มอก.
            for short in re.findall(r"\(([^)]+)\)", ct.name_th):
                self.certificate_types.setdefault(_norm(short), ct)
                self.certificate_types.setdefault(_norm(short.rstrip(".")), ct)
        self.provinces = self._index(Province.objects.all())
        self.producer_parts: collections.OrderedDict[tuple, _ProducerPart] = (
            collections.OrderedDict()
        )
        self._places: dict[tuple[str, str, str], Any] = {}
        self._identity_form: IdentityForm | None = None
        self.producer_types = {}
        for value, label in ProducerType.choices:
            self.producer_types[_norm(value)] = value
            for language in ("th", "en"):
                with translation.override(language):
                    self.producer_types[_norm(str(label))] = value
        self.producer_types.update(
            {
                _norm("กลุ่มผู้ผลิตชุมชน"): ProducerType.COMMUNITY_GROUP,
                _norm("ผู้ผลิตชุมชน"): ProducerType.COMMUNITY_GROUP,
                _norm("ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว"): ProducerType.SINGLE_OWNER,
                _norm("เจ้าของรายเดียว"): ProducerType.SINGLE_OWNER,
                _norm("ผู้ประกอบการ SME"): ProducerType.SME,
                _norm("ผู้ผลิตที่เป็น SME"): ProducerType.SME,
                _norm("SME"): ProducerType.SME,
            }
        )

    @staticmethod
    def _index(objects) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for obj in objects:
            for name in (obj.code, obj.name_th, obj.name_en):
                if name:
                    index.setdefault(_norm(name), obj)
        return index

    def place_name(self, text: str) -> str:
        return _norm(self._PREFIXES.sub("", str(text).strip()))

    def province(self, text: str) -> Province | None:
        return self.provinces.get(self.place_name(text)) or self.provinces.get(_norm(text))

    def _place(self, text: str, options):
        """The place whose code or name (with or without อำเภอ/เขต/ตำบล/แขวง) is `text`."""
        digits = validators.digits_only(text)
        typed = {_norm(text), self.place_name(text)}
        for place in options:
            names = {_norm(place.name_th), self.place_name(place.name_th), _norm(place.name_en)}
            if place.code == digits or typed & names:
                return place
        return None

    def district(self, text: str, province_code: str):
        key = ("district", text, province_code)
        if key not in self._places:
            self._places[key] = self._place(text, geothai.districts(province_code))
        return self._places[key]

    def subdistrict(self, text: str, district_code: str):
        key = ("subdistrict", text, district_code)
        if key not in self._places:
            self._places[key] = self._place(text, geothai.subdistricts(district_code))
        return self._places[key]

    def identity_form(self, data: dict[str, str]) -> IdentityForm:
        """The registration form's identity step, checked on `data`. One form serves the whole
        import: building a form copies its fields, which cost more than the checks; a bound
        form reads its data afresh on each full_clean."""
        if self._identity_form is None:
            self._identity_form = IdentityForm(data=data)
        form = self._identity_form
        form.data = data
        form.full_clean()
        return form


@dataclass
class CleanCertificate:
    type: CertificationType
    number: str
    issued_on: dt.date
    expires_on: dt.date | None
    star_level: int | None = None
    award_year: int | None = None

    def values(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "number": self.number,
            "issued_on": self.issued_on,
            "expires_on": self.expires_on,
            "star_level": self.star_level,
            "award_year": self.award_year,
        }


@dataclass
class CleanRow:
    line: int
    key_hash: str
    national_id: str
    producer: dict[str, Any]
    product_code: str
    product: dict[str, Any]
    certificates: list[CleanCertificate]
    digest: str = ""  # _producer_digest of its producer

    def producer_digest(self) -> str:
        """What the row says of its producer, to notice two rows that disagree."""
        return self.digest or _producer_digest(self.national_id, self.producer)


def _producer_digest(national_id: str, producer: dict[str, Any]) -> str:
    plain = {k: getattr(v, "pk", v) for k, v in producer.items()}
    blob = json.dumps([national_id, plain], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# Model field -> column, for errors raised by full_clean and the services' checks.
PRODUCT_FIELD_COLUMNS = {
    "name_th": "product_name_th",
    "name_en": "product_name_en",
    "category": "category",
    "subcategory": "subcategory",
    "price": "price",
    "price_unit": "price_unit",
    "pack_size": "pack_size",
    "shelf_life_days": "shelf_life_days",
    "gtin": "gtin",
}
PRODUCER_FIELD_COLUMNS = {
    "producer_type": "producer_type",
    "name_th": "producer_name_th",
    "name_en": "producer_name_en",
    "national_id": "national_id",
    "juristic_id": "juristic_id",
    "community_enterprise_code": "community_enterprise_code",
    "house_no": "house_no",
    "moo": "moo",
    "street": "street",
    "province": "province",
    "district_code": "district",
    "subdistrict_code": "subdistrict",
    "postal_code": "postal_code",
    "phone": "phone",
    "member_count": "member_count",
}


def _errors_by_column(error: ValidationError, columns: dict[str, str], default: str):
    if hasattr(error, "error_dict"):
        return [
            Problem(columns.get(name, default), message)
            for name, errors in error.message_dict.items()
            for message in errors
        ]
    return [Problem(default, message) for message in error.messages]


def _text(cells: dict[str, Any], key: str) -> str:
    value = cells.get(key, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "").strip()


def _int(cells, key, problems, *, minimum=0) -> int | None:
    text = _text(cells, key).translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    text = text.replace(",", "")
    if not text:
        return None
    try:
        number = int(Decimal(text))
        if number != Decimal(text) or number < minimum:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(Problem(key, _("Write a whole number, like 25.")))
        return None
    return number


def _date(cells, key, problems) -> dt.date | None:
    value = cells.get(key, "")
    if value in ("", None):
        return None
    try:
        return parse_date(value)
    except DateNotUnderstood:
        problems.append(
            Problem(
                key,
                _(
                    "This date could not be read. Write day/month/year, like 30/06/2567 "
                    "(Buddhist year) or 30/06/2024."
                ),
            )
        )
    except ValueError:
        problems.append(Problem(key, _("This date does not exist. Check the day and the month.")))
    return None


def _identity(cells, problems) -> dict[str, Any]:
    """Type, names and IDs, checked by the registration form's own identity step."""
    raw_type = _text(cells, "producer_type")
    producer_type = ""
    if raw_type:
        producer_type = REFERENCE.get().producer_types.get(_norm(raw_type), "")
        if not producer_type:
            problems.append(
                Problem(
                    "producer_type",
                    _(
                        "Unknown producer type. Write one of: community producer group, "
                        "single owner, SME."
                    ),
                )
            )
    form = REFERENCE.get().identity_form(
        {
            "producer_type": producer_type,
            "name_th": _text(cells, "producer_name_th"),
            "name_en": _text(cells, "producer_name_en"),
            "national_id": _text(cells, "national_id"),
            "juristic_id": _text(cells, "juristic_id"),
            "community_enterprise_code": _text(cells, "community_enterprise_code"),
        }
    )
    if form.errors:
        for name, errors in form.errors.items():
            if name == "producer_type" and raw_type and not producer_type:
                continue  # said above
            for message in errors:
                problems.append(Problem(PRODUCER_FIELD_COLUMNS.get(name, name), message))
        return {}
    data = dict(form.cleaned_data)
    if data["producer_type"] == ProducerType.SME and not data["juristic_id"]:
        problems.append(
            Problem("juristic_id", _("An SME producer gives its juristic-person number."))
        )
    return data


def _address(cells, problems) -> dict[str, Any]:
    ref = REFERENCE.get()
    province_text = _text(cells, "province")
    province = ref.province(province_text) if province_text else None
    if province_text and province is None:
        problems.append(Problem("province", _("Unknown province. Write its name or its code.")))
        return {}
    if province is None:
        problems.append(Problem("province", _("This field is required.")))
        return {}
    district_code = subdistrict_code = ""
    district_text = _text(cells, "district")
    if district_text:
        district = ref.district(district_text, province.code)
        if district is None:
            problems.append(
                Problem("district", _("This district is not in the province you chose."))
            )
            return {}
        district_code = district.code
    subdistrict_text = _text(cells, "subdistrict")
    if subdistrict_text:
        if not district_code:
            problems.append(Problem("district", _("Give the district of the subdistrict.")))
            return {}
        sub = ref.subdistrict(subdistrict_text, district_code)
        if sub is None:
            problems.append(
                Problem("subdistrict", _("This subdistrict is not in the district you chose."))
            )
            return {}
        subdistrict_code = sub.code
    postal_code = validators.digits_only(_text(cells, "postal_code"))
    errors = validators.validate_address(
        province_code=province.code,
        district_code=district_code,
        subdistrict_code=subdistrict_code,
        postal_code=postal_code,
    )
    for name, message in errors.items():
        problems.append(Problem(PRODUCER_FIELD_COLUMNS[name], message))
    return {
        "province": province,
        "district_code": district_code,
        "subdistrict_code": subdistrict_code,
        "postal_code": postal_code,
        "house_no": _text(cells, "house_no"),
        "moo": _text(cells, "moo"),
        "street": _text(cells, "street"),
    }


def _product(cells, problems) -> dict[str, Any]:
    ref = REFERENCE.get()
    data: dict[str, Any] = {
        "name_th": _text(cells, "product_name_th"),
        "name_en": _text(cells, "product_name_en"),
        "price_unit": _text(cells, "price_unit"),
        "pack_size": _text(cells, "pack_size"),
        "status": ProductStatus.ACTIVE,
    }
    category_text = _text(cells, "category")
    category = ref.categories.get(_norm(category_text))
    if category is None:
        problems.append(
            Problem(
                "category",
                _("Unknown OTOP category. Write one of: %(names)s.")
                % {"names": ", ".join(sorted({c.name for c in ref.categories.values()}))},
            )
        )
    data["category"] = category
    sub_text = _text(cells, "subcategory")
    data["subcategory"] = None
    if sub_text:
        sub = ref.subcategories.get(_norm(sub_text))
        if sub is None:
            problems.append(Problem("subcategory", _("Unknown sub-type.")))
        data["subcategory"] = sub
    price = _text(cells, "price").replace(",", "")
    data["price"] = None
    if price:
        try:
            data["price"] = Decimal(price).quantize(Decimal("0.01"))
            if data["price"] < 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(Problem("price", _("Write the price in baht, like 120 or 89.50.")))
    data["shelf_life_days"] = _int(cells, "shelf_life_days", problems)
    gtin = _text(cells, "gtin")
    data["gtin"] = ""
    if gtin:
        try:
            data["gtin"] = validators.validate_gtin(gtin)
        except ValidationError as error:
            problems.extend(Problem("gtin", m) for m in error.messages)
    return data


def _certificates(cells, problems, product_code: str) -> list[CleanCertificate]:
    ref = REFERENCE.get()
    certificates = []
    stars = _int(cells, "otop_stars", problems)
    year = _int(cells, "otop_star_year", problems)
    if stars is not None or year is not None:
        star_type = ref.certificate_types.get(_norm(OTOP_STARS_CODE))
        if stars is not None and not 1 <= stars <= 5:
            problems.append(Problem("otop_stars", _("OTOP stars are 1 to 5.")))
        elif stars is None:
            problems.append(Problem("otop_stars", _("Choose the number of stars (1 to 5).")))
        elif year is None:
            problems.append(Problem("otop_star_year", _("Type the year the stars were awarded.")))
        elif star_type is not None:
            try:
                award_year = validators.validate_award_year(year, today=timezone.localdate())
            except ValidationError as error:
                problems.extend(Problem("otop_star_year", m) for m in error.messages)
            else:
                certificates.append(
                    CleanCertificate(
                        type=star_type,
                        number=f"OPC-{award_year + validators.BE_OFFSET}-{product_code}",
                        issued_on=dt.date(award_year, 1, 1),
                        expires_on=dt.date(award_year + OTOP_STAR_ROUND_YEARS, 1, 1),
                        star_level=stars,
                        award_year=award_year,
                    )
                )
    for n in range(1, CERTIFICATE_SLOTS + 1):
        keys = [f"cert{n}_{part}" for part in ("type", "number", "issued_on", "expires_on")]
        if not any(_text(cells, k) for k in keys):
            continue
        type_text = _text(cells, keys[0])
        cert_type = ref.certificate_types.get(_norm(type_text)) or ref.certificate_types.get(
            _norm(type_text.rstrip("."))
        )
        if cert_type is None:
            problems.append(
                Problem(keys[0], _("Unknown certificate type. Write its name, like อย. or มผช."))
            )
            continue
        number = _text(cells, keys[1])
        try:
            number = validators.validate_certificate_number(cert_type.code, number)
        except ValidationError as error:
            problems.extend(Problem(keys[1], m) for m in error.messages)
            continue
        issued_on = _date(cells, keys[2], problems)
        expires_on = _date(cells, keys[3], problems)
        if issued_on is None:
            if not _text(cells, keys[2]):
                problems.append(Problem(keys[2], _("Type the issue date.")))
            continue
        if issued_on > timezone.localdate():
            problems.append(Problem(keys[2], _("The issue date cannot be in the future.")))
            continue
        if expires_on is not None and expires_on <= issued_on:
            problems.append(Problem(keys[3], _("The expiry date must be after the issue date.")))
            continue
        certificates.append(CleanCertificate(cert_type, number, issued_on, expires_on))
    return certificates


# What a row says of its producer: the columns below, repeated on each of the producer's rows.
PRODUCER_KEYS = (
    "producer_type",
    "producer_name_th",
    "producer_name_en",
    "national_id",
    "juristic_id",
    "community_enterprise_code",
    "house_no",
    "moo",
    "street",
    "province",
    "district",
    "subdistrict",
    "postal_code",
    "phone",
    "member_count",
)
PRODUCER_PARTS_KEPT = 1024  # producers whose checked columns are kept (their rows are together)


@dataclass
class _ProducerPart:
    """A row's producer columns, checked. Every check of them reads only these columns'
    text (and the import's Reference), so rows that repeat the same text share one result."""

    problems: list[Problem]
    producer: dict[str, Any] = field(default_factory=dict)
    national_id: str = ""
    key_hash: str = ""
    digest: str = ""
    _model_problems: list[Problem] | None = None

    def model_problems(self) -> list[Problem]:
        """The model's own rules (lengths, choices), as the services check them; worked out
        for the first row of the producer that gets this far."""
        if self._model_problems is None:
            self._model_problems = []
            try:
                # Foreign keys were found above: their existence queries are left out.
                Producer(**self.producer, national_id=self.national_id).full_clean(
                    exclude=["user", "national_id", "province", "verified_by"],
                    validate_constraints=False,
                )
            except ValidationError as error:
                self._model_problems = _errors_by_column(
                    error, PRODUCER_FIELD_COLUMNS, "producer_name_th"
                )
        return list(self._model_problems)


def _producer_part(cells: dict[str, Any]) -> _ProducerPart:
    texts = tuple(_text(cells, key) for key in PRODUCER_KEYS)
    kept = REFERENCE.get().producer_parts
    key = (translation.get_language(), texts)
    part = kept.get(key)
    if part is None:
        part = _check_producer(cells)
        kept[key] = part
        if len(kept) > PRODUCER_PARTS_KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(key)
    return part


def _check_producer(cells: dict[str, Any]) -> _ProducerPart:
    problems: list[Problem] = []
    identity = _identity(cells, problems)
    address = _address(cells, problems)
    phone = _text(cells, "phone")
    if phone:
        try:
            phone = validators.validate_phone(phone)
        except ValidationError as error:
            problems.extend(Problem("phone", m) for m in error.messages)
    members = _int(cells, "member_count", problems, minimum=1)
    if problems:
        return _ProducerPart(problems)
    national_id = identity.pop("national_id")
    producer = {**identity, **address, "phone": phone, "member_count": members}
    key = identity["juristic_id"] or national_id
    return _ProducerPart(
        problems=[],
        producer=producer,
        national_id=national_id,
        key_hash=services.national_id_hash(f"register:{key}"),
        digest=_producer_digest(national_id, producer),
    )


def clean_row(raw: RawRow) -> CleanRow:
    """The row checked with the rules the forms use; raises RowRejected listing every problem
    (messages in the active language)."""
    problems: list[Problem] = []
    for key in sorted(raw.formulas, key=list(COLUMN_BY_KEY).index):
        problems.append(
            Problem(
                key,
                _(
                    "This cell holds a formula. Copy the column and paste it as values only, "
                    "then upload again."
                ),
            )
        )
    if problems:
        raise RowRejected(problems)
    for key in REQUIRED_KEYS:
        if not _text(raw.cells, key):
            problems.append(Problem(key, _("This field is required.")))
    if problems:
        raise RowRejected(problems)
    part = _producer_part(raw.cells)
    problems += part.problems
    product_code = _text(raw.cells, "product_code")
    if len(product_code) > 30:
        problems.append(Problem("product_code", _("A product code has at most 30 characters.")))
    product = _product(raw.cells, problems)
    certificates = _certificates(raw.cells, problems, product_code)
    if problems:
        raise RowRejected(problems)
    row = CleanRow(
        line=raw.line,
        key_hash=part.key_hash,
        national_id=part.national_id,
        producer=dict(part.producer),
        product_code=product_code,
        product=product,
        certificates=certificates,
        digest=part.digest,
    )
    # The model's own rules (lengths, choices) as the services check them.
    problems += part.model_problems()
    try:
        Product(**product, register_code=product_code).full_clean(
            exclude=["producer", "category", "subcategory"], validate_constraints=False
        )
    except ValidationError as error:
        problems.extend(_errors_by_column(error, PRODUCT_FIELD_COLUMNS, "product_name_th"))
    if (
        product["subcategory"]
        and product["category"]
        and (product["subcategory"].category_id != product["category"].pk)
    ):
        problems.append(
            Problem(
                "subcategory",
                _("This sub-type belongs to another category. Choose one of %(category)s.")
                % {"category": product["category"]},
            )
        )
    if problems:
        raise RowRejected(problems)
    return row


class _ReferenceHolder(threading.local):
    """The Reference of the import running in this thread (loaded once per import)."""

    value: Reference | None = None

    def get(self) -> Reference:
        if self.value is None:
            self.value = Reference()
        return self.value


REFERENCE = _ReferenceHolder()


# --- Applying one row ---------------------------------------------------------------------------


CertificateKey = tuple[str, int, str]  # (producer's register key hash, type id, number)


@dataclass
class Batch:
    """What a batch of rows needs from the database, fetched in a few queries, and kept up to
    date as the batch's rows are applied (records are keyed by what the file says, not by
    primary key: a new record has none until the batch's bulk insert)."""

    producers: dict[str, Producer]
    products: dict[str, Product]
    certificates: dict[CertificateKey, Certification]
    # The register product codes each certificate covers (codes, not ids: see above).
    linked: dict[CertificateKey, set[str]]
    # national_id_hash of single owners that signed up (or were imported) already.
    single_owners: set[str]

    @classmethod
    def load(cls, rows: list[CleanRow]) -> Batch:
        producers = {
            p.register_key_hash: p
            for p in Producer.objects.filter(register_key_hash__in={r.key_hash for r in rows})
        }
        products = {
            p.register_code: p
            # order_by(): the models' default orderings cost a sort the keys do not need.
            for p in Product.objects.filter(
                register_code__in={r.product_code for r in rows}
            ).order_by()
        }
        key_of = {p.pk: key for key, p in producers.items()}
        certificates = {
            (key_of[c.producer_id], c.type_id, c.number): c
            for c in Certification.objects.filter(producer_id__in=key_of).order_by()
        }
        by_id = {c.pk: key for key, c in certificates.items()}
        linked: dict[CertificateKey, set[str]] = {key: set() for key in certificates}
        for cert_id, code in Certification.products.through.objects.filter(
            certification_id__in=by_id
        ).values_list("certification_id", "product__register_code"):
            linked[by_id[cert_id]].add(code)
        single = {
            services.national_id_hash(r.national_id)
            for r in rows
            if r.producer["producer_type"] == ProducerType.SINGLE_OWNER
        }
        single_owners = set(
            Producer.objects.filter(
                national_id_hash__in=single, producer_type=ProducerType.SINGLE_OWNER
            ).values_list("national_id_hash", flat=True)
        )
        return cls(producers, products, certificates, linked, single_owners)


class _BulkInsertFailed(Exception):
    """A bulk insert met a record another writer inserted meanwhile: the batch is rolled back
    and applied again row by row."""


class _FlushFirst(Exception):
    """A row would change a record that an earlier row of the batch created and that is still
    waiting for the bulk insert: insert first, then apply the row again."""


@dataclass
class _Pending:
    producers: list[Producer] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    certificates: list[Certification] = field(default_factory=list)
    links: list[tuple[Certification, Product]] = field(default_factory=list)

    def extend(self, other: _Pending) -> None:
        self.producers += other.producers
        self.products += other.products
        self.certificates += other.certificates
        self.links += other.links


class Writes:
    """Where apply_row's writes go, so that one function decides what a row changes whatever
    the way it is written.

    Row by row (bulk=False): every write now, in a savepoint opened at the row's first write (a
    row that writes nothing costs no query). In bulk (bulk=True): new records and links wait
    for `flush`, which inserts them with bulk_create and their history rows with
    `_insert_history`, with the same change reason; changes to records that
    exist still go row by row, in the row's savepoint. Either way a row is kept whole or not at
    all: `row()` undoes its savepoint, its waiting records and its changes to the Batch when the
    row fails.
    """

    def __init__(self, reason: str, *, bulk: bool):
        self.reason = reason
        self.bulk = bulk
        self.pending = _Pending()
        self._staged: _Pending | None = None
        self._undo: list[Callable[[], None]] = []
        self._stack: contextlib.ExitStack | None = None
        self._savepoint = False

    @contextlib.contextmanager
    def row(self) -> Iterator[None]:
        self._staged, self._undo, self._savepoint = _Pending(), [], False
        try:
            with contextlib.ExitStack() as stack:
                self._stack = stack
                yield
        except BaseException:
            for undo in reversed(self._undo):
                undo()
            raise
        else:
            self.pending.extend(self._staged)
        finally:
            self._staged, self._undo, self._stack = None, [], None

    def remember(self, mapping: dict, key, value) -> None:
        """mapping[key] = value, undone if the row fails."""
        old = mapping.get(key, _MISSING)
        mapping[key] = value
        self._undo.append(
            (lambda: mapping.pop(key, None))
            if old is _MISSING
            else (lambda: mapping.__setitem__(key, old))
        )

    def add_to(self, values: set, value) -> None:
        """values.add(value), undone if the row fails."""
        if value not in values:
            values.add(value)
            self._undo.append(lambda: values.discard(value))

    def set_attr(self, obj, name: str, value) -> None:
        """setattr(obj, name, value), undone if the row fails (the record in the database is
        rolled back with the savepoint; the copy in the Batch must be too)."""
        attname = obj._meta.get_field(name).attname
        old = getattr(obj, attname)
        setattr(obj, name, value)
        self._undo.append(lambda: setattr(obj, attname, old))

    def _write_now(self) -> None:
        if not self._savepoint:
            self._stack.enter_context(transaction.atomic())
            self._savepoint = True

    def create(self, obj) -> None:
        obj._change_reason = self.reason
        if self.bulk:
            getattr(self._staged, _PENDING_LIST[type(obj)]).append(obj)
            return
        self._write_now()
        obj.save()

    def save(self, obj) -> None:
        """A record that exists changed (or one this batch is still to insert: flush first)."""
        if obj.pk is None:
            raise _FlushFirst
        obj._change_reason = self.reason
        self._write_now()
        obj.save()

    def link(self, cert: Certification, product: Product) -> None:
        if self.bulk:
            self._staged.links.append((cert, product))
            return
        self._write_now()
        cert.products.add(product)

    def flush(self) -> None:
        """Insert what waits, in dependency order (bulk_create sets the new ids on the objects,
        and each object's foreign keys from the objects inserted before it)."""
        pending, self.pending = self.pending, _Pending()
        try:
            with transaction.atomic(savepoint=False):
                for model, objs in (
                    (Producer, pending.producers),
                    (Product, pending.products),
                    (Certification, pending.certificates),
                ):
                    if objs:
                        model.objects.bulk_create(objs, batch_size=BULK_SIZE)
                        _insert_history(model, objs, self.reason)
                if pending.links:
                    through = Certification.products.through
                    through.objects.bulk_create(
                        [through(certification_id=c.pk, product_id=p.pk) for c, p in pending.links],
                        batch_size=BULK_SIZE,
                    )
        except IntegrityError as error:
            raise _BulkInsertFailed from error


HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type"}


def _insert_history(model, objs: list, reason: str) -> None:
    """The "+" history rows of records just inserted, as simple-history's
    bulk_history_create writes them (same columns, reason, user and type), but copied inside
    the database with INSERT ... SELECT: building a historical object per record in Python cost
    as much as inserting the records themselves. A history table with columns of its own
    falls back to bulk_history_create."""
    history = model.history.model
    tracked = [f.column for f in history.tracked_fields]
    extra = {f.column for f in history._meta.concrete_fields} - set(tracked)
    if extra != HISTORY_COLUMNS | {"history_user_id"}:
        model.history.bulk_history_create(objs, batch_size=BULK_SIZE, default_change_reason=reason)
        return
    user = history.get_default_history_user(objs[0])  # the request's user, if any, as a save's
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in tracked)
    pk = quote(model._meta.pk.column)
    # Only names from the models' metadata, quoted, go into the text; values are parameters.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, '+', %s FROM {quote(model._meta.db_table)} "
        f"WHERE {pk} IN ({{ids}}) ORDER BY {pk}"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BULK_SIZE // 2):
            ids = [obj.pk for obj in objs[start : start + BULK_SIZE // 2]]
            cursor.execute(
                sql.format(ids=", ".join(["%s"] * len(ids))),
                [now, reason, getattr(user, "pk", user), *ids],
            )


_MISSING = object()
_PENDING_LIST = {Producer: "producers", Product: "products", Certification: "certificates"}
BULK_SIZE = 1000  # rows per INSERT statement


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _set(obj, values: dict[str, Any], writes: Writes) -> bool:
    """Set the values that differ; True if any did (undone in memory if the row fails).
    Foreign keys are compared by id, so an unchanged row costs no query. A record still
    waiting for the batch's insert is not changed in memory (raises _FlushFirst): the row is
    undone and applied again after the insert."""
    changes = {}
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if field.is_relation:
            current, new = getattr(obj, field.attname), getattr(value, "pk", value)
        else:
            current, new = getattr(obj, name), value
        if current != new:
            changes[name] = value
    if changes and obj.pk is None:
        raise _FlushFirst
    for name, value in changes.items():
        writes.set_attr(obj, name, value)
    return bool(changes)


def _belongs_to(product: Product, producer: Producer) -> bool:
    if producer.pk is None:  # created by this batch, not inserted yet
        return product.pk is None and product.producer is producer
    return product.producer_id == producer.pk


def apply_row(
    row: CleanRow, *, batch: Batch, by: User | None, writes: Writes
) -> tuple[str, Product]:
    """Write one checked row: its producer, product and certificates. Returns the outcome
    (created, updated or unchanged) and the row's product. Raises RowRejected for conflicts
    only the database can tell (an ID claimed, a product code of another producer). Call
    inside `writes.row()`, which keeps the row whole or undoes it."""
    now = timezone.now()
    outcome = UNCHANGED
    producer = batch.producers.get(row.key_hash)
    if producer is not None and producer.user_id is not None:
        raise RowRejected(
            [
                _conflict(
                    "national_id",
                    lambda: _(
                        "This producer has claimed their record and keeps it up to date "
                        "themselves; the register does not overwrite it."
                    ),
                )
            ]
        )
    national_hash = services.national_id_hash(row.national_id)
    if producer is None:
        single_owner = row.producer["producer_type"] == ProducerType.SINGLE_OWNER
        if single_owner and national_hash in batch.single_owners:
            raise RowRejected(
                [
                    _conflict(
                        "national_id",
                        lambda: _(
                            "A single-owner producer with this national ID has already signed "
                            "up. An officer can link the account to the register record by "
                            "hand."
                        ),
                    )
                ]
            )
        producer = Producer(
            **row.producer,
            national_id=row.national_id,
            national_id_hash=national_hash,
            register_key_hash=row.key_hash,
            status=ProducerStatus.VERIFIED,
            verified_at=now,
            verified_by=by,
            registration_step=len(services.REGISTRATION_STEPS),
        )
        writes.create(producer)
        writes.remember(batch.producers, row.key_hash, producer)
        if single_owner:
            writes.add_to(batch.single_owners, national_hash)
        outcome = CREATED
    else:
        national_id_changed = (producer.national_id or "") != row.national_id
        if national_id_changed and producer.pk is None:
            raise _FlushFirst
        changed = _set(producer, row.producer, writes)
        if national_id_changed:
            writes.set_attr(producer, "national_id", row.national_id)
            writes.set_attr(producer, "national_id_hash", national_hash)
            changed = True
        if changed:
            writes.save(producer)
            outcome = UPDATED

    product = batch.products.get(row.product_code)
    if product is not None and not _belongs_to(product, producer):
        raise RowRejected(
            [
                _conflict(
                    "product_code",
                    lambda: _("This product code belongs to another producer in the register."),
                )
            ]
        )
    if product is None:
        product = Product(producer=producer, register_code=row.product_code, **row.product)
        writes.create(product)
        writes.remember(batch.products, row.product_code, product)
        outcome = CREATED
    elif _set(product, row.product, writes):
        writes.save(product)
        outcome = outcome if outcome == CREATED else UPDATED

    today = timezone.localdate()
    for clean in row.certificates:
        key = (row.key_hash, clean.type.pk, clean.number)
        cert = batch.certificates.get(key)
        status = (
            CertificationStatus.EXPIRED
            if clean.expires_on and clean.expires_on < today
            else CertificationStatus.VERIFIED
        )
        if cert is None:
            cert = Certification(
                producer=producer,
                issuer=clean.type.issuer_th,
                scope=CertificationScope.PRODUCTS,
                status=status,
                verified_by=by,
                verified_at=now,
                **clean.values(),
            )
            writes.create(cert)
            writes.link(cert, product)
            writes.remember(batch.certificates, key, cert)
            writes.remember(batch.linked, key, {row.product_code})
            if outcome == UNCHANGED:
                outcome = UPDATED
            continue
        changed = _set(cert, clean.values(), writes)
        if changed and cert.status in (CertificationStatus.VERIFIED, CertificationStatus.EXPIRED):
            writes.set_attr(cert, "status", status)
        if changed:
            writes.save(cert)
        linked = batch.linked.setdefault(key, set())
        if row.product_code not in linked:
            writes.link(cert, product)
            writes.add_to(linked, row.product_code)
            changed = True
        if changed and outcome == UNCHANGED:
            outcome = UPDATED
    return outcome, product


# --- The whole file -----------------------------------------------------------------------------


def change_reason(register_import: RegisterImport) -> str:
    day = timezone.localdate(register_import.created_at or timezone.now())
    return f"from the register: {register_import.filename} ({day.isoformat()})"


def _reject(register_import, line: int, problems: list[Problem], english: list[Problem] | None):
    english = english or problems
    rejections = []
    for i, problem in enumerate(problems):
        en = problem.message_en or (english[i].message if i < len(english) else problem.message)
        rejections.append(
            RegisterImportRejection(
                register_import=register_import,
                line=line,
                column=problem.column,
                reason_th=problem.message,
                reason_en=en,
            )
        )
    return rejections


def _check(raw: RawRow) -> tuple[CleanRow | None, list[Problem], list[Problem]]:
    """The row checked in Thai; a rejected row is checked again for the English reasons."""
    with translation.override("th"):
        try:
            return clean_row(raw), [], []
        except RowRejected as rejected:
            thai = rejected.problems
    with translation.override("en"):
        try:
            clean_row(raw)
            english: list[Problem] = []
        except RowRejected as rejected:
            english = rejected.problems
    return None, thai, english


def run_import(
    register_import: RegisterImport,
    *,
    progress: Callable[[int], None] | None = None,
) -> RegisterImport:
    """Read, check and apply a register file; record the counts and the rejected rows.

    A file that cannot be read fails whole (status failed, with the reason). Otherwise each row
    is imported whole or not at all, in batches of BATCH_ROWS rows per transaction; a dry run
    rolls every batch back. Re-scoring happens once, after the last batch (not in a dry run).
    """
    REFERENCE.value = Reference()
    ri = register_import
    ri.status = RegisterImportStatus.RUNNING
    ri.started_at = timezone.now()
    ri.processed_rows = ri.created = ri.updated = ri.unchanged = ri.rejected = 0
    path = Path(ri.file.path)
    try:
        ri.total_rows = estimate_rows(path, file_kind(ri.filename))
    except FileProblem:
        ri.total_rows = None
    ri.save()
    ri.rejections.all().delete()
    reason = change_reason(ri)
    touched: set[int] = set()
    seen_producers: dict[str, tuple[int, str]] = {}
    seen_products: dict[str, int] = {}
    try:
        with signals.bulk_changes():
            batch_rows: list[RawRow] = []
            for raw in read_rows(path, ri.filename):
                batch_rows.append(raw)
                if len(batch_rows) >= BATCH_ROWS:
                    touched |= _run_batch(ri, batch_rows, reason, seen_producers, seen_products)
                    if progress:
                        progress(len(batch_rows))
                    batch_rows = []
            if batch_rows:
                touched |= _run_batch(ri, batch_rows, reason, seen_producers, seen_products)
                if progress:
                    progress(len(batch_rows))
    except FileProblem as problem:
        ri.failure_th, ri.failure_en = _both(problem.make)
        ri.status = RegisterImportStatus.FAILED
    except Exception:
        # Not a problem of the file that we know of: the page says so instead of spinning for
        # ever. Batches already committed stay (each of their rows whole) and are re-scored.
        log.exception("register import %s stopped", ri.pk)
        ri.failure_th, ri.failure_en = _both(
            lambda: (
                _(
                    "The import stopped at row %(rows)d because of an error in the portal. "
                    "The rows before it were imported whole; importing the file again "
                    "continues safely."
                )
                % {"rows": ri.processed_rows}
            )
        )
        ri.status = RegisterImportStatus.FAILED
    else:
        ri.status = RegisterImportStatus.DONE
        ri.total_rows = ri.processed_rows
    finally:
        REFERENCE.value = None
    ri.finished_at = timezone.now()
    # The file holds national IDs and is not needed once read (PDPA: keep no more than needed);
    # the report keeps the counts and the rejected rows' places and reasons.
    ri.file.delete(save=False)
    ri.save()
    if not ri.dry_run and ri.processed_rows:
        # New producers and certificates join the officers' queues (their counts are kept).
        counts_changed(QUEUES)
    if touched and not ri.dry_run:
        signals.products_changed_in_bulk.send(
            sender=RegisterImport, product_ids=touched, source=reason
        )
    return ri


@dataclass
class _BatchResult:
    counts: dict[str, int] = field(default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0})
    rejections: list[RegisterImportRejection] = field(default_factory=list)
    changed: list[Product] = field(default_factory=list)  # products of created/updated rows
    # What this batch adds to the file's seen producers and product codes.
    seen_producers: dict[str, tuple[int, str]] = field(default_factory=dict)
    seen_products: dict[str, int] = field(default_factory=dict)


def _run_batch(ri, rows, reason, seen_producers, seen_products) -> set[int]:
    """Check and apply one batch in one transaction; returns the ids of the products it
    created or changed (matching re-scores them at the end)."""
    checked = [(raw, *_check(raw)) for raw in rows]
    try:
        result = _apply_batch(ri, checked, reason, seen_producers, seen_products, bulk=True)
    except _BulkInsertFailed as failure:
        # Another writer (a second import of an overlapping file) inserted some of these
        # records after the batch read them: apply the batch again row by row, each row in its
        # savepoint, so that only the rows that really conflict are rejected.
        log.warning(
            "register batch at line %s: bulk insert failed (%s); row by row",
            rows[0].line,
            failure.__cause__,
        )
        result = _apply_batch(ri, checked, reason, seen_producers, seen_products, bulk=False)
    seen_producers.update(result.seen_producers)
    seen_products.update(result.seen_products)
    RegisterImportRejection.objects.bulk_create(result.rejections)
    ri.processed_rows += len(rows)
    ri.created += result.counts[CREATED]
    ri.updated += result.counts[UPDATED]
    ri.unchanged += result.counts[UNCHANGED]
    ri.rejected += len({r.line for r in result.rejections})
    RegisterImport.objects.filter(pk=ri.pk).update(
        processed_rows=ri.processed_rows,
        created=ri.created,
        updated=ri.updated,
        unchanged=ri.unchanged,
        rejected=ri.rejected,
    )
    return {product.pk for product in result.changed}


def _apply_batch(ri, checked, reason, seen_producers, seen_products, *, bulk: bool):
    """Apply the checked rows of a batch, in file order, in one transaction (rolled back in a
    dry run). In bulk, the new records of the batch are inserted together at the end (or
    earlier, when a later row changes one of them: see _apply); rows that change records that
    exist are written row by row either way."""
    with transaction.atomic():
        result = _apply_rows(ri, checked, reason, seen_producers, seen_products, bulk=bulk)
        if ri.dry_run:
            transaction.set_rollback(True)
    return result


def _apply_rows(ri, checked, reason, seen_producers, seen_products, *, bulk: bool):
    result = _BatchResult()
    producers_seen = collections.ChainMap(result.seen_producers, seen_producers)
    products_seen = collections.ChainMap(result.seen_products, seen_products)
    batch = Batch.load([c for _r, c, _t, _e in checked if c is not None])
    writes = Writes(reason, bulk=bulk)
    for raw, clean, thai, english in checked:
        if clean is None:
            result.rejections += _reject(ri, raw.line, thai, english)
            continue
        duplicate = _duplicate(clean, producers_seen, products_seen)
        if duplicate:
            result.rejections += _reject(ri, raw.line, duplicate, None)
            continue
        try:
            outcome, product = _apply(clean, batch, ri.uploaded_by, writes)
        except RowRejected as rejected:
            result.rejections += _reject(ri, raw.line, rejected.problems, None)
            continue
        except (IntegrityError, ValidationError) as error:
            log.warning("register row %s not imported: %s", raw.line, error)
            thai_msg, en_msg = _both(
                lambda: _("This row conflicts with data already in the portal.")
            )
            result.rejections += _reject(
                ri, raw.line, [Problem("", thai_msg)], [Problem("", en_msg)]
            )
            continue
        result.counts[outcome] += 1
        if outcome != UNCHANGED:
            result.changed.append(product)
        producers_seen.setdefault(clean.key_hash, (raw.line, clean.producer_digest()))
        products_seen[clean.product_code] = raw.line
    writes.flush()
    return result


def _apply(row: CleanRow, batch: Batch, by: User | None, writes: Writes) -> tuple[str, Product]:
    """apply_row, whole or not at all; a row that changes a record still waiting for the
    batch's insert is undone, the insert made, and the row applied again."""
    try:
        with writes.row():
            return apply_row(row, batch=batch, by=by, writes=writes)
    except _FlushFirst:
        writes.flush()
    with writes.row():
        return apply_row(row, batch=batch, by=by, writes=writes)


def _duplicate(row: CleanRow, seen_producers, seen_products) -> list[Problem] | None:
    """Two rows of one file that disagree: the later one is rejected."""
    if row.product_code in seen_products:
        line = seen_products[row.product_code]
        return [
            _conflict(
                "product_code",
                lambda: (
                    _("This product code is already on line %(line)d of this file.")
                    % {"line": line}
                ),
            )
        ]
    first = seen_producers.get(row.key_hash)
    if first and first[1] != row.producer_digest():
        line = first[0]
        return [
            _conflict(
                "national_id",
                lambda: (
                    _(
                        "This producer is also on line %(line)d of this file with other details. "
                        "Give a producer the same details on every row."
                    )
                    % {"line": line}
                ),
            )
        ]
    return None


# --- Template and report files ------------------------------------------------------------------


def template_workbook(out: IO[bytes]) -> None:
    """The column layout as an Excel workbook: Thai headers, an example row, and a second sheet
    explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "register"
    sheet.append([c.th for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([c.example for c in COLUMNS])
    for i, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=2, column=i).number_format = "@"  # IDs stay text, leading zeros kept
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(
            12, len(column.th) + 4
        )
    notes = wb.create_sheet("columns")
    notes.append([_("Header (Thai)"), _("Header (English)"), _("Key"), _("Required")])
    for column in COLUMNS:
        notes.append([column.th, str(column.en), column.key, _("yes") if column.required else ""])
    wb.save(out)


def template_csv() -> bytes:
    """The column layout as CSV (otop_portal.spreadsheets: UTF-8 with a BOM for Excel)."""
    return spreadsheets.csv_bytes([c.th for c in COLUMNS], [[c.example for c in COLUMNS]])


def report_workbook(register_import: RegisterImport, out: IO[bytes]) -> None:
    """The report as an Excel workbook: the counts, then each rejected row (streamed).
    Written by otop_portal.spreadsheets, as every export is (text cells neutralised)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ri = register_import
    summary = [
        [_("File"), ri.filename],
        [_("Dry run"), _("yes") if ri.dry_run else _("no")],
        [_("Rows"), ri.processed_rows],
        [_("Created"), ri.created],
        [_("Updated"), ri.updated],
        [_("Unchanged"), ri.unchanged],
        [_("Rejected"), ri.rejected],
    ]
    if ri.failure:
        summary.append([_("The file could not be read"), ri.failure])
    spreadsheets.xlsx_sheet(wb, _("Summary"), None, summary)
    rejected = (
        [r.line, column_label(r.column), r.reason_th, r.reason_en]
        for r in ri.rejections.order_by("line", "pk").iterator(chunk_size=2000)
    )
    headers = [_("Line"), _("Column"), _("Reason (Thai)"), _("Reason (English)")]
    spreadsheets.xlsx_sheet(wb, _("Rejected rows"), headers, rejected)
    wb.save(out)
