"""The benchmark scripts still run: a tiny seed through bench/seed.py's functions, then each
measurement of bench/run.py and each phase of bench/review.py once. Figures are not asserted
(timed tests lie); only that they are numbers, and that the pages answered."""

import random
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import review as bench_review  # noqa: E402
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


# --- bench/review.py: the officer review pages and the exports ----------------------------------


@pytest.fixture
def reviewed(seeded, settings, tmp_path):
    """The tiny seed, its results, and a few referrals with their events."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    bench_run.measure_fast()
    made = bench_review.seed_referrals(12, random.Random(1))
    assert made["created"] == 12 and made["events"] >= 12
    return SimpleNamespace(repeat=1, export_repeat=1, referrals=12, seed=1)


def _answered(page: dict) -> bool:
    """A page measured without error, every request of it 200, its figures numbers."""
    assert "error" not in page, page["error"]
    assert page["statuses"] == [200], page["statuses"]
    return _numbers(page["queries"], page["median_ms"], page["max_ms"])


def _timed(figure: dict) -> bool:
    assert "error" not in figure, figure["error"]
    return _numbers(figure["median_ms"], figure["max_ms"])


def test_the_review_data_set_is_described(reviewed):
    described = bench_review.dataset()
    assert described["referrals"] == 12
    assert _numbers(described["province_candidates"], described["national_candidates"])


def test_the_review_pages_are_measured(reviewed):
    candidates = bench_review.phase_candidates(reviewed)
    referrals = bench_review.phase_referrals(reviewed)
    dashboard = bench_review.phase_dashboard(reviewed)
    search = bench_review.phase_search(reviewed)
    for who in ("provincial", "national"):
        assert _answered(candidates[who]["page1"]) and _answered(candidates[who]["page5"])
        assert _timed(candidates[who]["exact_count"]) and _timed(candidates[who]["capped_count"])
        for key in ("page1", "page5", "proposed", "q_word", "q_name"):
            assert _answered(referrals[who][key])
        assert _answered(dashboard[who]["page"])
        for name, figure in dashboard[who].items():
            assert name == "page" or (_timed(figure) and _numbers(figure["queries"]))
        for key in ("producers_word", "producers_name", "candidates_word", "candidates_name"):
            assert _answered(search[who][key])
        for key in ("all_producers_word", "all_producers_name"):
            assert "error" not in search[who][key] and _numbers(search[who][key]["ms"])
    assert "| /officer/candidates/ | provincial |" in bench_review._fmt_tables(
        {"candidates": {"result": candidates}}
    )


def test_the_exports_are_measured(reviewed):
    from matching.models import ExportJob

    exports = bench_review.phase_export_candidates(reviewed)
    for fmt in ("csv", "xlsx"):
        assert exports[fmt]["statuses"] in ([200], [302])
        assert exports[f"task_{fmt}"]["status"] == "done"
        assert exports[f"task_{fmt}"]["rows"] == exports["rows"]
    referrals = bench_review._export_referrals("csv")
    assert referrals["status"] == "done" and referrals["rows"] == 12
    assert _numbers(referrals["seconds"], referrals["rows_per_s"])
    assert not ExportJob.objects.exists()  # each phase deletes the jobs it made


def test_the_what_if_phase_runs(reviewed):
    whatif = bench_review.phase_whatif(reviewed)
    for who in ("provincial", "national"):
        for variant in whatif[who]["queries_now"].values():
            assert _timed(variant)
        for variants in whatif[who]["search"].values():
            assert "error" not in variants and all(_timed(v) for v in variants.values())


def test_the_partner_portal_is_measured(reviewed):
    from matching.models import Referral

    # The seed (random.Random(1)) sends some of its referrals on to the partners.
    assert Referral.objects.filter(state__in=["sent", "accepted", "declined", "listed"]).exists()
    (data,) = bench_review.phase_partner(reviewed).values()
    for key in ("page1", "page5", "accepted", "price", "q_word", "q_name", "product", "api"):
        assert _answered(data[key]), key
    for fmt in ("csv", "xlsx", "json"):
        assert _timed(data[f"feed_{fmt}"]) and data[f"feed_{fmt}"]["value"] > 0


def test_the_rescoring_measurements_of_issue_14_return_numbers(seeded):
    """The workers phase is left out: its db_worker processes cannot reach the test database
    (tests/matching/test_rematch_workers.py runs real workers on PostgreSQL)."""
    first = bench_run.measure_rescore()
    assert bench_run.measure_rescore()["written"] == 0
    engine = bench_run.measure_engine()
    assert engine["pairs"] == first["pairs"]
    assert _numbers(engine["read_s"], engine["engine_s"])
    copy = bench_run.measure_copyfloor()
    assert copy["pairs"] == first["pairs"] and _numbers(copy["write_s"])
    assert bench_run.bump_requirement_versions()["channels"] == 12
    changed = bench_run.measure_rescore()
    assert changed["written"] == changed["pairs"]
    single = bench_run.measure_single_changed(n=3)
    assert single["written"] == 3 * 12 and _numbers(single["p95_ms"])
    assert _numbers(bench_run.vacuum()["seconds"])


def test_the_prototype_writes_the_rows_that_rematch_all_writes(seeded):
    """bench/prototype.py imports matching.services' rows and upsert: same results, and an
    eligible pair gets its eligible_since as in rematch_all."""
    from prototype import rematch_all_fast

    from matching.models import MatchResult
    from matching.services import rematch_all

    fields = ("product_id", "channel_id", "eligible", "score", "failed", "failed_count")
    fields += ("star_level", "requirement_version", "fingerprint", "as_of")

    def stored() -> list[tuple]:
        rows = MatchResult.objects.order_by("product_id", "channel_id")
        assert not rows.filter(eligible=True, eligible_since__isnull=True).exists()
        return list(rows.values_list(*fields))

    rematch_all()
    expected = stored()
    MatchResult.objects.all().delete()
    rematch_all_fast()
    assert expected and stored() == expected


def test_each_full_rescore_is_set_against_the_floor_measured_nearest_to_it():
    """bench/run.py's ratios of issue 14: an unchanged re-score against the reads and the
    engine, an every-row-changed one against the COPY floor, each the nearest of its run; a
    re-score that changed some rows has no target and gets no ratio."""
    engine = {"read_s": 5.0, "engine_s": 15.0}
    results = [
        ("engine", engine),
        ("rescore", {"seconds": 30.0, "pairs": 1000, "written": 105}),  # 10 %: no target
        ("copyfloor", {"write_s": 20.0}),
        ("rescore", {"seconds": 42.0, "pairs": 1000, "written": 1000}),
        ("rescore", {"seconds": 26.0, "pairs": 1000, "written": 0}),
        ("copyfloor", {"write_s": 25.0}),
        ("rescore", {"seconds": 45.0, "pairs": 1000, "written": 995}),
    ]
    assert bench_run._target_ratios(results) == [
        "| ratio every-row-changed re-score / COPY | 42.0 s / 20.0 s = 2.10 (target ≤ 2) |",
        "| ratio unchanged re-score / (reads + engine) | 26.0 s / 20.0 s = 1.30 (target ≤ 1.5) |",
        "| ratio every-row-changed re-score / COPY | 45.0 s / 25.0 s = 1.80 (target ≤ 2) |",
    ]
