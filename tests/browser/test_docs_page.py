"""The API documentation pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``) work offline.

Their scripts, style sheet and icon come from the app itself (``/static/docs/``, the files of
the ``fastapi-offline`` package), not from FastAPI's CDN defaults. The pages are opened in
headless Chromium with every request to another host recorded and blocked
(:func:`tests.browser.conftest.open_page`); the Swagger UI also under an intranet host
name, since some of its behaviour (the online validator badge) depends on the page not
being on localhost.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from api.main import (
    BLANK_IMAGE_URL,
    DOCS_ASSETS_DIR,
    DOCS_STATIC_URL,
    FAVICON,
    REDOC_JS,
    REDOCLY_LOGO_URL,
    SWAGGER_CSS,
    SWAGGER_JS,
    create_app,
)
from gazetteer.settings import Settings
from tests.browser.conftest import Watched, screenshot
from tests.conftest import empty_site

LOAD_TIMEOUT_MS = 60_000
# A name the intranet might give the server; the browser never resolves it (see _as_intranet).
INTRANET = "http://gazetteer.intranet"


base = empty_site  # the pages do not depend on data


def _operation_count(base: str) -> int:
    doc = httpx.get(f"{base}/openapi.json", timeout=30).json()
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in doc["paths"].values() for m in item if m in methods)


def _asset_urls(html: str) -> set[str]:
    return set(re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html))


# --- plain HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        (SWAGGER_JS, "javascript"),
        (SWAGGER_CSS, "text/css"),
        (REDOC_JS, "javascript"),
        (FAVICON, "image/png"),
    ],
)
def test_asset_is_served_by_the_app(base: str, name: str, media_type: str) -> None:
    r = httpx.get(f"{base}{DOCS_STATIC_URL}/{name}", timeout=30)
    assert r.status_code == 200
    assert media_type in r.headers["content-type"]
    assert len(r.content) > 1000


def test_missing_asset_is_404(base: str) -> None:
    r = httpx.get(f"{base}{DOCS_STATIC_URL}/no-such-file.js", timeout=30)
    assert r.status_code == 404
    r = httpx.get(f"{base}{DOCS_STATIC_URL}/../../api/main.py", timeout=30)
    assert r.status_code == 404


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_page_refers_only_to_its_own_host(base: str, path: str) -> None:
    html = httpx.get(f"{base}{path}", timeout=30).text
    urls = _asset_urls(html)
    assert urls, html
    assert [u for u in urls if urlparse(u).netloc] == []
    assert "googleapis" not in html and "jsdelivr" not in html
    for url in urls:
        r = httpx.get(f"{base}{url}", timeout=30)
        assert r.status_code == 200, url


def test_swagger_ui_validator_badge_is_off(base: str) -> None:
    html = httpx.get(f"{base}/docs", timeout=30).text
    assert re.search(r'"validatorUrl":\s*null', html), html


def test_redoc_script_has_no_outside_image(base: str) -> None:
    """ReDoc's script as served: the Redocly logo URL replaced, nothing else changed."""
    r = httpx.get(f"{base}{DOCS_STATIC_URL}/{REDOC_JS}", timeout=30)
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]
    assert REDOCLY_LOGO_URL in (DOCS_ASSETS_DIR / REDOC_JS).read_bytes()
    assert r.content == (DOCS_ASSETS_DIR / REDOC_JS).read_bytes().replace(
        REDOCLY_LOGO_URL, BLANK_IMAGE_URL
    )
    assert b"cdn.redoc.ly" not in r.content


def test_pages_follow_root_path() -> None:
    """Behind a proxy that strips a prefix, the assets are asked for under that prefix."""
    app = create_app(Settings(database_url="sqlite:///:memory:"))

    async def get(path: str) -> str:
        transport = httpx.ASGITransport(app=app, root_path="/gazetteer")
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            r = await client.get(path)
            assert r.status_code == 200, path
            return r.text

    def fetch(path: str) -> str:
        # in a thread of its own: the session's Playwright browser may already run an event
        # loop in this one (asyncio.run refuses to nest)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, get(path)).result()

    for path, name in (("/docs", SWAGGER_JS), ("/docs", SWAGGER_CSS), ("/redoc", REDOC_JS)):
        assert f'"/gazetteer{DOCS_STATIC_URL}/{name}"' in fetch(path), (path, name)


# --- headless Chromium ---------------------------------------------------------------------


def _as_intranet(w: Watched, base: str) -> None:
    """Serve ``INTRANET`` from the test server, as if the page were opened under that name.

    Registered after ``open_page``'s catch-all route, so it takes precedence for this host;
    requests to any other host still go to the catch-all and are recorded.
    """

    def forward(route: Any) -> None:
        url = route.request.url.replace(INTRANET, base, 1)
        route.fulfill(response=route.fetch(url=url))

    w.page.route(f"{INTRANET}/**", forward)


def _open_swagger_ui(w: Watched, root: str, base: str) -> None:
    page = w.page
    page.goto(f"{root}/docs")
    page.wait_for_selector(".opblock", timeout=LOAD_TIMEOUT_MS)
    assert page.locator(".opblock").count() == _operation_count(base)
    # the title comes from the served document, so the page read it
    assert "Weihai Gazetteer API" in page.locator(".info .title").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_ui_renders_offline(base: str, watched: Watched) -> None:
    _open_swagger_ui(watched, base, base)
    page = watched.page
    # the UI is interactive: "Try it out" on the health check calls the server and shows 200
    op = page.locator(".opblock", has=page.locator("[data-path='/healthz']")).first
    op.locator(".opblock-summary").click()
    op.locator("button.try-out__btn").click()
    op.locator("button.execute").click()
    status = op.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=LOAD_TIMEOUT_MS)
    assert status.inner_text().strip() == "200"
    screenshot(page, "docs-swagger-ui")
    watched.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_ui_renders_offline_under_an_intranet_name(base: str, watched: Watched) -> None:
    _as_intranet(watched, base)
    _open_swagger_ui(watched, INTRANET, base)
    page = watched.page
    assert page.locator("img[alt='Online validator badge']").count() == 0
    watched.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_redoc_renders_offline(base: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{base}/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=LOAD_TIMEOUT_MS)
    assert page.locator("[data-section-id^='operation/']").count() == _operation_count(base)
    assert "Weihai Gazetteer API" in page.locator("h1").first.inner_text()
    screenshot(page, "docs-redoc")
    watched.assert_clean()
