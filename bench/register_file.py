#!/usr/bin/env python
"""Write a national-register file (docs/register-import.md) of N products, for the import
benchmark and the browser test.

    DJANGO_DEBUG=true .venv/bin/python bench/register_file.py --products 213000 \
        --per-producer 2.3 --out bench/out/register.csv

Producers are community groups spread over every subdistrict of the country (geothai); about
a third of the products carry OTOP stars and half a มผช. certificate. `rows()` is importable
(no database needed).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = [
    "อาหาร",
    "เครื่องดื่ม",
    "ผ้าและเครื่องแต่งกาย",
    "ของใช้ ของตกแต่ง ของที่ระลึก",
    "สมุนไพรที่ไม่ใช่อาหาร",
]


def valid_national_id(seed: int) -> str:
    """A 13-digit PIN with a good check digit, different for each seed (first digit 1-8)."""
    body = str(1 + seed % 8) + f"{seed:011d}"[-11:]
    total = sum((13 - i) * int(d) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def rows(products: int, per_producer: float = 2.3, start: int = 0) -> Iterator[dict[str, str]]:
    import geothai

    places = [
        (province, district, sub)
        for province in geothai.provinces()
        for district in geothai.districts(province.code)
        for sub in geothai.subdistricts(district.code)
    ]
    for i in range(start, start + products):
        p = int(i / per_producer)
        province, district, sub = places[p % len(places)]
        row = {
            "producer_type": "กลุ่มผู้ผลิตชุมชน",
            "producer_name_th": f"กลุ่มวิสาหกิจชุมชนบ้าน {p}",
            "national_id": valid_national_id(p + 5000),
            "province": province.name_th,
            "district": district.name_th,
            "subdistrict": sub.name_th,
            "postal_code": sub.postal_codes[0] if sub.postal_codes else "",
            "phone": "0812345678",
            "member_count": str(7 + p % 40),
            "product_code": f"R-{i:07d}",
            "product_name_th": f"ผลิตภัณฑ์ชุมชน {i}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "price": str(50 + i % 300),
        }
        if i % 3 == 0:
            row.update(otop_stars=str(1 + i % 5), otop_star_year="2567")
        if i % 2 == 0:
            row.update(
                cert1_type="มผช.",
                cert1_number=f"{1 + p % 1500}/2566",
                cert1_issued_on="01/02/2566",
                cert1_expires_on="31/01/2572",
            )
        yield row


def write_csv(path: Path, products: int, per_producer: float = 2.3) -> None:
    from producers.register import COLUMNS

    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow([c.th for c in COLUMNS])
        for row in rows(products, per_producer):
            writer.writerow([row.get(c.key, "") for c in COLUMNS])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=213_000)
    parser.add_argument("--per-producer", type=float, default=2.3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "register.csv"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    import django

    django.setup()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, args.products, args.per_producer)
    print(f"{args.products:,} products written to {out}")


if __name__ == "__main__":
    main()
