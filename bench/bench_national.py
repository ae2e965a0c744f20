"""A synthetic national gazetteer on PostGIS: bulk load, then search, reverse and paging.

    .venv/bin/python bench/bench_national.py --names 1000000 [--keep] [--no-record] [--jobs J]

1. ``gazetteer.demo.national.write_national`` writes the frame (31 provinces, ~330
   prefectures, 2,843 counties, ~40,000 towns) and ``--names`` places as CSV (not timed).
2. Baseline, same run: plain ``COPY`` of the same ``places.csv`` into a table of the
   same columns without indexes, triggers or constraints (``CREATE TABLE … (LIKE places)``).
3. The load: ``load_national`` in its two phases -- the load (``COPY`` into ``places`` with
   the search structures set aside, the rows' checks, commit) and the indexing phase
   (n-grams, aliases, indexes, statistics, each step its own transaction, independent
   steps side by side on ``--jobs`` connections, default 2); each statement's time is
   logged with the connection (thread) that ran it and when it ended. Printed: the COPY
   phase's rows/s, the indexing phase's seconds and the rows/s until searchable (both
   phases), each with its ratio to the baseline; then ``VACUUM ANALYZE`` (not part of
   the load: the indexing phase analyses).
4. The API in its own process (uvicorn, one worker) over the loaded database: search
   (1–2 characters, names, full pinyin, initials, mixed) and reverse geocoding p50/p95,
   OGC items (``limit=100``) at the first page and at deep keyset pages, and the
   worker's peak RSS (``/proc``), polled during the requests.

The scratch database is created on ``GAZETTEER_BENCH_POSTGRES_URL`` and dropped after
(``--keep`` keeps it). Needs ~3 GB of disk per million names (docs/search.md).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import PG_URL, write_section

from gazetteer.demo.national import PLACE_COLUMNS, write_national
from gazetteer.demo.national_load import copy_csv, count_rows, load_national
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from gazetteer.storage.bulk import BUILD_JOBS
from tests.server import live_server

HEADING = "## National data set (issue 17)"


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def _worker_pids(port: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"api.main:create_app_from_env" in cmd and str(port).encode() in cmd:
            pids.append(int(d.name))
    return pids


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pids: list[int], url: str, timeout_s: float = 1800) -> float:
    """Wait until the server's start-up work (its background warm-ups) is done: twice in
    a row, less than 5 % of a core over two seconds and no query of it running in the
    database (a warm-up's large query keeps the worker idle). Returns the seconds."""
    started = time.monotonic()
    # autocommit: a transaction sees one snapshot of pg_stat_activity for its whole life,
    # so a query active at the first look would seem active for ever
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    active = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )
    before, quiet = sum(_cpu_s(p) for p in pids), 0
    with engine.connect() as conn:
        while quiet < 2 and time.monotonic() - started < timeout_s:
            time.sleep(2)
            now = sum(_cpu_s(p) for p in pids)
            busy = now - before >= 0.1 or conn.execute(active).scalar_one() > 0
            quiet = 0 if busy else quiet + 1
            before = now
    engine.dispose()
    return time.monotonic() - started


class RssWatch:
    """Peak RSS of the server's processes, polled every 0.2 s in a thread."""

    def __init__(self, port: int) -> None:
        self.pids = _worker_pids(port)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                with contextlib.suppress(OSError):
                    self.peak = max(self.peak, _rss_mb(pid))
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


KINDS = ("1 char", "2 chars", "name", "pinyin", "initials", "mixed")


def queries(conn: Any, rng: random.Random, n: int) -> list[str]:
    """A mix of what people type, drawn from the loaded names (``KINDS``, in turn)."""
    sample = conn.execute(
        text("SELECT name, pinyin_key, initials FROM places TABLESAMPLE SYSTEM (1) LIMIT 2000")
    ).all()
    out = []
    for i in range(n):
        name, key, ini = sample[rng.randrange(len(sample))]
        kind = i % 6
        if kind == 0:
            out.append(name[0])
        elif kind == 1:
            out.append(name[:2])
        elif kind == 2:
            out.append(name)
        elif kind == 3:
            out.append(key.replace(" ", ""))
        elif kind == 4:
            out.append(ini[:3])
        else:
            out.append(name[0] + ini[1:2])
    return out


def timed_get(client: httpx.Client, url: str, params: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    r = client.get(url, params=params)
    ms = (time.perf_counter() - t0) * 1000
    r.raise_for_status()
    return ms


def api_phase(url: str, requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    engine = create_engine(url)
    with engine.connect() as conn:
        qs = queries(conn, rng, requests)
        max_id = conn.execute(text("SELECT max(id) FROM places")).scalar_one()
        count = conn.execute(
            text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'places'")
        ).scalar_one()
    engine.dispose()
    out: dict[str, Any] = {"names_est": count}
    with live_server(Settings(database_url=url)) as base:
        port = int(base.rsplit(":", 1)[1])
        watch = RssWatch(port)
        out["warm_up_s"] = wait_idle(watch.pids, url)
        out["rss_idle_mb"] = watch.peak
        print(f"  server warm-up {out['warm_up_s']:.0f} s, RSS after it {watch.peak:.0f} MB")
        client = httpx.Client(timeout=120)
        for q in qs[:10]:  # warm-up
            client.get(f"{base}/api/v1/search", params={"q": q})
        search = [timed_get(client, f"{base}/api/v1/search", {"q": q}) for q in qs]
        reverse = []
        for _ in range(requests):
            lon, lat = rng.uniform(75.5, 132.5), rng.uniform(20.5, 49.5)
            reverse.append(timed_get(client, f"{base}/api/v1/reverse", {"lon": lon, "lat": lat}))
        items = f"{base}/ogc/collections/places/items"
        first = [timed_get(client, items, {"limit": 100}) for _ in range(20)]
        deep = [
            timed_get(client, items, {"limit": 100, "cursor": f"a{rng.randrange(max_id)}"})
            for _ in range(20)
        ]
        out["rss_mb"] = watch.stop()
        out["rss_pids"] = len(watch.pids)
    for name, xs in (("search", search), ("reverse", reverse), ("first", first), ("deep", deep)):
        out[name] = (statistics.median(xs), pct(xs, 95))
        print(f"  {name}: p50 {out[name][0]:.1f} ms, p95 {out[name][1]:.1f} ms ({len(xs)})")
    out["kinds"] = {}
    for i, kind in enumerate(KINDS):  # queries() makes the kinds in turn
        xs = search[i :: len(KINDS)]
        out["kinds"][kind] = (statistics.median(xs), pct(xs, 95))
        print(f"    {kind}: p50 {statistics.median(xs):.1f} ms, p95 {pct(xs, 95):.1f} ms")
    print(f"  API worker peak RSS {out['rss_mb']:.0f} MB")
    return out


def sizes(url: str) -> dict[str, float]:
    engine = create_engine(url)
    with engine.connect() as conn:
        db = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        places = conn.execute(text("SELECT pg_total_relation_size('places')")).scalar_one()
        grams = conn.execute(text("SELECT pg_total_relation_size('search_grams')")).scalar_one()
    engine.dispose()
    return {"db_gb": db / 1e9, "places_gb": places / 1e9, "grams_gb": grams / 1e9}


def record(names: int, r: dict[str, Any], command: str, load: str) -> None:
    heading = f"{HEADING}, {names:,} names"
    lines = [
        heading,
        "",
        f"`bench/bench_national.py`: {names:,} synthetic names with the census's shape "
        "(`gazetteer.demo.national`) on PostGIS; see the script's docstring for each step.",
        "",
        "Command:",
        "",
        f"    {command}",
        "",
        f"Machine load (1/5/15-minute load average on 2 cores) at the start: {load}; at the "
        f"end: {r['load_end']}.",
        "",
        "| step | seconds | rows/s (ratio to the baseline's) |",
        "|---|---:|---:|",
        f"| generate the CSV files (not part of the load) | {r['generate']:.0f} | "
        f"{names / r['generate']:,.0f} |"
        if r["generate"] == r["generate"]
        else "| generate the CSV files | (reused from an earlier run) | |",
        f"| baseline: plain COPY into a table without indexes | {r['plain']:.1f} | "
        f"{names / r['plain']:,.0f} |",
        f"| load phase: COPY into `places`, search structures set aside | {r['rows']:.1f} | "
        f"{names / r['rows']:,.0f} ({r['plain'] / r['rows']:.2f} × baseline) |",
        f"| load phase: the rows' checks (foreign keys, unique codes), commit | "
        f"{r['checks']:.1f} | |",
        f"| indexing phase: n-grams, aliases, indexes, ANALYZE | {r['index']:.1f} | |",
        f"| until searchable (COPY, checks, indexing; not the frame) | {r['searchable']:.1f} | "
        f"{names / r['searchable']:,.0f} ({r['plain'] / r['searchable']:.2f} × baseline) |",
        f"| VACUUM ANALYZE (after; not needed to search) | {r['vacuum']:.1f} | |",
        "",
        "| API (one uvicorn worker, HTTP) | p50 ms | p95 ms |",
        "|---|---:|---:|",
    ]
    labels = {
        "search": "search (1–2 chars, names, pinyin, initials, mixed)",
        "reverse": "reverse geocode",
        "first": "OGC items, first page (limit 100)",
        "deep": "OGC items, deep keyset pages (limit 100)",
    }
    for key, label in labels.items():
        p50, p95 = r["api"][key]
        lines.append(f"| {label} | {p50:.1f} | {p95:.1f} |")
        if key == "search":
            for kind, (k50, k95) in r["api"]["kinds"].items():
                lines.append(f"| … search, {kind} | {k50:.1f} | {k95:.1f} |")
    lines += [
        "",
        f"API worker: start-up warm-ups took {r['api']['warm_up_s']:.0f} s (measured after "
        f"them), RSS {r['api']['rss_idle_mb']:.0f} MB after them, peak "
        f"{r['api']['rss_mb']:.0f} MB. Disk: database "
        f"{r['sizes']['db_gb']:.2f} GB (`places` {r['sizes']['places_gb']:.2f} GB with its "
        f"indexes, `search_grams` {r['sizes']['grams_gb']:.2f} GB).",
        "",
        "The slowest steps of the load (seconds, from `gazetteer.storage.bulk`'s log):",
        "",
        *(f"- {sec:.1f} s `{what}`{n}" for sec, what, n in slowest(r["steps"])),
        "",
        "",
    ]
    write_section(heading, "\n".join(lines))


def slowest(steps: list[tuple[float, str]], n: int = 6) -> list[tuple[float, str, str]]:
    """The ``n`` slowest kinds of step; steps of one kind (the n-grams, a million names a
    step) summed, with their number."""
    kinds: dict[str, list[float]] = {}
    for seconds, what in steps:
        kinds.setdefault(what, []).append(seconds)
    ranked = sorted(((sum(xs), what, len(xs)) for what, xs in kinds.items()), reverse=True)
    return [(sec, what, f" ({k} steps)" if k > 1 else "") for sec, what, k in ranked[:n]]


class Steps(logging.Handler):
    """Collects the (seconds, statement) that ``gazetteer.storage.bulk`` logs per step."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.steps: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%.1f s  %s" and isinstance(record.args, tuple):
            seconds, statement = record.args
            self.steps.append((float(seconds), str(statement)[:60] + " …"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    ap.add_argument(
        "--data",
        help="folder of the generated files: used as they are if there, else written and kept "
        "(the generate time is then that of the first run)",
    )
    ap.add_argument("--db-prefix", default="gz_bench_national", help="scratch database name")
    ap.add_argument("--jobs", type=int, default=BUILD_JOBS, help="connections of the indexing")
    ap.add_argument("--database", help="the scratch database's exact name (overrides --db-prefix)")
    args = ap.parse_args()
    logging.basicConfig(format="    %(asctime)s %(threadName)s %(message)s")
    logging.getLogger("gazetteer.storage.bulk").setLevel(logging.INFO)
    steps = Steps()
    logging.getLogger("gazetteer.storage.bulk").addHandler(steps)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    r: dict[str, Any] = {}
    tmp = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="gz-national-"))
    reuse = args.data is not None and (tmp / "places.csv").exists()
    name = args.database or f"{args.db_prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    base, _, _ = PG_URL.rpartition("/")
    url = f"{base}/{name}"
    try:
        t0 = time.perf_counter()
        if reuse:
            places_csv = tmp / "places.csv"
            args.names = count_rows(places_csv)
            r["generate"] = float("nan")
            print(f"reusing {args.names:,} names in {tmp}")
        else:
            _, places_csv, frame = write_national(tmp, args.names, args.seed)
            r["generate"] = time.perf_counter() - t0
            print(
                f"generated {args.names:,} names, {len(frame.areas):,} areas: {r['generate']:.0f} s"
            )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine_from_settings(Settings(database_url=url))
        upgrade(engine)
        with engine.begin() as conn:  # baseline: the same rows, no indexes
            conn.execute(text("SET LOCAL statement_timeout = 0"))  # minutes at 13M names
            conn.execute(text("CREATE TABLE plain_places (LIKE places)"))
            conn.execute(text("ALTER TABLE plain_places ALTER COLUMN id DROP NOT NULL"))
            t0 = time.perf_counter()
            copy_csv(conn, "plain_places", PLACE_COLUMNS, places_csv)
            r["plain"] = time.perf_counter() - t0
            conn.execute(text("DROP TABLE plain_places"))
        print(f"plain COPY: {r['plain']:.1f} s = {args.names / r['plain']:,.0f} rows/s")
        t0 = time.perf_counter()
        report = load_national(engine, tmp, jobs=args.jobs)
        r["load"] = time.perf_counter() - t0
        r["rows"], r["checks"] = report.seconds["rows"], report.seconds["checks"]
        r["index"] = report.seconds["index"]
        r["searchable"] = r["rows"] + r["checks"] + r["index"]
        r["steps"] = steps.steps
        n = args.names
        print(
            f"load phase: COPY {r['rows']:.1f} s = {n / r['rows']:,.0f} rows/s "
            f"({r['plain'] / r['rows']:.2f} x baseline), checks {r['checks']:.1f} s\n"
            f"indexing phase: {r['index']:.1f} s on {args.jobs} connections "
            f"(load {'/'.join(f'{x:.1f}' for x in os.getloadavg())})\n"
            f"until searchable: {r['searchable']:.1f} s = {n / r['searchable']:,.0f} rows/s "
            f"({r['plain'] / r['searchable']:.2f} x baseline); {report}"
        )
        if not args.data:
            shutil.rmtree(tmp, ignore_errors=True)
        t0 = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SET statement_timeout = 0"))  # minutes at 13M names
            conn.execute(text("VACUUM ANALYZE"))
        r["vacuum"] = time.perf_counter() - t0
        engine.dispose()
        r["sizes"] = sizes(url)
        print(f"sizes: {r['sizes']}")
        r["api"] = api_phase(url, args.requests, args.seed)
        r["load_end"] = "/".join(f"{x:.1f}" for x in os.getloadavg())
    finally:
        if not args.data:
            shutil.rmtree(tmp, ignore_errors=True)
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    if not args.no_record:
        command = " ".join([".venv/bin/python", *sys.argv])
        record(args.names, r, command, load)


if __name__ == "__main__":
    main()
