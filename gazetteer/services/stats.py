"""Dataset statistics: the figures the source report gives, counted from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select, text
from sqlalchemy.exc import OperationalError

from gazetteer.errors import DatabaseUnavailable
from gazetteer.model import classification
from gazetteer.storage import tables as t
from gazetteer.storage.bulk import pending_steps
from gazetteer.storage.migrate import require_current
from gazetteer.storage.replicas import UP, ReplicaSet
from gazetteer.storage.repository import count

NOT_READY = "本实例暂无可用数据库 (no database is reachable from this instance; it cannot serve)"
NOT_BUILT = (
    "数据库的批量载入尚未建完索引 (a bulk load's indexing phase has not finished: searches "
    "would miss names; run `gazetteer national index`)"
)


def health(conn: Connection, replicas: ReplicaSet | None = None) -> dict[str, Any]:
    """Liveness: the database answers (and which kind it is); with standbys, each
    database's role, state and lag from the last check (``degraded`` when one is not
    up)."""
    conn.execute(text("SELECT 1"))
    out: dict[str, Any] = {"status": "ok", "database": conn.dialect.name}
    if replicas is not None and replicas.has_replicas:
        states = replicas.states()
        out["databases"] = [s.public() for s in states]
        if any(s.state != UP for s in states):
            out["status"] = "degraded"
    return out


def readiness(replicas: ReplicaSet) -> dict[str, Any]:
    """Whether this instance can serve reads (some database answers), for a load
    balancer's check; :class:`DatabaseUnavailable` (503) when none does."""
    if not replicas.readable():
        raise DatabaseUnavailable(NOT_READY, details=[s.public() for s in replicas.states()])
    pending = _pending_build(replicas)
    if pending:
        raise DatabaseUnavailable(NOT_BUILT, details={"pending_build_steps": pending})
    return {"status": "ready", "databases": [s.public() for s in replicas.states()]}


def _pending_build(replicas: ReplicaSet) -> int:
    """Build steps a bulk load left (``gazetteer.storage.bulk``), asked of the first
    database that answers (standbys replay the same table)."""
    for engine in (replicas.primary, *replicas.replicas):
        try:
            with engine.connect() as conn:
                return pending_steps(conn)
        except OperationalError:  # this one is down: ask the next
            continue
    return 0


def _pairs(conn: Connection, query: Select[Any]) -> dict[Any, int]:
    """A two-column ``key, count`` query as a dict."""
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def dataset_stats(engine: Engine) -> dict[str, Any]:
    """Counts of names by category and subcategory, history, facilities, demand, network."""
    require_current(engine)
    cls = classification()
    p = t.places
    with engine.connect() as conn:
        current = p.c.status == "current"
        by_sub = _pairs(
            conn, select(p.c.category_code, func.count()).where(current).group_by(p.c.category_code)
        )
        by_major: dict[str, int] = {}
        for code, n in by_sub.items():
            major = cls.major_of(code)
            key = major.code if major else code
            by_major[key] = by_major.get(key, 0) + int(n)
        attr_chars = conn.execute(
            select(
                func.coalesce(
                    func.sum(
                        func.length(p.c.meaning)
                        + func.length(p.c.origin)
                        + func.length(p.c.history)
                        + func.length(p.c.description)
                    ),
                    0,
                )
            ).where(current)
        ).scalar_one()
        census = _pairs(
            conn, select(p.c.census_status, func.count()).where(current).group_by(p.c.census_status)
        )
        facilities = _pairs(
            conn, select(t.facilities.c.type, func.count()).group_by(t.facilities.c.type)
        )
        d = t.demand_points
        demand = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(d.c.population), 0),
                func.coalesce(func.sum(d.c.elderly), 0),
                func.coalesce(func.sum(d.c.dependents), 0),
            )
        ).one()
        admin_levels = _pairs(
            conn, select(t.admin_areas.c.level, func.count()).group_by(t.admin_areas.c.level)
        )
        history_reasons = _pairs(
            conn, select(t.place_history.c.reason, func.count()).group_by(t.place_history.c.reason)
        )
        stats: dict[str, Any] = {
            "names": int(sum(by_sub.values())),
            "categories": len(by_major),
            "subcategories": len(by_sub),
            "names_by_category": {k: by_major[k] for k in sorted(by_major)},
            "names_by_subcategory": {k: int(by_sub[k]) for k in sorted(by_sub)},
            "attribute_characters": int(attr_chars),
            "historical_names": int(
                conn.execute(
                    select(func.count()).select_from(p).where(p.c.status == "historical")
                ).scalar_one()
            ),
            "census_status": {k: int(v) for k, v in sorted(census.items())},
            "standardised": int(census.get("standardised", 0)),
            "added": int(census.get("added", 0)),
            "name_history_entries": {k: int(v) for k, v in sorted(history_reasons.items())},
            "roads": count(conn, t.roads),
            "compounds": count(conn, t.compounds),
            "admin_areas_by_level": {str(k): int(v) for k, v in sorted(admin_levels.items())},
            "facilities": int(sum(facilities.values())),
            "facilities_by_type": {k: int(v) for k, v in sorted(facilities.items())},
            "demand_points": int(demand[0]),
            "population": int(demand[1]),
            "elderly": int(demand[2]),
            "dependents": int(demand[3]),
            "network_nodes": count(conn, t.network_nodes),
            "network_edges": count(conn, t.network_edges),
            "built_up_areas": count(conn, t.built_up_areas),
        }
    return stats
