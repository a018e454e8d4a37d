"""bench/register_file.py and bench/register_profile.py still run together: a small register
file, imported under cProfile. Times are not asserted (timed tests lie)."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import register_file  # noqa: E402
import register_profile  # noqa: E402


@pytest.fixture(autouse=True)
def reference(db):
    from otop_portal.reference import load_provinces
    from producers.reference import load_categories, load_certification_types

    load_provinces()
    load_categories()
    load_certification_types()


def test_a_generated_file_is_imported_under_the_profiler(tmp_path, capsys):
    from producers.models import Product

    rows = tmp_path / "register.csv"
    register_file.write_csv(rows, 12, per_producer=2.29)
    register_profile.main([str(rows), "--out", str(tmp_path / "register.prof"), "--top", "3"])
    out = capsys.readouterr().out
    assert "12 created" in out and "under cProfile" in out and " queries" in out
    assert Product.objects.count() == 12
