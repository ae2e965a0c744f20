"""The library's parsers without a database: datetime, CRS, CQL2 (text and JSON) and the
SQL it compiles to on both dialects."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_mock_engine

from gazetteer.errors import InvalidInput
from gazetteer.ogc import cql2
from gazetteer.ogc import crs as crsmod
from gazetteer.ogc import features as ft
from gazetteer.ogc.query import parse_datetime

PG = create_mock_engine("postgresql+psycopg://", lambda *a, **k: None).dialect
SQLITE = create_mock_engine("sqlite://", lambda *a, **k: None).dialect


def test_datetime_instants_intervals_and_open_ends() -> None:
    assert parse_datetime("2018-02-12T23:20:50Z") == (datetime(2018, 2, 12, 23, 20, 50),) * 2
    lo, hi = parse_datetime("2018-02-12")
    assert lo == datetime(2018, 2, 12) and hi is not None and hi.date() == lo.date()
    assert parse_datetime("2018-02-12T08:00:00+08:00/..") == (datetime(2018, 2, 12), None)
    assert parse_datetime("/2000-01-01T00:00:00Z") == (None, datetime(2000, 1, 1))
    for bad in ("../..", "2001-01-01/2000-01-01", "2000-01-01T00:00:00", "x", "/"):
        with pytest.raises(InvalidInput):
            parse_datetime(bad)


def test_crs_names_and_axis_order() -> None:
    assert crsmod.parse_crs("[EPSG:4326]").epsg == 4326
    assert crsmod.parse_crs("EPSG:4550").epsg == 4550
    assert crsmod.parse_crs(crsmod.CRS84).is_crs84
    with pytest.raises(InvalidInput, match="unsupported crs"):
        crsmod.parse_crs("EPSG:3857")
    text = '{"type":"Point","coordinates":[122.1,37.5]}'
    latlon = crsmod.transform_geojson(text, crsmod.parse_crs("EPSG:4490"))
    assert latlon == '{"type":"Point","coordinates":[37.5,122.1]}'
    box = crsmod.bbox_to_crs84((37.4, 122.0, 37.6, 122.2), crsmod.parse_crs("EPSG:4326"))
    assert box == pytest.approx((122.0, 37.4, 122.2, 37.6))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("name LIKE '威海%' AND S_INTERSECTS(geometry, BBOX(122,37,122.5,37.6))", None),
        ("S_DWITHIN(geometry, POINT(122.1 37.5), 500, meters) AND status = 'current'", None),
        ("T_INTERSECTS(established, INTERVAL('1990-01-01','..'))", "cql2-text"),
        ("category_code IN ('23510','22200') OR established_year BETWEEN 1950 AND 1960", None),
        (
            '{"op":"s_within","args":[{"property":"geometry"},{"bbox":[122,37,123,38]}]}',
            "cql2-json",
        ),
        ('{"op":"t_before","args":[{"property":"abolished"},{"date":"2000-01-01"}]}', "cql2-json"),
    ],
)
def test_filters_compile_on_both_dialects(text: str, lang: str | None) -> None:
    cond = cql2.compile_filter(ft.get_collection("places"), text, lang)
    for dialect in (SQLITE, PG):
        sql = str(cond.compile(dialect=dialect))
        assert sql


def test_spatial_sql_per_dialect() -> None:
    cond = cql2.compile_filter(
        ft.get_collection("facilities"), "S_DWITHIN(geometry, POINT(122 37), 10, meters)", None
    )
    assert "ST_DWithin" in str(cond.compile(dialect=PG))
    assert "ST_Distance" in str(cond.compile(dialect=SQLITE))
