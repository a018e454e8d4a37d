"""Dates in the reader's calendar: Buddhist Era (พ.ศ.) in Thai, Gregorian in English."""

from __future__ import annotations

import datetime as dt
import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

register = template.Library()

BE_OFFSET = 543
# Django's formats of a date alone (a date given them cannot hold a time): a datetime shown in
# one of them shows its local date, the same for every time of that day.
DATE_ONLY_FORMATS = frozenset(
    {"DATE_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"}
)


def _with_year(fmt: str, year: int) -> str:
    """Replace the unescaped year specifiers of a date format with the given (escaped) year."""
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            out.append(fmt[i : i + 2])
            i += 2
            continue
        if ch == "Y":
            out.append("".join("\\" + d for d in str(year)))
        elif ch == "y":
            out.append("".join("\\" + d for d in f"{year % 100:02d}"))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def local_year(year: int) -> int:
    """A Christian-era year as the reader counts: Buddhist Era in Thai."""
    return year + BE_OFFSET if get_language() == "th" else year


def format_local_date(
    value: dt.date | dt.datetime | int | str | None, fmt: str = "DATE_FORMAT"
) -> str:
    """Every date, month or year a person reads goes through here, so Thai readers always see
    the Buddhist Era: a date or datetime in `fmt`; a bare year (int, Christian era, as stored);
    a "YYYY-MM" month (a notice's version) as "F Y"."""
    if value in (None, ""):
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(local_year(value))
    if isinstance(value, str):
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            value = dt.date(year, month, 1)
        except ValueError:
            return value
        if fmt == "DATE_FORMAT":
            fmt = "YEAR_MONTH_FORMAT"
    if isinstance(value, dt.datetime) and settings.USE_TZ and timezone.is_aware(value):
        value = timezone.localtime(value)
    if isinstance(value, dt.datetime) and fmt in DATE_ONLY_FORMATS:
        value = value.date()
    if type(value) is dt.date:
        return _date_in(value, fmt, get_language())
    return _format(value, fmt)


def _format(value: dt.date | dt.datetime, fmt: str) -> str:
    pattern = formats.get_format(fmt) if fmt.isupper() else fmt
    if get_language() == "th":
        pattern = _with_year(pattern, value.year + BE_OFFSET)
    return date_format(value, pattern)


@functools.lru_cache(maxsize=4096)
def _date_in(value: dt.date, fmt: str, language: str | None) -> str:
    """A date as `_format` shows it in `language` (the active one), kept per process: a list's
    50 rows show a few dates many times, and each took 20-25 us to format (issue 13)."""
    return _format(value, fmt)


@receiver(setting_changed)
def _forget_formatted_dates(**kwargs) -> None:
    _date_in.cache_clear()  # the formats may have changed (FORMAT_MODULE_PATH, LANGUAGES ...)


@register.filter
def local_date(value, fmt: str = "DATE_FORMAT") -> str:
    """`{{ d|local_date }}` → "3 มีนาคม 2568" in Thai, "March 3, 2025" in English;
    `{{ 2024|local_date }}` → 2567 / 2024; `{{ "2025-11"|local_date }}` → พฤศจิกายน 2568."""
    return format_local_date(value, fmt)


@register.filter
def local_datetime(value, fmt: str = "DATETIME_FORMAT") -> str:
    return format_local_date(value, fmt)
