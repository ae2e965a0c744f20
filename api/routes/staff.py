"""Staff workbench pages: landing page, sign-in and out, dashboard, case list, overdue
list, reports, and the live name check the new-case page calls.

Pages are server-rendered (``maps/templates/staff``) over the same use cases as the JSON
API (:mod:`gazetteer.services.workbench`, :mod:`gazetteer.services.naming`,
:mod:`gazetteer.services.sessions`). See :mod:`api.staff` for sessions, forms and CSRF.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.auth import SESSION_COOKIE
from api.deps import CachesDep, ConnectionDep, EngineDep, SettingsDep
from api.schemas_naming import NameCheckPublic, to_shape
from api.staff import LOGIN_URL, Staff, form_data, page, redirect, safe_next
from gazetteer.errors import GazetteerError, InvalidInput, NotAuthenticated
from gazetteer.naming.areas import derive_admin_code
from gazetteer.naming.cases import CASE_PLACE_KIND
from gazetteer.naming.model import CaseKind, CaseState, CheckRequest
from gazetteer.services import naming as wf
from gazetteer.services import sessions, workbench
from gazetteer.types import COUNTY_OR_BELOW, AdminCode, local_today, parse_day

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "gz_login_csrf"
FAILED_LOGIN_DELAY_S = 1.0
PAGE_SIZE = 20


@router.get("/", response_class=HTMLResponse)
def landing() -> HTMLResponse:
    """A small landing page: the public map, the staff sign-in, the API documentation."""
    return page("landing.html", None)


def _login_form(
    next_url: str, *, error: str = "", username: str = "", status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = page(
        "login.html",
        None,
        status=status,
        next_url=next_url,
        error=error,
        username=username,
        login_csrf=token,
    )
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=LOGIN_URL)
    return resp


@router.get(LOGIN_URL, response_class=HTMLResponse)
def login_page(next: str | None = None, expired: bool = False) -> HTMLResponse:
    msg = sessions.SESSION_EXPIRED.split(" (")[0] if expired else ""
    return _login_form(safe_next(next), error=msg)


@router.post(LOGIN_URL, response_model=None)
async def login(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    form = await form_data(request)
    next_url = safe_next(form.get("next"))
    username = form.get("username", "").strip()[:60]
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = form.get("csrf_token", "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return _login_form(
            next_url,
            error="页面已过期，请重新提交 (the form expired, please submit again)",
            username=username,
            status=200,
        )
    if not username or not form.get("password"):
        return _login_form(next_url, error="请输入用户名和密码", username=username)
    address = request.client.host if request.client else ""
    try:
        new = await run_in_threadpool(
            sessions.login,
            engine,
            username,
            form.get("password", ""),
            address=address,
            settings=settings,
        )
    except NotAuthenticated as exc:
        await asyncio.sleep(FAILED_LOGIN_DELAY_S)  # slows down guessing
        return _login_form(next_url, error=exc.message.split(" (")[0], username=username)
    resp = RedirectResponse(next_url, status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        new.token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_URL)
    return resp


@router.post("/staff/logout", response_model=None)
async def logout(request: Request, ctx: Staff, engine: EngineDep) -> Response:
    await run_in_threadpool(sessions.logout, engine, request.cookies.get(SESSION_COOKIE))
    resp = redirect(LOGIN_URL)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/staff", response_model=None)
def staff_root() -> Response:
    return redirect("/staff/")


@router.get("/staff/", response_class=HTMLResponse)
def dashboard(ctx: Staff, conn: ConnectionDep) -> HTMLResponse:
    board = workbench.dashboard(conn, ctx.user, as_of=local_today())
    codes = [c.proposal.admin_code for c in board.mine + board.waiting]
    return page(
        "dashboard.html",
        ctx,
        board=board,
        areas=workbench.area_names(conn, codes),
        total=sum(board.counts.values()),
    )


def _enum(cls: Any, raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return cls(raw)
    except ValueError:
        return None


@router.get("/staff/cases", response_class=HTMLResponse)
def case_list(
    ctx: Staff,
    conn: ConnectionDep,
    q: Annotated[str, Query(max_length=60)] = "",
    state: str = "",
    kind: str = "",
    county: Annotated[str, Query(max_length=12)] = "",
    overdue: str = "",
    sort: str = "updated",
    order: str = "desc",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    q = q.replace("\x00", "")
    sort = sort if sort in workbench.SORTS else "updated"
    county = county if county.isdigit() else ""
    f = workbench.CaseFilter(
        q=q,
        state=_enum(CaseState, state),
        kind=_enum(CaseKind, kind),
        county=county,
        overdue=bool(overdue),
        sort=sort,
        descending=order != "asc",
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )
    total, cases = workbench.search_cases(conn, f)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    params = {
        "q": q,
        "state": state,
        "kind": kind,
        "county": county,
        "overdue": "1" if overdue else "",
        "sort": sort,
        "order": "asc" if order == "asc" else "desc",
    }
    return page(
        "cases.html",
        ctx,
        cases=cases,
        total=total,
        page_no=page_no,
        pages=pages,
        params=params,
        counties=workbench.counties(conn),
        areas=workbench.area_names(conn, [c.proposal.admin_code for c in cases]),
    )


@router.get("/staff/overdue", response_class=HTMLResponse)
def overdue(ctx: Staff, conn: ConnectionDep, as_of: str = "") -> HTMLResponse:
    error = ""
    day = local_today()
    if as_of:
        try:
            day = parse_day(as_of)
        except InvalidInput as exc:
            error = exc.message
    items = wf.overdue_cases(conn, as_of=day)
    return page("overdue.html", ctx, items=items, as_of=day.isoformat(), error=error)


@router.get("/staff/reports", response_model=None)
def reports(
    ctx: Staff, conn: ConnectionDep, start: str = "", end: str = "", download: str = ""
) -> Response:
    today = local_today()
    values = {
        "start": start or today.replace(month=1, day=1).isoformat(),
        "end": end or today.isoformat(),
    }
    errors: dict[str, str] = {}
    if download:
        days: dict[str, date] = {}
        for field in ("start", "end"):
            try:
                days[field] = parse_day(values[field])
            except InvalidInput as exc:
                errors[field] = exc.message.split(" (")[0]
        if not errors:
            try:
                data = workbench.cases_report_xlsx(conn, start=days["start"], end=days["end"])
            except InvalidInput as exc:
                errors["end"] = exc.message.split(" (")[0]
            else:
                name = f"naming-cases-{days['start']}-{days['end']}.xlsx"
                return Response(
                    data,
                    media_type=(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    ),
                    headers={"Content-Disposition": f'attachment; filename="{name}"'},
                )
    counts = workbench.state_counts(conn)
    return page(
        "reports.html",
        ctx,
        values=values,
        errors=errors,
        counts=counts,
    )


@router.post("/staff/api/check", response_model=None)
async def live_check(
    request: Request, ctx: Staff, engine: EngineDep, caches: CachesDep
) -> Response:
    """The rule check of the new-case page (JSON in and out, CSRF header): the area is
    derived from the drawn geometry when no code was typed."""
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JSONResponse({"error": "invalid_input", "message": "请求无效"}, status_code=400)
    try:
        result = await run_in_threadpool(_check, engine, caches, body)
    except GazetteerError as exc:
        # answered with 200: an unfinished name while typing is not a failed request
        return JSONResponse({"error": "invalid_input", "message": exc.message.split(" (")[0]})
    return JSONResponse(NameCheckPublic.from_domain(result).model_dump(mode="json"))


def _check(engine: EngineDep, caches: CachesDep, body: dict[str, Any]) -> Any:
    kind = _enum(CaseKind, str(body.get("kind", ""))) or CaseKind.NEW_ROAD
    geometry = to_shape(body["geometry"]) if isinstance(body.get("geometry"), dict) else None
    raw = str(body.get("admin_code") or "").replace("\x00", "").strip()
    with engine.connect() as conn:
        code = (
            AdminCode.parse(raw, lengths=COUNTY_OR_BELOW).value
            if raw
            else derive_admin_code(conn, geometry)
        )
        if code is None:
            raise InvalidInput("请填写行政区划代码或在地图上绘制位置")
        req = CheckRequest(
            name=str(body.get("name", "")).replace("\x00", "")[:60],
            kind=CASE_PLACE_KIND[kind],
            admin_code=code,
            geometry=geometry,
        )
        return wf.check(conn, req, references=caches.naming)


__all__ = ["router"]
