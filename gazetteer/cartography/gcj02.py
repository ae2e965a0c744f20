"""Explicit conversion between WGS84/CGCS2000 and GCJ-02 (the offset "Mars" system).

Many Chinese web-map tile providers (Amap/Gaode, Tencent, older Google China tiles) draw
their maps in GCJ-02, an obfuscated datum shifted by a few hundred metres (about 500 m in
Weihai). The gazetteer stores CGCS2000, which equals WGS84 to well under a metre for this
purpose; data shown on a GCJ-02 tile layer must be shifted with :func:`wgs84_to_gcj02`.
Nothing in the gazetteer converts silently: callers ask for it by name.

The forward transform is the widely published one (Krasovsky 1940 ellipsoid constants);
the inverse is found by fixed-point iteration to better than 1e-7° (about 1 cm). Outside
mainland China's bounding box the transform is the identity, as the providers do.

The same formulas are ported to JavaScript in ``maps/assets/gazetteer.js`` (for a Leaflet
CRS that shows CGCS2000 data on GCJ-02 tiles); a browser test compares the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # eccentricity squared


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the rectangle where providers apply the offset."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def offset_deg(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 shift (d_lon, d_lat) in degrees at a WGS84 point."""
    if out_of_china(lon, lat):
        return 0.0, 0.0
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84/CGCS2000 longitude/latitude -> GCJ-02 longitude/latitude."""
    d_lon, d_lat = offset_deg(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance_deg: float = 1e-9) -> tuple[float, float]:
    """GCJ-02 -> WGS84/CGCS2000 by fixed-point iteration (converges in a few steps)."""
    w_lon, w_lat = lon, lat
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon -= e_lon
        w_lat -= e_lat
        if abs(e_lon) < tolerance_deg and abs(e_lat) < tolerance_deg:
            break
    return w_lon, w_lat


def _coords_op(
    fn: Callable[[float, float], tuple[float, float]],
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Apply a point conversion to an (N, 2) coordinate array (for ``shapely.transform``)."""

    def op(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty_like(coords)
        for i, (x, y) in enumerate(coords):
            out[i] = fn(float(x), float(y))
        return out

    return op


def geometry_to_gcj02(geometry: BaseGeometry) -> BaseGeometry:
    """A copy of a lon/lat geometry with every vertex shifted to GCJ-02."""
    result: BaseGeometry = shapely.transform(geometry, _coords_op(wgs84_to_gcj02))
    return result


def geometry_from_gcj02(geometry: BaseGeometry) -> BaseGeometry:
    """A copy of a GCJ-02 geometry with every vertex shifted back to WGS84/CGCS2000."""
    result: BaseGeometry = shapely.transform(geometry, _coords_op(gcj02_to_wgs84))
    return result


__all__ = [
    "gcj02_to_wgs84",
    "geometry_from_gcj02",
    "geometry_to_gcj02",
    "offset_deg",
    "out_of_china",
    "wgs84_to_gcj02",
]
