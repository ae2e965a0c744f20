"""Benchmark: OGC API – Features items with ``limit=1000`` over HTTP.

The server runs in its own process (uvicorn, ``tests/server.py``); this process is the
client. Measured in the same run:

- ``keyset``: ``/items?limit=1000&cursor=…`` pages spread over the whole collection
  (what the ``next`` links give), the figure with the target (p95 < 300 ms);
- ``first``: the first page, which also counts ``numberMatched``;
- baseline ``offset``: the same pages fetched with ``offset=`` (how many servers page);
- baseline ``naive``: in-process, no HTTP: a plain SQL fetch of the same 1000 rows with
  their WKB geometry, shapely decoding and ``json.dumps`` of a GeoJSON dict (the obvious
  implementation without database-side GeoJSON);
- ``gdal``: GDAL's OAPIF driver (pyogrio) reading the whole collection.

Usage::

    python bench/bench_ogc.py                     # builds the demo into a temporary SpatiaLite file
    python bench/bench_ogc.py --database-url postgresql+psycopg://postgres@127.0.0.1/EMPTY_DB
    python bench/bench_ogc.py --data existing --database-url sqlite:///var/weihai.sqlite
    python bench/bench_ogc.py --data synthetic    # demo-sized synthetic data
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from shapely.geometry import LineString, MultiPolygon, Point, box, mapping
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gazetteer.model import (  # noqa: E402
    AdminArea,
    AdminLevel,
    DemandPoint,
    Facility,
    FacilityType,
    Place,
    Road,
)
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings, upgrade  # noqa: E402
from gazetteer.storage import repository as repo  # noqa: E402
from gazetteer.storage import tables as t  # noqa: E402
from gazetteer.storage.geometry import from_db  # noqa: E402
from tests.server import live_server  # noqa: E402

LIMIT = 1000


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(name: str, xs: list[float]) -> dict[str, float]:
    out = {"p50_ms": pct(xs, 50), "p95_ms": pct(xs, 95), "mean_ms": statistics.fmean(xs)}
    print(
        f"  {name:<28} n={len(xs):<4} p50 {out['p50_ms']:8.1f} ms   "
        f"p95 {out['p95_ms']:8.1f} ms   mean {out['mean_ms']:8.1f} ms"
    )
    return out


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def build_synthetic(settings: Settings, *, places: int = 16_845, seed: int = 1) -> None:
    """Demo-sized data: ~17k places (points, roads, areas), 1.5k facilities, 3k demand points."""
    rnd = random.Random(seed)
    engine = create_engine_from_settings(settings)
    upgrade(engine)

    def xy() -> tuple[float, float]:
        return 121.6 + rnd.random() * 1.0, 36.8 + rnd.random() * 0.7

    with engine.begin() as conn:
        repo.ensure_categories(conn)
        city = "371000000000"
        areas = [
            AdminArea(
                city,
                "威海市",
                AdminLevel.CITY,
                None,
                "市",
                MultiPolygon([box(121.6, 36.8, 122.7, 37.6)]),
            )
        ]
        for i in range(2_840):
            x, y = xy()
            areas.append(
                AdminArea(
                    f"3710{i + 1:08d}",
                    f"区划{i}",
                    AdminLevel.VILLAGE,
                    city,
                    "村委会",
                    MultiPolygon([box(x, y, x + 0.01, y + 0.008)]),
                )
            )
        repo.insert_admin_areas(conn, areas)
        rows: list[Place] = []
        for i in range(places):
            x, y = xy()
            kind = i % 10
            geom = (
                LineString([(x, y), (x + 0.005, y + 0.002), (x + 0.012, y + 0.001), (x + 0.02, y)])
                if kind == 0
                else box(x, y, x + 0.004, y + 0.003)
                if kind == 1
                else Point(x, y)
            )
            rows.append(
                Place(
                    name=f"地名{i}",
                    category_code="23510" if kind == 0 else "22200",
                    admin_code=city,
                    geometry=geom,
                    code=f"371000{i:014d}",
                    specific=f"地名{i}",
                    generic="路" if kind == 0 else "村",
                    romanized=f"Dìmíng {i}",
                    meaning="以所在地形和历史沿革命名，含义说明文字。" * 2,
                    origin="明朝洪武年间建村，由来说明。",
                    history="1949年后属威海卫，历史沿革说明文字。",
                    established_year=1368 + i % 600,
                )
            )
        ids = repo.insert_places(conn, rows)
        repo.insert_roads(
            conn,
            [
                Road(
                    place_id=pid,
                    start_desc="起点",
                    end_desc="止点",
                    length_m=1800.0,
                    width_m=24.0,
                    grade="主干路",
                )
                for pid in ids[0::10]
            ],
        )
        types = list(FacilityType)
        repo.insert_facilities(
            conn,
            [
                Facility(
                    f"设施{i}",
                    types[i % len(types)],
                    city,
                    Point(*xy()),
                    code=f"F{i:05d}",
                    beds=i % 90,
                )
                for i in range(1_560)
            ],
        )
        repo.insert_demand_points(
            conn,
            [
                DemandPoint(f"3710{i:08d}", f"村{i}", city, Point(*xy()), 900, 250, i % 5)
                for i in range(2_840)
            ],
        )
    engine.dispose()


def naive_page(settings: Settings, after: int) -> Callable[[], str]:
    """Baseline: SQL rows + WKB -> shapely -> dict -> json.dumps, in process."""
    engine = create_engine_from_settings(settings)
    p = t.places
    cols = [c for c in p.c if c.name not in ("point", "pinyin_key", "initials", "reading")]

    def run() -> str:
        with engine.connect() as conn:
            rows = conn.execute(
                select(*cols).where(p.c.id > after).order_by(p.c.id).limit(LIMIT)
            ).all()
        feats = []
        for r in rows:
            m = dict(r._mapping)
            g = from_db(m.pop("geom"))
            for k in ("created_at", "updated_at"):
                m.pop(k)
            feats.append(
                {"type": "Feature", "id": m["id"], "geometry": mapping(g), "properties": m}
            )
        return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        choices=["demo", "synthetic", "existing"],
        default="demo",
        help="build the demo (default) or demo-sized synthetic data, or use an existing DB",
    )
    ap.add_argument(
        "--database-url", help="where to build (an empty database), or the existing database"
    )
    ap.add_argument("--requests", type=int, default=120, help="requests per measured series")
    ap.add_argument("--collection", default="places")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    if args.data == "existing":
        if not args.database_url:
            raise SystemExit("--data existing needs --database-url")
        settings = Settings(database_url=args.database_url)
        source = args.database_url
    else:
        # built into --database-url (an empty database) or a temporary SpatiaLite file
        url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
        settings = Settings(database_url=url)
        kind = "PostGIS" if url.startswith("postgresql") else "SpatiaLite"
        t0 = time.perf_counter()
        if args.data == "synthetic":
            build_synthetic(settings)
        else:
            from gazetteer.demo import build_demo

            engine = create_engine_from_settings(settings)
            build_demo(engine, seed=settings.demo_seed, progress=False)
            engine.dispose()
        source = f"{args.data} data on {kind} ({time.perf_counter() - t0:.0f} s to build)"

    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.places.c.id).order_by(t.places.c.id)).scalars())
        counts = {
            "places": len(ids),
            "roads": repo.count(conn, t.roads),
            "facilities": repo.count(conn, t.facilities),
            "demand-points": repo.count(conn, t.demand_points),
            "admin-areas": repo.count(conn, t.admin_areas),
        }
    engine.dispose()
    print(f"data: {source}\n  rows: {counts}")
    coll = args.collection
    if coll != "places":
        raise SystemExit("only --collection places is measured (keys are place ids)")
    # Page starts spread over the collection: cursor = the id just before each page.
    rnd = random.Random(42)
    starts = [rnd.randrange(0, max(1, len(ids) - LIMIT)) for _ in range(args.requests)]

    with live_server(settings) as base:
        url = f"{base}/ogc/collections/{coll}/items"
        client = httpx.Client(timeout=60)
        for _ in range(5):  # warm-up
            client.get(url, params={"limit": LIMIT}).raise_for_status()

        checked = 0

        def one(params: dict[str, Any]) -> float:
            """Time one request until its whole body is received; every 10th response is
            checked after the clock stops (client-side JSON parsing is not counted)."""
            nonlocal checked
            t0 = time.perf_counter()
            r = client.get(url, params=params)
            ms = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            checked += 1
            if checked % 10 == 1:
                assert r.json()["numberReturned"] == LIMIT
            return ms

        print(f"\nGET {coll}/items?limit={LIMIT} over HTTP (server in its own process)")
        # keyset and offset requests for the same pages, interleaved (same load conditions)
        keyset: list[float] = []
        offset: list[float] = []
        for s in starts:
            keyset.append(one({"limit": LIMIT, "cursor": f"a{ids[s - 1]}" if s else "a0"}))
            offset.append(one({"limit": LIMIT, "offset": s}))
        first = [one({"limit": LIMIT}) for _ in range(max(20, args.requests // 4))]
        res_keyset = summary("keyset (next links)", keyset)
        res_first = summary("first page (+numberMatched)", first)
        res_offset = summary("baseline: offset paging", offset)
        naive = [timed(naive_page(settings, ids[s - 1] if s else 0)) for s in starts[:40]]
        res_naive = summary("baseline: naive in-process", naive)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pyogrio

            t0 = time.perf_counter()
            df = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=coll)
            gdal_s = time.perf_counter() - t0
        print(f"  GDAL OAPIF full read of {coll}: {len(df)} features in {gdal_s:.2f} s")
        assert len(df) == counts[coll]

    print("\nratios (p95):")
    print(f"  offset baseline / keyset  = {res_offset['p95_ms'] / res_keyset['p95_ms']:.2f}")
    print(f"  naive baseline / keyset   = {res_naive['p95_ms'] / res_keyset['p95_ms']:.2f}")
    target = 300.0
    ok = res_keyset["p95_ms"] < target and res_first["p95_ms"] < target
    print(f"\ntarget p95 < {target:.0f} ms: {'met' if ok else 'NOT met'}")
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
