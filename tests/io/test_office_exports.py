"""Exports open correctly in Excel on Chinese Windows: checked by reading the bytes and
with openpyxl; the table writer is generic (any rows and columns)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Engine

from gazetteer.errors import InvalidInput
from gazetteer.io import export_layers, import_file, office
from gazetteer.io.office import Column, ColumnKind, Table
from gazetteer.settings import Settings
from tests.datasets.exchange import write_sample
from tests.io.test_cli_io import _run
from tests.io.test_round_trip import _counts, fresh_engine, sample_workbook, sheet_header

BOM = b"\xef\xbb\xbf"


def _rows(raw: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))


def test_default_csv_is_for_excel(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    result = export_layers(engine, fmt="csv", layers=["all"], out=tmp_path)
    places = (tmp_path / "places.csv").read_bytes()
    assert places.startswith(BOM) and b"\r\n" in places
    rows = _rows(places)
    header = rows[0]
    assert header[:4] == ["系统编号", "地名代码", "标准名称", "专名"]
    assert "空间范围(WKT)" in header
    first = dict(zip(header, rows[1], strict=True))
    assert first["地名代码"] == '="37100200100000000001"'  # Excel keeps all 20 digits
    assert first["行政区划代码"] == '="371002001001"'
    assert first["类别代码"] == '="21620"'
    assert first["使用状态"] == "现行" and first["普查状态"] == "新增"
    assert first["曾用名及别名"] == "古北居委会、北门外"
    assert first["系统编号"] == "1"  # numbers stay numbers
    edges = _rows((tmp_path / "network_edges.csv").read_bytes())
    oneway = edges[0].index("单行")
    assert [r[oneway] for r in edges[1:]] == ["否", "是"]
    assert edges[1][edges[0].index("道路类别")] == "主干路"
    admin = _rows((tmp_path / "admin_areas.csv").read_bytes())
    assert admin[2][admin[0].index("级别")] == "县级"
    assert len(result.files) == 10


def test_gbk_and_machine_csv(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    gbk = export_layers(
        engine, fmt="csv", layers=["places"], out=tmp_path / "g.csv", encoding="gbk"
    ).files[0]
    raw = gbk.read_bytes()
    assert not raw.startswith(BOM)
    assert _rows(raw, "gbk")[0][2] == "标准名称"
    plain = export_layers(
        engine, fmt="csv", layers=["places"], out=tmp_path / "m.csv", headers="en", bom=False
    ).files[0]
    rows = _rows(plain.read_bytes(), "utf-8")
    assert rows[0][:3] == ["id", "code", "name"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["code"] == "37100200100000000001" and first["status"] == "current"
    assert first["other_names"] == '["古北居委会", "北门外"]'


@pytest.mark.parametrize(
    "options",
    [{}, {"encoding": "gbk"}, {"headers": "en", "bom": False}, {"encoding": "gb18030"}],
    ids=["default", "gbk", "machine", "gb18030"],
)
def test_every_csv_form_imports_back_unchanged(
    options: dict[str, object],
    backend: str,
    engine: Engine,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    write_sample(engine, long_text=True)
    first = tmp_path / "first"
    export_layers(engine, fmt="csv", layers=["all"], out=first, **options)  # type: ignore[arg-type]
    with fresh_engine(backend, request, tmp_path / "db2") as other:
        report = import_file(other, first)
        assert not report.errors
        assert _counts(other) == _counts(engine)
        second = tmp_path / "second"
        export_layers(other, fmt="csv", layers=["all"], out=second, **options)  # type: ignore[arg-type]
        for a in sorted(first.iterdir()):
            assert a.read_bytes() == (second / a.name).read_bytes(), a.name


def test_xlsx_for_excel(engine: Engine, tmp_path: Path) -> None:
    wb, ws = sample_workbook(engine, tmp_path / "w.xlsx", ["all"])
    header = sheet_header(ws)
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}5"
    assert ws.freeze_panes == "A2"
    code = ws.cell(2, header.index("地名代码") + 1)
    assert code.value == "37100200100000000001" and code.data_type == "s"
    assert code.number_format == "@"
    admin = ws.cell(2, header.index("行政区划代码") + 1)
    assert admin.value == "371002001001" and admin.number_format == "@"
    assert ws.cell(2, header.index("使用状态") + 1).value == "现行"
    assert ws.cell(2, header.index("系统编号") + 1).value == 1
    levels = wb["行政区划"]
    lh = sheet_header(levels)
    assert [r[lh.index("级别")] for r in levels.iter_rows(min_row=2, values_only=True)] == [
        "地级",
        "县级",
        "乡级",
        "村级",
        "县级",
    ]  # ordered by code
    fac = wb["民政设施"]
    fh = sheet_header(fac)
    row = dict(zip(fh, [c.value for c in fac[2]], strict=True))
    assert row["设施类型代码"] == "养老机构" and row["层级"] == "县级"
    edges = wb["路网路段"]
    eh = sheet_header(edges)
    assert [r[eh.index("单行")] for r in edges.iter_rows(min_row=2, values_only=True)] == [
        "否",
        "是",
    ]
    for sheet in wb.worksheets:
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")


# --- the writer on its own (as the coverage exports use it) -----------------------------------

COLUMNS = [
    Column("code", "区划代码", "code"),
    Column("name", "名称", "name"),
    Column("covered", "是否覆盖", "covered", ColumnKind.BOOL),
    Column("elderly", "老年人口", "elderly", ColumnKind.NUMBER),
    Column("minutes", "步行分钟", "minutes", ColumnKind.NUMBER),
    Column("level", "层级", "level", labels={"town": "镇街级"}),
]
ROWS = [
    {"code": "371002001000", "name": "环翠楼街道", "covered": True, "elderly": 980,
     "minutes": 12.5, "level": "town"},
    {"code": "0012", "name": "=HYPERLINK(\"http://x\")", "covered": False, "elderly": None,
     "minutes": float("nan"), "level": "village"},
    {"code": "1-2", "name": "-3+4", "covered": "否", "elderly": 0, "minutes": 3,
     "level": None},
]  # fmt: skip


def test_writer_protects_what_excel_would_change() -> None:
    raw = office.csv_bytes(COLUMNS, ROWS)
    rows = _rows(raw)
    assert rows[0] == ["区划代码", "名称", "是否覆盖", "老年人口", "步行分钟", "层级"]
    assert rows[1] == ['="371002001000"', "环翠楼街道", "是", "980", "12.5", "镇街级"]
    assert rows[2] == ['="0012"', '="=HYPERLINK(""http://x"")"', "否", "", "", "village"]
    assert rows[3] == ['="1-2"', '="-3+4"', "否", "0", "3", ""]
    for row in rows[1:]:  # and the importer's unprotect gives the text back
        assert office.unprotect(row[0]) in ("371002001000", "0012", "1-2")
    long_formula = "=" + "x" * 300
    assert office.protect(long_formula) == "\t" + long_formula
    assert office.unprotect(office.protect(long_formula)) == long_formula
    plain = _rows(office.csv_bytes(COLUMNS, ROWS, headers="en", bom=False), "utf-8")
    assert plain[0] == ["code", "name", "covered", "elderly", "minutes", "level"]
    assert plain[1] == ["371002001000", "环翠楼街道", "true", "980", "12.5", "town"]


def test_writer_errors_name_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"第 2 行 名称 列.*U\+2C317"):
        office.csv_bytes(COLUMNS, [{"name": "𬌗石村"}], encoding="gbk")
    assert "𬌗".encode("gb18030") in office.csv_bytes(
        COLUMNS, [{"name": "𬌗石村"}], encoding="gb18030"
    )
    with pytest.raises(InvalidInput, match="第 3 行"):
        office.csv_bytes(COLUMNS, [{"elderly": 1}, {"elderly": "many"}])
    with pytest.raises(InvalidInput, match="unsupported encoding"):
        office.csv_bytes(COLUMNS, [], encoding="big5")
    target = tmp_path / "out.csv"
    with pytest.raises(InvalidInput):
        office.write_csv(target, COLUMNS, [{"name": "ok"}, {"name": "𬌗"}], encoding="gbk")
    assert not target.exists() and not list(tmp_path.iterdir())  # nothing half-written


def test_writer_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    office.write_xlsx(path, [Table("覆盖情况", COLUMNS, ROWS), Table("空表", COLUMNS, [])])
    wb = load_workbook(path)
    ws = wb["覆盖情况"]
    assert ws.auto_filter.ref == "A1:F4"
    cells = list(ws.iter_rows(min_row=2, max_row=3))
    assert cells[0][0].value == "371002001000" and cells[0][0].number_format == "@"
    assert cells[1][1].value == '=HYPERLINK("http://x")' and cells[1][1].data_type == "s"
    assert [c.value for c in cells[0][2:]] == ["是", 980, 12.5, "镇街级"]
    assert cells[1][3].value is None and cells[1][4].value is None
    assert wb["空表"].auto_filter.ref == "A1:F1"
    # doubles that need 17 significant digits keep them (openpyxl alone writes 16)
    lon = 122.09613708880299
    office.write_xlsx(path, [Table("t", [Column("lon", "经度", "lon", ColumnKind.NUMBER)],
                                   [{"lon": lon}])])  # fmt: skip
    cell = load_workbook(path)["t"].cell(2, 1)
    assert cell.value == lon and cell.data_type == "n"


def test_cli_export_options_and_dry_run_mapping(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    write_sample(engine)
    out = tmp_path / "p.csv"
    r = _run(settings, "export", "-f", "csv", "-l", "places", "-o", str(out), "--encoding", "gbk")
    assert r.returncode == 0, r.stderr
    assert _rows(out.read_bytes(), "gbk")[0][2] == "标准名称"
    r = _run(
        settings, "export", "-f", "csv", "-l", "places", "-o", str(out), "--headers", "en",
        "--no-bom",
    )  # fmt: skip
    assert r.returncode == 0 and out.read_bytes().startswith(b"id,code,name")
    census = tmp_path / "census.csv"
    census.write_text(
        "序号,标准名称,类别,所在政区,东经,北纬\n1,新华路,道路街巷,威海市环翠区环翠楼街道,"
        "122°07′12″,37°30′36″\n",
        encoding="gbk",
    )
    r = _run(settings, "import", str(census), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "编码 encoding gb18030" in r.stdout
    assert "类别 → category" in r.stdout and "序号 → 忽略 ignored" in r.stdout
    assert "dry run" in r.stdout
