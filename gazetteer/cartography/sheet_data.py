"""What a printed result map sheet (成果图) shows, read from the database (no drawing).

Two kinds of sheet: one per 1:50,000 grid sheet (GB/T 13989, see
:mod:`gazetteer.cartography.sheet_grid`) that touches the city's land, and one per
county-level area. :func:`sheet_set` lists them (the grid laid over the city boundary in
the database); :func:`load_sheet_data` reads what one of them shows into a
:class:`SheetData`, which :func:`gazetteer.cartography.sheet_render.render_sheet` draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from gazetteer.cartography import labels as map_labels
from gazetteer.cartography import layers
from gazetteer.cartography.sheet_grid import MapSheet, sheet_from_code, sheets_touching
from gazetteer.errors import InvalidInput
from gazetteer.model import AdminLevel, RoadClass, classification

Bounds = tuple[float, float, float, float]
PRODUCER = "威海市民政局"
SHEET_ROAD_CLASSES = (*layers.MAJOR_ROAD_CLASSES, RoadClass.RESIDENTIAL)


@dataclass(frozen=True, slots=True)
class SheetLabel:
    name: str
    lon: float
    lat: float
    major_code: str
    priority: int  # lower first (admin names before the rest)


@dataclass(frozen=True, slots=True)
class SheetData:
    """Everything one printed sheet shows (pure data; lon/lat in CGCS2000)."""

    kind: str  # "grid" (1:50,000 sheet) or "county"
    number: str  # the sheet's caption under the title
    title: str
    bounds: Bounds  # west, south, east, north of the map frame
    code: str = ""  # grid sheet number or county code
    areas: Sequence[layers.AdminShape] = ()
    roads: Sequence[layers.RoadLine] = ()
    labels: Sequence[SheetLabel] = ()
    neighbours: dict[str, str] = field(default_factory=dict)  # direction -> sheet number
    index_sheets: Sequence[str] = ()  # for county sheets: the grid sheets it spans
    footer: str = ""
    land: BaseGeometry | None = None  # land to fill (counties and islands)
    road_names: Sequence[layers.NamedLine] = ()  # written along their lines
    series: str = ""  # the series title (e.g. 威海市地名图) when the title names the sheet
    producer: str = PRODUCER  # 编制单位
    compiled: str = ""  # 编制日期 (ISO date of the data)


@dataclass(frozen=True, slots=True)
class SheetRef:
    """One sheet of the set: a grid sheet number or a county-level area code."""

    kind: str  # "grid" or "county"
    number: str
    name: str = ""


def _name_candidates(conn: Connection) -> list[layers.PlacePoint]:
    """Current names, most important first (seats, towns, islands, bays, ... by the map
    labels' category rank), to name a sheet after."""
    found = layers.place_points(conn, current_only=True)
    return sorted(found, key=lambda p: (map_labels.category_rank(p.category_code)[0], p.id))


def sheet_name(candidates: Sequence[layers.PlacePoint], bounds: Bounds) -> str:
    """The most important name with its point on the sheet ("" when none)."""
    w, s, e, n = bounds
    for p in candidates:
        if w <= p.lon < e and s <= p.lat < n:
            return p.name
    return ""


def sheet_set(conn: Connection) -> list[SheetRef]:
    """Every sheet to print: the grid sheets touching the city's land (computed from the
    boundary in the database), each named after its most important place, then one per
    county-level area with a polygon."""
    city = layers.admin_boundary(conn)
    candidates = _name_candidates(conn)
    refs = [
        SheetRef("grid", s.code, sheet_name(candidates, s.bounds))
        for s in sheets_touching(city.geometry)
    ]
    for a in layers.admin_shapes(conn, levels=[AdminLevel.COUNTY]):
        refs.append(SheetRef("county", a.code, a.name))
    return refs


def _labels(conn: Connection, bounds: Bounds) -> list[SheetLabel]:
    cls = classification()
    out = []
    for p in layers.place_points(conn, bbox=bounds, current_only=True):
        major = cls.major_of(p.category_code)
        code = major.code if major else p.category_code
        priority = 0 if code == "21" else (1 if code in ("216", "22", "1") else 2)
        out.append(SheetLabel(p.name, p.lon, p.lat, code, priority))
    return out


def load_sheet_data(conn: Connection, ref: SheetRef) -> SheetData:
    """What one sheet shows, read from the database."""
    city = layers.admin_boundary(conn)
    if ref.kind == "grid":
        sheet: MapSheet = sheet_from_code(ref.number)
        bounds = sheet.bounds
        series = f"{city.name}地名图"
        title = sheet_name(_name_candidates(conn), bounds) or series
        number = f"1:50 000　{sheet.code}"
        neighbours = {k: v.code for k, v in sheet.neighbours().items()}
        index: list[str] = []
        levels = [AdminLevel.CITY, AdminLevel.COUNTY, AdminLevel.TOWN]
    elif ref.kind == "county":
        area = layers.admin_boundary(conn, ref.number)
        w, s, e, n = area.geometry.bounds
        pad = max(e - w, n - s) * 0.04
        bounds = (w - pad, s - pad, e + pad, n + pad)
        title = f"{area.name}地名图"
        series = ""
        number = f"{area.code[:6]}　{area.name}"
        neighbours = {}
        index = [s.code for s in sheets_touching(area.geometry)]
        levels = [AdminLevel.CITY, AdminLevel.COUNTY, AdminLevel.TOWN]
    else:
        raise InvalidInput(f"未知的图幅类型 (unknown sheet kind: {ref.kind})")
    areas = layers.admin_shapes(conn, levels=levels, tolerance_deg=0.0002)
    roads = layers.road_lines(
        conn,
        classes=SHEET_ROAD_CLASSES if ref.kind == "grid" else layers.MAJOR_ROAD_CLASSES,
        bbox=bounds,
    )
    labels = _labels(conn, bounds)
    road_names: list[layers.NamedLine] = []
    if ref.kind == "county":
        labels = [lb for lb in labels if lb.priority <= 1]
    else:
        road_names = layers.named_lines(conn, bbox=bounds)
    return SheetData(
        kind=ref.kind,
        number=number,
        code=ref.number,
        title=title,
        bounds=bounds,
        areas=areas,
        roads=roads,
        labels=labels,
        neighbours=neighbours,
        index_sheets=index,
        land=layers.land(conn, tolerance_deg=0.0002),
        road_names=road_names,
        series=series,
        compiled=layers.names_updated(conn),
    )


__all__ = [
    "PRODUCER",
    "SHEET_ROAD_CLASSES",
    "Bounds",
    "SheetData",
    "SheetLabel",
    "SheetRef",
    "load_sheet_data",
    "sheet_name",
    "sheet_set",
]
