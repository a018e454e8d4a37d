"""Reference geography from geothai (data CC-BY-4.0)."""

import geothai

from otop_portal.models import Province


def load_provinces() -> int:
    """Create the provinces that are missing; never touch existing rows. Returns rows created."""
    existing = set(Province.objects.values_list("code", flat=True))
    new = [
        Province(code=p.code, name_th=p.name_th, name_en=p.name_en)
        for p in geothai.provinces()
        if p.code not in existing
    ]
    Province.objects.bulk_create(new)
    return len(new)
