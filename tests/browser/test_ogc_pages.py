"""The OGC API's HTML pages in headless Chromium: offline, no console errors, the items
map drawn by the static script, and no axe-core WCAG 2.1 A/AA violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, Watched, assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_ogc_pages_are_accessible_and_map_the_items(site: Site, watched: Watched) -> None:
    page = watched.page
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/places"):
        page.goto(f"{site.base}{path}?f=html")
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
    # a browser gets HTML without asking for it
    page.goto(f"{site.base}/ogc/collections/facilities/items?limit=20")
    page.wait_for_selector("#ogc-map[data-features]", state="attached", timeout=30_000)
    assert page.get_attribute("#ogc-map", "data-features") == "20"
    assert page.locator("#ogc-map path.leaflet-interactive").count() == 20
    assert page.locator("table tbody tr").count() == 20
    assert_accessible(page)
    screenshot(page, "ogc-items")
    page.click("a[rel=next]")
    page.wait_for_selector("#ogc-map[data-features]", state="attached", timeout=30_000)
    assert "cursor=" in page.url
    first = page.locator("table tbody tr td a").first
    first.click()
    page.wait_for_selector("#ogc-map[data-features='1']", state="attached", timeout=30_000)
    assert page.locator("table caption").inner_text() == "属性"
    assert_accessible(page)
    watched.assert_clean()
