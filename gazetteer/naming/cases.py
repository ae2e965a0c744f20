"""Naming cases: the review workflow as an explicit state machine, and the case records.

::

    draft ─submit→ submitted ─review→ under_review ─consult→ public_consultation
        ─approve→ approved ─announce→ announced ─file→ filed
    (submitted | under_review | public_consultation) ─reject→ rejected
    (draft | submitted | under_review | public_consultation) ─withdraw→ withdrawn

:data:`TRANSITIONS` names each step with its source states, target and role;
:func:`begin` and :func:`finish` open and close one inside a write transaction (the
naming lock, the state check, the audit trail). The use cases that run them are in
:mod:`gazetteer.services.naming`; the change an approval makes to the gazetteer is in
:mod:`gazetteer.naming.approval`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Connection, Row, and_, func, or_, select, update

from gazetteer.errors import Conflict, InvalidInput, NotFound
from gazetteer.model.accounts import Role, User, check_role
from gazetteer.naming import audit
from gazetteer.naming.areas import area_findings
from gazetteer.naming.case_records import (
    EXCEPTION_ACTION,
    REPORT_ACTION,
    REPORT_KINDS,
    case_exceptions,
    case_reports,
    grant_exception,
    record_report,
)
from gazetteer.naming.check import check_name, name_facts
from gazetteer.naming.model import (
    CASE_KIND_NAMES,
    CASE_STATE_NAMES,
    Case,
    CaseKind,
    CaseProposal,
    CaseState,
    CheckRequest,
    CheckResult,
    Finding,
    OverdueItem,
    PlaceKind,
    Severity,
)
from gazetteer.naming.reference import ReferenceCache
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_lock
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.tables_naming import naming_cases
from gazetteer.types import geodesic_length_m, in_china, utc_now

NAMING_LOCK = 0x4E414D45  # advisory-lock key of the naming workflow ("NAME")
NUMBER_PREFIX = "WHDM"

S = CaseState


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: frozenset[CaseState]
    target: CaseState
    role: Role
    label: str


TRANSITIONS: dict[str, Transition] = {
    t_.action: t_
    for t_ in (
        Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, Role.REVIEWER, "提交"),
        Transition("review", frozenset({S.SUBMITTED}), S.UNDER_REVIEW, Role.REVIEWER, "受理审查"),
        Transition(
            "consult", frozenset({S.UNDER_REVIEW}), S.PUBLIC_CONSULTATION, Role.REVIEWER, "公示"
        ),
        Transition(
            "approve", frozenset({S.PUBLIC_CONSULTATION}), S.APPROVED, Role.APPROVER, "批准"
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.PUBLIC_CONSULTATION}),
            S.REJECTED,
            Role.APPROVER,
            "驳回",
        ),
        Transition(
            "withdraw",
            frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.PUBLIC_CONSULTATION}),
            S.WITHDRAWN,
            Role.REVIEWER,
            "撤回",
        ),
        Transition("announce", frozenset({S.APPROVED}), S.ANNOUNCED, Role.REVIEWER, "公告"),
        Transition("file", frozenset({S.ANNOUNCED}), S.FILED, Role.REVIEWER, "备案"),
    )
}

# 《地名管理条例》 art. 12(6): compounds (important residential areas and buildings) are
# approved by the housing department; art. 13(4): the department files them with the 地名
# department within 15 days of approval; art. 14: the 地名 department announces them within
# 15 days of the filing. So their order is approve -> file -> announce. Names approved by a
# government (streets, art. 12(5)) are filed (art. 13(2)) and announced (art. 14) within 15
# days of the approval each: approve -> announce -> file.
DEPARTMENT_APPROVED: frozenset[CaseKind] = frozenset({CaseKind.COMPOUND})
ART14_DAYS = 15  # art. 13/14: filing and notice each within 15 days
_DEPARTMENT_TRANSITIONS: dict[str, Transition] = {
    "file": Transition("file", frozenset({S.APPROVED}), S.FILED, Role.REVIEWER, "备案"),
    "announce": Transition("announce", frozenset({S.FILED}), S.ANNOUNCED, Role.REVIEWER, "公告"),
}


def transition_for(kind: CaseKind, action: str) -> Transition:
    """The transition of ``action`` for a case of ``kind`` (art. 14 order per kind)."""
    if kind in DEPARTMENT_APPROVED and action in _DEPARTMENT_TRANSITIONS:
        return _DEPARTMENT_TRANSITIONS[action]
    return TRANSITIONS[action]


def final_state(kind: CaseKind) -> CaseState:
    """The state a completed case of ``kind`` ends in."""
    return S.ANNOUNCED if kind in DEPARTMENT_APPROVED else S.FILED


CASE_PLACE_KIND: dict[CaseKind, PlaceKind] = {
    CaseKind.NEW_ROAD: PlaceKind.ROAD,
    CaseKind.RENAME: PlaceKind.ROAD,
    CaseKind.ADJUSTMENT: PlaceKind.ROAD,
    CaseKind.COMPOUND: PlaceKind.COMPOUND,
}


# --- rows <-> cases ----------------------------------------------------------------------


def case_from_row(r: Row[Any]) -> Case:
    m = r._mapping
    proposal = repo.from_row(CaseProposal, r, kind=CaseKind(m["kind"]), geometry=from_db(m["geom"]))
    return repo.from_row(
        Case,
        r,
        state=CaseState(m["state"]),
        proposal=proposal,
        findings=[Finding.from_json(f) for f in json.loads(m["findings"] or "[]")],
        historic=bool(m["historic"]),
    )


def proposal_values(p: CaseProposal) -> dict[str, Any]:
    facts = name_facts(p.name, CASE_PLACE_KIND[p.kind])
    return {
        "kind": str(p.kind),
        "name": facts.name,
        "specific": facts.specific,
        "generic": facts.generic,
        "romanized": facts.romanized,
        "pinyin_key": facts.pinyin_key,
        "toned_key": facts.toned_key,
        "place_kind": str(CASE_PLACE_KIND[p.kind]),
        "admin_code": p.admin_code,
        "place_id": p.place_id,
        "geom": to_db(p.geometry),
        "start_desc": p.start_desc,
        "end_desc": p.end_desc,
        "length_m": p.length_m if p.length_m is not None else geodesic_length_m(p.geometry),
        "width_m": p.width_m,
        "grade": p.grade,
        "households": p.households,
        "developer": p.developer,
        "reason": p.reason,
        "applicant": p.applicant,
    }


def case_snapshot(case: Case) -> dict[str, Any]:
    """The audit view of a case (JSON-ready)."""
    p = case.proposal
    return {
        "state": str(case.state),
        "kind": str(p.kind),
        "name": p.name,
        "romanized": case.romanized,
        "admin_code": p.admin_code,
        "place_id": p.place_id,
        "start_desc": p.start_desc,
        "end_desc": p.end_desc,
        "length_m": p.length_m,
        "width_m": p.width_m,
        "geometry_wkt": p.geometry.wkt if p.geometry is not None else None,
        "approval_no": case.approval_no,
        "approval_date": case.approval_date.isoformat() if case.approval_date else None,
        "announced_on": case.announced_on.isoformat() if case.announced_on else None,
        "filed_on": case.filed_on.isoformat() if case.filed_on else None,
    }


def place_snapshot(conn: Connection, place_id: int) -> dict[str, Any]:
    p = repo.get_place(conn, place_id)
    road = repo.get_road(conn, place_id)
    snap: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "romanized": p.romanized,
        "category_code": p.category_code,
        "admin_code": p.admin_code,
        "version": p.version,
        "geometry_wkt": p.geometry.wkt,
    }
    if road is not None:
        snap.update(start_desc=road.start_desc, end_desc=road.end_desc, length_m=road.length_m)
    return snap


# --- reading -----------------------------------------------------------------------------


def get_case(conn: Connection, case_id: int) -> Case:
    r = conn.execute(select(naming_cases).where(naming_cases.c.id == case_id)).first()
    if r is None:
        raise NotFound(f"案件不存在 (no naming case with id {case_id})")
    return case_from_row(r)


#: Case states the public may see: from the public consultation on (drafts, cases under
#: review, rejected and withdrawn ones are internal).
PUBLIC_STATES = frozenset(
    (
        CaseState.PUBLIC_CONSULTATION,
        CaseState.APPROVED,
        CaseState.ANNOUNCED,
        CaseState.FILED,
    )
)


def list_cases(
    conn: Connection,
    *,
    state: CaseState | None = None,
    kind: CaseKind | None = None,
    historic: bool | None = None,
    place_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    public_only: bool = False,
) -> tuple[int, list[Case]]:
    """(total, page) of cases, newest first (``public_only``: those the public may see)."""
    c = naming_cases
    conds: list[ColumnElement[bool]] = []
    if public_only:
        conds.append(c.c.state.in_([str(s) for s in PUBLIC_STATES]))
    if state is not None:
        conds.append(c.c.state == str(state))
    if kind is not None:
        conds.append(c.c.kind == str(kind))
    if historic is not None:
        conds.append(c.c.historic == historic)
    if place_id is not None:
        conds.append(c.c.place_id == place_id)
    total = int(conn.execute(select(func.count()).select_from(c).where(*conds)).scalar_one())
    q = select(c).where(*conds).order_by(c.c.id.desc()).limit(limit).offset(offset)
    return total, [case_from_row(r) for r in conn.execute(q)]


def overdue_cases(conn: Connection, *, as_of: date, limit: int | None = None) -> list[OverdueItem]:
    """Cases whose public notice or filing is past due on ``as_of``, in the order of art. 14
    for each kind: roads are announced then filed, names approved by a department
    (:data:`DEPARTMENT_APPROVED`) are filed then announced. The due dates are compared in
    SQL and only the list's columns are read; the cases of the first ``limit`` when given."""
    c = naming_cases.c
    notice_open, filing_open = _due_open()
    q = (
        select(c.id, c.number, c.name, c.state, c.notice_due, c.filing_due)
        .where(
            or_(
                and_(notice_open, c.notice_due < as_of),
                and_(filing_open, c.filing_due < as_of),
            )
        )
        .order_by(c.id)
        .limit(limit)
    )
    out: list[OverdueItem] = []
    for r in conn.execute(q.add_columns(notice_open.label("n_open"), filing_open.label("f_open"))):
        state = CaseState(r.state)
        if r.n_open and r.notice_due and r.notice_due < as_of:
            days = (as_of - r.notice_due).days
            out.append(OverdueItem(r.id, r.number, r.name, state, "notice", r.notice_due, days))
        if r.f_open and r.filing_due and r.filing_due < as_of:
            days = (as_of - r.filing_due).days
            out.append(OverdueItem(r.id, r.number, r.name, state, "filing", r.filing_due, days))
    return out


# --- creating and editing ----------------------------------------------------------------


def _due_open() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """SQL conditions: the case still owes its public notice / its filing (art. 14: roads
    are announced then filed; :data:`DEPARTMENT_APPROVED` kinds are filed then announced)."""
    c = naming_cases.c
    approved, announced, filed = str(S.APPROVED), str(S.ANNOUNCED), str(S.FILED)
    dept = [str(k) for k in DEPARTMENT_APPROVED]
    notice_open = or_(
        and_(c.state == approved, c.kind.not_in(dept)),
        and_(c.state == filed, c.kind.in_(dept)),
    )
    filing_open = or_(c.state == approved, and_(c.state == announced, c.kind.not_in(dept)))
    return notice_open, filing_open


def count_overdue(conn: Connection, *, as_of: date) -> int:
    """How many items :func:`overdue_cases` lists (a case late with both counts twice)."""
    c = naming_cases.c
    notice_open, filing_open = _due_open()
    notice = select(func.count()).where(notice_open, c.notice_due < as_of)
    filing = select(func.count()).where(filing_open, c.filing_due < as_of)
    return int(conn.execute(notice).scalar_one()) + int(conn.execute(filing).scalar_one())


def validate_proposal(conn: Connection, p: CaseProposal) -> CaseProposal:
    """The proposal checked against the database (and completed from the place it
    renames or adjusts); :class:`InvalidInput` on the first problem."""
    if p.kind in (CaseKind.RENAME, CaseKind.ADJUSTMENT):
        if p.place_id is None:
            raise InvalidInput("更名和起止点调整须指定地名 place_id (place_id is required)")
        try:
            place = repo.get_place(conn, p.place_id)
        except NotFound:
            raise InvalidInput(
                f"地名不存在 (place_id: no place with id {p.place_id})",
                details=[{"field": "place_id", "problem": "no such place"}],
            ) from None
        if p.kind is CaseKind.ADJUSTMENT:
            if p.geometry is None:
                raise InvalidInput("起止点调整须提供新的道路几何 (new geometry is required)")
            p = replace(p, name=place.name)
        if not p.admin_code:
            p = replace(p, admin_code=place.admin_code)
    if p.kind is CaseKind.NEW_ROAD and not isinstance(p.geometry, (LineString, MultiLineString)):
        raise InvalidInput("道路命名须提供线状几何 (a new road needs a LineString geometry)")
    if p.kind is CaseKind.COMPOUND and p.geometry is None:
        raise InvalidInput("居住小区命名须提供位置几何 (a compound needs a geometry)")
    if p.geometry is not None:
        x1, y1, x2, y2 = p.geometry.bounds
        if not (x1 <= x2 and y1 <= y2 and in_china(x1, y1) and in_china(x2, y2)):
            raise InvalidInput("几何坐标超出中国范围 (geometry outside China, use lon/lat)")
    if p.width_m is not None and not 0 < p.width_m < 500:
        raise InvalidInput("道路宽度须在0-500米之间 (width_m must be in 0-500)")
    exists = conn.execute(
        select(t.admin_areas.c.code).where(t.admin_areas.c.code == p.admin_code)
    ).first()
    if exists is None:
        raise InvalidInput(f"行政区划代码不存在 (unknown administrative code): {p.admin_code}")
    return p


def next_number(conn: Connection, year: int) -> str:
    prefix = f"{NUMBER_PREFIX}-{year}-"
    last = conn.execute(
        select(func.max(naming_cases.c.number)).where(naming_cases.c.number.like(prefix + "%"))
    ).scalar_one()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


# --- transitions -------------------------------------------------------------------------


def request_for(case: Case) -> CheckRequest:
    p = case.proposal
    return CheckRequest(
        name=p.name,
        kind=CASE_PLACE_KIND[p.kind],
        admin_code=p.admin_code,
        geometry=p.geometry,
        width_m=p.width_m,
        grade=p.grade,
        exclude_place_id=p.place_id,
        exclude_case_id=case.id,
    )


def run_checks(
    conn: Connection,
    case: Case,
    *,
    include_pending: bool = True,
    references: ReferenceCache | None = None,
) -> CheckResult:
    """The checks of a case's name (only the geometry's for an adjustment), with the
    exceptions granted on the case and, for a renaming, the protection list."""
    request = request_for(case)
    former = ""
    if case.kind is CaseKind.RENAME and case.proposal.place_id is not None:
        row = conn.execute(
            select(t.places.c.name).where(t.places.c.id == case.proposal.place_id)
        ).first()
        former = str(row.name) if row is not None else ""
    request = replace(
        request,
        exceptions=tuple(sorted(case_exceptions(conn, case.id).items())),
        former_name=former,
        records=case_reports(conn, case.id),
    )
    result = check_name(conn, request, include_pending=include_pending, references=references)
    result = with_area_findings(conn, result, case.proposal.admin_code, case.proposal.geometry)
    if case.kind is CaseKind.ADJUSTMENT:
        # the name itself is unchanged: only the geometry is reviewed
        kept = tuple(f for f in result.findings if not f.rule.startswith("conflict."))
        result = replace(result, findings=kept)
    return result


def with_area_findings(
    conn: Connection, result: CheckResult, admin_code: str, geometry: BaseGeometry | None
) -> CheckResult:
    """``result`` with the derived area and a finding when the typed code contradicts it."""
    derived, extra = area_findings(conn, admin_code, geometry)
    return replace(result, derived_admin_code=derived, findings=result.findings + tuple(extra))


def begin(conn: Connection, case_id: int, action: str, user: User) -> tuple[Case, Transition]:
    check_role(user, TRANSITIONS[action].role)
    write_lock(conn, NAMING_LOCK)
    case = get_case(conn, case_id)
    tr = transition_for(case.kind, action)
    if case.state not in tr.sources:
        raise Conflict(
            f"案件{case.number}当前状态为“{CASE_STATE_NAMES[case.state]}”，不能{tr.label} "
            f"(cannot {action} a case in state {case.state})",
            conflicts=[case.number],
        )
    return case, tr


def finish(
    conn: Connection, case: Case, tr: Transition, user: User, values: dict[str, Any], note: str = ""
) -> Case:
    values.update(state=str(tr.target), updated_at=utc_now(), version=case.version + 1)
    conn.execute(update(naming_cases).where(naming_cases.c.id == case.id).values(**values))
    after = get_case(conn, case.id)
    audit.record(
        conn,
        user,
        tr.action,
        case_id=case.id,
        place_id=after.proposal.place_id,
        before=case_snapshot(case),
        after=case_snapshot(after),
        note=note,
    )
    return after


def area_label(conn: Connection, admin_code: str) -> str:
    """威海市环翠区环翠楼街道 style label of an admin code (as far as it is known)."""
    return "".join(a.name for a in repo.admin_path(conn, admin_code)) or admin_code


def raise_on_errors(case: Case, result: CheckResult) -> None:
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if not errors:
        return
    conflicts = [c for f in errors for c in f.conflicts]
    first = errors[0]
    if first.rule.startswith("conflict."):
        raise Conflict(
            f"不能批准：{first.message} (cannot approve: the name conflicts with {conflicts[0]})",
            conflicts=conflicts,
            details=[f.to_json() for f in errors],
        )
    raise Conflict(
        f"不能批准：{first.message} (cannot approve: the name breaks rule {first.rule})",
        conflicts=[case.number],
        details=[f.to_json() for f in errors],
    )


__all__ = [
    "ART14_DAYS",
    "CASE_KIND_NAMES",
    "CASE_PLACE_KIND",
    "DEPARTMENT_APPROVED",
    "EXCEPTION_ACTION",
    "NAMING_LOCK",
    "NUMBER_PREFIX",
    "PUBLIC_STATES",
    "REPORT_ACTION",
    "REPORT_KINDS",
    "TRANSITIONS",
    "Transition",
    "area_label",
    "begin",
    "case_exceptions",
    "case_from_row",
    "case_reports",
    "case_snapshot",
    "count_overdue",
    "final_state",
    "finish",
    "get_case",
    "grant_exception",
    "list_cases",
    "next_number",
    "overdue_cases",
    "place_snapshot",
    "proposal_values",
    "raise_on_errors",
    "record_report",
    "request_for",
    "run_checks",
    "transition_for",
    "validate_proposal",
    "with_area_findings",
]
