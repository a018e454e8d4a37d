"""What Thai people type: Buddhist-era dates and Thai or full-width digits (issue 17)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from otop_portal.templatetags.thai_dates import format_local_date
from otop_portal.thai_input import (
    ThaiDateField,
    ThaiDateInput,
    normalise_digits,
    parse_date,
)
from producers import validators

DAY = dt.date(2024, 1, 15)


@pytest.mark.parametrize(
    "typed",
    [
        "15/01/2567",
        "15/1/2567",
        "15-01-2567",
        "15.01.2567",
        "๑๕/๐๑/๒๕๖๗",
        "１５／０１／２５６７",
        "15 ม.ค. 2567",
        "15 มกราคม 2567",
        "15 มกราคม พ.ศ. 2567",
        "2024-01-15",
        "2567-01-15",
        "15/01/2024",
        "15 Jan 2024",
        "15 January 2024 AD",
    ],
)
def test_a_date_is_understood_however_it_is_printed(typed):
    assert parse_date(typed) == DAY


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("15/01/67", "in full"),
        ("31/02/2567", "no such day"),
        ("15/01/1800", "Check the year"),
        ("yesterday", "day/month/year"),
        ("15 Brumaire 2567", "month name"),
    ],
)
def test_a_date_that_cannot_be_read_says_why(typed, says):
    with pytest.raises(ValidationError) as error:
        parse_date(typed)
    assert says in error.value.messages[0]


@given(st.dates(dt.date(1950, 1, 1), dt.date(2150, 12, 31)))
def test_a_date_shown_in_a_box_reads_back_as_the_same_date_in_either_language(day):
    widget = ThaiDateInput()
    for language in ("th", "en"):
        with translation.override(language):
            assert ThaiDateField().clean(widget.format_value(day)) == day


def test_the_box_shows_the_buddhist_year_in_thai_and_the_christian_year_in_english():
    with translation.override("th"):
        assert ThaiDateInput().format_value(DAY) == "15/01/2567"
    with translation.override("en"):
        assert ThaiDateInput().format_value(DAY) == "15/01/2024"


def test_every_date_box_says_how_a_25xx_year_is_read():
    with translation.override("th"):
        field = ThaiDateField(help_text="ถ้ามี")
        assert str(field.help_text).startswith("ถ้ามี ")
        assert "พ.ศ." in str(field.help_text)


def test_one_filter_shows_years_and_notice_versions_in_the_readers_era():
    with translation.override("th"):
        assert format_local_date(2024) == "2567"
        assert format_local_date("2025-11") == "พฤศจิกายน 2568"
    with translation.override("en"):
        assert format_local_date(2024) == "2024"
        assert format_local_date("2025-11") == "November 2025"


def test_thai_and_full_width_digits_are_plain_digits():
    assert normalise_digits("๐๘๑-๒๓๔-๕๖๗๘") == "081-234-5678"
    assert normalise_digits("０８１２３４５６７８") == "0812345678"
    assert normalise_digits("มผช. ๑๕๕๕/๒๕๖๓") == "มผช. 1555/2563"


@pytest.mark.parametrize(
    ("validate", "typed", "stored"),
    [
        (validators.validate_phone, "๐๘๑ ๒๓๔ ๕๖๗๘", "0812345678"),
        (validators.validate_phone, "０８１２３４５６７８", "0812345678"),
        (validators.validate_gtin, "๘๘๕๐๑๒๓๔๕๖๗๘๗", "8850123456787"),
        (validators.validate_fda_number, "๕๐-๑-๑๒๓๔๕-๒-๐๐๐๑", "5011234520001"),
        (validators.validate_tcps_number, "๑๕๕๕/๒๕๖๓", "1555/2563"),
        (validators.validate_community_enterprise_code, "๑-๒๓-๔๕-๖๗/๘-๙๐๑๒", "123456789012"),
    ],
)
def test_every_numeric_identifier_takes_thai_and_full_width_digits(validate, typed, stored):
    assert validate(typed) == stored


def test_a_valid_national_id_in_thai_digits_is_accepted():
    from tests.producers.factories import valid_national_id

    number = valid_national_id(1234)
    thai = number.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert validators.validate_national_id(thai) == number
