"""Exceptions and art. 11 reports of a naming case, recorded in the case's audit trail.

A reviewer may waive a rule that allows it for one case (实施办法 art. 3/4: the words have no
特定联系 with the person or enterprise), with the reason; renaming a name on the protection
list needs the 综合评估 and 专家论证 reports (《地名管理条例》art. 11). Both are audit entries:
append-only, so never lost, and shown in the case's timeline. :mod:`gazetteer.naming.cases`
reads them back when it runs a case's checks.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model.accounts import Role, User, check_role
from gazetteer.naming import audit
from gazetteer.naming.rules import RULES
from gazetteer.storage.tables_naming import naming_cases

EXCEPTION_ACTION = "grant_exception"
REPORT_ACTION = "record_report"
REPORT_KINDS: dict[str, str] = {
    "evaluation": "综合评估报告",
    "expert_review": "专家论证报告",
    "consultation": "征求意见报告",
}


def grant_exception(conn: Connection, case_id: int, rule: str, reason: str, user: User) -> None:
    """A reviewer grants an exception to one rule for this case, with the reason (实施办法
    art. 3/4: the words have no 特定联系 with the person or enterprise). Only rules that
    allow exceptions qualify; the grant is an audit entry, so it is never lost."""
    check_role(user, Role.REVIEWER)
    place_id = _case_place(conn, case_id)
    r = RULES.get(rule)
    if r is None or not r.exception:
        allowed = sorted(k for k, v in RULES.items() if v.exception)
        raise InvalidInput(
            f"规则{rule}不能准予例外 (no exception for rule {rule}; allowed: {', '.join(allowed)})"
        )
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput("准予例外须写明理由（至少4个字）(a reason is required)")
    audit.record(
        conn,
        user,
        EXCEPTION_ACTION,
        case_id=case_id,
        place_id=place_id,
        after={"rule": rule, "reason": reason, "article": r.article},
        note=reason,
    )


def record_report(conn: Connection, case_id: int, kind: str, summary: str, user: User) -> None:
    """Record one of the art. 11 reports (综合评估, 专家论证, 征求意见; contents per 实施办法
    art. 5) on the case."""
    check_role(user, Role.REVIEWER)
    place_id = _case_place(conn, case_id)
    if kind not in REPORT_KINDS:
        raise InvalidInput(f"未知报告类型 (unknown report kind {kind}; use {sorted(REPORT_KINDS)})")
    summary = summary.strip()
    if not summary:
        raise InvalidInput("报告须有摘要 (the report needs a summary)")
    audit.record(
        conn,
        user,
        REPORT_ACTION,
        case_id=case_id,
        place_id=place_id,
        after={"kind": kind, "label": REPORT_KINDS[kind], "summary": summary},
        note=summary,
    )


def case_exceptions(conn: Connection, case_id: int) -> dict[str, str]:
    """Rule id -> reason of the exceptions granted on the case (the latest grant wins)."""
    out: dict[str, str] = {}
    for e in audit.case_trail(conn, case_id):
        if e.action == EXCEPTION_ACTION and e.after:
            out[str(e.after["rule"])] = str(e.after["reason"])
    return out


def case_reports(conn: Connection, case_id: int) -> tuple[str, ...]:
    """Kinds of art. 11 report recorded on the case."""
    kinds = {
        str(e.after["kind"])
        for e in audit.case_trail(conn, case_id)
        if e.action == REPORT_ACTION and e.after
    }
    return tuple(sorted(kinds))


def _case_place(conn: Connection, case_id: int) -> int | None:
    """The place of the case (NotFound when there is no such case)."""
    row = conn.execute(select(naming_cases.c.place_id).where(naming_cases.c.id == case_id)).first()
    if row is None:
        raise NotFound(f"案件不存在 (no naming case with id {case_id})")
    return None if row.place_id is None else int(row.place_id)


__all__ = [
    "EXCEPTION_ACTION",
    "REPORT_ACTION",
    "REPORT_KINDS",
    "case_exceptions",
    "case_reports",
    "grant_exception",
    "record_report",
]
