"""Demo data for producer@demo.otop.th: a submitted profile, two products and OTOP stars.

Call `load_demo_producer()` after the demo accounts and the reference data exist (it is
idempotent). The national ID is a made-up number with a valid check digit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from otop_portal.models import Province, User
from producers.models import (
    Category,
    CertificationType,
    Producer,
    ProducerStatus,
    ProducerType,
    Product,
    SubCategory,
)
from producers.services import certification_create, national_id_hash

DEMO_EMAIL = "producer@demo.otop.th"
DEMO_NATIONAL_ID = "1509900012341"  # fictitious; valid check digit


@transaction.atomic
def load_demo_producer() -> int:
    """Returns the number of products added (0 when already there or prerequisites missing)."""
    user = User.objects.filter(email=DEMO_EMAIL).first()
    province = Province.objects.filter(code="50").first()
    if user is None or province is None or not Category.objects.filter(code="textile").exists():
        return 0
    producer, created = Producer.objects.get_or_create(
        user=user,
        defaults={
            "producer_type": ProducerType.COMMUNITY_GROUP,
            "name_th": "กลุ่มทอผ้าบ้านสันกำแพง",
            "name_en": "San Kamphaeng Weavers Group",
            "national_id": DEMO_NATIONAL_ID,
            "national_id_hash": national_id_hash(DEMO_NATIONAL_ID),
            "house_no": "45",
            "moo": "2",
            "province": province,
            "district_code": "5013",
            "subdistrict_code": "501301",
            "postal_code": "50130",
            "phone": "0812345678",
            "member_count": 24,
            "community_roles": ["production", "benefit"],
            "privacy_consent_version": "2025-11",
            "privacy_consented_at": timezone.now(),
            "status": ProducerStatus.SUBMITTED,
            "registration_step": 4,
        },
    )
    if not created or producer.products.exists():
        return 0
    textile = Category.objects.get(code="textile")
    silk = Product.objects.create(
        producer=producer,
        name_th="ผ้าไหมยกดอก",
        name_en="Brocade silk",
        category=textile,
        subcategory=SubCategory.objects.filter(code="textile-cloth").first(),
        description="ทอมือจากไหมแท้ ลายดอกพิกุล",
        price=Decimal("2500"),
        price_unit="ผืน",
        pack_size="1 ผืน 2 เมตร",
        weight_grams=450,  # packed in a gift box
        monthly_capacity=40,
        lead_time_days=21,
        status="active",
    )
    Product.objects.create(
        producer=producer,
        name_th="ย่ามผ้าฝ้ายทอมือ",
        name_en="Hand-woven cotton shoulder bag",
        category=textile,
        subcategory=SubCategory.objects.filter(code="textile-accessory").first(),
        price=Decimal("350"),
        price_unit="ใบ",
        weight_grams=300,
        monthly_capacity=200,
        lead_time_days=7,
        status="active",
    )
    stars = CertificationType.objects.filter(code="otop-stars").first()
    if stars is not None:
        certification_create(
            producer=producer,
            data={
                "type": stars,
                "number": "OPC-2567-50-0123",
                "issuer": "กรมการพัฒนาชุมชน",
                "issued_on": dt.date(2024, 8, 15),
                "expires_on": dt.date(2026, 8, 15),
                "scope": "products",
                "star_level": 4,
                "award_year": 2024,
            },
            products=[silk],
        )
    return 2
