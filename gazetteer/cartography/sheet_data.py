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

from sqlalchemy import Connection

from gazetteer.cartography import layers
from gazetteer.cartography.sheet_grid import MapSheet, sheet_from_code, sheets_touching
from gazetteer.errors import InvalidInput
from gazetteer.model import AdminLevel, RoadClass, classification

Bounds = tuple[float, float, float, float]
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


@dataclass(frozen=True, slots=True)
class SheetRef:
    """One sheet of the set: a grid sheet number or a county-level area code."""

    kind: str  # "grid" or "county"
    number: str
    name: str = ""


def sheet_set(conn: Connection) -> list[SheetRef]:
    """Every sheet to print: the grid sheets touching the city's land (computed from the
    boundary in the database), then one per county-level area with a polygon."""
    city = layers.admin_boundary(conn)
    refs = [SheetRef("grid", s.code) for s in sheets_touching(city.geometry)]
    for a in layers.admin_shapes(conn, levels=[AdminLevel.COUNTY]):
        refs.append(SheetRef("county", a.code, a.name))
    return refs


def _labels(conn: Connection, bounds: Bounds) -> list[SheetLabel]:
    cls = classification()
    out = []
    for p in layers.place_points(conn, bbox=bounds):
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
        title = f"{city.name}地名图"
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
    if ref.kind == "county":
        labels = [lb for lb in labels if lb.priority <= 1]
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
    )


__all__ = [
    "SHEET_ROAD_CLASSES",
    "Bounds",
    "SheetData",
    "SheetLabel",
    "SheetRef",
    "load_sheet_data",
    "sheet_set",
]
