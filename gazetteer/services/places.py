"""Use cases for reading places: details with history, the 地名成果表 card, reverse lookup,
the administrative tree and the classification tree with counts.

Everything here reads; each function takes an open ``Connection`` (one per request or
command) and returns typed dataclasses. Geometries stay shapely objects in CGCS2000
lon/lat; the API turns them into GeoJSON.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, func, select

from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import (
    CENSUS_STATUS_LABELS,
    CHANGE_REASON_LABELS,
    PLACE_STATUS_LABELS,
    AdminArea,
    AdminRef,
    Category,
    NameHistoryEntry,
    Place,
    Road,
    classification,
    label,
)
from gazetteer.storage import bbox_match
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db
from gazetteer.types import INT32_MAX, AdminCode, check_lon_lat, distance_m

NEIGHBOURS = 8
MAX_REVERSE_NEAREST = 50


@dataclass(frozen=True, slots=True)
class NearbyPlace:
    id: int
    name: str
    category_code: str
    category: str
    lon: float
    lat: float
    distance_m: float


@dataclass(slots=True)
class PlaceDetails:
    place: Place
    categories: list[Category]  # major, then subcategory
    admin_path: list[AdminRef]  # city down to the place's own area
    history: list[NameHistoryEntry]
    neighbours: list[NearbyPlace]
    road: Road | None = None


@dataclass(slots=True)
class ReverseResult:
    lon: float
    lat: float
    areas: list[AdminRef]  # containing areas, city first
    nearest: list[NearbyPlace]


@dataclass(slots=True)
class AdminNode:
    area: AdminArea
    ancestors: list[AdminRef]  # city first
    children: list[AdminRef]
    place_count: int  # names inside the area (all levels below)


@dataclass(slots=True)
class CategoryNode:
    code: str
    name: str
    name_en: str
    count: int
    children: list[CategoryNode] = field(default_factory=list)


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
) -> list[NearbyPlace]:
    """The ``limit`` names nearest to (lon, lat) by their representative point.

    Searches growing boxes through the spatial index (both backends), then sorts the
    candidates by great-circle distance.
    """
    p = t.places
    cats = classification()
    radius = 0.005
    rows: list[tuple[int, str, str, float, float]] = []
    while True:
        bbox = (lon - radius, lat - radius, lon + radius, lat + radius)
        q = (
            select(p.c.id, p.c.name, p.c.category_code, func.ST_X(p.c.point), func.ST_Y(p.c.point))
            .where(bbox_match(p, bbox, "point"))
            .limit(5000)
        )
        if exclude_id is not None:
            q = q.where(p.c.id != exclude_id)
        rows = [(int(r[0]), r[1], r[2], float(r[3]), float(r[4])) for r in conn.execute(q)]
        # enough candidates inside the circle inscribed in the box, or the box is large
        inside = [
            r for r in rows if distance_m(lon, lat, r[3], r[4]) <= radius * 111_000 * _cos(lat)
        ]
        if len(inside) >= limit or radius >= max_radius_deg:
            break
        radius *= 3
    scored = sorted(rows, key=lambda r: distance_m(lon, lat, r[3], r[4]))[:limit]
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


def reverse(conn: Connection, lon: float, lat: float, *, limit: int = 5) -> ReverseResult:
    """Administrative areas containing (lon, lat) -- by polygon where one is stored -- and
    the nearest names."""
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
        lon=lon, lat=lat, areas=areas, nearest=nearest_places(conn, lon, lat, limit=limit)
    )


# --- the 地名成果表 card ---------------------------------------------------------------------

CARD_TITLE = "地名成果表"


def card_rows(d: PlaceDetails) -> list[tuple[str, str]]:
    """The census result table of one name as (label, value) rows, in form order."""
    p = d.place
    point = p.point if p.point is not None else p.geometry.representative_point()
    cats = " / ".join(f"{c.name}（{c.code}）" for c in d.categories)
    former = "；".join(
        f"{h.name}（{_d(h.valid_from)}—{_d(h.valid_to)}，{label(CHANGE_REASON_LABELS, h.reason)}）"
        for h in d.history
        if h.name != p.name
    )
    status = label(PLACE_STATUS_LABELS, p.status)
    census = label(CENSUS_STATUS_LABELS, p.census_status)
    rows = [
        ("标准名称", p.name),
        ("罗马字母拼写", p.romanized),
        ("地名代码", p.code or ""),
        ("专名", p.specific),
        ("通名", p.generic),
        ("类别", cats or p.category_code),
        ("所在行政区", " ".join(a.name for a in d.admin_path)),
        ("行政区划代码", p.admin_code),
        ("地理坐标", f"东经 {point.x:.6f}°，北纬 {point.y:.6f}°（CGCS2000）"),
        ("别名、简称", "、".join(p.other_names)),
        ("曾用名", former),
        ("设立年份", str(p.established_year or "")),
        ("废止年份", str(p.abolished_year or "")),
        ("地名含义", p.meaning),
        ("地名由来", p.origin),
        ("历史沿革", p.history),
        ("地理实体描述", p.description),
        ("地名状态", status),
        ("普查状态", census),
        ("资料来源", p.source),
    ]
    if d.road is not None:
        rows += [
            ("起点", d.road.start_desc),
            ("止点", d.road.end_desc),
            ("长度（米）", f"{d.road.length_m:.0f}"),
        ]
    return rows


def _d(value: object) -> str:
    return str(value) if value is not None else "…"


def card_xlsx(d: PlaceDetails) -> bytes:
    """The 地名成果表 as an Excel workbook (one sheet, label/value columns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = CARD_TITLE
    ws.append([f"{CARD_TITLE}：{d.place.name}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:B1")
    for caption, value in card_rows(d):
        ws.append([caption, value])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = [
    "CARD_TITLE",
    "AdminNode",
    "AdminRef",
    "CategoryNode",
    "NearbyPlace",
    "PlaceDetails",
    "ReverseResult",
    "admin_node",
    "card_rows",
    "card_xlsx",
    "category_path",
    "category_tree",
    "nearest_places",
    "place_details",
    "reverse",
]
