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
  over the same PostGIS table ``places`` (``storage_crs`` EPSG:4490, ``properties`` the
  census columns: see ``bench/RESULTS.md``), the same selection as its filter
  ``INTERSECTS(geom, POLYGON(...)) AND category_code = '...'`` with ``filter-crs``
  EPSG:4490 (pygeoapi 0.21 reads ``filter`` as ECQL; it moves geometry literals into the
  storage CRS, but not the numbers of a ``BBOX(...)``, which then meet the SRID 4490
  column as SRID 4326 and fail; and it would swap a CRS84 literal into 4490's lat/lon
  order, so the literal is given as already in the storage CRS). It is also asked for its
  storage CRS as output (``crs=…/4490``): for any other output it builds a pyproj
  transformer per request, about 1 s on this machine, which would swamp the comparison.

Each request is a first page (so it also asks for ``numberMatched``), ``limit=100``, boxes
and categories drawn from a fixed list so that no two consecutive requests are the same.
``--explain`` prints PostgreSQL's plans (``EXPLAIN ANALYZE``) of the page and of the count
for the largest selection, as the server runs them.

Usage::

    python bench/bench_ogc_filter.py --database-url sqlite:///var/weihai.sqlite
    python bench/bench_ogc_filter.py --database-url postgresql+psycopg://postgres@127.0.0.1/DB
    python bench/bench_ogc_filter.py --database-url postgresql+psycopg://postgres@127.0.0.1/gz_1m \
        --categories 23510,22110 --pygeoapi http://127.0.0.1:5099 --explain
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

from sqlalchemy import func, select, text  # noqa: E402

from gazetteer.ogc import features as ft  # noqa: E402
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
from gazetteer.storage.dialect import short_reads  # noqa: E402
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


def pygeoapi_params(bbox: tuple[float, ...], cat: str) -> dict[str, Any]:
    x1, y1, x2, y2 = bbox
    ring = f"{x1} {y1}, {x2} {y1}, {x2} {y2}, {x1} {y2}, {x1} {y1}"
    return {
        "f": "json",
        "limit": LIMIT,
        "filter": f"INTERSECTS(geom, POLYGON(({ring}))) AND category_code = '{cat}'",
        "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
    }


def explain(settings: Settings, bbox: tuple[float, ...], cat: str) -> None:
    """PostgreSQL's plans of the first page and of a full count (which the server skips
    above its estimate threshold), as the server builds them."""
    c = ft.get_collection("places")
    text_filter = requests_for(bbox, cat)["cql2-text"]["filter"]
    q = ft.parse_items_query(c, [("filter", text_filter), ("limit", str(LIMIT))])
    conds = ft.conditions(c, q)
    page = (
        select(c.key, *(p.column for p in c.output_properties))
        .select_from(c.source)
        .where(*conds)
        .order_by(c.key)
        .limit(LIMIT + 1)
    )
    count = select(func.count()).select_from(c.source).where(*conds)
    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        short_reads(conn)  # as the server's reads (no JIT, no parallel workers)
        print(f"planned rows: {ft.planned_rows(conn, select(c.key).where(*conds))}")
        for name, stmt in (("page", page), ("full count", count)):
            sql = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            plan = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars()
            print(f"-- {name}\n" + "\n".join(plan))
    engine.dispose()


def run(
    database_url: str,
    rounds: int,
    pygeoapi: str | None = None,
    categories: list[str] | None = None,
) -> None:
    settings = Settings(database_url=database_url)
    times: dict[str, list[float]] = {}
    matched: dict[str, dict[tuple[Any, ...], int | None]] = {}
    cats = categories or CATEGORIES
    rnd = random.Random(3)
    with live_server(settings, workers=1) as base, httpx.Client(timeout=60) as client:
        url = f"{base}/ogc/collections/places/items"
        for i in range(rounds + 5):
            bbox, cat = rnd.choice(BOXES), rnd.choice(cats)
            series = [(url, name, params) for name, params in requests_for(bbox, cat).items()]
            if pygeoapi:
                target = f"{pygeoapi}/collections/places/items"
                series.append((target, "baseline pygeoapi", pygeoapi_params(bbox, cat)))
            rnd.shuffle(series)
            for target, name, params in series:
                t0 = time.perf_counter()
                r = client.get(target, params=params)
                dt = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200, r.text
                if i >= 5:  # warm-up rounds are not counted
                    times.setdefault(name, []).append(dt)
                    body = r.json()
                    assert len(body["features"]) == min(LIMIT, body.get("numberMatched", LIMIT))
                    matched.setdefault(name, {})[(bbox, cat)] = body.get("numberMatched")
    print(f"database: {database_url.split('@')[-1]}; load average {os.getloadavg()}")
    print("| series | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, xs in times.items():
        print(f"| {name} | {statistics.median(xs):.1f} | {pct(xs, 95):.1f} |")
    text95, base95 = pct(times["cql2-text"], 95), pct(times["baseline params"], 95)
    print(f"ratio p95 cql2-text / params baseline: {text95 / base95:.2f}")
    if "baseline pygeoapi" in times:
        print(f"ratio p95 pygeoapi / cql2-text: {pct(times['baseline pygeoapi'], 95) / text95:.2f}")
    ours = matched["cql2-text"]
    theirs = matched.get("baseline pygeoapi", {})
    counted = {k: v for k, v in ours.items() if v is not None}
    print(
        f"numberMatched: {len(ours)} selections, {len(counted)} counted "
        f"(largest {max(counted.values(), default=0)}), {len(ours) - len(counted)} left out"
    )
    if theirs:
        differ = {k: (v, theirs.get(k)) for k, v in counted.items() if theirs.get(k) != v}
        print(f"pygeoapi counts: largest {max(v or 0 for v in theirs.values())}; differ: {differ}")
    print(f"load average after: {os.getloadavg()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True, help="a database holding the demo")
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--pygeoapi", help="base URL of a pygeoapi serving the same table")
    ap.add_argument("--categories", help="comma-separated category codes to draw from")
    ap.add_argument("--explain", action="store_true", help="print the PostgreSQL plans first")
    args = ap.parse_args()
    cats = args.categories.split(",") if args.categories else None
    if args.explain:
        explain(Settings(database_url=args.database_url), BOXES[3], (cats or CATEGORIES)[0])
    run(args.database_url, args.rounds, args.pygeoapi, cats)


if __name__ == "__main__":
    main()
