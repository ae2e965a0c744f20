"""Repositories: read and write domain objects, one set of code for both backends.

Writers take an open ``Connection`` inside the caller's transaction (one transaction per
use case); they never commit. Bulk writers insert in batches with ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Table, delete, func, insert, select, update

from gazetteer.errors import NotFound
from gazetteer.model import (
    AdminArea,
    AdminLevel,
    AdminRef,
    BuiltUpArea,
    CensusStatus,
    ChangeReason,
    Compound,
    DemandPoint,
    Facility,
    FacilityType,
    NameHistoryEntry,
    NetworkEdge,
    NetworkNode,
    Place,
    PlaceStatus,
    Road,
    RoadClass,
    classification,
)
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.types import lineage, utc_now

BATCH = 2000
T = TypeVar("T")


def _batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _insert_many(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    for chunk in _batches(rows):
        conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


# --- classification -------------------------------------------------------------------


def ensure_categories(conn: Connection) -> int:
    """Write the classification table if the database has none; returns rows written."""
    if conn.execute(select(func.count()).select_from(t.categories)).scalar_one():
        return 0
    cats = classification().categories
    majors = [c for c in cats if c.is_major]
    subs = [c for c in cats if not c.is_major]
    rows = [
        {"code": c.code, "name": c.name, "name_en": c.name_en, "major_code": c.major_code}
        for c in majors + subs
    ]
    return _insert_many(conn, t.categories, rows)


# --- administrative areas --------------------------------------------------------------


def admin_row(a: AdminArea) -> dict[str, Any]:
    return {
        "code": a.code,
        "name": a.name,
        "level": int(a.level),
        "kind": a.kind,
        "parent_code": a.parent_code,
        "ur_code": a.ur_code,
        "geom": to_db(a.geometry),
        "centre": to_db(a.centre),
    }


def admin_from_row(r: Row[Any]) -> AdminArea:
    m = r._mapping
    return AdminArea(
        code=m["code"],
        name=m["name"],
        level=AdminLevel(m["level"]),
        parent_code=m["parent_code"],
        kind=m["kind"],
        ur_code=m["ur_code"],
        geometry=from_db(m["geom"]),
        centre=from_db(m["centre"]),
    )


def insert_admin_areas(conn: Connection, areas: Iterable[AdminArea]) -> int:
    """Insert areas; parents must come before children (sorted by level here)."""
    ordered = sorted(areas, key=lambda a: (int(a.level), a.code))
    return _insert_many(conn, t.admin_areas, (admin_row(a) for a in ordered))


def iter_admin_areas(conn: Connection, *, level: AdminLevel | None = None) -> Iterator[AdminArea]:
    q = select(t.admin_areas).order_by(t.admin_areas.c.level, t.admin_areas.c.code)
    if level is not None:
        q = q.where(t.admin_areas.c.level == int(level))
    for r in conn.execute(q):
        yield admin_from_row(r)


def admin_ancestry(
    conn: Connection, codes: Iterable[str]
) -> dict[str, tuple[AdminRef, str | None]]:
    """The areas ``codes`` and all their ancestors as ``code -> (ref, parent code)``, read
    one query per level of the tree (unknown codes are left out)."""
    a = t.admin_areas
    known: dict[str, tuple[AdminRef, str | None]] = {}
    todo = set(codes)
    while todo:
        rows = conn.execute(
            select(a.c.code, a.c.name, a.c.level, a.c.kind, a.c.parent_code).where(
                a.c.code.in_(sorted(todo))
            )
        ).all()
        todo = set()
        for code, name, level, kind, parent in rows:
            known[code] = (AdminRef(code, name, int(level), kind or ""), parent)
            if parent and parent not in known:
                todo.add(parent)
    return known


def admin_path(conn: Connection, code: str) -> list[AdminRef]:
    """The area ``code`` and its ancestors, the highest level (city) first."""
    tree = admin_ancestry(conn, [code])
    return [tree[c][0] for c in lineage(code, {k: v[1] for k, v in tree.items()})]


def get_admin_area(conn: Connection, code: str) -> AdminArea:
    r = conn.execute(select(t.admin_areas).where(t.admin_areas.c.code == code)).first()
    if r is None:
        raise NotFound(f"行政区划代码不存在 (unknown administrative area code): {code}")
    return admin_from_row(r)


# --- places ----------------------------------------------------------------------------


def place_row(p: Place, *, pinyin_key: str = "", initials: str = "") -> dict[str, Any]:
    stamp = utc_now()
    point = p.point if p.point is not None else p.geometry.representative_point()
    return {
        "code": p.code,
        "name": p.name,
        "specific": p.specific,
        "generic": p.generic,
        "romanized": p.romanized,
        "reading": p.reading,
        "pinyin_key": pinyin_key,
        "initials": initials,
        "category_code": p.category_code,
        "admin_code": p.admin_code,
        "geom": to_db(p.geometry),
        "point": to_db(point),
        "meaning": p.meaning,
        "origin": p.origin,
        "history": p.history,
        "description": p.description,
        "other_names": json.dumps(p.other_names, ensure_ascii=False),
        "established_year": p.established_year,
        "abolished_year": p.abolished_year,
        "status": str(p.status),
        "census_status": str(p.census_status),
        "source": p.source,
        "created_at": p.created_at or stamp,
        "updated_at": p.updated_at or stamp,
        "version": p.version,
    }


def place_from_row(r: Row[Any]) -> Place:
    m = r._mapping
    geometry = from_db(m["geom"])
    assert geometry is not None  # NOT NULL column
    return Place(
        id=m["id"],
        code=m["code"],
        name=m["name"],
        specific=m["specific"],
        generic=m["generic"],
        romanized=m["romanized"],
        reading=m["reading"],
        category_code=m["category_code"],
        admin_code=m["admin_code"],
        geometry=geometry,
        point=from_db(m["point"]),
        meaning=m["meaning"],
        origin=m["origin"],
        history=m["history"],
        description=m["description"],
        other_names=list(json.loads(m["other_names"] or "[]")),
        established_year=m["established_year"],
        abolished_year=m["abolished_year"],
        status=PlaceStatus(m["status"]),
        census_status=CensusStatus(m["census_status"]),
        source=m["source"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
    )


def insert_place(conn: Connection, place: Place, **keys: str) -> int:
    """Insert one place; returns its id."""
    res = conn.execute(insert(t.places).returning(t.places.c.id), [place_row(place, **keys)])
    return int(res.scalar_one())


def insert_places(
    conn: Connection, places: Sequence[Place], keys: Sequence[tuple[str, str]] | None = None
) -> list[int]:
    """Bulk insert; ``keys`` holds ``(pinyin_key, initials)`` per place. Returns ids in order."""
    ids: list[int] = []
    for i, chunk in enumerate(_batches(places)):
        base = i * BATCH
        rows = []
        for j, p in enumerate(chunk):
            pk, ini = keys[base + j] if keys is not None else ("", "")
            rows.append(place_row(p, pinyin_key=pk, initials=ini))
        res = conn.execute(
            insert(t.places).returning(t.places.c.id, sort_by_parameter_order=True), rows
        )
        ids.extend(int(x) for x in res.scalars())
    return ids


def get_place(conn: Connection, place_id: int) -> Place:
    r = conn.execute(select(t.places).where(t.places.c.id == place_id)).first()
    if r is None:
        raise NotFound(f"地名不存在 (no place with id {place_id})")
    return place_from_row(r)


def iter_places(conn: Connection) -> Iterator[Place]:
    for r in conn.execute(select(t.places).order_by(t.places.c.id)):
        yield place_from_row(r)


def history_row(
    h: NameHistoryEntry, *, pinyin_key: str = "", recorded_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "place_id": h.place_id,
        "version": h.version,
        "name": h.name,
        "romanized": h.romanized,
        "pinyin_key": pinyin_key,
        "geom": to_db(h.geometry),
        "valid_from": h.valid_from,
        "valid_to": h.valid_to,
        "reason": str(h.reason),
        "note": h.note,
        "snapshot": None,
        "recorded_at": recorded_at or utc_now(),
    }


def history_from_row(r: Row[Any]) -> NameHistoryEntry:
    m = r._mapping
    return NameHistoryEntry(
        id=m["id"],
        place_id=m["place_id"],
        version=m["version"],
        name=m["name"],
        romanized=m["romanized"],
        geometry=from_db(m["geom"]),
        valid_from=m["valid_from"],
        valid_to=m["valid_to"],
        reason=ChangeReason(m["reason"]),
        note=m["note"],
    )


def insert_history(
    conn: Connection,
    entries: Iterable[NameHistoryEntry],
    pinyin_keys: Sequence[str] | None = None,
    *,
    recorded_at: datetime | None = None,
) -> int:
    """Append history rows; ``recorded_at`` (default now) lets generated data be reproducible."""
    rows = [
        history_row(h, pinyin_key=pinyin_keys[i] if pinyin_keys else "", recorded_at=recorded_at)
        for i, h in enumerate(entries)
    ]
    return _insert_many(conn, t.place_history, rows)


def place_history(conn: Connection, place_id: int) -> list[NameHistoryEntry]:
    q = (
        select(t.place_history)
        .where(t.place_history.c.place_id == place_id)
        .order_by(t.place_history.c.valid_from, t.place_history.c.id)
    )
    return [history_from_row(r) for r in conn.execute(q)]


def _snapshot(p: Place) -> str:
    data = {
        "name": p.name,
        "romanized": p.romanized,
        "reading": p.reading,
        "category_code": p.category_code,
        "admin_code": p.admin_code,
        "meaning": p.meaning,
        "origin": p.origin,
        "history": p.history,
        "other_names": p.other_names,
        "status": str(p.status),
        "census_status": str(p.census_status),
        "version": p.version,
        "geometry_wkt": p.geometry.wkt,
    }
    return json.dumps(data, ensure_ascii=False)


def update_place(
    conn: Connection,
    place_id: int,
    changes: dict[str, Any],
    *,
    reason: ChangeReason,
    valid_to: date | None = None,
    note: str = "",
    keys: tuple[str, str] | None = None,
) -> Place:
    """Change a place, first appending its previous version to ``place_history``.

    ``changes`` maps domain field names to new values (geometry as shapely). The old name
    and geometry are kept with ``valid_to`` (default today) and the reason; the full old
    record is kept as a JSON snapshot. Returns the updated place.
    """
    old = get_place(conn, place_id)
    stamp = utc_now()
    conn.execute(
        insert(t.place_history),
        [
            {
                "place_id": place_id,
                "version": old.version,
                "name": old.name,
                "romanized": old.romanized,
                "pinyin_key": conn.execute(
                    select(t.places.c.pinyin_key).where(t.places.c.id == place_id)
                ).scalar_one(),
                "geom": to_db(old.geometry),
                "valid_from": old.updated_at.date() if old.updated_at else None,
                "valid_to": valid_to or stamp.date(),
                "reason": str(reason),
                "note": note,
                "snapshot": _snapshot(old),
                "recorded_at": stamp,
            }
        ],
    )
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "geometry":
            values["geom"] = to_db(value)
            if "point" not in changes:
                values["point"] = to_db(value.representative_point())
        elif key == "point":
            values["point"] = to_db(value)
        elif key == "other_names":
            values["other_names"] = json.dumps(value, ensure_ascii=False)
        elif key in ("status", "census_status"):
            values[key] = str(value)
        else:
            values[key] = value
    if keys is not None:
        values["pinyin_key"], values["initials"] = keys
    values["updated_at"] = stamp
    values["version"] = old.version + 1
    conn.execute(update(t.places).where(t.places.c.id == place_id).values(**values))
    return get_place(conn, place_id)


# --- roads, compounds, built-up areas ---------------------------------------------------


def insert_roads(conn: Connection, roads: Iterable[Road]) -> int:
    return _insert_many(
        conn,
        t.roads,
        (
            {
                "place_id": r.place_id,
                "start_desc": r.start_desc,
                "end_desc": r.end_desc,
                "length_m": r.length_m,
                "width_m": r.width_m,
                "grade": r.grade,
            }
            for r in roads
        ),
    )


def get_road(conn: Connection, place_id: int) -> Road | None:
    r = conn.execute(select(t.roads).where(t.roads.c.place_id == place_id)).first()
    if r is None:
        return None
    m = r._mapping
    return Road(
        place_id=m["place_id"],
        start_desc=m["start_desc"],
        end_desc=m["end_desc"],
        length_m=m["length_m"],
        width_m=m["width_m"],
        grade=m["grade"],
    )


def insert_compounds(conn: Connection, compounds: Iterable[Compound]) -> int:
    return _insert_many(
        conn,
        t.compounds,
        (
            {
                "place_id": c.place_id,
                "households": c.households,
                "floor_area_m2": c.floor_area_m2,
                "developer": c.developer,
            }
            for c in compounds
        ),
    )


def insert_built_up_areas(conn: Connection, areas: Iterable[BuiltUpArea]) -> int:
    return _insert_many(
        conn,
        t.built_up_areas,
        ({"name": a.name, "county_code": a.county_code, "geom": to_db(a.geometry)} for a in areas),
    )


def iter_built_up_areas(conn: Connection) -> Iterator[BuiltUpArea]:
    for r in conn.execute(select(t.built_up_areas).order_by(t.built_up_areas.c.id)):
        m = r._mapping
        g = from_db(m["geom"])
        assert g is not None
        yield BuiltUpArea(id=m["id"], name=m["name"], county_code=m["county_code"], geometry=g)


# --- facilities and demand ---------------------------------------------------------------


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
    m = r._mapping
    point = from_db(m["geom"])
    assert point is not None
    return Facility(
        id=m["id"],
        code=m["code"],
        name=m["name"],
        type=FacilityType(m["type"]),
        place_id=m["place_id"],
        admin_code=m["admin_code"],
        point=point,
        beds=m["beds"],
        capacity=m["capacity"],
        floor_area_m2=m["floor_area_m2"],
        operator=m["operator"],
        mode=m["mode"],
        level=m["level"],
        opened_year=m["opened_year"],
        version=m["version"],
    )


def insert_facilities(
    conn: Connection, items: Iterable[Facility], *, updated_at: datetime | None = None
) -> int:
    return _insert_many(conn, t.facilities, (facility_row(f, updated_at=updated_at) for f in items))


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
    m = r._mapping
    point = from_db(m["geom"])
    assert point is not None
    return DemandPoint(
        id=m["id"],
        code=m["code"],
        name=m["name"],
        admin_code=m["admin_code"],
        point=point,
        population=m["population"],
        elderly=m["elderly"],
        dependents=m["dependents"],
    )


def insert_demand_points(conn: Connection, items: Iterable[DemandPoint]) -> int:
    return _insert_many(conn, t.demand_points, (demand_row(d) for d in items))


def iter_demand_points(conn: Connection) -> Iterator[DemandPoint]:
    for r in conn.execute(select(t.demand_points).order_by(t.demand_points.c.id)):
        yield demand_from_row(r)


# --- road network --------------------------------------------------------------------------


def insert_network(
    conn: Connection, nodes: Iterable[NetworkNode], edges: Iterable[NetworkEdge]
) -> tuple[int, int]:
    n = _insert_many(conn, t.network_nodes, ({"id": x.id, "geom": to_db(x.point)} for x in nodes))
    e = _insert_many(
        conn,
        t.network_edges,
        (
            {
                "source": x.source,
                "target": x.target,
                "road_class": str(x.road_class),
                "length_m": x.length_m,
                "speed_kmh": x.speed_kmh,
                "oneway": x.oneway,
                "name": x.name,
                "geom": to_db(x.geometry),
            }
            for x in edges
        ),
    )
    return n, e


def iter_network_edges(conn: Connection) -> Iterator[NetworkEdge]:
    for r in conn.execute(select(t.network_edges).order_by(t.network_edges.c.id)):
        m = r._mapping
        g = from_db(m["geom"])
        assert g is not None
        yield NetworkEdge(
            id=m["id"],
            source=m["source"],
            target=m["target"],
            road_class=RoadClass(m["road_class"]),
            length_m=m["length_m"],
            speed_kmh=m["speed_kmh"],
            oneway=bool(m["oneway"]),
            name=m["name"],
            geometry=g,
        )


def clear_network(conn: Connection) -> None:
    conn.execute(delete(t.network_edges))
    conn.execute(delete(t.network_nodes))


# --- dataset info -------------------------------------------------------------------------


def set_info(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(t.dataset_info).where(t.dataset_info.c.key == key))
    conn.execute(insert(t.dataset_info), [{"key": key, "value": value}])


def get_info(conn: Connection, key: str) -> str | None:
    return conn.execute(
        select(t.dataset_info.c.value).where(t.dataset_info.c.key == key)
    ).scalar_one_or_none()


def count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
