#!/usr/bin/env python
"""The pages of bench/load.py one request at a time: where a page's time goes (issue 13).

    .venv/bin/python bench/pages.py                      # every page of the load test
    .venv/bin/python bench/pages.py shortlist referrals  # pages whose name has one of the words
        [--database-url postgres://...] [--requests 15] [--cache-url redis://127.0.0.1:6379/13]

Under load, a page's p95 is mostly its queue: what a page costs a worker is what decides it.
This runs each page of bench/load.py's list through Django's test client in this process, with
the same production settings, people and data set (bench/load.py must have made them: run it
once first), after three warm-up requests, and prints for each the median of --requests
requests: wall time, the process's CPU time (its median and minimum: on a shared machine the
minimum moves least when the machine is busy), the SQL time and the number of queries. The
server's own layers (gunicorn, the socket) are not in these figures; the middleware is.
Compare code by running this from two checkouts one after the other, A B A B.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import DEFAULT_PG, collect_static, prepare_people, production_env, targets
from seed import ROOT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("words", nargs="*", help="only pages whose name contains one of these")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--cache-url", default=None, help="CACHE_URL (default: the database's)")
    args = parser.parse_args(argv)

    env = production_env(args.database_url, 8713, args.cache_url)
    env["ALLOWED_HOSTS"] = "testserver"
    os.environ.update(env)
    collect_static(env)  # the manifest storage of production needs it
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from otop_portal.models import User

    people = prepare_people()
    print(f"{'page':40s} {'wall ms':>8s} {'cpu ms':>7s} {'min cpu':>7s} {'sql ms':>7s} queries")
    for target in targets(people):
        if target.cold_dashboard or (args.words and not any(w in target.name for w in args.words)):
            continue
        client = Client()
        if target.who:
            who = getattr(people, target.who)
            client.force_login(User.objects.get(email=who[0] if isinstance(who, list) else who))
        for _ in range(3):
            response = client.get(target.path, secure=True)
            assert response.status_code == 200, (target.path, response.status_code)
        walls, cpus, sqls = [], [], []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as queries:
                wall, cpu = time.perf_counter(), time.process_time()
                client.get(target.path, secure=True)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            sqls.append(sum(float(q["time"]) for q in queries.captured_queries))
        print(
            f"{target.name[:40]:40s} {statistics.median(walls) * 1000:8.1f}"
            f" {statistics.median(cpus) * 1000:7.1f} {min(cpus) * 1000:7.1f}"
            f" {statistics.median(sqls) * 1000:7.1f} {len(queries.captured_queries):7d}"
        )


if __name__ == "__main__":
    main()
