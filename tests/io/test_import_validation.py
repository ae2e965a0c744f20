"""Row validation, all-or-nothing writes, --skip-invalid and --dry-run, on both backends."""

from __future__ import annotations

import csv
import gc
import json
from pathlib import Path
from typing import Any

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Engine, func, select

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.io import collector_paused, import_file
from gazetteer.io.export import csv_header
from gazetteer.io.layers import DEMAND_POINTS, FACILITIES, PLACES
from gazetteer.storage import tables as t
from tests.datasets.exchange import COUNTY, TOWN, VILLAGE, write_sample

GOOD = {
    "name": "新建路",
    "category_code": "23510",
    "admin_code": TOWN,
    "wkt": "LINESTRING (122.1 37.45, 122.11 37.46)",
}


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def _rejected(engine: Engine, path: Path, **options: Any) -> set[tuple[int, str]]:
    """The (row, field) of every error that made the import of ``path`` fail."""
    with pytest.raises(ImportFailed) as info:
        import_file(engine, path, **options)
    return {(d["row"], d["field"]) for d in info.value.details}


def _places_csv(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    return _write_csv(tmp_path / "places.csv", csv_header(PLACES), rows)


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


BAD_ROWS: list[tuple[dict[str, str], str, str]] = [
    ({**GOOD, "name": ""}, "name", "必填"),
    ({**GOOD, "category_code": "99999"}, "category_code", "unknown category"),
    ({**GOOD, "admin_code": "371099000000"}, "admin_code", "unknown administrative area"),
    ({**GOOD, "wkt": ""}, "geometry", "geometry missing"),
    ({**GOOD, "wkt": "LINESTRING (123.5 37.45, 123.6 37.46)"}, "geometry", "outside"),
    (
        {
            **GOOD,
            "wkt": "POLYGON ((122.0 37.4, 122.01 37.41, 122.01 37.4, 122.0 37.41, 122.0 37.4))",
        },
        "geometry",
        "invalid geometry",
    ),
    ({**GOOD, "wkt": "LINESTRING (122.1 37.45"}, "geometry", "cannot parse WKT"),
    ({**GOOD, "code": "37100200100000000001"}, "code", "already in the database"),
    ({**GOOD, "established_year": "一九八四"}, "established_year", "not an integer"),
    ({**GOOD, "reading": "xīn"}, "reading", "syllables"),
    ({**GOOD, "status": "gone"}, "status", "unknown value"),
]


def test_every_problem_is_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    before = _count(engine, t.places)
    rows = [GOOD, *(r for r, _, _ in BAD_ROWS)]
    rows.append({**GOOD, "code": "DUP1"})
    rows.append({**GOOD, "code": "DUP1", "name": "重复代码路"})
    path = _places_csv(tmp_path, rows)
    with pytest.raises(ImportFailed) as info:
        import_file(engine, path)
    details = info.value.details
    assert isinstance(details, list)
    by_row = {d["row"]: d for d in details}
    for i, (_, field, text) in enumerate(BAD_ROWS, start=3):  # header is line 1, GOOD line 2
        assert i in by_row, f"row {i} ({field}) not reported"
        assert by_row[i]["field"] == field
        assert text in by_row[i]["problem"]
    dup_line = len(rows) + 1
    assert by_row[dup_line]["field"] == "code" and "duplicate" in by_row[dup_line]["problem"]
    assert 2 not in by_row and dup_line - 1 not in by_row
    assert len(details) == len(BAD_ROWS) + 1
    assert "nothing was written" in info.value.message
    assert _count(engine, t.places) == before  # all or nothing


def test_skip_invalid_writes_the_good_rows(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    before = _count(engine, t.places)
    rows = [GOOD, {**GOOD, "name": "", "code": "X"}, {**GOOD, "name": "第二条路", "code": "Y"}]
    report = import_file(engine, _places_csv(tmp_path, rows), skip_invalid=True)
    assert report.written == {"places": 2}
    assert [(e.row, e.field) for e in report.errors] == [(3, "name")]
    assert _count(engine, t.places) == before + 2
    with engine.connect() as conn:
        keys = conn.execute(
            select(t.places.c.pinyin_key, t.places.c.initials).where(t.places.c.code == "Y")
        ).one()
    assert tuple(keys) == ("di er tiao lu", "detl")  # search keys computed on import


def test_dry_run_validates_without_writing(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    before = _count(engine, t.places)
    report = import_file(engine, _places_csv(tmp_path, [GOOD]), dry_run=True)
    assert report.written == {"places": 1} and report.dry_run
    assert _count(engine, t.places) == before


def test_facility_and_demand_checks(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    pt = "POINT (122.12 37.5)"
    fac_rows = [
        {
            "name": "新助餐点",
            "type": "老年助餐点",
            "admin_code": VILLAGE,
            "lon": "122.12",
            "lat": "37.5",
        },
        {"name": "怪设施", "type": "spaceport", "admin_code": VILLAGE, "wkt": pt},
        {"name": "远方", "type": "funeral_home", "admin_code": COUNTY, "wkt": "POINT (121.8 37.1)"},
        {"name": "负床位", "type": "funeral_home", "admin_code": COUNTY, "beds": "-1", "wkt": pt},
        {
            "name": "线",
            "type": "funeral_home",
            "admin_code": COUNTY,
            "wkt": "LINESTRING (122 37.5, 122.2 37.5)",
        },
        {
            "name": "旧设施",
            "type": "funeral_home",
            "admin_code": COUNTY,
            "code": "F0001",
            "wkt": pt,
        },
    ]
    fac = _write_csv(tmp_path / "facilities.csv", csv_header(FACILITIES), fac_rows)
    got = _rejected(engine, fac)
    assert got == {(3, "type"), (4, "geometry"), (5, "beds"), (6, "geometry"), (7, "code")}
    report = import_file(engine, fac, skip_invalid=True)
    assert report.written == {"facilities": 1}

    def dem_row(code: str, population: str, elderly: str) -> dict[str, str]:
        return {
            "code": code,
            "name": "张家村",
            "admin_code": TOWN,
            "population": population,
            "elderly": elderly,
            "dependents": "0",
            "wkt": pt,
        }

    dem_rows = [dem_row("371002001003", "500", "600"), dem_row("37100200", "5", "1")]
    dem_rows.append(dem_row("371002001004", "", "1"))
    dem = _write_csv(tmp_path / "demand_points.csv", csv_header(DEMAND_POINTS), dem_rows)
    got = _rejected(engine, dem)
    assert got == {(2, "elderly"), (3, "code"), (4, "population")}


def test_admin_hierarchy_checks(engine: Engine, tmp_path: Path) -> None:
    rows = [
        {"code": "371000000000", "name": "威海市", "level": "2", "parent_code": "370000000000"},
        {"code": "371002000000", "name": "环翠区", "level": "3", "parent_code": "371000000000"},
        {"code": "371002001000", "name": "甲街道", "level": "4", "parent_code": "371002000000"},
        {"code": "371003001000", "name": "错前缀", "level": "4", "parent_code": "371002000000"},
        {"code": "371002002000", "name": "跳级", "level": "4", "parent_code": "371000000000"},
        {"code": "371002003000", "name": "无上级", "level": "4", "parent_code": "371002999000"},
        {"code": "371002001000", "name": "重复", "level": "4", "parent_code": "371002000000"},
        {"code": "3710020010", "name": "短", "level": "5", "parent_code": "371002001000"},
    ]
    header = ["code", "name", "level", "kind", "parent_code", "ur_code", "centre_lon", "wkt"]
    path = _write_csv(tmp_path / "admin_areas.csv", header, rows)
    got = _rejected(engine, path)
    assert got == {(5, "code"), (6, "parent_code"), (7, "parent_code"), (8, "code"), (9, "code")}
    report = import_file(engine, path, skip_invalid=True)
    assert report.written == {"admin_areas": 3}
    with engine.connect() as conn:
        parent = conn.execute(
            select(t.admin_areas.c.parent_code).where(t.admin_areas.c.code == "371000000000")
        ).scalar_one()
    assert parent is None  # the province is outside the gazetteer


def test_bad_files_are_clear_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="file not found"):
        import_file(engine, tmp_path / "missing.gpkg")
    bad = tmp_path / "places.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot read GeoJSON"):
        import_file(engine, bad)
    odd = tmp_path / "notes.txt"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown file type"):
        import_file(engine, odd)
    gpkg = tmp_path / "broken.gpkg"
    gpkg.write_bytes(b"not a geopackage")
    with pytest.raises(InvalidInput):
        import_file(engine, gpkg)
    unnamed = tmp_path / "stuff.geojson"
    unnamed.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="--layer"):
        import_file(engine, unnamed)
    latin = tmp_path / "places.csv"
    latin.write_bytes("name,category_code\n\xe9,1\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_file(engine, latin)


def test_area_check_allows_sea_features_and_gaps_but_not_other_areas(
    engine: Engine, tmp_path: Path
) -> None:
    write_sample(engine)
    sea = "POINT (122.9 37.7)"  # off the land polygons, inside the city's extent
    gap = "POINT (122.5 37.45)"  # in the city polygon, in no county polygon
    wendeng = "POINT (121.8 37.1)"  # inside the other county
    rows = [
        {**GOOD, "name": "某湾", "category_code": "11100", "wkt": sea},
        {**GOOD, "name": "某村", "category_code": "22200", "wkt": sea},
        {**GOOD, "name": "某岛村", "category_code": "22200", "wkt": gap},
        {**GOOD, "name": "越界村", "category_code": "22200", "wkt": wendeng},
        {**GOOD, "name": "环翠区", "category_code": "21400", "admin_code": COUNTY, "wkt": wendeng},
    ]
    report = import_file(engine, _places_csv(tmp_path, rows), skip_invalid=True)
    assert [(e.row, e.field) for e in report.errors] == [(3, "geometry"), (5, "geometry")]
    assert "371003000000" in report.errors[1].problem
    assert report.written == {"places": 3}


def test_staff_census_workbook_imports(engine: Engine, tmp_path: Path) -> None:
    """A 地名成果表 typed by staff: Chinese headers only, lon/lat instead of WKT."""
    from openpyxl import Workbook

    write_sample(engine)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    ws.append(
        ["标准名称", "类别代码", "行政区划代码", "经度", "纬度", "普查状态", "曾用名及别名", "含义"]
    )
    ws.append(["孙家疃", "22200", TOWN, 122.14, 37.52, "新增", "孙家、孙疃", "孙姓聚居"])
    ws.append(["无类别", None, TOWN, 122.14, 37.52, "未变", None, None])
    ws.append([None, None, None, None, None, None, None, None])  # blank rows are ignored
    ws.append(["海上村", "22200", TOWN, 125.0, 37.52, "未变", None, None])
    path = tmp_path / "普查成果.xlsx"
    wb.save(path)
    got = _rejected(engine, path, layers=["places"])
    assert got == {(3, "category_code"), (5, "geometry")}
    report = import_file(engine, path, layers=["places"], skip_invalid=True)
    assert report.written == {"places": 1}
    with engine.connect() as conn:
        row = conn.execute(
            select(t.places.c.census_status, t.places.c.other_names, t.places.c.meaning).where(
                t.places.c.name == "孙家疃"
            )
        ).one()
    assert tuple(row) == ("added", '["孙家", "孙疃"]', "孙姓聚居")


class _CollectorWatch:
    """A progress sink that notes whether the garbage collector ran at each step."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def start(self, desc: str, total: int) -> None:
        self.seen.append(gc.isenabled())

    def advance(self, n: int) -> None:
        self.seen.append(gc.isenabled())

    def done(self) -> None:
        self.seen.append(gc.isenabled())


def test_library_import_leaves_the_garbage_collector_to_the_process(
    engine: Engine, tmp_path: Path
) -> None:
    """The collector is process-wide: only the process owner (the CLI) pauses it."""
    write_sample(engine)
    watch = _CollectorWatch()
    assert gc.isenabled()
    import_file(engine, _places_csv(tmp_path, [GOOD]), dry_run=True, progress=watch)
    assert watch.seen and all(watch.seen)
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
