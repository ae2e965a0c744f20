"""Saved what-if scenarios: their JSON form and their rows (``coverage_scenarios``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, insert, select

from gazetteer.coverage.model import (
    CoverageQuery,
    MovedSite,
    NewSite,
    Scenario,
    Weight,
    WhatIfChanges,
    WhatIfResult,
)
from gazetteer.errors import NotFound
from gazetteer.model import FacilityType
from gazetteer.storage.tables_coverage import coverage_scenarios
from gazetteer.types import utc_now


def _query_json(q: CoverageQuery) -> dict[str, object]:
    return {
        "facility_types": [x.value for x in q.facility_types],
        "minutes": q.minutes,
        "profile": q.profile,
        "weight": q.weight.value,
        "admin": q.admin,
    }


def _changes_json(c: WhatIfChanges) -> dict[str, object]:
    return {
        "add": [asdict(a) for a in c.add],
        "remove": list(c.remove),
        "move": [asdict(m) for m in c.move],
    }


def _scenario_from_row(m: Any) -> Scenario:
    mm: Any = getattr(m, "_mapping", m)
    params = json.loads(mm["params"])
    q = params["query"]
    ch = params["changes"]
    return Scenario(
        id=int(mm["id"]),
        name=str(mm["name"]),
        description=str(mm["description"]),
        query=CoverageQuery(
            facility_types=tuple(FacilityType(x) for x in q["facility_types"]),
            minutes=float(q["minutes"]),
            profile=str(q["profile"]),
            weight=Weight(q["weight"]),
            admin=q.get("admin"),
        ),
        changes=WhatIfChanges(
            add=tuple(NewSite(**a) for a in ch["add"]),
            remove=tuple(int(x) for x in ch["remove"]),
            move=tuple(MovedSite(**m) for m in ch["move"]),
        ),
        summary={k: float(v) for k, v in json.loads(mm["summary"]).items()},
        created_by=str(mm["created_by"]),
        created_at=str(mm["created_at"]),
    )


def summary_of(result: WhatIfResult) -> dict[str, float]:
    """The figures kept with a saved scenario."""
    return {
        "baseline_covered": result.baseline.covered,
        "baseline_share": result.baseline.covered_share,
        "covered": result.scenario.covered,
        "covered_share": result.scenario.covered_share,
        "total": result.scenario.total,
        "covered_change": result.covered_change,
    }


def insert_scenario(
    conn: Connection,
    name: str,
    query: CoverageQuery,
    changes: WhatIfChanges,
    summary: Mapping[str, float],
    *,
    description: str = "",
    user: str = "",
) -> Scenario:
    """Store a scenario; returns it as stored."""
    params = {"query": _query_json(query), "changes": _changes_json(changes)}
    sid = conn.execute(
        insert(coverage_scenarios).returning(coverage_scenarios.c.id),
        [
            {
                "name": name,
                "description": description,
                "params": json.dumps(params, ensure_ascii=False),
                "summary": json.dumps(dict(summary)),
                "created_by": user,
                "created_at": utc_now(),
            }
        ],
    ).scalar_one()
    return read_scenario(conn, int(sid))


def read_scenarios(conn: Connection) -> list[Scenario]:
    """Every saved scenario, oldest first."""
    rows = conn.execute(select(coverage_scenarios).order_by(coverage_scenarios.c.id)).all()
    return [_scenario_from_row(r) for r in rows]


def read_scenario(conn: Connection, scenario_id: int) -> Scenario:
    """One saved scenario; :class:`NotFound` when there is none."""
    row = conn.execute(
        select(coverage_scenarios).where(coverage_scenarios.c.id == scenario_id)
    ).first()
    if row is None:
        raise NotFound(f"方案不存在 (no scenario with id {scenario_id})")
    return _scenario_from_row(row)


__all__ = ["insert_scenario", "read_scenario", "read_scenarios", "summary_of"]
