"""OTOP categories, sub-types and certification types (domain.md sections 2 and 3).

Loaded idempotently: rows are created when missing and never overwritten, so edits made in the
portal survive a re-run.
"""

from django.db import transaction

from producers.models import Category, CertificationType, SubCategory

CATEGORIES = [
    # code, Thai, English, sub-types (code, Thai, English). Sub-types beyond food are an
    # ASSUMPTION (domain.md): editable in the admin.
    (
        "food",
        "อาหาร",
        "Food",
        [
            ("food-fresh", "ผลผลิตทางการเกษตร", "Fresh agricultural produce"),
            ("food-primary", "อาหารแปรรูปขั้นต้น", "Primary-processed food"),
            ("food-processed", "อาหารแปรรูป", "Processed food"),
        ],
    ),
    (
        "beverage",
        "เครื่องดื่ม",
        "Beverages",
        [
            ("beverage-nonalcoholic", "เครื่องดื่มไม่มีแอลกอฮอล์", "Non-alcoholic beverages"),
            ("beverage-alcoholic", "เครื่องดื่มแอลกอฮอล์", "Alcoholic beverages"),
        ],
    ),
    (
        "textile",
        "ผ้าและเครื่องแต่งกาย",
        "Textiles and clothing",
        [
            ("textile-cloth", "ผ้าผืน", "Woven cloth"),
            ("textile-clothing", "เสื้อผ้าเครื่องแต่งกาย", "Clothing"),
            ("textile-accessory", "เครื่องประดับและกระเป๋า", "Accessories and bags"),
        ],
    ),
    (
        "household",
        "ของใช้ ของตกแต่ง ของที่ระลึก",
        "Household, decorative and souvenir items",
        [
            ("household-use", "ของใช้", "Household goods"),
            ("household-decor", "ของตกแต่ง", "Decorative items"),
            ("household-souvenir", "ของที่ระลึก", "Souvenirs"),
        ],
    ),
    (
        "herbal",
        "สมุนไพรที่ไม่ใช่อาหาร",
        "Non-food herbal products",
        [
            ("herbal-cosmetic", "เครื่องสำอางสมุนไพร", "Herbal cosmetics"),
            ("herbal-medicine", "ยาสมุนไพร", "Herbal medicines"),
            ("herbal-household", "ผลิตภัณฑ์สมุนไพรใช้ในครัวเรือน", "Herbal household products"),
        ],
    ),
]

CERTIFICATION_TYPES = [
    # code, Thai, English, issuer Thai, issuer English, typical validity (months; None = no
    # expiry), number hint
    (
        "fda",
        "เลขสารบบอาหาร (อย.)",
        "Thai FDA food serial number (อย.)",
        "สำนักงานคณะกรรมการอาหารและยา",
        "Thai Food and Drug Administration",
        None,
        "XX-X-XXXXX-X-XXXX",
    ),
    (
        "primary-gmp",
        "หลักเกณฑ์วิธีการที่ดีในการผลิตเบื้องต้น (Primary GMP)",
        "Primary GMP",
        "สำนักงานคณะกรรมการอาหารและยา",
        "Thai Food and Drug Administration",
        None,
        "",
    ),
    (
        "gmp",
        "GMP",
        "GMP (Good Manufacturing Practice)",
        "สำนักงานคณะกรรมการอาหารและยา",
        "Thai Food and Drug Administration",
        36,
        "",
    ),
    (
        "tcps",
        "มาตรฐานผลิตภัณฑ์ชุมชน (มผช.)",
        "Thai Community Product Standard (มผช.)",
        "สำนักงานมาตรฐานผลิตภัณฑ์อุตสาหกรรม (สมอ.)",
        "Thai Industrial Standards Institute (TISI)",
        36,
        "มผช. NNNN/YYYY",
    ),
    (
        "tis",
        "มาตรฐานผลิตภัณฑ์อุตสาหกรรม (มอก.)",
        "Thai Industrial Standard (มอก.)",
        "สำนักงานมาตรฐานผลิตภัณฑ์อุตสาหกรรม (สมอ.)",
        "Thai Industrial Standards Institute (TISI)",
        None,
        "",
    ),
    (
        "halal",
        "ฮาลาล",
        "Halal",
        "คณะกรรมการกลางอิสลามแห่งประเทศไทย",
        "Central Islamic Council of Thailand (CICOT)",
        12,
        "",
    ),
    (
        "organic",
        "เกษตรอินทรีย์ (Organic Thailand)",
        "Organic Thailand",
        "กรมวิชาการเกษตร",
        "Department of Agriculture",
        12,
        "",
    ),
    (
        "q-mark",
        "เครื่องหมาย Q",
        "Q mark",
        "สำนักงานมาตรฐานสินค้าเกษตรและอาหารแห่งชาติ (มกอช.)",
        "National Bureau of Agricultural Commodity and Food Standards (ACFS)",
        36,
        "",
    ),
    (
        "gap",
        "การปฏิบัติทางการเกษตรที่ดี (GAP)",
        "GAP (Good Agricultural Practice)",
        "กรมวิชาการเกษตร",
        "Department of Agriculture",
        36,
        "",
    ),
    (
        "haccp",
        "HACCP",
        "HACCP",
        "หน่วยรับรองที่ได้รับการรับรองระบบงาน",
        "Accredited certification body",
        36,
        "",
    ),
    (
        "gi",
        "สิ่งบ่งชี้ทางภูมิศาสตร์ (GI)",
        "Geographical Indication (GI)",
        "กรมทรัพย์สินทางปัญญา",
        "Department of Intellectual Property",
        None,
        "",
    ),
    (
        "thai-select",
        "Thai SELECT",
        "Thai SELECT",
        "กรมส่งเสริมการค้าระหว่างประเทศ",
        "Department of International Trade Promotion",
        12,
        "",
    ),
    (
        "trust-mark",
        "Thailand Trust Mark",
        "Thailand Trust Mark",
        "กรมส่งเสริมการค้าระหว่างประเทศ",
        "Department of International Trade Promotion",
        24,
        "",
    ),
    # Stars are judged every two years (domain.md section 2): a round's result is a certificate.
    (
        "otop-stars",
        "ดาว OTOP Product Champion (OPC)",
        "OTOP Product Champion (OPC) stars",
        "กรมการพัฒนาชุมชน",
        "Community Development Department",
        24,
        "1-5 stars and the year",
    ),
]


@transaction.atomic
def load_categories() -> int:
    created = 0
    for order, (code, th, en, subs) in enumerate(CATEGORIES):
        category, made = Category.objects.get_or_create(
            code=code, defaults={"name_th": th, "name_en": en, "sort_order": order}
        )
        created += made
        for sub_order, (sub_code, sub_th, sub_en) in enumerate(subs):
            _sub, made = SubCategory.objects.get_or_create(
                code=sub_code,
                defaults={
                    "category": category,
                    "name_th": sub_th,
                    "name_en": sub_en,
                    "sort_order": sub_order,
                },
            )
            created += made
    return created


@transaction.atomic
def load_certification_types() -> int:
    created = 0
    for order, (code, th, en, issuer_th, issuer_en, months, hint) in enumerate(CERTIFICATION_TYPES):
        _obj, made = CertificationType.objects.get_or_create(
            code=code,
            defaults={
                "name_th": th,
                "name_en": en,
                "issuer_th": issuer_th,
                "issuer_en": issuer_en,
                "typical_validity_months": months,
                "number_hint": hint,
                "sort_order": order,
            },
        )
        created += made
    return created
