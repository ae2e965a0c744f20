"""Places: the names with their history (every former name and geometry), roads and
compounds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Row, func, insert, select, update

from gazetteer.errors import NotFound
from gazetteer.model import (
    CensusStatus,
    ChangeReason,
    Compound,
    NameHistoryEntry,
    Place,
    PlaceStatus,
    Road,
)
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.repository.rows import BATCH, batches, from_row, insert_many
from gazetteer.types import utc_now

#: The columns of a place that a search hit or a map popup shows, in this order: id, name,
#: romanized, category code, area code, status, longitude, latitude.
SHOWN_COLUMNS = (
    t.places.c.id,
    t.places.c.name,
    t.places.c.romanized,
    t.places.c.category_code,
    t.places.c.admin_code,
    t.places.c.status,
    func.ST_X(t.places.c.point),
    func.ST_Y(t.places.c.point),
)


def place_row(p: Place, *, pinyin_key: str = "", initials: str = "") -> dict[str, Any]:
    row = place_values(p, pinyin_key=pinyin_key, initials=initials)
    row["geom"] = to_db(p.geometry)
    row["point"] = to_db(place_point(p))
    return row


def place_point(p: Place) -> BaseGeometry:
    """The representative point of a place (its own, or one inside its geometry)."""
    return p.point if p.point is not None else p.geometry.representative_point()


def place_values(
    p: Place, *, pinyin_key: str = "", initials: str = "", stamp: datetime | None = None
) -> dict[str, Any]:
    """The columns of a place row except the geometries (bulk loads write those as
    EWKT, :mod:`gazetteer.storage.bulk`)."""
    stamp = stamp or utc_now()
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
        "meaning": p.meaning,
        "origin": p.origin,
        "history": p.history,
        "description": p.description,
        # most places have none: "[]" without a call to json (an import writes 100,000)
        "other_names": json.dumps(p.other_names, ensure_ascii=False) if p.other_names else "[]",
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
    return from_row(
        Place,
        r,
        geometry=geometry,
        point=from_db(m["point"]),
        other_names=list(json.loads(m["other_names"] or "[]")),
        status=PlaceStatus(m["status"]),
        census_status=CensusStatus(m["census_status"]),
    )


def points_extent(conn: Connection) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the names' points, or None when there are none."""
    p = t.places
    row = conn.execute(
        select(
            func.min(func.ST_X(p.c.point)),
            func.min(func.ST_Y(p.c.point)),
            func.max(func.ST_X(p.c.point)),
            func.max(func.ST_Y(p.c.point)),
        )
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])


def insert_place(conn: Connection, place: Place, **keys: str) -> int:
    """Insert one place; returns its id."""
    res = conn.execute(insert(t.places).returning(t.places.c.id), [place_row(place, **keys)])
    return int(res.scalar_one())


def insert_places(
    conn: Connection, places: Sequence[Place], keys: Sequence[tuple[str, str]] | None = None
) -> list[int]:
    """Bulk insert; ``keys`` holds ``(pinyin_key, initials)`` per place. Returns ids in order."""
    ids: list[int] = []
    for i, chunk in enumerate(batches(places)):
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
    return from_row(
        NameHistoryEntry, r, geometry=from_db(m["geom"]), reason=ChangeReason(m["reason"])
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
    return insert_many(conn, t.place_history, rows)


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


def insert_roads(conn: Connection, roads: Iterable[Road]) -> int:
    """Insert road attributes (the fields of :class:`Road` are the columns of ``roads``)."""
    return insert_many(conn, t.roads, (asdict(r) for r in roads))


def get_road(conn: Connection, place_id: int) -> Road | None:
    r = conn.execute(select(t.roads).where(t.roads.c.place_id == place_id)).first()
    return None if r is None else from_row(Road, r)


def insert_compounds(conn: Connection, compounds: Iterable[Compound]) -> int:
    """Insert compound attributes (the fields of :class:`Compound` are its columns)."""
    return insert_many(conn, t.compounds, (asdict(c) for c in compounds))


__all__ = [
    "SHOWN_COLUMNS",
    "get_place",
    "get_road",
    "history_from_row",
    "history_row",
    "insert_compounds",
    "insert_history",
    "insert_place",
    "insert_places",
    "insert_roads",
    "iter_places",
    "place_from_row",
    "place_history",
    "place_row",
    "update_place",
]
