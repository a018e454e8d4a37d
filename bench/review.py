#!/usr/bin/env python
"""Measure the officer review pages and the spreadsheet exports on a seeded benchmark database.

    DJANGO_DEBUG=true .venv/bin/python bench/review.py --database-url postgres://... \
        [--referrals 30000] [--repeat 10] [--export-repeat 3] [--budget 60] \
        [--phases seed,candidates,...,whatif]

The database must have been seeded by bench/seed.py and filled with match results (bench/run.py
--phases fast or rescore). This script adds referrals to it and never re-seeds it.

Phases (each in a child process of its own, as in bench/run.py, so its peak RSS is its own):
  seed          N referrals from eligible, not yet referred pairs, spread over provinces and
                channels, in realistic states, each with its ReferralEvents (proposed, then each
                step up to its state, in order, over the last 12 months); partner members to
                act for the partners; then ANALYZE of the tables written. bulk_create, no
                services (it is a seed). Skipped when the bench already has N referrals.
  candidates    /officer/candidates/ pages 1 and 5 for the provincial and the national officer;
                the exact Paginator.count the page used to do against CappedPaginator.count.
  referrals     /officer/referrals/ pages 1 and 5, ?state=proposed, and Thai searches.
  dashboard     /officer/dashboard/, and each of its four aggregate queries on its own.
  search        /officer/producers/?q= and /officer/candidates/?q= (Thai), with EXPLAIN
                (ANALYZE, BUFFERS) of the search queries on PostgreSQL.
  export_candidates      the provincial officer's /officer/candidates/export/?format=csv|xlsx
                (inline up to EXPORT_INLINE_ROWS, a job beyond), and the job's task alone.
  export_referrals_xlsx  the national officer's referrals through export_make (the task).
  export_referrals_csv   the same as CSV.
  whatif        (not run by default) the proposed fixes, measured without changing the portal:
                the candidate page's two queries with the province scope as a subquery (as it
                was) and as a list of ids (as matching.selectors does it since issue 6); with an
                index that gives the list's whole order, created inside a transaction that is
                rolled back when migration matching 0005 has not made it (it holds a SHARE lock
                on the result table for a few seconds: no re-score can write meanwhile); and the
                Thai search written as one subquery per table, against the search as the pages
                do it.

Export jobs, their files and notifications made here are deleted at the end of their phase;
job files go to bench/out/private-media (PRIVATE_MEDIA_ROOT), never to the developer's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _peak_rss_mb, _rss_mb
from seed import BATCH, EMAIL_DOMAIN, OUT, ROOT, database_url_for, setup_django

DEFAULT_PHASES = (
    "seed,candidates,referrals,dashboard,search,export_candidates,"
    "export_referrals_xlsx,export_referrals_csv"
)
SLOW_MS = 500  # a page over this median is a finding (the brief of issue 6)
# Repeats stop once a measurement has taken this long (with at least MIN_SAMPLES): --budget.
BUDGET_S = 60.0
MIN_SAMPLES = 3

# Share of referrals in each state (percent), and the steps each state went through.
STATE_SHARES = (
    ("proposed", 35),
    ("approved", 20),
    ("sent", 15),
    ("accepted", 10),
    ("declined", 5),
    ("listed", 5),
    ("rejected", 5),
    ("withdrawn", 5),
)
PATHS = {
    "proposed": ("proposed",),
    "approved": ("proposed", "approved"),
    "sent": ("proposed", "approved", "sent"),
    "accepted": ("proposed", "approved", "sent", "accepted"),
    "declined": ("proposed", "approved", "sent", "declined"),
    "listed": ("proposed", "approved", "sent", "accepted", "listed"),
    "rejected": ("proposed", "rejected"),
}
PARTNER_STEPS = {"accepted", "declined", "listed"}
WITHDRAWN_FROM = ("proposed", "approved", "sent", "accepted")
MEAN_STEP_DAYS = 6.0  # ASSUMPTION: days between two steps of a referral, on average
REJECT_NOTES = (
    "ภาพสินค้ายังไม่ชัด กรุณาถ่ายใหม่",
    "ราคาไม่อยู่ในช่วงที่ช่องทางรับ",
    "เอกสาร อย. ยังไม่ได้รับการตรวจสอบ",
)
DECLINE_REASONS = (
    "กำลังการผลิตไม่พอสำหรับทุกสาขา",
    "มีสินค้าประเภทนี้ในชั้นวางครบแล้ว",
    "บรรจุภัณฑ์ยังไม่ตรงมาตรฐานของร้าน",
)


# --- Helpers ------------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _samples(func, repeat: int) -> list[float]:
    """Seconds of `repeat` calls of func(), or fewer when they pass BUDGET_S (at least
    MIN_SAMPLES): a page that takes 30 s is not timed ten times."""
    samples: list[float] = []
    begun = time.perf_counter()
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
        if len(samples) >= MIN_SAMPLES and time.perf_counter() - begun > BUDGET_S:
            break
    return samples


def _guarded(measure):
    """A measurement that fails (a cancelled statement, say) says so and the others go on."""

    @functools.wraps(measure)
    def wrapper(*args, **kwargs):
        try:
            return measure(*args, **kwargs)
        except Exception as error:
            from django.db import connection

            connection.close()  # a fresh connection for the next measurement
            return {"error": f"{type(error).__name__}: {error}"[:500]}

    return wrapper


@_guarded
def _timed(func, repeat: int) -> dict:
    """func() once to warm up, then `repeat` times: median and max ms, and its last value."""
    value = func()
    box = {}

    def call():
        box["value"] = func()

    samples = _samples(call, repeat)
    return {
        "value": box.get("value", value),
        "n": len(samples),
        "median_ms": _ms(statistics.median(samples)),
        "max_ms": _ms(max(samples)),
    }


def _slowest(captured: list[dict], n: int = 3) -> list[dict]:
    ordered = sorted(captured, key=lambda q: float(q["time"]), reverse=True)
    return [{"ms": _ms(float(q["time"])), "sql": q["sql"][:400]} for q in ordered[:n]]


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@_guarded
def _page(client, url: str, repeat: int) -> dict:
    """As bench/run.py's _page (warm once, count the queries of one request, then time `repeat`
    requests), plus the statuses of every request and the slowest queries of the counted one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    captured = list(ctx.captured_queries)  # read now: a later request resets the log
    statuses = {response.status_code}
    samples = _samples(lambda: statuses.add(client.get(url).status_code), repeat)
    return {
        "url": url,
        "status": response.status_code,
        "statuses": sorted(statuses),
        "n": len(samples),
        "queries": len(captured),
        "db_ms": _ms(sum(float(q["time"]) for q in captured)),
        "median_ms": _ms(statistics.median(samples)),
        "max_ms": _ms(max(samples)),
        "slowest": _slowest(captured),
        "captured_sql": [q["sql"] for q in captured],
    }


def _officers():
    from otop_portal.models import Role, User

    national = User.objects.get(email=f"officer-national@{EMAIL_DOMAIN}")
    provincial = (
        User.objects.filter(
            role=Role.OFFICER, is_national_officer=False, email__startswith="officer-"
        )
        .order_by("pk")
        .first()
    )
    if provincial is None:
        raise SystemExit("no bench officers: seed the database with bench/seed.py first")
    return {"provincial": provincial, "national": national}


def _test_environment() -> None:
    from django.test.utils import setup_test_environment

    # Allows the test client's host and keeps email in memory; under pytest it is done already.
    with contextlib.suppress(RuntimeError):
        setup_test_environment()


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


# --- Seed: referrals and their audit trail ------------------------------------------------------


@contextmanager
def _dates_as_given(*models):
    """bulk_create would stamp auto_now/auto_now_add fields with the present moment: a seed
    spread over twelve months writes its own dates."""
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _partner_members() -> dict[int, int]:
    """One bench member per partner, to act for it (accept, decline, list): {partner: user}."""
    from otop_portal.models import Role, User
    from partners.models import Partner

    members = {}
    for partner in Partner.objects.order_by("pk"):
        user, _ = User.objects.get_or_create(
            email=f"partner-{partner.code}@{EMAIL_DOMAIN}",
            defaults={"role": Role.PARTNER, "partner": partner, "password": "!"},
        )
        members[partner.pk] = user.pk
    return members


def _state_list(n: int, rng: random.Random) -> list[str]:
    """Exactly the STATE_SHARES proportions of n (rounding goes to the first state), shuffled."""
    counts = {state: n * share // 100 for state, share in STATE_SHARES}
    counts[STATE_SHARES[0][0]] += n - sum(counts.values())
    states = [state for state, k in counts.items() for _ in range(k)]
    rng.shuffle(states)
    return states


def _step_times(steps: int, now: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    """When each of `steps` events happened: the first within the last 365 days, the others
    after it in order, none in the future."""
    start = now - dt.timedelta(seconds=rng.uniform(0, 365 * 86400))
    gaps = [rng.expovariate(1 / (MEAN_STEP_DAYS * 86400)) + 600 for _ in range(steps - 1)]
    room = (now - start).total_seconds() * 0.99
    if sum(gaps) > room:
        gaps = [g * room / sum(gaps) for g in gaps]
    times = [start]
    for gap in gaps:
        times.append(times[-1] + dt.timedelta(seconds=gap))
    return times


def seed_referrals(n: int, rng: random.Random) -> dict:
    """Up to n referrals in all (those already there count), from eligible pairs that are
    candidates (so at most one open referral per product × channel), with their events."""
    from django.db import connection, transaction
    from django.utils import timezone

    from matching.models import Referral, ReferralEvent
    from matching.selectors import officer_candidates
    from partners.models import Channel

    existing = Referral.objects.count()
    if existing >= n:
        return {"skipped": True, "existing": existing}
    started = time.perf_counter()
    need = n - existing
    officers = _officers()
    national, provincial = officers["national"], officers["provincial"]
    local_provinces = set(provincial.provinces.values_list("pk", flat=True))
    now = timezone.now()
    with transaction.atomic():
        members = _partner_members()
        partner_of = dict(Channel.objects.values_list("pk", "partner_id"))
        # Every candidate pair in the country (verified producer, product on sale, active
        # channel, no open referral), in a fixed order so the same seed picks the same pairs.
        pairs = list(
            officer_candidates(national)
            .order_by("product_id", "channel_id")
            .values_list("product_id", "channel_id", "product__producer__province_id")
        )
        if len(pairs) < need:
            raise SystemExit(f"only {len(pairs):,} candidate pairs for {need:,} referrals")
        chosen = rng.sample(pairs, need)
        states = _state_list(need, rng)
        referrals, trails = [], []
        for (product_id, channel_id, province_id), state in zip(chosen, states, strict=True):
            officer = provincial.pk if province_id in local_provinces else national.pk
            path = PATHS.get(state)
            if path is None:  # withdrawn, from any state before "listed"
                before = rng.choice(WITHDRAWN_FROM)
                path = (*PATHS.get(before, ("proposed",)), "withdrawn")
            times = _step_times(len(path), now, rng)
            referral = Referral(
                product_id=product_id,
                channel_id=channel_id,
                province_id=province_id,  # bulk_create skips Referral.save
                state=state,
                proposed_by_id=officer,
                created_at=times[0],
                updated_at=times[-1],
                sent_at=times[path.index("sent")] if "sent" in path else None,
            )
            notes = [""] * len(path)
            if state == "declined":
                referral.decline_reason = notes[-1] = rng.choice(DECLINE_REASONS)
            elif state == "rejected":
                notes[-1] = rng.choice(REJECT_NOTES)
            elif state == "listed":
                referral.listing_url = f"https://shop.{EMAIL_DOMAIN}/p/{product_id}-{channel_id}"
                referral.listed_on = timezone.localtime(times[-1]).date()
            referrals.append(referral)
            actors = [
                members[partner_of[channel_id]] if step in PARTNER_STEPS else officer
                for step in path
            ]
            trails.append((path, times, actors, notes))
        with _dates_as_given(Referral, ReferralEvent):
            Referral.objects.bulk_create(referrals, batch_size=BATCH)
            events = [
                ReferralEvent(
                    referral_id=referral.pk,
                    actor_id=actor,
                    from_state=path[i - 1] if i else "",
                    to_state=step,
                    note=note,
                    created_at=at,
                )
                for referral, (path, times, actors, notes) in zip(referrals, trails, strict=True)
                for i, (step, at, actor, note) in enumerate(
                    zip(path, times, actors, notes, strict=True)
                )
            ]
            ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
    seconds = time.perf_counter() - started
    analyze_s = 0.0
    if connection.vendor == "postgresql":
        # Autovacuum is off on the bench machine: the statistics it would have gathered.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("matching_referral", "matching_referralevent", "otop_portal_user"):
                cursor.execute(f"ANALYZE {table}")
        analyze_s = time.perf_counter() - started
    return {
        "skipped": False,
        "existing": existing,
        "created": need,
        "events": len(events),
        "seconds": round(seconds, 1),
        "analyze_s": round(analyze_s, 1),
    }


def dataset() -> dict:
    """What the measurements run against."""
    from django.db.models import Count

    from matching.models import MatchResult, Referral, ReferralEvent
    from matching.selectors import officer_candidates, referrals_visible_to
    from partners.models import Channel
    from producers.models import Producer, Product

    officers = _officers()
    provincial = officers["provincial"]
    return {
        "products": Product.objects.count(),
        "producers": Producer.objects.count(),
        "channels": Channel.objects.count(),
        "match_results": MatchResult.objects.count(),
        "eligible": MatchResult.objects.filter(eligible=True).count(),
        "referrals": Referral.objects.count(),
        "referral_events": ReferralEvent.objects.count(),
        "by_state": dict(
            Referral.objects.order_by()
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        ),
        "province": provincial.provinces.first().code,
        "province_referrals": referrals_visible_to(provincial).count(),
        "province_candidates": officer_candidates(provincial).count(),
        "national_candidates": officer_candidates(officers["national"]).count(),
    }


def phase_seed(args) -> dict:
    result = seed_referrals(args.referrals, random.Random(args.seed))
    return {"seed": result, "dataset": dataset()}


# --- Pages --------------------------------------------------------------------------------------


def _request_stub(user):
    from types import SimpleNamespace

    return SimpleNamespace(user=user)


def phase_candidates(args) -> dict:
    """The candidate list, pages 1 and 5, and what its count costs exact and capped."""
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from matching.filters import MatchResultFilter
    from matching.officer.views import CANDIDATES_PER_PAGE
    from matching.selectors import officer_candidates
    from otop_portal.pagination import CappedPaginator

    _test_environment()
    out = {}
    for who, user in _officers().items():
        client = _client_for(user)
        pages = {
            "page1": _page(client, "/officer/candidates/", args.repeat),
            "page5": _page(client, "/officer/candidates/?page=5", args.repeat),
        }

        def rows(user=user):
            return MatchResultFilter(
                QueryDict(""), queryset=officer_candidates(user), request=_request_stub(user)
            ).qs

        exact = _timed(lambda rows=rows: Paginator(rows(), CANDIDATES_PER_PAGE).count, args.repeat)
        capped = _timed(
            lambda rows=rows: CappedPaginator(rows(), CANDIDATES_PER_PAGE).count, args.repeat
        )
        out[who] = {**pages, "exact_count": exact, "capped_count": capped}
    return out


def _nth(rows, n: int):
    """The nth of `rows`, or the last when there are fewer (a small seed, as in the tests)."""
    found = list(rows[: n + 1])
    if not found:
        raise SystemExit("nothing to search for: seed the database and its referrals first")
    return found[-1]


def _search_words(user) -> dict:
    """Thai search terms taken from the data the officer sees: a word every bench name shares
    (the seed's names are "สินค้า <n>" and "กลุ่มผู้ผลิต <n>"), and a whole real name."""
    from matching.selectors import officer_producers, referrals_visible_to

    referral_name = _nth(
        referrals_visible_to(user).order_by("pk").values_list("product__name_th", flat=True), 10
    )
    producer_name = _nth(
        officer_producers(user).order_by("pk").values_list("name_th", flat=True), 100
    )
    return {
        "product_word": referral_name.split()[0],
        "product_name": referral_name,
        "producer_word": producer_name.split()[0],
        "producer_name": producer_name,
    }


def phase_referrals(args) -> dict:
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from matching.filters import ReferralFilter
    from matching.officer.referral_views import REFERRALS_PER_PAGE
    from matching.selectors import referrals_visible_to

    _test_environment()
    out = {}
    for who, user in _officers().items():
        client = _client_for(user)
        words = _search_words(user)
        base = "/officer/referrals/"
        out[who] = {
            "words": words,
            "page1": _page(client, base, args.repeat),
            "page5": _page(client, f"{base}?page=5", args.repeat),
            "proposed": _page(client, f"{base}?state=proposed", args.repeat),
            "q_word": _page(client, f"{base}?q={_quote(words['product_word'])}", args.repeat),
            "q_name": _page(client, f"{base}?q={_quote(words['product_name'])}", args.repeat),
            "exact_count": _timed(
                lambda user=user: (
                    Paginator(
                        ReferralFilter(
                            QueryDict(""),
                            queryset=referrals_visible_to(user),
                            request=_request_stub(user),
                        ).qs,
                        REFERRALS_PER_PAGE,
                    ).count
                ),
                args.repeat,
            ),
        }
    return out


def phase_dashboard(args) -> dict:
    from django.utils import translation

    from matching.officer import dashboard

    _test_environment()
    aggregates = {
        "referrals_by_partner_and_state": dashboard.referrals_by_partner_and_state,
        "products_by_category_and_stars": dashboard.products_by_category_and_stars,
        "eligible_not_referred_by_province": dashboard.eligible_not_referred_by_province,
        "referrals_over_time": dashboard.referrals_over_time,
    }
    out = {}
    for who, user in _officers().items():
        client = _client_for(user)
        result = {"page": _page(client, "/officer/dashboard/", args.repeat)}
        with translation.override("th"):
            for name, func in aggregates.items():
                result[name] = _aggregate(func, user, args.repeat)
        out[who] = result
    return out


@_guarded
def _aggregate(func, user, repeat: int) -> dict:
    """One chart's figures on their own: its queries (the first call, which also warms up),
    then `repeat` calls timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        total = func(user).total
    captured = list(ctx.captured_queries)
    samples = _samples(lambda: func(user), repeat)
    return {
        "queries": len(captured),
        "n": len(samples),
        "median_ms": _ms(statistics.median(samples)),
        "max_ms": _ms(max(samples)),
        "total": total,
        "slowest": _slowest(captured, 1),
        "captured_sql": [q["sql"] for q in captured],
    }


# --- Search and its plans -------------------------------------------------------------------------

_SCAN = re.compile(
    r"(Seq Scan|Parallel Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan|Bitmap Heap Scan)"
    r"(?: Backward)? (?:using|on) (\S+)(?: on (\S+))?"
)


def _explain(sql: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured statement (PostgreSQL): its scans, whether a
    trigram index is among them, and its execution time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {"skipped": connection.vendor}
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    scans = []
    for line in plan:
        match = _SCAN.search(line)
        if match:
            kind, first, second = match.groups()
            scans.append(f"{kind} {first}" + (f" on {second}" if second else ""))
    execution = next((line for line in plan if "Execution Time" in line), "")
    return {
        "scans": list(dict.fromkeys(scans)),
        "trigram": any("_trgm" in s for s in scans),
        "execution_ms": float(re.findall(r"[\d.]+", execution)[0]) if execution else None,
        "plan": plan,
    }


def _search_plans(page: dict) -> list[dict]:
    """The plans of the statements of a page that search (LIKE), slowest first."""
    plans = []
    for sql in page["captured_sql"]:
        if " LIKE " in sql:
            plans.append({"sql": sql[:600], **_explain(sql)})
    return sorted(plans, key=lambda p: -(p.get("execution_ms") or 0))


def phase_search(args) -> dict:
    _test_environment()
    out = {}
    for who, user in _officers().items():
        client = _client_for(user)
        words = _search_words(user)
        result = {"words": words}
        for key, list_url, word in (
            ("producers_word", "/officer/producers/", words["producer_word"]),
            ("producers_name", "/officer/producers/", words["producer_name"]),
            ("candidates_word", "/officer/candidates/", words["product_word"]),
            ("candidates_name", "/officer/candidates/", words["product_name"]),
        ):
            page = _page(client, f"{list_url}?q={_quote(word)}", args.repeat)
            if "error" not in page:
                page["plans"] = _guarded(_search_plans)(page)
            result[key] = page
        # The queue lists only producers waiting for verification (none in the bench): the same
        # search over every producer in scope shows what the index does when the status does
        # not narrow the rows first.
        for key, word in (("word", words["producer_word"]), ("name", words["producer_name"])):
            result[f"all_producers_{key}"] = _all_producers_search(user, word)
        out[who] = result
    return out


@_guarded
def _all_producers_search(user, word: str) -> dict:
    from django.db import connection

    from matching.filters import ProducerQueueFilter
    from matching.selectors import officer_producers
    from otop_portal.search import thai_search

    fields = ProducerQueueFilter.base_filters["q"].search_fields
    rows = thai_search(officer_producers(user), word, fields).order_by("pk")[:50]
    sql, params = rows.query.sql_with_params()
    started = time.perf_counter()
    count = len(list(rows))
    seconds = time.perf_counter() - started
    plan = {"skipped": connection.vendor}  # plans are PostgreSQL's (and compose_sql)
    if connection.vendor == "postgresql":
        plan = _explain(connection.ops.compose_sql(sql, params))
    return {"rows": count, "ms": _ms(seconds), **plan}


# --- Exports --------------------------------------------------------------------------------------


def _cleanup_jobs(after_pk: int) -> int:
    """Delete the export jobs (files, notifications) this phase made."""
    from matching.models import ExportJob

    jobs = list(ExportJob.objects.filter(pk__gt=after_pk))
    for job in jobs:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[j.pk for j in jobs]).delete()
    return len(jobs)


def _last_job_pk() -> int:
    from matching.models import ExportJob

    return ExportJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _run_job(user, list_name: str, fmt: str) -> dict:
    """The background task's work alone: a queued job made by export_make."""
    from matching.models import ExportJob
    from matching.officer.exports import export_make

    job = ExportJob.objects.create(
        requested_by=user, list_name=list_name, query="", format=fmt, language="th"
    )
    started = time.perf_counter()
    export_make(job=job)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return {
        "status": job.status,
        "error": job.error,
        "rows": job.row_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round((job.row_count or 0) / seconds) if seconds else 0,
        "file_bytes": job.file.size if job.file else 0,
    }


def phase_export_candidates(args) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.models import ExportJob
    from matching.officer.exports import export_rows

    _test_environment()
    user = _officers()["provincial"]
    client = _client_for(user)
    first = _last_job_pk()
    out = {
        "rows": export_rows("candidates", user=user, query="").count(),
        "inline_limit": settings.EXPORT_INLINE_ROWS,
        "task_backend": settings.TASKS["default"]["BACKEND"],
    }
    try:
        for fmt in ("csv", "xlsx"):
            url = f"/officer/candidates/export/?format={fmt}"
            before = _last_job_pk()
            samples, statuses, sizes = [], set(), set()
            queries = None
            for i in range(args.export_repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url)
                    samples.append(time.perf_counter() - started)
                if i == 0:
                    queries = len(ctx.captured_queries)
                statuses.add(response.status_code)
                sizes.add(len(response.content))
            jobs = list(ExportJob.objects.filter(pk__gt=before).order_by("pk"))
            out[fmt] = {
                "url": url,
                "statuses": sorted(statuses),
                "median_ms": _ms(statistics.median(samples)),
                "max_ms": _ms(max(samples)),
                "queries": queries,
                "response_bytes": sorted(sizes),
                "jobs": len(jobs),
                "job_rows": sorted({j.row_count for j in jobs}, key=lambda v: v or 0),
                "job_status": sorted({j.status for j in jobs}),
                "job_file_bytes": max((j.file.size for j in jobs if j.file), default=0),
            }
            out[f"task_{fmt}"] = _run_job(user, "candidates", fmt)
    finally:
        out["jobs_deleted"] = _cleanup_jobs(first)
    return out


def _export_referrals(fmt: str) -> dict:
    user = _officers()["national"]
    first = _last_job_pk()
    try:
        return _run_job(user, "referrals", fmt)
    finally:
        _cleanup_jobs(first)


# --- What the proposed fixes would give (nothing in the portal changes) -----------------------

# The candidate list's whole order (matching.filters.ORDERINGS["-score"]) for eligible rows:
# what migration matching 0005 made as match_eligible_order.
WHATIF_INDEX = (
    "CREATE INDEX bench_whatif_candidate_order ON matching_matchresult "
    "(score DESC, product_id, id) WHERE eligible"
)
MIGRATED_INDEX = "match_eligible_order"


def _per_table_search(rows, text: str, product_path: str = "product__"):
    """otop_portal.search.thai_search over the product's and the producer's names, written as
    one subquery per table: each can use that table's trigram indexes, which an OR across two
    joined tables cannot."""
    from django.db.models import Q

    from otop_portal.search import search_terms
    from producers.models import Producer, Product

    for term in search_terms(text):
        names = Q(name_th__icontains=term) | Q(name_en__icontains=term)
        rows = rows.filter(
            Q(**{f"{product_path}in": Product.objects.filter(names).values("pk")})
            | Q(**{f"{product_path}producer__in": Producer.objects.filter(names).values("pk")})
        )
    return rows


def _candidate_rows(user, *, province_list: bool):
    """The candidate list's rows as the page orders them; with province_list, the provincial
    scope as matching.selectors._in_province_scope writes it since issue 6 (a list of ids,
    which the planner can estimate), otherwise as the subquery it wrote before."""
    from matching.filters import ORDERINGS
    from matching.selectors import officer_candidates

    if province_list or user.is_national_officer:
        rows = officer_candidates(user)
    else:
        national = _officers()["national"]
        rows = officer_candidates(national).filter(
            product__producer__province__in=user.provinces.all()
        )
    return rows.order_by(*ORDERINGS["-score"])


@_guarded
def _candidate_queries(user, repeat: int) -> dict:
    """The candidate page's own two queries (first 50 rows, capped count), as the selector
    scopes them and with the province as a list."""
    from otop_portal.pagination import CappedPaginator

    out = {}
    for name, province_list in (("subquery", False), ("province_list", True)):
        rows = _candidate_rows(user, province_list=province_list)
        out[name] = _timed(
            lambda rows=rows: (len(list(rows[:50])), CappedPaginator(rows, 50).count), repeat
        )
    return out


@_guarded
def _search_variants(rows, text: str, fields, order, repeat: int) -> dict:
    """The first page and the count of `rows` searched for `text`, as the pages search and one
    subquery per table: time, and the plan of each count."""
    from django.db import connection

    from otop_portal.search import thai_search

    out = {}
    for name, searched in (
        ("as_pages_do", thai_search(rows, text, fields)),
        ("per_table", _per_table_search(rows, text)),
    ):
        searched = searched.order_by(*order)
        timed = _timed(lambda q=searched: (len(list(q[:50])), q.count()), repeat)
        plan = {"skipped": connection.vendor}  # plans are PostgreSQL's (and compose_sql)
        if connection.vendor == "postgresql":
            sql, params = searched.order_by().values("pk").query.sql_with_params()
            counted = connection.ops.compose_sql(sql, params)  # the ORM's own SQL, composed
            plan = _explain(f"SELECT COUNT(*) FROM ({counted}) t")  # noqa: S608
        out[name] = {**timed, **{k: v for k, v in plan.items() if k != "plan"}}
    return out


def phase_whatif(args) -> dict:
    from django.db import connection, transaction

    from matching.filters import ORDERINGS, PRODUCT_AND_PRODUCER_NAMES, REFERRAL_ORDERINGS
    from matching.selectors import officer_candidates, referrals_visible_to

    _test_environment()
    officers = _officers()
    out: dict = {"index": WHATIF_INDEX}
    for who, user in officers.items():
        out[who] = {"queries_now": _candidate_queries(user, args.repeat)}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            migrated = MIGRATED_INDEX in connection.introspection.get_constraints(
                cursor, "matching_matchresult"
            )
        out["index"] = f"{MIGRATED_INDEX} (migration matching 0005)" if migrated else WHATIF_INDEX
        with transaction.atomic():
            started = time.perf_counter()
            if not migrated:
                with connection.cursor() as cursor:
                    cursor.execute(WHATIF_INDEX)
            out["index_build_s"] = round(time.perf_counter() - started, 1)
            for who, user in officers.items():
                client = _client_for(user)
                out[who].update(
                    page1=_page(client, "/officer/candidates/", args.repeat),
                    page5=_page(client, "/officer/candidates/?page=5", args.repeat),
                    queries_with_index=_candidate_queries(user, args.repeat),
                )
            transaction.set_rollback(True)  # the index goes with it
    for who, user in officers.items():
        words = _search_words(user)
        out[who]["search"] = {
            "referrals": _search_variants(
                referrals_visible_to(user),
                words["product_name"],
                PRODUCT_AND_PRODUCER_NAMES,
                REFERRAL_ORDERINGS["-updated"],
                args.repeat,
            ),
            "candidates": _search_variants(
                officer_candidates(user),
                words["product_name"],
                PRODUCT_AND_PRODUCER_NAMES,
                ORDERINGS["-score"],
                args.repeat,
            ),
        }
    return out


def _busiest_partner_member():
    """The bench member of the partner with the most referrals sent to it (and later)."""
    from django.db.models import Count

    from matching.models import Referral
    from matching.selectors import PARTNER_STATES
    from otop_portal.models import User

    members = _partner_members()
    busiest = (
        Referral.objects.filter(state__in=PARTNER_STATES)
        .values("channel__partner")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return User.objects.get(pk=members[busiest["channel__partner"]]) if busiest else None


def phase_partner(args) -> dict:
    """The partner portal (issue 7) for the partner with the most referrals: the shortlist,
    filtered, searched and sorted; a product page; the shortlist API; the listing feed."""
    from matching.models import Referral
    from partners.portal.selectors import partner_shortlist

    _test_environment()
    member = _busiest_partner_member()
    if member is None:
        return {"skipped": "no referral was sent to any partner"}
    client = _client_for(member)
    shortlist = partner_shortlist(member)
    name = _nth(shortlist.order_by("pk").values_list("product__name_th", flat=True), 10)
    accepted = shortlist.filter(state="accepted").order_by("pk").first()
    one = accepted or shortlist.order_by("pk").first()

    def feed(fmt: str) -> int:
        response = client.get(f"/partner/feed/download/?format={fmt}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return len(body)

    data = {
        "member": member.email,
        "shortlist": shortlist.count(),
        "accepted_or_listed": shortlist.filter(state__in=["accepted", "listed"]).count(),
        "page1": _page(client, "/partner/", args.repeat),
        "page5": _page(client, "/partner/?page=5", args.repeat),
        "accepted": _page(client, "/partner/?state=accepted", args.repeat),
        "price": _page(client, "/partner/?ordering=price&price_max=500", args.repeat),
        "q_word": _page(client, f"/partner/?q={_quote(name.split()[0])}", args.repeat),
        "q_name": _page(client, f"/partner/?q={_quote(name)}", args.repeat),
        "product": _page(client, f"/partner/referrals/{one.pk}/", args.repeat),
        "api": _page(client, "/api/v1/shortlist/", args.repeat),
        "feed_csv": _timed(lambda: feed("csv"), args.export_repeat),
        "feed_xlsx": _timed(lambda: feed("xlsx"), args.export_repeat),
        "feed_json": _timed(lambda: feed("json"), args.export_repeat),
        "referral_id": one.pk,
        "total_referrals": Referral.objects.count(),
    }
    return {f"partner {member.partner.code}": data}


PHASES = {
    "seed": phase_seed,
    "candidates": phase_candidates,
    "referrals": phase_referrals,
    "dashboard": phase_dashboard,
    "search": phase_search,
    "export_candidates": phase_export_candidates,
    "export_referrals_xlsx": lambda args: _export_referrals("xlsx"),
    "export_referrals_csv": lambda args: _export_referrals("csv"),
    "whatif": phase_whatif,
    "partner": phase_partner,
}


# --- Running ----------------------------------------------------------------------------------


def _run_phase(name: str, args) -> dict:
    """In this (child) process: one phase, with its memory figures."""
    global BUDGET_S
    BUDGET_S = args.budget
    os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(OUT / "private-media"))
    setup_django(args.database_url)
    from django.db import connection

    base = _rss_mb()
    started = time.perf_counter()
    result = PHASES[name](args)
    return {
        "result": result,
        "seconds": round(time.perf_counter() - started, 1),
        "vendor": connection.vendor,
        "rss_before_mb": round(base, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _spawn(name: str, args) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--database-url",
        database_url_for(args.database_url),
        "--referrals",
        str(args.referrals),
        "--repeat",
        str(args.repeat),
        "--export-repeat",
        str(args.export_repeat),
        "--seed",
        str(args.seed),
        "--budget",
        str(args.budget),
    ]
    env = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    proc = subprocess.run(  # noqa: S603 - our own script, our own arguments
        cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed",
            "stderr": proc.stderr[-3000:],
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fig(p: dict) -> str:
    if "error" in p:
        return f"ERROR: {p['error'][:120]} | | | | |"
    flag = " **slow**" if p["median_ms"] > SLOW_MS else ""
    status = "/".join(str(s) for s in p.get("statuses", [p.get("status")]))
    return (
        f"{p['queries']} | {p['median_ms']:,.0f} | {p['max_ms']:,.0f} | {p.get('n', '')} | "
        f"{status} | {p['slowest'][0]['ms']:,.0f} ms{flag}"
    )


def _timing(t: dict) -> str:
    if "error" in t:
        return f"ERROR: {t['error'][:120]}"
    return f"median {t['median_ms']:,.0f} ms (max {t['max_ms']:,.0f}, n={t['n']})"


def _fmt_tables(results: dict) -> str:
    lines = []
    seed = results.get("seed", {})
    if "result" in seed:
        d = seed["result"]["dataset"]
        s = seed["result"]["seed"]
        states = ", ".join(f"{k} {v:,}" for k, v in sorted(d["by_state"].items()))
        lines += [
            f"data set: {d['products']:,} products, {d['producers']:,} producers, "
            f"{d['channels']} channels, {d['match_results']:,} results ({d['eligible']:,} "
            f"eligible), {d['referrals']:,} referrals ({states}), {d['referral_events']:,} "
            f"events; province {d['province']}: {d['province_referrals']:,} referrals, "
            f"{d['province_candidates']:,} candidates; national candidates "
            f"{d['national_candidates']:,}",
            "seed: "
            + (
                f"skipped ({s['existing']:,} referrals already)"
                if s["skipped"]
                else f"{s['created']:,} referrals, {s['events']:,} events in {s['seconds']} s "
                f"(+ ANALYZE {s['analyze_s']} s)"
            ),
            "",
        ]
    lines += [
        "| page | who | queries | median ms | max ms | n | status | slowest query |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "candidates": (("page1", "/officer/candidates/"), ("page5", "candidates ?page=5")),
        "referrals": (
            ("page1", "/officer/referrals/"),
            ("page5", "referrals ?page=5"),
            ("proposed", "referrals ?state=proposed"),
            ("q_word", "referrals ?q=<Thai word in every name>"),
            ("q_name", "referrals ?q=<a product's full name>"),
        ),
        "dashboard": (("page", "/officer/dashboard/"),),
        "partner": (
            ("page1", "/partner/ (shortlist)"),
            ("page5", "shortlist ?page=5"),
            ("accepted", "shortlist ?state=accepted"),
            ("price", "shortlist ?ordering=price&price_max=500"),
            ("q_word", "shortlist ?q=<Thai word in every name>"),
            ("q_name", "shortlist ?q=<a product's full name>"),
            ("product", "/partner/referrals/<id>/"),
            ("api", "/api/v1/shortlist/"),
        ),
        "search": (
            ("producers_word", "producers ?q=<Thai word in every name>"),
            ("producers_name", "producers ?q=<a producer's full name>"),
            ("candidates_word", "candidates ?q=<Thai word in every name>"),
            ("candidates_name", "candidates ?q=<a product's full name>"),
        ),
    }
    for phase, pages in labels.items():
        r = results.get(phase, {})
        if "result" not in r:
            if r:  # run, and failed (a phase not asked for is left out)
                lines.append(f"| {phase} | - | ERROR: {r.get('error')} | | | | | |")
            continue
        for who, data in r["result"].items():
            for key, label in pages:
                lines.append(f"| {label} | {who} | {_fig(data[key])} |")
    extra = ["", "| measurement | who | figure |", "|---|---|---|"]
    if "result" in results.get("candidates", {}):
        for who, data in results["candidates"]["result"].items():
            e, c = data["exact_count"], data["capped_count"]
            extra.append(
                f"| candidate count: exact Paginator.count | {who} | "
                f"{e.get('value', 0):,} rows, {_timing(e)} |"
            )
            extra.append(
                f"| candidate count: CappedPaginator.count | {who} | "
                f"{c.get('value', 0):,} rows, {_timing(c)} |"
            )
    if "result" in results.get("referrals", {}):
        for who, data in results["referrals"]["result"].items():
            e = data["exact_count"]
            extra.append(
                f"| referral list: exact Paginator.count | {who} | "
                f"{e.get('value', 0):,} rows, {_timing(e)} |"
            )
    if "result" in results.get("dashboard", {}):
        for who, data in results["dashboard"]["result"].items():
            for name, a in data.items():
                if name == "page":
                    continue
                figure = _timing(a)
                if "error" not in a:
                    figure = f"{a['queries']} query, {figure}, total {a['total']:,}"
                extra.append(f"| dashboard aggregate {name} | {who} | {figure} |")
    if "result" in results.get("search", {}):
        for who, data in results["search"]["result"].items():
            for key in ("producers_word", "producers_name", "candidates_word", "candidates_name"):
                plans = data[key].get("plans", [])
                for plan in plans[:2] if isinstance(plans, list) else [plans]:
                    extra.append(
                        f"| EXPLAIN ANALYZE {key} | {who} | {plan.get('execution_ms')} ms; "
                        f"trigram index: {'yes' if plan.get('trigram') else 'no'}; "
                        f"{'; '.join(plan.get('scans', []))} |"
                    )
            for key in ("all_producers_word", "all_producers_name"):
                plan = data[key]
                if "error" in plan:
                    extra.append(f"| EXPLAIN ANALYZE {key} | {who} | ERROR: {plan['error']} |")
                    continue
                scans = "; ".join(plan.get("scans", []))
                extra.append(
                    f"| EXPLAIN ANALYZE {key} (every producer in scope, first 50) | {who} | "
                    f"{plan.get('execution_ms')} ms, {plan['rows']} rows; trigram index: "
                    f"{'yes' if plan.get('trigram') else 'no'}; {scans} |"
                )
    if "result" in results.get("partner", {}):
        for who, data in results["partner"]["result"].items():
            if "skipped" in data:
                continue
            extra.append(
                f"| shortlist size | {who} | {data['shortlist']:,} referrals, "
                f"{data['accepted_or_listed']:,} accepted or listed |"
            )
            for fmt in ("csv", "xlsx", "json"):
                f = data[f"feed_{fmt}"]
                extra.append(
                    f"| listing feed {fmt} (whole download) | {who} | {_timing(f)}, "
                    f"{f.get('value', 0) / 1e6:.1f} MB |"
                )
    ec = results.get("export_candidates", {})
    if "result" in ec:
        r = ec["result"]
        for fmt in ("csv", "xlsx"):
            x, t = r[fmt], r[f"task_{fmt}"]
            extra.append(
                f"| candidates export {fmt} request ({r['rows']:,} rows; inline limit "
                f"{r['inline_limit']:,}) | provincial | status {x['statuses']}, median "
                f"{x['median_ms']:,.0f} ms (max {x['max_ms']:,.0f}), {x['queries']} queries, "
                f"jobs {x['jobs']} rows {x['job_rows']} |"
            )
            extra.append(
                f"| candidates export {fmt}, the task alone (export_make) | provincial | "
                f"{t['seconds']} s, {t['rows']:,} rows, {t['rows_per_s']:,} rows/s, "
                f"{t['file_bytes'] / 1e6:.1f} MB |"
            )
        extra.append(f"| export_candidates phase peak RSS | provincial | {ec['peak_rss_mb']} MB |")
    elif ec:
        extra.append(f"| candidates export | provincial | ERROR: {ec.get('error')} |")
    for fmt in ("xlsx", "csv"):
        er = results.get(f"export_referrals_{fmt}", {})
        if "result" in er:
            t = er["result"]
            extra.append(
                f"| referrals export {fmt} (export_make, child process) | national | "
                f"{t['seconds']} s, {(t['rows'] or 0):,} rows, {t['rows_per_s']:,} rows/s, "
                f"{t['file_bytes'] / 1e6:.1f} MB, peak RSS {er['peak_rss_mb']} MB "
                f"(at start {er['rss_before_mb']} MB), {t['status']} |"
            )
        elif er:
            extra.append(f"| referrals export {fmt} | national | ERROR: {er.get('error')} |")
    wi = results.get("whatif", {})
    if "result" in wi:
        r = wi["result"]
        for who in ("provincial", "national"):
            for key in ("page1", "page5"):
                if key in r.get(who, {}):
                    extra.append(
                        f"| what-if: candidates {key} with index (score DESC, product_id, id) "
                        f"WHERE eligible | {who} | {_fig(r[who][key])} |"
                    )
            for key, label in (("queries_now", "now"), ("queries_with_index", "with the index")):
                for name, t in r.get(who, {}).get(key, {}).items():
                    if name == "error":
                        extra.append(f"| what-if: candidate queries {label} | {who} | {t} |")
                        continue
                    extra.append(
                        f"| what-if: candidate page's rows + capped count, {label}, province "
                        f"scope as {name} | {who} | {_timing(t)} |"
                    )
            for list_name, variants in r.get(who, {}).get("search", {}).items():
                if "error" in variants:
                    extra.append(f"| what-if: {list_name} search | {who} | {variants['error']} |")
                    continue
                for name, v in variants.items():
                    extra.append(
                        f"| what-if: {list_name} ?q=<full name>, page + count, {name} | {who} | "
                        f"{_timing(v)}; count plan {v.get('execution_ms')} ms, trigram index: "
                        f"{'yes' if v.get('trigram') else 'no'} |"
                    )
    elif wi:
        extra.append(f"| what-if | - | ERROR: {wi.get('error')} |")
    return "\n".join(lines + extra)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--referrals", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--budget", type=float, default=BUDGET_S, help="seconds of repeats per measurement"
    )
    parser.add_argument("--phases", default=DEFAULT_PHASES)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_run_phase(args.phase, args), default=str))
        return
    url = database_url_for(args.database_url)
    print(f"database: {url}", flush=True)
    results: dict = {}
    for name in args.phases.split(","):
        started = time.perf_counter()
        results[name] = r = _spawn(name, args)
        note = r.get("error", "")
        print(f"  {name:<22} done in {time.perf_counter() - started:7.1f} s {note}", flush=True)
        if "stderr" in r:
            print(r["stderr"], file=sys.stderr)
    table = _fmt_tables(results)
    print(table)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"review-{int(time.time())}.json"
    path.write_text(
        json.dumps(
            {"database": url, "args": vars(args), "results": results, "table": table},
            indent=1,
            default=str,
            ensure_ascii=False,
        )
    )
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
