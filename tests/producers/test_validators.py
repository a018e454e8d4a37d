"""Every identifier rule with a bad value and the message it gets; properties with hypothesis."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from producers import validators
from tests.producers.factories import valid_national_id

GOOD_ID = valid_national_id(4242)


def message(func, value, *args) -> str:
    with pytest.raises(ValidationError) as caught:
        func(value, *args)
    return " ".join(caught.value.messages)


def test_good_national_id_is_accepted_with_dashes_and_spaces():
    written = f"{GOOD_ID[0]}-{GOOD_ID[1:5]} {GOOD_ID[5:10]}-{GOOD_ID[10:12]}-{GOOD_ID[12]}"
    assert validators.validate_national_id(written) == GOOD_ID


def test_national_id_with_a_bad_check_digit_says_so():
    bad = GOOD_ID[:12] + str((int(GOOD_ID[12]) + 1) % 10)
    assert "last digit" in message(validators.validate_national_id, bad)


def test_national_id_of_the_wrong_length_says_how_many_digits_were_typed():
    assert "13 digits; you typed 12" in message(validators.validate_national_id, GOOD_ID[:12])


def test_national_id_with_letters_says_digits_only():
    assert "digits only" in message(validators.validate_national_id, "12345678901ab")


def test_national_id_starting_with_0_is_refused():
    assert "cannot start with 0 or 9" in message(validators.validate_national_id, "0105536112014")


def test_juristic_id_with_a_bad_check_digit_says_so():
    assert "last digit" in message(validators.validate_juristic_id, "0105536112015")


def test_juristic_id_that_is_a_personal_id_says_it_starts_with_0():
    assert "starts with 0" in message(validators.validate_juristic_id, GOOD_ID)


def test_good_juristic_id_is_accepted():
    assert validators.validate_juristic_id("0-10-5-536-11201-4") == "0105536112014"


def test_community_enterprise_code_needs_12_digits():
    assert "12 digits" in message(validators.validate_community_enterprise_code, "1-23-45-67/8-901")
    assert validators.validate_community_enterprise_code("1-23-45-67/8-9012") == "123456789012"
    assert validators.format_community_enterprise_code("123456789012") == "1-23-45-67/8-9012"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("081 234 5678", "0812345678"),
        ("+66 81 234 5678", "0812345678"),
        ("053-123-456", "053123456"),
    ],
)
def test_thai_phone_numbers_are_accepted_and_normalised(typed, expected):
    assert validators.validate_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("081 234 567", "mobile number has 10 digits"),
        ("053 123 4567", "landline number has 9 digits"),
        ("1234567890", "starts with 0"),
        ("08x2345678", "digits only"),
        ("0112345678", "not a Thai phone number"),
    ],
)
def test_bad_phone_number_says_what_is_wrong(typed, words):
    assert words in message(validators.validate_phone, typed)


def test_line_id_with_spaces_is_refused():
    assert "LINE ID" in message(validators.validate_line_id, "my line id")


def test_gtin_with_a_bad_check_digit_says_so():
    assert "last digit of this barcode" in message(validators.validate_gtin, "8850999220016")


def test_gtin_of_the_wrong_length_says_which_lengths_exist():
    assert "8, 12, 13 or 14 digits; you typed 11" in message(
        validators.validate_gtin, "88509992200"
    )


@pytest.mark.parametrize("good", ["8850999220017", "96385074", "036000291452"])
def test_good_gtins_pass(good):
    assert validators.validate_gtin(good) == good


def test_fda_number_in_its_written_form_becomes_13_digits():
    assert validators.validate_fda_number("50-1-12345-2-0001") == "5011234520001"


def test_fda_number_with_a_missing_digit_says_how_many():
    assert "13 digits; you typed 12" in message(validators.validate_fda_number, "50-1-12345-2-001")


def test_tcps_number_is_normalised():
    assert validators.validate_tcps_number("มผช. 1555/2563") == "1555/2563"


def test_tcps_number_with_a_gregorian_year_says_to_use_the_buddhist_year():
    text = message(validators.validate_tcps_number, "1555/2020", dt.date(2025, 6, 1))
    assert "Christian-era year" in text and "2563" in text


def test_tcps_number_without_a_slash_shows_the_format():
    assert "NNNN/YYYY" in message(validators.validate_tcps_number, "15552563")


def test_tcps_number_from_the_future_is_refused():
    assert "between 2500" in message(
        validators.validate_tcps_number, "1555/2599", dt.date(2025, 6, 1)
    )


def test_address_with_a_district_of_another_province_says_so():
    errors = validators.validate_address(
        province_code="40", district_code="5001", subdistrict_code="", postal_code=""
    )
    assert errors == {"district_code": "This district is not in the province you chose."}


def test_address_with_a_subdistrict_of_another_district_says_so():
    errors = validators.validate_address(
        province_code="50", district_code="5002", subdistrict_code="500101", postal_code=""
    )
    assert "subdistrict_code" in errors


def test_address_with_the_wrong_postal_code_names_the_right_one():
    errors = validators.validate_address(
        province_code="50", district_code="5001", subdistrict_code="500101", postal_code="50100"
    )
    assert "50200" in errors["postal_code"]


# --- Properties ---------------------------------------------------------------------------------

seeds = st.integers(min_value=0, max_value=10**11)


@given(seeds)
def test_every_well_formed_national_id_is_accepted(seed):
    number = valid_national_id(seed)
    assert validators.validate_national_id(number) == number


@given(seeds, st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_of_a_national_id_is_caught(seed, position, delta):
    number = valid_national_id(seed)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    if changed[0] in "09":
        return  # refused for its first digit, also fine

    def residue(n):
        return sum((13 - i) * int(d) for i, d in enumerate(n[:12])) % 11

    # The scheme's blind spots: the third digit weighs 11 (= 0 mod 11), and sums 0 and 10
    # (mod 11) share check digit 1. Every other single-digit change is caught.
    if position == 2 or (position < 12 and {residue(number), residue(changed)} == {0, 10}):
        return
    with pytest.raises(ValidationError):
        validators.validate_national_id(changed)


@given(seeds)
def test_a_masked_national_id_shows_only_its_last_three_digits(seed):
    number = valid_national_id(seed)
    masked = validators.mask_national_id(number)
    assert masked == f"x-xxxx-xxxxx-{number[10:12]}-{number[12]}"
    assert number[:10] not in masked.replace("-", "")
    assert sum(c.isdigit() for c in masked) == 3


@given(st.text(max_size=30))
def test_validators_never_crash_on_anything_typed(text):
    for func in (
        validators.validate_national_id,
        validators.validate_juristic_id,
        validators.validate_gtin,
        validators.validate_phone,
        validators.validate_fda_number,
        validators.validate_tcps_number,
        validators.validate_community_enterprise_code,
    ):
        with contextlib.suppress(ValidationError):
            func(text)
