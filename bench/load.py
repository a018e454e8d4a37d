#!/usr/bin/env python
"""Every role's main pages under concurrent use, at national size (issue 13): one command.

    .venv/bin/python bench/load.py                 # PostgreSQL: otop_bench13 on 127.0.0.1
    .venv/bin/python bench/load.py --sqlite        # the embedded default (SQLite)
        [--database-url postgres://...] [--duration 15] [--connections 32] [--pages a,b]
        [--reseed] [--products 250000] [--producers 100000] [--channels 40] [--port 8713]
        [--cache-url redis://127.0.0.1:6379/13]   # the server's cache (default: the database's)

What it does, in order:
1. Seeds the data set, or reuses it when the database already holds one made with the same
   sizes (a marker table says so; --reseed starts afresh): bench/seed.py's national data set
   (250,000 products, 100,000 producers, 40 channels), every pair scored by
   matching.services.rematch_all (9.2 M results), then bench/seed.py's activity: referrals in
   every state with their events, 20,000 "sent" to the big partner, saved lists,
   notifications, 1,000 new producers waiting for verification (--waiting). Then VACUUM
   ANALYZE (autovacuum is off on the bench machine).
2. Migrates (so a reused data set gets the code's indexes), makes the cache table, collects the
   static files, and makes its own bench people with a password and a verified address: the
   demo accounts are refused with DEBUG off.
3. Starts `gunicorn -w 2 --no-control-socket` with production settings: DJANGO_DEBUG off, a
   SECRET_KEY, ALLOWED_HOSTS, persistent connections (CONN_MAX_AGE's production default), the
   manifest static storage, JSON logs (to bench/out/load-gunicorn.log).
4. Logs in one person per role through the login form (allauth, CSRF, secure cookies behind
   X-Forwarded-Proto: https, as production's TLS proxy sends it). The API's pages rotate over
   32 people of the same role instead: its per-user throttle (600/min) would answer one
   person's 32 connections with 429, as it should; 32 buyers or officers at once is the case
   to measure. Their sessions are made directly (the login form allows 30 logins a minute from
   one address).
5. For each page: one request that must answer 200 (it also fills what the page keeps in the
   cache), then wrk at --connections (32) for --duration seconds, 2 threads, 2 s timeout. The
   dashboard is measured twice: from its cache, and once starting with the cache empty, so
   that the run includes the moment its figures are worked out (stampede protection).
6. Prints one table: req/s, p50, p95, p99, errors (responses not 2xx, timeouts, socket
   errors), and each page's p95 as a ratio to /healthz's p95 in the same run; writes the
   figures to bench/out/load-<time>.json.

Why wrk (Debian's package, installed here with apt-get when missing) and not locust: wrk is C
and one thread per core, so on a 2-core machine it takes a small share of the CPU that the
server it measures needs; locust's Python workers would take a core of their own at these
rates and measure themselves as much as the portal. wrk's Lua hook (bench/load.lua) counts
non-2xx answers and rotates session cookies.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed import EMAIL_DOMAIN, OUT, ROOT, recreate_database, setup_django

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/otop_bench13"
DEFAULT_SQLITE = f"sqlite:///{OUT / 'load13-bench.sqlite3'}"
LUA = Path(__file__).resolve().parent / "load.lua"
VENV_BIN = Path(sys.executable).parent
SECRET = "bench-load-secret-key-not-for-production-" + "x" * 24
PASSWORD = "bench-load-13-password"  # noqa: S105 - bench people on a bench database only
API_PEOPLE = 32  # people the API's calls rotate over
DRAIN_SECONDS = 10  # how long the queued requests of a run may take before the server restarts
TARGET_RATIO = 4.0  # issue 13: every page's p95 at most 4x /healthz's p95
TIMEOUT_MS = 2000  # wrk --timeout: slower responses count as errors (issue 13 counted them)
MARKER = "bench_load_marker"

# Sizes of the activity seed (bench/seed.py seed_activity).
REFERRALS = 30_000
BIG_PARTNER_SENT = 20_000
WAITING = 1_000  # producers submitted and waiting for an officer (about 1 % of the register)


# --- The data set ---------------------------------------------------------------------------------


def _marker_params(args) -> dict:
    return {
        "products": args.products,
        "producers": args.producers,
        "channels": args.channels,
        "seed": args.seed,
        "referrals": args.referrals,
        "big_partner_sent": args.big_partner_sent,
        "waiting": args.waiting,
    }


def _database_exists(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return Path(parts.path).exists()
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parts.path.lstrip("/")]
        ).fetchone()
    return row is not None


def _read_marker() -> dict | None:
    from django.db import connection

    if MARKER not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT params FROM {MARKER}")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _write_marker(params: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (params TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER} (params) VALUES (%s)", [json.dumps(params)])  # noqa: S608


def ensure_dataset(args, url: str, log=print) -> dict:
    """Reuse the data set when the marker says it was made with these sizes; else make it."""
    import seed as bench_seed

    params = _marker_params(args)
    fresh = args.reseed or not _database_exists(url)
    if fresh:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)  # the Thai pages, as deployed
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not fresh and _read_marker() == params:
        log(f"data set: reusing {url} ({params})")
        return params
    if not fresh:  # a database of other sizes, or one whose seed did not finish
        from django.db import connections

        connections.close_all()
        recreate_database(url)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    log(f"data set: seeding {url} ({params})")
    bench_seed.seed(
        products=args.products, producers=args.producers, channels=args.channels, seed=args.seed
    )
    from matching.services import rematch_all

    summary = rematch_all()
    log(f"  rematch_all     {summary.seconds:7.1f} s  {summary.pairs:,} pairs")
    bench_seed.seed_activity(
        referrals=args.referrals,
        big_partner_sent=args.big_partner_sent,
        waiting=args.waiting,
        seed=args.seed,
        log=log,
    )
    _write_marker(params)
    log(f"data set: made in {time.perf_counter() - started:.0f} s")
    return params


# --- The people ---------------------------------------------------------------------------------


@dataclass
class People:
    """Who the load test acts as: one person per role (logged in through the form) and the
    API's rotations, with the rows the pages are about."""

    producer: str = ""
    officer: str = ""  # of the province with the most products
    national: str = ""
    partner: str = ""  # a member of the partner with the most referrals
    api_partners: list[str] = field(default_factory=list)
    api_officers: list[str] = field(default_factory=list)
    product_id: int = 0
    referral_id: int = 0
    search_word: str = ""
    search_name: str = ""


def _bench_person(email: str, **fields):
    from allauth.account.models import EmailAddress

    from otop_portal.models import User

    user, _ = User.objects.update_or_create(email=email, defaults=fields)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def prepare_people(api_people: int = API_PEOPLE) -> People:
    """The bench people, each with the same password (hashed once) and a verified address.
    Idempotent. Needs the data set (seed, results, activity)."""
    from django.contrib.auth.hashers import check_password, make_password
    from django.db import transaction
    from django.db.models import Count

    from matching.models import Referral
    from otop_portal.models import Role, User
    from partners.models import Partner
    from producers.models import Product

    people = People()
    with transaction.atomic():
        national = User.objects.get(email=f"officer-national@{EMAIL_DOMAIN}")
        provincial = (
            User.objects.filter(role=Role.OFFICER, is_national_officer=False)
            .filter(email__startswith="officer-", email__endswith=EMAIL_DOMAIN)
            .order_by("pk")
            .first()
        )
        provinces = list(provincial.provinces.all())
        busiest = (
            Referral.objects.filter(state="sent")
            .values("channel__partner")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        partner = Partner.objects.get(pk=busiest["channel__partner"])  # the big partner
        biggest = (
            Product.objects.filter(status="active")
            .values("producer")
            .annotate(n=Count("pk"))
            .order_by("-n", "producer")
            .first()
        )
        from producers.models import Producer

        producer = Producer.objects.select_related("user").get(pk=biggest["producer"])
        people.producer = producer.user.email
        people.officer = provincial.email
        people.national = national.email
        member = _bench_person(
            f"load-partner-{partner.code}@{EMAIL_DOMAIN}",
            role=Role.PARTNER,
            partner=partner,
            full_name="ผู้ซื้อทดสอบ",
        )
        people.partner = member.email
        for user in (producer.user, provincial, national):
            _bench_person(user.email)
        for i in range(api_people):
            _bench_person(
                f"load-api-partner-{i:02d}@{EMAIL_DOMAIN}", role=Role.PARTNER, partner=partner
            )
            officer = _bench_person(f"load-api-officer-{i:02d}@{EMAIL_DOMAIN}", role=Role.OFFICER)
            officer.provinces.set(provinces)
        people.api_partners = [
            f"load-api-partner-{i:02d}@{EMAIL_DOMAIN}" for i in range(api_people)
        ]
        people.api_officers = [
            f"load-api-officer-{i:02d}@{EMAIL_DOMAIN}" for i in range(api_people)
        ]
        # Hashed once for all (a hash costs a tenth of a second), and kept when it is this
        # password already: a new hash would log everyone out (the session keeps a hash of the
        # password), a server running meanwhile included.
        emails = [people.producer, people.officer, people.national, people.partner]
        bench = User.objects.filter(email__in=emails + people.api_partners + people.api_officers)
        hashes = set(bench.values_list("password", flat=True))
        if len(hashes) != 1 or not check_password(PASSWORD, hashes.pop()):
            bench.update(password=make_password(PASSWORD), is_active=True)
        product = (
            Product.objects.filter(producer=producer, status="active")
            .annotate(n=Count("match_results"))
            .order_by("-n", "pk")
            .first()
        )
        people.product_id = product.pk
        # A product waiting for the buyer's decision (the page they open most).
        waiting = (
            Referral.objects.filter(channel__partner=partner, state="sent")
            .order_by("-updated_at", "pk")
            .first()
        )
        people.referral_id = waiting.pk
        name = waiting.product.name_th
        people.search_word, people.search_name = name.split()[0], name
    return people


def mint_sessions(emails: list[str]) -> list[str]:
    """A session for each person, as django.contrib.auth.login makes it (what force_login
    does): "sessionid=<key>" cookie values. The server must run with the same SECRET_KEY."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from otop_portal.models import User

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    cookies = []
    for user in User.objects.filter(email__in=emails).order_by("email"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


# --- The server ---------------------------------------------------------------------------------


def production_env(url: str, port: int, cache_url: str | None = None) -> dict[str, str]:
    """What otop_portal/settings.py needs to run as in production, pointed at the bench; the
    cache is production's default (the database's table) unless `cache_url` names another."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CONN_MAX_AGE", "CACHE_URL", "LOG_"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="otop_portal.settings",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=url,
        STATIC_ROOT=str(OUT / "load-static"),
        MEDIA_ROOT=str(OUT / "load-media"),
        PRIVATE_MEDIA_ROOT=str(OUT / "load-private-media"),
        PORTAL_URL=f"http://127.0.0.1:{port}",
    )
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


def collect_static(env: dict[str, str]) -> None:
    """The manifest storage of production needs collectstatic (templates fail without it)."""
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env: dict[str, str], port: int, workers: int = 2) -> subprocess.Popen:
    log = (OUT / "load-gunicorn.log").open("w")
    proc = subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "--no-control-socket",
            "-b",
            f"127.0.0.1:{port}",
            "otop_portal.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}): see {log.name}")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz")[0] == 200:
                return proc
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s: see {log.name}")


def stop_gunicorn(proc: subprocess.Popen, *, quick: bool = False) -> None:
    if proc.poll() is None:
        # Its own session: the master and its workers. SIGQUIT does not wait for the requests
        # in progress.
        os.killpg(proc.pid, signal.SIGQUIT if quick else signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def cancel_statements(url: str) -> None:
    """Cancel what the bench database is still running for a dropped server (PostgreSQL)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = '' AND state = 'active'"
        )


# --- HTTP: logging in, and one request -----------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "th"}


def fetch(
    port: int,
    path: str,
    *,
    cookie: str = "",
    method: str = "GET",
    body: str | None = None,
    timeout: float = 120,
) -> tuple[int, dict[str, list[str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = dict(PROXY_HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"https://127.0.0.1:{port}"
        headers["Referer"] = f"https://127.0.0.1:{port}{path}"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found, response.read()
    finally:
        conn.close()


def _cookies_set(headers: dict[str, list[str]]) -> dict[str, str]:
    return dict(
        value.split(";", 1)[0].split("=", 1)
        for value in headers.get("set-cookie", [])
        if "=" in value.split(";", 1)[0]
    )


def log_in(port: int, email: str, password: str = PASSWORD) -> str:
    """Through allauth's login form, as a browser does: the form (CSRF cookie and token), then
    the POST. Returns the Cookie header value of the logged-in session."""
    status, headers, body = fetch(port, "/accounts/login/")
    if status != 200:
        raise SystemExit(f"login form answered {status}")
    jar = _cookies_set(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    form = urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password})
    status, headers, _body = fetch(
        port, "/accounts/login/", cookie=cookie, method="POST", body=form
    )
    jar.update(_cookies_set(headers))
    if status != 302 or "sessionid" not in jar:
        raise SystemExit(f"logging in {email} failed (status {status})")
    return f"sessionid={jar['sessionid']}"


# --- The pages ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    who: str  # a People attribute, "" for anonymous
    path: str
    cold_dashboard: bool = False


def targets(people: People) -> list[Target]:
    """The pages of issue 13, in the order they are measured (/healthz first: the floor)."""
    word, name = quote(people.search_word), quote(people.search_name)
    return [
        Target("healthz", "", "/healthz"),
        # Not a page of the issue: the cheapest page the portal renders (the site template,
        # the middleware, no data), to tell the cost of a Django page from the cost of its data.
        Target("login page (no data)", "", "/accounts/login/"),
        Target("producer home", "producer", "/producer/"),
        Target("producer product page", "producer", f"/producer/products/{people.product_id}/"),
        Target("officer home (big province)", "officer", "/officer/"),
        Target("officer home (national)", "national", "/officer/"),
        Target("candidates (big province)", "officer", "/officer/candidates/"),
        Target("candidates (national)", "national", "/officer/candidates/"),
        Target(
            "candidates ?partner, page 5", "officer", "/officer/candidates/?partner=central&page=5"
        ),
        Target("referrals (big province)", "officer", "/officer/referrals/"),
        Target("referrals (national)", "national", "/officer/referrals/"),
        Target("referrals ?state=sent (national)", "national", "/officer/referrals/?state=sent"),
        Target("producers queue (national)", "national", "/officer/producers/"),
        Target("certificates queue (national)", "national", "/officer/certificates/"),
        # Served from the figures the first visit worked out (they are kept 5 minutes), and
        # once from none: the run starts as the cache is emptied (a deploy, a new day).
        Target("dashboard (big province)", "officer", "/officer/dashboard/"),
        Target("dashboard (national)", "national", "/officer/dashboard/"),
        Target(
            "dashboard (national), cold", "national", "/officer/dashboard/", cold_dashboard=True
        ),
        Target("partner home / shortlist", "partner", "/partner/"),
        Target(
            "shortlist, filtered",
            "partner",
            "/partner/?state=sent&category=food&min_stars=3&ordering=-score",
        ),
        Target("shortlist, Thai word", "partner", f"/partner/?q={word}"),
        Target("shortlist, Thai name", "partner", f"/partner/?q={name}"),
        Target("shortlist page 20", "partner", "/partner/?page=20"),
        Target("partner referral page", "partner", f"/partner/referrals/{people.referral_id}/"),
        Target("feed", "partner", "/partner/feed/"),
        Target("API shortlist", "api_partners", "/api/v1/shortlist/"),
        Target("API match-results (big province)", "api_officers", "/api/v1/match-results/"),
        Target(
            "API match-results ?eligible", "api_officers", "/api/v1/match-results/?eligible=true"
        ),
    ]


def wait_until_idle(port: int, seconds: float = 600) -> float:
    """After a run, the workers still answer the requests queued when wrk stopped (a page that
    takes seconds leaves minutes of them): wait until /healthz answers at once again, so that
    the next page starts on idle workers. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        asked = time.monotonic()
        with contextlib.suppress(OSError):
            if (
                fetch(port, "/healthz", timeout=seconds)[0] == 200
                and time.monotonic() - asked < 0.5
            ):
                break
        time.sleep(0.5)
    return time.monotonic() - started


def clear_dashboard_cache() -> int:
    """Every officer's charts worked out afresh on the next visit (the run starts cold). This
    process shares the server's cache (--cache-url sets it for both)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache
    from django.db import connection

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match="*dashboard:*"))
        return client.delete(*keys) if keys else 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM otop_cache WHERE cache_key LIKE %s", ["%dashboard:%"])
        return cursor.rowcount


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    print("installing wrk (apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S607
    return shutil.which("wrk") or "wrk"


def run_wrk(
    wrk: str, port: int, path: str, cookies: list[str], *, connections: int, duration: int
) -> dict:
    env = {**os.environ, "LOAD_PATH": path, "LOAD_COOKIES": "|".join(cookies)}
    proc = subprocess.run(  # noqa: S603
        [
            wrk,
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            f"{TIMEOUT_MS // 1000}s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return parse_wrk(proc.stdout, proc.stderr)


def parse_wrk(stdout: str, stderr: str = "") -> dict:
    """The JSON line bench/load.lua prints at the end of wrk's own report."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            figures = json.loads(line)
            figures["rps"] = figures["requests"] / figures["seconds"] if figures["seconds"] else 0
            figures["errors"] = figures["not_2xx"] + figures["timeouts"] + figures["socket_errors"]
            return figures
    return {"error": (stderr or stdout).strip()[-300:] or "wrk printed nothing"}


def _ms(r: dict, key: str, share: float) -> str:
    """A percentile, or "> timeout" when more than (1 - share) of the requests took longer:
    wrk counts a response slower than --timeout as a timeout and keeps it out of the latency
    figures, so its percentiles are those of the fast responses only."""
    beyond = r["timeouts"] / r["requests"] if r["requests"] else 1.0
    return f"> {TIMEOUT_MS:,}" if beyond > share else f"{r[key]:,.1f}"


def format_table(rows: list[dict]) -> str:
    """One Markdown table; the ratio is the page's p95 over /healthz's p95 of the same run."""
    floor = next((r["p95_ms"] for r in rows if r["name"] == "healthz" and "p95_ms" in r), None)
    lines = [
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors | p95 / healthz p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | ERROR: {r['error'][:150]} | | | | | |")
            continue
        if not r["requests"]:  # nothing came back
            lines.append(f"| {r['name']} | 0 | – | – | – | {r['errors']:,} | ✗ |")
            continue
        p95 = _ms(r, "p95_ms", 0.05)
        ratio_text = f"> {TIMEOUT_MS / floor:.1f}×" if p95.startswith(">") and floor else None
        ratio = r["p95_ms"] / floor if floor else float("nan")
        met = ratio <= TARGET_RATIO and not r["errors"] and ratio_text is None
        mark = "" if r["name"] == "healthz" else (" ✓" if met else " ✗")
        errors = f"{r['errors']:,}"
        if r["errors"]:
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("statuses", {}).items()))
            if r["timeouts"]:
                detail = ", ".join(filter(None, [detail, f"timeouts: {r['timeouts']}"]))
            errors += f" ({detail})" if detail else ""
        lines.append(
            f"| {r['name']} | {r['rps']:,.1f} | {_ms(r, 'p50_ms', 0.5)} | {p95} | "
            f"{_ms(r, 'p99_ms', 0.01)} | {errors} | {ratio_text or f'{ratio:.1f}×'}{mark} |"
        )
    return "\n".join(lines)


def machine() -> dict:
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "loadavg": [round(x, 2) for x in load]}


def measure(args, url: str, people: People, log=print) -> list[dict]:
    """Start the server, log in, run wrk against every page; always stop the server."""
    from django.db import connections

    wrk = ensure_wrk()
    env = production_env(url, args.port, args.cache_url)
    collect_static(env)
    connections.close_all()
    server = start_gunicorn(env, args.port)
    rows = []
    try:
        cookies = {
            role: [log_in(args.port, getattr(people, role))]
            for role in ("producer", "officer", "national", "partner")
        }
        cookies[""] = []
        cookies["api_partners"] = mint_sessions(people.api_partners)
        cookies["api_officers"] = mint_sessions(people.api_officers)
        chosen = set(args.pages.split(",")) if args.pages else None
        for target in targets(people):
            if chosen and target.name != "healthz" and not any(c in target.name for c in chosen):
                continue
            jar = cookies[target.who]
            try:
                status, _headers, page = fetch(args.port, target.path, cookie=jar[0] if jar else "")
                # A dashboard whose figures are being worked out (a thread does it, the page
                # says so): the warm runs measure the figures kept, so wait for them first.
                waited = time.monotonic()
                while b'data-testid="chart-pending"' in page and time.monotonic() - waited < 120:
                    time.sleep(1)
                    status, _headers, page = fetch(args.port, target.path, cookie=jar[0])
            except OSError as error:
                status = f"{type(error).__name__}"
            if status != 200:
                rows.append({"name": target.name, "path": target.path, "error": f"status {status}"})
                log(f"  {target.name:<40} answered {status}: skipped")
                continue
            if target.cold_dashboard:
                clear_dashboard_cache()
            figures = run_wrk(
                wrk,
                args.port,
                target.path,
                jar,
                connections=args.connections,
                duration=args.duration,
            )
            figures.update(
                name=target.name, path=target.path, who=target.who, loadavg=os.getloadavg()[0]
            )
            # The next page starts on idle workers: the requests still queued are dropped
            # (a restart, and the bench database's running statements cancelled) when they
            # would take more than a few seconds to answer.
            figures["drain_s"] = round(wait_until_idle(args.port, DRAIN_SECONDS), 1)
            if figures["drain_s"] >= DRAIN_SECONDS:
                stop_gunicorn(server, quick=True)
                cancel_statements(url)
                server = start_gunicorn(env, args.port)
                figures["restarted"] = True
            rows.append(figures)
            if "error" in figures:
                log(f"  {target.name:<40} wrk failed: {figures['error']}")
            else:
                log(
                    f"  {target.name:<40} {figures['rps']:8.1f} req/s"
                    f"  p95 {figures['p95_ms']:8.1f} ms  errors {figures['errors']}"
                    f"  (load {figures['loadavg']:.1f})"
                )
    finally:
        stop_gunicorn(server)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default {DEFAULT_PG}")
    parser.add_argument(
        "--sqlite", action="store_true", help=f"the embedded default: {DEFAULT_SQLITE}"
    )
    parser.add_argument("--products", type=int, default=250_000)
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=40)
    parser.add_argument("--referrals", type=int, default=REFERRALS)
    parser.add_argument("--big-partner-sent", type=int, default=BIG_PARTNER_SENT)
    parser.add_argument(
        "--waiting", type=int, default=WAITING, help="producers waiting for verification"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true", help="drop the data set and seed afresh")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8713)
    parser.add_argument("--pages", default="", help="only pages whose name contains one of these")
    parser.add_argument("--label", default="", help="a word for the figures' file name")
    parser.add_argument(
        "--cache-url",
        default=None,
        help="the server's CACHE_URL, e.g. redis://127.0.0.1:6379/13 (default: production's"
        " default, the database's cache table)",
    )
    args = parser.parse_args(argv)
    url = args.database_url or (DEFAULT_SQLITE if args.sqlite else DEFAULT_PG)
    os.environ["SECRET_KEY"] = SECRET  # the sessions minted here must be valid for the server
    if args.cache_url:  # this process clears the dashboard's figures and mints sessions in it
        os.environ["CACHE_URL"] = args.cache_url
    started = time.perf_counter()
    ensure_dataset(args, url)
    people = prepare_people()
    before = machine()
    rows = measure(args, url, people)
    table = format_table(rows)
    print(table)
    OUT.mkdir(parents=True, exist_ok=True)
    label = f"-{args.label}" if args.label else ""
    path = OUT / f"load{label}-{int(time.time())}.json"
    path.write_text(
        json.dumps(
            {
                "database": url,
                "args": vars(args),
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine_before": before,
                "machine_after": machine(),
                "rows": rows,
                "table": table,
                "seconds": round(time.perf_counter() - started),
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
