"""The planners' workbench without a browser: drill-down, Chinese names, reports, CLI.

On the full demo (both backends, in process): the drill-down adds up at every level,
names are accepted wherever codes are, bad input is a 4xx JSON body or a CLI message
with a non-zero exit (never a traceback), CSV files are for Excel (BOM, Chinese headers,
是/否) or for programs (``--headers en``), output paths are checked before the run.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.main import create_app
from gazetteer.cli import main
from gazetteer.coverage import CoverageQuery
from gazetteer.coverage.inputs import (
    parse_facility_types,
    parse_profile,
    parse_weight,
    resolve_area,
)
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FacilityType
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings

MEAL = "elderly_meal_point"


@pytest.fixture(scope="module")
def client(demo_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings)) as c:
        yield c


@pytest.fixture(scope="module")
def sqlite_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The demo on SQLite for the CLI tests: the commands' checks and files do not depend
    on the backend (the API tests above run on both)."""
    from tests.demo_db import demo_database

    yield from demo_database("sqlite", request, tmp_path_factory)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(settings: Settings, *args: str, cwd: Path | None = None) -> Run:
    """The ``gazetteer`` command in this process (as the console script calls it)."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--database-url", settings.database_url, *args])
    finally:
        os.chdir(old)
    return Run(code, out.getvalue(), err.getvalue())


def test_chinese_names_and_codes() -> None:
    assert parse_facility_types("老年助餐点,助餐点") == (FacilityType.ELDERLY_MEAL_POINT,)
    assert parse_facility_types(["社区食堂", MEAL]) == (
        FacilityType.COMMUNITY_CANTEEN,
        FacilityType.ELDERLY_MEAL_POINT,
    )
    assert parse_weight("老年人口").value == parse_weight("老年人").value == "elderly"
    assert parse_weight("总人口").value == "population"
    assert parse_profile("老年人步行") == "elderly_walking" and parse_profile("步行") == "walking"
    with pytest.raises(InvalidInput) as e:
        parse_facility_types("餐厅")
    assert "老年助餐点 (elderly_meal_point)" in e.value.message
    with pytest.raises(InvalidInput) as e:
        parse_weight("儿童")
    assert "老年人口 (elderly)" in e.value.message
    with pytest.raises(InvalidInput) as e:
        parse_profile("飞行")
    assert "步行 (walking)" in e.value.message


def test_areas_by_name(demo_settings: Settings) -> None:
    engine = create_engine_from_settings(demo_settings)
    try:
        with engine.connect() as conn:
            assert resolve_area(conn, "文登区") == "371003000000"
            assert resolve_area(conn, "张村镇") == "371002100000"
            assert resolve_area(conn, "371003") == "371003000000"
            with pytest.raises(NotFound):
                resolve_area(conn, "火星区")
    finally:
        engine.dispose()


def test_drill_down_adds_up_at_every_level(client: TestClient) -> None:
    p = {"facility_type": "助餐点", "weight": "老年人口"}
    city = client.get("/api/v1/coverage/drill", params=p).json()
    assert city["child_level"] == 3 and [a["name"] for a in city["path"]] == ["威海市"]
    assert len(city["areas"]) == 7
    assert sum(a["covered"] for a in city["areas"]) == pytest.approx(city["covered"])
    assert sum(a["uncovered_villages"] for a in city["areas"]) == city["uncovered_villages"]
    assert city["villages"] == 2768
    worst = min(city["areas"], key=lambda a: a["covered_share"])
    county = client.get("/api/v1/coverage/drill", params={**p, "admin": worst["code"]}).json()
    assert county["child_level"] == 4 and county["covered"] == pytest.approx(worst["covered"])
    assert sum(a["covered"] for a in county["areas"]) == pytest.approx(worst["covered"])
    town_row = county["areas"][0]
    town = client.get(
        "/api/v1/coverage/drill",
        params={**p, "admin": town_row["name"], "include_points": "true"},
    ).json()
    assert len(town["points"]) == town_row["villages"]
    assert sum(1 for x in town["points"] if not x["covered"]) == town_row["uncovered_villages"]
    assert [a["name"] for a in town["path"]] == ["威海市", worst["name"], town_row["name"]]
    assert town["child_level"] == 5 and len(town["village_rows"]) == town_row["villages"]
    assert sum(v["weight"] for v in town["village_rows"] if v["covered"]) == pytest.approx(
        town_row["covered"]
    )
    gaps = town["gaps"]
    assert all(not g["covered"] and g["town_name"] == town_row["name"] for g in gaps)
    assert [g["weight"] for g in gaps] == sorted((g["weight"] for g in gaps), reverse=True)


def test_bad_input_is_a_4xx_json(client: TestClient) -> None:
    cases = [
        ({"facility_type": "餐厅"}, 400, "老年助餐点"),
        ({"facility_type": MEAL, "weight": "儿童"}, 400, "老年人口"),
        ({"facility_type": MEAL, "profile": "飞行"}, 400, "步行"),
        ({"facility_type": MEAL, "minutes": 500}, 400, "1–120"),
        ({"facility_type": MEAL, "admin": "火星区"}, 404, "火星区"),
        ({"facility_type": MEAL, "admin": "12345"}, 400, ""),
    ]
    for params, status, text in cases:
        for path in ("/api/v1/coverage/drill", "/api/v1/coverage/report"):
            r = client.get(path, params=params)
            assert r.status_code == status, (path, params, r.text)
            assert text in r.json()["message"]
    r = client.get("/api/v1/coverage/report", params={"facility_type": MEAL, "format": "doc"})
    assert r.status_code in (400, 422)
    r = client.get("/api/v1/coverage/report", params={"facility_type": MEAL, "scenario": "x"})
    assert r.status_code == 400


def test_recommended_sites_are_located(client: TestClient) -> None:
    r = client.get(
        "/api/v1/coverage/recommended", params={"facility_type": MEAL, "k": 3, "admin": "文登区"}
    )
    assert r.status_code == 200
    sites = r.json()["sites"]
    assert [s["rank"] for s in sites] == [1, 2, 3]
    assert all(s["nearest_place"] and s["village"] and s["town_name"] for s in sites)
    running = 0.0
    for s in sites:
        running += s["gain"]
        assert s["running_total"] == pytest.approx(running)


def test_xlsx_report_over_http(client: TestClient) -> None:
    r = client.get(
        "/api/v1/coverage/report",
        params={"facility_type": "老年助餐点", "weight": "老年人口", "admin": "文登区"},
    )
    assert r.status_code == 200
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["按区市", "按镇街", "缺口村居"]
    county = list(book["按区市"].iter_rows(min_row=2, values_only=True))
    assert len(county) == 1 and county[0][0] == "371003000000" and county[0][1] == "文登区"
    towns = list(book["按镇街"].iter_rows(min_row=2, values_only=True))
    assert sum(t[3] for t in towns) == county[0][3]


def test_cli_report_with_chinese_names(sqlite_demo: Settings, tmp_path: Path) -> None:
    out = tmp_path / "报告.xlsx"
    res = run_cli(
        sqlite_demo,
        "coverage", "report", "--type", "助餐点", "--weight", "老年人", "--admin", "文登区",
        "--k", "2", "--out", str(out),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["按区市", "按镇街", "缺口村居", "推荐选址"]
    gaps = book["缺口村居"]
    head = [c.value for c in gaps[1]]
    assert "老年人口" in head and "到最近设施（分钟）" in head and "镇街" in head
    assert gaps.freeze_panes == "A2"


def test_cli_csv_for_people_and_for_programs(sqlite_demo: Settings, tmp_path: Path) -> None:
    zh = tmp_path / "cov.csv"
    res = run_cli(
        sqlite_demo,
        "coverage", "summary", "--type", "老年助餐点", "--weight", "老年人口",
        "--admin", "张村镇", "--out", str(zh),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    raw = zh.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {"村居名称", "镇街", "人口", "老年人口", "是否覆盖"} <= set(rows[0])
    assert {r["是否覆盖"] for r in rows} <= {"是", "否"}
    assert {r["镇街"] for r in rows} == {"张村镇"}
    en = tmp_path / "cov-en.csv"
    res = run_cli(
        sqlite_demo,
        "coverage", "summary", "--type", MEAL, "--weight", "elderly", "--admin", "371002100",
        "--out", str(en), "--headers", "en",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    raw = en.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows_en = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert {"code", "town_name", "population", "elderly", "covered"} <= set(rows_en[0])
    assert {r["covered"] for r in rows_en} <= {"true", "false"}
    assert len(rows_en) == len(rows)
    # --out cov.xlsx works: the report workbook
    res = run_cli(
        sqlite_demo, "coverage", "summary", "--type", MEAL, "--out", "cov.xlsx", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert load_workbook(tmp_path / "cov.xlsx").sheetnames[:2] == ["按区市", "按镇街"]
    picks = tmp_path / "picks.csv"
    res = run_cli(
        sqlite_demo,
        "recommend", "--type", "助餐点", "--k", "2", "--greedy-only", "--quiet",
        "--out", str(picks),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    head = picks.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert head.startswith("序号,最近地名,所在村居,镇街,新增覆盖,累计新增")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "餐厅"], "老年助餐点 (elderly_meal_point)"),
        (["--type", MEAL, "--weight", "儿童"], "老年人口 (elderly)"),
        (["--type", MEAL, "--profile", "飞行"], "步行 (walking)"),
        (["--type", MEAL, "--admin", "火星区"], "火星区"),
        (["--type", MEAL, "--out", "/no/such/folder/cov.csv"], "输出目录不存在"),
        (["--type", MEAL, "--out", "cov.docx"], "输出文件须为"),
    ],
)
def test_cli_refuses_before_any_work(sqlite_template: Path, args: list[str], message: str) -> None:
    """On an empty database: every check runs before any coverage work starts."""
    settings = Settings(database_url=f"sqlite:///{sqlite_template}")
    res = run_cli(settings, "coverage", "summary", *args)
    assert res.returncode != 0
    assert message in res.stderr and "Traceback" not in res.stderr
    assert "覆盖率" not in res.stdout  # refused before the run


def test_report_of_the_service_sums_up(demo_settings: Settings) -> None:
    from gazetteer.services import coverage as svc

    engine = create_engine_from_settings(demo_settings)
    try:
        q = CoverageQuery(parse_facility_types(MEAL), weight=parse_weight("elderly"))
        rep = svc.report(engine, q)
        assert sum(a.covered for a in rep.by_town) == pytest.approx(rep.covered)
        assert sum(a.covered for a in rep.by_county) == pytest.approx(rep.covered)
        assert len(rep.gaps) == sum(a.uncovered_villages for a in rep.by_county)
    finally:
        engine.dispose()
