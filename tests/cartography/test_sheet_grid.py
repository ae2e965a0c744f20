"""The 1:50,000 sheet grid (GB/T 13989): numbering, parsing, and the real Weihai boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from gazetteer.cartography.sheet_grid import MapSheet, sheet_at, sheet_from_code, sheets_touching
from gazetteer.errors import InvalidInput


def _city(weihai_data: Path) -> BaseGeometry:
    data = json.loads((weihai_data / "weihai_boundaries_wgs84.geojson").read_text("utf-8"))
    city = next(f for f in data["features"] if f["properties"]["code"] == "371000000000")
    return shape(city["geometry"])


def test_number_of_a_known_point() -> None:
    # Weihai city centre 122.12E 37.51N: 1:1M sheet J51 (36-40N, 120-126E);
    # row from the north: (40 - 37.5167)/(10') -> 15th row; column (122.12-120)/(15') -> 9th.
    sheet = sheet_at(122.12, 37.51)
    assert sheet.million_sheet == "J51"
    assert sheet.code == "J51E015009"
    assert sheet.bounds == (122.0, 37.5, 122.25, 37.0 + 4 / 6)


def test_corners_of_a_million_sheet() -> None:
    assert sheet_at(120.0, 39.99).code == "J51E001001"  # north-west corner
    assert sheet_at(125.99, 36.0).code == "J51E024024"  # south-east corner
    assert sheet_at(116.39, 39.91).code == "J50E001010"  # Beijing (114-120E, 36-40N)
    assert sheet_at(121.47, 31.23).code == "H51E005006"  # Shanghai (120-126E, 28-32N)


def test_edges_belong_to_the_sheet_north_east() -> None:
    assert sheet_at(122.25, 37.5) == MapSheet(37 * 6 + 3, 122 * 4 + 1)


@pytest.mark.parametrize("code", ["J51E015009", "J51E001001", "J51E024024", "H51E005006"])
def test_code_round_trip(code: str) -> None:
    sheet = sheet_from_code(code)
    assert sheet.code == code
    assert sheet_from_code(code.lower()) == sheet


@pytest.mark.parametrize("bad", ["", "J51", "J51F015009", "J51E025001", "J51E000001", "J99E001001"])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="图幅编号"):
        sheet_from_code(bad)


def test_points_outside_the_grid_are_refused() -> None:
    with pytest.raises(InvalidInput):
        sheet_at(-10.0, 37.0)


def test_neighbours() -> None:
    sheet = sheet_from_code("J51E015009")
    n = sheet.neighbours()
    assert n["N"].code == "J51E014009"
    assert n["S"].code == "J51E016009"
    assert n["E"].code == "J51E015010"
    assert n["W"].code == "J51E015008"
    assert n["NE"].code == "J51E014010"
    # Across the edge of the 1:1M sheet: north of row 001 is the K band's row 024.
    assert sheet_from_code("J51E001005").neighbours()["N"].code == "K51E024005"
    assert sheet_from_code("J51E010024").neighbours()["E"].code == "J52E010001"


def test_sheet_set_of_a_box_ignores_shared_edges() -> None:
    # Exactly one sheet: the box equals the sheet, so neighbours only touch its border.
    assert [s.code for s in sheets_touching(box(122.0, 37.5, 122.25, 37.0 + 4 / 6))] == [
        "J51E015009"
    ]
    two = sheets_touching(box(122.1, 37.55, 122.3, 37.6))
    assert [s.code for s in two] == ["J51E015009", "J51E015010"]


def test_real_weihai_boundary_touches_29_sheets(weihai_data: Path) -> None:
    city = _city(weihai_data)
    sheets = sheets_touching(city)
    codes = [s.code for s in sheets]
    assert len(codes) == 29
    assert len(set(codes)) == 29
    assert all(c.startswith("J51E") for c in codes)
    # the city centre, the eastern tip (Chengshan 122.7E 37.4N) and Rushan in the south-west
    assert "J51E015009" in codes
    assert sheet_at(122.69, 37.39).code in codes
    assert sheet_at(121.5, 36.9).code in codes
    # every sheet really shares area with the city, and together they cover it
    for s in sheets:
        assert s.polygon().intersection(city).area > 0
    union = sheets[0].polygon()
    for s in sheets[1:]:
        union = union.union(s.polygon())
    assert union.contains(city)


def test_islands_count(weihai_data: Path) -> None:
    city = _city(weihai_data)
    largest = max(city.geoms, key=lambda g: g.area)
    assert len(sheets_touching(largest)) < len(sheets_touching(city))
