"""The benchmark scripts still run: a tiny seed through bench/seed.py's functions, then each
measurement of bench/run.py once. Figures are not asserted (timed tests lie); only that they
are numbers."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import run as bench_run  # noqa: E402
import seed as bench_seed  # noqa: E402


@pytest.fixture
def seeded(db):
    return bench_seed.seed(products=50, producers=20, channels=12, seed=3, log=lambda _m: None)


def _numbers(*values):
    return all(isinstance(v, int | float) for v in values)


def test_seed_makes_the_requested_counts(seeded):
    from partners.models import Channel, RequirementVersion
    from producers.models import Producer, Product

    assert Product.objects.count() == 50
    assert Producer.objects.count() == 20
    assert Channel.objects.count() == 12
    # Every channel went through channel_create: a version-1 snapshot each.
    assert RequirementVersion.objects.filter(number=1).count() == 12


def test_measurements_return_numbers(seeded):
    rescore = bench_run.measure_rescore()
    assert rescore["pairs"] > 0 and _numbers(rescore["seconds"], rescore["pairs_per_s"])
    floor = bench_run.measure_floor()
    assert floor["pairs"] == rescore["pairs"]
    raw = bench_run.measure_rawfloor()
    assert raw["pairs"] == rescore["pairs"]
    fast = bench_run.measure_fast()
    assert (fast["pairs"], fast["eligible"]) == (rescore["pairs"], rescore["eligible"])
    single = bench_run.measure_single(n=5)
    assert _numbers(single["p50_ms"], single["p95_ms"], single["queries"])
    breakdown = bench_run.measure_breakdown(limit=20, profile=False)
    assert _numbers(*breakdown["stages_s"].values())


def test_pages_are_measured(seeded):
    pages = bench_run.measure_pages(repeat=1)
    producer = pages["producer_product"]
    assert producer["status"] == [200]
    assert _numbers(producer["queries_max"], producer["median_ms"])
    officer = pages["officer_candidates"]
    assert "skipped" in officer or officer["status"] == 200
