"""Files as offices hold them import to the same records as the GeoPackage they were
made from, on both backends; damaged and mis-encoded files are refused by row."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Engine, func, select

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.io import import_file
from gazetteer.io.layers import PLACES
from gazetteer.io.records import read_layer
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from tests.datasets.exchange import admin_areas
from tests.io import office_files
from tests.io.test_round_trip import fresh_engine

TOLERANCE_DEG = 1e-7  # about 1 cm: Gauss–Krüger and GCJ-02 round trips


def _admin(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(conn, admin_areas())


def _places(engine: Engine) -> list[tuple[dict[str, Any], tuple[float, float]]]:
    with engine.connect() as conn:
        data = read_layer(conn, PLACES)
    out = []
    for rec in data.records:
        g = rec.geometry
        assert g is not None and g.geom_type == "Point"
        out.append((rec.values, (g.x, g.y)))
    return out


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.places)).scalar_one())


def _same(
    got: list[tuple[dict[str, Any], tuple[float, float]]],
    want: list[tuple[dict[str, Any], tuple[float, float]]],
) -> None:
    assert len(got) == len(want)
    for (gv, gxy), (wv, wxy) in zip(got, want, strict=True):
        for key in ("lon", "lat"):
            assert math.isclose(gv.pop(key), wv.pop(key), abs_tol=TOLERANCE_DEG), key
        assert gv == wv
        assert math.dist(gxy, wxy) <= TOLERANCE_DEG


@pytest.mark.parametrize("kind", sorted(office_files.BUILDERS))
def test_office_file_imports_like_its_geopackage(
    kind: str, backend: str, engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    rare = kind == "gb18030_shapefile"
    _admin(engine)
    report = import_file(engine, office_files.write_gpkg(tmp_path, rare=rare))
    assert report.written == {"places": 6}
    want = _places(engine)
    assert want[2][0]["origin"].endswith(f"{office_files.RARE}石") == rare
    folder = tmp_path / kind
    folder.mkdir()
    path, options = office_files.BUILDERS[kind](folder)
    with fresh_engine(backend, request, tmp_path / "db2") as other:
        _admin(other)
        report = import_file(other, path, **options)
        assert report.written == {"places": 6}, report.notes
        _same(_places(other), want)


def test_census_workbook_dry_run_says_how_columns_were_mapped(
    engine: Engine, tmp_path: Path
) -> None:
    _admin(engine)
    path, _ = office_files.census_workbook(tmp_path)
    report = import_file(engine, path, dry_run=True)
    assert report.written == {"places": 6} and _count(engine) == 0
    notes = "\n".join(report.notes)
    assert "类别 → category (普查字段表 census table)" in notes
    assert "所在政区 → admin (普查字段表 census table)" in notes
    assert "东经 → lon" in notes and "北纬 → lat" in notes
    assert "序号 → 忽略 ignored" in notes


def test_gk_shapefile_notes_say_the_prj_was_corrected(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    path, options = office_files.gk_shapefile_bare_prj(tmp_path)
    report = import_file(engine, path, dry_run=True, **options)
    notes = "\n".join(report.notes)
    assert "zone 21" in notes and "does not fit the values" in notes
    assert "encoding utf-8 (.cpg)" in notes


# --- refused: nothing stored, the row named -------------------------------------------------


def _refused(engine: Engine, path: Path, **options: Any) -> dict[str, Any]:
    before = _count(engine)
    with pytest.raises(ImportFailed) as info:
        import_file(engine, path, **options)
    assert _count(engine) == before
    details = info.value.details
    assert isinstance(details, list) and details
    return dict(details[0])


def test_gbk_csv_with_a_damaged_byte_is_refused_at_its_row(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    path, options = office_files.gk_with_zone(tmp_path)
    data = bytearray(path.read_bytes())
    lines = data.split(b"\n")
    offset = sum(len(x) + 1 for x in lines[:4]) + lines[4].index(b",") + 1  # row 5, 2nd cell
    data[offset : offset + 1] = b"\xff"
    path.write_bytes(bytes(data))
    d = _refused(engine, path, **options)
    assert d["row"] == 5 and d["source"] == path.name
    assert f"byte {offset}" in d["problem"] and "GBK" in d["problem"]


def test_damaged_utf8_csv_is_refused_not_read_as_gbk(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    path, options = office_files.gk_without_zone(tmp_path)
    data = bytearray(path.read_bytes())
    at = data.index("孙家疃".encode())  # the character of row 4 that starts there
    data[at + 1] = 0x41  # its first continuation byte damaged
    path.write_bytes(bytes(data))
    d = _refused(engine, path, **options)
    assert d["row"] == 4 and "UTF-8" in d["problem"] and f"byte {at}" in d["problem"]


def test_wrong_cpg_and_damaged_dbf_are_refused_by_row(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    shp, options = office_files.gbk_shapefile(tmp_path)
    shp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    d = _refused(engine, shp, **options)
    assert d["row"] == 1 and "UTF-8" in d["problem"]
    shp.with_suffix(".cpg").unlink()
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    at = data.index("刘公岛".encode("gbk"))
    data[at + 1] = 0x20  # a lead byte followed by a space: no GBK character
    dbf.write_bytes(bytes(data))
    d = _refused(engine, shp, **options)
    assert d["row"] == 6 and d["field"] == "name" and f"byte {at}" in d["problem"]
    # --encoding does not skip the check
    d = _refused(engine, shp, encoding="gbk", **options)
    assert d["row"] == 6
    # a record flagged deleted is no feature: its bytes are not checked, and the damaged
    # record after it is the reader's feature 5
    header, record = (int.from_bytes(data[a : a + 2], "little") for a in (8, 10))
    data[header + 2 * record] = ord("*")
    data[header + 2 * record + 1 : header + 3 * record] = b"\xff" * (record - 1)
    dbf.write_bytes(bytes(data))
    d = _refused(engine, shp, **options)
    assert d["row"] == 5 and d["field"] == "name" and f"byte {at}" in d["problem"]


def test_points_outside_their_area_name_the_likely_cause(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    path, options = office_files.gk_with_zone(tmp_path)
    lines = path.read_text(encoding="gbk").splitlines()
    header = lines[0].split(",")
    xi, yi = header.index("X坐标"), header.index("Y坐标")
    row3 = lines[2].split(",")
    row3[xi], row3[yi] = row3[yi], row3[xi]  # swapped axes
    lines[2] = ",".join(row3)
    row4 = lines[3].split(",")
    row4[yi] = f"{float(row4[yi]) - 41_000_000:.4f}"  # the zone number left out
    lines[3] = ",".join(row4)
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    with pytest.raises(ImportFailed) as info:
        import_file(engine, path, **options)
    by_row = {d["row"]: d["problem"] for d in info.value.details}
    assert set(by_row) == {3, 4}
    assert "swapped axes" in by_row[3]
    assert "missing zone number 41" in by_row[4]
    assert _count(engine) == 0


def test_diagnosis_names_gcj02_datum_and_a_wrong_flag() -> None:
    import numpy as np

    from gazetteer.cartography.gcj02 import wgs84_to_gcj02
    from gazetteer.io import crs

    area = (122.0, 37.4, 122.003, 37.6)  # strict: a 300 m wide strip

    def inside(lon: float, lat: float) -> bool:
        return area[0] <= lon <= area[2] and area[1] <= lat <= area[3]

    degrees = crs.detect(
        np.array([122.0]), np.array([37.5]), declared=None, extent=(121, 36.5, 123, 37.9)
    )
    gx, gy = wgs84_to_gcj02(122.0015, 37.5)
    assert "--from-gcj02" in crs.diagnose(degrees, gx, gy, inside)
    flagged = crs.CoordSystem("degrees", from_gcj02=True)
    assert "drop --from-gcj02" in crs.diagnose(flagged, 122.0015, 37.5, inside)
    assert "swapped axes" in crs.diagnose(degrees, 37.5, 122.0015, inside)
    assert crs.diagnose(degrees, 100.0, 30.0, inside) == ""


def test_bad_archives_and_workbooks_are_clear_errors(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    bad_zip = tmp_path / "data.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InvalidInput, match="zip"):
        import_file(engine, bad_zip)
    bad_xlsx = tmp_path / "成果表.xlsx"
    bad_xlsx.write_bytes(b"not a workbook")
    with pytest.raises(InvalidInput, match="workbook"):
        import_file(engine, bad_xlsx, layers=["places"])
    mapping = tmp_path / "map.csv"
    mapping.write_text("column,field\n名字,nonsense\n", encoding="utf-8")
    path, options = office_files.gk_without_zone(tmp_path)
    with pytest.raises(InvalidInput, match="unknown field"):
        import_file(engine, path, mapping=mapping, **options)
    assert _count(engine) == 0


def test_user_mapping_maps_other_layouts(engine: Engine, tmp_path: Path) -> None:
    _admin(engine)
    path = tmp_path / "台账.csv"
    path.write_text(
        "路名,分类,区划,经,纬\n新华路,23510,371002001000,122.11,37.51\n", encoding="gbk"
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text(
        "column,field\n路名,name\n分类,category\n区划,admin\n经,lon\n纬,lat\n", encoding="gbk"
    )
    report = import_file(engine, path, mapping=mapping, layers=["places"], dry_run=True)
    assert "路名 → name (--mapping map.csv)" in "\n".join(report.notes)
    report = import_file(engine, path, mapping=mapping, layers=["places"])
    assert report.written == {"places": 1}
