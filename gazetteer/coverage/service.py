"""Coverage use cases: the 15-minute service circle, gaps, isochrones, what-if, scenarios.

Each call reads what it needs from the database (the road graph through a cache keyed by
the network's version; demand points snapped once per graph/profile/demand version), so
the API stays stateless. Facilities are read on every call: they change often and are few.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, Select, Subquery, func, insert, select, true

from gazetteer.coverage.analysis import (
    NearestTimes,
    isochrones,
    merge_nearest,
    nearest_times,
)
from gazetteer.coverage.model import (
    MAX_MINUTES,
    MIN_MINUTES,
    AreaCoverage,
    CoverageQuery,
    CoverageResult,
    Gap,
    Isochrone,
    MovedSite,
    NewSite,
    PointTime,
    Scenario,
    Weight,
    WhatIfChanges,
    WhatIfResult,
)
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FACILITY_TYPE_NAMES, FacilityType
from gazetteer.network.graph import ProfileGraph, RoadGraph, Snapped
from gazetteer.network.load import (
    cached_graph,
    format_network_version,
    network_version_from,
)
from gazetteer.network.profiles import get_profile
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.tables_coverage import coverage_scenarios
from gazetteer.types import LEVEL_DIGITS, AdminCode, admin_prefix, lonlat_to_metric, utc_now

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
MAX_SEARCH_MINUTES = 240.0


# --- input parsing ---------------------------------------------------------------------


def parse_facility_types(values: Sequence[str] | str | None) -> tuple[FacilityType, ...]:
    """Facility types from names (comma-separated or repeated); unknown ones are an error."""
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    out: list[FacilityType] = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                ft = FacilityType(part)
            except ValueError:
                raise InvalidInput(
                    f"未知设施类型 (unknown facility type): {part}; 可选 (choose from): "
                    + ", ".join(f.value for f in FacilityType)
                ) from None
            if ft not in out:
                out.append(ft)
    if not out:
        raise InvalidInput("请指定设施类型 (facility_type is required)")
    return tuple(out)


def parse_weight(value: str | None) -> Weight:
    try:
        return Weight(value or Weight.POPULATION)
    except ValueError:
        raise InvalidInput(
            f"未知权重 (unknown weight): {value}; 可选 (choose from): "
            + ", ".join(w.value for w in Weight)
        ) from None


def check_minutes(minutes: float) -> float:
    if not (MIN_MINUTES <= float(minutes) <= MAX_MINUTES) or minutes != minutes:
        raise InvalidInput(
            f"分钟数须在 {MIN_MINUTES}–{MAX_MINUTES} 之间 "
            f"(minutes must be between {MIN_MINUTES} and {MAX_MINUTES}): {minutes}"
        )
    return float(minutes)


def _admin_prefix(conn: Connection, code: str) -> tuple[str, int]:
    full = AdminCode.parse(code).value
    row = conn.execute(
        select(t.admin_areas.c.code, t.admin_areas.c.level).where(t.admin_areas.c.code == full)
    ).first()
    if row is None:
        raise NotFound(f"行政区划代码不存在 (unknown administrative area code): {code}")
    level = int(row[1])
    return admin_prefix(full, level), level


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _AreaIndex:
    idx: IntArray  # demand points inside the requested area
    codes: NDArray[np.str_]  # their admin codes
    groups: NDArray[np.str_]  # child areas (sorted, unique)
    inv: IntArray  # each point's child area, index into ``groups``


@dataclass(frozen=True, eq=False)
class DemandSet:
    ids: IntArray
    codes: list[str]
    names: list[str]
    admin_codes: NDArray[np.str_]
    lonlat: FloatArray
    population: FloatArray
    elderly: FloatArray
    dependents: FloatArray
    # per (admin prefix, level): the demand points in the area and their grouping by the
    # child area, derived once per demand version (see :func:`_area_index`)
    _areas: dict[tuple[str, int], _AreaIndex] = field(
        default_factory=dict, repr=False, compare=False
    )

    def weights(self, weight: Weight) -> FloatArray:
        return {
            Weight.POPULATION: self.population,
            Weight.ELDERLY: self.elderly,
            Weight.DEPENDENTS: self.dependents,
        }[weight]


@dataclass(frozen=True, eq=False)
class FacilitySet:
    ids: IntArray
    names: list[str]
    types: list[str]
    lonlat: FloatArray

    def __len__(self) -> int:
        return len(self.ids)


def _demand_version_subquery() -> Subquery:
    d = t.demand_points
    return select(
        func.count().label("dc"),
        func.max(d.c.id).label("dmax"),
        func.sum(d.c.population).label("dpop"),
        func.sum(d.c.elderly).label("deld"),
        func.sum(d.c.dependents).label("ddep"),
        func.sum(func.ST_X(d.c.geom) + func.ST_Y(d.c.geom)).label("dxy"),
    ).subquery("dv")


def _format_demand_version(row: Sequence[Any]) -> str:
    return ":".join(str(round(float(x), 6)) if x is not None else "-" for x in row)


def demand_version(conn: Connection) -> str:
    return _format_demand_version(conn.execute(select(_demand_version_subquery())).one())


@cache
def _data_versions_stmt() -> Select[Any]:
    return select(network_version_from().join(_demand_version_subquery(), true()))


def data_versions(conn: Connection) -> tuple[str, str]:
    """Network and demand fingerprints in one statement (one round trip per call; the
    statement is built once)."""
    row = conn.execute(_data_versions_stmt()).one()
    return format_network_version(*row[:5]), _format_demand_version(row[5:])


def load_demand(conn: Connection) -> DemandSet:
    d = t.demand_points
    rows = conn.execute(
        select(
            d.c.id,
            d.c.code,
            d.c.name,
            d.c.admin_code,
            func.ST_X(d.c.geom),
            func.ST_Y(d.c.geom),
            d.c.population,
            d.c.elderly,
            d.c.dependents,
        ).order_by(d.c.id)
    ).all()
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(9)]
    return DemandSet(
        ids=np.array(cols[0], dtype=np.int64),
        codes=[str(x) for x in cols[1]],
        names=[str(x) for x in cols[2]],
        admin_codes=np.array([str(x) for x in cols[3]], dtype=str),
        lonlat=np.column_stack([np.array(cols[4], float), np.array(cols[5], float)]).reshape(-1, 2),
        population=np.array(cols[6], dtype=float),
        elderly=np.array(cols[7], dtype=float),
        dependents=np.array(cols[8], dtype=float),
    )


def load_facilities(conn: Connection, types: Sequence[FacilityType]) -> FacilitySet:
    f = t.facilities
    q = select(f.c.id, f.c.name, f.c.type, func.ST_X(f.c.geom), func.ST_Y(f.c.geom)).order_by(
        f.c.id
    )
    if types:
        q = q.where(f.c.type.in_([str(x) for x in types]))
    rows = conn.execute(q).all()
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(5)]
    return FacilitySet(
        ids=np.array(cols[0], dtype=np.int64),
        names=[str(x) for x in cols[1]],
        types=[str(x) for x in cols[2]],
        lonlat=np.column_stack([np.array(cols[3], float), np.array(cols[4], float)]).reshape(-1, 2),
    )


@dataclass(frozen=True, eq=False)
class Context:
    """Everything one coverage question needs, for one profile."""

    graph: RoadGraph
    pg: ProfileGraph
    demand: DemandSet
    demand_sites: Snapped


_ctx_cache: OrderedDict[tuple[int, str, str], tuple[DemandSet, Snapped]] = OrderedDict()
_ctx_lock = threading.Lock()


def load_context(engine: Engine, conn: Connection, profile: str) -> Context:
    """Graph (cached per network version) and snapped demand (cached per demand version)."""
    prof = get_profile(profile)
    nv, dv = data_versions(conn)
    graph = cached_graph(engine, conn, version=nv)
    pg = graph.for_profile(prof)
    key = (id(graph), prof.name, dv)
    with _ctx_lock:
        hit = _ctx_cache.get(key)
    if hit is None:
        demand = load_demand(conn)
        sites = pg.snap_xy(lonlat_to_metric(demand.lonlat))
        hit = (demand, sites)
        with _ctx_lock:
            _ctx_cache[key] = hit
            while len(_ctx_cache) > 16:
                _ctx_cache.popitem(last=False)
    return Context(graph, pg, hit[0], hit[1])


# --- coverage --------------------------------------------------------------------------


def _search_limit_s(query: CoverageQuery) -> float:
    m = query.search_minutes
    if m is None:
        m = min(MAX_SEARCH_MINUTES, max(query.minutes * 3, query.minutes + 30))
    return max(float(m), query.minutes) * 60.0


def _area_names(conn: Connection, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    a = t.admin_areas
    rows = conn.execute(select(a.c.code, a.c.name).where(a.c.code.in_(list(codes)))).all()
    return {str(r[0]): str(r[1]) for r in rows}


def _validate(conn: Connection, query: CoverageQuery) -> tuple[str, int]:
    if not query.facility_types:
        raise InvalidInput("请指定设施类型 (facility_type is required)")
    check_minutes(query.minutes)
    get_profile(query.profile)
    if not (0 <= query.gaps_limit <= 100_000):
        raise InvalidInput("gaps_limit must be between 0 and 100000")
    if query.admin:
        return _admin_prefix(conn, query.admin)
    return "", 2


def _area_index(demand: DemandSet, prefix: str, level: int) -> _AreaIndex:
    """The demand points of an area grouped one level below it (counties for the whole
    city), memoised on the demand set (string work is the costly part of a summary)."""
    key = (prefix, level)
    hit = demand._areas.get(key)
    if hit is not None:
        return hit
    n = len(demand.ids)
    mask = np.char.startswith(demand.admin_codes, prefix) if prefix else np.ones(n, bool)
    idx = np.flatnonzero(mask)
    child_len = LEVEL_DIGITS.get(min(level + 1, 4), 6)
    codes = demand.admin_codes[idx]
    groups = np.char.ljust(codes.astype(f"U{child_len}"), 12, "0")
    uniq, inv = np.unique(groups, return_inverse=True)
    out = _AreaIndex(idx, codes, uniq, np.asarray(inv, np.int64).reshape(-1))
    with _ctx_lock:
        demand._areas[key] = out
    return out


def _summarise(
    names: dict[str, str],
    ctx: Context,
    query: CoverageQuery,
    near: NearestTimes,
    facility_ids: IntArray,
    areas: _AreaIndex,
    *,
    with_points: bool = True,
) -> CoverageResult:
    """``names``: the child areas' names (:func:`_area_names` of ``areas.groups``)."""
    demand = ctx.demand
    w_all = demand.weights(query.weight)
    idx = areas.idx
    w = w_all[idx]
    times = near.time_s[idx]
    covered_mask = times <= query.minutes * 60.0 + 1e-9
    total = float(w.sum())
    covered = float(w[covered_mask].sum())
    uniq, inv, codes = areas.groups, areas.inv, areas.codes
    tot_g = np.bincount(inv, weights=w, minlength=len(uniq))
    cov_g = np.bincount(inv, weights=np.where(covered_mask, w, 0.0), minlength=len(uniq))
    by_area = [
        AreaCoverage(
            str(code),
            names.get(str(code), ""),
            float(cv / tt) if tt else 0.0,
            float(cv),
            float(tt),
        )
        for code, cv, tt in zip(uniq, cov_g, tot_g, strict=True)
    ]
    fac_idx = near.facility[idx]
    fac_arr = np.where(fac_idx >= 0, facility_ids[np.maximum(fac_idx, 0)], -2)
    minutes = np.round(np.where(np.isfinite(times), times / 60.0, -1.0), 3)
    points: list[PointTime] = []
    if with_points:
        ids_l = demand.ids[idx].tolist()
        w_l, m_l, f_l, c_l = w.tolist(), minutes.tolist(), fac_arr.tolist(), covered_mask.tolist()
        codes_l = codes.tolist()
        points = [
            PointTime(
                ids_l[k],
                codes_l[k],
                w_l[k],
                None if m_l[k] < 0 else m_l[k],
                None if f_l[k] == -2 else f_l[k],
                c_l[k],
            )
            for k in range(len(idx))
        ]
    gap_k = np.flatnonzero(~covered_mask & (w > 0))
    gap_k = gap_k[np.argsort(-w[gap_k], kind="stable")][: query.gaps_limit]
    gaps = []
    for k in gap_k:
        i = idx[k]
        gaps.append(
            Gap(
                id=int(demand.ids[i]),
                code=demand.codes[i],
                name=demand.names[i],
                admin_code=str(demand.admin_codes[i]),
                lon=float(demand.lonlat[i, 0]),
                lat=float(demand.lonlat[i, 1]),
                weight=float(w[k]),
                minutes_to_nearest=None if minutes[k] < 0 else round(float(minutes[k]), 2),
                nearest_facility_id=None if fac_arr[k] == -2 else int(fac_arr[k]),
            )
        )
    return CoverageResult(
        covered_share=covered / total if total else 0.0,
        covered=covered,
        total=total,
        by_area=by_area,
        gaps=gaps,
        points=points,
        facility_count=len(facility_ids),
        minutes=query.minutes,
        profile=query.profile,
        weight=query.weight,
        facility_types=query.facility_types,
        admin=query.admin,
    )


def _round(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


def _no_facilities(types: Sequence[FacilityType]) -> InvalidInput:
    names = ", ".join(f"{FACILITY_TYPE_NAMES[x]} {x.value}" for x in types)
    return InvalidInput(f"没有该类型的设施 (no facilities of the requested type): {names}")


@dataclass(frozen=True, eq=False)
class _Baseline:
    """Snapped facilities and nearest times of the stored facilities, and the summaries
    already made of them (per query, area and area names)."""

    sites: Snapped
    near: NearestTimes
    summaries: OrderedDict[tuple[object, ...], CoverageResult] = field(
        default_factory=OrderedDict, repr=False
    )


_near_cache: OrderedDict[tuple[object, ...], _Baseline] = OrderedDict()


def _baseline(ctx: Context, facilities: FacilitySet, limit_s: float) -> _Baseline:
    """Snapped facilities and nearest times, memoised on the data they derive from (graph
    and demand version via the context, facility ids and positions), so what-if questions
    against the same baseline only pay for the changed sites."""
    key = (
        id(ctx.graph),
        id(ctx.pg),
        id(ctx.demand),
        facilities.ids.tobytes(),
        facilities.lonlat.tobytes(),
        limit_s,
    )
    with _ctx_lock:
        hit = _near_cache.get(key)
    if hit is not None:
        return hit
    sites = ctx.pg.snap_lonlat(facilities.lonlat, max_snap_m=None)
    near = nearest_times(ctx.pg, sites, ctx.demand_sites, limit_s=limit_s)
    out = _Baseline(sites, near)
    with _ctx_lock:
        _near_cache[key] = out
        while len(_near_cache) > 32:
            _near_cache.popitem(last=False)
    return out


def _baseline_summary(
    base: _Baseline,
    names: dict[str, str],
    ctx: Context,
    query: CoverageQuery,
    facility_ids: IntArray,
    areas: _AreaIndex,
    *,
    with_points: bool,
) -> CoverageResult:
    """:func:`_summarise` of the baseline, memoised with it: a what-if against the same
    baseline and question only summarises its scenario. The result is shared between
    calls (treat it as read-only)."""
    key = (query, areas.idx.tobytes(), tuple(sorted(names.items())), with_points)
    with _ctx_lock:
        hit = base.summaries.get(key)
    if hit is not None:
        return hit
    out = _summarise(names, ctx, query, base.near, facility_ids, areas, with_points=with_points)
    with _ctx_lock:
        base.summaries[key] = out
        while len(base.summaries) > 16:
            base.summaries.popitem(last=False)
    return out


def coverage(engine: Engine, query: CoverageQuery, *, with_points: bool = True) -> CoverageResult:
    """Who reaches a facility of ``query.facility_types`` within ``query.minutes``."""
    with engine.connect() as conn:
        prefix, level = _validate(conn, query)
        facilities = load_facilities(conn, query.facility_types)
        if len(facilities) == 0:
            raise _no_facilities(query.facility_types)
        ctx = load_context(engine, conn, query.profile)
        base = _baseline(ctx, facilities, _search_limit_s(query))
        areas = _area_index(ctx.demand, prefix, level)
        names = _area_names(conn, [str(c) for c in areas.groups])
    return _summarise(names, ctx, query, base.near, facilities.ids, areas, with_points=with_points)


def what_if(
    engine: Engine, query: CoverageQuery, changes: WhatIfChanges, *, with_points: bool = True
) -> WhatIfResult:
    """Coverage with facilities added, removed or moved; nothing is saved."""
    if len(changes.add) > 1000 or len(changes.remove) > 10000 or len(changes.move) > 1000:
        raise InvalidInput("变更过多 (too many changes in one what-if)")
    with engine.connect() as conn:
        prefix, level = _validate(conn, query)
        facilities = load_facilities(conn, query.facility_types)
        ctx = load_context(engine, conn, query.profile)
        pg = ctx.pg
        limit_s = _search_limit_s(query)
        known = {int(x): i for i, x in enumerate(facilities.ids)}
        for fid in [*changes.remove, *(m.id for m in changes.move)]:
            if fid not in known:
                raise NotFound(f"设施不存在或类型不符 (no facility {fid} of the requested types)")
        added_ll = np.array([(a.lon, a.lat) for a in changes.add], dtype=float).reshape(-1, 2)
        moved_ll = np.array([(m.lon, m.lat) for m in changes.move], dtype=float).reshape(-1, 2)
        added = pg.snap_lonlat(added_ll)  # raises for points outside the network
        moved = pg.snap_lonlat(moved_ll)
        if len(facilities) == 0 and not changes.add:
            raise _no_facilities(query.facility_types)
        areas = _area_index(ctx.demand, prefix, level)
        names = _area_names(conn, [str(c) for c in areas.groups])
    b = _baseline(ctx, facilities, limit_s)
    base_sites, base = b.sites, b.near
    base_ids = facilities.ids
    gone = {int(x) for x in changes.remove} | {m.id for m in changes.move}
    new_ids = np.concatenate(
        [
            np.full(len(changes.add), -1, np.int64),
            np.array([m.id for m in changes.move], np.int64),
        ]
    )
    extra = Snapped.concat([added, moved])
    if not gone:
        # additions only: the new nearest time is the better of the old and the added
        add_near = nearest_times(pg, extra, ctx.demand_sites, limit_s=limit_s)
        scen = merge_nearest(base, add_near, len(base_ids))
        scen_ids = np.concatenate([base_ids, new_ids])
    else:
        keep = np.array([int(x) not in gone for x in base_ids], dtype=bool)
        kept = base_sites.take(np.flatnonzero(keep))
        sites = Snapped.concat([kept, extra])
        scen_ids = np.concatenate([base_ids[keep], new_ids])
        scen = nearest_times(pg, sites, ctx.demand_sites, limit_s=limit_s)
    before = _baseline_summary(b, names, ctx, query, base_ids, areas, with_points=with_points)
    after = _summarise(names, ctx, query, scen, scen_ids, areas, with_points=with_points)
    after = _new_sites_unnamed(after)
    limit = query.minutes * 60.0 + 1e-9
    in_area = np.zeros(len(ctx.demand.ids), dtype=bool)
    in_area[areas.idx] = True
    was = (base.time_s <= limit) & in_area
    now = (scen.time_s <= limit) & in_area
    ids = ctx.demand.ids
    return WhatIfResult(
        baseline=before,
        scenario=after,
        covered_change=after.covered - before.covered,
        share_change=after.covered_share - before.covered_share,
        newly_covered=ids[now & ~was].tolist(),
        newly_uncovered=ids[was & ~now].tolist(),
    )


def _new_sites_unnamed(r: CoverageResult) -> CoverageResult:
    """New sites have no id yet (-1 in the id array): report them as ``None``."""
    points = [
        p
        if p.nearest_facility_id != -1
        else PointTime(p.id, p.admin_code, p.weight, p.minutes_to_nearest, None, p.covered)
        for p in r.points
    ]
    gaps = [
        g if g.nearest_facility_id != -1 else Gap(**{**asdict(g), "nearest_facility_id": None})
        for g in r.gaps
    ]
    return CoverageResult(
        r.covered_share,
        r.covered,
        r.total,
        r.by_area,
        gaps,
        points,
        r.facility_count,
        r.minutes,
        r.profile,
        r.weight,
        r.facility_types,
        r.admin,
    )


# --- isochrones ------------------------------------------------------------------------

MAX_ISOCHRONE_FACILITIES = 200


def facility_isochrones(
    engine: Engine,
    *,
    facility_types: Sequence[FacilityType] = (),
    facility_ids: Sequence[int] = (),
    points: Sequence[tuple[float, float]] = (),
    minutes: Sequence[float] = (5, 10, 15),
    profile: str = "walking",
    limit: int = MAX_ISOCHRONE_FACILITIES,
    progress: object | None = None,
) -> list[Isochrone]:
    """Service areas shaped from the reachable roads, per facility and minutes."""
    mins = sorted({check_minutes(m) for m in minutes})
    if not mins:
        raise InvalidInput("请指定分钟数 (minutes are required)")
    if not facility_types and not facility_ids and not points:
        raise InvalidInput("请指定设施类型、设施编号或位置 (facility_type, id or point required)")
    with engine.connect() as conn:
        fs = load_facilities(conn, facility_types) if facility_types or facility_ids else None
        ctx = load_context(engine, conn, profile)
    pg = ctx.pg
    items: list[tuple[int | None, str, str, FloatArray]] = []
    if fs is not None:
        want = set(int(x) for x in facility_ids)
        if facility_ids and not facility_types:
            with engine.connect() as conn:
                fs = load_facilities(conn, ())
        for i, fid in enumerate(fs.ids):
            if want and int(fid) not in want:
                continue
            items.append((int(fid), fs.names[i], fs.types[i], fs.lonlat[i]))
        missing = want - {x[0] for x in items}
        if missing:
            raise NotFound(f"设施不存在 (no such facility): {sorted(missing)[:10]}")
        if not items:
            raise _no_facilities(facility_types)
    for lon, lat in points:
        items.append((None, "", "", np.array([lon, lat], float)))
    if len(items) > limit:
        raise InvalidInput(
            f"一次最多 {limit} 个设施 (at most {limit} facilities per request; "
            f"{len(items)} requested): narrow by type, area or ids"
        )
    out: list[Isochrone] = []
    snapped = pg.snap_lonlat(np.array([x[3] for x in items]), max_snap_m=None if fs else 2000.0)
    for k, (fid, name, ftype, _ll) in enumerate(items):
        polys = isochrones(pg, snapped.take([k]), mins)
        out.extend(Isochrone(fid, name, ftype, m, g) for m, g in zip(mins, polys, strict=True))
        if progress is not None:
            progress.update(1)  # type: ignore[attr-defined]
    return out


# --- scenarios ---------------------------------------------------------------------------


def _query_json(q: CoverageQuery) -> dict[str, object]:
    return {
        "facility_types": [x.value for x in q.facility_types],
        "minutes": q.minutes,
        "profile": q.profile,
        "weight": q.weight.value,
        "admin": q.admin,
    }


def _changes_json(c: WhatIfChanges) -> dict[str, object]:
    return {
        "add": [asdict(a) for a in c.add],
        "remove": list(c.remove),
        "move": [asdict(m) for m in c.move],
    }


def _scenario_from_row(m: object) -> Scenario:
    mm = getattr(m, "_mapping", m)
    params = json.loads(mm["params"])  # type: ignore[index]
    q = params["query"]
    ch = params["changes"]
    return Scenario(
        id=int(mm["id"]),  # type: ignore[index]
        name=str(mm["name"]),  # type: ignore[index]
        description=str(mm["description"]),  # type: ignore[index]
        query=CoverageQuery(
            facility_types=tuple(FacilityType(x) for x in q["facility_types"]),
            minutes=float(q["minutes"]),
            profile=str(q["profile"]),
            weight=Weight(q["weight"]),
            admin=q.get("admin"),
        ),
        changes=WhatIfChanges(
            add=tuple(NewSite(**a) for a in ch["add"]),
            remove=tuple(int(x) for x in ch["remove"]),
            move=tuple(MovedSite(**m) for m in ch["move"]),
        ),
        summary={k: float(v) for k, v in json.loads(mm["summary"]).items()},  # type: ignore[index]
        created_by=str(mm["created_by"]),  # type: ignore[index]
        created_at=str(mm["created_at"]),  # type: ignore[index]
    )


def save_scenario(
    engine: Engine,
    name: str,
    query: CoverageQuery,
    changes: WhatIfChanges,
    *,
    description: str = "",
    user: str = "",
) -> Scenario:
    """Compute and store a what-if scenario for later comparison."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("方案名称须为1–100字符 (scenario name must be 1-100 characters)")
    result = what_if(engine, query, changes)
    summary = {
        "baseline_covered": result.baseline.covered,
        "baseline_share": result.baseline.covered_share,
        "covered": result.scenario.covered,
        "covered_share": result.scenario.covered_share,
        "total": result.scenario.total,
        "covered_change": result.covered_change,
    }
    params = {"query": _query_json(query), "changes": _changes_json(changes)}
    with write_transaction(engine) as conn:
        sid = conn.execute(
            insert(coverage_scenarios).returning(coverage_scenarios.c.id),
            [
                {
                    "name": name,
                    "description": description,
                    "params": json.dumps(params, ensure_ascii=False),
                    "summary": json.dumps(summary),
                    "created_by": user,
                    "created_at": utc_now(),
                }
            ],
        ).scalar_one()
        row = conn.execute(select(coverage_scenarios).where(coverage_scenarios.c.id == sid)).one()
        return _scenario_from_row(row)


def list_scenarios(engine: Engine) -> list[Scenario]:
    with engine.connect() as conn:
        rows = conn.execute(select(coverage_scenarios).order_by(coverage_scenarios.c.id)).all()
    return [_scenario_from_row(r) for r in rows]


def get_scenario(engine: Engine, scenario_id: int) -> Scenario:
    with engine.connect() as conn:
        row = conn.execute(
            select(coverage_scenarios).where(coverage_scenarios.c.id == scenario_id)
        ).first()
    if row is None:
        raise NotFound(f"方案不存在 (no scenario with id {scenario_id})")
    return _scenario_from_row(row)


def compare_scenarios(engine: Engine, ids: Sequence[int]) -> list[tuple[Scenario, WhatIfResult]]:
    """Each scenario recomputed on the current data, in the order asked."""
    if not ids:
        raise InvalidInput("请指定方案 (scenario ids are required)")
    out = []
    for sid in ids:
        s = get_scenario(engine, sid)
        out.append((s, what_if(engine, s.query, s.changes)))
    return out


__all__ = [
    "Context",
    "DemandSet",
    "FacilitySet",
    "check_minutes",
    "compare_scenarios",
    "coverage",
    "facility_isochrones",
    "get_scenario",
    "list_scenarios",
    "load_context",
    "load_demand",
    "load_facilities",
    "parse_facility_types",
    "parse_weight",
    "save_scenario",
    "what_if",
]
