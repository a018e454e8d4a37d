"""Reading dates people write: in the Buddhist Era (พ.ศ.) or the Christian Era (ค.ศ.).

Ground layer on purpose: the register import uses it now, and the Thai date widget can share it.
A year above 2400 is a Buddhist year (2567 = 2024); below, a Christian one. Thai digits and
Thai month names (full or abbreviated) are understood; day comes before month, as Thais write.
"""

from __future__ import annotations

import datetime as dt
import re

BE_OFFSET = 543
BE_THRESHOLD = 2400  # no Christian year we deal with is above; no Buddhist one below

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

_MONTHS_TH = [
    ("มกราคม", "ม.ค."),
    ("กุมภาพันธ์", "ก.พ."),
    ("มีนาคม", "มี.ค."),
    ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."),
    ("มิถุนายน", "มิ.ย."),
    ("กรกฎาคม", "ก.ค."),
    ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."),
    ("ตุลาคม", "ต.ค."),
    ("พฤศจิกายน", "พ.ย."),
    ("ธันวาคม", "ธ.ค."),
]
_MONTH_NUMBER = {
    name.replace(".", ""): number
    for number, names in enumerate(_MONTHS_TH, start=1)
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_THAI_WORDS = re.compile(r"^(\d{1,2})\s*([^\d\s]+)\s*(\d{4})$")


class DateNotUnderstood(ValueError):
    """The text is not a date in any of the accepted forms."""


def year_to_ce(year: int) -> int:
    """A year as written (Buddhist or Christian) in the Christian era."""
    return year - BE_OFFSET if year > BE_THRESHOLD else year


def parse_date(value) -> dt.date:
    """A date from a spreadsheet cell or a form: a date (or datetime) as it is, or text as
    2567-06-30, 30/06/2567, 30-6-2024, 30 มิ.ย. 2567 or 30 มิถุนายน 2567 (the era is told by the
    year). Raises DateNotUnderstood, or ValueError for a date that does not exist (31/02)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        # Spreadsheets sometimes hold a Buddhist year in a real date cell.
        if value.year > BE_THRESHOLD:
            return value.replace(year=value.year - BE_OFFSET)
        return value
    text = " ".join(str(value or "").translate(THAI_DIGITS).split())
    text = re.sub(r"^(?:วันที่\s*)", "", text)
    text = re.sub(r"\s*(?:พ\.ศ\.|ค\.ศ\.)\s*", " ", text).strip()
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _THAI_WORDS.match(text):
        month = _MONTH_NUMBER.get(match.group(2).replace(".", ""))
        if month is None:
            raise DateNotUnderstood(text)
        day, year = int(match.group(1)), int(match.group(3))
    else:
        raise DateNotUnderstood(text)
    return dt.date(year_to_ce(year), month, day)
