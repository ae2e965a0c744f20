"""Export -> import into an empty database -> export gives the same data, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyogrio  # before any SpatiaLite connection (see gazetteer/io/__init__.py)
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, func, select

from gazetteer.io import export_layers, import_file
from gazetteer.io.layers import LAYERS
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import tables as t
from tests.conftest import new_database_settings
from tests.datasets.exchange import write_sample


@contextmanager
def fresh_engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    gen = new_database_settings(backend, request, tmp_path)
    settings = next(gen)
    engine = create_engine_from_settings(settings)
    try:
        yield engine
    finally:
        engine.dispose()
        next(gen, None)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _gdal_content(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    out: dict[str, list[tuple[object, ...]]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".gpkg", ".shp"):
            continue
        layers = [n for n, _ in pyogrio.list_layers(path)]
        for layer in layers:
            frame = pyogrio.read_dataframe(path, layer=layer)
            rows: list[tuple[object, ...]] = []
            for rec, geom in zip(
                frame.drop(columns="geometry").to_dict(orient="records"),
                frame.geometry,
                strict=True,
            ):
                clean = tuple(
                    (k, None if v != v else v)  # NaN -> None
                    for k, v in sorted(rec.items())
                )
                rows.append((clean, None if geom is None else geom.wkb))
            out[f"{path.name}:{layer}"] = rows
    return out


def _xlsx_content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _counts(engine: Engine) -> dict[str, int]:
    tables = [
        t.admin_areas,
        t.places,
        t.roads,
        t.compounds,
        t.place_history,
        t.built_up_areas,
        t.facilities,
        t.demand_points,
        t.network_nodes,
        t.network_edges,
    ]
    with engine.connect() as conn:
        return {
            tb.name: int(conn.execute(select(func.count()).select_from(tb)).scalar_one())
            for tb in tables
        }


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp", "xlsx"])
def test_round_trip(
    fmt: str, backend: str, engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Shapefile text fields hold 254 bytes: the round trip is exact for short texts only.
    write_sample(engine, long_text=fmt != "shp")
    first = tmp_path / "first"
    result = export_layers(engine, fmt=fmt, layers=["all"], out=first)
    assert result.counts["places"] == 4
    assert result.counts["network_edges"] == 2
    source = first if fmt in ("shp", "geojson", "csv") else result.files[0]
    with fresh_engine(backend, request, tmp_path / "db2") as other:
        report = import_file(other, source, fmt=fmt)
        assert not report.errors
        assert report.written["places"] == 4
        assert _counts(other) == _counts(engine)
        second = tmp_path / "second"
        result2 = export_layers(other, fmt=fmt, layers=["all"], out=second)
        # ids are kept, so new rows continue after them on both backends
        with other.begin() as conn:
            from shapely.geometry import Point

            from gazetteer.model import Place
            from gazetteer.storage import repository as repo

            new_id = repo.insert_place(
                conn, Place("新地名", "22200", "371002001000", Point(122.12, 37.5))
            )
        assert new_id == 8
    if fmt in ("geojson", "csv"):
        assert _files(first) == _files(second)  # byte-identical
    elif fmt in ("gpkg", "shp"):
        content = _gdal_content(first)
        assert content and content == _gdal_content(second)
    else:
        assert _xlsx_content(result.files[0]) == _xlsx_content(result2.files[0])


def test_geojson_is_rfc7946_and_deterministic(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    a = export_layers(engine, fmt="geojson", layers=["places"], out=tmp_path / "a.geojson")
    b = export_layers(engine, fmt="geojson", layers=["places"], out=tmp_path / "b.geojson")
    assert a.files[0].read_bytes() == b.files[0].read_bytes()
    doc = json.loads(a.files[0].read_text(encoding="utf-8"))
    assert "crs" not in doc  # RFC 7946: CRS84 implied
    first = doc["features"][0]
    lon, lat = first["geometry"]["coordinates"]
    assert (lon, lat) == (122.1201234567891, 37.5012345678901)  # lon first, every digit
    assert first["properties"]["category_name"] == "社区居民委员会"
    assert first["properties"]["admin_path"] == "威海市/环翠区/环翠楼街道/古北社区居委会"
    assert json.loads(first["properties"]["other_names"]) == ["古北居委会", "北门外"]
    # GDAL reads it as a real client
    frame = pyogrio.read_dataframe(a.files[0])
    assert len(frame) == 4 and frame.crs.to_epsg() == 4326


def test_gis_exports_are_readable_by_gdal(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    gpkg = export_layers(engine, fmt="gpkg", layers=["all"], out=tmp_path / "g.gpkg").files[0]
    names = {n for n, _ in pyogrio.list_layers(gpkg)}
    assert names == {s.name for s in LAYERS}
    for name in names:
        assert pyogrio.read_info(gpkg, layer=name)["crs"] == "EPSG:4490"
    places = pyogrio.read_dataframe(gpkg, layer="places")
    assert list(places["name"]) == ["古北社区", "文化中路", "长会口小区", "北门外"]
    assert places.loc[0, "origin"].startswith("威海卫")

    shp = export_layers(engine, fmt="shp", layers=["places", "facilities"], out=tmp_path / "s")
    shp_names = sorted(p.name for p in shp.files)
    assert shp_names == [
        "facilities.shp",
        "places_line.shp",
        "places_point.shp",
        "places_polygon.shp",
    ]
    for path in shp.files:
        assert path.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
        info = pyogrio.read_info(path)
        assert all(len(f) <= 10 for f in info["fields"])
    points = pyogrio.read_dataframe(tmp_path / "s" / "places_point.shp")
    assert set(points["name"]) == {"古北社区", "北门外"}
    assert "cat_code" in points.columns and "census_st" in points.columns


def sample_workbook(engine: Engine, out: Path, layers: list[str]) -> tuple[Workbook, Worksheet]:
    """The sample data's ``layers`` exported to Excel, and the 地名成果表 sheet in it."""
    write_sample(engine)
    wb = load_workbook(export_layers(engine, fmt="xlsx", layers=layers, out=out).files[0])
    return wb, wb["地名成果表"]


def sheet_header(ws: Worksheet) -> list[Any]:
    """The values of the header row of ``ws``."""
    return [c.value for c in ws[1]]


def test_xlsx_result_table_is_readable_by_staff(engine: Engine, tmp_path: Path) -> None:
    ws = sample_workbook(engine, tmp_path / "r.xlsx", ["places"])[1]
    header = sheet_header(ws)
    for zh in ("标准名称", "专名", "通名", "罗马字母拼写", "类别名称", "含义", "由来", "普查状态"):
        assert zh in header
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 8
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["标准名称"] == "古北社区"
    assert row["普查状态"] == "新增"
    assert row["曾用名及别名"] == "古北居委会、北门外"
    assert ws.max_row == 5  # header + one row per name


def test_machine_csv_is_utf8_with_wkt_and_lonlat(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    out = export_layers(
        engine,
        fmt="csv",
        layers=["facilities"],
        out=tmp_path / "f.csv",
        headers="en",
        bom=False,
    )
    raw = out.files[0].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").splitlines()
    assert lines[0].endswith(",wkt,lon,lat")
    assert "POINT (122.115 37.505)" in lines[1]
