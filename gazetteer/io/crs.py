"""Coordinates as they come: CGCS2000/WGS 84 degrees, Gauss–Krüger zones, GCJ-02.

The gazetteer stores CGCS2000 longitude/latitude (EPSG:4490). Files hold:

* degrees (CGCS2000, WGS 84 — the same to well under a metre here — or, in tables,
  latitude before longitude);
* **Gauss–Krüger** metres, 3° or 6° zones, with the zone number in front of the easting
  (``41 431 256.7``, zone 41) or without it (``431 256.7``), with northing first (the
  Chinese surveying convention: X is north) or easting first; the ``.prj`` is often
  missing or names only "Gauss_Kruger";
* **GCJ-02** degrees copied from web maps (Amap, Tencent): only when the user says so
  (``--from-gcj02``), never guessed, since the offset is a few hundred metres and a guess
  would move correct data.

:func:`detect` decides from the declared CRS (if any) and the values themselves: degrees
vs metres, which axis is which (northings in China lie between 1,000 and 6,100 km;
eastings below 1,000 km, or 13–45 million with a zone number: 13–23 are 6° zones, 25–45
3° zones), the zone (from the number, else from the area the data must fall in) and the
datum (CGCS2000 unless a ``.prj`` names another). A ``.prj`` whose projection disagrees
with the values (a zone number in the eastings but a false easting of 500 km, or a
"Gauss_Kruger" with no usable central meridian) is corrected from the values and said so.

:func:`diagnose` names the likely cause when a converted point lands outside the area it
claims: swapped axes, a missing (or extra) zone number, GCJ-02 coordinates, or a wrong
datum/zone in general.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from gazetteer.cartography.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from gazetteer.errors import InvalidInput

FloatArray = NDArray[np.float64]
Extent = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max

NORTHING_RANGE = (1_000_000.0, 6_100_000.0)  # China, metres north of the equator
ZONE6 = range(13, 24)  # 6° zones over China (central meridians 75°–135°)
ZONE3 = range(25, 46)  # 3° zones over China (central meridians 75°–135°)
DATUMS = {
    "cgcs2000": 4490,
    "wgs84": 4326,
    "beijing1954": 4214,
    "xian1980": 4610,
}
ZONE_NOTE = {True: "带号在横坐标中 zone number in easting", False: "无带号 no zone number"}
DATUM_NAMES = {
    "cgcs2000": "CGCS2000",
    "wgs84": "WGS 84",
    "beijing1954": "Beijing 1954",
    "xian1980": "Xian 1980",
}


@dataclass(frozen=True, slots=True)
class CoordSystem:
    """How a file's coordinates become CGCS2000 longitude/latitude."""

    kind: str  # "degrees" | "gk" | "crs" (any other CRS, by pyproj)
    datum: str = "cgcs2000"
    swapped: bool = False  # second axis first (lat, lon) / (northing, easting)
    zone_width: int = 0  # 3 or 6 for Gauss–Krüger
    central_meridian: float = 0.0
    zone_in_easting: bool = False
    zone: int = 0
    wkt: str = ""  # for kind "crs"
    from_gcj02: bool = False
    note: str = ""  # why this system was chosen (shown by --dry-run)

    def describe(self) -> str:
        datum = DATUM_NAMES.get(self.datum, self.datum)
        if self.kind == "degrees":
            text = f"{datum} 经纬度 (longitude/latitude)"
            if self.swapped:
                text += "，纬度在前 (latitude first)"
        elif self.kind == "gk":
            zone = f"zone {self.zone}, " if self.zone_in_easting else ""
            text = (
                f"{datum} 高斯-克吕格 {self.zone_width}° 带 (Gauss–Krüger {self.zone_width}°, "
                f"{zone}CM {self.central_meridian:g}°E, "
                f"{ZONE_NOTE[self.zone_in_easting]})"
            )
            if self.swapped:
                text += "，北坐标在前 (northing first)"
        else:
            text = f"{CRS.from_wkt(self.wkt).name}"
        if self.from_gcj02:
            text += " + GCJ-02 → CGCS2000"
        if self.note:
            text += f" [{self.note}]"
        return text

    @property
    def false_easting(self) -> float:
        return (self.zone * 1_000_000.0 if self.zone_in_easting else 0.0) + 500_000.0

    def to_lonlat(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """File coordinates (in file order) -> CGCS2000 longitude/latitude arrays."""
        a, b = (y, x) if self.swapped else (x, y)
        if self.kind == "degrees":
            lon, lat = np.asarray(a, float), np.asarray(b, float)
            if self.datum not in ("cgcs2000", "wgs84"):
                lon, lat = _transformer(_geographic(self.datum).to_wkt(), 4490).transform(lon, lat)
        else:
            t = _transformer(self.source_crs().to_wkt(), 4490)
            lon, lat = t.transform(np.asarray(a, float), np.asarray(b, float))
            lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        if self.from_gcj02:
            lon, lat = _from_gcj02(lon, lat)
        return lon, lat

    def source_crs(self) -> CRS:
        if self.kind == "crs":
            return CRS.from_wkt(self.wkt)
        if self.kind == "degrees":
            return _geographic(self.datum)
        return gauss_kruger(self.datum, self.central_meridian, self.false_easting)


def _geographic(datum: str) -> CRS:
    return CRS.from_epsg(DATUMS.get(datum, 4490))


def gauss_kruger(datum: str, central_meridian: float, false_easting: float) -> CRS:
    """A Gauss–Krüger (transverse Mercator, scale 1) CRS on ``datum``'s geographic CRS."""
    proj = (
        f"+proj=tmerc +lat_0=0 +lon_0={central_meridian:g} +k=1 +x_0={false_easting:.1f} "
        f"+y_0=0 +units=m +no_defs"
    )
    ell = {"cgcs2000": "GRS80", "wgs84": "WGS84", "beijing1954": "krass", "xian1980": "IAU76"}
    proj += f" +ellps={ell.get(datum, 'GRS80')}"
    if datum == "beijing1954":
        proj += " +towgs84=15.8,-154.4,-82.3,0,0,0,0"  # EPSG:1224 (coarse, ~ a few metres)
    return CRS.from_proj4(proj)


@cache
def _transformer(src_wkt: str, dst_epsg: int) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_epsg(dst_epsg), always_xy=True)


def _from_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    out_lon = np.empty_like(lon)
    out_lat = np.empty_like(lat)
    for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
        if math.isfinite(x) and math.isfinite(y):
            out_lon[i], out_lat[i] = gcj02_to_wgs84(x, y)
        else:
            out_lon[i], out_lat[i] = x, y
    return out_lon, out_lat


# --- detection ----------------------------------------------------------------------------


def _in(v: float, lo: float, hi: float) -> bool:
    return lo <= v <= hi


def _is_degrees(a: float, b: float) -> bool:
    return abs(a) <= 180 and abs(b) <= 180


def _easting_zone(e: float) -> int:
    return int(e // 1_000_000) if e >= 10_000_000 else 0


def _is_easting(v: float) -> bool:
    if 0 < v < 1_000_000:
        return True
    zone = _easting_zone(v)
    return zone in ZONE6 or zone in ZONE3


def _is_northing(v: float) -> bool:
    return _in(v, *NORTHING_RANGE)


def _centre(extent: Extent) -> tuple[float, float]:
    return (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2


def _inside(extent: Extent, lon: float, lat: float, margin: float = 0.5) -> bool:
    return (
        extent[0] - margin <= lon <= extent[2] + margin
        and extent[1] - margin <= lat <= extent[3] + margin
    )


def _datum_of(crs: CRS | None) -> str:
    if crs is None:
        return "cgcs2000"
    text = (crs.to_wkt() + " " + crs.name).lower().replace(" ", "").replace("_", "")
    if "beijing" in text or "1954" in text:
        return "beijing1954"
    if "xian" in text or "1980" in text:
        return "xian1980"
    if "wgs84" in text or "wgs1984" in text:
        return "wgs84"
    return "cgcs2000"


def _tm_params(crs: CRS) -> tuple[float | None, float | None]:
    """(central meridian, false easting) of a transverse Mercator CRS, if it says them."""
    op = crs.coordinate_operation
    if op is None:
        return None, None
    params = {p.name.lower(): float(p.value) for p in op.params if isinstance(p.value, float)}
    cm = next((v for k, v in params.items() if "longitude of natural origin" in k), None)
    fe = next((v for k, v in params.items() if "false easting" in k), None)
    return cm, fe


def _gk_from_values(
    e: float, datum: str, extent: Extent, declared_cm: float | None
) -> tuple[int, float, int, bool, str]:
    """(zone width, central meridian, zone, zone in easting, note) from an easting."""
    zone = _easting_zone(e)
    if zone in ZONE6:
        return 6, zone * 6.0 - 3.0, zone, True, "带号 (zone) from the eastings"
    if zone in ZONE3:
        return 3, zone * 3.0, zone, True, "带号 (zone) from the eastings"
    lon0, _ = _centre(extent)
    if declared_cm is not None and abs(declared_cm - lon0) <= 4.5:
        return 3, declared_cm, 0, False, "CM from the .prj"
    # no zone number: the central meridian nearest to the area the data must fall in
    cm3 = round(lon0 / 3.0) * 3.0
    return 3, cm3, 0, False, f"CM {cm3:g}°E from the area (no zone number in the eastings)"


def detect(
    x: FloatArray,
    y: FloatArray,
    *,
    declared: CRS | None,
    extent: Extent,
    from_gcj02: bool = False,
) -> CoordSystem:
    """The coordinate system of a file from its declared CRS and its values.

    ``x``/``y`` are the coordinates in file order (first and second axis); ``extent`` the
    area the data must fall in (the administrative areas in the database).
    """
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        sys = CoordSystem("degrees", from_gcj02=from_gcj02, note="no coordinates")
        return sys
    a, b = float(np.median(x[ok])), float(np.median(y[ok]))
    datum = _datum_of(declared)
    if declared is not None and not declared.is_projected and not declared.is_geographic:
        declared = None
    if _is_degrees(a, b):
        if declared is not None and declared.is_projected:
            raise InvalidInput(
                f"坐标是经纬度，但投影文件声明为 {declared.name} (coordinates are degrees but "
                f"the .prj declares the projected {declared.name}); give --crs"
            )
        swapped = not _inside(extent, a, b, margin=10) and _inside(extent, b, a, margin=10)
        note = "纬度在前 (latitude first, told by the values)" if swapped else ""
        return CoordSystem("degrees", datum, swapped, from_gcj02=from_gcj02, note=note)
    if declared is not None and declared.is_geographic:
        raise InvalidInput(
            f"坐标不是经纬度，但投影文件声明为 {declared.name} (coordinates are not degrees "
            f"but the .prj declares geographic {declared.name}); give --crs"
        )
    if declared is not None and declared.is_projected:
        op = declared.coordinate_operation
        method = op.method_name.lower() if op is not None else ""
        if "transverse mercator" not in method and "gauss" not in method:
            return CoordSystem("crs", wkt=declared.to_wkt(), from_gcj02=from_gcj02)
    # Gauss–Krüger: which axis is the easting?
    if _is_easting(a) and _is_northing(b):
        swapped, e = False, a
    elif _is_easting(b) and _is_northing(a):
        swapped, e = True, b
    else:
        raise InvalidInput(
            f"无法识别坐标 (cannot tell the coordinate system of values like {a:.1f}, {b:.1f}): "
            "not degrees, not Gauss–Krüger metres in China; give --crs"
        )
    declared_cm = None if declared is None else _tm_params(declared)[0]
    declared_sys = None
    if declared is not None:
        declared_sys = CoordSystem(
            "crs", wkt=declared.to_wkt(), swapped=swapped, from_gcj02=from_gcj02, note=".prj"
        )
        if _lands(declared_sys, a, b, extent):
            return declared_sys
    width, cm, zone, in_e, note = _gk_from_values(e, datum, extent, declared_cm)
    if declared_sys is not None:
        note = f".prj 与坐标不符，按坐标 (the .prj does not fit the values: {note})"
    if swapped:
        note += "; 北坐标在前 (northing first, told by the values)"
    sys = CoordSystem(
        "gk",
        datum,
        swapped,
        zone_width=width,
        central_meridian=cm,
        zone_in_easting=in_e,
        zone=zone,
        from_gcj02=from_gcj02,
        note=note,
    )
    if declared_sys is not None and not _lands(sys, a, b, extent):
        return declared_sys  # neither fits: keep what the file says; rows report it
    if not in_e:
        # a 6° zone has the same central meridian as a 3° zone only at 3° multiples of 6n-3;
        # when the 3° guess lands outside the area, try the 6° zone's meridian
        lon, lat = sys.to_lonlat(np.array([a]), np.array([b]))
        if not _inside(extent, float(lon[0]), float(lat[0])):
            cm6 = math.floor(_centre(extent)[0] / 6.0) * 6.0 + 3.0
            alt = replace(sys, zone_width=6, central_meridian=cm6, note=f"CM {cm6:g}°E (6° zone)")
            lon6, lat6 = alt.to_lonlat(np.array([a]), np.array([b]))
            if _inside(extent, float(lon6[0]), float(lat6[0])):
                return alt
    return sys


def _lands(system: CoordSystem, a: float, b: float, extent: Extent) -> bool:
    here = _try(system, a, b)
    return here is not None and _inside(extent, *here)


def parse_crs(text: str) -> CRS:
    """A user's ``--crs``: anything pyproj understands (``EPSG:4549``, WKT, PROJ)."""
    try:
        return CRS.from_user_input(text)
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise InvalidInput(f"无法识别的坐标系 (unknown CRS) {text!r}: {exc}") from None


def forced(crs: CRS, *, from_gcj02: bool = False) -> CoordSystem:
    """The system for a CRS the user gave with ``--crs`` (values are not second-guessed)."""
    if crs.is_geographic:
        return CoordSystem("degrees", _datum_of(crs), from_gcj02=from_gcj02, note="--crs")
    return CoordSystem("crs", wkt=crs.to_wkt(), from_gcj02=from_gcj02, note="--crs")


# --- why is a point outside its area? ---------------------------------------------------------

Inside = Callable[[float, float], bool]


def _try(system: CoordSystem, x: float, y: float) -> tuple[float, float] | None:
    try:
        lon, lat = system.to_lonlat(np.array([x]), np.array([y]))
    except Exception:  # pyproj errors for impossible input
        return None
    lo, la = float(lon[0]), float(lat[0])
    if not (math.isfinite(lo) and math.isfinite(la) and abs(lo) <= 180 and abs(la) <= 90):
        return None
    return lo, la


def diagnose(system: CoordSystem, x: float, y: float, inside: Inside) -> str:
    """The likely cause when the file coordinates ``(x, y)`` land outside their area."""
    if system.kind == "gk":
        swapped = _try(replace(system, swapped=not system.swapped), x, y)
        if swapped is not None and inside(*swapped):
            return "；可能原因：坐标轴颠倒 (likely cause: swapped axes — X/Y or northing/easting)"
        e = y if system.swapped else x
        zone = _easting_zone(e)
        if system.zone_in_easting and zone == 0:
            fixed = _try(replace(system, zone_in_easting=True), *(_with_zone(system, x, y)))
            if fixed is not None and inside(*fixed):
                return (
                    f"；可能原因：横坐标缺少带号 {system.zone} (likely cause: missing zone number "
                    f"{system.zone} in the easting {e:.1f})"
                )
        if not system.zone_in_easting and zone != 0:
            return (
                f"；可能原因：横坐标带有带号 {zone}，与文件其他坐标不同 (likely cause: zone number "
                f"{zone} in this easting, unlike the rest of the file)"
            )
    if system.kind == "degrees":
        swapped = _try(replace(system, swapped=not system.swapped), x, y)
        if swapped is not None and inside(*swapped):
            return "；可能原因：经纬度颠倒 (likely cause: swapped axes — latitude and longitude)"
    here = _try(system, x, y)
    if here is None:
        return "；可能原因：坐标系或带号不符 (likely cause: wrong coordinate system or zone)"
    if not system.from_gcj02:
        shifted = gcj02_to_wgs84(*here)
        if inside(*shifted):
            return (
                "；可能原因：坐标为 GCJ-02（高德/腾讯地图坐标），请加 --from-gcj02 "
                "(likely cause: wrong datum — GCJ-02 web-map coordinates; use --from-gcj02)"
            )
    else:
        plain = _try(replace(system, from_gcj02=False), x, y)
        if plain is not None and inside(*plain):
            return (
                "；可能原因：坐标不是 GCJ-02，去掉 --from-gcj02 (likely cause: the coordinates "
                "are not GCJ-02; drop --from-gcj02)"
            )
    if system.kind == "gk" and system.datum == "cgcs2000":
        for datum in ("beijing1954", "xian1980"):
            alt = _try(replace(system, datum=datum), x, y)
            if alt is not None and inside(*alt):
                return (
                    f"；可能原因：基准不符，坐标可能为 {DATUM_NAMES[datum]} (likely cause: wrong "
                    f"datum — the coordinates may be {DATUM_NAMES[datum]}; give --crs)"
                )
    return ""


def _with_zone(system: CoordSystem, x: float, y: float) -> tuple[float, float]:
    offset = system.zone * 1_000_000.0
    return (x, y + offset) if system.swapped else (x + offset, y)


# --- degrees as offices write them -----------------------------------------------------------

_DMS = re.compile(
    r"^\s*([NSEW东西南北]|东经|北纬|西经|南纬)?\s*(\d+(?:\.\d+)?)\s*[°度:]\s*"
    r"(?:(\d+(?:\.\d+)?)\s*['′’分:]?\s*)?(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)?\s*)?"
    r"([NSEW东西南北])?\s*$",
    re.IGNORECASE,
)


def parse_degrees(value: object) -> float | None:
    """Decimal degrees from ``122.12``, ``122°07′12.3″``, ``东经122度7分12.3秒``, ``37:30:00N``.

    ``None`` for blank; ``ValueError`` for text that is not a coordinate.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    m = _DMS.match(text)
    if m is None:
        raise ValueError(f"不是坐标 (not a coordinate): {text!r}")
    deg = float(m.group(2))
    minutes = float(m.group(3) or 0)
    seconds = float(m.group(4) or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"分或秒超过 60 (minutes or seconds ≥ 60): {text!r}")
    sign = (
        -1.0
        if any(
            h and h.upper() in ("S", "W", "西", "南", "西经", "南纬")
            for h in (m.group(1), m.group(5))
        )
        else 1.0
    )
    return sign * (deg + minutes / 60.0 + seconds / 3600.0)


__all__ = [
    "CoordSystem",
    "detect",
    "diagnose",
    "forced",
    "gauss_kruger",
    "parse_crs",
    "parse_degrees",
    "wgs84_to_gcj02",
]
