#!/bin/sh
# The full benchmark as recorded in docs/performance.md: seed 250,000 products and measure, on
# PostgreSQL then on SQLite. Logs and JSON figures go to bench/out/. About 20 minutes on 2 cores.
set -e
cd "$(dirname "$0")/.."
export DJANGO_DEBUG=true
PY=.venv/bin/python
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432/otop_bench}
mkdir -p bench/out
$PY bench/seed.py --products 250000 --producers 100000 --channels 40 --database-url "$PG"
# fast: the first fill (every pair inserted); analyze: what autovacuum would do next.
$PY bench/run.py --database-url "$PG" \
    --phases fast,analyze,rescore,floor,rawfloor,read,single,pages,breakdown --breakdown 8000
$PY bench/seed.py --products 250000 --producers 100000 --channels 40
$PY bench/run.py --phases fast,rescore,floor,rawfloor,read,single,pages
