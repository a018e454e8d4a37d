"""Demo referrals, so the partner portal has a shortlist on a fresh `make run`.

producer2@demo.otop.th becomes a verified chilli-paste group in Chiang Mai with four products
(photos drawn with Pillow), verified OTOP stars, FDA (อย.) and community-standard (มผช.)
certificates; the demo officer refers every eligible pair to Central Group and Shopee and sends
them, and Central's demo buyer has accepted one. Idempotent: nothing is added when that producer
already has a profile.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw
from stdnum import ean

from matching.models import MatchResult, ReferralState
from matching.services import referral_propose, referral_transition, rematch_products
from otop_portal.models import Province, User
from producers.models import (
    Category,
    CertificationType,
    Producer,
    ProducerStatus,
    ProducerType,
    SubCategory,
)
from producers.services import (
    certification_create,
    certification_verify,
    producer_verify,
    product_create,
)

PRODUCER_EMAIL = "producer2@demo.otop.th"
OFFICER_EMAIL = "officer@demo.otop.th"
BUYER_EMAIL = "partner@demo.otop.th"
PARTNERS = ("central", "shopee")

# Thai name, English name, price, shelf life (days), capacity a month, weight (g), colour
PRODUCTS = [
    ("น้ำพริกหนุ่มสูตรโบราณ", "Old-style green chilli dip", "89", 180, 2000, 250, (86, 130, 60)),
    ("น้ำพริกตาแดง", "Red-eye chilli paste", "95", 240, 1500, 200, (170, 40, 30)),
    ("แคบหมูไร้มัน", "Lean pork crackling", "120", 180, 1200, 150, (200, 150, 70)),
    ("น้ำพริกเผาสมุนไพร", "Roasted chilli paste with herbs", "135", 365, 1000, 300, (120, 50, 30)),
]


def _photo(name: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 800), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 150, 650, 650), fill=(245, 240, 225))
    draw.ellipse((250, 250, 550, 550), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{name}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _gtin(n: int) -> str:
    stem = f"885{n:09d}"  # 885: GS1 Thailand
    return stem + ean.calc_check_digit(stem)


@transaction.atomic
def load_demo_referrals() -> int:
    """Returns the number of referrals sent (0 when already there or prerequisites missing)."""
    user = User.objects.filter(email=PRODUCER_EMAIL).first()
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    province = Province.objects.filter(code="50").first()
    food = Category.objects.filter(code="food").first()
    types = {
        t.code: t for t in CertificationType.objects.filter(code__in=["fda", "tcps", "otop-stars"])
    }
    if None in (user, officer, province, food) or len(types) < 3:
        return 0
    if Producer.objects.filter(user=user).exists():
        return 0
    producer = Producer.objects.create(
        user=user,
        producer_type=ProducerType.COMMUNITY_GROUP,
        name_th="วิสาหกิจชุมชนน้ำพริกแม่ริม",
        name_en="Mae Rim Chilli Paste Community Enterprise",
        house_no="12",
        moo="4",
        province=province,
        district_code="5007",
        subdistrict_code="500701",
        postal_code="50180",
        phone="0891234567",
        line_id="maerim-chilli",
        member_count=18,
        community_roles=["production", "raw_materials"],
        privacy_consent_version="2025-11",
        status=ProducerStatus.SUBMITTED,
        registration_step=4,
    )
    producer_verify(producer=producer, by=officer)
    subcategory = SubCategory.objects.filter(category=food).order_by("sort_order").first()
    products = []
    for n, (th, en, price, shelf, capacity, grams, colour) in enumerate(PRODUCTS, start=1):
        products.append(
            product_create(
                producer=producer,
                data={
                    "name_th": th,
                    "name_en": en,
                    "category": food,
                    "subcategory": subcategory,
                    "description": f"{th} ผลิตจากพริกปลอดสารในอำเภอแม่ริม บรรจุขวดแก้วฆ่าเชื้อ",
                    "price": Decimal(price),
                    "price_unit": "กระปุก",
                    "pack_size": f"{grams - 50} g",
                    "weight_grams": grams,
                    "shelf_life_days": shelf,
                    "storage_conditions": "เก็บในที่แห้งและเย็น",
                    "monthly_capacity": capacity,
                    "lead_time_days": 7,
                    "gtin": _gtin(n),
                    "status": "active",
                },
                photos=[_photo(f"demo-{n}", colour)],
            )
        )
    records = [
        ("otop-stars", "OPC-2567-50-0456", {"star_level": 5, "award_year": 2024}),
        ("fda", "5010112342001", {}),
        ("tcps", "0321/2567", {}),
    ]
    for code, number, extra in records:
        cert = certification_create(
            producer=producer,
            data={
                "type": types[code],
                "number": number,
                "issuer": "กรมการพัฒนาชุมชน" if code == "otop-stars" else "",
                "issued_on": dt.date(2024, 9, 1),
                "expires_on": dt.date(2027, 8, 31),
                "scope": "products",
                **extra,
            },
            products=products,
        )
        certification_verify(certification=cert, by=officer)
    rematch_products([p.pk for p in products])
    eligible = (
        MatchResult.objects.filter(
            product__in=products, eligible=True, channel__partner__code__in=PARTNERS
        )
        .select_related("product", "channel")
        .order_by("product_id", "channel_id")
    )
    sent = []
    for result in eligible:
        referral = referral_propose(
            product=result.product, channel=result.channel, by=officer, note="ตัวอย่าง"
        )
        for state in (ReferralState.APPROVED, ReferralState.SENT):
            referral_transition(referral_id=referral.pk, to_state=state, by=officer)
        sent.append(referral)
    buyer = User.objects.filter(email=BUYER_EMAIL, partner__isnull=False).first()
    first_to_buyer = next(
        (r for r in sent if buyer and r.channel.partner_id == buyer.partner_id), None
    )
    if first_to_buyer is not None:
        referral_transition(
            referral_id=first_to_buyer.pk, to_state=ReferralState.ACCEPTED, by=buyer
        )
    return len(sent)
