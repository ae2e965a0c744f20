"""Naming cases and the review workflow as an explicit state machine.

::

    draft ─submit→ submitted ─review→ under_review ─consult→ public_consultation
        ─approve→ approved ─announce→ announced ─file→ filed
    (submitted | under_review | public_consultation) ─reject→ rejected
    (draft | submitted | under_review | public_consultation) ─withdraw→ withdrawn

Every transition is one write transaction that re-reads the case under the naming lock
(``dialect.write_transaction`` + ``write_lock``), checks the state and the actor's role,
and appends to the audit trail. ``submit`` runs the checks and stores the findings with the
case. ``approve`` (by an approver who is not the submitter) re-checks the name against
granted names in the scope — the second of two competing cases gets a 409 naming the
first — and changes the gazetteer in the same transaction: a new place with its
romanisation and geometry, a rename keeping the former name in ``place_history`` with its
end date, or an adjustment keeping the previous geometry version. Filing and the public
notice are due ``Settings.notice_due_days`` / ``filing_due_days`` after approval.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shapely.geometry import LineString, MultiLineString
from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from gazetteer.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from gazetteer.model import CensusStatus, ChangeReason, Compound, Place, Road
from gazetteer.naming import audit
from gazetteer.naming.check import KIND_CATEGORY, check_name, name_facts
from gazetteer.naming.model import (
    CASE_KIND_NAMES,
    CASE_STATE_NAMES,
    GRANTED_STATES,
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
from gazetteer.naming.notice import DEFAULT_AUTHORITY, notice_text
from gazetteer.services.accounts import Role, User, check_role
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_lock, write_transaction
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.tables_naming import naming_cases
from gazetteer.text import initials, pinyin_key
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

CASE_PLACE_KIND: dict[CaseKind, PlaceKind] = {
    CaseKind.NEW_ROAD: PlaceKind.ROAD,
    CaseKind.RENAME: PlaceKind.ROAD,
    CaseKind.ADJUSTMENT: PlaceKind.ROAD,
    CaseKind.COMPOUND: PlaceKind.COMPOUND,
}


# --- rows <-> cases ----------------------------------------------------------------------


def _case_from_row(r: Row[Any]) -> Case:
    m = r._mapping
    proposal = CaseProposal(
        kind=CaseKind(m["kind"]),
        name=m["name"],
        admin_code=m["admin_code"],
        geometry=from_db(m["geom"]),
        place_id=m["place_id"],
        start_desc=m["start_desc"],
        end_desc=m["end_desc"],
        length_m=m["length_m"],
        width_m=m["width_m"],
        grade=m["grade"],
        households=m["households"],
        developer=m["developer"],
        reason=m["reason"],
        applicant=m["applicant"],
    )
    return Case(
        id=m["id"],
        number=m["number"],
        state=CaseState(m["state"]),
        proposal=proposal,
        specific=m["specific"],
        generic=m["generic"],
        romanized=m["romanized"],
        scope_key=m["scope_key"],
        findings=[Finding.from_json(f) for f in json.loads(m["findings"] or "[]")],
        consultation_start=m["consultation_start"],
        consultation_end=m["consultation_end"],
        approval_no=m["approval_no"],
        approval_date=m["approval_date"],
        approver_authority=m["approver_authority"],
        announced_on=m["announced_on"],
        filed_on=m["filed_on"],
        notice_due=m["notice_due"],
        filing_due=m["filing_due"],
        notice_text=m["notice_text"],
        created_by=m["created_by"],
        submitted_by=m["submitted_by"],
        approved_by=m["approved_by"],
        historic=bool(m["historic"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
    )


def _proposal_values(p: CaseProposal) -> dict[str, Any]:
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
    return _case_from_row(r)


def list_cases(
    conn: Connection,
    *,
    state: CaseState | None = None,
    kind: CaseKind | None = None,
    historic: bool | None = None,
    place_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Case]]:
    """(total, page) of cases, newest first."""
    c = naming_cases
    conds = []
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
    return total, [_case_from_row(r) for r in conn.execute(q)]


def overdue_cases(conn: Connection, *, as_of: date) -> list[OverdueItem]:
    """Approved cases whose public notice or filing is past due on ``as_of``."""
    c = naming_cases
    out: list[OverdueItem] = []
    q = select(c).where(c.c.state.in_([str(S.APPROVED), str(S.ANNOUNCED)])).order_by(c.c.id)
    for r in conn.execute(q):
        case = _case_from_row(r)
        if case.state is S.APPROVED and case.notice_due and case.notice_due < as_of:
            out.append(
                OverdueItem(
                    case.id,
                    case.number,
                    case.name,
                    case.state,
                    "notice",
                    case.notice_due,
                    (as_of - case.notice_due).days,
                )
            )
        if case.filing_due and case.filing_due < as_of:
            out.append(
                OverdueItem(
                    case.id,
                    case.number,
                    case.name,
                    case.state,
                    "filing",
                    case.filing_due,
                    (as_of - case.filing_due).days,
                )
            )
    return out


# --- creating and editing ----------------------------------------------------------------


def _validate(conn: Connection, p: CaseProposal) -> CaseProposal:
    if p.kind in (CaseKind.RENAME, CaseKind.ADJUSTMENT):
        if p.place_id is None:
            raise InvalidInput("更名和起止点调整须指定地名 place_id (place_id is required)")
        place = repo.get_place(conn, p.place_id)
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


def _next_number(conn: Connection, year: int) -> str:
    prefix = f"{NUMBER_PREFIX}-{year}-"
    last = conn.execute(
        select(func.max(naming_cases.c.number)).where(naming_cases.c.number.like(prefix + "%"))
    ).scalar_one()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def create_case(engine: Engine, proposal: CaseProposal, user: User) -> Case:
    """A new case in ``draft`` (reviewer)."""
    check_role(user, Role.REVIEWER)
    with write_transaction(engine) as conn:
        write_lock(conn, NAMING_LOCK)
        proposal = _validate(conn, proposal)
        stamp = utc_now()
        values = _proposal_values(proposal)
        values.update(
            number=_next_number(conn, stamp.year),
            state=str(S.DRAFT),
            scope_key="",
            findings="[]",
            approver_authority="",
            notice_text="",
            created_by=user.id,
            historic=False,
            created_at=stamp,
            updated_at=stamp,
            version=1,
        )
        case_id = conn.execute(
            insert(naming_cases).returning(naming_cases.c.id), [values]
        ).scalar_one()
        case = get_case(conn, int(case_id))
        audit.record(conn, user, "create", case_id=case.id, after=case_snapshot(case))
        return case


def update_case(engine: Engine, case_id: int, changes: dict[str, Any], user: User) -> Case:
    """Edit the proposal of a ``draft`` case (fields of :class:`CaseProposal`)."""
    check_role(user, Role.REVIEWER)
    allowed = set(CaseProposal.__dataclass_fields__) - {"kind"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"不能修改的字段 (fields that cannot be changed): {sorted(unknown)}")
    with write_transaction(engine) as conn:
        write_lock(conn, NAMING_LOCK)
        case = get_case(conn, case_id)
        if case.state is not S.DRAFT:
            raise Conflict(
                f"只有草稿可以修改，案件当前状态为{CASE_STATE_NAMES[case.state]} "
                f"(only drafts can be edited; state is {case.state})"
            )
        proposal = _validate(conn, replace(case.proposal, **changes))
        values = _proposal_values(proposal)
        values.update(updated_at=utc_now(), version=case.version + 1)
        conn.execute(update(naming_cases).where(naming_cases.c.id == case_id).values(**values))
        after = get_case(conn, case_id)
        audit.record(
            conn,
            user,
            "update",
            case_id=case_id,
            before=case_snapshot(case),
            after=case_snapshot(after),
        )
        return after


# --- transitions -------------------------------------------------------------------------


def _request_for(case: Case) -> CheckRequest:
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


def run_checks(conn: Connection, case: Case, *, include_pending: bool = True) -> CheckResult:
    result = check_name(conn, _request_for(case), include_pending=include_pending)
    if case.kind is CaseKind.ADJUSTMENT:
        # the name itself is unchanged: only the geometry is reviewed
        kept = tuple(f for f in result.findings if not f.rule.startswith("conflict."))
        result = replace(result, findings=kept)
    return result


def _begin(conn: Connection, case_id: int, action: str, user: User) -> tuple[Case, Transition]:
    tr = TRANSITIONS[action]
    check_role(user, tr.role)
    write_lock(conn, NAMING_LOCK)
    case = get_case(conn, case_id)
    if case.state not in tr.sources:
        raise Conflict(
            f"案件{case.number}当前状态为“{CASE_STATE_NAMES[case.state]}”，不能{tr.label} "
            f"(cannot {action} a case in state {case.state})",
            conflicts=[case.number],
        )
    return case, tr


def _finish(
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


def submit(engine: Engine, case_id: int, user: User) -> Case:
    """draft → submitted: the checks run and their findings are stored with the case."""
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "submit", user)
        result = run_checks(conn, case)
        findings = json.dumps([f.to_json() for f in result.findings], ensure_ascii=False)
        return _finish(
            conn,
            case,
            tr,
            user,
            {"findings": findings, "scope_key": result.scope.key, "submitted_by": user.id},
            note=f"{len(result.errors)} error(s), {len(result.findings)} finding(s)",
        )


def start_review(engine: Engine, case_id: int, user: User) -> Case:
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "review", user)
        return _finish(conn, case, tr, user, {})


def start_consultation(
    engine: Engine, case_id: int, user: User, settings: Settings, *, start: date | None = None
) -> Case:
    """under_review → public_consultation for ``settings.consultation_days`` days."""
    start = start or date.today()
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "consult", user)
        end = start + timedelta(days=settings.consultation_days)
        return _finish(
            conn,
            case,
            tr,
            user,
            {"consultation_start": start, "consultation_end": end},
            note=f"公示期 {start.isoformat()} – {end.isoformat()}",
        )


def reject(engine: Engine, case_id: int, user: User, *, reason: str) -> Case:
    if not reason.strip():
        raise InvalidInput("驳回须说明理由 (a reason is required)")
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "reject", user)
        return _finish(conn, case, tr, user, {}, note=reason.strip())


def withdraw(engine: Engine, case_id: int, user: User, *, reason: str = "") -> Case:
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "withdraw", user)
        return _finish(conn, case, tr, user, {}, note=reason.strip())


def announce(engine: Engine, case_id: int, user: User, *, on: date | None = None) -> Case:
    on = on or date.today()
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "announce", user)
        if case.approval_date and on < case.approval_date:
            raise InvalidInput("公告日期不能早于批准日期 (notice date before approval date)")
        return _finish(conn, case, tr, user, {"announced_on": on})


def file_case(engine: Engine, case_id: int, user: User, *, on: date | None = None) -> Case:
    on = on or date.today()
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "file", user)
        if case.approval_date and on < case.approval_date:
            raise InvalidInput("备案日期不能早于批准日期 (filing date before approval date)")
        return _finish(conn, case, tr, user, {"filed_on": on})


def area_label(conn: Connection, admin_code: str) -> str:
    """威海市环翠区环翠楼街道 style label of an admin code (as far as it is known)."""
    return "".join(a.name for a in repo.admin_path(conn, admin_code)) or admin_code


def approve(
    engine: Engine,
    case_id: int,
    user: User,
    settings: Settings,
    *,
    approval_no: str,
    approval_date: date | None = None,
    authority: str = "",
) -> Case:
    """public_consultation → approved, changing the gazetteer in the same transaction."""
    approval_no = approval_no.strip()
    if not approval_no:
        raise InvalidInput("须填写批准文号 (approval document number is required)")
    approval_date = approval_date or date.today()
    with write_transaction(engine) as conn:
        case, tr = _begin(conn, case_id, "approve", user)
        if user.id in (case.submitted_by, case.created_by):
            raise PermissionDenied(
                "审批人不能审批本人起草或提交的案件 (the approver must not be the submitter)"
            )
        if case.consultation_end and approval_date < case.consultation_end:
            raise Conflict(
                f"公示期至{case.consultation_end.isoformat()}，期满后方可批准 "
                f"(consultation runs until {case.consultation_end.isoformat()})",
                conflicts=[case.number],
            )
        result = run_checks(conn, case, include_pending=False)
        _raise_on_errors(case, result)
        place_id, before, former = _apply(conn, case, approval_date, result)
        after_snapshot = place_snapshot(conn, place_id)
        approved = replace(
            case,
            approval_no=approval_no,
            approval_date=approval_date,
            approver_authority=authority or DEFAULT_AUTHORITY,
            romanized=result.romanized,
            number=case.number,
        )
        approved.proposal.place_id = place_id
        text_ = notice_text(
            approved, area=area_label(conn, case.proposal.admin_code), former_name=former
        )
        values = {
            "approval_no": approval_no,
            "approval_date": approval_date,
            "approver_authority": authority or DEFAULT_AUTHORITY,
            "approved_by": user.id,
            "place_id": place_id,
            "notice_due": approval_date + timedelta(days=settings.notice_due_days),
            "filing_due": approval_date + timedelta(days=settings.filing_due_days),
            "notice_text": text_,
            "findings": json.dumps([f.to_json() for f in result.findings], ensure_ascii=False),
            "scope_key": result.scope.key,
        }
        audit.record(
            conn,
            user,
            f"place.{case.kind}",
            case_id=case.id,
            place_id=place_id,
            before=before,
            after=after_snapshot,
            note=f"{approval_no}",
        )
        return _finish(conn, case, tr, user, values, note=approval_no)


def _raise_on_errors(case: Case, result: CheckResult) -> None:
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if not errors:
        return
    conflicts = [c for f in errors for c in f.conflicts]
    first = errors[0]
    if first.rule.startswith("conflict.") or conflicts:
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


def _apply(
    conn: Connection, case: Case, on: date, result: CheckResult
) -> tuple[int, dict[str, Any] | None, str]:
    """Change the gazetteer for an approved case; returns (place id, before, former name)."""
    p = case.proposal
    keys = (pinyin_key(result.normalized), initials(result.normalized))
    if case.kind in (CaseKind.NEW_ROAD, CaseKind.COMPOUND):
        assert p.geometry is not None  # checked by _validate
        place = Place(
            name=result.normalized,
            specific=result.specific,
            generic=result.generic,
            romanized=result.romanized,
            category_code=KIND_CATEGORY[CASE_PLACE_KIND[case.kind]],
            admin_code=p.admin_code,
            geometry=p.geometry,
            meaning=p.reason,
            origin=f"{on.year}年经批准命名（{case.number}）",
            established_year=on.year,
            source=f"naming case {case.number}",
        )
        place.census_status = CensusStatus.ADDED
        place_id = repo.insert_place(conn, place, pinyin_key=keys[0], initials=keys[1])
        if case.kind is CaseKind.NEW_ROAD:
            length = p.length_m if p.length_m is not None else geodesic_length_m(p.geometry) or 0.0
            repo.insert_roads(
                conn, [Road(place_id, p.start_desc, p.end_desc, length, p.width_m, p.grade)]
            )
        else:
            repo.insert_compounds(conn, [Compound(place_id, p.households, None, p.developer)])
        return place_id, None, ""
    assert p.place_id is not None
    before = place_snapshot(conn, p.place_id)
    if case.kind is CaseKind.RENAME:
        changes: dict[str, Any] = {
            "name": result.normalized,
            "specific": result.specific,
            "generic": result.generic,
            "romanized": result.romanized,
        }
        old = repo.get_place(conn, p.place_id)
        changes["other_names"] = (
            [*old.other_names, old.name] if old.name not in old.other_names else old.other_names
        )
        if p.geometry is not None:
            changes["geometry"] = p.geometry
        repo.update_place(
            conn,
            p.place_id,
            changes,
            reason=ChangeReason.RENAMING,
            valid_to=on,
            note=f"{case.number}: {old.name} → {result.normalized}",
            keys=keys,
        )
        return p.place_id, before, old.name
    assert p.geometry is not None
    repo.update_place(
        conn,
        p.place_id,
        {"geometry": p.geometry},
        reason=ChangeReason.ADJUSTMENT,
        valid_to=on,
        note=f"{case.number}: 起止点调整",
    )
    adj_length = p.length_m if p.length_m is not None else geodesic_length_m(p.geometry)
    road_values: dict[str, Any] = {}
    if p.start_desc:
        road_values["start_desc"] = p.start_desc
    if p.end_desc:
        road_values["end_desc"] = p.end_desc
    if adj_length is not None:
        road_values["length_m"] = adj_length
    if p.width_m is not None:
        road_values["width_m"] = p.width_m
    if road_values:
        if repo.get_road(conn, p.place_id) is None:
            repo.insert_roads(
                conn,
                [Road(p.place_id, p.start_desc, p.end_desc, adj_length or 0.0, p.width_m, p.grade)],
            )
        else:
            conn.execute(
                update(t.roads).where(t.roads.c.place_id == p.place_id).values(**road_values)
            )
    return p.place_id, before, ""


def is_granted(case: Case) -> bool:
    return case.state in GRANTED_STATES


__all__ = [
    "CASE_KIND_NAMES",
    "CASE_PLACE_KIND",
    "NAMING_LOCK",
    "TRANSITIONS",
    "Transition",
    "announce",
    "approve",
    "area_label",
    "case_snapshot",
    "create_case",
    "file_case",
    "get_case",
    "list_cases",
    "overdue_cases",
    "reject",
    "run_checks",
    "start_consultation",
    "start_review",
    "submit",
    "update_case",
    "withdraw",
]
