"""bench/load.py's pieces on a tiny data set: the activity seed, the bench people and their
sessions, the page list, and reading wrk's figures into the table. No server and no wrk here
(bench/load.py runs those); no speeds are asserted."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import load as bench_load  # noqa: E402
import seed as bench_seed  # noqa: E402


@pytest.fixture
def active(db, settings, tmp_path):
    """The tiny national seed, scored, with the activity issue 13 adds."""
    from matching.services import rematch_all

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    bench_seed.seed(products=60, producers=20, channels=12, seed=3, log=lambda _m: None)
    rematch_all()
    return bench_seed.seed_activity(
        referrals=16, big_partner_sent=6, waiting=3, seed=1, log=lambda _m: None
    )


def test_the_activity_seed_reaches_every_referral_state(active):
    from matching.models import Referral
    from otop_portal.models import Notification
    from partners.models import SavedList

    states = set(Referral.objects.values_list("state", flat=True))
    assert {"proposed", "approved", "sent", "accepted", "lapsed"} <= states
    assert SavedList.objects.exists() and Notification.objects.exists()
    assert active["waiting"] == 3  # the officers' producers queue is not empty
    # Seeding again adds nothing: each step sees its rows.
    again = bench_seed.seed_activity(
        referrals=16, big_partner_sent=6, waiting=3, log=lambda _m: None
    )
    assert again["lapsed"] == 0 and again["saved_lists"] == 0 and again["notifications"] == 0
    assert again["waiting"] == 0


def test_the_bench_people_get_in_with_their_sessions(active, client):
    people = bench_load.prepare_people(api_people=2)
    assert people.product_id and people.referral_id and people.search_word
    assert len(people.api_partners) == len(people.api_officers) == 2
    (cookie,) = bench_load.mint_sessions([people.national])
    name, key = cookie.split("=", 1)
    client.cookies[name] = key
    assert client.get("/officer/").status_code == 200


def test_every_page_of_the_list_answers(active, client):
    people = bench_load.prepare_people(api_people=1)
    pages = bench_load.targets(people)
    assert pages[0].name == "healthz"
    assert len({p.name for p in pages}) == len(pages)
    for page in pages:
        client.logout()
        who = getattr(people, page.who) if page.who else None
        if who:
            client.cookies.clear()
            (cookie,) = bench_load.mint_sessions([who[0] if isinstance(who, list) else who])
            name, key = cookie.split("=", 1)
            client.cookies[name] = key
        assert client.get(page.path).status_code == 200, page.path


WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8713
  2 threads and 32 connections
{"requests": 200, "seconds": 2.000, "p50_ms": 10.00, "p95_ms": 20.00, "p99_ms": 30.00, \
"max_ms": 40.00, "not_2xx": 3, "timeouts": 1, "socket_errors": 0, "statuses": {"429": 3}}
"""


def test_the_table_reads_wrk_and_gives_the_ratio_to_healthz():
    floor = bench_load.parse_wrk(WRK_OUTPUT)
    assert floor["rps"] == 100 and floor["errors"] == 4
    page = {**floor, "p95_ms": 100.0}
    table = bench_load.format_table(
        [{**floor, "name": "healthz"}, {**page, "name": "a page"}, {"name": "b", "error": "x"}]
    )
    assert "| a page | 100.0 | 10.0 | 100.0 | 30.0 | 4 (429: 3, timeouts: 1) | 5.0× ✗ |" in table
    assert "ERROR: x" in table
    assert "error" in bench_load.parse_wrk("", "wrk: connection refused")


def test_the_server_gets_the_chosen_cache_and_otherwise_production_s_default(monkeypatch):
    monkeypatch.setenv("CACHE_URL", "locmemcache://")  # the caller's own is never passed on
    url = "postgres://postgres@127.0.0.1:5432/otop_bench13"
    assert "CACHE_URL" not in bench_load.production_env(url, 8713)
    chosen = bench_load.production_env(url, 8713, "redis://127.0.0.1:6379/13")
    assert chosen["CACHE_URL"] == "redis://127.0.0.1:6379/13"


def _redis_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis at 127.0.0.1:6379")
def test_the_cold_dashboard_run_starts_without_figures_in_a_redis_cache(settings):
    """--cache-url redis://...: the "cold" run must find the dashboard's figures gone from
    Redis (not from the database's table, which the server then does not read)."""
    import uuid

    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    try:
        cache.set("dashboard:products:national:-:-:2026-12-07", [1], 60)
        cache.set("counts:queues:version", 7, 60)
        assert bench_load.clear_dashboard_cache() == 1
        assert cache.get("dashboard:products:national:-:-:2026-12-07") is None
        assert cache.get("counts:queues:version") == 7
    finally:
        cache.delete("counts:queues:version")
