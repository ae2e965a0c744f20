"""Conversions between shapely geometries and stored geometries (CGCS2000, EPSG:4490)."""

from __future__ import annotations

from typing import Any

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry

from gazetteer.types import SRID


def to_db(geometry: BaseGeometry | None) -> WKBElement | None:
    """A stored-geometry value for insert/update (None stays None)."""
    if geometry is None:
        return None
    return from_shape(geometry, srid=SRID, extended=True)


def from_db(value: Any) -> BaseGeometry | None:
    """A shapely geometry from a stored value (WKBElement, bytes or None)."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = WKBElement(bytes(value), srid=SRID)
    return to_shape(value)
