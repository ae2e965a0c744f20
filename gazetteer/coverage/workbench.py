"""The planners' workbench: coverage drilled down by area, gap villages, report tables.

Pure functions over the arrays of a coverage answer (demand points, nearest times): they
sum the weight by county, town or village, count the uncovered villages, and list the gap
villages with their population and elderly. Every level is summed from the same demand
points, so the towns of a county add up to the county and the counties to the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from gazetteer.coverage.data import DemandSet, FloatArray, IntArray
from gazetteer.coverage.model import CoverageQuery, Recommendation, Scenario, WhatIfResult
from gazetteer.model import AdminRef
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.types import LEVEL_DIGITS, AdminCode

CITY_LEVEL = 2
VILLAGE_LEVEL = 5
LEVEL_NAMES = {2: "市", 3: "区市", 4: "镇街", 5: "村居"}


@dataclass(frozen=True, slots=True)
class AreaRow:
    """The coverage of one county or town."""

    code: str
    name: str
    level: int
    parent_name: str
    covered: float
    total: float
    covered_share: float
    villages: int
    uncovered_villages: int
    population: float
    elderly: float
    dependents: float


@dataclass(frozen=True, slots=True)
class VillageRow:
    """One village or community (a demand point) with its time to the nearest facility."""

    id: int
    code: str
    name: str
    town_code: str
    town_name: str
    county_name: str
    lon: float
    lat: float
    population: float
    elderly: float
    dependents: float
    weight: float
    minutes_to_nearest: float | None
    covered: bool


@dataclass(frozen=True, slots=True)
class Drill:
    """One step of the drill-down: the area, the way up to the city, the rows one level
    below (counties, towns, or the villages of a town) and the gap villages."""

    query: CoverageQuery
    area: AdminRef
    path: list[AdminRef]
    child_level: int
    covered: float
    total: float
    covered_share: float
    villages: int
    uncovered_villages: int
    facility_count: int
    areas: list[AreaRow] = field(default_factory=list)
    village_rows: list[VillageRow] = field(default_factory=list)
    gaps: list[VillageRow] = field(default_factory=list)
    gaps_total: int = 0
    # every village of the area as (demand point id, minutes or None, covered), when asked
    points: list[tuple[int, float | None, bool]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Scope:
    """The demand points of an area with their coverage (indices into the demand set)."""

    idx: IntArray
    weight: FloatArray
    covered: NDArray[np.bool_]
    minutes: FloatArray  # -1: beyond the search limit

    def totals(self) -> tuple[float, float, float]:
        """The covered weight, the total weight and the covered share (0 with no weight)."""
        total = float(self.weight.sum())
        covered = float(self.weight[self.covered].sum())
        return covered, total, covered / total if total else 0.0


@dataclass(frozen=True, slots=True)
class PickRow:
    """A recommended site with where it is (nearest named place, village, town), the weight
    it newly covers and the running total."""

    rank: int
    lon: float
    lat: float
    name: str
    nearest_place: str
    village: str
    town_name: str
    gain: float
    running_total: float
    covered_after: float
    share_after: float


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """What the coverage report (xlsx, PDF) holds."""

    query: CoverageQuery
    path: list[AdminRef]
    covered: float
    total: float
    covered_share: float
    facility_count: int
    by_county: list[AreaRow]
    by_town: list[AreaRow]
    gaps: list[VillageRow]
    recommendation: Recommendation | None = None
    picks: list[PickRow] = field(default_factory=list)
    villages: list[VillageRow] = field(default_factory=list)  # every village, when asked
    comparisons: list[tuple[Scenario, WhatIfResult]] = field(default_factory=list)


def scope(demand: DemandSet, idx: IntArray, query: CoverageQuery, time_s: FloatArray) -> Scope:
    w = demand.weights(query.weight)[idx]
    times = time_s[idx]
    covered = times <= query.minutes * 60.0 + 1e-9
    minutes = np.round(np.where(np.isfinite(times), times / 60.0, -1.0), 2).astype(np.float64)
    return Scope(idx, w, covered, minutes)


def area_path(conn: Connection, code: str | None) -> list[AdminRef]:
    """The areas from the top (the city) down to ``code`` (only the city for ``None``)."""
    out = repo.admin_path(conn, AdminCode.parse(code).value) if code else []
    if not out or out[0].level > CITY_LEVEL:
        a = t.admin_areas
        top = conn.execute(
            select(a.c.code, a.c.name, a.c.level, a.c.kind)
            .where(a.c.level == CITY_LEVEL)
            .order_by(a.c.code)
            .limit(1)
        ).first()
        if top is not None and all(r.code != str(top[0]) for r in out):
            out.insert(0, AdminRef(str(top[0]), str(top[1]), int(top[2]), top[3] or ""))
    return [r for r in out if r.level >= CITY_LEVEL]


def group_codes(demand: DemandSet, sc: Scope, level: int) -> list[str]:
    """The code of the county (3) or town (4) each demand point of ``sc`` lies in."""
    n = LEVEL_DIGITS[level]
    return [str(c)[:n].ljust(12, "0") for c in demand.admin_codes[sc.idx]]


def area_rows(demand: DemandSet, sc: Scope, level: int, names: dict[str, str]) -> list[AreaRow]:
    """Coverage summed by county (``level`` 3) or town (4) over the points of ``sc``."""
    codes = group_codes(demand, sc, level)
    parents = group_codes(demand, sc, level - 1) if level > CITY_LEVEL + 1 else None
    uniq = sorted(set(codes))
    pos = {c: i for i, c in enumerate(uniq)}
    inv = np.array([pos[c] for c in codes], dtype=np.int64)
    m = len(uniq)
    w = sc.weight
    pop = demand.population[sc.idx]
    eld = demand.elderly[sc.idx]
    dep = demand.dependents[sc.idx]
    gap = ~sc.covered & (w > 0)
    tot = np.bincount(inv, weights=w, minlength=m)
    cov = np.bincount(inv, weights=np.where(sc.covered, w, 0.0), minlength=m)
    cnt = np.bincount(inv, minlength=m)
    unc = np.bincount(inv, weights=gap.astype(float), minlength=m)
    pops = np.bincount(inv, weights=pop, minlength=m)
    elds = np.bincount(inv, weights=eld, minlength=m)
    deps = np.bincount(inv, weights=dep, minlength=m)
    parent_of: dict[str, str] = {}
    if parents is not None:
        for c, p in zip(codes, parents, strict=True):
            parent_of[c] = p
    return [
        AreaRow(
            code=c,
            name=names.get(c, c),
            level=level,
            parent_name=names.get(parent_of.get(c, ""), ""),
            covered=float(cov[i]),
            total=float(tot[i]),
            covered_share=float(cov[i] / tot[i]) if tot[i] else 0.0,
            villages=int(cnt[i]),
            uncovered_villages=int(unc[i]),
            population=float(pops[i]),
            elderly=float(elds[i]),
            dependents=float(deps[i]),
        )
        for i, c in enumerate(uniq)
    ]


def village_rows(
    demand: DemandSet, sc: Scope, names: dict[str, str], keys: IntArray | None = None
) -> list[VillageRow]:
    """Rows of the demand points ``keys`` (positions within ``sc``; default all)."""
    ks = np.arange(len(sc.idx)) if keys is None else keys
    out = []
    for k in ks.tolist():
        i = int(sc.idx[k])
        town = str(demand.admin_codes[i])
        mins = float(sc.minutes[k])
        out.append(
            VillageRow(
                id=int(demand.ids[i]),
                code=demand.codes[i],
                name=demand.names[i],
                town_code=town,
                town_name=names.get(town, ""),
                county_name=names.get(town[:6].ljust(12, "0"), ""),
                lon=float(demand.lonlat[i, 0]),
                lat=float(demand.lonlat[i, 1]),
                population=float(demand.population[i]),
                elderly=float(demand.elderly[i]),
                dependents=float(demand.dependents[i]),
                weight=float(sc.weight[k]),
                minutes_to_nearest=None if mins < 0 else mins,
                covered=bool(sc.covered[k]),
            )
        )
    return out


def point_times(demand: DemandSet, sc: Scope) -> list[tuple[int, float | None, bool]]:
    """Each demand point of ``sc``: id, minutes to the nearest facility (None beyond the
    search limit), covered."""
    ids = demand.ids[sc.idx].tolist()
    mins = sc.minutes.tolist()
    cov = sc.covered.tolist()
    return [
        (int(i), None if m < 0 else float(m), bool(c))
        for i, m, c in zip(ids, mins, cov, strict=True)
    ]


def gap_keys(sc: Scope, limit: int | None = None) -> IntArray:
    """Positions (within ``sc``) of the uncovered villages with weight, heaviest first."""
    k = np.flatnonzero(~sc.covered & (sc.weight > 0))
    k = k[np.argsort(-sc.weight[k], kind="stable")]
    return k if limit is None else k[:limit]


def needed_names(demand: DemandSet, sc: Scope) -> set[str]:
    """Codes of the towns and counties of the points of ``sc``."""
    towns = {str(c) for c in np.unique(demand.admin_codes[sc.idx])}
    return towns | {c[:6].ljust(12, "0") for c in towns}


__all__ = [
    "LEVEL_NAMES",
    "AreaRow",
    "CoverageReport",
    "Drill",
    "PickRow",
    "Scope",
    "VillageRow",
    "area_path",
    "area_rows",
    "gap_keys",
    "group_codes",
    "needed_names",
    "point_times",
    "scope",
    "village_rows",
]
