"""Benchmark: the public map's first paint with names, the bytes it needs before it, and
the vector tiles it draws from.

The server runs in its own process (``tests/server.py``); Debian's Chromium is driven by
Playwright (1280×800, cache off: a new context per run). Measured in the same run,
alternating, on the same database:

- ``/map`` (this project): the names written at the view's zoom, from the ``place-points``
  vector tiles of the view (placed per tile on the server, cached per data version and
  tile). Paint = the animation frame after the first labels are added (the page draws
  each tile of names as it arrives: ``performance.mark('gz-labels')``); "all" = the frame
  after the last tile of the view was drawn (``gz-labels-all``).
- baseline ``all-names-clustered``: the previous design of the page, every name fetched as
  one GeoJSON layer (``/api/v1/map/places.geojson``, gzip) and clustered in the browser by
  Leaflet.markercluster (same Leaflet, same server). Paint = the frame after the cluster
  layer has taken the last marker.

"Bytes before paint" = the navigation's and every resource's ``transferSize`` (bytes on
the wire, gzip included) of what finished loading before the paint.

Tiles (``--tiles N``): ``N`` tiles of ``place-points`` (the names) at random positions over
the names' extent, zooms 8..16, each asked for once on a server that never placed labels
near it (*cold*: candidates read, labels placed, MVT encoded), then ``--repeat`` times
again (*warm*: from the tile cache); plus the roads and admin-areas tiles the page asks
for. Timed in this process over HTTP (httpx), until the whole body is received.

Usage::

    python bench/bench_public_map.py --database-url sqlite:///PATH/demo.sqlite --runs 5
    python bench/bench_public_map.py                  # builds the demo first (~30 s)
    python bench/bench_public_map.py --runs 5 --tiles 60 --no-baseline \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gz_1m   # 1M names
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from benchlib import local_page, med  # noqa: E402

from gazetteer.cartography.labels import world_xy  # noqa: E402
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
from gazetteer.storage.repository import points_extent  # noqa: E402
from tests.browser.conftest import wait_until  # noqa: E402
from tests.server import live_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BASELINE_PATH = "/bench-baseline-all-names"
BASELINE_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>baseline</title>
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/vendor/leaflet.markercluster/MarkerCluster.css">
<link rel="stylesheet" href="/static/vendor/leaflet.markercluster/MarkerCluster.Default.css">
<style>html,body,#m{height:100%;margin:0}</style>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script src="/static/vendor/leaflet.markercluster/leaflet.markercluster.js"></script>
</head><body><div id="m"></div><script>
var map = L.map("m", {maxZoom: 18, minZoom: 7, zoomSnap: 0.25});
map.fitBounds([[36.68, 121.17], [37.57, 122.71]]);
var group = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 80,
  chunkProgress: function (done, total) {
    if (total > 0 && done === total) requestAnimationFrame(function () {
      performance.mark("gz-labels"); performance.mark("gz-labels-all"); });
  }}).addTo(map);
fetch("/api/v1/map/places.geojson").then(function (r) { return r.json(); }).then(function (fc) {
  var icon = L.divIcon({iconSize: [10, 10]});
  group.addLayers(fc.features.map(function (f) {
    var c = f.geometry.coordinates;
    return L.marker([c[1], c[0]], {icon: icon, title: f.properties.name});
  }));
});
</script></body></html>"""


def measure(browser: Any, base: str, path: str) -> dict[str, float]:
    with local_page(browser, base, {BASELINE_PATH: BASELINE_HTML}) as page:
        t0 = time.perf_counter()
        page.goto(base + path, timeout=600_000)
        wait_until(
            page,
            "performance.getEntriesByName('gz-labels-all').length > 0",
            timeout=600_000,
            every=5,
        )
        wall = (time.perf_counter() - t0) * 1000
        got = page.evaluate(
            """(() => {
              const paint = performance.getEntriesByName('gz-labels')[0].startTime;
              const all = performance.getEntriesByName('gz-labels-all')[0].startTime;
              const nav = performance.getEntriesByType('navigation')[0];
              let bytes = nav.transferSize || 0, n = 0;
              for (const e of performance.getEntriesByType('resource')) {
                if (e.responseEnd <= paint) { bytes += e.transferSize; n += 1; }
              }
              return {paint, all, bytes, n,
                      labels: document.querySelectorAll('.gz-label').length,
                      clusters: document.querySelectorAll('.marker-cluster').length};
            })()"""
        )
    return {
        "paint_ms": float(got["paint"]),
        "all_ms": float(got["all"]),
        "bytes": float(got["bytes"]),
        "requests": float(got["n"]),
        "drawn": float(got["labels"] or got["clusters"]),
        "wall_ms": wall,
    }


def _extent(settings: Settings) -> tuple[float, float, float, float]:
    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        extent = points_extent(conn)
    engine.dispose()
    if extent is None:
        raise SystemExit("the database holds no names")
    return extent


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]


def time_tiles(
    base: str, extent: tuple[float, float, float, float], n: int, repeat: int, seed: int = 13
) -> dict[str, list[float]]:
    """Cold and warm timings (ms) of ``n`` random tiles per collection."""
    rng = random.Random(seed)
    picks = []
    for _ in range(n):
        z = rng.randint(8, 16)
        lon = extent[0] + rng.random() * (extent[2] - extent[0])
        lat = extent[1] + rng.random() * (extent[3] - extent[1])
        x, y = world_xy(lon, lat)
        picks.append((z, int(x * 2**z // 256), int(y * 2**z // 256)))
    out: dict[str, list[float]] = {}
    with httpx.Client(timeout=120) as client:
        for collection in ("place-points", "roads", "admin-areas"):
            cold: list[float] = []
            warm: list[float] = []
            sizes: list[float] = []
            for z, x, y in picks:
                url = f"{base}/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
                t0 = time.perf_counter()
                r = client.get(url)
                cold.append((time.perf_counter() - t0) * 1000)
                assert r.status_code in (200, 204), (url, r.status_code, r.text[:200])
                sizes.append(len(r.content))
            for _ in range(repeat):
                for z, x, y in picks:
                    url = f"{base}/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
                    t0 = time.perf_counter()
                    client.get(url)
                    warm.append((time.perf_counter() - t0) * 1000)
            out[f"{collection} cold"] = cold
            out[f"{collection} warm"] = warm
            out[f"{collection} bytes"] = sizes
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", help="an existing demo database (default: build one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tiles", type=int, default=0, help="random tiles to time (0: none)")
    ap.add_argument("--repeat", type=int, default=5, help="warm requests per tile")
    ap.add_argument("--no-baseline", action="store_true", help="skip the all-names baseline")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if args.database_url:
        settings = Settings(database_url=args.database_url)
    else:
        from gazetteer.demo import build_demo

        settings = Settings(database_url=f"sqlite:///{tmp.name}/demo.sqlite")
        print("building the demo ...", flush=True)
        engine = create_engine_from_settings(settings)
        build_demo(engine, seed=settings.demo_seed)
        engine.dispose()
    settings = settings.model_copy(update={"cache_dir": Path(tmp.name) / "cache"})
    extent = _extent(settings)

    from playwright.sync_api import sync_playwright

    tiles: dict[str, list[float]] = {}
    with live_server(settings) as base, sync_playwright() as pw:
        if args.tiles:  # first, on a server that has placed nothing near these tiles
            tiles = time_tiles(base, extent, args.tiles, args.repeat)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        first = measure(browser, base, "/map")
        if not args.no_baseline:
            measure(browser, base, BASELINE_PATH)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(args.runs):
            ours.append(measure(browser, base, "/map"))
            if not args.no_baseline:
                theirs.append(measure(browser, base, BASELINE_PATH))
        browser.close()

    print()
    print(f"database: {settings.database_url}")
    print(f"runs: {args.runs} (median), headless Chromium 1280x800, cache off")
    print(f"first /map after start: paint {first['paint_ms']:.0f} ms, all {first['all_ms']:.0f}")
    head = (
        f"{'page':<28}{'paint ms':>10}{'all ms':>8}{'KB before paint':>17}{'requests':>10}"
        f"{'drawn':>8}"
    )
    print(head)
    rows = [("/map (names tiles of view)", ours)]
    if theirs:
        rows.append(("baseline all names", theirs))
    for name, got in rows:
        print(
            f"{name:<28}{med(got, 'paint_ms'):>10.0f}{med(got, 'all_ms'):>8.0f}"
            f"{med(got, 'bytes') / 1024:>17.0f}"
            f"{med(got, 'requests'):>10.0f}{med(got, 'drawn'):>8.0f}"
        )
    if theirs:
        print(
            f"ratio baseline/ours: paint x{med(theirs, 'paint_ms') / med(ours, 'paint_ms'):.1f}, "
            f"bytes x{med(theirs, 'bytes') / med(ours, 'bytes'):.1f}"
        )
    ok = med(ours, "paint_ms") <= 1500 and med(ours, "bytes") <= 1_000_000
    print("targets (paint <= 1.5 s demo / 2 s 1M, <= 1 MB before paint):", "met" if ok else "check")
    if tiles:
        print(f"tiles: {args.tiles} random tiles, zooms 8..16, warm x{args.repeat}")
        print(f"{'series':<26}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'mean KB':>9}")
        for collection in ("place-points", "roads", "admin-areas"):
            kb = statistics.mean(tiles[f"{collection} bytes"]) / 1024
            for kind in ("cold", "warm"):
                v = tiles[f"{collection} {kind}"]
                print(
                    f"{collection + ' ' + kind:<26}{len(v):>6}{_pct(v, 0.5):>9.1f}"
                    f"{_pct(v, 0.95):>9.1f}{max(v):>9.1f}{kb:>9.1f}"
                )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
