"""Time the demo build on SpatiaLite and PostGIS.

    /tmp/venv0/bin/python bench/bench_demo.py [--seed N] [--skip-postgis]

Prints, per backend, the build time (generate in memory + write in one transaction) and
its ratio to the baseline measured in the same run: generating the same data in memory
only (no database). PostGIS uses ``GAZETTEER_BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) to create and drop a scratch
database.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from gazetteer.demo import build_demo
from gazetteer.demo.generate import compute_keys, generate
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings

PG_URL = os.environ.get(
    "GAZETTEER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def baseline(seed: int) -> float:
    started = time.perf_counter()
    data = generate(seed)
    compute_keys(data)
    return time.perf_counter() - started


def sqlite_build(seed: int) -> tuple[float, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine_from_settings(
            Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        )
        started = time.perf_counter()
        report = build_demo(engine, seed=seed)
        seconds = time.perf_counter() - started
        engine.dispose()
    return seconds, report.counts


def postgis_build(seed: int) -> tuple[float, dict[str, int]]:
    name = f"gz_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        base, _, _ = PG_URL.rpartition("/")
        engine = create_engine_from_settings(Settings(database_url=f"{base}/{name}"))
        started = time.perf_counter()
        report = build_demo(engine, seed=seed)
        seconds = time.perf_counter() - started
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return seconds, report.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=Settings().demo_seed)
    parser.add_argument("--skip-postgis", action="store_true")
    args = parser.parse_args()
    base = baseline(args.seed)
    print(f"baseline: generate in memory only      {base:6.1f} s")
    runs = [("SpatiaLite", sqlite_build)]
    if not args.skip_postgis:
        runs.append(("PostGIS", postgis_build))
    for label, fn in runs:
        seconds, counts = fn(args.seed)
        print(
            f"{label:10s} build (incl. migrations) {seconds:6.1f} s  "
            f"ratio to baseline {seconds / base:4.1f}x  "
            f"names={counts['names']} edges={counts['network_edges']} "
            f"nodes={counts['network_nodes']} facilities={counts['facilities']}"
        )


if __name__ == "__main__":
    main()
