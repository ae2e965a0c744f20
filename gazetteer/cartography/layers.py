"""Light read models for maps and sheets: only the columns a map layer needs.

The full repositories (``storage.repository``) load whole records with every text field;
a map of 16,744 names needs id, name, category and a point. These readers return small
typed dataclasses with longitude/latitude already extracted (``ST_X``/``ST_Y`` exist on
both SpatiaLite and PostGIS), so one query serves a whole layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, func, select

from gazetteer.errors import NotFound
from gazetteer.model import AdminLevel, RoadClass, classification
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import bbox_match
from gazetteer.storage.geometry import from_db
from gazetteer.storage.repository.places import SHOWN_COLUMNS
from gazetteer.storage.versions import layer_version

# Road classes drawn on overview maps (the rest only clutter a city-wide view).
MAJOR_ROAD_CLASSES: tuple[RoadClass, ...] = (
    RoadClass.MOTORWAY,
    RoadClass.TRUNK,
    RoadClass.PRIMARY,
    RoadClass.SECONDARY,
    RoadClass.TERTIARY,
)


@dataclass(frozen=True, slots=True)
class PlacePoint:
    id: int
    name: str
    category_code: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class FacilityPoint:
    id: int
    name: str
    type: str
    admin_code: str
    lon: float
    lat: float
    beds: int | None
    capacity: int | None


@dataclass(frozen=True, slots=True)
class DemandPointLite:
    id: int
    code: str
    name: str
    admin_code: str
    lon: float
    lat: float
    population: int
    elderly: int
    dependents: int


@dataclass(frozen=True, slots=True)
class AdminShape:
    code: str
    name: str
    level: int
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class RoadLine:
    road_class: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class PlaceSummary:
    """What a map popup shows about a name."""

    id: int
    name: str
    romanized: str
    category_code: str
    category: str
    major_category: str
    admin_code: str
    admin_name: str
    meaning: str
    origin: str
    status: str
    lon: float
    lat: float


def _xy(geom: Any) -> tuple[Any, Any]:
    """The x and y (longitude, latitude) of a point column, as two SQL expressions."""
    return func.ST_X(geom), func.ST_Y(geom)


def _lonlat(x: Any, y: Any) -> tuple[float, float]:
    """A point's coordinates as the map layers give them: 6 decimals (about 0.1 m)."""
    return round(float(x), 6), round(float(y), 6)


def version(conn: Connection, layer: str) -> str:
    """The data version of a map layer (``places``, ``facilities``, ``admin``, ``roads``,
    ``demand``, ``land``): what a cache of the encoded layer is keyed by."""
    if layer == "land":
        return layer_version(conn, "admin") + "/" + layer_version(conn, "places")
    return layer_version(conn, layer)


ISLAND_CATEGORY = "11500"  # 海岛


def land(conn: Connection, *, tolerance_deg: float = 0.0) -> BaseGeometry | None:
    """The land to draw: every county-level polygon (the real boundaries include the
    islands) joined with the polygons of island names, or None when there is none."""
    a = t.admin_areas
    parts: list[BaseGeometry] = []
    q = select(a.c.geom).where(a.c.level == int(AdminLevel.COUNTY), a.c.geom.is_not(None))
    for (geom,) in conn.execute(q):
        g = from_db(geom)
        if g is not None and not g.is_empty:
            parts.append(g)
    if not parts:  # no county polygons: the city's
        q = select(a.c.geom).where(a.c.level == int(AdminLevel.CITY), a.c.geom.is_not(None))
        parts += [g for (geom,) in conn.execute(q) if (g := from_db(geom)) is not None]
    p = t.places
    q = select(p.c.geom).where(p.c.category_code == ISLAND_CATEGORY, p.c.status == "current")
    for (geom,) in conn.execute(q):
        g = from_db(geom)
        if g is not None and g.geom_type in ("Polygon", "MultiPolygon"):
            parts.append(g)
    if not parts:
        return None
    merged = shapely.union_all([shapely.make_valid(g) for g in parts])
    if tolerance_deg > 0:
        merged = merged.simplify(tolerance_deg, preserve_topology=True)
    return merged


def place_points(
    conn: Connection,
    *,
    major_code: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    current_only: bool = False,
) -> list[PlacePoint]:
    """Every name (optionally of one major category, with its point in a bbox, or only
    the current names)."""
    p = t.places
    q = select(p.c.id, p.c.name, p.c.category_code, *_xy(p.c.point)).order_by(p.c.id)
    if major_code is not None:
        codes = classification().subcodes(major_code)
        q = q.where(p.c.category_code.in_(codes or [major_code]))
    if bbox is not None:
        q = q.where(bbox_match(p, bbox, "point"))
    if current_only:
        q = q.where(p.c.status != "historical")
    return [PlacePoint(int(r[0]), r[1], r[2], *_lonlat(r[3], r[4])) for r in conn.execute(q)]


def major_category_counts(conn: Connection) -> dict[str, int]:
    """Number of names per major category code."""
    cls = classification()
    out: dict[str, int] = {c.code: 0 for c in cls.majors}
    q = select(t.places.c.category_code, func.count()).group_by(t.places.c.category_code)
    for code, n in conn.execute(q):
        major = cls.major_of(code)
        key = major.code if major is not None else code
        out[key] = out.get(key, 0) + int(n)
    return out


def facility_points(conn: Connection, *, types: Sequence[str] | None = None) -> list[FacilityPoint]:
    return [
        FacilityPoint(int(r[0]), r[1], r[2], r[3], *_lonlat(r[4], r[5]), r[6], r[7])
        for r in repo.facility_figures(conn, types=types)
    ]


def demand_points(conn: Connection) -> list[DemandPointLite]:
    """Every demand point with its figures (coordinates rounded to 6 decimals)."""
    return [
        DemandPointLite(int(r[0]), r[1], r[2], r[3], *_lonlat(r[4], r[5]), *r[6:])
        for r in repo.demand_figures(conn)
    ]


def facility_type_counts(conn: Connection) -> dict[str, int]:
    q = select(t.facilities.c.type, func.count()).group_by(t.facilities.c.type)
    return {str(k): int(n) for k, n in conn.execute(q)}


def admin_shapes(
    conn: Connection, *, levels: Sequence[AdminLevel], tolerance_deg: float = 0.0
) -> list[AdminShape]:
    """Areas of the given levels that have a polygon, optionally simplified."""
    a = t.admin_areas
    q = (
        select(a.c.code, a.c.name, a.c.level, a.c.geom)
        .where(a.c.level.in_([int(x) for x in levels]), a.c.geom.is_not(None))
        .order_by(a.c.level, a.c.code)
    )
    out = []
    for code, name, level, geom in conn.execute(q):
        g = from_db(geom)
        if g is None or g.is_empty:
            continue
        if tolerance_deg > 0:
            g = g.simplify(tolerance_deg, preserve_topology=True)
        out.append(AdminShape(code, name, int(level), g))
    return out


def admin_boundary(conn: Connection, code: str | None = None) -> AdminShape:
    """The polygon of one area, by default the top-level (city) area."""
    a = t.admin_areas
    q = select(a.c.code, a.c.name, a.c.level, a.c.geom).where(a.c.geom.is_not(None))
    q = q.where(a.c.code == code) if code else q.order_by(a.c.level, a.c.code).limit(1)
    r = conn.execute(q).first()
    g = from_db(r[3]) if r is not None else None
    if r is None or g is None:
        what = code or "city"
        raise NotFound(f"没有行政区边界 (no administrative boundary in the database: {what})")
    return AdminShape(r[0], r[1], int(r[2]), g)


def road_lines(
    conn: Connection,
    *,
    classes: Sequence[RoadClass] = MAJOR_ROAD_CLASSES,
    bbox: tuple[float, float, float, float] | None = None,
    tolerance_deg: float = 0.0,
) -> list[RoadLine]:
    """Road-network edges of the given classes (optionally within a bbox)."""
    e = t.network_edges
    q = (
        select(e.c.road_class, e.c.name, e.c.geom)
        .where(e.c.road_class.in_([str(c) for c in classes]))
        .order_by(e.c.id)
    )
    if bbox is not None:
        q = q.where(bbox_match(e, bbox))
    out = []
    for cls, name, geom in conn.execute(q):
        g = from_db(geom)
        if g is None:
            continue
        if tolerance_deg > 0:
            g = g.simplify(tolerance_deg, preserve_topology=False)
        out.append(RoadLine(cls, name or "", g))
    return out


@dataclass(frozen=True, slots=True)
class NamedLine:
    name: str
    category_code: str
    geometry: BaseGeometry


def named_lines(
    conn: Connection, *, bbox: tuple[float, float, float, float], category_prefix: str = "23"
) -> list[NamedLine]:
    """Current names drawn as lines (roads and streets: category 23...) meeting a bbox."""
    p = t.places
    q = (
        select(p.c.name, p.c.category_code, p.c.geom)
        .where(
            p.c.category_code.startswith(category_prefix),
            p.c.status != "historical",
            bbox_match(p, bbox, "geom"),
        )
        .order_by(p.c.id)
    )
    out = []
    for name, code, geom in conn.execute(q):
        g = from_db(geom)
        if g is not None and g.geom_type in ("LineString", "MultiLineString"):
            out.append(NamedLine(name, code, g))
    return out


def names_updated(conn: Connection) -> str:
    """The date of the latest change to the names (ISO), or "" for an empty table."""
    last = conn.execute(select(func.max(t.places.c.updated_at))).scalar_one_or_none()
    if last is None:
        return ""
    return str(last)[:10]


def place_summary(conn: Connection, place_id: int) -> PlaceSummary:
    p = t.places
    a = t.admin_areas
    q = (
        select(*SHOWN_COLUMNS, a.c.name, p.c.meaning, p.c.origin)
        .select_from(p.outerjoin(a, a.c.code == p.c.admin_code))
        .where(p.c.id == place_id)
    )
    r = conn.execute(q).first()
    if r is None:
        raise NotFound(f"地名不存在 (no place with id {place_id})")
    pid, name, romanized, code, admin_code, status, lon, lat, admin_name, meaning, origin = r
    cls = classification()
    cat = cls.get(code)
    major = cls.major_of(code)
    lon, lat = _lonlat(lon, lat)
    return PlaceSummary(
        id=int(pid),
        name=name,
        romanized=romanized,
        category_code=code,
        category=cat.name if cat else code,
        major_category=major.name if major else "",
        admin_code=admin_code,
        admin_name=admin_name or "",
        meaning=meaning,
        origin=origin,
        status=status,
        lon=lon,
        lat=lat,
    )


__all__ = [
    "MAJOR_ROAD_CLASSES",
    "AdminShape",
    "DemandPointLite",
    "FacilityPoint",
    "NamedLine",
    "PlacePoint",
    "PlaceSummary",
    "RoadLine",
    "admin_boundary",
    "admin_shapes",
    "demand_points",
    "facility_points",
    "facility_type_counts",
    "land",
    "major_category_counts",
    "named_lines",
    "names_updated",
    "place_points",
    "place_summary",
    "road_lines",
    "version",
]
