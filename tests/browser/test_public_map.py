"""The public map in real headless Chromium, on SpatiaLite and on PostGIS (the demo data):
names written on the map without overlaps, 刘公岛 on land, near me, historical names,
the phone layout; the vector tiles the page draws from. One server per backend for the
module; a few long tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import httpx
import mapbox_vector_tile
import pytest

from tests.browser.conftest import Watched, assert_accessible, open_page, screenshot, wait_until
from tests.server import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_TIMEOUT_MS = 60_000
LIUGONG = (122.18165, 37.50543)  # 刘公岛, an island of 环翠区
TOWN_CENTRE = (122.12, 37.50)  # 环翠区, central Weihai


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def base(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The full demo on ``backend`` behind one server for the module."""
    from tests.demo_db import demo_database

    gen = demo_database(backend, request, tmp_path_factory)
    settings = next(gen)
    settings = settings.model_copy(update={"cache_dir": tmp_path_factory.mktemp("cache")})
    try:
        with live_server(settings) as url:
            yield url
    finally:
        next(gen, None)


def _page(browser: Any, **kw: Any) -> Watched:
    return open_page(browser, **kw)


def _open(w: Watched, base: str) -> None:
    w.page.goto(f"{base}/map")
    w.page.wait_for_selector("body[data-labels-zoom]", state="attached", timeout=LOAD_TIMEOUT_MS)


def _view(page: Any, lon: float, lat: float, zoom: int) -> None:
    page.evaluate("document.body.removeAttribute('data-labels-zoom')")
    page.evaluate(f"GZ.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    page.wait_for_selector(
        f"body[data-labels-zoom='{zoom}']", state="attached", timeout=LOAD_TIMEOUT_MS
    )


def _label_boxes(page: Any) -> list[dict[str, Any]]:
    """The rendered boxes of the labels on screen (CSS pixels)."""
    return list(
        page.evaluate(
            """Array.from(document.querySelectorAll('.leaflet-marker-pane .gz-label'))
              .filter(e => getComputedStyle(e).display !== 'none')
              .map(e => { const r = e.getBoundingClientRect();
                return {text: e.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                        cls: e.className, title: e.title}; })
              .filter(b => b.x1 > 0 && b.y1 > 0 && b.x0 < innerWidth && b.y0 < innerHeight)"""
        )
    )


def _assert_no_overlap(boxes: list[dict[str, Any]]) -> None:
    eps = 0.5  # sub-pixel rounding of marker positions
    for a, b in itertools.combinations(boxes, 2):
        overlap = (
            a["x0"] < b["x1"] - eps
            and b["x0"] < a["x1"] - eps
            and a["y0"] < b["y1"] - eps
            and b["y0"] < a["y1"] - eps
        )
        assert not overlap, (a, b)


def test_labels_at_zoom_10_and_14_without_overlap_and_liugong_on_land(
    base: str, browser: Any
) -> None:
    w = _page(browser)
    try:
        _open(w, base)
        page = w.page
        # no raster tiles: land from the database, roads, boundaries and names vector tiles
        assert page.locator("img.leaflet-tile").count() == 0
        assert page.locator(".leaflet-marker-icon.gz-dot, .gz-cluster").count() == 0
        _view(page, 122.0, 37.2, 10)
        boxes = _label_boxes(page)
        texts = {b["text"] for b in boxes}
        assert len(boxes) >= 30 and {"文登区", "乳山市"} <= texts, texts
        _assert_no_overlap(boxes)
        assert any("gz-k-admin" in b["cls"] for b in boxes)
        assert any("gz-k-water" in b["cls"] or "gz-k-island" in b["cls"] for b in boxes)
        screenshot(page, "public-map-z10")

        _view(page, *TOWN_CENTRE, 14)
        near = _label_boxes(page)
        assert len(near) >= 40
        _assert_no_overlap(near)
        # more names per area as you zoom in: the labels inside the zoom-14 view at zoom 10
        assert not any("gz-k-historical" in b["cls"] for b in near)  # hidden by default
        screenshot(page, "public-map-z14")

        # 刘公岛: its label at zoom 13, and its point inside the land drawn from the database
        _view(page, *LIUGONG, 13)
        on_land = page.evaluate(
            f"""(() => {{
              const lp = GZ.map.latLngToLayerPoint([{LIUGONG[1]}, {LIUGONG[0]}]);
              return Array.from(document.querySelectorAll('path.gz-land'))
                .some(p => p.isPointInFill(new DOMPoint(lp.x, lp.y)));
            }})()"""
        )
        assert on_land, "刘公岛 drawn in the sea"
        label = page.locator(".gz-label", has_text="刘公岛").first
        label.click()
        popup = page.locator(".leaflet-popup-content .gz-popup")
        popup.wait_for(timeout=15_000)
        assert "刘公岛" in popup.locator("h3").inner_text() and "由来" in popup.inner_text()
        screenshot(page, "public-map-liugong")
        assert_accessible(page)
        w.assert_clean()
    finally:
        w.page.context.close()


def test_near_me_lists_facilities_by_walking_time_with_a_route(base: str, browser: Any) -> None:
    w = _page(browser)
    try:
        page = w.page
        lon, lat = TOWN_CENTRE
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation({"longitude": lon, "latitude": lat})
        _open(w, base)
        page.click("#gz-locate-map")
        page.wait_for_selector("body[data-near]", state="attached", timeout=LOAD_TIMEOUT_MS)
        assert page.get_attribute("body", "data-near") not in ("0", "error")
        ids = page.eval_on_selector_all("#gz-near-list li", "els => els.map(e => +e.dataset.id)")
        api = httpx.get(
            f"{base}/api/v1/facilities",
            params={"near": f"{lon:.6f},{lat:.6f}", "radius_m": 2000, "limit": 20},
            timeout=60,
        ).json()
        assert ids == [i["id"] for i in api["items"]] and len(ids) >= 3
        minutes = [i["walk_minutes"] for i in api["items"] if i["walk_minutes"] is not None]
        assert minutes == sorted(minutes)
        assert page.locator("path.gz-route").count() == 1  # the nearest one's route
        first = page.locator("#gz-near-list li").first
        assert "步行" in first.inner_text() and "分钟" in first.inner_text()
        page.locator("#gz-near-list li button").nth(1).click()
        popup = page.locator(".leaflet-popup-content .gz-popup")
        popup.wait_for(timeout=15_000)
        assert api["items"][1]["name"] in popup.inner_text()
        screenshot(page, "public-map-near-me")
        # a point picked on the map, one facility type
        page.select_option("#gz-near-type", "elderly_meal_point")
        page.wait_for_selector("body[data-near]", state="attached", timeout=LOAD_TIMEOUT_MS)
        page.click("#gz-pick")
        page.evaluate("document.body.removeAttribute('data-near')")
        # (a real click could land on a label, which opens its card instead)
        page.evaluate(f"GZ.map.fire('click', {{latlng: L.latLng({lat + 0.004}, {lon - 0.01})}})")
        page.wait_for_selector("body[data-near]", state="attached", timeout=LOAD_TIMEOUT_MS)
        texts = page.eval_on_selector_all("#gz-near-list li", "els => els.map(e => e.innerText)")
        assert all("老年助餐点" in t for t in texts)
        assert_accessible(page)
        w.assert_clean()
    finally:
        w.page.context.close()


def _a_placed_historical_name(base: str, zoom: int) -> dict[str, Any]:
    """A historical name written at ``zoom`` (the labels around each historical place)."""
    items = httpx.get(
        f"{base}/ogc/collections/place-points/items",
        params={"filter": "status = 'historical'", "limit": 100},
        timeout=60,
    ).json()["features"]
    for f in items:
        lon, lat = f["geometry"]["coordinates"]
        bbox = f"{lon - 0.01},{lat - 0.006},{lon + 0.01},{lat + 0.006}"
        found = httpx.get(
            f"{base}/api/v1/map/labels",
            params={"bbox": bbox, "zoom": zoom, "history": "true"},
            timeout=60,
        ).json()["labels"]
        hist = [x for x in found if x["historical"] and x["id"] == f["id"]]
        if hist:
            plain = httpx.get(
                f"{base}/api/v1/map/labels", params={"bbox": bbox, "zoom": zoom}, timeout=60
            ).json()["labels"]
            assert not any(x["historical"] for x in plain)
            # showing history never moves a current name
            assert [x["id"] for x in found if not x["historical"]] == [x["id"] for x in plain]
            return dict(hist[0])
    raise AssertionError("no historical name is written at this zoom")


def test_historical_names_only_with_the_toggle(base: str, browser: Any) -> None:
    hist = _a_placed_historical_name(base, 14)
    # reverse lookup: current names unless status=all
    rev = httpx.get(f"{base}/api/v1/reverse", params={"lon": hist["lon"], "lat": hist["lat"]})
    assert hist["name"] not in [n["name"] for n in rev.json()["nearest"]]
    rev_all = httpx.get(
        f"{base}/api/v1/reverse",
        params={"lon": hist["lon"], "lat": hist["lat"], "status": "all"},
    ).json()
    assert hist["name"] in [n["name"] for n in rev_all["nearest"]]
    assert (
        httpx.get(
            f"{base}/api/v1/reverse", params={"lon": 122, "lat": 37, "status": "x"}
        ).status_code
        == 400
    )

    w = _page(browser)
    try:
        page = w.page
        _open(w, base)
        _view(page, hist["lon"], hist["lat"], 14)
        assert page.locator(".gz-k-historical").count() == 0
        page.check("#toggle-history")
        label = page.locator(".gz-label.gz-k-historical", has_text=hist["name"]).first
        label.wait_for(timeout=15_000)
        assert hist["years"] in label.inner_text()
        assert label.get_attribute("title").startswith("历史地名")
        colour = label.evaluate("e => getComputedStyle(e).fontStyle")
        assert colour == "italic"
        label.click()
        popup = page.locator(".leaflet-popup-content .gz-popup")
        popup.wait_for(timeout=15_000)
        popup.locator(".gz-hist-mark").wait_for(timeout=15_000)
        assert "历史地名" in popup.inner_text() and hist["years"] in popup.inner_text()
        _assert_no_overlap(_label_boxes(page))
        page.uncheck("#toggle-history")
        wait_until(page, "document.querySelectorAll('.gz-k-historical').length === 0")
        w.assert_clean()
    finally:
        w.page.context.close()


def test_phone_city_fills_the_screen_and_the_drawer_never_covers_the_card(
    base: str, browser: Any
) -> None:
    w = _page(browser, width=390, height=844)
    try:
        page = w.page
        _open(w, base)
        land = page.evaluate(
            """(() => { const r = document.querySelector('path.gz-land').getBoundingClientRect();
                 return [Math.max(r.left, 0), Math.max(r.top, 0),
                         Math.min(r.right, innerWidth), Math.min(r.bottom, innerHeight)]; })()"""
        )
        covered = (land[2] - land[0]) * (land[3] - land[1]) / (390 * 844)
        assert covered > 0.5, land  # not a third of the screen
        assert page.locator("#gz-search").is_visible()
        assert not page.locator("#toggle-cat-22").is_visible()  # the drawer starts folded
        _assert_no_overlap(_label_boxes(page))
        screenshot(page, "public-map-phone")
        page.click("#gz-tab-layers")
        assert page.locator("#toggle-cat-22").is_visible()
        drawer = page.locator("#gz-drawer").bounding_box()
        assert drawer["x"] >= 0 and drawer["x"] + drawer["width"] <= 390
        assert drawer["height"] <= 844 * 0.5 + 60
        assert_accessible(page)
        # a card opens: the drawer folds to its bar and stays clear of the card
        clear = page.evaluate(
            """(() => {
              const d = document.getElementById('gz-drawer').getBoundingClientRect();
              return Array.from(document.querySelectorAll('.gz-label.gz-k-admin')).findIndex(e => {
                const r = e.getBoundingClientRect();
                return r.bottom < d.top && r.top > 120 && r.left >= 0 && r.right <= innerWidth;
              }); })()"""
        )
        assert clear >= 0  # an administrative name clear of the drawer and the search box
        page.locator(".gz-label.gz-k-admin").nth(clear).click()
        popup = page.locator(".leaflet-popup")
        popup.wait_for(timeout=15_000)
        page.locator(".leaflet-popup-content .gz-popup").wait_for(timeout=15_000)
        page.wait_for_timeout(400)  # the popup's pan
        assert not page.locator("#toggle-cat-22").is_visible()
        p, d = popup.bounding_box(), page.locator("#gz-drawer").bounding_box()
        assert p["y"] + p["height"] <= d["y"] or d["y"] + d["height"] <= p["y"], (p, d)
        screenshot(page, "public-map-phone-card")
        # opening the drawer closes the card rather than covering it
        page.click("#gz-tab-near")
        wait_until(page, "document.querySelectorAll('.leaflet-popup').length === 0")
        assert page.locator("#gz-locate").is_visible()
        w.assert_clean()
    finally:
        w.page.context.close()


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _mvt(base: str, collection: str, z: int, x: int, y: int) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{base}/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}", timeout=60
    )
    assert r.status_code in (200, 204), r.text
    if r.status_code == 204:
        return []
    layer = mapbox_vector_tile.decode(r.content, default_options={"y_coord_down": True})
    return list(layer[collection]["features"]) if collection in layer else []


def test_vector_tiles_hold_the_names_of_their_zoom(base: str) -> None:
    """place-points tiles hold the names written at their zoom (as /labels), each once, none
    overlapping across tile edges; boundaries and roads thin out at low zooms."""
    for z in (10, 14):
        cx, cy = _tile(*TOWN_CENTRE, z)
        boxes = []
        seen: set[int] = set()
        for x in range(cx - 1, cx + 2):
            for y in range(cy - 1, cy + 2):
                feats = _mvt(base, "place-points", z, x, y)
                for f in feats:
                    p = f["properties"]
                    assert {"text", "name", "kind", "major", "font", "w", "h", "rank"} <= set(p)
                    assert f["id"] not in seen  # a label is drawn by one tile only
                    seen.add(f["id"])
                    gx, gy = f["geometry"]["coordinates"]
                    assert 0 <= gx <= 4096 and 0 <= gy <= 4096  # its point is in the tile
                    px, py = (x + gx / 4096) * 256, (y + gy / 4096) * 256
                    boxes.append(
                        (px - p["w"] / 2, py - p["h"] / 2, px + p["w"] / 2, py + p["h"] / 2)
                    )
                if (x, y) == (cx, cy):
                    w, n = _lonlat(x, y, z)
                    e, s = _lonlat(x + 1, y + 1, z)
                    view = httpx.get(
                        f"{base}/api/v1/map/labels",
                        params={"bbox": f"{w},{s},{e},{n}", "zoom": z, "history": "true"},
                        timeout=60,
                    ).json()["labels"]
                    assert {f["id"] for f in feats} == {v["id"] for v in view}
        assert len(boxes) >= 20, (z, len(boxes))
        for a, b in itertools.combinations(boxes, 2):
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (z, a, b)
    x8, y8 = _tile(*TOWN_CENTRE, 8)
    assert {f["properties"]["level"] for f in _mvt(base, "admin-areas", 8, x8, y8)} <= {2, 3}
    x9, y9 = _tile(*TOWN_CENTRE, 9)
    assert 4 in {f["properties"]["level"] for f in _mvt(base, "admin-areas", 9, x9, y9)}
    # (the demo's villages have no polygons: nothing of level 5 to draw from zoom 12)
    grades8 = {f["properties"].get("grade") for f in _mvt(base, "roads", 8, x8, y8)}
    assert grades8 and "支路" not in grades8
    x13, y13 = _tile(*TOWN_CENTRE, 13)
    assert "支路" in {f["properties"].get("grade") for f in _mvt(base, "roads", 13, x13, y13)}


def _lonlat(x: int, y: int, z: int) -> tuple[float, float]:
    n = 1 << z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return x / n * 360 - 180, lat
