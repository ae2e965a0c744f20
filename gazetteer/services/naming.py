"""Naming use cases: checking names, and moving naming cases through the review.

Every transition is one write transaction that re-reads the case under the naming lock
(``dialect.write_transaction`` + ``write_lock``), checks the state and the actor's role,
and appends to the audit trail (:func:`gazetteer.naming.cases.begin` /
:func:`~gazetteer.naming.cases.finish`). ``submit`` runs the checks and stores the
findings with the case. ``approve`` (by an approver who is not the submitter) re-checks
the name against granted names in the scope — the second of two competing cases gets a
409 naming the first — and changes the gazetteer in the same transaction
(:mod:`gazetteer.naming.approval`). Filing and the public notice are due
``Settings.notice_due_days`` / ``filing_due_days`` after approval.

The checks read the naming reference data through the process's
:class:`~gazetteer.naming.reference.ReferenceCache` when one is handed in
(``references=``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, update

from gazetteer.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from gazetteer.model.accounts import Role, User, check_role
from gazetteer.naming import audit, batch, cases, words
from gazetteer.naming.approval import apply_approval
from gazetteer.naming.cases import (
    ART14_DAYS,
    DEPARTMENT_APPROVED,
    NAMING_LOCK,
    PUBLIC_STATES,
    area_label,
    begin,
    case_snapshot,
    finish,
    get_case,
    list_cases,
    next_number,
    overdue_cases,
    place_snapshot,
    proposal_values,
    raise_on_errors,
    run_checks,
    validate_proposal,
    with_area_findings,
)
from gazetteer.naming.check import check_name
from gazetteer.naming.model import (
    CASE_STATE_NAMES,
    AuditEntry,
    Case,
    CaseProposal,
    CaseState,
    CheckRequest,
    CheckResult,
)
from gazetteer.naming.notice import DEFAULT_AUTHORITY, notice_text
from gazetteer.naming.reference import ReferenceCache
from gazetteer.settings import Settings
from gazetteer.storage.dialect import write_lock, write_transaction
from gazetteer.storage.tables_naming import naming_cases
from gazetteer.types import local_date, local_today, utc_now

S = CaseState


def check(
    conn: Connection, request: CheckRequest, *, references: ReferenceCache | None = None
) -> CheckResult:
    """Check a candidate name against every rule (nothing is stored), with the area derived
    from the geometry (a typed code that contradicts it is a finding)."""
    result = check_name(conn, request, references=references)
    return with_area_findings(conn, result, request.admin_code, request.geometry)


def check_batch(
    conn: Connection, data: bytes, *, references: ReferenceCache | None = None
) -> tuple[list[batch.BatchRow], list[CheckResult]]:
    """Check every row of a CSV of candidate names; the rows and their results."""
    rows = batch.parse_csv(data)
    return rows, batch.check_batch(conn, rows, references=references)


def visible_case(conn: Connection, case_id: int, *, staff: bool) -> Case:
    """A case as a reader may see it: the public sees cases from the public consultation
    on (a draft or internal case is "not found" to them), staff see every case."""
    case = get_case(conn, case_id)
    if not staff and case.state not in PUBLIC_STATES:
        raise NotFound(f"案件不存在 (no case with id {case_id})")
    return case


def case_notice(conn: Connection, case_id: int) -> str:
    """The generated public notice (公告) of an approved case."""
    case = get_case(conn, case_id)
    if not case.notice_text:
        raise InvalidInput("案件尚未批准，没有公告 (the case has no notice before approval)")
    return case.notice_text


def case_audit(conn: Connection, case_id: int) -> list[AuditEntry]:
    """Who did what to a case, oldest first."""
    get_case(conn, case_id)
    return audit.case_trail(conn, case_id)


def place_audit(conn: Connection, place_id: int) -> list[AuditEntry]:
    """Every audited change of a place (approvals that created, renamed or adjusted it)."""
    return audit.place_trail(conn, place_id)


def word_lists(conn: Connection) -> words.WordLists:
    """The forbidden-word lists in use (shipped files plus staff additions)."""
    return words.load_word_lists(conn)


def add_word(engine: Engine, list_name: str, word: str, *, note: str = "") -> words.WordLists:
    """Add a word to a list; the lists as they are afterwards."""
    with write_transaction(engine) as conn:
        words.add_word(conn, list_name, word, note=note)
        return words.load_word_lists(conn)


# Chinese names of the previous steps a date is compared with (messages say both).
_STEP_NAMES = {
    "review": "受理审查日期",
    "consultation start": "公示开始日期",
    "approval date": "批准日期",
    "notice date": "公告日期",
    "filing date": "备案日期",
}


def step_date(on: date | None, field: str, *, not_before: date | None, after: str) -> date:
    """The date a step records: today (Weihai) when not given; never in the future and
    never before the previous step's date ``not_before`` (named ``after``)."""
    today = local_today()
    on = on or today
    if on > today:
        raise InvalidInput(
            f"{field} 不能晚于今天 {today.isoformat()} ({field} must not be in the future)",
            details=[{"field": field, "problem": f"after today ({today.isoformat()})"}],
        )
    if not_before is not None and on < not_before:
        raise InvalidInput(
            f"{field} 不能早于{_STEP_NAMES.get(after, after)} {not_before.isoformat()} "
            f"({field} must not be before the {after}, {not_before.isoformat()})",
            details=[{"field": field, "problem": f"before the {after}"}],
        )
    return on


def _last_step(case: Case) -> date | None:
    """The Weihai date of the case's last recorded step."""
    return local_date(case.updated_at) if case.updated_at else None


def create_case(engine: Engine, proposal: CaseProposal, user: User) -> Case:
    """A new case in ``draft`` (reviewer)."""
    check_role(user, Role.REVIEWER)
    with write_transaction(engine) as conn:
        write_lock(conn, NAMING_LOCK)
        proposal = validate_proposal(conn, proposal)
        stamp = utc_now()
        values = proposal_values(proposal)
        values.update(
            number=next_number(conn, stamp.year),
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
        proposal = validate_proposal(conn, replace(case.proposal, **changes))
        values = proposal_values(proposal)
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


def submit(
    engine: Engine, case_id: int, user: User, *, references: ReferenceCache | None = None
) -> Case:
    """Draft → submitted: the checks run and their findings are stored with the case."""
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "submit", user)
        result = run_checks(conn, case, references=references)
        findings = json.dumps([f.to_json() for f in result.findings], ensure_ascii=False)
        return finish(
            conn,
            case,
            tr,
            user,
            {"findings": findings, "scope_key": result.scope.key, "submitted_by": user.id},
            note=f"{len(result.errors)} error(s), {len(result.findings)} finding(s)",
        )


def start_review(engine: Engine, case_id: int, user: User) -> Case:
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "review", user)
        return finish(conn, case, tr, user, {})


def start_consultation(
    engine: Engine, case_id: int, user: User, settings: Settings, *, start: date | None = None
) -> Case:
    """under_review → public_consultation for ``settings.consultation_days`` days."""
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "consult", user)
        start = step_date(start, "start_date", not_before=_last_step(case), after="review")
        end = start + timedelta(days=settings.consultation_days)
        return finish(
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
        case, tr = begin(conn, case_id, "reject", user)
        return finish(conn, case, tr, user, {}, note=reason.strip())


def withdraw(engine: Engine, case_id: int, user: User, *, reason: str = "") -> Case:
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "withdraw", user)
        return finish(conn, case, tr, user, {}, note=reason.strip())


def grant_exception(engine: Engine, case_id: int, rule: str, reason: str, user: User) -> None:
    """Record a reviewer's exception to ``rule`` on the case (实施办法 art. 3/4)."""
    with write_transaction(engine) as conn:
        cases.grant_exception(conn, case_id, rule, reason, user)


def record_report(engine: Engine, case_id: int, kind: str, summary: str, user: User) -> None:
    """Record an art. 11 report on the case."""
    with write_transaction(engine) as conn:
        cases.record_report(conn, case_id, kind, summary, user)


def announce(engine: Engine, case_id: int, user: User, *, on: date | None = None) -> Case:
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "announce", user)
        # art. 14: a department-approved name is filed first, then announced
        dept = case.kind in DEPARTMENT_APPROVED
        previous = case.filed_on if dept and case.filed_on else case.approval_date
        on = step_date(
            on, "on", not_before=previous, after="filing date" if dept else "approval date"
        )
        return finish(conn, case, tr, user, {"announced_on": on})


def file_case(engine: Engine, case_id: int, user: User, *, on: date | None = None) -> Case:
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "file", user)
        dept = case.kind in DEPARTMENT_APPROVED
        previous = case.approval_date if dept else (case.announced_on or case.approval_date)
        on = step_date(
            on, "on", not_before=previous, after="approval date" if dept else "notice date"
        )
        values: dict[str, Any] = {"filed_on": on}
        if dept:
            # art. 14: a department-approved name is announced within 15 days of filing
            values["notice_due"] = on + timedelta(days=ART14_DAYS)
        return finish(conn, case, tr, user, values)


def approve(
    engine: Engine,
    case_id: int,
    user: User,
    settings: Settings,
    *,
    approval_no: str,
    approval_date: date | None = None,
    authority: str = "",
    references: ReferenceCache | None = None,
) -> Case:
    """public_consultation → approved, changing the gazetteer in the same transaction."""
    approval_no = approval_no.strip()
    if not approval_no:
        raise InvalidInput("须填写批准文号 (approval document number is required)")
    with write_transaction(engine) as conn:
        case, tr = begin(conn, case_id, "approve", user)
        approval_date = step_date(
            approval_date,
            "approval_date",
            not_before=case.consultation_start or _last_step(case),
            after="consultation start",
        )
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
        result = run_checks(conn, case, include_pending=False, references=references)
        raise_on_errors(case, result)
        place_id, before, former = apply_approval(conn, case, approval_date, result)
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
            # a department-approved name's notice is due 15 days after its filing (art. 14)
            "notice_due": None
            if case.kind in DEPARTMENT_APPROVED
            else approval_date + timedelta(days=settings.notice_due_days),
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
        return finish(conn, case, tr, user, values, note=approval_no)


__all__ = [
    "add_word",
    "announce",
    "approve",
    "case_audit",
    "case_notice",
    "check",
    "check_batch",
    "create_case",
    "file_case",
    "get_case",
    "list_cases",
    "overdue_cases",
    "place_audit",
    "reject",
    "start_consultation",
    "start_review",
    "submit",
    "update_case",
    "visible_case",
    "withdraw",
    "word_lists",
]
