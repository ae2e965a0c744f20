"""The map pages in a real headless Chromium: offline, no console errors, interactive."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gazetteer.cartography.gcj02 import wgs84_to_gcj02
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import tables as t
from tests.browser.conftest import Site, Watched, assert_accessible, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_TIMEOUT_MS = 60_000


def _place_with_history(site: Site) -> int:
    engine = create_engine_from_settings(site.settings)
    with engine.connect() as conn:
        pid = conn.execute(select(t.place_history.c.place_id).limit(1)).scalar_one()
    engine.dispose()
    return int(pid)


def _open_public_map(w: Watched, site: Site) -> int:
    """Open /map and wait for its first labels; returns how many are drawn."""
    w.page.goto(f"{site.base}/map")
    w.page.wait_for_selector("body[data-labels-zoom]", state="attached", timeout=LOAD_TIMEOUT_MS)
    return int(w.page.get_attribute("body", "data-labels"))


def _visible_markers(page: Any, css: str) -> int:
    return int(page.locator(css).count())


def test_public_map_writes_names_offline(site: Site, watched: Watched) -> None:
    drawn = _open_public_map(watched, site)
    page = watched.page
    assert drawn > 0 and page.locator(".leaflet-marker-icon.gz-label").count() == drawn
    assert page.locator(".gz-label", has_text="威海市").count() == 1
    # land drawn from the database, roads and boundaries from our own vector tiles (canvas);
    # no raster base tiles, since none are configured
    page.wait_for_selector(".leaflet-gzLand-pane path", state="attached")
    assert page.locator("canvas.leaflet-tile").count() > 0
    assert page.locator("img.leaflet-tile").count() == 0
    assert page.title() == "威海市地名地图"
    page.wait_for_load_state("networkidle")
    screenshot(page, "public-map", docs=True)
    watched.assert_clean()


def test_page_html_is_small_and_has_no_outside_urls(site: Site) -> None:
    html = httpx.get(f"{site.base}/map").text
    assert len(html.encode()) < 1_000_000
    assert "://" not in html.replace("http-equiv", "").replace("https://leafletjs.com", "")


@pytest.mark.parametrize(("query", "expected"), [("威海", "威海市"), ("whs", "威海市")])
def test_search_box_suggests_as_you_type(
    site: Site, watched: Watched, query: str, expected: str
) -> None:
    _open_public_map(watched, site)
    page = watched.page
    page.fill("#gz-search", "")
    page.type("#gz-search", query, delay=30)
    item = page.locator("#gz-suggest li.gz-item", has_text=expected).first
    item.wait_for(timeout=15_000)
    item.click()
    popup = page.locator(".leaflet-popup-content .gz-popup")
    popup.wait_for(timeout=15_000)
    assert expected in popup.locator("h3").inner_text()
    assert popup.locator("a.gz-more").get_attribute("href").startswith("/places/")
    screenshot(page, f"search-{query}")
    watched.assert_clean()


def test_category_toggle_hides_its_labels(site: Site, watched: Watched) -> None:
    _open_public_map(watched, site)
    page = watched.page
    css = ".leaflet-marker-icon.gz-label.gz-cat-21"
    assert page.locator(css).count() > 0
    page.uncheck("#toggle-cat-21")
    assert page.locator(css).first.is_hidden()
    page.check("#toggle-cat-21")
    assert page.locator(css).first.is_visible()
    watched.assert_clean()


def test_facility_layer_with_distinct_icons(site: Site, watched: Watched) -> None:
    _open_public_map(watched, site)
    page = watched.page
    assert _visible_markers(page, ".gz-fac-elderly_meal_point") == 0
    page.check("#toggle-fac-elderly_meal_point")
    page.wait_for_selector(".gz-fac-elderly_meal_point", state="attached")
    assert _visible_markers(page, ".gz-fac-elderly_meal_point") > 0
    assert _visible_markers(page, ".gz-fac-community_canteen") == 0
    watched.assert_clean()


def test_clicking_a_name_opens_its_popup(site: Site, watched: Watched) -> None:
    _open_public_map(watched, site)
    page = watched.page
    label = page.locator(".gz-label", has_text="威海市").first
    label.click()
    popup = page.locator(".leaflet-popup-content .gz-popup")
    popup.wait_for(timeout=15_000)
    text = popup.inner_text()
    assert "威海市" in text and "含义" in text and "由来" in text
    assert popup.locator("a.gz-more").get_attribute("href").startswith("/places/")
    screenshot(page, "public-map-popup")
    watched.assert_clean()


def test_public_map_on_a_phone(site: Site, browser: Any) -> None:
    w = open_page(browser, width=390, height=844)
    try:
        _open_public_map(w, site)
        page = w.page
        assert page.locator("#gz-search").is_visible()
        # the drawer starts folded on a small screen and opens with its buttons
        assert not page.locator("#toggle-cat-22").is_visible()
        page.click("#gz-tab-layers")
        assert page.locator("#toggle-cat-22").is_visible()
        box = page.locator("#gz-drawer").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        screenshot(page, "public-map-phone-drawer")
        w.assert_clean()
    finally:
        w.page.context.close()


# The coverage page (the planners' workbench) is tested in test_coverage_workbench.py.


def test_place_page_with_timeline_and_map(site: Site, watched: Watched) -> None:
    pid = _place_with_history(site)
    page = watched.page
    page.goto(f"{site.base}/places/{pid}")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    assert page.locator("#gz-timeline li").count() >= 2
    assert page.locator("#gz-record").inner_text().count("含义") == 1
    assert page.locator(f'a[href="/api/v1/places/{pid}/card"]').count() == 1
    screenshot(page, "place-page")
    watched.assert_clean()


def test_missing_place_is_a_404_json(site: Site) -> None:
    r = httpx.get(f"{site.base}/places/999999999")
    assert r.status_code == 404
    assert "999999999" in r.json()["message"]


def test_gcj02_in_the_browser_matches_python(site: Site, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{site.base}/map")
    page.wait_for_selector(".leaflet-container")
    for lon, lat in [(122.12, 37.51), (121.54, 36.92), (116.39, 39.91)]:
        js = page.evaluate(f"GZ.wgs84ToGcj02({lon}, {lat})")
        assert js == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-12)
        # the GCJ02 CRS puts a CGCS2000 point where EPSG:3857 puts its GCJ-02 twin
        same = page.evaluate(
            f"""(() => {{
              var a = L.CRS.GCJ02.latLngToPoint(L.latLng({lat}, {lon}), 15);
              var g = GZ.wgs84ToGcj02({lon}, {lat});
              var b = L.CRS.EPSG3857.latLngToPoint(L.latLng(g[1], g[0]), 15);
              var back = L.CRS.GCJ02.pointToLatLng(a, 15);
              return [a.x - b.x, a.y - b.y, back.lng - {lon}, back.lat - {lat}];
            }})()"""
        )
        assert same == pytest.approx([0, 0, 0, 0], abs=1e-6)
    watched.assert_clean()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/map", "/map/coverage", "/places/1"])
def test_pages_pass_the_accessibility_audit(
    site: Site, browser: Any, path: str, size: tuple[int, int]
) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation once the page has drawn its panels."""
    w = open_page(browser, width=size[0], height=size[1])
    try:
        w.page.goto(f"{site.base}{path}")
        w.page.wait_for_selector(".leaflet-control", state="attached", timeout=LOAD_TIMEOUT_MS)
        w.page.wait_for_load_state("networkidle")
        assert_accessible(w.page)
        w.assert_clean()
    finally:
        w.page.context.close()
