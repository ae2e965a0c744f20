"""Benchmark: a CQL2 filter with a spatial and an attribute predicate over ``places``,
first page, over HTTP.

The server runs in its own process (uvicorn, one worker, ``tests/server.py``); this process
is the client. Series, interleaved request by request in the same run:

- ``cql2-text``: ``filter=S_INTERSECTS(geometry, BBOX(...)) AND category_code = '...'``
  (the figure with the target: p95 <= 100 ms on the demo);
- ``cql2-json``: the same filter as CQL2 JSON;
- baseline ``params``: the same selection with the Part 1 parameters
  (``bbox=...&category_code=...``), no CQL2 parsing;
- baseline ``unfiltered``: the first page of ``places`` without any filter;
- baseline ``pygeoapi`` (with ``--pygeoapi URL``): a pygeoapi server (PostgreSQL provider)
  over the same PostGIS table, the same selection as its ECQL text filter
  ``BBOX(geom, ...) AND category_code = '...'`` (pygeoapi 0.21 reads ``filter`` as ECQL).
  Its provider wants one geometry column in SRID 4326: run it on a view
  ``places_pga`` (``ST_SetSRID(geom, 4326)`` with a GiST index on that expression, see
  ``bench/RESULTS.md``).

Each request is a first page (so it also counts ``numberMatched``), ``limit=100``, boxes
and categories drawn from a fixed list so that no two consecutive requests are the same.

Usage::

    python bench/bench_ogc_filter.py --database-url sqlite:///var/weihai.sqlite
    python bench/bench_ogc_filter.py --database-url postgresql+psycopg://postgres@127.0.0.1/DB
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gazetteer.settings import Settings  # noqa: E402
from tests.server import live_server  # noqa: E402

BOXES = [
    (122.0, 37.4, 122.2, 37.6),
    (121.9, 37.1, 122.1, 37.3),
    (122.3, 37.1, 122.5, 37.3),
    (121.5, 36.9, 121.9, 37.2),
    (122.05, 37.45, 122.15, 37.55),
]
CATEGORIES = ["23510", "22200", "11100", "13100", "21610"]
LIMIT = 100


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def requests_for(bbox: tuple[float, ...], cat: str) -> dict[str, dict[str, Any]]:
    b = ",".join(str(v) for v in bbox)
    text = f"S_INTERSECTS(geometry, BBOX({b})) AND category_code = '{cat}'"
    doc = {
        "op": "and",
        "args": [
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": list(bbox)}]},
            {"op": "=", "args": [{"property": "category_code"}, cat]},
        ],
    }
    return {
        "cql2-text": {"filter": text, "limit": LIMIT},
        "cql2-json": {"filter": json.dumps(doc), "filter-lang": "cql2-json", "limit": LIMIT},
        "baseline params": {"bbox": b, "category_code": cat, "limit": LIMIT},
        "baseline unfiltered": {"limit": LIMIT},
    }


def run(database_url: str, rounds: int, pygeoapi: str | None = None) -> None:
    settings = Settings(database_url=database_url)
    times: dict[str, list[float]] = {}
    matched: dict[str, set[int]] = {}
    rnd = random.Random(3)
    with live_server(settings, workers=1) as base, httpx.Client(timeout=60) as client:
        url = f"{base}/ogc/collections/places/items"
        for i in range(rounds + 5):
            bbox, cat = rnd.choice(BOXES), rnd.choice(CATEGORIES)
            series = [(url, name, params) for name, params in requests_for(bbox, cat).items()]
            if pygeoapi:
                b = ",".join(str(v) for v in bbox)
                flt = f"BBOX(geom, {b}) AND category_code = '{cat}'"
                params = {"f": "json", "limit": LIMIT, "filter": flt}
                series.append((f"{pygeoapi}/collections/places/items", "baseline pygeoapi", params))
            rnd.shuffle(series)
            for target, name, params in series:
                t0 = time.perf_counter()
                r = client.get(target, params=params)
                dt = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200, r.text
                if i >= 5:  # warm-up rounds are not counted
                    times.setdefault(name, []).append(dt)
                    matched.setdefault(name, set()).add(int(r.json()["numberMatched"]))
    print(f"database: {database_url.split('@')[-1]}; load average {os.getloadavg()}")
    print("| series | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, xs in times.items():
        print(f"| {name} | {statistics.median(xs):.1f} | {pct(xs, 95):.1f} |")
    text95, base95 = pct(times["cql2-text"], 95), pct(times["baseline params"], 95)
    print(f"ratio p95 cql2-text / params baseline: {text95 / base95:.2f}")
    if "baseline pygeoapi" in times:
        print(f"ratio p95 pygeoapi / cql2-text: {pct(times['baseline pygeoapi'], 95) / text95:.2f}")
        print(f"numberMatched seen (pygeoapi): {sorted(matched['baseline pygeoapi'])}")
    print(f"numberMatched seen (cql2-text): {sorted(matched['cql2-text'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True, help="a database holding the demo")
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--pygeoapi", help="base URL of a pygeoapi serving the same table")
    args = ap.parse_args()
    run(args.database_url, args.rounds, args.pygeoapi)


if __name__ == "__main__":
    main()
