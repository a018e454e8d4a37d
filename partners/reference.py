"""The eight companies that signed the MOU on 4 April 2025 (domain.md section 4).

Created when missing, never overwritten: what partners and officers edit survives a re-run.
"""

import datetime as dt

from django.db import transaction

from partners.models import Partner

MOU_DATE = dt.date(2025, 4, 4)

PARTNERS = [
    # code, Thai, English, business (Thai), business (English), website
    ("central", "เซ็นทรัล กรุ๊ป", "Central Group",
     "ห้างสรรพสินค้าและซูเปอร์มาร์เก็ต ตลาดจริงใจ", "Department stores, supermarkets, Jing Jai Market",
     "https://www.centralgroup.com"),
    ("thailand-post", "ไปรษณีย์ไทย ดิสทริบิวชั่น", "Thailand Post Distribution",
     "โลจิสติกส์และการขายออนไลน์ผ่านเครือข่ายไปรษณีย์", "Logistics and postal e-commerce",
     "https://www.thailandpost.co.th"),
    ("tiktok", "ติ๊กต็อก (ประเทศไทย)", "TikTok (Thailand)",
     "ไลฟ์คอมเมิร์ซและโซเชียลคอมเมิร์ซ (TikTok Shop)", "Social and live commerce (TikTok Shop)",
     "https://seller-th.tiktok.com"),
    ("shopee", "ช้อปปี้ (ประเทศไทย)", "Shopee (Thailand)",
     "ตลาดออนไลน์", "Online marketplace", "https://shopee.co.th"),
    ("nocnoc", "เบ็ตเตอร์บี มาร์เก็ตเพลส (NocNoc)", "BetterBe Marketplace (NocNoc)",
     "ตลาดออนไลน์สินค้าบ้านและของแต่งบ้าน", "Home and living marketplace",
     "https://nocnoc.com"),
    ("nexgen", "เน็กซ์ เจน ช็อป", "Next Gen Shop (NexGen e-commerce)",
     "ตลาดออนไลน์", "Online marketplace", ""),
    ("cpall", "ซีพี ออลล์ (เซเว่น อีเลฟเว่น)", "CP ALL (7-Eleven)",
     "ร้านสะดวกซื้อ", "Convenience stores", "https://www.cpall.co.th"),
    ("pttor", "ปตท. น้ำมันและการค้าปลีก (ไทยดี)", "PTT Oil and Retail (Thai Dee)",
     "ร้านค้าในสถานีบริการน้ำมัน ไทยดี และคาเฟ่ อเมซอน",
     "Petrol-station retail: Thai Dee shops and Café Amazon", "https://www.pttor.com"),
]


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
    return created
