"""Validation rules for producer data, shared by the forms, the API and the services.

Each validator takes what a person typed, raises ValidationError with a message that says exactly
what is wrong, and returns the normalised value (digits only, upper case ...).
"""

from __future__ import annotations

import datetime as dt
import re

import geothai
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.th import moa, pin

BE_OFFSET = 543
_SEPARATORS = re.compile(r"[\s\-./]")


def digits_only(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def validate_national_id(value: str) -> str:
    """A Thai 13-digit personal identification number (PIN) with a good check digit."""
    number = digits_only(value)
    if not number.isdigit():
        raise ValidationError(_("A national ID has digits only."), code="format")
    if len(number) != 13:
        raise ValidationError(
            _("A national ID has 13 digits; you typed %(count)d.") % {"count": len(number)},
            code="length",
        )
    if number[0] in "09":
        raise ValidationError(
            _("A national ID cannot start with 0 or 9. Check the first digit."), code="component"
        )
    try:
        return pin.validate(number)
    except InvalidChecksum:
        raise ValidationError(
            _("The last digit of this national ID does not match the others. Check each digit."),
            code="checksum",
        ) from None
    except (InvalidFormat, InvalidLength, InvalidComponent):
        raise ValidationError(_("This is not a valid national ID."), code="invalid") from None


def validate_juristic_id(value: str) -> str:
    """A 13-digit juristic-person (company) registration number, starting with 0."""
    number = digits_only(value)
    if not number.isdigit():
        raise ValidationError(_("A juristic-person number has digits only."), code="format")
    if len(number) != 13:
        raise ValidationError(
            _("A juristic-person number has 13 digits; you typed %(count)d.")
            % {"count": len(number)},
            code="length",
        )
    if number[0] != "0":
        raise ValidationError(
            _(
                "A juristic-person number starts with 0. A number starting with another digit is "
                "a personal ID."
            ),
            code="component",
        )
    try:
        return moa.validate(number)
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The last digit of this juristic-person number does not match the others. "
                "Check each digit."
            ),
            code="checksum",
        ) from None
    except (InvalidFormat, InvalidLength, InvalidComponent):
        raise ValidationError(
            _("This is not a valid juristic-person number."), code="invalid"
        ) from None


def format_community_enterprise_code(number: str) -> str:
    """12 digits written X-XX-XX-XX/X-XXXX (domain.md section 5: ASSUMPTION)."""
    n = number
    return f"{n[0]}-{n[1:3]}-{n[3:5]}-{n[5:7]}/{n[7]}-{n[8:12]}"


def validate_community_enterprise_code(value: str) -> str:
    """A community-enterprise registration code: 12 digits; stored as digits, no check digit."""
    number = digits_only(value)
    if not number.isdigit() or len(number) != 12:
        raise ValidationError(
            _("A community-enterprise code has 12 digits, written like 1-23-45-67/8-9012."),
            code="format",
        )
    return number


_PHONE_PREFIXES = ("02", "03", "04", "05", "07")  # landlines: 9 digits


def validate_phone(value: str) -> str:
    """A Thai phone number: mobile 0[689]X-XXX-XXXX (10 digits) or landline 0X-XXX-XXXX (9).

    +66 and 66 prefixes are accepted and written back as 0.
    """
    raw = re.sub(r"[\s\-()]", "", value or "")
    if raw.startswith("+66"):
        raw = "0" + raw[3:]
    elif raw.startswith("66") and len(raw) in (10, 11):
        raw = "0" + raw[2:]
    if not raw.isdigit():
        raise ValidationError(
            _("A phone number has digits only, like 081 234 5678."), code="format"
        )
    if not raw.startswith("0"):
        raise ValidationError(_("A Thai phone number starts with 0 (or +66)."), code="format")
    if raw[:2] in ("06", "08", "09"):
        if len(raw) != 10:
            raise ValidationError(
                _("A mobile number has 10 digits, like 081 234 5678."), code="length"
            )
    elif raw[:2] in _PHONE_PREFIXES:
        if len(raw) != 9:
            raise ValidationError(
                _("A landline number has 9 digits, like 053 123 456."), code="length"
            )
    else:
        raise ValidationError(_("This is not a Thai phone number."), code="invalid")
    return raw


def validate_line_id(value: str) -> str:
    value = (value or "").strip()
    if value and not re.fullmatch(r"@?[A-Za-z0-9._\-]{1,20}", value):
        raise ValidationError(
            _("A LINE ID has up to 20 letters, digits, dots, dashes or underscores."),
            code="format",
        )
    return value


def validate_gtin(value: str) -> str:
    """A GTIN barcode: 8, 12, 13 or 14 digits with a good GS1 check digit."""
    number = digits_only(value)
    if not number.isdigit():
        raise ValidationError(_("A barcode number has digits only."), code="format")
    if len(number) not in (8, 12, 13, 14):
        raise ValidationError(
            _("A barcode number has 8, 12, 13 or 14 digits; you typed %(count)d.")
            % {"count": len(number)},
            code="length",
        )
    try:
        return ean.validate(number)
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The last digit of this barcode does not match the others. Copy the number under "
                "the bars again."
            ),
            code="checksum",
        ) from None
    except (InvalidFormat, InvalidLength, InvalidComponent):
        raise ValidationError(_("This is not a valid barcode number."), code="invalid") from None


def validate_fda_number(value: str) -> str:
    """A Thai FDA (อย.) food serial number: 13 digits, often written XX-X-XXXXX-X-XXXX."""
    number = digits_only(value)
    if not number.isdigit():
        raise ValidationError(
            _("An FDA (อย.) number has 13 digits, like 50-1-12345-2-0001."), code="format"
        )
    if len(number) != 13:
        raise ValidationError(
            _("An FDA (อย.) number has 13 digits; you typed %(count)d.") % {"count": len(number)},
            code="length",
        )
    return number


def format_fda_number(number: str) -> str:
    return f"{number[:2]}-{number[2]}-{number[3:8]}-{number[8]}-{number[9:]}"


_TCPS = re.compile(r"^(?:มผช\.?\s*)?(\d{1,4})\s*/\s*(\d{4})$")


def validate_tcps_number(value: str, today: dt.date | None = None) -> str:
    """A community product standard (มผช.) number NNNN/YYYY with a Buddhist-Era year."""
    match = _TCPS.match((value or "").strip())
    if not match:
        raise ValidationError(
            _("A community product standard (มผช.) number is written NNNN/YYYY, like 1555/2563."),
            code="format",
        )
    number, year = match.group(1), int(match.group(2))
    this_be_year = (today or dt.date.today()).year + BE_OFFSET
    if 1900 <= year <= this_be_year - BE_OFFSET + 1:
        raise ValidationError(
            _("%(year)d is a Christian-era year. Use the Buddhist year: %(be)d.")
            % {"year": year, "be": year + BE_OFFSET},
            code="gregorian_year",
        )
    if not 2500 <= year <= this_be_year + 1:
        raise ValidationError(
            _("The year after the slash must be a Buddhist year between 2500 and %(max)d.")
            % {"max": this_be_year + 1},
            code="year",
        )
    return f"{int(number):04d}/{year}"


def award_year_message() -> str:
    return _(
        "OTOP stars have been awarded since 2546 (2003); the year must be between 2546 and "
        "this year."
    )


def validate_award_year(year: int, today: dt.date | None = None) -> int:
    """The year OTOP stars were awarded, typed in the Buddhist or the Christian era, as a
    Christian year between 2003 (the first round) and this year."""
    if year > 2400:
        year -= BE_OFFSET
    if not 2003 <= year <= (today or dt.date.today()).year:
        raise ValidationError(award_year_message(), code="award_year")
    return year


# Certification types whose number format is known: type code -> validator.
NUMBER_VALIDATORS = {
    "fda": validate_fda_number,
    "tcps": validate_tcps_number,
}


def validate_certificate_number(type_code: str, value: str) -> str:
    validator = NUMBER_VALIDATORS.get(type_code)
    value = (value or "").strip()
    if validator is None:
        if not value:
            raise ValidationError(_("Type the certificate number."), code="required")
        return value
    return validator(value)


def validate_address(
    *, province_code: str, district_code: str, subdistrict_code: str, postal_code: str
) -> dict[str, str]:
    """Subdistrict in the district, district in the province, postal code of the subdistrict.

    Returns errors by field name (empty when the address hangs together).
    """
    errors: dict[str, str] = {}
    district = geothai.district(district_code) if district_code else None
    if district_code and (district is None or district.province_code != province_code):
        errors["district_code"] = _("This district is not in the province you chose.")
        return errors
    subdistrict = geothai.subdistrict(subdistrict_code) if subdistrict_code else None
    if subdistrict_code and (subdistrict is None or subdistrict.district_code != district_code):
        errors["subdistrict_code"] = _("This subdistrict is not in the district you chose.")
        return errors
    if postal_code:
        if not re.fullmatch(r"\d{5}", postal_code):
            errors["postal_code"] = _("A postal code has 5 digits.")
        elif subdistrict is not None and postal_code not in subdistrict.postal_codes:
            errors["postal_code"] = _(
                "The postal code of %(name)s is %(codes)s, not %(typed)s."
            ) % {
                "name": subdistrict.name_th,
                "codes": ", ".join(subdistrict.postal_codes),
                "typed": postal_code,
            }
    return errors


def mask_national_id(number: str) -> str:
    """x-xxxx-xxxxx-12-3: the last three digits only, in the usual grouping."""
    if not number:
        return ""
    digits = digits_only(number)
    if len(digits) != 13:
        return "x" * len(digits)
    return f"x-xxxx-xxxxx-{digits[10:12]}-{digits[12]}"


def format_national_id(number: str) -> str:
    d = digits_only(number)
    if len(d) != 13:
        return d
    return f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"
