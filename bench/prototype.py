"""The faster re-score as it was prototyped (matching.services adopted it, d292bdb), kept to
compare with.

It imports what it measures: the reads (iter_product_facts), the rows (services._rows_for: the
engine, the fingerprint, the columns) and the upsert statement (services._upsert_sql) are
matching.services' own, so the prototype cannot drift from them. What differs is how the rows
reach the table:

- PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE.
- SQLite: executemany of one INSERT ... ON CONFLICT DO UPDATE (the loop runs in C).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from matching.models import MatchResult
from matching.selectors import active_channels, iter_product_facts
from matching.services import COLUMNS, RematchSummary, _remove_unmatched, _rows_for, _upsert_sql

TEMP = "bench_match_result_in"


def upsert_tuples(rows: list[tuple]) -> None:
    """Insert or update result rows given as tuples in services.COLUMNS order (inside a
    transaction), the cheapest way: COPY for every batch on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    ops = connection.ops
    as_of = ops.adapt_datefield_value(rows[0][9])
    now = ops.adapt_datetimefield_value(rows[0][10])
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = MatchResult._meta.db_table
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {TEMP} ON COMMIT DELETE ROWS "  # noqa: S608
                f"AS SELECT {cols} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {TEMP}")  # a caller's transaction may hold older rows
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {TEMP} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            cursor.execute(_upsert_sql(f"SELECT {cols} FROM {TEMP}"))  # noqa: S608
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                _upsert_sql(f"VALUES ({placeholders})"),
                [(*r[:9], as_of, now, now if r[2] else None) for r in rows],
            )


def rematch_all_fast(*, as_of: dt.date | None = None, chunk: int = 2000) -> RematchSummary:
    """matching.services' reads and rows (iter_product_facts, _rows_for), written by
    upsert_tuples."""
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    channels = active_channels()
    summary = RematchSummary()
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        now = timezone.now()
        rows = [row for f in facts_chunk for row in _rows_for(f, channels, as_of, now)]
        with transaction.atomic():
            upsert_tuples(rows)
        summary.products += len(facts_chunk)
        summary.pairs += len(rows)
        summary.eligible += sum(r[2] for r in rows)
    summary.removed = _remove_unmatched(None)
    summary.seconds = time.perf_counter() - started
    return summary
