"""A split re-score with two real `manage.py db_worker` processes, one of them killed mid-range:
the stored results must be those of a single-process re-score (issue 14)."""

import os
import sys
from pathlib import Path

import psycopg
import pytest

from matching.models import MatchResult, RangeStatus, RematchRun, RunStatus
from matching.runs import rematch_run_enqueue, rematch_run_start
from matching.services import rematch_all
from tests.matching.results import stored, wait_for, waiting_on_a_lock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import run as bench_run  # noqa: E402
import seed as bench_seed  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def _worker(params: dict, name: str):
    auth = params["user"] + (f":{params['password']}" if params["password"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otop_portal.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"postgres://{auth}@{params['host']}:{params['port']}/{params['dbname']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    return bench_run.start_db_worker(name, env, interval=0.1)


def test_a_killed_worker_loses_nothing_and_two_workers_store_what_one_process_stores(
    postgresql, settings
):
    bench_seed.seed(products=600, producers=200, channels=8, seed=5, log=lambda _m: None)
    rematch_all()
    bench_run.bump_requirement_versions()  # every stored row must now be written again
    # Only now through the database queue: the seed's reference data asks for whole re-scores
    # (run inline here), which, queued, the workers would take up and which would supersede
    # the run under test.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    earlier = set(RematchRun.objects.values_list("pk", flat=True))  # the seed's own re-scores
    run, _created = rematch_run_start(range_size=100, lease_seconds=3)
    first = run.ranges.order_by("first_id").first()  # claimed first, by whichever worker
    held = MatchResult.objects.filter(product_id__gte=first.first_id, product_id__lte=first.last_id)
    held = held.order_by("product_id", "channel_id").values_list("pk", flat=True)[:1].get()

    workers = []
    watch = psycopg.connect(**postgresql, autocommit=True)  # its own: stats are per transaction
    lock = psycopg.connect(**postgresql, autocommit=False)
    try:
        # A result row of the first range, locked: its worker blocks in the upsert, mid-range.
        lock.execute("SELECT 1 FROM matching_matchresult WHERE id = %s FOR UPDATE", [held])
        rematch_run_enqueue(run)
        workers = [_worker(postgresql, "one"), _worker(postgresql, "two")]
        # Generous bounds: a worker takes 2.5 s of CPU to start, and far longer on a busy machine.
        wait_for(
            lambda: waiting_on_a_lock(watch, "%matching_matchresult%"),
            120,
            "a worker blocked in the first range",
        )
        first.refresh_from_db()
        assert first.status == RangeStatus.CLAIMED
        victim = next(w for w in workers if first.worker.endswith(f":{w.pid}"))
        victim.kill()
        victim.wait(5)
        lock.rollback()

        def finished():
            run.refresh_from_db()
            return run.status != RunStatus.RUNNING

        wait_for(finished, 120, "the run to finish")
    finally:
        lock.close()
        watch.close()
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(10)

    first.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.ranges_done == run.ranges_total == run.ranges.count()
    assert first.status == RangeStatus.DONE and first.attempts == 2
    assert not first.worker.endswith(f":{victim.pid}")  # the survivor took it over
    assert run.written == run.pairs == MatchResult.objects.count()
    assert set(RematchRun.objects.values_list("pk", flat=True)) == earlier | {run.pk}
    split = stored()

    MatchResult.objects.all().delete()
    rematch_all()
    assert stored() == split
