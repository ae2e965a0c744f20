"""Coordinate reference systems of OGC API – Features Part 2: ``crs`` for the output,
``bbox-crs`` for the ``bbox`` parameter, ``Content-Crs`` for the answer.

Data is stored in CGCS2000 longitude/latitude (EPSG:4490), which is CRS84 for every
practical purpose (CGCS2000 and WGS 84 differ by centimetres). The offered CRSs:

===============================================  ==========================================
URI                                              axis order of the coordinates written
===============================================  ==========================================
``…/OGC/1.3/CRS84``                              longitude, latitude (the default)
``…/EPSG/0/4490`` CGCS2000                       **latitude, longitude** (as EPSG defines it)
``…/EPSG/0/4326`` WGS 84                         **latitude, longitude**
``…/EPSG/0/4550`` CGCS2000 / 3° GK CM 123E       northing (X), easting (Y), metres
===============================================  ==========================================

Weihai lies between 121.5°E and 122.7°E: inside the 3-degree Gauss–Krüger zone whose
central meridian is 123°E (zone 41, 121.5–124.5°E), EPSG:4550 (EPSG:4549 is CM 120E, west
of 121.5°E). Coordinates are transformed in Python with pyproj on the GeoJSON the database
wrote, so both backends give the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from pyproj import Transformer
from shapely import segmentize, transform
from shapely.geometry.base import BaseGeometry

from gazetteer.errors import InvalidInput
from gazetteer.types import BBox, check_lon_lat

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True, slots=True)
class Crs:
    uri: str
    epsg: int | None  # None for CRS84
    title: str
    digits: int  # decimal places written

    @property
    def is_crs84(self) -> bool:
        return self.epsg is None


SUPPORTED: tuple[Crs, ...] = (
    Crs(CRS84, None, "CRS84 经度、纬度 lon/lat", 9),
    Crs(EPSG + "4490", 4490, "CGCS2000 纬度、经度 lat/lon", 9),
    Crs(EPSG + "4326", 4326, "WGS 84 纬度、经度 lat/lon", 9),
    Crs(EPSG + "4550", 4550, "CGCS2000 3度带高斯-克吕格 CM 123E, N/E 米", 3),
)
DEFAULT = SUPPORTED[0]
STORAGE_CRS = SUPPORTED[1].uri
URIS: tuple[str, ...] = tuple(c.uri for c in SUPPORTED)
_ALIASES = {"EPSG:4490": 4490, "EPSG:4326": 4326, "EPSG:4550": 4550, "CRS84": None}


def parse_crs(raw: str, name: str = "crs") -> Crs:
    """One of :data:`SUPPORTED`, from its URI (``[EPSG:4326]`` safe CURIEs and
    ``EPSG:4326`` accepted too); anything else is an :class:`InvalidInput`."""
    s = raw.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    for c in SUPPORTED:
        if s == c.uri:
            return c
    if s.upper() in _ALIASES:
        epsg = _ALIASES[s.upper()]
        return next(c for c in SUPPORTED if c.epsg == epsg)
    raise InvalidInput(
        f"不支持的坐标参考系 (unsupported {name}): {raw[:80]!r}; supported: {', '.join(URIS)}"
    )


@cache
def _to(epsg: int) -> Transformer:
    """CRS84 (lon, lat) → ``epsg`` in that CRS's own axis order."""
    return Transformer.from_crs("OGC:CRS84", f"EPSG:{epsg}", always_xy=False)


@cache
def _from(epsg: int) -> Transformer:
    """``epsg`` (its own axis order) → CRS84 (lon, lat)."""
    return Transformer.from_crs(f"EPSG:{epsg}", "OGC:CRS84", always_xy=False)


def _map_coords(coords: Any, fn: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return fn(coords)
    return [_map_coords(c, fn) for c in coords]


def _geometry(g: dict[str, Any], crs: Crs) -> dict[str, Any]:
    if g.get("type") == "GeometryCollection":
        return {**g, "geometries": [_geometry(x, crs) for x in g["geometries"]]}
    assert crs.epsg is not None
    tr = _to(crs.epsg)
    digits = crs.digits

    def one(xy: list[float]) -> list[float]:
        a, b = tr.transform(xy[0], xy[1])
        return [round(float(a), digits), round(float(b), digits)]

    return {**g, "coordinates": _map_coords(g["coordinates"], one)}


def transform_geojson(text: str | None, crs: Crs) -> str | None:
    """GeoJSON geometry text in CRS84 as text in ``crs`` (coordinates in its axis order)."""
    if text is None or crs.is_crs84:
        return text
    return json.dumps(_geometry(json.loads(text), crs), separators=(",", ":"))


def geometry_to_crs84(g: BaseGeometry, crs: Crs) -> BaseGeometry:
    """A geometry given in ``crs`` (its axis order: ``filter-crs`` literals) in CRS84.
    Projected coordinates are densified first (edges every 500 m) so that a long
    straight edge stays near its curved image; coordinates outside the CRS's area come
    back as inf and are refused by the caller."""
    if crs.is_crs84:
        return g
    assert crs.epsg is not None
    tr = _from(crs.epsg)
    if crs.epsg == 4550:
        g = segmentize(g, 500.0)

    def coords(a: Any, b: Any) -> Any:
        return np.array(tr.transform(a, b))

    out: BaseGeometry = transform(g, coords, interleaved=False)
    return out


def bbox_to_crs84(bbox: tuple[float, ...], crs: Crs) -> BBox:
    """A ``bbox`` given in ``crs`` (its axis order: lat/lon boxes are
    ``minlat,minlon,maxlat,maxlon``) as a CRS84 box, densified along its edges."""
    if len(bbox) != 4:
        raise InvalidInput("bbox 需要4个数 (bbox needs 4 numbers; 6 for 3D is not supported)")
    if crs.is_crs84:
        return (bbox[0], bbox[1], bbox[2], bbox[3])
    assert crs.epsg is not None
    a1, b1, a2, b2 = bbox
    if a1 > a2 or b1 > b2:
        raise InvalidInput(f"bbox 的最小值大于最大值 (bbox minimum above maximum): {bbox}")
    tr = _from(crs.epsg)
    n = 8
    xs: list[float] = []
    ys: list[float] = []
    for i in range(n + 1):
        f = i / n
        for a, b in (
            (a1 + f * (a2 - a1), b1),
            (a1 + f * (a2 - a1), b2),
            (a1, b1 + f * (b2 - b1)),
            (a2, b1 + f * (b2 - b1)),
        ):
            lon, lat = tr.transform(a, b)
            xs.append(float(lon))
            ys.append(float(lat))
    out = (min(xs), min(ys), max(xs), max(ys))
    for lon, lat in ((out[0], out[1]), (out[2], out[3])):
        check_lon_lat(lon, lat)
    return out


__all__ = [
    "CRS84",
    "DEFAULT",
    "STORAGE_CRS",
    "SUPPORTED",
    "URIS",
    "Crs",
    "bbox_to_crs84",
    "geometry_to_crs84",
    "parse_crs",
    "transform_geojson",
]
