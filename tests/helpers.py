"""Shared test helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

T = TypeVar("T")


@contextmanager
def models_compiled() -> Iterator[list]:
    """The model of each query Django compiles to SQL inside the block: a statement kept
    compiled (otop_portal.statements) is not one of them."""
    from django.db.models.sql.compiler import SQLCompiler

    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    SQLCompiler.as_sql = counting
    try:
        yield compiled
    finally:
        SQLCompiler.as_sql = as_sql


def read_with_plan(read: Callable[[], T], tables: str) -> tuple[T, str]:
    """PostgreSQL: fresh statistics for `tables` and sequential scans off (a test's few hundred
    rows would make a scan the cheapest plan for anything), then `read()`. Returns what it
    returned and the EXPLAIN of its first query."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as ctx:
        result = read()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + ctx.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return result, plan


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(ctx.captured_queries)


def assert_constant_queries(
    client: Client, url: str, add_rows: Callable[[int], object], sizes: tuple[int, int] = (2, 12)
) -> int:
    """A list page must cost the same number of SQL queries whatever the number of rows.

    `add_rows(n)` adds n more rows that the page shows. Returns the query count.
    """
    from django.core.cache import cache

    small, large = sizes
    add_rows(small)
    client.get(url)  # warm per-process caches (content types, sessions) out of the count
    # Lists kept in the cache (ids, counts: otop_portal/counts.py) are worked out afresh for
    # each count, so that both visits read every row they show.
    cache.clear()
    few = count_queries(client, url)
    add_rows(large - small)
    cache.clear()
    many = count_queries(client, url)
    assert few == many, (
        f"{url}: {few} queries with {small} rows but {many} with {large}: a query per row?"
    )
    return many


def someone_waits_on_a_lock(timeout: float = 5.0) -> bool:
    """True once another backend of this database is blocked on a row lock (PostgreSQL): the
    race tests hold a lock in one thread and see the other one wait for it."""
    import time

    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def assert_row_says(html: str, pk: int, said: list[str]) -> None:
    """The table row whose tick box holds `pk` (name="ids") says each of `said`."""
    start = html.index(f'name="ids" value="{pk}"')
    cells = html[start : html.index("</tr>", start)]
    assert all(words in cells for words in said), (said, cells)
