"""A faster re-score, prototyped here to measure the gain before anyone changes matching/.

Same reads (iter_product_facts), same engine (evaluate_all), same fingerprint, same rows and
values as matching.services.rematch_all; the difference is the write path: result rows are
tuples, not MatchResult instances, and they reach the table with plain SQL:

- PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE.
- SQLite: executemany of one INSERT ... ON CONFLICT DO UPDATE (the loop runs in C).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from matching.engine import evaluate_all
from matching.models import MatchResult
from matching.selectors import active_channels, fingerprint, iter_product_facts
from matching.services import RematchSummary, _remove_unmatched

COLUMNS = (
    "product_id",
    "channel_id",
    "eligible",
    "score",
    "failed",
    "failed_count",
    "star_level",
    "requirement_version",
    "fingerprint",
    "as_of",
    "computed_at",
)
UPDATE = COLUMNS[2:]
TEMP = "bench_match_result_in"


def _upsert_sql(source: str) -> str:
    table = MatchResult._meta.db_table
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in UPDATE)
    return (
        f"INSERT INTO {table} ({cols}) {source} "
        f"ON CONFLICT (product_id, channel_id) DO UPDATE SET {sets}"
    )


def upsert_tuples(rows: list[tuple]) -> None:
    """Insert or update result rows given as tuples in COLUMNS order (inside a transaction)."""
    if not rows:
        return
    ops = connection.ops
    as_of = ops.adapt_datefield_value(rows[0][9])
    now = ops.adapt_datetimefield_value(rows[0][10])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = MatchResult._meta.db_table
            cols = ", ".join(COLUMNS)
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {TEMP} ON COMMIT DELETE ROWS "  # noqa: S608
                f"AS SELECT {cols} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {TEMP}")  # a caller's transaction may hold older rows
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {TEMP} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            cursor.execute(_upsert_sql(f"SELECT {', '.join(COLUMNS)} FROM {TEMP}"))  # noqa: S608
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                _upsert_sql(f"VALUES ({placeholders})"),
                [(*r[:9], as_of, now) for r in rows],
            )


def _rows_for(facts, channels, compiled, as_of: dt.date, now) -> list[tuple]:
    digest = fingerprint(facts, as_of)
    pid, stars = facts.product_id, facts.star_level
    return [
        (
            pid,
            cid,
            r.eligible,
            r.score,
            r.failed,
            r.failed.bit_count(),
            stars,
            r.version,
            digest,
            as_of,
            now,
        )
        for (cid, _ch), r in zip(channels, evaluate_all(compiled, facts, as_of), strict=True)
    ]


def rematch_all_fast(*, as_of: dt.date | None = None, chunk: int = 2000) -> RematchSummary:
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    channels = active_channels()
    compiled = [ch for _id, ch in channels]
    summary = RematchSummary()
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        now = timezone.now()
        rows = [row for f in facts_chunk for row in _rows_for(f, channels, compiled, as_of, now)]
        with transaction.atomic():
            upsert_tuples(rows)
        summary.products += len(facts_chunk)
        summary.pairs += len(rows)
        summary.eligible += sum(r[2] for r in rows)
    summary.removed = _remove_unmatched(None)
    summary.seconds = time.perf_counter() - started
    return summary
