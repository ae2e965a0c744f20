"""Staff workbench pages of one case: new case (with the drawn geometry), the case page
with exactly the actions the signed-in user may take, the actions themselves, and the
public notice (printable A4 page and .docx).

A form with bad input is answered again (200, the fields kept) with a Chinese message
beside each field; a refused transition (wrong state, four eyes, consultation not over,
conflicting name) is shown on the case page beside the action's form.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from shapely.geometry import LineString, MultiLineString

from api.deps import CachesDep, EngineDep, RecordId, SettingsDep
from api.schemas_naming import to_shape
from api.staff import Staff, StaffContext, form_data, page, redirect
from gazetteer.errors import GazetteerError, InvalidInput
from gazetteer.naming.areas import derive_admin_code
from gazetteer.naming.cases import CASE_PLACE_KIND, request_for, with_area_findings
from gazetteer.naming.check import check_name
from gazetteer.naming.model import Case, CaseKind, CaseProposal, Finding
from gazetteer.naming.notice import notice_docx
from gazetteer.services import naming as wf
from gazetteer.services import workbench
from gazetteer.settings import Settings
from gazetteer.types import COUNTY_OR_BELOW, AdminCode, local_today, parse_day
from maps.staff import geojson_attr

router = APIRouter(include_in_schema=False)

NEW_KINDS = (CaseKind.NEW_ROAD, CaseKind.COMPOUND)
FIELDS = (
    "kind",
    "name",
    "admin_code",
    "geometry",
    "start_desc",
    "end_desc",
    "width_m",
    "grade",
    "households",
    "developer",
    "reason",
    "applicant",
)
GRADES = ("", "快速路", "主干路", "次干路", "支路")


def _short(message: str) -> str:
    """The Chinese half of a bilingual message."""
    return message.split(" (")[0]


def _new_form(
    ctx: StaffContext, values: dict[str, str], errors: dict[str, str], settings: Settings
) -> HTMLResponse:
    return page(
        "new.html",
        ctx,
        values=values,
        errors=errors,
        kinds=NEW_KINDS,
        grades=GRADES,
        tile_url=settings.tile_url or "",
    )


@router.get("/staff/cases/new", response_class=HTMLResponse)
def new_case_form(ctx: Staff, settings: SettingsDep) -> HTMLResponse:
    return _new_form(ctx, {"kind": str(CaseKind.NEW_ROAD)}, {}, settings)


def _number(raw: str, field: str, errors: dict[str, str], *, integer: bool = False) -> Any:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        errors[field] = "请输入数字"
        return None
    if value <= 0 or value >= (1_000_000 if integer else 500):
        errors[field] = "数值超出范围"
        return None
    return value


def _proposal(conn: Any, v: dict[str, str]) -> tuple[CaseProposal | None, dict[str, str]]:
    errors: dict[str, str] = {}
    kind = next((k for k in NEW_KINDS if str(k) == v.get("kind")), None)
    if kind is None:
        errors["kind"] = "请选择类型"
    name = v.get("name", "").strip()
    if not name:
        errors["name"] = "请填写拟用名称"
    elif len(name) > 60:
        errors["name"] = "名称不能超过60个字符"
    geometry = None
    raw_geom = v.get("geometry", "").strip()
    if not raw_geom:
        errors["geometry"] = "请在地图上绘制道路中心线、小区范围或标出位置"
    else:
        try:
            geometry = to_shape(json.loads(raw_geom))
        except (ValueError, InvalidInput, AttributeError):
            errors["geometry"] = "绘制的位置无效，请重新绘制"
    if (
        kind is CaseKind.NEW_ROAD
        and geometry is not None
        and not isinstance(geometry, (LineString, MultiLineString))
    ):
        errors["geometry"] = "道路命名须在地图上绘制道路中心线"
    code = v.get("admin_code", "").strip()
    if code:
        try:
            code = AdminCode.parse(code, lengths=COUNTY_OR_BELOW).value
        except InvalidInput:
            errors["admin_code"] = "行政区划代码应为6、9或12位数字"
    elif geometry is not None:
        code = derive_admin_code(conn, geometry) or ""
        if not code:
            errors["admin_code"] = "无法从位置确定行政区划，请填写行政区划代码"
    elif "geometry" not in errors:
        errors["admin_code"] = "请填写行政区划代码"
    width = _number(v.get("width_m", ""), "width_m", errors)
    households = _number(v.get("households", ""), "households", errors, integer=True)
    grade = v.get("grade", "")
    if grade not in GRADES:
        errors["grade"] = "请选择道路等级"
    for field, limit in (("start_desc", 200), ("end_desc", 200), ("reason", 2000)):
        if len(v.get(field, "")) > limit:
            errors[field] = f"不能超过{limit}个字符"
    for field in ("developer", "applicant"):
        if len(v.get(field, "")) > 100:
            errors[field] = "不能超过100个字符"
    if errors or kind is None:
        return None, errors
    return (
        CaseProposal(
            kind=kind,
            name=name,
            admin_code=code,
            geometry=geometry,
            start_desc=v.get("start_desc", "").strip(),
            end_desc=v.get("end_desc", "").strip(),
            width_m=width,
            grade=grade,
            households=households,
            developer=v.get("developer", "").strip(),
            reason=v.get("reason", "").strip(),
            applicant=v.get("applicant", "").strip(),
        ),
        {},
    )


def _field_of(message: str) -> str:
    if "行政区划" in message:
        return "admin_code"
    if "几何" in message or "坐标" in message:
        return "geometry"
    if "宽度" in message:
        return "width_m"
    if "名称" in message or "通名" in message:
        return "name"
    return "form"


@router.post("/staff/cases/new", response_model=None)
async def new_case(
    request: Request, ctx: Staff, engine: EngineDep, settings: SettingsDep
) -> Response:
    form = await form_data(request)
    values = {k: form.get(k, "") for k in FIELDS}

    def create() -> Case | dict[str, str]:
        with engine.connect() as conn:
            proposal, errors = _proposal(conn, values)
        if proposal is None:
            return errors
        try:
            return wf.create_case(engine, proposal, ctx.user)
        except GazetteerError as exc:
            return {_field_of(exc.message): _short(exc.message)}

    result = await run_in_threadpool(create)
    if isinstance(result, dict):
        return _new_form(ctx, values, result, settings)
    return redirect(f"/staff/cases/{result.id}")


def _case_page(
    ctx: StaffContext,
    engine: EngineDep,
    caches: CachesDep,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    tile_url: str = "",
) -> HTMLResponse:
    with engine.connect() as conn:
        case = wf.get_case(conn, case_id)
        trail = wf.case_audit(conn, case_id)
        findings: list[Finding] = list(case.findings)
        live = False
        if case.state.value == "draft" and case.proposal.name:
            try:
                result = check_name(conn, request_for(case), references=caches.naming)
                result = with_area_findings(
                    conn, result, case.proposal.admin_code, case.proposal.geometry
                )
                findings, live = list(result.findings), True
            except GazetteerError:
                pass
        ids = [case.created_by, case.submitted_by, case.approved_by] + [e.user_id for e in trail]
        names = workbench.user_names(conn, ids)
        areas = workbench.area_names(conn, [case.proposal.admin_code])
    actions = workbench.allowed_actions(case, ctx.user)
    return page(
        "case.html",
        ctx,
        case=case,
        trail=trail,
        findings=findings,
        live_findings=live,
        names=names,
        areas=areas,
        actions=actions,
        errors=errors or {},
        values=values or {},
        today=local_today().isoformat(),
        geometry=geojson_attr(case.proposal.geometry),
        place_kind=str(CASE_PLACE_KIND[case.kind]),
        tile_url=tile_url,
    )


@router.get("/staff/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: RecordId, ctx: Staff, engine: EngineDep, caches: CachesDep, settings: SettingsDep
) -> HTMLResponse:
    return _case_page(ctx, engine, caches, case_id, tile_url=settings.tile_url or "")


ACTIONS = ("submit", "review", "consult", "approve", "reject", "withdraw", "announce", "file")


def _run_action(
    action: str,
    form: dict[str, str],
    engine: EngineDep,
    settings: Settings,
    caches: CachesDep,
    ctx: StaffContext,
    case_id: int,
) -> dict[str, str]:
    """Run ``action``; the errors by field (empty when it went through)."""
    user = ctx.user
    errors: dict[str, str] = {}

    def day(field: str) -> date | None:
        raw = form.get(field, "").strip()
        if not raw:
            return None
        try:
            return parse_day(raw)
        except InvalidInput:
            errors[f"{action}.{field}"] = "日期格式应为 2026-12-31"
            return None

    try:
        if action == "submit":
            wf.submit(engine, case_id, user, references=caches.naming)
        elif action == "review":
            wf.start_review(engine, case_id, user)
        elif action == "consult":
            start = day("start_date")
            if not errors:
                wf.start_consultation(engine, case_id, user, settings, start=start)
        elif action == "approve":
            on = day("approval_date")
            if not form.get("approval_no", "").strip():
                errors["approve.approval_no"] = "请填写批准文号"
            if not errors:
                wf.approve(
                    engine,
                    case_id,
                    user,
                    settings,
                    approval_no=form.get("approval_no", "")[:60],
                    approval_date=on,
                    authority=form.get("authority", "").strip()[:100],
                    references=caches.naming,
                )
        elif action == "reject":
            if not form.get("reason", "").strip():
                errors["reject.reason"] = "驳回须说明理由"
            else:
                wf.reject(engine, case_id, user, reason=form.get("reason", "")[:2000])
        elif action == "withdraw":
            wf.withdraw(engine, case_id, user, reason=form.get("reason", "")[:2000])
        elif action == "announce":
            on = day("on")
            if not errors:
                wf.announce(engine, case_id, user, on=on)
        elif action == "file":
            on = day("on")
            if not errors:
                wf.file_case(engine, case_id, user, on=on)
    except GazetteerError as exc:
        errors[f"{action}.form"] = _short(exc.message)
    return errors


@router.post("/staff/cases/{case_id}/{action}", response_model=None)
async def case_action(
    case_id: RecordId,
    action: str,
    request: Request,
    ctx: Staff,
    engine: EngineDep,
    settings: SettingsDep,
    caches: CachesDep,
) -> Response:
    if action not in ACTIONS:
        return redirect(f"/staff/cases/{case_id}")
    form = await form_data(request)
    errors = await run_in_threadpool(
        _run_action, action, form, engine, settings, caches, ctx, case_id
    )
    if errors:
        values = {f"{action}.{k}": v for k, v in form.items() if k != "csrf_token"}
        return await run_in_threadpool(
            lambda: _case_page(ctx, engine, caches, case_id, errors=errors, values=values)
        )
    return redirect(f"/staff/cases/{case_id}#actions")


@router.get("/staff/cases/{case_id}/notice", response_class=HTMLResponse)
def notice_page(case_id: RecordId, ctx: Staff, engine: EngineDep) -> HTMLResponse:
    """The public notice as an A4 page for the browser's print dialog."""
    with engine.connect() as conn:
        case = wf.get_case(conn, case_id)
        text = wf.case_notice(conn, case_id)
    lines = text.split("\n")
    return page("notice.html", ctx, case=case, title=lines[0], lines=lines[1:])


@router.get("/staff/cases/{case_id}/notice.docx", response_model=None)
def notice_word(case_id: RecordId, ctx: Staff, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        case = wf.get_case(conn, case_id)
        text = wf.case_notice(conn, case_id)
    return Response(
        notice_docx(text),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="notice-{case.number}.docx"'},
    )


__all__ = ["router"]
