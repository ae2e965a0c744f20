"""The planners' workbench (``/map/coverage``) in a real Chromium on both backends.

One demo database and server per backend for the module; a few long tests walk what a
planner does: drill from the city to a town and back, try sites on the map and see the
difference, save and compare two scenarios, add a recommended site, print. Every page
is checked for outside requests, console errors and axe-core violations.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gazetteer.services import accounts as auth
from gazetteer.storage.dialect import write_transaction
from gazetteer.types import local_today
from tests.browser.conftest import Watched, assert_accessible, open_page, screenshot, wait_until
from tests.conftest import backend_per_module, database_with_engine
from tests.server import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 60_000
PAGE = "/map/coverage"


@dataclass
class Workbench:
    base: str
    token: str
    backend: str


backend = backend_per_module


@pytest.fixture(scope="module")
def wb(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workbench]:
    from tests.demo_db import demo_database

    databases = demo_database(backend, request, tmp_path_factory)
    with database_with_engine(databases) as (settings, engine):
        with write_transaction(engine) as conn:
            token = auth.add_user(conn, "planner", ["reviewer"]).token
        with live_server(settings) as base:
            yield Workbench(base, token, backend)


@pytest.fixture
def page(browser: Any) -> Iterator[Watched]:
    w = open_page(browser, width=1400, height=900)
    yield w
    w.page.context.close()


def _open(w: Watched, wb: Workbench, query: str = "") -> Any:
    p = w.page
    p.goto(f"{wb.base}{PAGE}{query}")
    p.wait_for_selector("body[data-drill]", state="attached", timeout=LOAD_MS)
    p.wait_for_load_state("networkidle")
    return p


def _drill(p: Any) -> str:
    return str(p.get_attribute("body", "data-drill"))


def _wait_drill(p: Any, suffix: str) -> None:
    wait_until(
        p, f"(document.body.getAttribute('data-drill') || '').endsWith({suffix!r})", timeout=LOAD_MS
    )


def _click_on_map(p: Any, lon: float, lat: float) -> None:
    """Click the map at a place (moved into view first)."""
    p.evaluate(f"GZ.map.setView([{lat}, {lon}], 14, {{animate: false}})")
    p.wait_for_timeout(200)
    xy = p.evaluate(
        f"(() => {{ var q = GZ.map.latLngToContainerPoint([{lat}, {lon}]); return [q.x, q.y]; }})()"
    )
    box = p.locator(".folium-map").bounding_box()
    p.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def test_drill_from_city_to_town_and_back_with_url_state_gaps_and_print(
    wb: Workbench, page: Watched
) -> None:
    p = _open(page, wb)
    assert _drill(p).endswith(":3")  # the city, by county
    rows = p.locator("#wb-table tbody tr")
    assert rows.count() == 7
    assert "覆盖率" in p.inner_text("#wb-summary")
    assert p.locator("#wb-gaps li").count() > 0
    assert_accessible(p)
    # the worst-covered county first; a click drills into it (towns)
    county = rows.first.locator("button").inner_text()
    rows.first.locator("button").click()
    _wait_drill(p, ":4")
    assert county in p.inner_text("#wb-crumbs")
    assert "area=" in p.url and "type=elderly_meal_point" in p.url
    # a town: its villages, with covered or not and minutes to the nearest facility
    town = rows.first.locator("button").inner_text()
    rows.first.locator("button").click()
    _wait_drill(p, ":5")
    crumbs = p.inner_text("#wb-crumbs")
    assert county in crumbs and town in crumbs and "威海市" in crumbs
    assert p.locator("#wb-table tbody tr").count() > 0
    assert "分钟" in p.inner_text("#wb-table") or "不可达" in p.inner_text("#wb-table")
    town_url = p.url
    # gaps link to the map
    if p.locator("#wb-gaps li a").count():
        p.locator("#wb-gaps li a").first.click()
        wait_until(p, "GZ.map.getZoom() >= 14", timeout=10_000)
    assert_accessible(p)
    # the breadcrumb goes back up; the browser's back button too
    p.locator("#wb-crumbs a", has_text=county).click()
    _wait_drill(p, ":4")
    p.go_back()
    _wait_drill(p, ":5")
    p.locator("#wb-crumbs a", has_text="威海市").click()
    _wait_drill(p, ":3")
    assert "area=" not in p.url
    # the URL holds the view: open it again, by a name as well as by code
    p.goto(town_url)
    _wait_drill(p, ":5")
    assert town in p.inner_text("#wb-crumbs")
    p.goto(f"{wb.base}{PAGE}?type=elderly_meal_point&minutes=10&weight=population&area=文登区")
    _wait_drill(p, ":4")
    assert p.input_value("#wb-minutes") == "10" and p.input_value("#wb-weight") == "population"
    assert "文登区" in p.inner_text("#wb-crumbs")
    # the exports follow the view
    assert "admin=371003000000" in str(p.get_attribute("#wb-xlsx", "href"))
    # print: title, the question, legend, scale, north arrow, date and source; no buttons
    p.emulate_media(media="print")
    assert p.locator("#wb-print-head").is_visible()
    assert "文登区" in p.inner_text("#wb-print-facts")
    assert p.locator(".wb-legend").is_visible() and p.locator(".wb-north").is_visible()
    assert p.locator(".leaflet-control-scale").is_visible()
    assert p.locator(".wb-foot").is_visible() and local_today().isoformat() in p.inner_text(
        ".wb-foot"
    )
    assert not p.locator("#wb-form").is_visible() and not p.locator("#wb-whatif").is_visible()
    pdf = p.pdf(landscape=True, format="A4", print_background=True)
    assert pdf[:4] == b"%PDF"
    p.emulate_media(media="screen")
    screenshot(p, f"coverage-workbench-{wb.backend}", docs=wb.backend == "sqlite")
    page.assert_clean()


def test_what_if_save_and_compare_two_scenarios(wb: Workbench, page: Watched) -> None:
    p = _open(page, wb, "?type=elderly_meal_point&minutes=15&weight=elderly&area=371003")
    _wait_drill(p, ":4")
    gaps = p.evaluate("GZ.workbench.drill.gaps.slice(0, 2)")
    assert len(gaps) == 2
    p.check("#wb-edit")
    _click_on_map(p, gaps[0]["lon"], gaps[0]["lat"])
    p.wait_for_selector("body[data-whatif='1']", state="attached", timeout=LOAD_MS)
    assert int(p.get_attribute("body", "data-newly-covered")) >= 1
    delta = p.inner_text("#wb-delta")
    assert "方案覆盖率" in delta and "新增覆盖村居" in delta
    assert p.locator("#wb-delta-table tbody tr").count() >= 1  # the difference by area
    assert p.locator("path.wb-new").count() >= 1  # newly covered villages highlighted
    # not signed in: a Chinese message with the way to sign in
    p.fill("#wb-name", "方案甲")
    p.click("#wb-save")
    p.wait_for_selector("body[data-saved^='error']", state="attached", timeout=LOAD_MS)
    assert "登录" in p.inner_text("#wb-save-msg")
    assert p.locator("#wb-save-msg a[href^='/staff/login']").count() == 1
    # the browser logs the refused request (401) itself; that one is expected
    page.errors[:] = [e for e in page.errors if "401" not in e]
    # with a staff token for this tab
    p.evaluate(f"sessionStorage.setItem('gz-token', {wb.token!r})")
    p.click("#wb-save")
    wait_until(p, "/^\\d+$/.test(document.body.getAttribute('data-saved') || '')", timeout=LOAD_MS)
    first = p.get_attribute("body", "data-saved")
    assert f"scenario={first}" in p.url
    # a second scenario: another site, saved under another name
    _click_on_map(p, gaps[1]["lon"], gaps[1]["lat"])
    p.wait_for_selector("body[data-whatif='2']", state="attached", timeout=LOAD_MS)
    p.fill("#wb-name", "方案乙")
    p.click("#wb-save")
    wait_until(
        p,
        f"/^\\d+$/.test(document.body.getAttribute('data-saved') || '') && "
        f"document.body.getAttribute('data-saved') !== {first!r}",
        timeout=LOAD_MS,
    )
    # the list is read again after each save
    wait_until(
        p, "document.getElementById('wb-scen-list').textContent.includes('方案乙')", timeout=LOAD_MS
    )
    names = p.inner_text("#wb-scen-list")
    assert "方案甲" in names and "方案乙" in names
    for box in p.locator("#wb-scen-list input.wb-scen").all()[-2:]:
        box.check()
    p.click("#wb-compare")
    p.wait_for_selector("body[data-compared='2']", state="attached", timeout=LOAD_MS)
    chart = p.locator("#wb-chart svg")
    assert chart.count() == 1
    text = p.evaluate("document.querySelector('#wb-chart svg').textContent")
    assert "现状" in text and "方案甲" in text and "方案乙" in text and "覆盖率" in text
    table = p.inner_text("#wb-compare-table")
    assert "方案甲" in table and "合计" in table
    assert_accessible(p)
    # a saved scenario opens from its link with its sites on the map
    p.goto(f"{wb.base}{PAGE}?type=elderly_meal_point&minutes=15&weight=elderly&scenario={first}")
    p.wait_for_selector("body[data-whatif='1']", state="attached", timeout=LOAD_MS)
    assert p.input_value("#wb-name") == "方案甲"
    screenshot(p, f"coverage-compare-{wb.backend}")
    page.assert_clean()


def test_recommended_list_adds_a_site_to_the_scenario(wb: Workbench, page: Watched) -> None:
    p = _open(page, wb, "?type=助餐点&weight=老年人口")
    p.fill("#wb-k", "3")
    p.click("#wb-rec-run")
    p.wait_for_selector("body[data-recommend='3']", state="attached", timeout=LOAD_MS)
    items = p.locator("#wb-rec li")
    assert items.count() == 3
    first = items.first.inner_text()
    assert "新增覆盖" in first and "累计" in first
    assert p.locator(".wb-site").count() >= 3  # numbered on the map
    items.first.locator(".wb-rec-add").click()
    p.wait_for_selector("body[data-whatif='1']", state="attached", timeout=LOAD_MS)
    assert "推荐1" in p.inner_text("#wb-changes")
    assert int(p.get_attribute("body", "data-newly-covered")) >= 1
    # editing: an existing facility is dragged to another place (a move in the scenario)
    p.check("#wb-edit")
    fac = p.locator(".wb-fac-edit").nth(10)
    fac.scroll_into_view_if_needed()
    box = fac.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    p.mouse.move(x, y)
    p.mouse.down()
    p.mouse.move(x + 40, y + 30, steps=8)
    p.mouse.up()
    p.wait_for_selector("body[data-whatif='2']", state="attached", timeout=LOAD_MS)
    assert "移动设施" in p.inner_text("#wb-changes")
    assert p.locator(".wb-fac-edit.wb-moved").count() == 1
    assert_accessible(p)
    page.assert_clean()


def test_report_pdf_and_workbook(wb: Workbench) -> None:
    pypdf = pytest.importorskip("pypdf")
    from openpyxl import load_workbook

    params: dict[str, str | int] = {
        "facility_type": "elderly_meal_point",
        "minutes": 15,
        "weight": "elderly",
    }
    r = httpx.get(
        f"{wb.base}/api/v1/coverage/report",
        params={**params, "format": "pdf", "admin": "文登区"},
        timeout=120,
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "文登区老年助餐点 15 分钟服务圈覆盖" in text  # title
    assert "图　例" in text and "未覆盖村居" in text  # legend
    assert f"制图日期：{local_today().isoformat()}" in text and "千米" in text
    r = httpx.get(
        f"{wb.base}/api/v1/coverage/report",
        params={**params, "format": "xlsx", "k": 2},
        timeout=120,
    )
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按区市", "按镇街", "缺口村居", "推荐选址"]
    city = httpx.get(f"{wb.base}/api/v1/coverage/drill", params=params, timeout=60).json()
    towns = book["按镇街"]
    head = [c.value for c in towns[1]]
    assert head[:3] == ["区划代码", "名称", "上级区划"] and "覆盖老年人口" in head
    cov = head.index("覆盖老年人口")
    values = [row[cov] for row in towns.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 73 and all(isinstance(v, int | float) for v in values)
    assert sum(values) == pytest.approx(city["covered"])  # the towns add up to the city
    assert towns.freeze_panes == "A2" and towns.auto_filter.ref
    assert isinstance(towns["A2"].value, str) and len(towns["A2"].value) == 12  # codes as text
    gaps = book["缺口村居"]
    assert [c.value for c in gaps[1]][:8] == [
        "村居代码",
        "村居名称",
        "镇街代码",
        "镇街",
        "区市",
        "人口",
        "老年人口",
        "分散特困供养对象",
    ]
    assert gaps.max_row - 1 == city["uncovered_villages"]
