"""The eight companies that signed the MOU on 4 April 2025 (domain.md section 4), their
channels and what each channel requires (domain.md section 7).

Created when missing, never overwritten: what partners and officers edit survives a re-run.
Almost every requirement value is ILLUSTRATIVE (marked "I" in domain.md section 7): a starting
point that partners and officers correct in the portal, not a published rule.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from otop_portal.models import Province
from partners.models import Channel, Partner, PreferredKind
from partners.services import channel_create
from producers.models import Category, CertificationType

MOU_DATE = dt.date(2025, 4, 4)

PARTNERS = [
    # code, Thai, English, business (Thai), business (English), website
    (
        "central",
        "เซ็นทรัล กรุ๊ป",
        "Central Group",
        "ห้างสรรพสินค้าและซูเปอร์มาร์เก็ต ตลาดจริงใจ",
        "Department stores, supermarkets, Jing Jai Market",
        "https://www.centralgroup.com",
    ),
    (
        "thailand-post",
        "ไปรษณีย์ไทย ดิสทริบิวชั่น",
        "Thailand Post Distribution",
        "โลจิสติกส์และการขายออนไลน์ผ่านเครือข่ายไปรษณีย์",
        "Logistics and postal e-commerce",
        "https://www.thailandpost.co.th",
    ),
    (
        "tiktok",
        "ติ๊กต็อก (ประเทศไทย)",
        "TikTok (Thailand)",
        "ไลฟ์คอมเมิร์ซและโซเชียลคอมเมิร์ซ (TikTok Shop)",
        "Social and live commerce (TikTok Shop)",
        "https://seller-th.tiktok.com",
    ),
    (
        "shopee",
        "ช้อปปี้ (ประเทศไทย)",
        "Shopee (Thailand)",
        "ตลาดออนไลน์",
        "Online marketplace",
        "https://shopee.co.th",
    ),
    (
        "nocnoc",
        "เบ็ตเตอร์บี มาร์เก็ตเพลส (NocNoc)",
        "BetterBe Marketplace (NocNoc)",
        "ตลาดออนไลน์สินค้าบ้านและของแต่งบ้าน",
        "Home and living marketplace",
        "https://nocnoc.com",
    ),
    (
        "nexgen",
        "เน็กซ์ เจน ช็อป",
        "Next Gen Shop (NexGen e-commerce)",
        "ตลาดออนไลน์",
        "Online marketplace",
        "",
    ),
    (
        "cpall",
        "ซีพี ออลล์ (เซเว่น อีเลฟเว่น)",
        "CP ALL (7-Eleven)",
        "ร้านสะดวกซื้อ",
        "Convenience stores",
        "https://www.cpall.co.th",
    ),
    (
        "pttor",
        "ปตท. น้ำมันและการค้าปลีก (ไทยดี)",
        "PTT Oil and Retail (Thai Dee)",
        "ร้านค้าในสถานีบริการน้ำมัน ไทยดี และคาเฟ่ อเมซอน",
        "Petrol-station retail: Thai Dee shops and Café Amazon",
        "https://www.pttor.com",
    ),
]


# Shown in the directory; filled in only where the description is still empty.
DESCRIPTIONS = {
    "nocnoc": (
        "มีรายงานข่าว (ภาษาจีน ยังไม่ได้ยืนยัน) ว่า NocNoc หยุดรับคำสั่งซื้อใหม่ตั้งแต่ 9 ก.พ. 2569 "
        "และจะปิดให้บริการ 9 พ.ค. 2569 โปรดตรวจสอบกับพาร์ทเนอร์ก่อนส่งสินค้า",
        "One Chinese-language report (not verified) says NocNoc stopped taking new orders on "
        "9 February 2026 and closes on 9 May 2026. Check with the partner before sending goods.",
    ),
}


@transaction.atomic
def load_partners() -> int:
    created = 0
    for code, th, en, business_th, business_en, website in PARTNERS:
        _obj, made = Partner.objects.get_or_create(
            code=code,
            defaults={
                "name_th": th,
                "name_en": en,
                "business_th": business_th,
                "business_en": business_en,
                "website": website,
                "mou_date": MOU_DATE,
            },
        )
        created += made
    for code, (th, en) in DESCRIPTIONS.items():
        # Fill an empty description (databases loaded before the field existed); never replace
        # one that somebody wrote.
        Partner.objects.filter(code=code, description_th="", description_en="").update(
            description_th=th, description_en=en
        )
    return created


def _req(
    categories=(),
    min_stars=None,
    fda_for=(),
    any_of=(),
    all_of=(),
    gtin=False,
    shelf_life=None,
    capacity=None,
    price=(None, None),
    preferred=(),
    notes=("", ""),
):
    return {
        "categories": categories,
        "min_stars": min_stars,
        "fda_for": fda_for,
        "any_of": any_of,
        "all_of": all_of,
        "gtin": gtin,
        "shelf_life": shelf_life,
        "capacity": capacity,
        "price": price,
        "preferred": preferred,
        "notes": notes,
    }


# partner, channel code, kind, Thai name, English name, nationwide, provinces, requirement.
# (S..) = sourced in domain.md; everything else is illustrative (I).
CHANNELS = [
    (
        "central",
        "central-modern-trade",
        "modern_trade",
        "ห้างเซ็นทรัลและท็อปส์",
        "Central department stores and Tops supermarkets",
        True,
        (),
        _req(
            categories=("food", "beverage", "textile", "household"),
            min_stars=4,  # 3-5★ (S45)
            fda_for=("food",),  # อย. for food: legal requirement (S21)
            any_of=(("tcps", "tis"), ("textile", "household")),
            gtin=True,
            shelf_life=180,
            capacity=1000,
            price=("80", "2000"),
            preferred=((PreferredKind.STARS, 30, 5),),
            notes=("ผ่านการพิจารณาของฝ่ายจัดซื้อ", "Buyers review every product first."),
        ),
    ),
    (
        "central",
        "central-jing-jai",
        "community_market",
        "ตลาดจริงใจ และ Good Goods",
        "Jing Jai Market and Good Goods",
        False,
        ("50",),  # (S46,S47)
        _req(
            categories=("food", "textile", "household"),
            min_stars=3,  # categories (S46,S48)
            shelf_life=30,
            capacity=100,
            price=("50", "3000"),
            preferred=(
                (PreferredKind.CERTIFICATE, 20, "organic"),
                (PreferredKind.PROVINCE, 10, ("50",)),
            ),
            notes=(
                "ตลาดจริงใจ ฟาร์มเมอร์ส มาร์เก็ต มีในหลายจังหวัด: เพิ่มจังหวัดที่ให้บริการได้",
                "Jing Jai Farmers' Markets run in more provinces: add the ones served.",
            ),
        ),
    ),
    (
        "thailand-post",
        "thailand-post-mart",
        "postal_ecommerce",
        "ไปรษณีย์ไทยมาร์ท",
        "Thailand Post Mart",
        True,
        (),  # nationwide post network (S49,S50)
        _req(min_stars=2, fda_for=("food",), shelf_life=60, capacity=200, price=("50", "1500")),
    ),
    (
        "tiktok",
        "tiktok-shop",
        "social_commerce",
        "ติ๊กต็อก ช็อป",
        "TikTok Shop",
        True,
        (),
        _req(
            min_stars=3,
            fda_for=("food",),  # food certificates at listing (S56)
            shelf_life=90,
            capacity=300,
            price=("59", "999"),
            notes=(
                "ผู้ขายบุคคลต้องเป็นคนไทยอายุ 20 ปีขึ้นไป นิติบุคคลเปิดได้ไม่เกิน 5 ร้าน "
                "สินค้าความงามและของแต่งบ้านต้องขออนุมัติก่อน",
                "Individual sellers: Thai citizens aged 20 or over. Companies: at most 5 shops. "
                "Beauty and home-décor products need approval first.",
            ),
        ),
    ),  # (S54,S55,S57)
    (
        "shopee",
        "shopee-marketplace",
        "online_marketplace",
        "ช้อปปี้",
        "Shopee",
        True,
        (),
        _req(
            min_stars=3,
            fda_for=("food", "herbal"),  # อย. for food and health products (S59)
            shelf_life=90,
            capacity=300,
            price=("50", "1500"),
        ),
    ),
    (
        "nocnoc",
        "nocnoc-marketplace",
        "online_marketplace",
        "นอคนอค",
        "NocNoc",
        True,
        (),
        _req(
            categories=("household", "textile"),
            min_stars=3,  # home and living focus (S61)
            capacity=50,
            price=("300", "10000"),
            notes=(
                "สินค้าที่เป็นมาตรฐานบังคับต้องมี มอก. เลือกหมวดสินค้าให้ถูกต้อง",
                "Products under a compulsory standard need มอก. (TIS). Choose the right "
                "category (S61).",
            ),
        ),
    ),
    (
        "nexgen",
        "nexgen-marketplace",
        "online_marketplace",
        "เน็กซ์ เจน ช็อป",
        "Next Gen Shop",
        True,
        (),  # nothing published: all illustrative
        _req(min_stars=3, fda_for=("food",), shelf_life=90, capacity=200, price=("50", "1500")),
    ),
    (
        "cpall",
        "cpall-7-eleven",
        "convenience_store",
        "เซเว่น อีเลฟเว่น",
        "7-Eleven",
        True,
        (),  # >12,000 stores (S63)
        _req(
            categories=("food", "beverage", "herbal"),
            min_stars=4,
            fda_for=("food", "beverage"),  # FDA approval (S65)
            gtin=True,
            shelf_life=120,
            capacity=5000,
            price=("15", "99"),
            preferred=(
                (PreferredKind.CERTIFICATE, 20, "primary-gmp"),
                (PreferredKind.CERTIFICATE, 20, "halal"),
                (PreferredKind.CAPACITY, 20, 10000),
            ),
            notes=(
                "ฝ่ายจัดซื้อพิจารณาก่อน แล้วทดลองวางขายในร้านแบบฝากขาย",
                "Purchasing reviews nominations, then a store test market on consignment "
                "stock (S65).",
            ),
        ),
    ),
    (
        "pttor",
        "pttor-thai-dee",
        "petrol_station",
        "ร้านไทยดี ในสถานีบริการ ปตท.",
        "Thai Dee shops at PTT Stations",
        True,
        (),  # (S66,S67)
        _req(
            categories=("food", "beverage", "household"),
            min_stars=3,
            any_of=(("fda", "tcps"), ()),
            gtin=True,
            shelf_life=90,
            capacity=500,
            price=("30", "500"),
        ),
    ),
]


def _requirement_arguments(spec: dict) -> dict:
    categories = {c.code: c for c in Category.objects.all()}
    types = {t.code: t for t in CertificationType.objects.all()}
    rules = []
    if spec["fda_for"]:
        rules.append(
            {
                "mode": "all",
                "certification_types": [types["fda"]],
                "categories": [categories[c] for c in spec["fda_for"]],
                "conditional": True,
            }
        )
    if spec["any_of"]:
        any_types, any_categories = spec["any_of"]
        rules.append(
            {
                "mode": "any",
                "certification_types": [types[t] for t in any_types],
                "categories": [categories[c] for c in any_categories],
            }
        )
    preferred = []
    for kind, weight, target in spec["preferred"]:
        item = {"kind": kind, "weight": weight}
        if kind == PreferredKind.CERTIFICATE:
            item["certification_type"] = types[target]
        elif kind == PreferredKind.STARS:
            item["target_star_level"] = target
        elif kind == PreferredKind.PROVINCE:
            item["provinces"] = list(Province.objects.filter(code__in=target))
        else:
            item["target_capacity"] = target
        preferred.append(item)
    low, high = spec["price"]
    return {
        "requirement_data": {
            "categories": [categories[c] for c in spec["categories"]],
            "min_star_level": spec["min_stars"],
            "gtin_required": spec["gtin"],
            "min_shelf_life_days": spec["shelf_life"],
            "min_monthly_capacity": spec["capacity"],
            "price_min": Decimal(low) if low else None,
            "price_max": Decimal(high) if high else None,
            "notes_th": spec["notes"][0],
            "notes_en": spec["notes"][1],
        },
        "certificate_rules": rules,
        "preferred": preferred,
    }


@transaction.atomic
def load_channels() -> int:
    """Create the reference channels that are missing, each with its requirement at version 1.

    A channel that exists is left exactly as it is, requirement and all: people may have edited
    it. Needs partners, categories, certification types and provinces loaded first.
    """
    created = 0
    existing = set(Channel.objects.values_list("code", flat=True))
    partners = {p.code: p for p in Partner.objects.all()}
    for partner_code, code, kind, th, en, nationwide, provinces, spec in CHANNELS:
        if code in existing or partner_code not in partners:
            continue
        channel_create(
            partner=partners[partner_code],
            code=code,
            channel_data={
                "kind": kind,
                "name_th": th,
                "name_en": en,
                "nationwide": nationwide,
                "provinces": list(Province.objects.filter(code__in=provinces)),
            },
            by=None,
            note="reference data",
            **_requirement_arguments(spec),
        )
        created += 1
    return created
