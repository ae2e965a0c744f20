"""Shared parsing of geographic request parameters (bounding boxes) into checked values."""

from __future__ import annotations

import math

from gazetteer.errors import InvalidInput

BBox = tuple[float, float, float, float]


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
