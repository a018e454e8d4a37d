#!/usr/bin/env python
"""Profile a register import (docs/performance.md, issue 15): run `import_register FILE` under
cProfile, then print its CPU and wall time, how many SQL queries it made, and the functions
that took the most time.

    DJANGO_DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/register_profile.py \
        FILE [--out bench/out/register.prof] [--top 40] [--sort cumulative] [--dry-run]

Make FILE with bench/register_file.py (a few thousand rows: cProfile slows Python about 1.5x).
The import is a real one unless --dry-run: run it against a bench database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "register.prof"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    options = ["--no-progress", *(["--dry-run"] if args.dry_run else [])]
    profile = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(count):
        profile.runcall(call_command, "import_register", args.file, *options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(args.out)
    print(f"under cProfile: {cpu:.1f} s CPU, {wall:.1f} s wall, {queries:,} queries")
    pstats.Stats(args.out).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
