"""Demo hook: the 83 + 17 + 103 naming cases of 2016–2020 as completed (filed) cases.

Called by the demo builder (:mod:`gazetteer.demo.build`) inside its
transaction, after the places are written. Each case is written in its final state
``filed`` with ``historic = true``, the approval document and dates, the generated public
notice and one ``historic_import`` audit entry; nothing about the places changes (the demo
already holds the named roads and compounds and the adjusted roads' previous geometry).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from gazetteer.demo.context import DemoContext
from gazetteer.naming.cases import (
    CASE_PLACE_KIND,
    DEPARTMENT_APPROVED,
    NUMBER_PREFIX,
    area_label,
    final_state,
)
from gazetteer.naming.model import Case, CaseKind, CaseProposal, PlaceKind
from gazetteer.naming.notice import DEFAULT_AUTHORITY, notice_text
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import to_db
from gazetteer.storage.tables_naming import audit_log, naming_cases
from gazetteer.text import pinyin_key, toned_key
from gazetteer.types import AdminCode

AUTHORITY = {CaseKind.COMPOUND: "威海市住房和城乡建设局"}


def _approval_date(
    conn: Connection, kind: CaseKind, place_id: int, created: datetime | None
) -> date:
    if kind is CaseKind.ADJUSTMENT:
        q = (
            select(t.place_history.c.valid_to)
            .where(t.place_history.c.place_id == place_id, t.place_history.c.reason == "adjustment")
            .order_by(t.place_history.c.id.desc())
        )
        d = conn.execute(q).scalars().first()
        if d is not None:
            return d  # type: ignore[no-any-return]
    return created.date() if created else date(2018, 6, 1)


def demo_hook(conn: Connection, ctx: DemoContext) -> None:
    """Write the historic cases (see the module docstring)."""
    rng = random.Random(ctx.hook_seed("naming"))
    work: list[tuple[date, CaseKind, int]] = []
    for kind, ids in (
        (CaseKind.NEW_ROAD, ctx.roads_named),
        (CaseKind.ADJUSTMENT, ctx.roads_adjusted),
        (CaseKind.COMPOUND, ctx.compounds_named),
    ):
        for pid in ids:
            place = repo.get_place(conn, pid)
            work.append((_approval_date(conn, kind, pid, place.created_at), kind, pid))
    work.sort(key=lambda w: (w[0], w[2]))
    seq: dict[int, int] = {}
    areas: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for approved_on, kind, pid in work:
        place = repo.get_place(conn, pid)
        road = repo.get_road(conn, pid)
        year = approved_on.year
        seq[year] = seq.get(year, 0) + 1
        number = f"{NUMBER_PREFIX}-{year}-{seq[year]:04d}"
        consult_end = approved_on - timedelta(days=rng.randint(3, 20))
        consult_start = consult_end - timedelta(days=7)
        if kind in DEPARTMENT_APPROVED:
            # art. 13(4)/14: filed within 15 days of approval, announced within 15 of filing
            filed = approved_on + timedelta(days=rng.randint(2, 12))
            announced = filed + timedelta(days=rng.randint(1, 10))
        else:
            announced = approved_on + timedelta(days=rng.randint(2, 12))
            filed = announced + timedelta(days=rng.randint(0, 2))
            filed = min(filed, approved_on + timedelta(days=15))
        state = final_state(kind)
        authority = AUTHORITY.get(kind, DEFAULT_AUTHORITY)
        doc = (
            f"威政字〔{year}〕{rng.randint(10, 99)}号"
            if kind is not CaseKind.COMPOUND
            else f"威住建字〔{year}〕{rng.randint(10, 199)}号"
        )
        proposal = CaseProposal(
            kind=kind,
            name=place.name,
            admin_code=place.admin_code,
            geometry=place.geometry,
            place_id=pid,
            start_desc=road.start_desc if road else "",
            end_desc=road.end_desc if road else "",
            length_m=road.length_m if road else None,
            width_m=road.width_m if road else None,
            grade=road.grade if road else "",
            reason=place.meaning,
            applicant="威海市自然资源和规划局" if kind is not CaseKind.COMPOUND else "开发建设单位",
        )
        case = Case(
            id=0,
            number=number,
            state=state,
            proposal=proposal,
            specific=place.specific,
            generic=place.generic,
            romanized=place.romanized,
            scope_key="",
            approval_no=doc,
            approval_date=approved_on,
            approver_authority=authority,
            historic=True,
        )
        if place.admin_code not in areas:
            areas[place.admin_code] = area_label(conn, place.admin_code)
        stamp = datetime.combine(approved_on, time(9), tzinfo=UTC)
        rows.append(
            {
                "number": number,
                "kind": str(kind),
                "state": str(state),
                "name": place.name,
                "specific": place.specific,
                "generic": place.generic,
                "romanized": place.romanized,
                "pinyin_key": pinyin_key(place.name),
                "toned_key": toned_key(place.name),
                "place_kind": str(CASE_PLACE_KIND.get(kind, PlaceKind.ROAD)),
                "admin_code": place.admin_code,
                "scope_key": f"county:{AdminCode(place.admin_code).county.prefix(3)}",
                "place_id": pid,
                "geom": to_db(place.geometry),
                "start_desc": proposal.start_desc,
                "end_desc": proposal.end_desc,
                "length_m": proposal.length_m,
                "width_m": proposal.width_m,
                "grade": proposal.grade,
                "households": None,
                "developer": "",
                "reason": proposal.reason,
                "applicant": proposal.applicant,
                "findings": "[]",
                "consultation_start": consult_start,
                "consultation_end": consult_end,
                "approval_no": doc,
                "approval_date": approved_on,
                "approver_authority": authority,
                "announced_on": announced,
                "filed_on": filed,
                "notice_due": approved_on + timedelta(days=15),
                "filing_due": approved_on + timedelta(days=15),
                "notice_text": notice_text(case, area=areas[place.admin_code]),
                "created_by": None,
                "submitted_by": None,
                "approved_by": None,
                "historic": True,
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
            }
        )
    if not rows:
        return
    conn.execute(insert(naming_cases), rows)
    case_ids: dict[str, int] = {
        r.number: int(r.id)
        for r in conn.execute(
            select(naming_cases.c.number, naming_cases.c.id).where(naming_cases.c.historic)
        )
    }
    conn.execute(
        insert(audit_log),
        [
            {
                "at": r["created_at"],
                "user_id": None,
                "user_name": "system",
                "action": "historic_import",
                "case_id": case_ids[r["number"]],
                "place_id": r["place_id"],
                "before": None,
                "after": json.dumps(
                    {"state": r["state"], "name": r["name"], "approval_no": r["approval_no"]},
                    ensure_ascii=False,
                ),
                "note": "2016–2020 年已办结案件（演示数据导入）",
            }
            for r in rows
        ],
    )


__all__ = ["demo_hook"]
