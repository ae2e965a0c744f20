"""The naming-review workbench in a real headless Chromium, on both backends.

One server per backend for the module (the small naming frame of real Weihai names, two
staff accounts with passwords). One long test walks a case through its whole life by two
accounts: sign-in (a wrong password first), drawing a road on the map, the live check's
homophone finding, a form answered again with its fields kept, submit; the second
account reviews, opens the consultation, approves, announces and files; the submitter
never sees "approve" on their own case; the notice prints (PDF) and downloads as .docx;
POSTs without the CSRF token are refused; an idle session is sent back to the sign-in
page. Every page: no outside request, no console error, no axe-core violation.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from gazetteer.services import accounts as auth
from gazetteer.services import sessions
from gazetteer.types import local_today
from tests.browser.conftest import Watched, assert_accessible, open_page, screenshot, wait_until
from tests.builder import backdate_case
from tests.conftest import backend_per_module, database_with_engine, new_database_settings
from tests.datasets.naming_frame import build_frame
from tests.server import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORDS = {"zhang": "zhang-secret-1", "wang": "wang-secret-2"}
CONSULT_START = (local_today() - timedelta(days=40)).isoformat()


backend = backend_per_module


class StaffSite(NamedTuple):
    base: str
    engine: Engine
    ids: dict[str, int]


@pytest.fixture(scope="module")
def staff_site(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StaffSite]:
    databases = new_database_settings(backend, request, tmp_path_factory.mktemp("staff"))
    with database_with_engine(databases) as (settings, engine):
        ids = build_frame(engine)
        with engine.begin() as conn:
            # zhang may also approve: the four-eyes rule, not the role, must hide "approve"
            auth.add_user(conn, "zhang", ["reviewer", "approver"], display_name="张审核")
            auth.add_user(conn, "wang", ["reviewer", "approver"], display_name="王审批")
            for name, password in PASSWORDS.items():
                sessions.set_password(conn, name, password)
        with live_server(settings) as base:
            yield StaffSite(base, engine, ids)


def sign_in(w: Watched, base: str, name: str, *, target: str = "/staff/") -> None:
    page = w.page
    page.goto(f"{base}{target}")
    assert "/staff/login" in page.url
    page.fill("#username", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def draw_road(page: Any) -> None:
    """Draw a two-point centre line in 环翠's built-up area with leaflet-draw."""
    page.evaluate("GZS.map.setView([37.531, 122.0975], 15, {animate: false})")
    box = page.locator("#draw-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click(".leaflet-draw-draw-polyline")
    for dx, dy in ((-120, 0), (120, 10)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(300)  # leaflet-draw takes quick clicks for a double click
    page.click(".leaflet-draw-actions a[title='完成绘制']")
    # (no wait_for_function: it evaluates a string, which the strict CSP forbids)
    for _ in range(50):
        if page.input_value("#geometry"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("no geometry after drawing")


def state_of(page: Any) -> str:
    return str(page.locator("#case-state").inner_text())


def after_action(page: Any, case_url: str, state: str) -> None:
    """The action's form was answered with the case page in ``state`` (at its actions)."""
    expected = json.dumps(state)
    wait_until(
        page,
        "document.readyState === 'complete' && (document.getElementById('case-state') || "
        f"{{}}).textContent === {expected}",
        timeout=30_000,
    )
    assert page.url == f"{case_url}#actions"


def test_case_life_cycle_in_the_browser(staff_site: StaffSite, browser: Any) -> None:
    base = staff_site.base
    rev = open_page(browser, height=1000)  # the screenshot shows the findings too
    app = open_page(browser)
    try:
        page = rev.page
        # the landing page links the public map, the sign-in and the docs
        page.goto(f"{base}/")
        assert page.locator("a[href='/staff/login']").count() == 1
        assert_accessible(page)

        # unauthenticated -> sign-in page; a wrong password answers the form again
        page.goto(f"{base}/staff/cases/new")
        assert "/staff/login?next=/staff/cases/new" in page.url
        page.fill("#username", "zhang")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        assert "用户名或密码错误" in page.locator("#login-error").inner_text()
        assert page.input_value("#username") == "zhang"
        assert_accessible(page)
        page.fill("#password", PASSWORDS["zhang"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/staff/cases/new")
        cookie = next(c for c in page.context.cookies() if c["name"] == "gz_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

        # draw the road, type a homophone of 文化路: the live check says so, with its article
        page.wait_for_selector(".leaflet-draw-draw-polyline")
        draw_road(page)
        page.fill("#admin_code", "371002001")
        page.type("#name", "文华路", delay=40)
        finding = page.locator("#check-findings li[data-rule='conflict.homophone']")
        finding.wait_for(timeout=15_000)
        assert "第九条" in finding.inner_text()
        assert page.locator("#check-roman").inner_text() == "Wénhuá Lù"
        page.wait_for_selector(".gz-conflict", timeout=15_000)  # 文化路 drawn on the map
        screenshot(page, "staff-new-case", docs=True)
        assert_accessible(page)

        # a form with a missing name is answered again, fields kept, message beside it
        page.fill("#name", "")
        page.fill("#width_m", "24")
        page.click("#new-case button[type=submit]")
        assert "请填写拟用名称" in page.locator("#name-err").inner_text()
        assert page.input_value("#admin_code") == "371002001"
        assert page.input_value("#width_m") == "24"
        assert page.input_value("#geometry") != ""
        assert_accessible(page)

        # a clean name: no finding; save the draft
        page.type("#name", "杏林路", delay=40)
        page.wait_for_selector("#check-findings li.ok", timeout=15_000)
        page.fill("#start_desc", "文化路")
        page.fill("#end_desc", "新威路")
        page.select_option("#grade", "次干路")
        page.fill("#reason", "以杏树成林寓意")
        page.click("#new-case button[type=submit]")
        page.wait_for_url(f"{base}/staff/cases/*")
        case_url = page.url
        case_id = int(case_url.rsplit("/", 1)[1])
        assert state_of(page) == "草稿"
        assert_accessible(page)
        page.click("#action-submit button")
        after_action(page, case_url, "已提交")

        # POSTs with the session cookie but without the CSRF token are refused
        r = page.request.post(f"{base}/staff/cases/{case_id}/withdraw", form={"reason": "x"})
        assert r.status == 403
        r = page.request.post(f"{base}/api/v1/naming/cases/{case_id}/withdraw")
        assert r.status == 403
        assert "CSRF" in r.json()["message"]
        token = page.get_attribute("meta[name=csrf-token]", "content")
        r = page.request.get(f"{base}/api/v1/naming/cases/{case_id}")
        assert r.json()["state"] == "submitted"  # nothing changed

        # the second account takes it through review, consultation, approval, notice, filing
        sign_in(app, base, "wang")
        ap = app.page
        assert ap.locator("#h-waiting").count() == 1
        assert_accessible(ap)
        ap.goto(f"{base}/staff/cases?q=xll")  # initials
        ap.locator(f"a[href='/staff/cases/{case_id}']").wait_for()
        assert_accessible(ap)
        ap.goto(case_url)
        ap.click("#action-review button")
        after_action(ap, case_url, "审查中")
        # a consultation that began weeks ago (so it is over and approval can follow today):
        # step dates follow the case's history, so the review is moved back first
        backdate_case(staff_site.engine, case_id, date.fromisoformat(CONSULT_START))
        ap.goto(case_url)
        ap.fill("#consult-start_date", CONSULT_START)
        ap.click("#action-consult button")
        after_action(ap, case_url, "公示征求意见")

        # four eyes: the submitter (who holds the approver role) sees no approve button
        page.goto(case_url)
        assert page.locator("#action-approve").count() == 0
        assert page.locator("#action-reject").count() == 1
        # ... and a forged approve POST is refused by the use case
        r = page.request.post(
            f"{base}/staff/cases/{case_id}/approve",
            form={"csrf_token": token or "", "approval_no": "威政字〔2026〕1号"},
        )
        assert r.status == 200
        assert "不能审批本人" in r.text(), [ln for ln in r.text().splitlines() if "error" in ln]

        ap.goto(case_url)
        ap.click("#action-approve button")  # without a document number
        assert "请填写批准文号" in ap.locator("#approve-approval_no-err").inner_text()
        ap.fill("#approve-approval_no", "威政字〔2026〕12号")
        ap.click("#action-approve button")
        after_action(ap, case_url, "已批准")
        ap.click("#action-announce button")
        after_action(ap, case_url, "已公告")
        ap.click("#action-file button")
        after_action(ap, case_url, "已备案")
        steps = ap.locator("#timeline li").all_inner_texts()
        assert len(steps) >= 8, steps
        assert any("王审批" in s or "wang" in s for s in steps)
        ap.goto(case_url)
        ap.wait_for_selector("#case-map path.leaflet-interactive")
        screenshot(ap, "staff-case", docs=True)
        assert_accessible(ap)

        # the notice: an A4 page that prints, and a Word document
        ap.click("#notice-link")
        ap.wait_for_url(f"{case_url}/notice")
        body = ap.locator("article.notice").inner_text()
        assert "关于杏林路命名的公告" in body and "Xìnglín Lù" in body and "威政字" in body
        assert_accessible(ap)
        ap.emulate_media(media="print")
        assert not ap.locator("header.top").is_visible()
        pdf = ap.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        ap.emulate_media(media="screen")
        r = ap.request.get(f"{base}/staff/cases/{case_id}/notice.docx")
        assert r.status == 200
        with zipfile.ZipFile(io.BytesIO(r.body())) as z:
            assert "杏林路" in z.read("word/document.xml").decode("utf-8")

        # the other staff pages
        for path in ("/staff/", "/staff/cases?state=filed", "/staff/overdue", "/staff/reports"):
            ap.goto(f"{base}{path}")
            assert ap.locator("h1").count() == 1
            assert_accessible(ap)
        period = f"start={local_today().year}/01/01&end={local_today().isoformat()}"
        r = ap.request.get(f"{base}/staff/reports?download=1&{period}")
        assert r.status == 200 and r.body()[:2] == b"PK"
        book = load_workbook(io.BytesIO(r.body()), read_only=True)
        rows = list(book["案件明细"].iter_rows(values_only=True))
        assert rows[1][2] == "杏林路" and rows[1][4] == "已备案"

        # an idle session is sent back to the sign-in page
        sessions.expire_sessions(staff_site.engine, "zhang")
        page.goto(f"{base}/staff/")
        assert "/staff/login" in page.url

        rev.assert_clean()
        app.assert_clean()
    finally:
        rev.page.context.close()
        app.page.context.close()
