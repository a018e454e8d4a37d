#!/usr/bin/env python
"""Measure matching against a seeded benchmark database (see bench/seed.py) and print a table.

    DJANGO_DEBUG=true .venv/bin/python bench/run.py [--database-url postgres://...] \
        [--phases rescore,floor,rescore,single,pages] [--singles 1000] [--breakdown 50000]

Each phase runs in a child process of its own, so its peak RSS (ru_maxrss of that process,
which is what the 1 GB target means) is its own and not the sum of everything before it.

Phases:
  rescore   matching.services.rematch_all(): wall time, pairs/s, peak RSS. The first run on a
            fresh database inserts every row ("cold"); later runs update them ("warm").
  floor     the I/O floor: the same reads (iter_product_facts, active_channels) and the same
            number of result rows written through the same path (services._upsert, one
            transaction per chunk), with constant results instead of the engine.
  analyze   ANALYZE: fresh planner statistics, as autovacuum would leave them.
  rawfloor  the same reads, rows written the cheapest way (bench/prototype.py: COPY for every
            batch on PostgreSQL, executemany on SQLite), for comparison.
  read      the reads alone (iter_product_facts over every product).
  single    rematch_products([id]) for N random matchable products, write included: p50/p95.
  pages     the producer product page and the officer candidate list: queries and time.
  breakdown where a re-score spends its time, stage by stage, over the first N products, plus
            a cProfile of the same work (top functions).
  fast      the prototype in bench/prototype.py that services.py adopted (commit d292bdb);
            kept to compare with.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed import OUT, ROOT, database_url_for, setup_django

DEFAULT_PHASES = "analyze,rescore,floor,rescore,rawfloor,read,single,pages"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- Measurements (importable: tests/bench calls them on a tiny data set) ------------------------


def measure_rescore() -> dict:
    from matching.models import MatchResult
    from matching.services import rematch_all

    state = "warm" if MatchResult.objects.exists() else "cold"
    summary = rematch_all()
    return {
        "state": state,
        "seconds": summary.seconds,
        "products": summary.products,
        "pairs": summary.pairs,
        "written": summary.written,
        "pairs_per_s": summary.pairs / summary.seconds if summary.seconds else 0.0,
        "eligible": summary.eligible,
    }


def bump_requirement_versions() -> dict:
    """Every channel gets a new requirement version with the same rules, so that every stored
    result differs (its requirement_version) and the next re-score must write every row. The
    matching receivers are bypassed (bulk_create, update): nothing is re-scored here."""
    from django.db import transaction
    from django.db.models import F

    from partners.models import ChannelRequirement, RequirementVersion

    started = time.perf_counter()
    with transaction.atomic():
        current = list(RequirementVersion.objects.filter(number=F("channel__requirement__version")))
        RequirementVersion.objects.bulk_create(
            RequirementVersion(
                channel_id=v.channel_id,
                number=v.number + 1,
                snapshot={**v.snapshot, "version": v.number + 1},
                note="bench: same rules, new version",
            )
            for v in current
        )
        ChannelRequirement.objects.update(version=F("version") + 1)
    return {"seconds": time.perf_counter() - started, "channels": len(current)}


def measure_engine(chunk: int = 2000) -> dict:
    """The reads, and the engine alone (services._rows_for: fingerprint, evaluate_all, the row
    tuples) on what they read, timed apart in one pass; nothing is written."""
    from django.utils import timezone

    from matching.selectors import active_channels, iter_product_facts
    from matching.services import _rows_for

    as_of = timezone.localdate()
    clock = time.perf_counter
    started = t = clock()
    channels = active_channels()
    read_s = engine_s = 0.0
    products = pairs = 0
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        read_s += clock() - t
        t = clock()
        now = timezone.now()
        pairs += sum(len(_rows_for(f, channels, as_of, now)) for f in facts_chunk)
        engine_s += clock() - t
        products += len(facts_chunk)
        t = clock()
    read_s += clock() - t
    return {
        "seconds": clock() - started,
        "read_s": read_s,
        "engine_s": engine_s,
        "products": products,
        "pairs": pairs,
    }


def measure_copyfloor(chunk: int = 2000) -> dict:
    """The physical floor of writing a full re-score's rows: the same number of rows, in the
    same chunks, written in the cheapest way into a fresh table that has the result table's
    primary key and no other index (PostgreSQL: COPY; SQLite: executemany of a plain INSERT
    into a rowid table). Only the writes are timed (write_s); the reads that produce the rows
    are the same as the re-score's and are reported apart (seconds - write_s). The table is
    dropped at the end."""
    from django.db import connection, transaction
    from django.utils import timezone

    from matching.selectors import active_channels, iter_product_facts
    from matching.services import COLUMNS

    table, cols = "bench_copy_floor", ", ".join(COLUMNS)
    types = ["bigint", "bigint", "boolean", "smallint", "bigint", "smallint", "smallint"]
    types += ["integer", "bigint", "date", "timestamptz", "timestamptz"]
    clock = time.perf_counter
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if connection.vendor == "postgresql":
            body = ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, types, strict=True))
            cursor.execute(
                f"CREATE TABLE {table} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                f"{body})"
            )
        else:
            cursor.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, {cols})")
    as_of = timezone.localdate()
    started = clock()
    channels = active_channels()
    write_s = 0.0
    pairs = 0
    insert = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        rows = _constant_rows(facts_chunk, channels, as_of, timezone.now())
        t = clock()
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(insert, rows)
        write_s += clock() - t
        pairs += len(rows)
    seconds = clock() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return {"seconds": seconds, "write_s": write_s, "pairs": pairs}


def vacuum() -> dict:
    """VACUUM ANALYZE of the result table (PostgreSQL; autovacuum is off on this machine), so
    that the dead rows of a full rewrite do not weigh on the next phase."""
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # VACUUM cannot run in a transaction (the bench's smoke test runs in one): ANALYZE can.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(f"{statement} matching_matchresult")
    return {"seconds": time.perf_counter() - started}


def _constant_rows(facts_chunk, channels, as_of, now) -> list[tuple]:
    """The rows rematch_all writes (services.COLUMNS order), with constant results."""
    return [
        (f.product_id, channel_id, False, 0, 0, 0, f.star_level, ch.version, 0, as_of, now, None)
        for f in facts_chunk
        for channel_id, ch in channels
    ]


def measure_floor(chunk: int = 2000) -> dict:
    """Same reads, same number of rows through services._upsert, no engine, no fingerprint."""
    from django.db import transaction
    from django.utils import timezone

    from matching.selectors import active_channels, iter_product_facts
    from matching.services import _upsert

    started = time.perf_counter()
    as_of = timezone.localdate()
    channels = active_channels()
    products = pairs = 0
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        rows = _constant_rows(facts_chunk, channels, as_of, timezone.now())
        with transaction.atomic():
            _upsert(rows)
        products += len(facts_chunk)
        pairs += len(rows)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "products": products,
        "pairs": pairs,
        "pairs_per_s": pairs / seconds if seconds else 0.0,
    }


def measure_rawfloor(chunk: int = 2000) -> dict:
    """Same reads; the same rows written as tuples with plain SQL (bench/prototype.py)."""
    from django.db import transaction
    from django.utils import timezone
    from prototype import upsert_tuples

    from matching.selectors import active_channels, iter_product_facts

    started = time.perf_counter()
    as_of = timezone.localdate()
    channels = active_channels()
    products = pairs = 0
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        rows = _constant_rows(facts_chunk, channels, as_of, timezone.now())
        with transaction.atomic():
            upsert_tuples(rows)
        products += len(facts_chunk)
        pairs += len(rows)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "products": products,
        "pairs": pairs,
        "pairs_per_s": pairs / seconds if seconds else 0.0,
    }


def measure_read(chunk: int = 2000) -> dict:
    from django.utils import timezone

    from matching.selectors import active_channels, iter_product_facts

    started = time.perf_counter()
    as_of = timezone.localdate()
    active_channels()
    products = sum(len(c) for c in iter_product_facts(as_of, chunk=chunk))
    return {"seconds": time.perf_counter() - started, "products": products}


def measure_fast(chunk: int = 2000) -> dict:
    from prototype import rematch_all_fast

    summary = rematch_all_fast(chunk=chunk)
    return {
        "seconds": summary.seconds,
        "products": summary.products,
        "pairs": summary.pairs,
        "pairs_per_s": summary.pairs / summary.seconds if summary.seconds else 0.0,
        "eligible": summary.eligible,
    }


def _sample_products(n: int, seed: int) -> list[int]:
    from matching.selectors import matchable_products

    ids = list(matchable_products().values_list("id", flat=True))
    rng = random.Random(seed)
    return rng.sample(ids, min(n, len(ids)))


def _percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
    }


def measure_single(n: int = 1000, seed: int = 7) -> dict:
    """rematch_products([id]) one product at a time, the write included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.services import rematch_products

    ids = _sample_products(n, seed)
    rematch_products([ids[0]])  # warm the compiled-channel cache and the connection
    with CaptureQueriesContext(connection) as ctx:
        rematch_products([ids[0]])
    samples = []
    written = 0
    for pid in ids:
        started = time.perf_counter()
        written += rematch_products([pid]).written
        samples.append((time.perf_counter() - started) * 1000)
    return {**_percentiles(samples), "queries": len(ctx.captured_queries), "written": written}


def measure_single_changed(n: int = 1000, seed: int = 8) -> dict:
    """rematch_products([id]) after the product's price changed (behind the receivers' back,
    untimed), so that every one of its results is written again: the write is a real one."""
    from django.db.models import F

    from matching.services import rematch_products
    from producers.models import Product

    ids = _sample_products(n, seed)
    rematch_products([ids[0]])
    samples = []
    written = 0
    for pid in ids:
        Product.objects.filter(pk=pid).update(price=F("price") + 1)
        started = time.perf_counter()
        written += rematch_products([pid]).written
        samples.append((time.perf_counter() - started) * 1000)
    return {**_percentiles(samples), "written": written}


def _worker_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        # DEBUG off, as in production: with it on every worker keeps each SQL statement it
        # runs in connection.queries (the bench's own phases turn it off after setup).
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
    }


def start_db_worker(worker_id: str, env: dict, interval: float = 0.2) -> subprocess.Popen:
    """`manage.py db_worker` in a process of its own, polling every `interval` seconds."""
    args = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", str(interval)]
    args += ["--worker-id", worker_id, "--verbosity", "0"]
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env)  # noqa: S603


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_workers(counts: str = "1,2,4", range_size: int = 5000) -> dict:
    """A full re-score as a run of product ranges (matching.runs) shared by 1, 2 and 4
    `manage.py db_worker` processes: workers started and idle first, then the run is queued,
    timed from the enqueue to the run's end (cleanup and lapse included). Peak RSS per
    worker from /proc (VmHWM)."""
    import signal

    from django.conf import settings
    from django.db import connection

    from matching.runs import rematch_run_enqueue, rematch_run_start

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    url = os.environ["DATABASE_URL"]
    out: dict = {}
    for n in [int(c) for c in counts.split(",")]:
        workers = [start_db_worker(f"bench-{n}-{i}", _worker_env(url)) for i in range(n)]
        time.sleep(4)  # Django loaded, polling the queue
        run, _created = rematch_run_start(range_size=range_size)
        started = time.perf_counter()
        rematch_run_enqueue(run)
        while True:
            run.refresh_from_db()
            if run.status != "running":
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        rss = [_hwm_mb(w.pid) for w in workers]
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(30)
        connection.close()
        out[str(n)] = {
            "seconds": seconds,
            "pairs": run.pairs,
            "written": run.written,
            "ranges": run.ranges_total,
            "status": run.status,
            "worker_peak_rss_mb": max(rss),
        }
    return out


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _page(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, sessions, compiled channels
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    # Read now: a later request resets the connection's query log that captured_queries slices.
    queries = len(ctx.captured_queries)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "url": url,
        "status": response.status_code,
        "queries": queries,
        "median_ms": statistics.median(samples),
        "max_ms": max(samples),
    }


def measure_pages(repeat: int = 20, seed: int = 7) -> dict:
    """The producer's product page and the officer's candidate list, logged in as they are."""
    from django.db.models import Count
    from django.test.utils import setup_test_environment
    from django.urls import NoReverseMatch, reverse

    from matching.selectors import matchable_products
    from otop_portal.models import Role, User
    from producers.models import Product

    # Allows the test client's host and keeps the real settings; under pytest it is done already.
    with contextlib.suppress(RuntimeError):
        setup_test_environment()
    out: dict = {}

    # Producer pages: products of producers with the fewest and the most products and
    # certificates, to show the query count does not follow the data.
    sample = _sample_products(10, seed)
    biggest = (
        matchable_products().values("producer_id").annotate(n=Count("id")).order_by("-n").first()
    )
    if biggest:
        sample.append(
            matchable_products()
            .filter(producer_id=biggest["producer_id"])
            .values_list("id", flat=True)
            .first()
        )
    most_certs = (
        matchable_products()
        .annotate(n=Count("producer__certifications"))
        .order_by("-n")
        .values_list("id", flat=True)
        .first()
    )
    if most_certs:
        sample.append(most_certs)
    pages = []
    for pid in sample:
        product = Product.objects.select_related("producer__user").get(pk=pid)
        client = _client_for(product.producer.user)
        pages.append(_page(client, f"/producer/products/{pid}/", repeat))
    out["producer_product"] = {
        "samples": len(pages),
        "status": sorted({p["status"] for p in pages}),
        "queries_min": min(p["queries"] for p in pages),
        "queries_max": max(p["queries"] for p in pages),
        "median_ms": statistics.median(p["median_ms"] for p in pages),
        "max_ms": max(p["max_ms"] for p in pages),
    }

    officer = (
        User.objects.filter(
            role=Role.OFFICER, is_national_officer=False, email__startswith="officer-"
        )
        .prefetch_related("provinces")
        .first()
    )
    try:
        url = reverse("matching:officer_candidates")
    except NoReverseMatch as exc:
        out["officer_candidates"] = {"skipped": f"route not available yet ({exc})"}
    else:
        if officer is None:
            out["officer_candidates"] = {"skipped": "no bench officer (seed first)"}
        else:
            client = _client_for(officer)
            result = _page(client, url, repeat)
            # A later page of the same list must cost the same.
            later = _page(client, f"{url}?page=5", max(3, repeat // 4))
            out["officer_candidates"] = {
                **result,
                "province": officer.provinces.first().code,
                "page5_queries": later["queries"],
                "page5_status": later["status"],
            }
    return out


def measure_breakdown(limit: int = 50_000, chunk: int = 2000, profile: bool = True) -> dict:
    """A re-score of the first `limit` products cut into its stages (same calls as rematch_all),
    then the same work under cProfile."""
    import cProfile
    import io
    import pstats

    from django.db import transaction
    from django.utils import timezone

    from matching.engine import evaluate_all
    from matching.selectors import active_channels, fingerprint, iter_product_facts
    from matching.services import _rows_for, _upsert

    as_of = timezone.localdate()
    channels = active_channels()
    compiled = [ch for _id, ch in channels]
    stages = dict.fromkeys(("read", "fingerprint", "engine", "rows", "write"), 0.0)
    products = 0
    clock = time.perf_counter
    t = clock()
    for facts_chunk in iter_product_facts(as_of, chunk=chunk):
        stages["read"] += clock() - t
        t = clock()
        for f in facts_chunk:
            fingerprint(f, as_of)
        stages["fingerprint"] += clock() - t
        t = clock()
        for f in facts_chunk:
            evaluate_all(compiled, f, as_of)
        stages["engine"] += clock() - t
        t = clock()
        now = timezone.now()
        rows = [row for f in facts_chunk for row in _rows_for(f, channels, as_of, now)]
        # _rows_for = fingerprint + engine + the row tuples: subtract the two measured above.
        stages["rows"] += clock() - t
        t = clock()
        with transaction.atomic():
            _upsert(rows)
        stages["write"] += clock() - t
        products += len(facts_chunk)
        if products >= limit:
            break
        t = clock()
    stages["rows"] -= stages["fingerprint"] + stages["engine"]
    total = sum(stages.values())
    out = {
        "products": products,
        "pairs": products * len(channels),
        "total_s": total,
        "stages_s": stages,
        "stages_pct": {k: 100 * v / total for k, v in stages.items()},
    }
    if profile:
        prof = cProfile.Profile()
        done = 0
        prof.enable()
        for facts_chunk in iter_product_facts(as_of, chunk=chunk):
            now = timezone.now()
            rows = [row for f in facts_chunk for row in _rows_for(f, channels, as_of, now)]
            with transaction.atomic():
                _upsert(rows)
            done += len(facts_chunk)
            if done >= min(limit, 20_000):
                break
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(18)
        out["profile_products"] = done
        out["profile"] = buf.getvalue()
    return out


def analyze() -> dict:
    """What autovacuum would have done after a bulk write (it is off on the CI machine's
    PostgreSQL): fresh planner statistics. Without them the planner, still counting the result
    table as empty or as it was, misestimates and PostgreSQL's JIT adds ~20-50 ms to the
    one-product delete."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seconds": time.perf_counter() - started}


PHASES = {
    "analyze": analyze,
    "vacuum": vacuum,
    "bump": bump_requirement_versions,
    "engine": measure_engine,
    "copyfloor": measure_copyfloor,
    "singlechanged": measure_single_changed,
    "workers": measure_workers,
    "rescore": measure_rescore,
    "floor": measure_floor,
    "rawfloor": measure_rawfloor,
    "read": measure_read,
    "fast": measure_fast,
    "single": measure_single,
    "pages": measure_pages,
    "breakdown": measure_breakdown,
}


def _run_phase(name: str, args) -> dict:
    """In this (child) process: one phase, with its memory figures."""
    setup_django(args.database_url)
    from django.db import connection

    kwargs = {}
    if name in ("single", "singlechanged"):
        kwargs["n"] = args.singles
    elif name == "workers":
        kwargs["counts"] = args.workers
    elif name == "pages":
        kwargs["repeat"] = args.page_repeat
    elif name == "breakdown":
        kwargs["limit"] = args.breakdown
    base = _rss_mb()
    result = PHASES[name](**kwargs)
    result.update(vendor=connection.vendor, rss_before_mb=base, peak_rss_mb=_peak_rss_mb())
    return result


def _spawn(name: str, args) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--database-url",
        database_url_for(args.database_url),
        "--singles",
        str(args.singles),
        "--page-repeat",
        str(args.page_repeat),
        "--breakdown",
        str(args.breakdown),
        "--workers",
        args.workers,
    ]
    proc = subprocess.run(  # noqa: S603 - our own script, our own arguments
        cmd, capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(), check=False
    )
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed",
            "stderr": proc.stderr[-3000:],
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _nearest(results: list[tuple[str, dict]], at: int, name: str) -> dict | None:
    """The phase `name` measured nearest to results[at] (the earlier one on a tie)."""
    found = [(abs(i - at), i) for i, (n, r) in enumerate(results) if n == name and "error" not in r]
    return results[min(found)[1]][1] if found else None


def _target_ratios(results: list[tuple[str, dict]]) -> list[str]:
    """Issue 14's ratios, one line per full re-score that had unchanged inputs (under 1 % of
    its rows written) or in which every row changed (99 % or more), each against the floor
    measured nearest to it in the same run. A re-score in between has no target."""
    lines = []
    for at, (name, r) in enumerate(results):
        if name != "rescore" or "error" in r or "written" not in r:
            continue
        if r["written"] * 100 < r["pairs"]:
            engine = _nearest(results, at, "engine")
            if engine:
                floor = engine["read_s"] + engine["engine_s"]
                lines.append(
                    f"| ratio unchanged re-score / (reads + engine) | {r['seconds']:.1f} s / "
                    f"{floor:.1f} s = {r['seconds'] / floor:.2f} (target ≤ 1.5) |"
                )
        elif r["written"] * 100 >= 99 * r["pairs"]:
            copy = _nearest(results, at, "copyfloor")
            if copy:
                lines.append(
                    f"| ratio every-row-changed re-score / COPY | {r['seconds']:.1f} s / "
                    f"{copy['write_s']:.1f} s = {r['seconds'] / copy['write_s']:.2f} "
                    f"(target ≤ 2) |"
                )
    return lines


def _fmt_table(results: list[tuple[str, dict]]) -> str:
    lines = ["| measurement | figure |", "|---|---|"]
    by = {}
    for name, r in results:
        if "error" in r:
            lines.append(f"| {name} | ERROR: {r['error']} |")
            continue
        if name == "rescore":
            label = f"full re-score, rematch_all ({r['state']})"
            by.setdefault(f"rescore_{r['state']}", r)
            lines.append(
                f"| {label} | {r['seconds']:.1f} s, {r['pairs']:,} pairs scored, "
                f"{r.get('written', 0):,} written, "
                f"{r['pairs_per_s']:,.0f} pairs/s, peak RSS {r['peak_rss_mb']:.0f} MB |"
            )
        elif name == "engine":
            by[name] = r
            lines.append(
                f"| reads + engine, nothing written | reads {r['read_s']:.1f} s + engine "
                f"{r['engine_s']:.1f} s = {r['read_s'] + r['engine_s']:.1f} s, "
                f"{r['pairs']:,} pairs, peak RSS {r['peak_rss_mb']:.0f} MB |"
            )
        elif name == "copyfloor":
            by[name] = r
            lines.append(
                f"| COPY floor: {r['pairs']:,} rows into a table with a primary key only | "
                f"writes {r['write_s']:.1f} s (phase {r['seconds']:.1f} s with its reads) |"
            )
        elif name in ("bump", "vacuum"):
            lines.append(f"| {name} | {r['seconds']:.1f} s |")
        elif name == "singlechanged":
            lines.append(
                f"| one product × all channels after a price change, n={r['n']} | "
                f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 "
                f"{r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, {r['written']:,} rows written |"
            )
        elif name == "workers":
            for n, w in r.items():
                if not isinstance(w, dict):
                    continue
                lines.append(
                    f"| run over {w['ranges']} ranges, {n} db_worker(s) | {w['seconds']:.1f} s, "
                    f"{w['pairs']:,} pairs scored, {w['written']:,} written, {w['status']}, "
                    f"worker peak RSS {w['worker_peak_rss_mb']:.0f} MB |"
                )
        elif name in ("floor", "rawfloor", "fast"):
            by[name] = r
            label = {
                "floor": "I/O floor (same reads, same rows via _upsert, no engine)",
                "rawfloor": "raw I/O floor (same reads, rows via plain SQL)",
                "fast": "prototype re-score (bench/prototype.py)",
            }[name]
            lines.append(
                f"| {label} | {r['seconds']:.1f} s, {r['pairs_per_s']:,.0f} pairs/s, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB |"
            )
        elif name == "analyze":
            lines.append(f"| ANALYZE (planner statistics) | {r['seconds']:.1f} s |")
        elif name == "read":
            by[name] = r
            lines.append(
                f"| reads alone (iter_product_facts) | {r['seconds']:.1f} s for "
                f"{r['products']:,} products |"
            )
        elif name == "single":
            lines.append(
                f"| one product × all channels, rematch_products([id]), n={r['n']} | "
                f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 "
                f"{r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
                f"{r['queries']} queries |"
            )
        elif name == "pages":
            p = r["producer_product"]
            lines.append(
                f"| producer product page (/producer/products/<pk>/), "
                f"{p['samples']} products | {p['queries_min']}–{p['queries_max']} "
                f"queries, median {p['median_ms']:.0f} ms, max {p['max_ms']:.0f} ms, "
                f"status {p['status']} |"
            )
            o = r["officer_candidates"]
            if "skipped" in o:
                lines.append(f"| officer candidate list | skipped: {o['skipped']} |")
            else:
                lines.append(
                    f"| officer candidate list ({o['url']}, province {o['province']}) "
                    f"| {o['queries']} queries (page 5: {o['page5_queries']}), median "
                    f"{o['median_ms']:.0f} ms, max {o['max_ms']:.0f} ms, status "
                    f"{o['status']} |"
                )
        elif name == "breakdown":
            stages = ", ".join(
                f"{k} {v:.1f} s ({r['stages_pct'][k]:.0f}%)" for k, v in r["stages_s"].items()
            )
            lines.append(f"| breakdown, first {r['products']:,} products | {stages} |")
    warm = by.get("rescore_warm") or by.get("rescore_cold")
    if warm and "floor" in by:
        lines.append(
            f"| ratio re-score ({warm['state']}) / I/O floor | "
            f"{warm['seconds'] / by['floor']['seconds']:.2f} |"
        )
    if warm and "rawfloor" in by:
        lines.append(
            f"| ratio re-score ({warm['state']}) / raw I/O floor | "
            f"{warm['seconds'] / by['rawfloor']['seconds']:.2f} |"
        )
    lines += _target_ratios(results)
    if "fast" in by and "rawfloor" in by:
        lines.append(
            f"| ratio prototype / raw I/O floor | "
            f"{by['fast']['seconds'] / by['rawfloor']['seconds']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--phases", default=DEFAULT_PHASES)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--page-repeat", type=int, default=20)
    parser.add_argument("--breakdown", type=int, default=50_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts of the workers phase")
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_run_phase(args.phase, args), default=str))
        return
    url = database_url_for(args.database_url)
    print(f"database: {url}")
    results = []
    for name in args.phases.split(","):
        started = time.perf_counter()
        r = _spawn(name, args)
        results.append((name, r))
        note = r.get("error", "")
        print(f"  {name:<10} done in {time.perf_counter() - started:7.1f} s {note}", flush=True)
        if "stderr" in r:
            print(r["stderr"], file=sys.stderr)
        if name == "breakdown" and "profile" in r:
            print(r["profile"])
    table = _fmt_table(results)
    print(table)
    OUT.mkdir(parents=True, exist_ok=True)
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    (OUT / f"results-{vendor}-{int(time.time())}.json").write_text(
        json.dumps(results, indent=1, default=str)
    )


if __name__ == "__main__":
    main()
