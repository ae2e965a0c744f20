"""WGS84/CGCS2000 <-> GCJ-02, checked against provider coordinates of real Weihai points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import LineString, Polygon

from gazetteer.cartography.gcj02 import (
    gcj02_to_wgs84,
    geometry_from_gcj02,
    geometry_to_gcj02,
    offset_deg,
    out_of_china,
    wgs84_to_gcj02,
)


def test_matches_amap_coordinates_of_real_points(weihai_data: Path) -> None:
    data = json.loads((weihai_data / "weihai_points.geojson").read_text("utf-8"))
    assert len(data["features"]) > 200
    for f in data["features"]:
        lon, lat = f["geometry"]["coordinates"]
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        # the reference values are rounded to 6 decimals
        assert g_lon == pytest.approx(f["properties"]["lon_gcj02"], abs=2e-6)
        assert g_lat == pytest.approx(f["properties"]["lat_gcj02"], abs=2e-6)


def test_offset_in_weihai_is_a_few_hundred_metres() -> None:
    d_lon, d_lat = offset_deg(122.12, 37.51)
    assert 0.003 < d_lon < 0.007
    assert 0.0005 < d_lat < 0.002


def test_inverse_round_trip() -> None:
    for lon, lat in [(122.12, 37.51), (121.5, 36.9), (116.39, 39.91), (113.3, 23.1)]:
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
        assert back == pytest.approx((lon, lat), abs=1e-8)


def test_identity_outside_china() -> None:
    assert out_of_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert not out_of_china(122.1, 37.5)


def test_geometries_shift_every_vertex_and_come_back() -> None:
    line = LineString([(122.0, 37.0), (122.1, 37.1), (122.2, 37.05)])
    shifted = geometry_to_gcj02(line)
    assert shifted.coords[1] == pytest.approx(wgs84_to_gcj02(122.1, 37.1))
    assert geometry_from_gcj02(shifted).equals_exact(line, 1e-8)
    poly = Polygon([(122.0, 37.0), (122.1, 37.0), (122.1, 37.1)])
    assert not geometry_to_gcj02(poly).equals_exact(poly, 1e-4)
