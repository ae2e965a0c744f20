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

Then the result map sheets (``/api/v1/map/sheets/{number}.{fmt}``) through the sheet cache:
a server with an empty cache directory answers a set of sheets cold (each rendered,
``X-Cache: miss``), then the same requests warm (read from the cache, ``hit``) and as
revalidations (``If-None-Match`` -> 304); medians and the cold/warm ratio are printed.
The server renders one other sheet first, so the cold figures do not include loading
matplotlib and its fonts. Last, a burst: ``--burst`` missing grid sheets requested at once
(more than the server's ``GAZETTEER_SHEET_RENDER_LIMIT``, 2 by default), and while they
render and queue, the cached sheets are asked for again in a loop; their median shows
whether a hit waits behind renders.

Usage::

    python bench/bench_map.py                                     # builds the demo (SpatiaLite)
    python bench/bench_map.py --database-url sqlite:///var/weihai.sqlite   # an existing demo
    python bench/bench_map.py --database-url ... --sheets-only    # only the sheet cache
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import demo_settings, local_page, med  # noqa: E402

from gazetteer.cartography import layers  # noqa: E402
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, wait_until  # noqa: E402
from tests.server import live_server  # noqa: E402

BASELINE_PATH = "/bench-baseline-folium"
INIT = """
window.addEventListener('load', function () {
  requestAnimationFrame(function () { window.__gzLoadPaint = performance.now(); });
});
"""


def build_baseline_html(settings: Settings) -> tuple[str, int]:
    """Folium's default way: every name embedded as a Marker with a popup in a cluster."""
    import folium
    from folium.plugins import MarkerCluster

    from maps import assets
    from maps.render import offline_map, page_html

    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        points = layers.place_points(conn)
        bounds = layers.admin_boundary(conn).geometry.bounds
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
    pages = {BASELINE_PATH: baseline_html} if baseline_html is not None else {}
    with local_page(browser, base, pages) as page:
        page.add_init_script(INIT)
        t0 = time.perf_counter()
        page.goto(base + url_path, timeout=600_000)
        if baseline_html is None:
            # the public map now writes the labels of its view (bench_public_map.py measures it)
            wait_until(
                page,
                "performance.getEntriesByName('gz-labels').length > 0",
                timeout=600_000,
                every=5,
            )
            paint = page.evaluate("performance.getEntriesByName('gz-labels')[0].startTime")
        else:
            wait_until(page, "window.__gzLoadPaint !== undefined", timeout=600_000, every=5)
            paint = page.evaluate("window.__gzLoadPaint")
        wall = (time.perf_counter() - t0) * 1000
        fcp = page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: -1})"
            ".startTime"
        )
        clusters = page.locator(".marker-cluster, .gz-cluster").count()
    return {"paint_ms": float(paint), "fcp_ms": float(fcp), "wall_ms": wall, "clusters": clusters}


def measure_sheets(settings: Settings, count: int, runs: int, burst: int = 4) -> None:
    """Cold (rendered) vs warm (cached) sheet requests against a fresh cache directory,
    then warm requests during a burst of ``burst`` renders."""
    with tempfile.TemporaryDirectory(prefix="bench-sheet-cache-") as cache_dir:
        fresh = settings.model_copy(update={"cache_dir": Path(cache_dir)})
        with live_server(fresh) as base, httpx.Client(base_url=base, timeout=600) as client:
            listed = client.get("/api/v1/map/sheets").json()["sheets"]
            grid = [s for s in listed if s["kind"] == "grid"]
            county = [s for s in listed if s["kind"] == "county"]
            warmup = grid.pop()  # matplotlib and fonts loaded outside the measurement
            client.get(warmup["png"]).raise_for_status()
            picks = _spread(grid, count - count // 2) + _spread(county, count // 2)
            urls = [s[fmt] for s in picks for fmt in ("png", "pdf")]

            def timed(url: str, headers: dict[str, str] | None = None) -> tuple[float, Any]:
                t0 = time.perf_counter()
                r = client.get(url, headers=headers)
                return (time.perf_counter() - t0) * 1000, r

            cold: list[float] = []
            etags: dict[str, str] = {}
            for url in urls:
                ms, r = timed(url)
                if r.status_code != 200 or r.headers.get("x-cache") != "miss":
                    raise SystemExit(f"cold request not rendered: {url} {r.status_code}")
                cold.append(ms)
                etags[url] = r.headers["etag"]
            warm: list[float] = []
            not_modified: list[float] = []
            for _ in range(runs):
                for url in urls:
                    ms, r = timed(url)
                    if r.headers.get("x-cache") != "hit":
                        raise SystemExit(f"warm request not served from the cache: {url}")
                    warm.append(ms)
                    ms, r = timed(url, {"If-None-Match": etags[url]})
                    if r.status_code != 304:
                        raise SystemExit(f"revalidation did not give 304: {url}")
                    not_modified.append(ms)
            during, burst_s, burst_n = _warm_during_burst(base, grid, picks, burst, timed, urls)
            size = sum(p.stat().st_size for p in Path(cache_dir, "sheets").iterdir())
    cold_ms, warm_ms, nm_ms = (statistics.median(x) for x in (cold, warm, not_modified))
    print()
    print(
        f"sheets: {len(picks)} ({', '.join(s['number'] for s in picks)}), PNG + PDF each; "
        f"cold once, warm and 304 x{runs} (median)"
    )
    print(f"{'request':<34}{'median ms':>12}{'max ms':>10}")
    print(f"{'cold (rendered, X-Cache: miss)':<34}{cold_ms:>12.0f}{max(cold):>10.0f}")
    print(f"{'warm (from the cache, hit)':<34}{warm_ms:>12.1f}{max(warm):>10.1f}")
    print(f"{'If-None-Match -> 304':<34}{nm_ms:>12.1f}{max(not_modified):>10.1f}")
    print(
        f"ratio cold/warm: x{cold_ms / warm_ms:.0f}, cold/304: x{cold_ms / nm_ms:.0f}; "
        f"cache {size / 1e6:.1f} MB for {len(urls) + 1 + burst_n} files"
    )
    if during:
        print(
            f"{'warm during the burst':<34}{statistics.median(during):>12.1f}{max(during):>10.1f}"
            f"   ({len(during)} hits while {burst_n} missing sheets rendered in {burst_s:.1f} s, "
            f"render limit {settings.sheet_render_limit})"
        )


def _warm_during_burst(
    base: str,
    grid: list[dict[str, Any]],
    picks: list[dict[str, Any]],
    burst: int,
    timed: Callable[[str], tuple[float, Any]],
    cached_urls: list[str],
) -> tuple[list[float], float, int]:
    """Request ``burst`` uncached grid sheets at once; until all are served, time hits on
    ``cached_urls`` one after another. Returns the hit times, the burst's wall time and
    its size."""
    taken = {s["number"] for s in picks}
    others = [s["png"] for s in grid if s["number"] not in taken][:burst]
    if not others:
        return [], 0.0, 0
    during: list[float] = []
    with ThreadPoolExecutor(len(others)) as pool:
        t0 = time.perf_counter()
        futures = [pool.submit(httpx.get, base + url, timeout=600) for url in others]
        while not all(f.done() for f in futures):
            for url in cached_urls:
                ms, r = timed(url)
                if r.headers.get("x-cache") != "hit":
                    raise SystemExit(f"request during the burst not from the cache: {url}")
                during.append(ms)
                if all(f.done() for f in futures):
                    break
        wall = time.perf_counter() - t0
        for f in futures:
            r = f.result()
            if r.status_code != 200 or r.headers.get("x-cache") != "miss":
                raise SystemExit(f"burst request failed: {r.status_code}")
    return during, wall, len(others)


def _spread(items: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """``n`` items spread evenly over the list (first and last included)."""
    if n <= 0 or not items:
        return []
    if n >= len(items):
        return list(items)
    step = (len(items) - 1) / max(n - 1, 1)
    return [items[round(i * step)] for i in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", help="an existing demo database (default: build one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sheets", type=int, default=6, help="sheets in the cache measurement")
    ap.add_argument("--sheets-only", action="store_true", help="skip the browser measurement")
    ap.add_argument("--burst", type=int, default=4, help="missing sheets requested at once")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    settings = demo_settings(args.database_url, Path(tmp.name))

    if args.sheets_only:
        measure_sheets(settings, args.sheets, args.runs, args.burst)
        tmp.cleanup()
        return 0

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
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        measure(browser, base, "/map", None)  # warm-up (server caches, browser cache off)
        for _ in range(args.runs):
            ours.append(measure(browser, base, "/map", None))
            theirs.append(measure(browser, base, BASELINE_PATH, baseline_html))
        browser.close()

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
    measure_sheets(settings, args.sheets, args.runs, args.burst)
    tmp.cleanup()
    return 0


def _categories(base: str) -> list[dict[str, Any]]:
    from gazetteer.model import classification

    return [{"key": c.code} for c in classification().majors]


if __name__ == "__main__":
    sys.exit(main())
