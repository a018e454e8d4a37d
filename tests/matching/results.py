"""Helpers of the re-score tests: what is stored, who waits on a row lock, and waiting."""

import time

import psycopg

from matching.models import MatchResult
from matching.services import SCORED


def stored() -> list[tuple]:
    """Every stored result, without the columns that say when (services.SCORED)."""
    return sorted(MatchResult.objects.values_list(*SCORED))


def waiting_on_a_lock(watch: psycopg.Connection, query_like: str) -> bool:
    """Whether another session's statement matching `query_like` waits on a lock."""
    rows = watch.execute(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE %s AND pid <> pg_backend_pid()",
        [query_like],
    ).fetchall()
    return bool(rows)


def wait_for(condition, timeout: float, what: str):
    """condition()'s first true value within `timeout` seconds, polled every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
