"""Claim codes on paper (one PDF letter a page) or as a CSV for district offices.

The letter is in Thai, set in a TLWG font from Debian's fonts-thai-tlwg (THAI_PDF_FONT,
THAI_PDF_FONT_BOLD in the settings), shaped with HarfBuzz so tone marks sit right.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otop_portal import spreadsheets
from producers.models import Producer
from producers.validators import mask_national_id

DEFAULT_FONT = "/usr/share/fonts/truetype/tlwg/Loma.ttf"
DEFAULT_BOLD_FONT = "/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf"


def _be(day) -> str:
    months = [
        "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
        "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
    ]  # fmt: skip
    return f"{day.day} {months[day.month - 1]} {day.year + 543}"


def _address(producer: Producer) -> str:
    parts = [producer.house_no]
    if producer.moo:
        parts.append(f"หมู่ {producer.moo}")
    parts.append(producer.street)
    if producer.subdistrict:
        parts.append(f"ต.{producer.subdistrict.name_th}")
    if producer.district:
        parts.append(f"อ.{producer.district.name_th}")
    if producer.province_id:
        parts.append(f"จ.{producer.province.name_th}")
    parts.append(producer.postal_code)
    return " ".join(p for p in parts if p)


def letters_pdf(pairs: list[tuple[Producer, str]], *, expires_at, claim_url: str) -> bytes:
    """One A4 letter per producer with their claim code, in Thai."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("thai", "", getattr(settings, "THAI_PDF_FONT", DEFAULT_FONT))
    pdf.add_font("thai", "B", getattr(settings, "THAI_PDF_FONT_BOLD", DEFAULT_BOLD_FONT))
    pdf.set_text_shaping(True)
    pdf.set_title("OTOP Portal claim codes")
    today = timezone.localdate()
    expires = timezone.localdate(expires_at)
    with translation.override("th"):
        for producer, code in pairs:
            pdf.add_page()
            pdf.set_font("thai", "B", 16)
            pdf.multi_cell(0, 9, _("OTOP Portal: your claim code"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("thai", "", 12)
            pdf.cell(0, 8, _be(today), new_x="LMARGIN", new_y="NEXT", align="R")
            pdf.ln(4)
            pdf.multi_cell(0, 7, producer.name_th, new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(0, 7, _address(producer), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
            pdf.multi_cell(
                0,
                7,
                _(
                    "Your group's record from the national OTOP register is now on the OTOP "
                    "Portal. To manage it yourself, sign up on the portal, then open “Claim my "
                    "register record” and type your national ID (or juristic-person number) "
                    "and the code below."
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.ln(6)
            pdf.set_font("thai", "B", 26)
            pdf.cell(0, 16, code, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("thai", "", 12)
            pdf.ln(4)
            pdf.multi_cell(
                0,
                7,
                _("National ID on the record: %(id)s")
                % {"id": mask_national_id(producer.national_id or "")},
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.multi_cell(
                0,
                7,
                _("The code works once, until %(date)s.") % {"date": _be(expires)},
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.multi_cell(0, 7, claim_url, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
            pdf.multi_cell(
                0,
                7,
                _(
                    "Keep this letter safe and do not share the code: whoever uses it first "
                    "manages the record. Questions: your district Community Development office."
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())


def codes_csv(pairs: list[tuple[Producer, str]], *, expires_at, claim_url: str) -> bytes:
    """The same codes as a spreadsheet, a row per producer, for handing out in bulk
    (otop_portal.spreadsheets: UTF-8 with a BOM, cells neutralised)."""
    expires = timezone.localdate(expires_at)
    headers = [
        _("Producer"),
        _("District"),
        _("Subdistrict"),
        _("National ID"),
        _("Claim code"),
        _("Valid until"),
        _("Where to claim"),
    ]
    return spreadsheets.csv_bytes(
        headers,
        (
            [
                producer.name_th,
                producer.district.name_th if producer.district else "",
                producer.subdistrict.name_th if producer.subdistrict else "",
                mask_national_id(producer.national_id or ""),
                code,
                expires,
                claim_url,
            ]
            for producer, code in pairs
        ),
    )
