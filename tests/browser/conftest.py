"""Real headless Chromium (Debian's package, driven by Playwright) against a real server.

Every page is opened with all requests routed through a handler that lets only
127.0.0.1 through and records anything else; a test fails on any outside request and on
any console error. Screenshots go to ``test-artifacts/``; with
``GAZETTEER_UPDATE_SCREENSHOTS=1`` the public and coverage maps are also copied to
``docs/img/`` for the README (never by default: a test run must not change the checkout).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from tests.server import live_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Site:
    base: str
    settings: Settings
    ids: dict[str, int]
    demo: bool


@dataclass
class Watched:
    """A page with the record of outside requests and console errors."""

    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests to other hosts: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"


def _small_site(
    tmp_path_factory: pytest.TempPathFactory, weihai: Path
) -> tuple[Settings, dict[str, int]]:
    from tests.datasets.weihai_maps import build_small_map_db

    path = tmp_path_factory.mktemp("mapsite") / "maps.sqlite"
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = create_engine_from_settings(settings)
    upgrade(engine)
    ids = build_small_map_db(engine, weihai)
    engine.dispose()
    return settings, ids


@pytest.fixture(scope="session")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The full demo on SQLite when the demo builder exists, else the small map DB."""
    from tests.conftest import WEIHAI_DATA
    from tests.demo_db import demo_database

    demo_gen = demo_database("sqlite", request, tmp_path_factory)
    try:
        settings = next(demo_gen)
        ids: dict[str, int] = {}
        demo = True
    except pytest.skip.Exception:
        if not WEIHAI_DATA.is_dir():
            pytest.skip(f"reference data not present at {WEIHAI_DATA}")
        settings, ids = _small_site(tmp_path_factory, WEIHAI_DATA)
        demo = False
    with live_server(settings) as base:
        yield Site(base, settings, ids, demo)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


def open_page(browser: Any, *, width: int = 1280, height: int = 800) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    watched = Watched(page)

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host == "127.0.0.1":
            r.continue_()
        else:
            watched.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda msg: watched.errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: watched.errors.append(f"page error: {exc}"))
    return watched


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = open_page(browser)
    yield w
    w.page.context.close()


def screenshot(page: Any, name: str, *, docs: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if docs and os.environ.get("GAZETTEER_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG / f"{name}.png")
    return path


def wait_until(page: Any, expression: str, *, timeout: float = 10_000, every: float = 50) -> None:
    """Wait until the JavaScript ``expression`` is truthy in the page (``timeout`` in ms).

    Playwright's ``wait_for_function`` polls with ``eval`` inside the page, which the
    pages' Content-Security-Policy forbids (no 'unsafe-eval'); ``page.evaluate`` goes
    through the DevTools protocol instead, so the policy stays as served.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(every)


AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 level A and AA, the level GB/T 37668 holds public-service sites to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any) -> list[str]:
    """Run axe-core (from the npm registry, node_modules/) on the page as it stands now.

    Returns one line per violation with the rule, its impact and the first offending
    elements, so a failing assertion says what to fix.
    """
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core missing at {AXE_JS}: run ./dev setup (npm ci)")
    if not page.evaluate("typeof axe !== 'undefined'"):
        # evaluated through the DevTools protocol: a page whose Content-Security-Policy
        # forbids inline scripts (the staff pages) still gets the audit
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    lines = []
    for v in result["violations"]:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return lines


def assert_accessible(page: Any) -> None:
    """No axe-core WCAG 2.1 A/AA violation on the page."""
    violations = axe_violations(page)
    assert violations == [], "accessibility violations:\n" + "\n".join(violations)
