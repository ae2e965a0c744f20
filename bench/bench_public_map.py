"""Benchmark: the public map's first paint with names, and the bytes it needs before it.

The server runs in its own process (``tests/server.py``); Debian's Chromium is driven by
Playwright (1280×800, cache off: a new context per run). Measured in the same run,
alternating, on the same database:

- ``/map`` (this project): the labels of the view at its zoom from
  ``/api/v1/map/labels`` (placement computed on the server once per data version).
  Paint = the animation frame after the first labels are added
  (``performance.mark('gz-labels')``).
- baseline ``all-names-clustered``: the previous design of the page, every name fetched as
  one GeoJSON layer (``/api/v1/map/places.geojson``, gzip) and clustered in the browser by
  Leaflet.markercluster (same Leaflet, same server). Paint = the frame after the cluster
  layer has taken the last marker.

"Bytes before paint" = the navigation's and every resource's ``transferSize`` (bytes on
the wire, gzip included) of what finished loading before the paint.

Usage::

    python bench/bench_public_map.py --database-url sqlite:///PATH/demo.sqlite --runs 5
    python bench/bench_public_map.py                  # builds the demo first (~30 s)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
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
      performance.mark("gz-labels"); });
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
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.endswith(BASELINE_PATH):
            r.fulfill(status=200, content_type="text/html; charset=utf-8", body=BASELINE_HTML)
        elif url.startswith(base) or url.startswith("data:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    t0 = time.perf_counter()
    page.goto(base + path, timeout=600_000)
    wait_until(
        page, "performance.getEntriesByName('gz-labels').length > 0", timeout=600_000, every=5
    )
    wall = (time.perf_counter() - t0) * 1000
    got = page.evaluate(
        """(() => {
          const paint = performance.getEntriesByName('gz-labels')[0].startTime;
          const nav = performance.getEntriesByType('navigation')[0];
          let bytes = nav.transferSize || 0, n = 0;
          for (const e of performance.getEntriesByType('resource')) {
            if (e.responseEnd <= paint) { bytes += e.transferSize; n += 1; }
          }
          return {paint, bytes, n,
                  labels: document.querySelectorAll('.gz-label').length,
                  clusters: document.querySelectorAll('.marker-cluster').length};
        })()"""
    )
    context.close()
    if outside:
        raise SystemExit(f"outside requests: {outside[:5]}")
    return {
        "paint_ms": float(got["paint"]),
        "bytes": float(got["bytes"]),
        "requests": float(got["n"]),
        "drawn": float(got["labels"] or got["clusters"]),
        "wall_ms": wall,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", help="an existing demo database (default: build one)")
    ap.add_argument("--runs", type=int, default=5)
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

    from playwright.sync_api import sync_playwright

    with live_server(settings) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # warm-up: server caches (label placement, layers); the browser cache is per context
        first = measure(browser, base, "/map")
        measure(browser, base, BASELINE_PATH)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(args.runs):
            ours.append(measure(browser, base, "/map"))
            theirs.append(measure(browser, base, BASELINE_PATH))
        browser.close()

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print()
    print(f"runs: {args.runs} (median), headless Chromium 1280x800, cache off")
    print(f"first /map after start (label placement computed): paint {first['paint_ms']:.0f} ms")
    head = f"{'page':<28}{'paint ms':>10}{'KB before paint':>17}{'requests':>10}{'drawn':>8}"
    print(head)
    for name, rows in (("/map (labels of the view)", ours), ("baseline all names", theirs)):
        print(
            f"{name:<28}{med(rows, 'paint_ms'):>10.0f}{med(rows, 'bytes') / 1024:>17.0f}"
            f"{med(rows, 'requests'):>10.0f}{med(rows, 'drawn'):>8.0f}"
        )
    print(
        f"ratio baseline/ours: paint x{med(theirs, 'paint_ms') / med(ours, 'paint_ms'):.1f}, "
        f"bytes x{med(theirs, 'bytes') / med(ours, 'bytes'):.1f}"
    )
    ok = med(ours, "paint_ms") <= 1500 and med(ours, "bytes") <= 1_000_000
    print("targets (paint <= 1.5 s, <= 1 MB before paint):", "met" if ok else "NOT met")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
