"""Value types and geography helpers: one home for the concepts every layer shares.

After Nominatim's ``nominatim_api/types.py``: a request parameter is parsed once at the
edge into a checked value, and everything after takes the typed value.

* :class:`AdminCode` -- the 12-digit NBS statistical division code: parsing (2, 4, 6, 9 or
  12 significant digits, padded to 12), its level, its prefix at a level, its county, and
  :func:`lineage` (walking up the administrative tree, written once);
* :func:`parse_point`, :func:`parse_bbox`, :func:`check_lon_lat` -- ``"lon,lat"`` and
  ``"minlon,minlat,maxlon,maxlat"`` parameters (CRS84, longitude first);
* :func:`distance_m` (great circle), :func:`geodesic_length_m` (on the CGCS2000
  ellipsoid), :func:`lonlat_to_metric` / :func:`metric_to_lonlat` (EPSG:4490 <-> 4550);
* the constants: :data:`SRID` and :data:`METRIC_SRID`, :data:`INT32_MAX`, the extent of
  China used to reject swapped or projected coordinates, and :func:`utc_now` (the one
  clock of the library).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from gazetteer.errors import InvalidInput

SRID = 4490  # CGCS2000 geographic: every stored geometry
METRIC_SRID = 4550  # CGCS2000 / 3-degree Gauss-Kruger CM 123E: metric work in Weihai
INT32_MAX = 2**31 - 1  # the largest id an INTEGER column holds on both backends
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
CHINA_LON = (73.0, 136.0)  # generous extent of China (CGCS2000 lon/lat)
CHINA_LAT = (3.0, 54.0)

BBox = tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat
LonLat = tuple[float, float]
FloatArray = NDArray[np.float64]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (every stored timestamp)."""
    return datetime.now(UTC)


#: The time zone of the dates staff record (approval, notice, filing …): Weihai's.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    """Today's date in Weihai (Asia/Shanghai), whatever the server's time zone."""
    return datetime.now(LOCAL_TZ).date()


def local_date(stamp: datetime) -> date:
    """The Weihai date of a stored timestamp (naive timestamps are UTC)."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(LOCAL_TZ).date()


# --- the administrative code -------------------------------------------------------------

#: Significant digits of a code at each NBS level (1 province .. 5 village).
LEVEL_DIGITS: dict[int, int] = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
CODE_LENGTHS = tuple(LEVEL_DIGITS.values())
COUNTY_OR_BELOW = (6, 9, 12)  # a county, town or village code


def parse_day(raw: str) -> date:
    """A date as people type it: 2027-01-31, 2027/01/31 or 2027.01.31 (else a clear error)."""
    text = raw.strip().replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(x) for x in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise InvalidInput(
            f"日期格式应为 2027-01-31 (date must look like 2027-01-31): {raw[:20]!r}"
        ) from None


def admin_prefix(code: str, level: int) -> str:
    """The significant digits of a 12-digit code at ``level`` (1 province .. 5 village)."""
    return code[: LEVEL_DIGITS.get(level, 12)]


@dataclass(frozen=True, slots=True, order=True)
class AdminCode:
    """A 12-digit administrative (statistical division) code, e.g. ``371002001000``."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) != 12 or not (self.value.isascii() and self.value.isdigit()):
            raise InvalidInput(
                f"行政区划代码应为12位数字 (administrative code must be 12 digits): "
                f"{self.value[:20]!r}"
            )

    @classmethod
    def parse(cls, raw: str, *, lengths: Sequence[int] = CODE_LENGTHS) -> AdminCode:
        """A code as people write it: the significant prefix of a province (2 digits), city
        (4), county (6), town (9) or village (12), padded with zeros to 12. ``lengths``
        narrows what a use case accepts (e.g. ``(6, 9, 12)``: a county or below)."""
        code = raw.strip()
        if not (code.isascii() and code.isdigit() and len(code) in lengths):
            allowed = "、".join(str(n) for n in lengths)
            allowed_en = ", ".join(str(n) for n in lengths)
            raise InvalidInput(
                f"行政区划代码应为 {allowed} 位数字 (administrative code must be "
                f"{allowed_en} digits): {code[:20]!r}"
            )
        return cls(code.ljust(12, "0"))

    @classmethod
    def parse_optional(
        cls, raw: str | None, *, lengths: Sequence[int] = CODE_LENGTHS
    ) -> AdminCode | None:
        """:meth:`parse`, with None or a blank string meaning "no code"."""
        if raw is None or not raw.strip():
            return None
        return cls.parse(raw, lengths=lengths)

    @property
    def level(self) -> int:
        """The level the digits say (1 province .. 5 village)."""
        v = self.value
        for level in (5, 4, 3, 2):
            if v[LEVEL_DIGITS[level - 1] : LEVEL_DIGITS[level]].strip("0"):
                return level
        return 1

    def prefix(self, level: int | None = None) -> str:
        """The significant digits at ``level`` (default: the code's own level); every code
        inside the area starts with them."""
        return admin_prefix(self.value, self.level if level is None else level)

    def fits_level(self, level: int) -> bool:
        """True when no digit beyond ``level``'s significant ones is set."""
        return not self.value[LEVEL_DIGITS.get(level, 12) :].strip("0")

    @property
    def county(self) -> AdminCode:
        """The county-level unit the code lies in (the city itself for a city code)."""
        return AdminCode(self.value[:6].ljust(12, "0"))

    def __str__(self) -> str:
        return self.value


def lineage(
    code: str, parent_of: Mapping[str, str | None] | Callable[[str], str | None]
) -> list[str]:
    """``code`` and its ancestors, the top first: the administrative tree walked up once.

    ``parent_of`` maps a known code to its parent (None at the top); the walk stops at a
    code it does not know (a mapping without the key, or a callable raising ``KeyError``)
    and at a cycle, so broken data never loops.
    """
    get = parent_of.__getitem__ if isinstance(parent_of, Mapping) else parent_of
    path: list[str] = []
    seen: set[str] = set()
    cur: str | None = code
    while cur is not None and cur not in seen:
        try:
            parent = get(cur)
        except KeyError:
            break
        seen.add(cur)
        path.append(cur)
        cur = parent
    return path[::-1]


# --- points and boxes ----------------------------------------------------------------------


def check_lon_lat(lon: float, lat: float, *, what: str = "point") -> None:
    """Longitude/latitude in range and finite, else :class:`InvalidInput`."""
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{what} 经纬度超出范围 (longitude/latitude out of range): {lon}, {lat}")


def in_china(lon: float, lat: float) -> bool:
    """True inside the generous extent of China (catches swapped or projected values)."""
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def parse_point(raw: str | None, *, what: str = "near") -> LonLat | None:
    """``"lon,lat"`` -> a checked tuple (None or blank stays None)."""
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split(",")
    msg = f"{what} 格式应为 lon,lat (must be lon,lat): {raw[:80]!r}"
    if len(parts) != 2:
        raise InvalidInput(msg)
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(msg) from None
    check_lon_lat(lon, lat, what=what)
    return (lon, lat)


def parse_bbox(raw: str) -> BBox:
    """``"minlon,minlat,maxlon,maxlat"`` (CRS84, longitude first) -> a checked tuple."""
    parts = [p.strip() for p in raw.split(",")]
    msg = (
        "bbox 格式应为 minlon,minlat,maxlon,maxlat 的四个数 "
        f"(bbox must be four numbers minlon,minlat,maxlon,maxlat): {raw[:80]!r}"
    )
    if len(parts) != 4:
        raise InvalidInput(msg)
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(msg) from None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise InvalidInput(msg)
    if not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise InvalidInput(f"bbox 超出经纬度范围 (bbox outside lon/lat range): {raw[:80]!r}")
    if x1 > x2 or y1 > y2:
        raise InvalidInput(
            f"bbox 的最小值大于最大值 (bbox min greater than max): {raw[:80]!r}; "
            "bounding boxes crossing the antimeridian are not supported"
        )
    return (x1, y1, x2, y2)


def parse_optional_bbox(raw: str | None) -> BBox | None:
    """:func:`parse_bbox`, with None or a blank string meaning "no box"."""
    if raw is None or raw.strip() == "":
        return None
    return parse_bbox(raw)


# --- distances and projections -------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000.0
GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid is GRS80 to within 0.1 mm


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def geodesic_length_m(geometry: BaseGeometry | None) -> float | None:
    """Length in metres of a (multi)line on the CGCS2000 ellipsoid; None for other shapes."""
    if isinstance(geometry, (LineString, MultiLineString)):
        return float(abs(GEOD.geometry_length(geometry)))
    return None


def line_length_m(lons: Any, lats: Any) -> float:
    """Length in metres of the polyline through ``lons``/``lats`` on the ellipsoid."""
    return float(GEOD.line_length(lons, lats))


@cache
def metric_transformer() -> Transformer:
    """EPSG:4490 lon/lat -> EPSG:4550 metres (x east, y north)."""
    return Transformer.from_crs(SRID, METRIC_SRID, always_xy=True)


@cache
def lonlat_transformer() -> Transformer:
    """EPSG:4550 metres -> EPSG:4490 lon/lat."""
    return Transformer.from_crs(METRIC_SRID, SRID, always_xy=True)


def lonlat_to_metric(lonlat: FloatArray) -> FloatArray:
    """(n, 2) lon/lat (EPSG:4490) -> (n, 2) metres (EPSG:4550)."""
    arr = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    x, y = metric_transformer().transform(arr[:, 0], arr[:, 1])
    return np.column_stack([np.asarray(x, float), np.asarray(y, float)])


def metric_to_lonlat(xy: FloatArray) -> FloatArray:
    """(n, 2) metres (EPSG:4550) -> (n, 2) lon/lat (EPSG:4490)."""
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    x, y = lonlat_transformer().transform(arr[:, 0], arr[:, 1])
    return np.column_stack([np.asarray(x, float), np.asarray(y, float)])


__all__ = [
    "CHINA_LAT",
    "CHINA_LON",
    "CODE_LENGTHS",
    "COUNTY_OR_BELOW",
    "GEOD",
    "INT32_MAX",
    "INT64_MAX",
    "INT64_MIN",
    "LEVEL_DIGITS",
    "LOCAL_TZ",
    "METRIC_SRID",
    "SRID",
    "AdminCode",
    "BBox",
    "LonLat",
    "admin_prefix",
    "check_lon_lat",
    "distance_m",
    "geodesic_length_m",
    "in_china",
    "line_length_m",
    "lineage",
    "local_date",
    "local_today",
    "lonlat_to_metric",
    "metric_to_lonlat",
    "metric_transformer",
    "parse_bbox",
    "parse_day",
    "parse_optional_bbox",
    "parse_point",
    "utc_now",
]
