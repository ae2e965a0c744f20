"""Naming review: name check, batch check, cases and their workflow, audit trail.

Reads are public except drafts and internal cases, which only staff see, and the audit
trails (snapshots, staff names: staff token); writes need a bearer token (``gazetteer
users add``) with the role shown per endpoint (401 without a token, 403 with the wrong
role). ``admin`` may do everything.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.auth import CurrentUser, OptionalUser, require_role
from api.deps import CachesDep, ConnectionDep, EngineDep, HeavyDep, RecordId, SettingsDep
from api.limits import Cancel
from api.schemas_naming import (
    ApprovalRequest,
    AuditEntryPublic,
    CaseCreate,
    CasePage,
    CasePublic,
    CaseUpdate,
    ConsultationRequest,
    DateRequest,
    ExceptionGrant,
    NameCheckPublic,
    NameCheckRequest,
    OverduePublic,
    ReasonRequest,
    ReportRecord,
    WordCreate,
    WordListPublic,
    to_shape,
)
from gazetteer.errors import InvalidInput, TooLarge
from gazetteer.model.accounts import User
from gazetteer.naming import batch, words
from gazetteer.naming.model import CaseKind, CaseProposal, CaseState, CheckRequest
from gazetteer.services import naming as wf
from gazetteer.types import COUNTY_OR_BELOW, INT32_MAX, AdminCode, local_today

router = APIRouter(prefix="/api/v1/naming", tags=["naming"])


def _code(raw: str) -> str:
    return AdminCode.parse(raw, lengths=COUNTY_OR_BELOW).value


Reviewer = Annotated[User, Depends(require_role("reviewer"))]
Approver = Annotated[User, Depends(require_role("approver"))]
Admin = Annotated[User, Depends(require_role("admin"))]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@router.post("/check", response_model=NameCheckPublic)
def check(body: NameCheckRequest, conn: ConnectionDep, caches: CachesDep) -> NameCheckPublic:
    """Check a candidate name against every rule (public; nothing is stored)."""
    req = CheckRequest(
        name=body.name,
        kind=body.kind,
        admin_code=_code(body.admin_code),
        geometry=to_shape(body.geometry),
        width_m=body.width_m,
        grade=body.grade,
    )
    return NameCheckPublic.from_domain(wf.check(conn, req, references=caches.naming))


@router.post(
    "/check/batch",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def check_batch(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """Check a CSV of names sent as the request body (``Content-Type: text/csv``; columns
    name,kind,admin_code[,lon,lat,wkt,width_m,grade]); the report comes back as CSV or
    Excel (public)."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            raise TooLarge("文件过大，最大5MB (file larger than 5 MB)")

    def work(cancel: Cancel) -> bytes:
        # parsing, checking and the report all run in the heavy pool, off the event loop
        with engine.connect() as conn:
            rows, results = wf.check_batch(conn, data, references=caches.naming)
        cancel.update()
        if format == "xlsx":
            return batch.report_xlsx(rows, results)
        return batch.report_csv(rows, results)

    report = await heavy.run(request, work)
    if format == "xlsx":
        return Response(
            report,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="naming-check.xlsx"'},
        )
    return Response(
        report,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="naming-check.csv"'},
    )


@router.get("/cases", response_model=CasePage)
def list_cases(
    conn: ConnectionDep,
    user: OptionalUser,
    state: CaseState | None = None,
    kind: CaseKind | None = None,
    historic: bool | None = None,
    place_id: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> CasePage:
    total, items = wf.list_cases(
        conn,
        state=state,
        kind=kind,
        historic=historic,
        place_id=place_id,
        limit=limit,
        offset=offset,
        public_only=user is None,
    )
    return CasePage(total=total, items=[CasePublic.from_domain(c) for c in items])


@router.get("/cases/overdue", response_model=list[OverduePublic])
def overdue(conn: ConnectionDep, as_of: date | None = None) -> list[OverduePublic]:
    """Approved cases whose public notice or filing is past its 15-day due date."""
    items = wf.overdue_cases(conn, as_of=as_of or local_today())
    return [OverduePublic.from_domain(o) for o in items]


@router.get("/cases/{case_id}", response_model=CasePublic)
def get_case(case_id: RecordId, conn: ConnectionDep, user: OptionalUser) -> CasePublic:
    """A case; drafts and internal cases only with a staff token (404 to the public)."""
    return CasePublic.from_domain(wf.visible_case(conn, case_id, staff=user is not None))


@router.get("/cases/{case_id}/notice", response_class=PlainTextResponse)
def case_notice(case_id: RecordId, conn: ConnectionDep) -> str:
    """The generated public notice (公告) of an approved case, as plain text."""
    return wf.case_notice(conn, case_id)


@router.get("/cases/{case_id}/audit", response_model=list[AuditEntryPublic])
def case_audit(case_id: RecordId, conn: ConnectionDep, user: CurrentUser) -> list[AuditEntryPublic]:
    """Who did what to a case, with before/after snapshots (staff token)."""
    return [AuditEntryPublic.from_domain(e) for e in wf.case_audit(conn, case_id)]


@router.get("/places/{place_id}/audit", response_model=list[AuditEntryPublic])
def place_audit(
    place_id: RecordId, conn: ConnectionDep, user: CurrentUser
) -> list[AuditEntryPublic]:
    """Every audited change of a place (approvals that created, renamed or adjusted it;
    staff token)."""
    if not 1 <= place_id <= INT32_MAX:
        raise InvalidInput("地名编号超出范围 (place id out of range)")
    return [AuditEntryPublic.from_domain(e) for e in wf.place_audit(conn, place_id)]


@router.post("/cases", response_model=CasePublic, status_code=201)
def create_case(body: CaseCreate, engine: EngineDep, user: Reviewer) -> CasePublic:
    """Create a draft case (reviewer)."""
    if body.kind is not CaseKind.ADJUSTMENT and not body.name:
        raise InvalidInput("须填写拟用名称 (name is required)")
    if body.kind in (CaseKind.NEW_ROAD, CaseKind.COMPOUND) and not body.admin_code:
        raise InvalidInput("须填写行政区划代码 (admin_code is required)")
    proposal = CaseProposal(
        kind=body.kind,
        name=body.name,
        admin_code=_code(body.admin_code) if body.admin_code else "",
        geometry=to_shape(body.geometry),
        place_id=body.place_id,
        start_desc=body.start_desc,
        end_desc=body.end_desc,
        length_m=body.length_m,
        width_m=body.width_m,
        grade=body.grade,
        households=body.households,
        developer=body.developer,
        reason=body.reason,
        applicant=body.applicant,
    )
    return CasePublic.from_domain(wf.create_case(engine, proposal, user))


@router.patch("/cases/{case_id}", response_model=CasePublic)
def update_case(
    case_id: RecordId, body: CaseUpdate, engine: EngineDep, user: Reviewer
) -> CasePublic:
    """Edit a draft (reviewer)."""
    names = {f.name for f in fields(CaseProposal)}
    changes: dict[str, Any] = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if k in names
    }
    if "geometry" in changes:
        changes["geometry"] = to_shape(changes["geometry"])
    if changes.get("admin_code"):
        changes["admin_code"] = _code(str(changes["admin_code"]))
    return CasePublic.from_domain(wf.update_case(engine, case_id, changes, user))


@router.post("/cases/{case_id}/submit", response_model=CasePublic)
def submit(case_id: RecordId, engine: EngineDep, caches: CachesDep, user: Reviewer) -> CasePublic:
    """Draft → submitted; the checks run and are stored with the case (reviewer)."""
    return CasePublic.from_domain(wf.submit(engine, case_id, user, references=caches.naming))


@router.post("/cases/{case_id}/review", response_model=CasePublic)
def review(case_id: RecordId, engine: EngineDep, user: Reviewer) -> CasePublic:
    """Submitted → under_review (reviewer)."""
    return CasePublic.from_domain(wf.start_review(engine, case_id, user))


@router.post("/cases/{case_id}/consultation", response_model=CasePublic)
def consultation(
    case_id: RecordId,
    engine: EngineDep,
    settings: SettingsDep,
    user: Reviewer,
    body: ConsultationRequest | None = None,
) -> CasePublic:
    """under_review → public_consultation for ``consultation_days`` days (reviewer)."""
    start = body.start_date if body else None
    return CasePublic.from_domain(
        wf.start_consultation(engine, case_id, user, settings, start=start)
    )


@router.post("/cases/{case_id}/approve", response_model=CasePublic)
def approve(
    case_id: RecordId,
    body: ApprovalRequest,
    engine: EngineDep,
    settings: SettingsDep,
    caches: CachesDep,
    user: Approver,
) -> CasePublic:
    """public_consultation → approved; writes the gazetteer (approver, not the submitter).

    409 when the same or a homophone name was granted in the scope meanwhile (the answer's
    ``conflicts`` name it) or when the consultation has not ended.
    """
    case = wf.approve(
        engine,
        case_id,
        user,
        settings,
        approval_no=body.approval_no,
        approval_date=body.approval_date,
        authority=body.authority,
        references=caches.naming,
    )
    return CasePublic.from_domain(case)


@router.post("/cases/{case_id}/reject", response_model=CasePublic)
def reject(case_id: RecordId, body: ReasonRequest, engine: EngineDep, user: Approver) -> CasePublic:
    """Reject with a reason (approver)."""
    return CasePublic.from_domain(wf.reject(engine, case_id, user, reason=body.reason))


@router.post("/cases/{case_id}/withdraw", response_model=CasePublic)
def withdraw(
    case_id: RecordId, engine: EngineDep, user: Reviewer, body: ReasonRequest | None = None
) -> CasePublic:
    """Withdraw a case that is not yet approved (reviewer)."""
    reason = body.reason if body else ""
    return CasePublic.from_domain(wf.withdraw(engine, case_id, user, reason=reason))


@router.post("/cases/{case_id}/announce", response_model=CasePublic)
def announce(
    case_id: RecordId, engine: EngineDep, user: Reviewer, body: DateRequest | None = None
) -> CasePublic:
    """Approved → announced: the public notice was published (reviewer)."""
    on = body.on if body else None
    return CasePublic.from_domain(wf.announce(engine, case_id, user, on=on))


@router.post("/cases/{case_id}/file", response_model=CasePublic)
def file_case(
    case_id: RecordId, engine: EngineDep, user: Reviewer, body: DateRequest | None = None
) -> CasePublic:
    """Announced → filed: filed with the higher authority (reviewer)."""
    on = body.on if body else None
    return CasePublic.from_domain(wf.file_case(engine, case_id, user, on=on))


@router.post("/cases/{case_id}/exceptions", response_model=list[AuditEntryPublic], status_code=201)
def grant_exception(
    case_id: RecordId, body: ExceptionGrant, engine: EngineDep, user: Reviewer
) -> list[AuditEntryPublic]:
    """Grant an exception to one rule for this case, with the reason (reviewer); recorded
    in the audit trail, which is returned."""
    wf.grant_exception(engine, case_id, body.rule, body.reason, user)
    with engine.connect() as conn:
        return [AuditEntryPublic.from_domain(e) for e in wf.case_audit(conn, case_id)]


@router.post("/cases/{case_id}/reports", response_model=list[AuditEntryPublic], status_code=201)
def record_report(
    case_id: RecordId, body: ReportRecord, engine: EngineDep, user: Reviewer
) -> list[AuditEntryPublic]:
    """Record an art. 11 report (综合评估, 专家论证, 征求意见) on the case (reviewer)."""
    wf.record_report(engine, case_id, body.kind, body.summary, user)
    with engine.connect() as conn:
        return [AuditEntryPublic.from_domain(e) for e in wf.case_audit(conn, case_id)]


@router.get("/words", response_model=list[WordListPublic])
def word_lists(conn: ConnectionDep) -> list[WordListPublic]:
    """The forbidden-word lists in use (shipped files plus staff additions)."""
    wl = wf.word_lists(conn)
    return [
        WordListPublic(list_name=k, title=v, words=[w.word for w in wl.words(k)])
        for k, v in words.WORD_LISTS.items()
    ]


@router.post("/words", response_model=WordListPublic, status_code=201)
def add_word(body: WordCreate, engine: EngineDep, user: Admin) -> WordListPublic:
    """Add a word to a list (admin)."""
    wl = wf.add_word(engine, body.list_name, body.word, note=body.note)
    return WordListPublic(
        list_name=body.list_name,
        title=words.WORD_LISTS[body.list_name],
        words=[w.word for w in wl.words(body.list_name)],
    )
