"""Facilities and demand points (villages and communities with their population)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, func, select

from gazetteer.model import DemandPoint, Facility, FacilityType
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.repository.rows import from_row, insert_many
from gazetteer.types import utc_now


def facility_row(f: Facility, *, updated_at: datetime | None = None) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "type": str(f.type),
        "place_id": f.place_id,
        "admin_code": f.admin_code,
        "geom": to_db(f.point),
        "beds": f.beds,
        "capacity": f.capacity,
        "floor_area_m2": f.floor_area_m2,
        "operator": f.operator,
        "mode": f.mode,
        "level": f.level,
        "opened_year": f.opened_year,
        "version": f.version,
        "updated_at": updated_at or utc_now(),
    }


def facility_from_row(r: Row[Any]) -> Facility:
    point = from_db(r._mapping["geom"])
    assert point is not None
    return from_row(Facility, r, type=FacilityType(r._mapping["type"]), point=point)


def insert_facilities(
    conn: Connection, items: Iterable[Facility], *, updated_at: datetime | None = None
) -> int:
    return insert_many(conn, t.facilities, (facility_row(f, updated_at=updated_at) for f in items))


def iter_facilities(
    conn: Connection, *, types: Sequence[FacilityType] | None = None
) -> Iterator[Facility]:
    q = select(t.facilities).order_by(t.facilities.c.id)
    if types:
        q = q.where(t.facilities.c.type.in_([str(x) for x in types]))
    for r in conn.execute(q):
        yield facility_from_row(r)


def demand_row(d: DemandPoint) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "admin_code": d.admin_code,
        "geom": to_db(d.point),
        "population": d.population,
        "elderly": d.elderly,
        "dependents": d.dependents,
    }


def demand_from_row(r: Row[Any]) -> DemandPoint:
    point = from_db(r._mapping["geom"])
    assert point is not None
    return from_row(DemandPoint, r, point=point)


def _with_lonlat(table: Table, head: Sequence[str], tail: Sequence[str]) -> Select[Any]:
    """Every row by id as the ``head`` columns, the point as lon and lat, then the ``tail``
    columns: the light read of maps and of the coverage arrays."""
    c = table.c
    lonlat = (func.ST_X(c.geom), func.ST_Y(c.geom))
    return select(*(c[n] for n in head), *lonlat, *(c[n] for n in tail)).order_by(c.id)


def facility_figures(conn: Connection, *, types: Sequence[str] | None = None) -> list[Row[Any]]:
    """Every facility (of ``types``) by id as (id, name, type, admin_code, lon, lat, beds,
    capacity)."""
    f = t.facilities
    q = _with_lonlat(f, ("id", "name", "type", "admin_code"), ("beds", "capacity"))
    if types:
        q = q.where(f.c.type.in_(list(types)))
    return list(conn.execute(q))


def demand_figures(conn: Connection) -> list[Row[Any]]:
    """Every demand point by id as (id, code, name, admin_code, lon, lat, population,
    elderly, dependents)."""
    head, tail = ("id", "code", "name", "admin_code"), ("population", "elderly", "dependents")
    return list(conn.execute(_with_lonlat(t.demand_points, head, tail)))


def insert_demand_points(conn: Connection, items: Iterable[DemandPoint]) -> int:
    return insert_many(conn, t.demand_points, (demand_row(d) for d in items))


def iter_demand_points(conn: Connection) -> Iterator[DemandPoint]:
    for r in conn.execute(select(t.demand_points).order_by(t.demand_points.c.id)):
        yield demand_from_row(r)


__all__ = [
    "demand_figures",
    "demand_from_row",
    "demand_row",
    "facility_figures",
    "facility_from_row",
    "facility_row",
    "insert_demand_points",
    "insert_facilities",
    "iter_demand_points",
    "iter_facilities",
]
