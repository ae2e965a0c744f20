"""Reading the gazetteer tables into exchange records (one per feature), ordered by key.

Geometries come out as shapely objects in CGCS2000 longitude/latitude (EPSG:4490).
Timestamps (created/updated/recorded) are not exchanged: they describe the database, not
the data, and leaving them out keeps exports of the same data byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Row, Table, select

from gazetteer.model import FACILITY_TYPE_NAMES, FacilityType, classification
from gazetteer.storage import tables as t
from gazetteer.types import lineage

from .layers import (
    ADMIN_AREAS,
    BUILT_UP_AREAS,
    COMPOUNDS,
    DEMAND_POINTS,
    FACILITIES,
    NETWORK_EDGES,
    NETWORK_NODES,
    PLACE_HISTORY,
    PLACES,
    ROADS,
    Kind,
    LayerSpec,
)


@dataclass(slots=True)
class Record:
    """One feature of an exchange layer: attribute values by field name and a geometry."""

    values: dict[str, Any]
    geometry: BaseGeometry | None


@dataclass(slots=True)
class LayerData:
    spec: LayerSpec
    records: list[Record]


def _geoms(values: Sequence[Any]) -> list[BaseGeometry | None]:
    """Decode stored geometries in bulk (WKBElement / bytes / None)."""
    raw: list[bytes | None] = []
    for v in values:
        if v is None:
            raw.append(None)
        else:
            data = getattr(v, "data", v)
            raw.append(bytes(data) if not isinstance(data, str) else bytes.fromhex(data))
    out = shapely.from_wkb(raw)
    return [None if g is None else g for g in out]


class AdminPaths:
    """Administrative path ("威海市/环翠区/环翠楼街道") of a code, from the admin table."""

    def __init__(self, conn: Connection) -> None:
        a = t.admin_areas
        self._areas: dict[str, tuple[str, str | None]] = {
            r.code: (r.name, r.parent_code)
            for r in conn.execute(select(a.c.code, a.c.name, a.c.parent_code))
        }
        self._parents = {code: parent for code, (_, parent) in self._areas.items()}
        self.path = lru_cache(maxsize=None)(self._path)

    def _path(self, code: str) -> str:
        return "/".join(self._areas[c][0] for c in lineage(code, self._parents))


_CASTS: dict[Kind, Callable[[Any], Any]] = {Kind.INT: int, Kind.FLOAT: float, Kind.BOOL: bool}


def _record(spec: LayerSpec, row: Row[Any], geometry: BaseGeometry | None, **given: Any) -> Record:
    """The layer's fields in its order: the ``given`` ones (derived, or computed from the
    row), the others copied from the row's columns of the same name (required numbers and
    flags as the layer types them)."""
    columns = row._mapping
    values: dict[str, Any] = {}
    for f in spec.fields:
        if f.name in given:
            values[f.name] = given[f.name]
        else:
            value = columns[f.name]
            cast = _CASTS.get(f.kind)
            values[f.name] = value if cast is None or value is None else cast(value)
    return Record(values, geometry)


def _admin_areas(conn: Connection) -> list[Record]:
    a = t.admin_areas
    rows = conn.execute(select(a).order_by(a.c.code)).all()
    geoms = _geoms([r.geom for r in rows])
    centres = _geoms([r.centre for r in rows])
    return [
        _record(
            ADMIN_AREAS,
            r,
            g,
            centre_lon=None if c is None else float(c.x),
            centre_lat=None if c is None else float(c.y),
        )
        for r, g, c in zip(rows, geoms, centres, strict=True)
    ]


def _places(conn: Connection) -> list[Record]:
    p = t.places
    cats = {c.code: c for c in classification().categories}
    paths = AdminPaths(conn)
    cols = [c for c in p.c if c.name not in ("pinyin_key", "initials", "created_at", "updated_at")]
    rows = conn.execute(select(*cols).order_by(p.c.id)).all()
    geoms = _geoms([r.geom for r in rows])
    points = _geoms([r.point for r in rows])
    out = []
    for r, g, pt in zip(rows, geoms, points, strict=True):
        cat = cats.get(r.category_code)
        major = cats.get(cat.major_code or cat.code) if cat else None
        out.append(
            _record(
                PLACES,
                r,
                g,
                id=int(r.id),
                category_name=cat.name if cat else "",
                major_code=major.code if major else "",
                major_name=major.name if major else "",
                admin_path=paths.path(r.admin_code),
                lon=None if pt is None else float(pt.x),
                lat=None if pt is None else float(pt.y),
                other_names=list(json.loads(r.other_names or "[]")),
            )
        )
    return out


def _place_extension(spec: LayerSpec, table: Any) -> Callable[[Connection], list[Record]]:
    def fetch(conn: Connection) -> list[Record]:
        p = t.places
        q = (
            select(table, p.c.code.label("place_code"), p.c.name.label("place_name"), p.c.geom)
            .join(p, p.c.id == table.c.place_id)
            .order_by(table.c.place_id)
        )
        rows = conn.execute(q).all()
        geoms = _geoms([r.geom for r in rows])
        return [
            _record(spec, r, g, place_id=r.place_id, name=r.place_name)
            for r, g in zip(rows, geoms, strict=True)
        ]

    return fetch


def _rows(
    conn: Connection, spec: LayerSpec, table: Table
) -> list[tuple[Row[Any], BaseGeometry | None]]:
    """The rows of ``table`` in the layer's key order, each with its geometry decoded."""
    rows = conn.execute(select(table).order_by(table.c[spec.key])).all()
    return list(zip(rows, _geoms([r.geom for r in rows]), strict=True))


def _history(conn: Connection) -> list[Record]:
    rows = _rows(conn, PLACE_HISTORY, t.place_history)
    return [_record(PLACE_HISTORY, r, g, id=int(r.id)) for r, g in rows]


def _built_up(conn: Connection) -> list[Record]:
    rows = _rows(conn, BUILT_UP_AREAS, t.built_up_areas)
    return [_record(BUILT_UP_AREAS, r, g, id=int(r.id)) for r, g in rows]


def _facility_type_name(value: str) -> str:
    try:
        return FACILITY_TYPE_NAMES[FacilityType(value)]
    except ValueError:
        return ""


def _facilities(conn: Connection) -> list[Record]:
    paths = AdminPaths(conn)
    return [
        _record(
            FACILITIES,
            r,
            g,
            id=int(r.id),
            type_name=_facility_type_name(r.type),
            admin_path=paths.path(r.admin_code),
        )
        for r, g in _rows(conn, FACILITIES, t.facilities)
    ]


def _demand(conn: Connection) -> list[Record]:
    paths = AdminPaths(conn)
    return [
        _record(DEMAND_POINTS, r, g, id=int(r.id), admin_path=paths.path(r.admin_code))
        for r, g in _rows(conn, DEMAND_POINTS, t.demand_points)
    ]


def _nodes(conn: Connection) -> list[Record]:
    return [_record(NETWORK_NODES, r, g) for r, g in _rows(conn, NETWORK_NODES, t.network_nodes)]


def _edges(conn: Connection) -> list[Record]:
    rows = _rows(conn, NETWORK_EDGES, t.network_edges)
    return [_record(NETWORK_EDGES, r, g, id=int(r.id)) for r, g in rows]


FETCHERS: dict[str, Callable[[Connection], list[Record]]] = {
    ADMIN_AREAS.name: _admin_areas,
    PLACES.name: _places,
    ROADS.name: _place_extension(ROADS, t.roads),
    COMPOUNDS.name: _place_extension(COMPOUNDS, t.compounds),
    PLACE_HISTORY.name: _history,
    BUILT_UP_AREAS.name: _built_up,
    FACILITIES.name: _facilities,
    DEMAND_POINTS.name: _demand,
    NETWORK_NODES.name: _nodes,
    NETWORK_EDGES.name: _edges,
}


def read_layer(conn: Connection, spec: LayerSpec) -> LayerData:
    """All records of one layer, ordered by the layer's key."""
    return LayerData(spec, FETCHERS[spec.name](conn))


def iter_layers(conn: Connection, specs: Sequence[LayerSpec]) -> Iterator[LayerData]:
    for spec in specs:
        yield read_layer(conn, spec)


__all__ = ["AdminPaths", "LayerData", "Record", "iter_layers", "read_layer"]
