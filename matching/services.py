"""Writes for matching: score products against channels and store the results."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.engine import CompiledChannel, ProductFacts, evaluate_all
from matching.models import (
    OPEN_STATES,
    DeclineReason,
    MatchResult,
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralState,
)
from matching.selectors import (
    active_channels,
    fingerprint,
    iter_product_facts,
    matchable_products,
    product_facts,
)
from otop_portal.counts import REFERRALS, counts_changed
from otop_portal.models import Role
from partners.models import Channel
from producers.models import ProducerStatus, Product

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
    "eligible_since",
)
# A stored row is rewritten only when one of these differs: the rest (as_of, computed_at) then
# say when the result last changed. An unchanged re-score writes nothing (docs/performance.md,
# issue 14): no dead rows, no index entries, no WAL.
CHANGES = ("eligible", "score", "failed", "star_level", "requirement_version", "fingerprint")
VALUES_BATCH = 500  # SQLite: rows per multi-row INSERT (12 parameters each; it allows 32,766)
COPY_FROM = 2000  # PostgreSQL: batches this large go through COPY (bench/: 3.5x faster), smaller
# ones as one array per column
# What differs between the rows of a batch; the dates after them (as_of, computed_at,
# eligible_since) are the batch's own, and on PostgreSQL they are added in SQL (_dated).
SCORED = COLUMNS[:9]
_TEMP = "matching_scored_in"
# The PostgreSQL types of SCORED, for the binary COPY and the arrays of a small batch.
_COPY_TYPES = ("int8", "int8", "bool", "int2", "int8", "int2", "int2", "int4", "int8")


@dataclass
class RematchSummary:
    products: int = 0
    pairs: int = 0  # scored
    written: int = 0  # stored because they were new or changed
    eligible: int = 0
    removed: int = 0
    lapsed: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.pairs / self.seconds if self.seconds else 0
        return (
            f"{self.pairs:,} pairs scored ({self.products:,} products), {self.written:,} "
            f"written (new or changed), {self.eligible:,} eligible, {self.removed:,} stale "
            f"results removed, {self.lapsed:,} referrals lapsed, {self.seconds:.1f} s "
            f"({rate:,.0f} pairs/s)"
        )

    def add(self, other: RematchSummary) -> None:
        for name in ("products", "pairs", "written", "eligible", "removed", "lapsed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _rows_for(
    facts: ProductFacts, channels: list[tuple[int, CompiledChannel]], as_of: dt.date, now
) -> list[tuple]:
    """Result rows as tuples in COLUMNS order (eligible_since: now if eligible; the upsert keeps
    an earlier date): at ten million rows, model instances cost more
    than the scoring itself (bench/: 79% of a full re-score went to building and saving them)."""
    digest = fingerprint(facts, as_of)
    pid, stars = facts.product_id, facts.star_level
    compiled = [ch for _id, ch in channels]
    return [
        (
            pid,
            cid,
            not failed,
            points,
            failed,
            failed.bit_count(),
            stars,
            ch.version,
            digest,
            as_of,
            now,
            None if failed else now,
        )
        for (cid, ch), (failed, points) in zip(
            channels, evaluate_all(compiled, facts, as_of), strict=True
        )
    ]


def _keep_since(stored: str, scored: str) -> str:
    """eligible_since of an updated row: a pair that stays eligible keeps the date it became
    eligible (the officer's "waiting since" must not move each time the pair is re-scored)."""
    return (
        f"CASE WHEN {scored}.eligible AND {stored}.eligible "
        f"THEN COALESCE({stored}.eligible_since, {scored}.eligible_since) "
        f"ELSE {scored}.eligible_since END"
    )


def _differs(stored: str, scored: str) -> str:
    """True when a stored row's CHANGES differ from the scored row's (NULL-safe). SQLite spells
    IS DISTINCT FROM as IS NOT (row values)."""
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return (
        f"({', '.join(f'{stored}.{c}' for c in CHANGES)}) {distinct} "
        f"({', '.join(f'{scored}.{c}' for c in CHANGES)})"
    )


def _upsert_sql(source: str) -> str:
    table = MatchResult._meta.db_table
    sets = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:-1])
    sets += f", eligible_since = {_keep_since(table, 'excluded')}"
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) {source} "
        f"ON CONFLICT (product_id, channel_id) DO UPDATE SET {sets} "
        f"WHERE {_differs(table, 'excluded')}"
    )


def _merge_sql(source: str) -> str:
    """PostgreSQL 15+: the upsert as a MERGE of `source` (a query) into the results."""
    table = MatchResult._meta.db_table
    sets = ", ".join(f"{c} = s.{c}" for c in COLUMNS[2:-1])
    sets += f", eligible_since = {_keep_since('t', 's')}"
    return (
        f"MERGE INTO {table} AS t USING ({source}) AS s "  # noqa: S608
        f"ON t.product_id = s.product_id AND t.channel_id = s.channel_id "
        f"WHEN MATCHED AND {_differs('t', 's')} THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join(f's.{c}' for c in COLUMNS)})"
    )


# What _merge turns off for its statement: the planner, which knows nothing of the temporary
# table, would otherwise join it to the whole unique index (a merge join: 1.2-5.6 s a chunk
# against 0.3 s for one index probe per row, docs/performance.md, issue 14), and JIT-compile
# the plan for ~0.1 s, more than the statement saves by it.
_MERGE_PLAN = ("enable_mergejoin", "enable_hashjoin", "jit")


def _merge(cursor, source: str, params: list) -> int | None:
    """PostgreSQL 15+: write the rows of `source` (a query of the temporary table) with one
    MERGE (call inside a transaction). Returns how many rows were written, or None when it
    could not (then nothing was written and the caller upserts).

    Why not the upsert: INSERT … ON CONFLICT DO UPDATE locks each row it updates before it
    updates it, two WAL records per row where MERGE writes one (bench, 80,000 changed rows:
    0.40 s upserted, 0.32 s merged). Why the upsert stays: a row that another transaction
    inserts while the MERGE runs (a producer's edit re-scoring the same new product) makes
    the MERGE fail with a unique violation, where the upsert updates that row; and a row
    another transaction deletes meanwhile can make it fail on a serialization error."""
    if connection.pg_version < 150000:
        return None
    settings = ", ".join(f"current_setting('{name}')" for name in _MERGE_PLAN)
    cursor.execute(f"SELECT {settings}")
    before = cursor.fetchone()
    try:
        with transaction.atomic():  # a savepoint: a failed MERGE leaves nothing behind
            cursor.execute(
                "SELECT " + ", ".join(f"set_config('{name}', 'off', true)" for name in _MERGE_PLAN)
            )
            cursor.execute(_merge_sql(source), params)
            written = cursor.rowcount
    except (IntegrityError, OperationalError):
        return None  # the savepoint's rollback also undid the settings
    # set_config(…, true) lasts until the end of the transaction, which may be a caller's.
    restore = ", ".join(f"set_config('{name}', %s, true)" for name in _MERGE_PLAN)
    cursor.execute(f"SELECT {restore}", before)
    return written


READ_BACK = 1000  # product ids per query when reading the stored results back
# rematch_range on PostgreSQL: once this share of a chunk's rows had changed, the next chunk's
# stored digests are not read (every row goes to the write, which compares them itself).
WRITE_WHOLE = 0.9
_COMPARED = tuple(COLUMNS.index(c) for c in CHANGES)

# PostgreSQL: what is stored is compared one product at a time, as an MD5 of its rows' CHANGES
# in channel order, worked out by the database over the binary form of each column (big-endian,
# as struct packs them here). Reading back 40 rows per product into Python took more time than
# the engine (docs/performance.md, issue 14); one digest per product costs a fifth of that.
_ROW = struct.Struct(">q?hqhiq")  # channel_id, eligible, score, failed, star_level, version, fp
_DIGESTS = (
    "SELECT product_id, md5(string_agg("
    "int8send(channel_id) || boolsend(eligible) || int2send(score) || int8send(failed) || "
    "int2send(COALESCE(star_level, -1)::smallint) || int4send(requirement_version) || "
    "int8send(fingerprint), ''::bytea ORDER BY channel_id)) "
    "FROM {table} WHERE product_id = ANY(%s) AND channel_id = ANY(%s) GROUP BY product_id"
)


def _digests(rows: list[tuple]) -> dict[int, list[tuple]]:
    """The rows grouped by product, each group in channel order (what _DIGESTS hashes)."""
    groups: dict[int, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    for group in groups.values():
        group.sort(key=lambda row: row[1])
    return groups


def _digest(group: list[tuple]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    pack = _ROW.pack
    for row in group:
        stars = -1 if row[6] is None else row[6]
        digest.update(pack(row[1], row[2], row[3], row[4], stars, row[7], row[8]))
    return digest.hexdigest()


def _stored_digests(product_ids: list[int], channel_ids: list[int]) -> dict[int, str]:
    """PostgreSQL: product id -> digest of its stored rows for these channels (_DIGESTS), a
    query per 1,000 products. Products without stored rows are missing."""
    digests: dict[int, str] = {}
    sql = _DIGESTS.format(table=MatchResult._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(product_ids), READ_BACK):
            cursor.execute(sql, [product_ids[start : start + READ_BACK], channel_ids])
            digests.update(cursor.fetchall())
    return digests


def _changed(rows: list[tuple], stored_digests: dict[int, str] | None = None) -> list[tuple]:
    """The rows whose stored result may be missing or differ (CHANGES). On PostgreSQL: every
    row of each product whose stored rows (for these rows' channels) hash differently
    (`stored_digests` when the caller read them already, else read here); the write's own
    comparison (MERGE's or the upsert's) then writes only the rows that differ. Elsewhere:
    the rows that differ, read back in a query per 1,000 products.
    Cheaper than letting the upsert find out: on SQLite an upsert that changes nothing costs
    as much as one that does, and on PostgreSQL ON CONFLICT locks every row it meets (a WAL
    record and a dirty page each) even when its WHERE then skips it."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        groups = _digests(rows)
        if stored_digests is None:
            channel_ids = sorted({row[1] for row in rows})
            stored_digests = _stored_digests(sorted(groups), channel_ids)
        return [
            row
            for pid, group in groups.items()
            if stored_digests.get(pid) != _digest(group)
            for row in group
        ]
    product_ids = sorted({row[0] for row in rows})
    stored: dict[tuple[int, int], tuple] = {}
    for start in range(0, len(product_ids), READ_BACK):
        batch = product_ids[start : start + READ_BACK]
        found = MatchResult.objects.filter(product_id__in=batch).values_list(
            "product_id", "channel_id", *CHANGES
        )
        stored.update(((pid, cid), rest) for pid, cid, *rest in found)
    return [row for row in rows if stored.get((row[0], row[1])) != [row[i] for i in _COMPARED]]


def _upsert(rows: list[tuple], stored_digests: dict[int, str] | None = None) -> int:
    """Insert or update result rows (call inside a transaction); a row whose result did not
    change is left alone. Returns how many rows were written (inserted or changed)."""
    return _write(_changed(rows, stored_digests))


def _write_committed(rows: list[tuple]) -> int:
    """_write in a transaction of its own (the re-score's writing thread)."""
    with transaction.atomic():
        return _write(rows)


def _dated(scored: str, source: str) -> str:
    """A query of `scored` (SCORED) from `source` with the batch's dates added in SQL (as
    the VALUES path binds them): 3 parameters, as_of, computed_at and eligible_since."""
    return (
        f"SELECT {scored}, %s::date AS as_of, %s::timestamptz AS computed_at, "  # noqa: S608
        f"CASE WHEN eligible THEN %s::timestamptz END AS eligible_since FROM {source}"
    )


def _write(rows: list[tuple]) -> int:
    """Insert or update these rows (call inside a transaction); the database still leaves a
    row alone when it equals what is stored. Returns how many rows were written."""
    if not rows:
        return 0
    n = len(SCORED)  # then as_of, computed_at, eligible_since
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            scored = ", ".join(SCORED)
            dates = [rows[0][n], rows[0][n + 1], rows[0][n + 1]]
            if len(rows) < COPY_FROM:
                # A small batch (one product's edit: 40 rows) as one array per column: 12
                # parameters whatever the row count, where VALUES had 480 placeholders for
                # psycopg to parse and quote on every call (bench: a 40-row write 2.1-2.7 ms
                # as VALUES, 1.0-1.1 ms as arrays; docs/performance.md, issue 14).
                arrays = ", ".join(f"%s::{kind}[]" for kind in _COPY_TYPES)
                source = f"unnest({arrays}) AS s({scored})"
                columns = [[row[i] for row in rows] for i in range(n)]
                cursor.execute(_upsert_sql(_dated(scored, source)), [*dates, *columns])
                return cursor.rowcount
            table = MatchResult._meta.db_table
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP} ON COMMIT DELETE ROWS "  # noqa: S608
                f"AS SELECT {scored} FROM {table} WITH NO DATA"
            )
            # ON COMMIT DELETE ROWS empties it only at commit; inside a caller's transaction
            # a second batch must not meet the first one's rows.
            cursor.execute(f"TRUNCATE {_TEMP}")
            # Binary: neither side formats or parses the numbers as text. Only SCORED: not
            # converting 3 datetimes per row spares the re-score's engine thread, with which
            # this thread shares the interpreter.
            copy_sql = f"COPY {_TEMP} ({scored}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(copy_sql) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    copy.write_row(row[:n])
            source = _dated(scored, _TEMP)
            written = _merge(cursor, source, dates)
            if written is not None:
                return written
            cursor.execute(_upsert_sql(source), dates)
            return cursor.rowcount
        ops = connection.ops
        as_of = ops.adapt_datefield_value(rows[0][n])
        now = ops.adapt_datetimefield_value(rows[0][n + 1])
        one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        written = 0
        for start in range(0, len(rows), VALUES_BATCH):
            batch = rows[start : start + VALUES_BATCH]
            params = [v for row in batch for v in (*row[:n], as_of, now, now if row[2] else None)]
            cursor.execute(_upsert_sql("VALUES " + ", ".join([one] * len(batch))), params)
            written += cursor.rowcount
        return written


def rematch_products(product_ids: Iterable[int], *, as_of: dt.date | None = None) -> RematchSummary:
    """Re-score these products against every matched channel, straight away.

    Cheap (one product × 40 channels is a few milliseconds), so a producer's edit shows its new
    results on the next page. Products that are no longer matched lose their results.
    """
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    ids = set(product_ids)
    channels = active_channels()
    facts = product_facts(ids, as_of)
    now = timezone.now()
    rows = [row for f in facts for row in _rows_for(f, channels, as_of, now)]
    summary = RematchSummary(products=len(facts), pairs=len(rows))
    summary.eligible = sum(r[2] for r in rows)
    unmatched = ids - {f.product_id for f in facts}
    with transaction.atomic():
        # Results of channels no longer matched, or of products no longer on sale: one query.
        stale = MatchResult.objects.filter(product_id__in=ids).filter(
            ~Q(channel_id__in=[cid for cid, _ch in channels]) | Q(product_id__in=unmatched)
        )
        summary.removed = stale.delete()[0]
        summary.written = _upsert(rows)
    summary.lapsed = referrals_lapse(product_ids=ids)
    summary.seconds = time.perf_counter() - started
    return summary


Progress = Callable[[int, int], None]  # (products done, rows written) since the last call


def rematch_all(
    *,
    channel_ids: set[int] | None = None,
    as_of: dt.date | None = None,
    chunk: int = 2000,
    progress: Progress | None = None,
) -> RematchSummary:
    """Re-score every matchable product against every matched channel (or only `channel_ids`)
    in this process, a chunk of products per transaction so memory stays flat and readers are
    never blocked. Results of channels or products that are no longer matched are removed.
    (matching.runs spreads the same work over the task workers.)"""
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    summary = rematch_range(channel_ids=channel_ids, as_of=as_of, chunk=chunk, progress=progress)
    rematch_finish(channel_ids=channel_ids, summary=summary)
    summary.seconds = time.perf_counter() - started
    return summary


def rematch_range(
    *,
    first_id: int = 0,
    last_id: int | None = None,
    channel_ids: set[int] | None = None,
    as_of: dt.date,
    chunk: int = 2000,
    progress: Progress | None = None,
) -> RematchSummary:
    """Score the matchable products with first_id <= id <= last_id (None: no upper bound)
    against the matched channels (or only `channel_ids`) and store what changed, a chunk per
    transaction. `progress` is called after each chunk; it may raise to stop the work (a
    worker that lost its claim). Removes nothing and lapses nothing: see rematch_finish."""
    started = time.perf_counter()
    channels = active_channels()
    if channel_ids is not None:
        channels = [(cid, ch) for cid, ch in channels if cid in channel_ids]
    summary = RematchSummary()
    channel_ids_scored = sorted(cid for cid, _ch in channels)
    facts_chunks = iter_product_facts(as_of, chunk=chunk, first_id=first_id, last_id=last_id)
    # PostgreSQL, outside a transaction (a command, a worker): two more connections, each with
    # a thread of its own, do the database's share while this thread runs the engine (Python on
    # one core, PostgreSQL on the other). Chunk k's digests are read, and its changed rows
    # written (a transaction each), on connection k % 2, while chunk k + 1 is scored and chunk
    # k - 1 is still being written on the other: when nearly every row changes the writes cost
    # more than the engine, and two of them at once keep PostgreSQL busy between commits.
    # Inside a caller's transaction another connection could not see its uncommitted rows:
    # there the caller's connection does it all, in turn.
    helpers = (
        [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"rematch-db{n}") for n in (0, 1)]
        if connection.vendor == "postgresql" and not connection.in_atomic_block
        else []
    )
    # Writes under way, oldest first: the future, the chunk's products, its number, and its row
    # count if it was sent whole (without reading its digests; else 0).
    writing: deque[tuple[Future, int, int, int]] = deque()
    # The share of the latest chunk's rows that had changed, as its digests or its write showed.
    # The digests are a bet that most products are unchanged (the daily re-score, an edit that
    # moves a few hundred products); when nearly every product changed (a requirement version
    # on every channel, a new engine) reading and hashing them only delays the write, so the
    # next chunk goes to the write whole, whose own comparison still writes only what differs.
    # A chunk whose write shows fewer changes turns the digests back on.
    changed_share, share_of = 0.0, -1  # the share, and the number of the chunk it is from

    def learn(share: float, number: int) -> None:
        nonlocal changed_share, share_of
        if number > share_of:
            changed_share, share_of = share, number

    def account(facts_chunk: list, rows: list[tuple], written: int) -> None:
        summary.products += len(facts_chunk)
        summary.pairs += len(rows)
        summary.written += written
        summary.eligible += sum(r[2] for r in rows)

    def wait_for_write() -> None:
        future, products, number, whole = writing.popleft()
        written = future.result()
        summary.written += written
        if whole:
            learn(written / whole, number)
        if progress:
            progress(products, written)

    try:
        for number, facts_chunk in enumerate(facts_chunks):
            now = timezone.now()
            if not helpers:
                rows = [row for f in facts_chunk for row in _rows_for(f, channels, as_of, now)]
                with transaction.atomic():
                    written = _upsert(rows)
                account(facts_chunk, rows, written)
                if progress:
                    progress(len(facts_chunk), written)
                continue
            helper = helpers[number % 2]
            if len(writing) == 2:  # chunk k - 2's write, on this chunk's connection
                wait_for_write()
            digests = (
                None
                if changed_share >= WRITE_WHOLE
                else helper.submit(
                    _stored_digests, [f.product_id for f in facts_chunk], channel_ids_scored
                )
            )
            rows = [row for f in facts_chunk for row in _rows_for(f, channels, as_of, now)]
            if digests is None:
                changed = rows
            else:
                changed = _changed(rows, digests.result())
                learn(len(changed) / len(rows) if rows else 0.0, number)
            account(facts_chunk, rows, 0)
            whole = len(rows) if digests is None else 0
            writing.append(
                (helper.submit(_write_committed, changed), len(facts_chunk), number, whole)
            )
        while writing:
            wait_for_write()
    finally:
        for helper in helpers:
            # A write still under way is finished (or fails) before the thread's connection is
            # closed, by that thread (connections are per thread): no session is left behind.
            helper.submit(connections.close_all).result()
            helper.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary


def rematch_finish(
    *, channel_ids: set[int] | None, summary: RematchSummary, analyze: bool = True
) -> None:
    """The end of a full re-score, once: remove the results of channels and products that are
    no longer matched, lapse the referrals whose pair is no longer eligible, and refresh the
    planner's statistics. Fills in summary.removed and summary.lapsed."""
    summary.removed = _remove_unmatched(channel_ids)
    summary.lapsed = referrals_lapse()
    if analyze:
        analyze_results()


def analyze_results() -> None:
    if connection.vendor == "postgresql":
        # Fresh planner statistics after a full re-score: with stale ones the one-product
        # delete was planned for 130,000 rows and JIT-compiled (bench/: p95 34 ms -> 10.7 ms).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MatchResult._meta.db_table}")


def _remove_unmatched(channel_ids: set[int] | None) -> int:
    """Delete the results whose channel is no longer matched or whose product is no longer
    matchable (only in `channel_ids` when given). Found through the indexes that lead with the
    channel and with the product: two small deletes, not a scan of every result (one
    `NOT IN` over 9.2 M rows took 3.4 s of each national re-score, docs/performance.md)."""
    results = MatchResult.objects.all()
    if channel_ids is not None:
        results = results.filter(channel_id__in=channel_ids)
    matched = [cid for cid, _ch in active_channels()]
    unmatched = list(Channel.objects.exclude(pk__in=matched).values_list("pk", flat=True))
    removed = results.filter(channel_id__in=unmatched).delete()[0] if unmatched else 0
    # NOT EXISTS, not NOT IN: the planner then sees how few products are off sale and probes
    # the pair index for each, where NOT IN made it guess half of them and scan every result.
    off_sale = Product.objects.filter(~Exists(matchable_products().filter(pk=OuterRef("pk"))))
    off_sale = off_sale.values("pk")
    return removed + results.filter(product_id__in=off_sale).delete()[0]


def stale_product_ids(*, as_of: dt.date | None = None, limit: int | None = None) -> list[int]:
    """Products whose stored results no longer match their facts or the channels' versions."""
    as_of = as_of or timezone.localdate()
    versions = {cid: ch.version for cid, ch in active_channels()}
    stale: set[int] = set()
    for facts_chunk in iter_product_facts(as_of):
        by_id = {f.product_id: fingerprint(f, as_of) for f in facts_chunk}
        stored = MatchResult.objects.filter(product_id__in=by_id).values_list(
            "product_id", "channel_id", "requirement_version", "fingerprint"
        )
        seen: dict[int, set[int]] = {}
        for product_id, channel_id, version, digest in stored:
            seen.setdefault(product_id, set()).add(channel_id)
            if digest != by_id[product_id] or versions.get(channel_id) != version:
                stale.add(product_id)
        stale.update(pid for pid in by_id if seen.get(pid, set()) != set(versions))
        if limit and len(stale) >= limit:
            break
    return sorted(stale)


def rematch_expired(*, as_of: dt.date | None = None, window_days: int = 7) -> RematchSummary:
    """The daily job: re-score products whose certificates expired (or whose star rating went
    stale) since the results were computed. Looks back `window_days`, so a missed day or two
    is caught up."""
    from producers.models import Certification, Product

    as_of = as_of or timezone.localdate()
    since = as_of - dt.timedelta(days=window_days)
    expired = Certification.objects.filter(expires_on__gte=since, expires_on__lt=as_of)
    product_ids = set(
        Product.objects.filter(producer__certifications__in=expired).values_list("id", flat=True)
    )
    if as_of.month == 1 and as_of.day <= window_days:
        # Star ratings go stale on the first of January of the year after their round.
        product_ids |= set(
            MatchResult.objects.filter(star_level__isnull=False).values_list(
                "product_id", flat=True
            )
        )
    return rematch_products(product_ids, as_of=as_of)


# --- Referrals ------------------------------------------------------------------------------

S = ReferralState
OFFICER, PRODUCER, PARTNER, SYSTEM = "officer", "producer", "partner", "system"

# (from, to) -> who may make that move. Withdrawing is possible any time before "listed".
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PROPOSED, S.APPROVED): frozenset({OFFICER}),
    (S.PROPOSED, S.REJECTED): frozenset({OFFICER}),
    (S.APPROVED, S.SENT): frozenset({OFFICER}),
    (S.SENT, S.ACCEPTED): frozenset({PARTNER}),
    (S.SENT, S.DECLINED): frozenset({PARTNER}),
    (S.ACCEPTED, S.LISTED): frozenset({PARTNER}),
    **{
        (s, S.WITHDRAWN): frozenset({OFFICER, PRODUCER, SYSTEM})  # system: the partner left
        for s in (S.PROPOSED, S.APPROVED, S.SENT, S.ACCEPTED)
    },
    **{(s, S.LAPSED): frozenset({SYSTEM}) for s in (S.PROPOSED, S.APPROVED, S.SENT, S.ACCEPTED)},
}


class ReferralError(ValidationError):
    """A move that is not allowed, or that someone else made first; the message says which."""


def _capacities(user, referral: Referral) -> set[str]:
    """In which capacities this user may act on this referral (scope included)."""
    if user is None:
        return {SYSTEM}
    caps = set()
    producer = referral.product.producer
    if user.role == Role.ADMIN or (
        user.role == Role.OFFICER
        and (user.is_national_officer or user.provinces.filter(pk=producer.province_id).exists())
    ):
        caps.add(OFFICER)
    if user.role == Role.PRODUCER and producer.user_id == user.pk:
        caps.add(PRODUCER)
    if user.role == Role.PARTNER and user.partner_id == referral.channel.partner_id:
        caps.add(PARTNER)
    return caps


def _actor_label(user) -> str:
    """Who moved a referral, as others may read it: the full name, or the role, never the email
    (producers and partner members read these messages)."""
    return user.full_name or str(Role(user.role).label)


referral_capacities = _capacities  # the pages ask which moves to offer; the service decides


def referral_moves_open_to(user, referral: Referral) -> list[str]:
    """The states this user may move this referral to now, for the pages and the API to offer
    (referral_transition checks again when the move is made)."""
    capacities = _capacities(user, referral)
    if SYSTEM in capacities:
        return []
    return [
        to for (frm, to), who in TRANSITIONS.items() if frm == referral.state and who & capacities
    ]


@transaction.atomic
def referral_propose(*, product, channel, by, note: str = "") -> Referral:
    """Put an eligible product forward to a channel: by an officer of its province, or asked
    for by its producer. One open referral per pair."""
    result = MatchResult.objects.filter(product=product, channel=channel).first()
    if result is None or not result.eligible:
        raise ReferralError(_("This product does not meet this channel's requirements yet."))
    referral = Referral(product=product, channel=channel, proposed_by=by)
    if not _capacities(by, referral) & {OFFICER, PRODUCER}:
        raise ReferralError(_("You cannot propose this product."), code="not_allowed")
    if product.producer.status != ProducerStatus.VERIFIED:
        raise ReferralError(_("The producer's registration must be verified by an officer first."))
    if Referral.objects.filter(product=product, channel=channel, state__in=OPEN_STATES).exists():
        raise ReferralError(_("This product already has an open referral to this channel."))
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:  # a concurrent proposal won the unique constraint
        raise ReferralError(
            _("This product already has an open referral to this channel.")
        ) from None
    ReferralEvent.objects.create(referral=referral, actor=by, to_state=S.PROPOSED, note=note)
    counts_changed(REFERRALS)  # the lists' and queues' counts (otop_portal/counts.py)
    return referral


@transaction.atomic
def referral_transition(
    *,
    referral_id: int,
    to_state: str,
    by,
    note: str = "",
    reason: str = "",
    reason_code: str = "",
    listing_url: str = "",
    listed_on: dt.date | None = None,
) -> Referral:
    """Move a referral to `to_state`: the row is locked, the move checked against its state and
    the actor's role and scope, and the audit entry written in the same transaction. Of two
    people acting at once, the second finds the new state and gets a ReferralError saying who
    moved it first. A decline needs a reason: one of the common ones (`reason_code`, a
    DeclineReason), words of the partner's own (`reason`), or both; "other" needs the words."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("product__producer", "channel")
        .get(pk=referral_id)
    )
    allowed = TRANSITIONS.get((referral.state, to_state))
    if allowed is None:
        last = referral.events.order_by("-created_at", "-pk").select_related("actor").first()
        who = _actor_label(last.actor) if last and last.actor else _("the portal")
        raise ReferralError(
            _("This referral is already “%(state)s” (by %(who)s); it cannot become “%(to)s”.")
            % {"state": referral.get_state_display(), "who": who, "to": S(to_state).label},
            code="conflict",
        )
    if not _capacities(by, referral) & allowed:
        raise ReferralError(_("You cannot make this change to this referral."), code="not_allowed")
    if to_state == S.REJECTED and not note.strip():
        raise ReferralError(_("Say why it is rejected: the producer reads it."))
    if reason_code and reason_code not in DeclineReason.values:
        raise ReferralError(_("Choose one of the reasons in the list."))
    if to_state == S.DECLINED and (
        not (reason.strip() or reason_code)
        or (reason_code == DeclineReason.OTHER and not reason.strip())
    ):
        raise ReferralError(
            _("Say why the product is declined: the officer and the producer read it.")
        )
    if to_state == S.LISTED and not (listing_url and listed_on):
        raise ReferralError(_("Give the listing link and the date it went on sale."))
    from_state = referral.state
    referral.state = to_state
    if to_state == S.DECLINED:
        referral.decline_code, referral.decline_reason = reason_code, reason.strip()
    if to_state == S.LISTED:
        referral.listing_url, referral.listed_on = listing_url, listed_on
    if to_state == S.SENT:
        referral.sent_at = timezone.now()
    referral.full_clean(exclude=["product", "channel", "proposed_by"])
    referral.save()
    event_note = _event_note(referral, note, reason)
    ReferralEvent.objects.create(
        referral=referral, actor=by, from_state=from_state, to_state=to_state, note=event_note
    )
    counts_changed(REFERRALS)
    from matching.notifications import notify_referral_change

    # In the same transaction: the move and the people told are one change (a rolled-back move,
    # or one refused in a bulk batch, tells nobody). The emails go after the commit.
    # The producer reads the common reason in their own language (from decline_code); the
    # note carries the partner's own words.
    told = reason.strip() if to_state == S.DECLINED else event_note
    notify_referral_change(referral_id=referral.pk, to_state=to_state, note=told)
    return referral


def _event_note(referral: Referral, note: str, reason: str) -> str:
    """What the audit entry says: the note, or the decline's reason (its common reason in
    the portal's words, then the partner's own)."""
    if referral.state != S.DECLINED:
        return (note or reason).strip()
    parts = [str(referral.get_decline_code_display())] if referral.decline_code else []
    return " — ".join([*parts, reason.strip()] if reason.strip() else parts)


# While the partner may ask the officers about a referral: from "sent" until it ends.
PARTNER_ASKS_IN = (S.SENT, S.ACCEPTED, S.LISTED)


@transaction.atomic
def referral_message(*, referral_id: int, by, text: str) -> ReferralMessage:
    """A question from the partner to the officers about a referral they were sent, or an
    officer's answer. The partner may ask once the referral was sent to them (until it ends);
    officers of the product's province answer. The other side is notified."""
    text = (text or "").strip()
    if not text:
        raise ReferralError(_("Write your question or answer first."))
    if len(text) > 2000:
        raise ReferralError(_("Keep the message under 2,000 characters."))
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("product__producer", "channel")
        .get(pk=referral_id)
    )
    caps = _capacities(by, referral)
    partner_may = PARTNER in caps and referral.state in PARTNER_ASKS_IN
    if not (partner_may or OFFICER in caps):
        raise ReferralError(_("You cannot write about this referral."), code="not_allowed")
    message = ReferralMessage.objects.create(referral=referral, author=by, text=text)
    from matching.notifications import notify_referral_message

    notify_referral_message(message)
    return message


@dataclass
class BulkOutcome:
    changed: list[int]
    refused: list[tuple[int, str]]  # (referral id, why)


@transaction.atomic
def referrals_bulk_transition(
    *,
    referral_ids: Iterable[int],
    to_state: str,
    by,
    note: str = "",
    reason: str = "",
    reason_code: str = "",
) -> BulkOutcome:
    """The same move for many referrals with one note (or, for a partner's decline, one
    reason). Each one is checked and moved on its own (a savepoint each): the refused ones are
    listed with the reason, the others change. An unexpected error rolls the whole batch back,
    so nothing is left half-done."""
    outcome = BulkOutcome(changed=[], refused=[])
    for referral_id in sorted(set(referral_ids)):  # a fixed order: no lock-order deadlocks
        try:
            with transaction.atomic():
                referral_transition(
                    referral_id=referral_id,
                    to_state=to_state,
                    by=by,
                    note=note,
                    reason=reason,
                    reason_code=reason_code,
                )
        except ReferralError as exc:
            outcome.refused.append((referral_id, " ".join(exc.messages)))
        except Referral.DoesNotExist:
            outcome.refused.append((referral_id, _("This referral does not exist.")))
        else:
            outcome.changed.append(referral_id)
    return outcome


def referrals_lapse(*, product_ids: Iterable[int] | None = None) -> int:
    """Open referrals (before "listed") whose pair is no longer eligible are marked lapsed by
    the system, with the reason in the audit trail; never deleted. Returns how many."""
    lapsable = [S.PROPOSED, S.APPROVED, S.SENT, S.ACCEPTED]
    gone = Referral.objects.filter(state__in=lapsable).exclude(
        Exists(
            MatchResult.objects.filter(
                product_id=OuterRef("product_id"), channel_id=OuterRef("channel_id"), eligible=True
            )
        )
    )
    if product_ids is not None:
        gone = gone.filter(product_id__in=list(product_ids))
    count = 0
    for referral_id in gone.values_list("pk", flat=True):
        with transaction.atomic():
            try:
                referral_transition(
                    referral_id=referral_id,
                    to_state=S.LAPSED,
                    by=None,
                    note=_("The product no longer meets the channel's requirements."),
                )
            except ReferralError:
                continue  # moved on by someone else meanwhile
            count += 1
    return count


@transaction.atomic
def referrals_bulk_propose(
    *,
    pairs: Iterable[tuple],
    by,
    note: str = "",
    then: str | None = None,
) -> BulkOutcome:
    """Turn many candidates (product, channel) into referrals with one note, and approve them at
    once if asked (`then="approved"`; `then="rejected"` puts them on the record as rejected,
    the note being the reason). Each pair is proposed and moved in a
    savepoint of its own, in a fixed order (product id, channel id): a pair is referred whole
    or not at all, the refused ones are listed with the reason, an unexpected error rolls the
    whole batch back. The note goes with the last move of each pair.

    `changed` lists the new referrals' ids; `refused` lists ("<product id>:<channel id>", why).
    """
    if then not in (None, S.APPROVED, S.REJECTED):
        raise ValueError(f"referrals_bulk_propose: then={then!r}")
    outcome = BulkOutcome(changed=[], refused=[])
    unique = {(product.pk, channel.pk): (product, channel) for product, channel in pairs}
    for key in sorted(unique):
        product, channel = unique[key]
        try:
            with transaction.atomic():
                referral = referral_propose(
                    product=product, channel=channel, by=by, note="" if then else note
                )
                if then:
                    referral_transition(referral_id=referral.pk, to_state=then, by=by, note=note)
        except ReferralError as exc:
            outcome.refused.append((f"{key[0]}:{key[1]}", " ".join(exc.messages)))
        else:
            outcome.changed.append(referral.pk)
    return outcome


def referrals_withdraw_for_partner(*, partner) -> int:
    """Withdraw (never delete) the partner's open referrals when it leaves the MOU, in the
    transaction of partners.services.partner_set_status (through partners.signals.partner_left),
    with an audit entry each. Listed ones stay listed."""
    open_states = [
        ReferralState.PROPOSED,
        ReferralState.APPROVED,
        ReferralState.SENT,
        ReferralState.ACCEPTED,
    ]
    ids = Referral.objects.filter(channel__partner=partner, state__in=open_states).values_list(
        "pk", flat=True
    )
    for referral_id in sorted(ids):
        referral_transition(
            referral_id=referral_id,
            to_state=ReferralState.WITHDRAWN,
            by=None,
            note=_("The partner left the MOU."),
        )
    return len(ids)
