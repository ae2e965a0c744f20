"""Benchmark: the public map's first meaningful paint and page size, in headless Chromium.

The server runs in its own process (``tests/server.py``); Debian's Chromium is driven by
Playwright. Measured in the same run, alternating, on the same database:

- ``/map`` (this project): a small HTML page; the names (16,845 in the demo) are fetched
  as one GeoJSON layer and clustered per category. "Meaningful paint" = every name is in its cluster
  layer and the clusters are drawn (``performance.mark('gz-names-loaded')``, set in the
  animation frame after markercluster has processed the last chunk).
- baseline ``folium-embedded``: what folium does by default — the same names written into
  the page as ``folium.Marker`` objects (with a tooltip each) in one ``MarkerCluster``; its
  assets are also served locally so that only the data path differs. Paint = the animation
  frame after the ``load`` event (all inline scripts have run).

Targets (issue 6): paint under 2 s and HTML under 1 MB on the demo.

Usage::

    python bench/bench_map.py                                     # builds the demo (SpatiaLite)
    python bench/bench_map.py --database-url sqlite:///var/weihai.sqlite   # an existing demo
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gazetteer import mapdata  # noqa: E402
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
from tests.server import live_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BASELINE_PATH = "/bench-baseline-folium"
INIT = """
window.addEventListener('load', function () {
  requestAnimationFrame(function () { window.__gzLoadPaint = performance.now(); });
});
"""


def build_baseline_html(settings: Settings) -> tuple[str, int]:
    """folium's default way: every name embedded as a Marker with a popup in a cluster."""
    import folium
    from folium.plugins import MarkerCluster

    from maps import assets
    from maps.render import offline_map, page_html

    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        points = mapdata.place_points(conn)
        bounds = mapdata.admin_boundary(conn).geometry.bounds
    engine.dispose()
    m = offline_map(bounds=tuple(bounds), clusters=True)  # type: ignore[arg-type]
    cluster = MarkerCluster(name="地名")
    cluster.default_js = [("markerclusterjs", assets.CLUSTER_JS)]
    cluster.default_css = [
        ("markerclustercss", assets.CLUSTER_CSS),
        ("markerclusterdefault", assets.CLUSTER_DEFAULT_CSS),
    ]
    cluster.add_to(m)
    for p in points:
        # tooltips, not popups: folium's popups need jQuery, which the offline pages drop
        folium.Marker([p.lat, p.lon], tooltip=p.name).add_to(cluster)
    html = page_html(m, title="baseline", body_class="gz-full")
    # the map must have maxZoom before the cluster group is added
    html = html.replace("crs: L.CRS.EPSG3857,", "crs: L.CRS.EPSG3857, maxZoom: 18,", 1)
    return html, len(points)


def measure(browser: Any, base: str, url_path: str, baseline_html: str | None) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(INIT)
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if baseline_html is not None and url.endswith(BASELINE_PATH):
            r.fulfill(status=200, content_type="text/html; charset=utf-8", body=baseline_html)
        elif url.startswith(base) or url.startswith("data:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    t0 = time.perf_counter()
    page.goto(base + url_path, timeout=600_000)
    if baseline_html is None:
        page.wait_for_selector("body[data-names-loaded]", state="attached", timeout=600_000)
        paint = page.evaluate("performance.getEntriesByName('gz-names-loaded')[0].startTime")
    else:
        page.wait_for_function("window.__gzLoadPaint !== undefined", timeout=600_000)
        paint = page.evaluate("window.__gzLoadPaint")
    wall = (time.perf_counter() - t0) * 1000
    fcp = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: -1}).startTime"
    )
    clusters = page.locator(".marker-cluster, .gz-cluster").count()
    context.close()
    if outside:
        raise SystemExit(f"outside requests: {outside[:5]}")
    return {"paint_ms": float(paint), "fcp_ms": float(fcp), "wall_ms": wall, "clusters": clusters}


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

    print("rendering the folium-embedded baseline ...", flush=True)
    t0 = time.perf_counter()
    baseline_html, n_names = build_baseline_html(settings)
    print(f"  baseline built in {time.perf_counter() - t0:.1f} s", flush=True)

    from playwright.sync_api import sync_playwright

    with live_server(settings) as base, sync_playwright() as pw:
        page_bytes = len(httpx.get(f"{base}/map").content)
        layer_raw = layer_gz = 0
        for code in [c["key"] for c in _categories(base)]:
            url = f"{base}/api/v1/map/places.geojson?category={code}"
            layer_raw += len(httpx.get(url, headers={"Accept-Encoding": "identity"}).content)
            r = httpx.get(url, headers={"Accept-Encoding": "gzip"})
            layer_gz += int(r.headers.get("content-length", len(r.content)))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        measure(browser, base, "/map", None)  # warm-up (server caches, browser cache off)
        for _ in range(args.runs):
            ours.append(measure(browser, base, "/map", None))
            theirs.append(measure(browser, base, BASELINE_PATH, baseline_html))
        browser.close()

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print()
    print(f"names: {n_names}, runs: {args.runs} (median), headless Chromium 1280x800")
    print(f"{'page':<22}{'HTML bytes':>14}{'paint ms':>12}{'FCP ms':>10}{'clusters':>10}")
    print(
        f"{'/map (API GeoJSON)':<22}{page_bytes:>14,}{med(ours, 'paint_ms'):>12.0f}"
        f"{med(ours, 'fcp_ms'):>10.0f}{med(ours, 'clusters'):>10.0f}"
    )
    print(
        f"{'folium embedded':<22}{len(baseline_html.encode()):>14,}"
        f"{med(theirs, 'paint_ms'):>12.0f}{med(theirs, 'fcp_ms'):>10.0f}"
        f"{med(theirs, 'clusters'):>10.0f}"
    )
    print(f"names GeoJSON fetched by /map: {layer_raw:,} bytes raw, {layer_gz:,} gzip")
    print(
        f"ratio baseline/ours: paint x{med(theirs, 'paint_ms') / med(ours, 'paint_ms'):.1f}, "
        f"HTML x{len(baseline_html.encode()) / page_bytes:.0f}"
    )
    ok = med(ours, "paint_ms") < 2000 and page_bytes < 1_000_000
    print("targets (paint < 2000 ms, HTML < 1 MB):", "met" if ok else "NOT met")
    tmp.cleanup()
    return 0


def _categories(base: str) -> list[dict[str, Any]]:
    from gazetteer.model import classification

    return [{"key": c.code} for c in classification().majors]


if __name__ == "__main__":
    sys.exit(main())
