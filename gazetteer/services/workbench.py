"""Read use cases of the naming-review workbench (the staff web pages): case lists with
search and filters, the dashboard, what a user may do with a case, reports.

Like every use case this knows nothing of HTTP: the pages in ``api/routes/staff*.py`` call
these and :mod:`gazetteer.services.naming` (the transitions), exactly as the JSON API does.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from gazetteer.errors import InvalidInput
from gazetteer.io.office import Column, ColumnKind, Table, write_xlsx
from gazetteer.model import AdminLevel
from gazetteer.model.accounts import Role, User
from gazetteer.naming.cases import TRANSITIONS, case_from_row, count_overdue, overdue_cases
from gazetteer.naming.model import (
    CASE_KIND_NAMES,
    CASE_STATE_NAMES,
    Case,
    CaseKind,
    CaseState,
    OverdueItem,
)
from gazetteer.storage import tables as t
from gazetteer.storage.repository.admin import area_names
from gazetteer.storage.tables_naming import naming_cases, users
from gazetteer.text import pinyin_key

S = CaseState
OPEN_STATES = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.PUBLIC_CONSULTATION, S.APPROVED, S.ANNOUNCED)
# Which states wait for which role (the next step is theirs).
WAITING_FOR: dict[Role, tuple[CaseState, ...]] = {
    Role.REVIEWER: (S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.ANNOUNCED),
    Role.APPROVER: (S.PUBLIC_CONSULTATION,),
}
SORTS = {
    "updated": naming_cases.c.updated_at,
    "number": naming_cases.c.number,
    "name": naming_cases.c.pinyin_key,
    "state": naming_cases.c.state,
}
MAX_PAGE = 200
MAX_REPORT_DAYS = 3660


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What the case list shows: a text (name, pinyin or initials), filters, order, page."""

    q: str = ""
    state: CaseState | None = None
    kind: CaseKind | None = None
    county: str = ""  # 6-digit county prefix
    overdue: bool = False
    sort: str = "updated"
    descending: bool = True
    limit: int = 20
    offset: int = 0
    as_of: date = field(default_factory=date.today)


@dataclass(frozen=True, slots=True)
class Dashboard:
    counts: dict[CaseState, int]
    mine: list[Case]
    waiting: list[Case]
    overdue: list[OverdueItem]  # the first ``limit`` of them
    overdue_total: int = 0


def _overdue_condition(as_of: date) -> Any:
    c = naming_cases.c
    return or_(
        and_(c.state == str(S.APPROVED), c.notice_due < as_of),
        and_(c.state.in_([str(S.APPROVED), str(S.ANNOUNCED)]), c.filing_due < as_of),
    )


def _matches(q: str, name: str, key: str) -> bool:
    if q in name:
        return True
    if not q.isascii():
        return False
    letters = q.replace(" ", "").lower()
    return bool(letters) and (
        letters in key.replace(" ", "") or "".join(w[:1] for w in key.split()).startswith(letters)
    )


def search_cases(conn: Connection, f: CaseFilter) -> tuple[int, list[Case]]:
    """(total, page) of the cases matching ``f``."""
    if f.sort not in SORTS:
        raise InvalidInput(f"未知排序 (unknown sort): {f.sort}")
    if not 1 <= f.limit <= MAX_PAGE or not 0 <= f.offset <= 10**7:
        raise InvalidInput("分页参数超出范围 (page out of range)")
    c = naming_cases
    conds: list[Any] = []
    if f.state is not None:
        conds.append(c.c.state == str(f.state))
    if f.kind is not None:
        conds.append(c.c.kind == str(f.kind))
    if f.county:
        conds.append(c.c.admin_code.like(f.county[:6] + "%"))
    if f.overdue:
        conds.append(_overdue_condition(f.as_of))
    col = SORTS[f.sort]
    q = f.q.strip()
    if not q:
        total = int(conn.execute(select(func.count()).select_from(c).where(*conds)).scalar_one())
        order = [col.desc() if f.descending else col.asc(), c.c.id.desc()]
        page = conn.execute(
            select(c).where(*conds).order_by(*order).limit(f.limit).offset(f.offset)
        )
        return total, [case_from_row(r) for r in page]
    # a text: narrowed in SQL (names containing it; for letters, keys starting with the
    # first letter or containing the letters), matched exactly in Python over the few
    # columns needed, then only the page's rows are read
    key = q if q.isascii() else pinyin_key(q)
    if q.isascii():
        letters = "".join(ch for ch in q.lower() if ch.isalnum())
        if not letters:
            return 0, []
        conds.append(
            or_(
                c.c.pinyin_key.like(letters[0] + "%"),
                func.replace(c.c.pinyin_key, " ", "").like(f"%{letters}%"),
            )
        )
    else:
        plain = q.replace("%", "").replace("_", "")
        conds.append(or_(c.c.name.like(f"%{plain}%"), c.c.pinyin_key == key))
    rows = conn.execute(
        select(c.c.id, c.c.name, c.c.pinyin_key, col.label("sort_key")).where(*conds)
    ).all()
    hits = [r for r in rows if _matches(q, r.name, r.pinyin_key or "") or key == r.pinyin_key]
    hits.sort(key=lambda r: (r.sort_key, r.id), reverse=f.descending)
    ids = [r.id for r in hits[f.offset : f.offset + f.limit]]
    found = {r.id: case_from_row(r) for r in conn.execute(select(c).where(c.c.id.in_(ids)))}
    return len(hits), [found[i] for i in ids if i in found]


def state_counts(conn: Connection) -> dict[CaseState, int]:
    c = naming_cases.c
    rows = conn.execute(select(c.state, func.count()).group_by(c.state)).all()
    found = {CaseState(s): int(n) for s, n in rows}
    return {s: found.get(s, 0) for s in CaseState}


def dashboard(conn: Connection, user: User, *, as_of: date, limit: int = 20) -> Dashboard:
    """My open cases, the cases whose next step is mine, everything overdue, counts."""
    c = naming_cases.c
    mine_q = (
        select(naming_cases)
        .where(c.created_by == user.id, c.state.in_([str(s) for s in OPEN_STATES]))
        .order_by(c.updated_at.desc())
        .limit(limit)
    )
    states: set[CaseState] = set()
    for role, waiting in WAITING_FOR.items():
        if user.has_role(role):
            states.update(waiting)
    waiting_cases: list[Case] = []
    if states:
        wq = (
            select(naming_cases)
            .where(c.state.in_([str(s) for s in states]), c.historic.is_(False))
            .order_by(c.updated_at.asc())
            .limit(limit * 3)
        )
        for r in conn.execute(wq):
            case = case_from_row(r)
            if allowed_actions(case, user) and len(waiting_cases) < limit:
                waiting_cases.append(case)
    overdue = overdue_cases(conn, as_of=as_of, limit=limit)
    return Dashboard(
        counts=state_counts(conn),
        mine=[case_from_row(r) for r in conn.execute(mine_q)],
        waiting=waiting_cases,
        overdue=overdue[:limit],
        overdue_total=count_overdue(conn, as_of=as_of),
    )


def allowed_actions(case: Case, user: User) -> list[str]:
    """The transitions ``user`` may take on ``case`` now, in workflow order. Four eyes: the
    person who created or submitted a case never gets ``approve`` for it."""
    out = []
    for action, tr in TRANSITIONS.items():
        if case.state not in tr.sources or not user.has_role(tr.role):
            continue
        if action == "approve" and user.id in (case.created_by, case.submitted_by):
            continue
        out.append(action)
    return out


def counties(conn: Connection) -> list[tuple[str, str]]:
    """(code, name) of the county-level areas, for the filters."""
    a = t.admin_areas.c
    rows = conn.execute(
        select(a.code, a.name).where(a.level == int(AdminLevel.COUNTY)).order_by(a.code)
    ).all()
    return [(str(code), str(name)) for code, name in rows]


def user_names(conn: Connection, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = conn.execute(
        select(users.c.id, users.c.name, users.c.display_name).where(users.c.id.in_(wanted))
    ).all()
    return {int(i): str(d or n) for i, n, d in rows}


REPORT_COLUMNS = (
    Column("number", "案件编号", "number"),
    Column("kind", "类型", "kind", labels={str(k): v for k, v in CASE_KIND_NAMES.items()}),
    Column("name", "名称", "name"),
    Column("romanized", "罗马字母拼写", "romanized"),
    Column("state", "状态", "state", labels={str(k): v for k, v in CASE_STATE_NAMES.items()}),
    Column("county", "县级区划", "county"),
    Column("admin_code", "行政区划代码", "admin_code"),
    Column("created", "创建日期", "created"),
    Column("approval_no", "批准文号", "approval_no"),
    Column("approval_date", "批准日期", "approval_date"),
    Column("announced_on", "公告日期", "announced_on"),
    Column("filed_on", "备案日期", "filed_on"),
)
SUMMARY_COLUMNS = (
    Column("county", "县级区划", "county"),
    Column("kind", "类型", "kind", labels={str(k): v for k, v in CASE_KIND_NAMES.items()}),
    Column("state", "状态", "state", labels={str(k): v for k, v in CASE_STATE_NAMES.items()}),
    Column("count", "件数", "count", kind=ColumnKind.NUMBER),
)


def cases_report_xlsx(conn: Connection, *, start: date, end: date) -> bytes:
    """Excel workbook of the cases created from ``start`` to ``end`` (inclusive): a summary
    sheet by county, kind and state, and one row per case."""
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期 (end date before start date)")
    if (end - start).days > MAX_REPORT_DAYS:
        raise InvalidInput("统计期间不能超过十年 (period longer than ten years)")
    c = naming_cases.c
    lo = datetime.combine(start, time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    rows = conn.execute(
        select(naming_cases).where(c.created_at >= lo, c.created_at < hi).order_by(c.number)
    ).all()
    cases = [case_from_row(r) for r in rows]
    county_name = dict(counties(conn))
    detail: list[dict[str, Any]] = []
    summary: dict[tuple[str, str, str], int] = {}
    for case in cases:
        code = case.proposal.admin_code
        county = county_name.get(code[:6] + "000000", code[:6])
        detail.append(
            {
                "number": case.number,
                "kind": str(case.kind),
                "name": case.name,
                "romanized": case.romanized,
                "state": str(case.state),
                "county": county,
                "admin_code": code,
                "created": case.created_at.date().isoformat() if case.created_at else "",
                "approval_no": case.approval_no or "",
                "approval_date": _iso(case.approval_date),
                "announced_on": _iso(case.announced_on),
                "filed_on": _iso(case.filed_on),
            }
        )
        k = (county, str(case.kind), str(case.state))
        summary[k] = summary.get(k, 0) + 1
    summary_rows = [
        {"county": a, "kind": b, "state": s, "count": n} for (a, b, s), n in sorted(summary.items())
    ]
    out = io.BytesIO()
    write_xlsx(
        out,
        [
            Table(f"汇总 {start.isoformat()}至{end.isoformat()}", SUMMARY_COLUMNS, summary_rows),
            Table("案件明细", REPORT_COLUMNS, detail),
        ],
    )
    return out.getvalue()


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


__all__ = [
    "OPEN_STATES",
    "CaseFilter",
    "Dashboard",
    "allowed_actions",
    "area_names",
    "cases_report_xlsx",
    "counties",
    "dashboard",
    "search_cases",
    "state_counts",
    "user_names",
]
