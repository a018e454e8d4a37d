"""What Thai people type, understood the same way on every form and in the API.

- Digits: Thai digits (๐-๙) and full-width ones (０-９, as some phone keyboards give them) are
  read as 0-9 in every number and identifier (national ID, phone, barcode, certificate numbers).
- Dates: day/month/year as printed on Thai documents ("15/01/2567", "15 ม.ค. 2567",
  "15 มกราคม พ.ศ. 2567"), or ISO (2024-01-15). A year from 2400 on is a Buddhist-Era year
  (พ.ศ.), an earlier one a Christian-era year (ค.ศ.); "พ.ศ." or "ค.ศ." written beside the year
  says which. A date is shown back in the reader's era: พ.ศ. in Thai, ค.ศ. in English.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from rest_framework import serializers

BE_OFFSET = 543
BE_FROM = 2400  # a year from here on is read as Buddhist Era

_DIGITS = {ord(c): str(i) for i, c in enumerate("๐๑๒๓๔๕๖๗๘๙")}
# Full-width ASCII (U+FF01-FF5E) to ASCII, and the ideographic space to a space.
_DIGITS.update({code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
_DIGITS[0x3000] = " "


def normalise_digits(value: str) -> str:
    """Thai and full-width digits (and full-width punctuation) as plain ASCII."""
    return (value or "").translate(_DIGITS)


# --- Dates ----------------------------------------------------------------------------------------

_MONTHS_TH = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]
_MONTHS_TH_SHORT = ["มค", "กพ", "มีค", "เมย", "พค", "มิย", "กค", "สค", "กย", "ตค", "พย", "ธค"]
_MONTHS_EN = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NUMBER = {
    **{name: i for i, name in enumerate(_MONTHS_TH, 1)},
    **{name: i for i, name in enumerate(_MONTHS_TH_SHORT, 1)},
    **{name: i for i, name in enumerate(_MONTHS_EN, 1)},
    **{name[:3]: i for i, name in enumerate(_MONTHS_EN, 1)},
}
_ERA = re.compile(
    r"(พ\.?\s*ศ\.?|ค\.?\s*ศ\.?|(?<![A-Za-z])(?:B\.?\s?E|A\.?\s?D|C\.?\s?E)\.?(?![A-Za-z]))",
    re.IGNORECASE,
)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d+)")
_WORDS = re.compile(r"(\d{1,2})\s*([^\d\s]+(?:\s?[^\d\s]+)?)\s*(\d+)")


DATE_HELP = gettext_lazy(
    "Day/month/year, like 15/01/2567. A year from 2400 on is read as a Buddhist year "
    "(พ.ศ.): 2567 is 2024."
)


def parse_date(value: str) -> dt.date:
    """A date as a person typed it; ValidationError saying what is wrong otherwise."""
    text = normalise_digits(value).strip()
    era = None
    marker = _ERA.search(text)
    if marker:
        letters = re.sub(r"[.\s]", "", marker.group(1)).upper()
        era = "be" if letters in ("พศ", "BE") else "ce"
        text = (text[: marker.start()] + " " + text[marker.end() :]).strip()
    if m := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _NUMERIC.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) != 4:
            raise ValidationError(_("Write the year in full, like 2567."), code="year")
    elif m := _WORDS.fullmatch(text):
        name = re.sub(r"[.\s]", "", m.group(2)).lower()
        if name not in _MONTH_NUMBER:
            raise ValidationError(_("This month name is not one we know."), code="month")
        day, month, year = int(m.group(1)), _MONTH_NUMBER[name], int(m.group(3))
        if len(m.group(3)) != 4:
            raise ValidationError(_("Write the year in full, like 2567."), code="year")
    else:
        raise ValidationError(
            _("Write the date as day/month/year, like 15/01/2567."), code="invalid"
        )
    if era == "be" or (era is None and year >= BE_FROM):
        year -= BE_OFFSET
    if not 1900 <= year <= 2200:
        raise ValidationError(_("Check the year of this date."), code="year")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(_("There is no such day in that month."), code="invalid") from None


def format_input_date(value: dt.date) -> str:
    """A date as it goes back into a box: dd/mm/yyyy, with the year in the reader's era."""
    year = value.year + BE_OFFSET if get_language() == "th" else value.year
    return f"{value.day:02d}/{value.month:02d}/{year}"


class ThaiDateInput(forms.TextInput):
    """A text box, not the browser's date picker: the picker cannot take a Buddhist year."""

    def __init__(self, attrs=None):
        defaults = {"autocomplete": "off", "placeholder": gettext_lazy("dd/mm/yyyy")}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return format_input_date(value)
        return super().format_value(value)


class ThaiDateField(forms.DateField):
    widget = ThaiDateInput

    def __init__(self, *, help_text="", **kwargs):
        # Said under every date box: how a 25xx year is read.
        help_text = format_lazy("{} {}", help_text, DATE_HELP) if help_text else DATE_HELP
        super().__init__(help_text=help_text, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return parse_date(str(value))


class ThaiDateFilter(django_filters.DateFilter):
    field_class = ThaiDateField


class ThaiDateSerializerField(serializers.DateField):
    """The API reads dates as the forms do (ISO, or a Buddhist year); it writes ISO dates."""

    def to_internal_value(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return parse_date(str(value))
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
