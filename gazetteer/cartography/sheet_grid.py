"""The national 1:50,000 map-sheet grid (GB/T 13989-2012 numbering).

A 1:1,000,000 sheet spans 4° of latitude by 6° of longitude: its row letter counts 4° bands
from the equator (A = 0–4°N, ... J = 36–40°N) and its column number is
``floor(lon / 6) + 31``. A 1:50,000 sheet (scale letter ``E``) spans 10′ by 15′, so there are
24 × 24 of them inside one 1:1,000,000 sheet; rows are numbered from the north (001) and
columns from the west (001). A full number reads ``J51E012004``: 1:1M sheet J51, scale E,
row 012, column 004.

Every sheet is kept as two integer grid indices (``lat_index`` = south edge in 10′ steps,
``lon_index`` = west edge in 15′ steps) so that no floating-point rounding creeps into the
numbering. Only the northern and eastern hemispheres are supported (all of China).

Pure library: no plotting here (drawing lives in :mod:`gazetteer.cartography.sheet_render`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from gazetteer.errors import InvalidInput

SHEET_LAT_MINUTES = 10
SHEET_LON_MINUTES = 15
STEPS_LAT_PER_DEGREE = 60 // SHEET_LAT_MINUTES  # 6
STEPS_LON_PER_DEGREE = 60 // SHEET_LON_MINUTES  # 4
SHEETS_PER_MILLION_ROW = 4 * STEPS_LAT_PER_DEGREE  # 24 rows in a 4° band
SHEETS_PER_MILLION_COL = 6 * STEPS_LON_PER_DEGREE  # 24 columns in a 6° band
SCALE_LETTER = "E"  # 1:50,000 in GB/T 13989
_CODE_RE = re.compile(r"^([A-V])(\d{2})E(\d{3})(\d{3})$")
_EPS = 1e-9


@dataclass(frozen=True, slots=True, order=True)
class MapSheet:
    """One 1:50,000 sheet, identified by its grid indices."""

    lat_index: int  # floor(south_deg * 6)
    lon_index: int  # floor(west_deg * 4)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        i, j = self.lat_index, self.lon_index
        return (
            j / STEPS_LON_PER_DEGREE,
            i / STEPS_LAT_PER_DEGREE,
            (j + 1) / STEPS_LON_PER_DEGREE,
            (i + 1) / STEPS_LAT_PER_DEGREE,
        )

    @property
    def million_sheet(self) -> str:
        """The 1:1,000,000 sheet, e.g. ``J51``."""
        row = self.lat_index // SHEETS_PER_MILLION_ROW
        col = self.lon_index // SHEETS_PER_MILLION_COL + 31
        return f"{chr(ord('A') + row)}{col:02d}"

    @property
    def row(self) -> int:
        """Row inside the 1:1,000,000 sheet, counted from the north (1..24)."""
        return SHEETS_PER_MILLION_ROW - self.lat_index % SHEETS_PER_MILLION_ROW

    @property
    def col(self) -> int:
        """Column inside the 1:1,000,000 sheet, counted from the west (1..24)."""
        return self.lon_index % SHEETS_PER_MILLION_COL + 1

    @property
    def code(self) -> str:
        """The GB/T 13989 number, e.g. ``J51E012004``."""
        return f"{self.million_sheet}{SCALE_LETTER}{self.row:03d}{self.col:03d}"

    def polygon(self) -> BaseGeometry:
        return box(*self.bounds)

    def neighbour(self, d_row: int, d_col: int) -> MapSheet:
        """The sheet ``d_row`` steps north and ``d_col`` steps east of this one."""
        return MapSheet(self.lat_index + d_row, self.lon_index + d_col)

    def neighbours(self) -> dict[str, MapSheet]:
        """The eight surrounding sheets keyed by compass direction (N, NE, E, ...)."""
        dirs = {
            "NW": (1, -1),
            "N": (1, 0),
            "NE": (1, 1),
            "W": (0, -1),
            "E": (0, 1),
            "SW": (-1, -1),
            "S": (-1, 0),
            "SE": (-1, 1),
        }
        return {k: self.neighbour(dr, dc) for k, (dr, dc) in dirs.items()}

    def __str__(self) -> str:
        return self.code


def _check_lon_lat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (0 <= lon < 180 and 0 <= lat < 88):
        raise InvalidInput(
            f"坐标超出图幅编号范围 (coordinates outside the supported sheet grid: "
            f"lon {lon}, lat {lat}; need 0<=lon<180, 0<=lat<88)"
        )


def sheet_at(lon: float, lat: float) -> MapSheet:
    """The 1:50,000 sheet containing a point (points on an edge belong to the sheet
    north/east of it)."""
    _check_lon_lat(lon, lat)
    return MapSheet(
        math.floor(lat * STEPS_LAT_PER_DEGREE + _EPS), math.floor(lon * STEPS_LON_PER_DEGREE + _EPS)
    )


def sheet_from_code(code: str) -> MapSheet:
    """Parse a number such as ``J51E012004``; raises InvalidInput on a malformed number."""
    m = _CODE_RE.match(code.strip().upper())
    if m is None:
        raise InvalidInput(
            f"图幅编号格式有误 (malformed 1:50,000 sheet number {code!r}; expected e.g. J51E012004)"
        )
    letter, mcol, row, col = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
    if not (31 <= mcol <= 60 and 1 <= row <= SHEETS_PER_MILLION_ROW and 1 <= col <= 24):
        raise InvalidInput(f"图幅编号超出范围 (sheet number out of range: {code!r})")
    band = ord(letter) - ord("A")
    lat_index = band * SHEETS_PER_MILLION_ROW + (SHEETS_PER_MILLION_ROW - row)
    lon_index = (mcol - 31) * SHEETS_PER_MILLION_COL + (col - 1)
    return MapSheet(lat_index, lon_index)


def sheets_touching(geometry: BaseGeometry) -> list[MapSheet]:
    """Every sheet whose area shares area (or a line/point inside it) with ``geometry``.

    Sheets that only meet the geometry along their border are left out, so a boundary
    that runs exactly along a sheet edge does not pull in the neighbour. Sorted north to
    south, west to east (the order of the printed index).
    """
    if geometry.is_empty:
        return []
    west, south, east, north = geometry.bounds
    _check_lon_lat(west, south)
    _check_lon_lat(east, north)
    prepared = prep(geometry)
    out: list[MapSheet] = []
    i0 = math.floor(south * STEPS_LAT_PER_DEGREE + _EPS)
    i1 = math.floor(north * STEPS_LAT_PER_DEGREE - _EPS)
    j0 = math.floor(west * STEPS_LON_PER_DEGREE + _EPS)
    j1 = math.floor(east * STEPS_LON_PER_DEGREE - _EPS)
    for i in range(max(i1, i0), i0 - 1, -1):
        for j in range(j0, max(j1, j0) + 1):
            sheet = MapSheet(i, j)
            cell = sheet.polygon()
            if prepared.intersects(cell) and not geometry.touches(cell):
                out.append(sheet)
    return out


__all__ = ["MapSheet", "sheet_at", "sheet_from_code", "sheets_touching"]
