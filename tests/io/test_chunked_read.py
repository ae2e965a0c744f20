"""A large shapefile or GeoPackage layer imported into PostgreSQL is read a chunk at a
time while its first rows are written: the chunks hold exactly the rows, values,
geometries, coordinate system and notes of a whole read, and the import stores the same
places -- or nothing, with the right row number, when a late row is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, func, select

from gazetteer.errors import ImportFailed
from gazetteer.io import chunks as chunked_read
from gazetteer.io import import_file
from gazetteer.io import read as rd
from gazetteer.io.importer import validators
from gazetteer.io.layers import PLACES
from gazetteer.storage import bulk
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from tests.datasets.exchange import admin_areas
from tests.io import office_files
from tests.io.test_round_trip import fresh_engine

N = 730  # 8 chunks of 100, the last one short
CHUNK = 100


def _frame(*, ids: bool = False, bad_row: int | None = None) -> gpd.GeoDataFrame:
    """``N`` census records (the office files' six, repeated with their own codes and
    names), CGCS2000, no id column unless ``ids``; ``bad_row`` (from 0) names an unknown
    area."""
    base = office_files.source_frame()
    rows: list[dict[str, Any]] = []
    geoms = []
    for i in range(N):
        rec = base.iloc[i % len(base)].to_dict()
        point = rec.pop("geometry")
        rec["code"] = f"{rec['code'][:12]}{i:08d}"
        rec["name"] = f"{rec['specific']}{i}{rec['generic']}"
        rec["specific"] = f"{rec['specific']}{i}"
        if i == bad_row:
            rec["admin_code"] = "999999999999"
        if not ids:
            rec.pop("id")
        else:
            rec["id"] = 9000 + i
        offset = (i % 13) * 1e-5
        geoms.append(Point(point.x + offset, point.y - offset))
        rec["lon"], rec["lat"] = point.x + offset, point.y - offset
        rows.append(rec)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4490")


def gbk_shapefile(folder: Path, frame: gpd.GeoDataFrame) -> Path:
    path = folder / "普查成果.shp"
    pyogrio.write_dataframe(
        frame.rename(columns=office_files.SHP_NAMES),
        path,
        driver="ESRI Shapefile",
        encoding="GBK",
    )
    path.with_suffix(".cpg").unlink()
    return path


def geopackage(folder: Path, frame: gpd.GeoDataFrame) -> Path:
    path = folder / "普查成果.gpkg"
    pyogrio.write_dataframe(frame, path, layer="places", driver="GPKG")
    return path


def gauss_krueger_shapefile(folder: Path, frame: gpd.GeoDataFrame) -> Path:
    """CGCS2000 3° zone 41 eastings with the zone number (EPSG:4529), lon/lat dropped."""
    projected = frame.to_crs("EPSG:4529").drop(columns=["lon", "lat"])
    path = folder / "gk.shp"
    pyogrio.write_dataframe(
        projected.rename(columns=office_files.SHP_NAMES), path, driver="ESRI Shapefile"
    )
    return path


DELETED = (3, 250)  # records marked deleted: in the first chunk and a later one


def shapefile_with_deleted_records(folder: Path, frame: gpd.GeoDataFrame) -> Path:
    """A GBK shapefile edited without packing: records flagged deleted in the .dbf (a
    whole read skips them; GDAL's skip_features would count them)."""
    path = gbk_shapefile(folder, frame)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    header, record = (int.from_bytes(data[a : a + 2], "little") for a in (8, 10))
    for i in DELETED:
        data[header + i * record] = ord("*")
    dbf.write_bytes(bytes(data))
    return path


WRITERS: dict[str, Callable[[Path, gpd.GeoDataFrame], Path]] = {
    "gbk_shapefile": gbk_shapefile,
    "geopackage": geopackage,
    "gauss_krueger_shapefile": gauss_krueger_shapefile,
    "shapefile_with_deleted_records": shapefile_with_deleted_records,
}


def _key(row: rd.SourceRow) -> tuple[Any, ...]:
    g = row.geometry
    return (
        row.row,
        row.values,
        None if g is None else g.wkb,
        row.geometry_error,
        row.source,
        row.problems,
        row.hint is None,
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rd, "CHUNK_ROWS", CHUNK)


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_chunks_hold_the_rows_of_a_whole_read(
    kind: str, tmp_path: Path, small_chunks: None
) -> None:
    path = WRITERS[kind](tmp_path, _frame())
    fmt = path.suffix[1:]
    n = N - len(DELETED) if "deleted" in kind else N
    whole = rd.read_layer(path, fmt, PLACES)
    chunked = rd.read_layer(path, fmt, PLACES, chunked_from=N // 2)
    assert isinstance(whole.rows, list) and len(whole.rows) == n
    assert isinstance(chunked.rows, rd.RowChunks) and len(chunked.rows) == n
    blocks = list(chunked.rows.chunks)
    assert [len(b) for b in blocks] == [CHUNK] * (n // CHUNK) + [n % CHUNK]
    assert [_key(r) for b in blocks for r in b] == [_key(r) for r in whole.rows]
    codes = [r.values["code"] for b in blocks for r in b]
    assert len(set(codes)) == n  # no feature twice
    assert chunked.notes == whole.notes
    assert any("坐标 (coordinates)" in note for note in chunked.notes)


def test_small_layers_and_layers_with_ids_are_read_whole(
    tmp_path: Path, small_chunks: None
) -> None:
    small = gbk_shapefile(tmp_path, _frame())
    assert isinstance(rd.read_layer(small, "shp", PLACES, chunked_from=N + 1).rows, list)
    folder = tmp_path / "ids"
    folder.mkdir()
    with_ids = geopackage(folder, _frame(ids=True))
    assert isinstance(rd.read_layer(with_ids, "gpkg", PLACES, chunked_from=10).rows, list)


def _prepare(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(conn, admin_areas())


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    p = t.places.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                p.code, p.name, p.specific, p.category_code, p.admin_code, p.origin,
                p.pinyin_key, func.ST_AsText(p.geom),
            ).order_by(p.id)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]


def test_chunked_import_stores_what_a_whole_read_stores(
    backend: str,
    engine: Engine,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL the GBK shapefile is read in chunks while the writer thread copies
    the first ones (SQLite reads it whole); the places equal those of a whole read, and a
    refused row in the last chunk stores nothing and is reported at its feature number."""
    monkeypatch.setattr(bulk, "DEFER_MIN", N // 2)
    monkeypatch.setattr(validators, "FLUSH_EVERY", CHUNK)
    used: list[bool] = []
    original = chunked_read.table_chunks

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(rd, "table_chunks", spy)
    path = gbk_shapefile(tmp_path, _frame())
    _prepare(engine)
    report = import_file(engine, path)
    assert report.written == {"places": N}
    assert used == ([True] if backend == "postgis" else [])
    got = _stored(engine)
    with monkeypatch.context() as whole, fresh_engine(backend, request, tmp_path / "w") as other:
        whole.setattr(rd, "_read_chunked", lambda *a, **k: None)
        _prepare(other)
        assert import_file(other, path).written == {"places": N}
        assert _stored(other) == got

    bad = tmp_path / "bad"
    bad.mkdir()
    bad_path = gbk_shapefile(bad, _frame(bad_row=N - 3))
    with fresh_engine(backend, request, tmp_path / "refused") as third:
        _prepare(third)
        with pytest.raises(ImportFailed) as caught:
            import_file(third, bad_path)
        assert [(d["row"], d["field"]) for d in caught.value.details] == [(N - 2, "admin_code")]
        with third.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == 0
    assert used == ([True, True] if backend == "postgis" else [])
