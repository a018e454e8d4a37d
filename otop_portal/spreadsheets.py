"""Spreadsheet files, written one way for every export and feed: CSV and Excel (XLSX).

Cells are neutralised against formula injection: a name such as "=HYPERLINK(...)" or "+66..."
must reach the spreadsheet as text, never run. The CSV is written with defusedcsv, and the Excel
file applies defusedcsv's own escaping to every text cell, so both formats say the same thing.

CSV is UTF-8 with a byte-order mark: without it Excel reads the file as the local code page and
the Thai comes out garbled. Dates stay dates (ISO 8601 in CSV, date cells in Excel), in the
Christian era, so a spreadsheet sorts and filters them; date-times are local (Bangkok) time to
the minute, as spreadsheets know no time zones. Records are read as they are written (an
iterable), so a large file keeps memory flat; the Excel workbook is openpyxl's write-only mode.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

import defusedcsv.csv as defused_csv
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STREAM_LINES = 100  # CSV lines handed on at a time by stream_csv


def neutralise(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula: defusedcsv's escaping (a quote
    before a leading = + - @ | %, numbers left as they are), and the same for a leading tab or
    carriage return, which defusedcsv lets through."""
    if value[:1] in ("\t", "\r"):
        return "'" + value
    return defused_csv._escape(value)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: empty for None, ISO dates, numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal):
        return value
    return neutralise(str(value))


def xlsx_cell(value: Any) -> Any:
    """A value as an Excel cell: dates and numbers typed, text neutralised."""
    if isinstance(value, dt.datetime):
        return _local(value)
    if value is None or isinstance(value, dt.date | bool | int | float | Decimal):
        return value
    # Control characters are not allowed in the file format: dropped rather than failing.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def write_csv(headers: list[str], records: Iterable[list[Any]], out: IO[bytes]) -> int:
    """Writes a header row and the records to `out` as CSV; returns the number of records."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = defused_csv.writer(text)
    writer.writerow([neutralise(h) for h in headers])
    count = 0
    for record in records:
        writer.writerow([csv_cell(v) for v in record])
        count += 1
    text.flush()
    text.detach()  # leave `out` open for the caller
    return count


class _Echo:
    """A file that hands back what is written: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def stream_csv(headers: list[str], records: Iterable[list[Any]]) -> Iterator[bytes]:
    """The same file as write_csv, a few lines at a time (for a streaming response)."""
    writer = defused_csv.writer(_Echo())
    yield codecs.BOM_UTF8
    yield writer.writerow([neutralise(h) for h in headers]).encode("utf-8")
    lines: list[str] = []
    for record in records:
        lines.append(writer.writerow([csv_cell(v) for v in record]))
        if len(lines) >= STREAM_LINES:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def csv_bytes(headers: list[str], records: Iterable[list[Any]]) -> bytes:
    """The whole CSV file in memory, for a small table."""
    out = io.BytesIO()
    write_csv(headers, records, out)
    return out.getvalue()


def xlsx_sheet(
    workbook: Workbook, title: str, headers: list[str] | None, records: Iterable[list[Any]]
) -> int:
    """Adds a sheet named `title` to a write-only workbook: a bold header row kept in view (none
    when `headers` is None), then the records. Returns the number of records."""
    # A sheet title is at most 31 characters, without []:*?/\
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31])
    if headers is not None:
        sheet.freeze_panes = "A2"  # the header row stays in view
        for index in range(len(headers)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = 20
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
    count = 0
    for record in records:
        sheet.append([xlsx_cell(v) for v in record])
        count += 1
    return count


def write_xlsx(title: str, headers: list[str], records: Iterable[list[Any]], out: IO[bytes]) -> int:
    """Writes one sheet (xlsx_sheet) to `out` as an Excel workbook; returns the number of
    records."""
    workbook = Workbook(write_only=True)
    count = xlsx_sheet(workbook, title, headers, records)
    workbook.save(out)
    return count
