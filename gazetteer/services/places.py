"""Use cases for reading places: details with history, the place page, reverse lookup,
the administrative tree and the classification tree with counts.

Everything here reads; each function takes an open ``Connection`` (one per request or
command) and returns typed dataclasses. Geometries stay shapely objects in CGCS2000
lon/lat; the API turns them into GeoJSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Connection, func, select

from gazetteer.cartography import layers
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import (
    AdminLevel,
    AdminRef,
    Category,
    classification,
)
from gazetteer.model.views import (
    AdminNode,
    CategoryNode,
    NearbyPlace,
    PlaceDetails,
    ReverseResult,
)
from gazetteer.storage import bbox_match
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import is_sqlite
from gazetteer.storage.geometry import from_db
from gazetteer.types import INT32_MAX, SRID, AdminCode, check_lon_lat, distance_m

NEIGHBOURS = 8
MAX_REVERSE_NEAREST = 50
KNN_FIRST = 20  # candidates of the first nearest-first read


# --- administrative areas ----------------------------------------------------------------


def admin_node(conn: Connection, code: str) -> AdminNode:
    """An administrative area with its ancestors, children and the names inside it."""
    area = repo.get_admin_area(conn, AdminCode.parse(code).value)
    a = t.admin_areas
    children = [
        AdminRef(code=r[0], name=r[1], level=int(r[2]), kind=r[3] or "")
        for r in conn.execute(
            select(a.c.code, a.c.name, a.c.level, a.c.kind)
            .where(a.c.parent_code == area.code)
            .order_by(a.c.code)
        )
    ]
    ancestors = repo.admin_path(conn, area.parent_code) if area.parent_code else []
    prefix = AdminCode(area.code).prefix(int(area.level))
    count = conn.execute(
        select(func.count()).select_from(t.places).where(t.places.c.admin_code.like(prefix + "%"))
    ).scalar_one()
    return AdminNode(area=area, ancestors=ancestors, children=children, place_count=int(count))


# --- categories ------------------------------------------------------------------------


def category_tree(conn: Connection) -> list[CategoryNode]:
    """The classification (10 major categories, their subcategories) with name counts."""
    p = t.places
    counts = {
        code: int(n)
        for code, n in conn.execute(
            select(p.c.category_code, func.count()).group_by(p.c.category_code)
        )
    }
    cls = classification()
    tree: list[CategoryNode] = []
    for major in cls.majors:
        children = [
            CategoryNode(c.code, c.name, c.name_en, counts.get(c.code, 0))
            for c in cls.subcategories
            if c.major_code == major.code
        ]
        total = sum(c.count for c in children) + counts.get(major.code, 0)
        tree.append(CategoryNode(major.code, major.name, major.name_en, total, children))
    return tree


def category_path(code: str) -> list[Category]:
    cls = classification()
    cat = cls.get(code)
    if cat is None:
        return []
    major = cls.major_of(code)
    return [cat] if major is None or major.code == cat.code else [major, cat]


# --- nearest names ------------------------------------------------------------------------


def nearest_places(
    conn: Connection,
    lon: float,
    lat: float,
    *,
    limit: int = NEIGHBOURS,
    exclude_id: int | None = None,
    max_radius_deg: float = 0.8,
    current_only: bool = False,
) -> list[NearbyPlace]:
    """The ``limit`` names nearest to (lon, lat) by their representative point
    (``current_only``: leave historical names out), within a box of about
    ``max_radius_deg`` around it.

    Candidates come from the spatial index -- on PostgreSQL nearest first (the GiST
    index's ``<->`` ordering, which costs the same over 17,000 names or 13 million), on
    SQLite from growing boxes -- and are sorted by great-circle distance.
    """
    p = t.places
    radius = 0.005
    while radius < max_radius_deg:  # the largest box the search may look into
        radius *= 3
    box = (lon - radius, lat - radius, lon + radius, lat + radius)
    conds: list[ColumnElement[bool]] = [bbox_match(p, box, "point")]
    if exclude_id is not None:
        conds.append(p.c.id != exclude_id)
    if current_only:
        conds.append(p.c.status != "historical")
    if is_sqlite(conn):
        rows = _nearest_in_boxes(conn, lon, lat, limit, conds[1:], radius)
    else:
        rows = _nearest_knn(conn, lon, lat, limit, conds)
    scored = sorted(rows, key=lambda r: distance_m(lon, lat, r[3], r[4]))[:limit]
    cats = classification()
    out = []
    for pid, name, cat, x, y in scored:
        c = cats.get(cat)
        out.append(
            NearbyPlace(
                id=pid,
                name=name,
                category_code=cat,
                category=c.name if c else "",
                lon=x,
                lat=y,
                distance_m=round(distance_m(lon, lat, x, y), 1),
            )
        )
    return out


_Candidate = tuple[int, str, str, float, float]


def _nearest_knn(
    conn: Connection, lon: float, lat: float, limit: int, conds: list[ColumnElement[bool]]
) -> list[_Candidate]:
    """Candidates nearest first in degrees (``<->``), enough of them that the ``limit``
    nearest in metres are among them: every name not fetched lies at least as many
    degrees away as the last one fetched, so -- as with a box of that half-width --
    farther than that many degrees of a parallel at ``lat`` in metres, and the search
    stops once ``limit`` candidates are within that distance (or the box is exhausted)."""
    p = t.places
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)
    m = max(4 * limit, KNN_FIRST)
    while True:
        q = (
            select(
                p.c.id,
                p.c.name,
                p.c.category_code,
                func.ST_X(p.c.point),
                func.ST_Y(p.c.point),
                func.ST_Distance(p.c.point, here),
            )
            .where(*conds)
            .order_by(p.c.point.op("<->")(here))
            .limit(m)
        )
        fetched = conn.execute(q).all()
        rows = [(int(r[0]), r[1], r[2], float(r[3]), float(r[4])) for r in fetched]
        if len(rows) < m:
            return rows
        reach = float(fetched[-1][5]) * 111_000 * _cos(lat)
        if sum(1 for r in rows if distance_m(lon, lat, r[3], r[4]) <= reach) >= limit:
            return rows
        m *= 4


def _nearest_in_boxes(
    conn: Connection,
    lon: float,
    lat: float,
    limit: int,
    conds: list[ColumnElement[bool]],
    max_radius: float,
) -> list[_Candidate]:
    """Candidates in growing boxes, until ``limit`` of them lie in the circle inscribed
    in the box or the box reaches ``max_radius``."""
    p = t.places
    radius = 0.005
    while True:
        bbox = (lon - radius, lat - radius, lon + radius, lat + radius)
        q = (
            select(p.c.id, p.c.name, p.c.category_code, func.ST_X(p.c.point), func.ST_Y(p.c.point))
            .where(bbox_match(p, bbox, "point"), *conds)
            .limit(5000)
        )
        rows = [(int(r[0]), r[1], r[2], float(r[3]), float(r[4])) for r in conn.execute(q)]
        # enough candidates inside the circle inscribed in the box, or the box is large
        inside = [
            r for r in rows if distance_m(lon, lat, r[3], r[4]) <= radius * 111_000 * _cos(lat)
        ]
        if len(inside) >= limit or radius >= max_radius:
            return rows
        radius *= 3


def _cos(lat: float) -> float:
    return max(0.1, math.cos(math.radians(lat)))


# --- details, reverse ----------------------------------------------------------------------


def check_place_id(place_id: int) -> int:
    if not 1 <= place_id <= INT32_MAX:
        raise NotFound(f"地名不存在 (no place with id {place_id})")
    return place_id


def place_details(conn: Connection, place_id: int) -> PlaceDetails:
    """The full record of a place: history, category and administrative paths, neighbours."""
    place = repo.get_place(conn, check_place_id(place_id))
    point = place.point if place.point is not None else place.geometry.representative_point()
    return PlaceDetails(
        place=place,
        categories=category_path(place.category_code),
        admin_path=repo.admin_path(conn, place.admin_code),
        history=repo.place_history(conn, place_id),
        neighbours=nearest_places(conn, point.x, point.y, exclude_id=place_id),
        road=repo.get_road(conn, place_id),
    )


@dataclass(slots=True)
class PlacePage:
    """What the place page shows: the details and the area drawn around the place."""

    details: PlaceDetails
    context: BaseGeometry | None  # the smallest area with a polygon (county at most)


def place_page(conn: Connection, place_id: int) -> PlacePage:
    """The place page: details, and the smallest surrounding area that has a polygon
    (the place's own area, else its ancestors up to the county), simplified."""
    details = place_details(conn, place_id)
    code = details.place.admin_code
    context = None
    for ref in reversed(details.admin_path):
        try:
            shape = layers.admin_boundary(conn, ref.code)
        except NotFound:
            continue
        if shape.level >= int(AdminLevel.COUNTY) or ref.code == code:
            context = shape.geometry.simplify(0.001, preserve_topology=True)
            break
    return PlacePage(details, context)


def reverse(
    conn: Connection, lon: float, lat: float, *, limit: int = 5, status: str = "current"
) -> ReverseResult:
    """Administrative areas containing (lon, lat) -- by polygon where one is stored -- and
    the nearest names: current names only, unless ``status`` is ``all``."""
    if status not in ("current", "all"):
        raise InvalidInput(
            f"status 应为 current 或 all (status must be current or all): {status!r}"
        )
    check_lon_lat(lon, lat, what="reverse")
    if not 1 <= limit <= MAX_REVERSE_NEAREST:
        raise InvalidInput(
            f"limit 应在 1 到 {MAX_REVERSE_NEAREST} 之间 (limit must be 1..{MAX_REVERSE_NEAREST})"
        )
    a = t.admin_areas
    pt = Point(lon, lat)
    tiny = (lon - 1e-9, lat - 1e-9, lon + 1e-9, lat + 1e-9)
    rows = conn.execute(
        select(a.c.code, a.c.name, a.c.level, a.c.kind, a.c.geom)
        .where(a.c.geom.is_not(None))
        .where(bbox_match(a, tiny, "geom"))
    ).all()
    areas: list[AdminRef] = []
    for code, name, level, kind, g in rows:
        geom: BaseGeometry | None = from_db(g)
        if geom is not None and geom.covers(pt):
            areas.append(AdminRef(code=code, name=name, level=int(level), kind=kind or ""))
    areas.sort(key=lambda x: (x.level, x.code))
    return ReverseResult(
        lon=lon,
        lat=lat,
        areas=areas,
        nearest=nearest_places(conn, lon, lat, limit=limit, current_only=status != "all"),
    )


__all__ = [
    "AdminNode",
    "AdminRef",
    "CategoryNode",
    "NearbyPlace",
    "PlaceDetails",
    "PlacePage",
    "ReverseResult",
    "admin_node",
    "category_path",
    "category_tree",
    "nearest_places",
    "place_details",
    "place_page",
    "reverse",
]
