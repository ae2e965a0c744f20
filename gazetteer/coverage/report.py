"""The coverage report as tables: the workbook (按区市, 按镇街, 缺口村居, 推荐选址, 方案对比)
and the CSV columns of the coverage commands.

Columns go through :mod:`gazetteer.io.office`, so the workbook and the CSV files follow the
office rules: Chinese headers (``headers="en"`` for programs), numbers as numbers, codes as
text, 是/否 booleans, a frozen header with an autofilter and fitted widths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from gazetteer.coverage.inputs import PROFILE_LABELS, WEIGHT_LABELS
from gazetteer.coverage.model import Pick, Recommendation, Scenario, WhatIfResult
from gazetteer.coverage.workbench import AreaRow, CoverageReport, PickRow, VillageRow
from gazetteer.io.office import Column, ColumnKind, Headers, Table, write_xlsx
from gazetteer.model import FACILITY_TYPE_NAMES

N = ColumnKind.NUMBER
B = ColumnKind.BOOL


def _pct(share: float) -> float:
    return round(100.0 * share, 2)


def _n(x: float) -> float | int:
    """Counts as whole numbers (3047, not 3047.0)."""
    return int(x) if float(x).is_integer() else round(float(x), 3)


def _attrs(obj: Any, names: str) -> dict[str, Any]:
    """The attributes of ``obj`` named in ``names`` (separated by spaces), as they are."""
    return {n: getattr(obj, n) for n in names.split()}


def _counts(obj: Any, names: str) -> dict[str, Any]:
    """The attributes of ``obj`` named in ``names``, as counts (see :func:`_n`)."""
    return {n: _n(getattr(obj, n)) for n in names.split()}


# Columns that several tables share, spelled once.
TOWN_NAME = Column("town_name", "镇街", "town_name")
SHARE_PCT = Column("share_pct", "覆盖率（%）", "covered_share_pct", N)
POPULATION = Column("population", "人口", "population", N)
ELDERLY = Column("elderly", "老年人口", "elderly", N)
DEPENDENTS = Column("dependents", "分散特困供养对象", "dependents", N)
LON = Column("lon", "经度", "lon", N)
LAT = Column("lat", "纬度", "lat", N)

AREA_COLUMNS = [
    Column("code", "区划代码", "admin_code"),
    Column("name", "名称", "name"),
    Column("parent_name", "上级区划", "parent_name"),
    Column("covered", "覆盖人数", "covered", N),
    Column("total", "总人数", "total", N),
    SHARE_PCT,
    Column("villages", "村居数", "villages", N),
    Column("uncovered_villages", "未覆盖村居数", "uncovered_villages", N),
    POPULATION,
    ELDERLY,
    DEPENDENTS,
]

VILLAGE_COLUMNS = [
    Column("code", "村居代码", "code"),
    Column("name", "村居名称", "name"),
    Column("town_code", "镇街代码", "town_code"),
    TOWN_NAME,
    Column("county_name", "区市", "county_name"),
    POPULATION,
    ELDERLY,
    DEPENDENTS,
    Column("weight", "计算权重", "weight", N),
    Column("minutes_to_nearest", "到最近设施（分钟）", "minutes_to_nearest", N),
    Column("covered", "是否覆盖", "covered", B),
    LON,
    LAT,
]

PICK_COLUMNS = [
    Column("rank", "序号", "rank", N),
    Column("nearest_place", "最近地名", "nearest_place"),
    Column("village", "所在村居", "village"),
    TOWN_NAME,
    Column("gain", "新增覆盖", "gain", N),
    Column("running_total", "累计新增", "running_total", N),
    SHARE_PCT,
    LON,
    LAT,
]

COMPARE_COLUMNS = [
    Column("scenario", "方案", "scenario"),
    Column("code", "区划代码", "admin_code"),
    Column("name", "区域", "area"),
    Column("before", "现状覆盖", "baseline_covered", N),
    Column("after", "方案覆盖", "scenario_covered", N),
    Column("change", "变化", "change", N),
    Column("total", "总数", "total", N),
    Column("before_pct", "现状覆盖率（%）", "baseline_share_pct", N),
    Column("after_pct", "方案覆盖率（%）", "scenario_share_pct", N),
]


def area_record(a: AreaRow) -> dict[str, Any]:
    return {
        **_attrs(a, "code name parent_name villages uncovered_villages"),
        **_counts(a, "covered total population elderly dependents"),
        "share_pct": _pct(a.covered_share),
    }


def village_record(v: VillageRow) -> dict[str, Any]:
    return {
        **_attrs(v, "id code name town_code town_name county_name minutes_to_nearest lon lat"),
        **_counts(v, "population elderly dependents weight covered"),
    }


def pick_record(p: PickRow) -> dict[str, Any]:
    return {
        **_attrs(p, "rank nearest_place village town_name lon lat"),
        **_counts(p, "gain running_total"),
        "share_pct": _pct(p.share_after),
    }


def comparison_records(
    comparisons: Sequence[tuple[Scenario, WhatIfResult]],
) -> list[dict[str, Any]]:
    """Per scenario: the whole area, then each area one level down, before and after."""
    rows: list[dict[str, Any]] = []
    for s, r in comparisons:
        b, a = r.baseline, r.scenario
        total = (b.covered, b.covered_share), (a.covered, a.covered_share)
        rows.append(_comparison_row(s.name, "", "合计", *total, a.total))
        before = {x.admin_code: x for x in b.by_area}
        for x in a.by_area:
            y = before.get(x.admin_code)
            was = (y.covered, y.covered_share) if y else (0.0, 0.0)
            now = (x.covered, x.covered_share)
            rows.append(_comparison_row(s.name, x.admin_code, x.name, was, now, x.total))
    return rows


def _comparison_row(
    scenario: str,
    code: str,
    name: str,
    before: tuple[float, float],
    after: tuple[float, float],
    total: float,
) -> dict[str, Any]:
    """One row of 方案对比: the covered weight and share before and after, of ``total``."""
    (covered0, share0), (covered1, share1) = before, after
    return {
        "scenario": scenario,
        "code": code,
        "name": name,
        "before": _n(covered0),
        "after": _n(covered1),
        "change": _n(covered1 - covered0),
        "total": _n(total),
        "before_pct": _pct(share0),
        "after_pct": _pct(share1),
    }


def report_title(r: CoverageReport) -> str:
    area = r.path[-1].name if r.path else "威海市"
    types = "、".join(FACILITY_TYPE_NAMES[t] for t in r.query.facility_types)
    return f"{area}{types} {r.query.minutes:g} 分钟服务圈覆盖"


def report_facts(r: CoverageReport) -> list[tuple[str, str]]:
    """The question and the headline figures, as label/value pairs (PDF and pages)."""
    q = r.query
    return [
        ("区域", " › ".join(a.name for a in r.path) or "威海市"),
        ("设施类型", "、".join(FACILITY_TYPE_NAMES[t] for t in q.facility_types)),
        ("时间", f"{q.minutes:g} 分钟"),
        ("出行方式", PROFILE_LABELS.get(q.profile, q.profile)),
        ("权重", WEIGHT_LABELS[q.weight]),
        ("设施数", f"{r.facility_count}"),
        ("覆盖", f"{r.covered:,.0f} / {r.total:,.0f}（{100 * r.covered_share:.1f}%）"),
        ("未覆盖村居", f"{len(r.gaps)}"),
    ]


def report_tables(r: CoverageReport) -> list[Table]:
    """The workbook's sheets (推荐选址 and 方案对比 only when asked)."""
    weight = WEIGHT_LABELS[r.query.weight]

    def area_cols() -> list[Column]:
        out = []
        for c in AREA_COLUMNS:
            if c.key == "covered":
                c = Column(c.key, f"覆盖{weight}", c.en, c.kind)
            elif c.key == "total":
                c = Column(c.key, f"{weight}合计", c.en, c.kind)
            out.append(c)
        return out

    tables = [
        Table("按区市", area_cols(), [area_record(a) for a in r.by_county], "by_county"),
        Table("按镇街", area_cols(), [area_record(a) for a in r.by_town], "by_town"),
        Table("缺口村居", VILLAGE_COLUMNS, [village_record(v) for v in r.gaps], "gaps"),
    ]
    if r.recommendation is not None:
        tables.append(Table("推荐选址", PICK_COLUMNS, [pick_record(p) for p in r.picks], "picks"))
    if r.comparisons:
        tables.append(
            Table("方案对比", COMPARE_COLUMNS, comparison_records(r.comparisons), "scenarios")
        )
    return tables


def write_report_xlsx(
    target: Path | IO[bytes], r: CoverageReport, *, headers: Headers = "zh"
) -> None:
    write_xlsx(target, report_tables(r), headers=headers)


# --- CSV of the coverage commands -----------------------------------------------------------

POINT_COLUMNS = [
    Column("id", "编号", "id", N),
    *VILLAGE_COLUMNS[:-2],
    Column("nearest_facility_id", "最近设施编号", "nearest_facility_id", N),
    Column("gap_rank", "缺口排序", "gap_rank", N),
    LON,
    LAT,
]


def recommend_records(
    picks: Sequence[Pick], rows: Sequence[PickRow], rec: Recommendation | None = None
) -> list[dict[str, Any]]:
    """CSV rows of a recommendation (location, gain, running total)."""
    del rec
    out = []
    by_rank: Mapping[int, PickRow] = {p.rank: p for p in rows}
    running = 0.0
    for p in picks:
        running += p.gain
        row = by_rank.get(p.rank)
        out.append(
            {
                "rank": p.rank,
                "nearest_place": row.nearest_place if row else p.candidate.name,
                "village": row.village if row else "",
                "town_name": row.town_name if row else "",
                "gain": _n(p.gain),
                "running_total": _n(running),
                "share_pct": _pct(p.share_after),
                "lon": p.candidate.lon,
                "lat": p.candidate.lat,
            }
        )
    return out


__all__ = [
    "AREA_COLUMNS",
    "COMPARE_COLUMNS",
    "PICK_COLUMNS",
    "POINT_COLUMNS",
    "VILLAGE_COLUMNS",
    "area_record",
    "comparison_records",
    "pick_record",
    "recommend_records",
    "report_facts",
    "report_tables",
    "report_title",
    "village_record",
    "write_report_xlsx",
]
