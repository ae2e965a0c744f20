"""Coverage use cases: the 15-minute service circle, gaps, what-if, isochrones, where to
build next, saved scenarios.

Each call reads what it needs from the database on one connection and answers from the
process's :class:`~gazetteer.coverage.data.CoverageCache` (``cache=``; without one, a
private cache for the call), so the API stays stateless. Facilities are read on every
call: they change often and are few.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypedDict, Unpack

import numpy as np
from shapely.geometry import box
from shapely.ops import unary_union
from sqlalchemy import Connection, Engine

from gazetteer.cartography.layers import admin_shapes, facility_points, place_points
from gazetteer.coverage import isochrones, scenarios
from gazetteer.coverage import recommend as rec
from gazetteer.coverage import workbench as wb
from gazetteer.coverage.analysis import merge_nearest, nearest_times
from gazetteer.coverage.data import (
    AreaIndex,
    Context,
    CoverageCache,
    FacilitySet,
    load_facilities,
)
from gazetteer.coverage.inputs import check_minutes, check_query, no_facilities, search_limit_s
from gazetteer.coverage.model import (
    Candidate,
    CoverageQuery,
    CoverageResult,
    Isochrone,
    Recommendation,
    Scenario,
    SetCover,
    WhatIfChanges,
    WhatIfResult,
)
from gazetteer.coverage.report_pdf import MapLayers, report_pdf_bytes
from gazetteer.coverage.summary import (
    Baseline,
    area_index,
    baseline,
    baseline_summary,
    new_sites_unnamed,
    summarise,
)
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import AdminLevel, AdminRef, FacilityType
from gazetteer.network.graph import Snapped
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.repository.admin import area_names


def coverage(
    engine: Engine,
    query: CoverageQuery,
    *,
    with_points: bool = True,
    cache: CoverageCache | None = None,
) -> CoverageResult:
    """Who reaches a facility of ``query.facility_types`` within ``query.minutes``."""
    cache = cache or CoverageCache()
    with engine.connect() as conn:
        _level, facilities, ctx, base, areas = _today(conn, query, cache)
        names = area_names(conn, [str(c) for c in areas.groups])
    return summarise(names, ctx, query, base.near, facilities.ids, areas, with_points=with_points)


class _Today(NamedTuple):
    """Today's coverage of a query's area: what the coverage map and the workbench start
    from."""

    level: int
    facilities: FacilitySet
    ctx: Context
    base: Baseline
    areas: AreaIndex


def _today(conn: Connection, query: CoverageQuery, cache: CoverageCache) -> _Today:
    """The query checked, its facilities (at least one), the demand and the nearest times
    from today's facilities, and the area's demand points grouped one level down."""
    prefix, level = check_query(conn, query)
    facilities = load_facilities(conn, query.facility_types)
    if len(facilities) == 0:
        raise no_facilities(query.facility_types)
    ctx = cache.context(conn, query.profile)
    base = baseline(cache, ctx, facilities, search_limit_s(query))
    return _Today(level, facilities, ctx, base, area_index(ctx.demand, prefix, level))


def what_if(
    engine: Engine,
    query: CoverageQuery,
    changes: WhatIfChanges,
    *,
    with_points: bool = True,
    cache: CoverageCache | None = None,
) -> WhatIfResult:
    """Coverage with facilities added, removed or moved; nothing is saved."""
    if len(changes.add) > 1000 or len(changes.remove) > 10000 or len(changes.move) > 1000:
        raise InvalidInput("变更过多 (too many changes in one what-if)")
    cache = cache or CoverageCache()
    with engine.connect() as conn:
        prefix, level = check_query(conn, query)
        facilities = load_facilities(conn, query.facility_types)
        ctx = cache.context(conn, query.profile)
        pg = ctx.pg
        limit_s = search_limit_s(query)
        known = {int(x): i for i, x in enumerate(facilities.ids)}
        for fid in [*changes.remove, *(m.id for m in changes.move)]:
            if fid not in known:
                raise NotFound(f"设施不存在或类型不符 (no facility {fid} of the requested types)")
        added_ll = np.array([(a.lon, a.lat) for a in changes.add], dtype=float).reshape(-1, 2)
        moved_ll = np.array([(m.lon, m.lat) for m in changes.move], dtype=float).reshape(-1, 2)
        added = pg.snap_lonlat(added_ll)  # raises for points outside the network
        moved = pg.snap_lonlat(moved_ll)
        if len(facilities) == 0 and not changes.add:
            raise no_facilities(query.facility_types)
        areas = area_index(ctx.demand, prefix, level)
        names = area_names(conn, [str(c) for c in areas.groups])
    b = baseline(cache, ctx, facilities, limit_s)
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
    before = baseline_summary(b, names, ctx, query, base_ids, areas, with_points=with_points)
    after = summarise(names, ctx, query, scen, scen_ids, areas, with_points=with_points)
    after = new_sites_unnamed(after)
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


def facility_isochrones(
    engine: Engine,
    *,
    facility_types: Sequence[FacilityType] = (),
    facility_ids: Sequence[int] = (),
    points: Sequence[tuple[float, float]] = (),
    minutes: Sequence[float] = (5, 10, 15),
    profile: str = "walking",
    limit: int = isochrones.MAX_ISOCHRONE_FACILITIES,
    progress: object | None = None,
    cache: CoverageCache | None = None,
) -> list[Isochrone]:
    """Service areas shaped from the reachable roads, per facility and minutes."""
    mins = sorted({check_minutes(m) for m in minutes})
    if not mins:
        raise InvalidInput("请指定分钟数 (minutes are required)")
    if not facility_types and not facility_ids and not points:
        raise InvalidInput("请指定设施类型、设施编号或位置 (facility_type, id or point required)")
    cache = cache or CoverageCache()
    with engine.connect() as conn:
        fs = None
        if facility_types or facility_ids:
            # asked by id alone: any facility of any type
            fs = load_facilities(conn, facility_types if facility_types else ())
        ctx = cache.context(conn, profile)
    sites = isochrones.sites_of(
        fs,
        facility_types=facility_types,
        facility_ids=facility_ids,
        points=points,
        limit=limit,
    )
    return isochrones.service_areas(
        ctx.pg, sites, mins, max_snap_m=None if fs else 2000.0, progress=progress
    )


class SiteSearch(TypedDict, total=False):
    """Where :func:`recommend` and :func:`set_cover` may put new sites and how hard they
    look: the candidates (``source`` "demand" points (the default), road-network "nodes" or
    a supplied "list" of ``candidates``), the exact (HiGHS) answer besides the greedy one
    (``exact``, default true) within ``time_limit_s`` (default 10), a progress callback and
    the coverage cache."""

    source: str
    candidates: Sequence[Candidate]
    exact: bool
    time_limit_s: float
    progress: object | None
    cache: CoverageCache | None


def _problem(
    engine: Engine, query: CoverageQuery, search: SiteSearch
) -> tuple[rec.Problem, bool, float]:
    """The site problem of ``query`` with ``search``'s candidates, and whether to solve it
    exactly and in what time."""
    cache = search.get("cache") or CoverageCache()
    with engine.connect() as conn:
        prefix, _level = check_query(conn, query)
        facilities = load_facilities(conn, query.facility_types)
        ctx = cache.context(conn, query.profile)
    source, supplied = search.get("source", "demand"), search.get("candidates", ())
    progress = search.get("progress")
    p = rec.Problem(
        ctx, facilities, query, prefix, source=source, supplied=supplied, progress=progress
    )
    return p, search.get("exact", True), search.get("time_limit_s", 10.0)


def recommend(
    engine: Engine, query: CoverageQuery, k: int, **search: Unpack[SiteSearch]
) -> Recommendation:
    """The ``k`` new sites covering the most uncovered weight (greedy and exact)."""
    rec.check_k(k)
    p, exact, time_limit_s = _problem(engine, query, search)
    return rec.best_sites(p, k, exact=exact, time_limit_s=time_limit_s)


def set_cover(
    engine: Engine, query: CoverageQuery, target_share: float, **search: Unpack[SiteSearch]
) -> SetCover:
    """The fewest new sites lifting coverage to ``target_share`` (0-1)."""
    rec.check_target_share(target_share)
    p, exact, time_limit_s = _problem(engine, query, search)
    return rec.fewest_sites(p, target_share, exact=exact, time_limit_s=time_limit_s)


def save_scenario(
    engine: Engine,
    name: str,
    query: CoverageQuery,
    changes: WhatIfChanges,
    *,
    description: str = "",
    user: str = "",
    cache: CoverageCache | None = None,
) -> Scenario:
    """Compute and store a what-if scenario for later comparison."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("方案名称须为1–100字符 (scenario name must be 1-100 characters)")
    result = what_if(engine, query, changes, cache=cache)
    with write_transaction(engine) as conn:
        return scenarios.insert_scenario(
            conn,
            name,
            query,
            changes,
            scenarios.summary_of(result),
            description=description,
            user=user,
        )


def list_scenarios(engine: Engine) -> list[Scenario]:
    """Every saved scenario, oldest first."""
    with engine.connect() as conn:
        return scenarios.read_scenarios(conn)


def get_scenario(engine: Engine, scenario_id: int) -> Scenario:
    """One saved scenario."""
    with engine.connect() as conn:
        return scenarios.read_scenario(conn, scenario_id)


def compare_scenarios(
    engine: Engine, ids: Sequence[int], *, cache: CoverageCache | None = None
) -> list[tuple[Scenario, WhatIfResult]]:
    """Each scenario recomputed on the current data, in the order asked."""
    if not ids:
        raise InvalidInput("请指定方案 (scenario ids are required)")
    out = []
    for sid in ids:
        s = get_scenario(engine, sid)
        out.append((s, what_if(engine, s.query, s.changes, cache=cache)))
    return out


__all__ = [
    "SiteSearch",
    "compare_scenarios",
    "coverage",
    "drill",
    "facility_isochrones",
    "get_scenario",
    "list_scenarios",
    "pick_rows",
    "recommend",
    "report",
    "save_scenario",
    "set_cover",
    "what_if",
]


# --- the planners' workbench: drill-down and reports ---------------------------------------


def _scope_of(
    engine: Engine, query: CoverageQuery, cache: CoverageCache | None
) -> tuple[wb.Scope, Context, int, list[AdminRef], int, dict[str, str]]:
    """The demand points of the query's area with their coverage, the way up to the city,
    the area's level, the facility count and the names of the towns and counties."""
    cache = cache or CoverageCache()
    with engine.connect() as conn:
        level, facilities, ctx, base, areas = _today(conn, query, cache)
        sc = wb.scope(ctx.demand, areas.idx, query, base.near.time_s)
        path = wb.area_path(conn, query.admin)
        names = area_names(conn, wb.needed_names(ctx.demand, sc))
    return sc, ctx, level, path, len(facilities), names


def drill(
    engine: Engine,
    query: CoverageQuery,
    *,
    with_points: bool = False,
    cache: CoverageCache | None = None,
) -> wb.Drill:
    """Coverage of ``query.admin`` (the city when None) one level down: counties, towns,
    or the villages of a town; with the way back up and the gap villages."""
    sc, ctx, level, path, n_fac, names = _scope_of(engine, query, cache)
    demand = ctx.demand
    child = min(level + 1, wb.VILLAGE_LEVEL)
    rows: list[wb.AreaRow] = []
    villages: list[wb.VillageRow] = []
    if child < wb.VILLAGE_LEVEL:
        rows = wb.area_rows(demand, sc, child, names)
    else:
        villages = wb.village_rows(demand, sc, names)
    gaps_all = wb.gap_keys(sc)
    covered, total, share = sc.totals()
    area = path[-1] if path else AdminRef("", "", level)
    return wb.Drill(
        query=query,
        area=area,
        path=path,
        child_level=child,
        covered=covered,
        total=total,
        covered_share=share,
        villages=len(sc.idx),
        uncovered_villages=len(gaps_all),
        facility_count=n_fac,
        areas=rows,
        village_rows=villages,
        gaps=wb.village_rows(demand, sc, names, gaps_all[: query.gaps_limit]),
        gaps_total=len(gaps_all),
        points=wb.point_times(demand, sc) if with_points else [],
    )


def report(
    engine: Engine,
    query: CoverageQuery,
    *,
    k: int = 0,
    scenario_ids: Sequence[int] = (),
    exact: bool = False,
    all_villages: bool = False,
    cache: CoverageCache | None = None,
) -> wb.CoverageReport:
    """Coverage of the area by county and town, every gap village, and on request the
    ``k`` recommended sites and the saved scenarios compared."""
    if k:
        rec.check_k(k)
    cache = cache or CoverageCache()
    sc, ctx, level, path, n_fac, names = _scope_of(engine, query, cache)
    demand = ctx.demand
    by_county = wb.area_rows(demand, sc, 3, names) if level <= 3 else []
    by_town = wb.area_rows(demand, sc, 4, names) if level <= 4 else []
    gaps = wb.village_rows(demand, sc, names, wb.gap_keys(sc))
    covered, total, share = sc.totals()
    picks = recommend(engine, query, k, exact=exact, cache=cache) if k else None
    pick_list = pick_rows(engine, picks, cache=cache) if picks is not None else []
    comps = compare_scenarios(engine, scenario_ids, cache=cache) if scenario_ids else []
    return wb.CoverageReport(
        query=query,
        path=path,
        covered=covered,
        total=total,
        covered_share=share,
        facility_count=n_fac,
        by_county=by_county,
        by_town=by_town,
        gaps=gaps,
        recommendation=picks,
        picks=pick_list,
        villages=wb.village_rows(demand, sc, names) if all_villages else [],
        comparisons=comps,
    )


def _nearest(rows: Sequence[tuple[str, float, float]], lon: float, lat: float) -> str:
    best, dist = "", float("inf")
    for name, x, y in rows:
        d = (x - lon) ** 2 + (y - lat) ** 2
        if d < dist:
            best, dist = name, d
    return best


def pick_rows(
    engine: Engine, r: Recommendation, *, cache: CoverageCache | None = None
) -> list[wb.PickRow]:
    """The greedy picks (in the order they add the most) with where each one is."""
    cache = cache or CoverageCache()
    out: list[wb.PickRow] = []
    running = 0.0
    with engine.connect() as conn:
        demand = cache.context(conn, r.profile).demand
        towns = area_names(conn, {str(c) for c in np.unique(demand.admin_codes)})
        for p in r.greedy:
            c = p.candidate
            d2 = (demand.lonlat[:, 0] - c.lon) ** 2 + (demand.lonlat[:, 1] - c.lat) ** 2
            i = int(np.argmin(d2)) if len(d2) else -1
            pad = 0.01
            places = place_points(conn, bbox=(c.lon - pad, c.lat - pad, c.lon + pad, c.lat + pad))
            running += p.gain
            village = demand.names[i] if i >= 0 else ""
            out.append(
                wb.PickRow(
                    rank=p.rank,
                    lon=c.lon,
                    lat=c.lat,
                    name=c.name,
                    nearest_place=_nearest(
                        [(x.name, x.lon, x.lat) for x in places if x.name != village]
                        or [(village, c.lon, c.lat)],
                        c.lon,
                        c.lat,
                    ),
                    village=village,
                    town_name=towns.get(str(demand.admin_codes[i]), "") if i >= 0 else "",
                    gain=p.gain,
                    running_total=running,
                    covered_after=p.covered_after,
                    share_after=p.share_after,
                )
            )
    return out


def report_pdf(
    engine: Engine, r: wb.CoverageReport, *, cache: CoverageCache | None = None
) -> bytes:
    """The report as an A3 landscape PDF map (title, legend, scale, north arrow, date)."""
    full = report(engine, r.query, all_villages=True, cache=cache)
    area = r.path[-1] if r.path else None
    prefix = area.code[: {2: 4, 3: 6, 4: 9}.get(area.level, 12)] if area else ""
    with engine.connect() as conn:
        levels = [AdminLevel.CITY, AdminLevel.COUNTY, AdminLevel.TOWN]
        shapes = [
            s
            for s in admin_shapes(conn, levels=levels, tolerance_deg=0.0005)
            if s.code.startswith(prefix) or (area is not None and s.level < area.level)
        ]
        facs = facility_points(conn, types=[x.value for x in r.query.facility_types])
    own = [s for s in shapes if area is not None and s.code == area.code]
    if own:
        b = own[0].geometry.bounds
    elif shapes:
        b = unary_union([s.geometry for s in shapes]).bounds
    else:
        xs = [v.lon for v in full.villages] or [0.0]
        ys = [v.lat for v in full.villages] or [0.0]
        b = (min(xs), min(ys), max(xs), max(ys))
    bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    keep = [s for s in shapes if s.geometry.intersects(box(*bounds))]
    layers = MapLayers(
        areas=[(s.name, s.level, s.geometry) for s in keep],
        villages=full.villages,
        facilities=[
            (f.lon, f.lat)
            for f in facs
            if bounds[0] <= f.lon <= bounds[2] and bounds[1] <= f.lat <= bounds[3]
        ],
        bounds=bounds,
    )
    return report_pdf_bytes(r, layers)
