"""Summing a coverage answer up: covered shares by area, gaps, per-point times, and the
memoised baseline of a facility set (so a what-if pays only for its changed sites).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, field

import numpy as np

from gazetteer.coverage.analysis import NearestTimes, nearest_times
from gazetteer.coverage.data import (
    AreaIndex,
    Context,
    CoverageCache,
    DemandSet,
    FacilitySet,
    IntArray,
)
from gazetteer.coverage.model import AreaCoverage, CoverageQuery, CoverageResult, Gap, PointTime
from gazetteer.network.graph import Snapped
from gazetteer.storage.memo import Memo
from gazetteer.types import LEVEL_DIGITS


def area_index(demand: DemandSet, prefix: str, level: int) -> AreaIndex:
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
    out = AreaIndex(idx, codes, uniq, np.asarray(inv, np.int64).reshape(-1))
    demand._areas[key] = out  # a dict store is atomic; two threads make the same value
    return out


def summarise(
    names: dict[str, str],
    ctx: Context,
    query: CoverageQuery,
    near: NearestTimes,
    facility_ids: IntArray,
    areas: AreaIndex,
    *,
    with_points: bool = True,
) -> CoverageResult:
    """``names``: the child areas' names (``storage.repository.area_names`` of ``areas.groups``)."""
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


@dataclass(frozen=True, eq=False)
class Baseline:
    """Snapped facilities and nearest times of the stored facilities, and the summaries
    already made of them (per query, area and area names)."""

    sites: Snapped
    near: NearestTimes
    summaries: Memo[Hashable, CoverageResult] = field(default_factory=lambda: Memo(16), repr=False)


def baseline(
    cache: CoverageCache, ctx: Context, facilities: FacilitySet, limit_s: float
) -> Baseline:
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

    def make() -> Baseline:
        sites = ctx.pg.snap_lonlat(facilities.lonlat, max_snap_m=None)
        return Baseline(sites, nearest_times(ctx.pg, sites, ctx.demand_sites, limit_s=limit_s))

    found: Baseline = cache.baselines.get_or_make(key, make)
    return found


def baseline_summary(
    base: Baseline,
    names: dict[str, str],
    ctx: Context,
    query: CoverageQuery,
    facility_ids: IntArray,
    areas: AreaIndex,
    *,
    with_points: bool,
) -> CoverageResult:
    """:func:`summarise` of the baseline, memoised with it: a what-if against the same
    baseline and question only summarises its scenario. The result is shared between
    calls (treat it as read-only)."""
    key = (query, areas.idx.tobytes(), tuple(sorted(names.items())), with_points)
    return base.summaries.get_or_make(
        key,
        lambda: summarise(
            names, ctx, query, base.near, facility_ids, areas, with_points=with_points
        ),
    )


def new_sites_unnamed(r: CoverageResult) -> CoverageResult:
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


__all__ = [
    "Baseline",
    "area_index",
    "baseline",
    "baseline_summary",
    "new_sites_unnamed",
    "summarise",
]
