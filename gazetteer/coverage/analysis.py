"""Pure network analysis on arrays: nearest-facility times, coverage matrices, isochrones.

Times are seconds internally (``_s``), minutes at the edges of the API. A demand point's
time to a facility is the best of

* walking to its edge (access leg), along the network to the facility's edge, and
  walking from the road to the facility (access leg);
* along their shared edge when both sit on the same one;
* walking straight there when the two are within ``DIRECT_WALK_MAX_M`` (so a facility
  opened at a village's own location serves it, whatever the road geometry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csgraph, csr_matrix
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gazetteer.network.graph import ProfileGraph, Snapped, _part, geoms_to_lonlat

DIRECT_WALK_MAX_M = 100.0
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class NearestTimes:
    """Per demand point: time to the nearest facility (inf beyond the search limit) and
    that facility's index in the site array (-1 when none is within the limit)."""

    time_s: FloatArray
    facility: IntArray


def _dijkstra_from_sites(
    pg: ProfileGraph, sites: Snapped, *, limit_s: float, min_only: bool
) -> tuple[FloatArray, IntArray]:
    """Distances from the sites' virtual nodes over the reversed graph."""
    n = pg.n
    counts, cols, w = pg.site_rows(sites)
    mat = pg.matrix((counts, cols, w))
    idx = np.arange(n, n + len(sites))
    if min_only:
        dist, _pred, src = csgraph.dijkstra(
            mat,
            directed=True,
            indices=idx,
            min_only=True,
            limit=limit_s,
            return_predecessors=True,
        )
        return np.asarray(dist[:n], float), np.asarray(src[:n], np.int64) - n
    dist = csgraph.dijkstra(mat, directed=True, indices=idx, limit=limit_s)
    return np.asarray(dist[:, :n], float), np.zeros(0, np.int64)


def _same_edge_pairs(demand: Snapped, sites: Snapped) -> tuple[IntArray, IntArray]:
    """All (demand index, site index) pairs on the same edge."""
    if len(sites) == 0 or len(demand) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(sites.edge, kind="stable")
    se = sites.edge[order]
    lo = np.searchsorted(se, demand.edge, "left")
    hi = np.searchsorted(se, demand.edge, "right")
    cnt = hi - lo
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    di = np.repeat(np.arange(len(demand)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    sj = order[np.repeat(lo, cnt) + offs]
    return di.astype(np.int64), sj.astype(np.int64)


def _direct_pairs(
    demand: Snapped, sites: Snapped, max_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    if len(sites) == 0 or len(demand) == 0 or max_m <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    if len(sites) < len(demand):
        # few sites (a what-if): query from the sites, then order the pairs as below
        tree = cKDTree(demand.xy)
        hits = tree.query_ball_point(sites.xy, r=max_m)
        sj = np.repeat(np.arange(len(sites)), [len(h) for h in hits]).astype(np.int64)
        di = np.fromiter((i for h in hits for i in h), dtype=np.int64, count=len(sj))
        order = np.lexsort((sj, di))
        di, sj = di[order], sj[order]
    else:
        tree = cKDTree(sites.xy)
        hits = tree.query_ball_point(demand.xy, r=max_m)  # each hit list sorted
        di = np.repeat(np.arange(len(demand)), [len(h) for h in hits]).astype(np.int64)
        sj = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=len(di))
    d = np.hypot(*(demand.xy[di] - sites.xy[sj]).T) if len(di) else np.zeros(0)
    return di, sj, d


def _improve(time_s: FloatArray, best: IntArray, di: IntArray, sj: IntArray, t: FloatArray) -> None:
    """In place: time_s[di] = min(time_s[di], t) and best follows the minimum."""
    if len(di) == 0:
        return
    order = np.argsort(-t, kind="stable")  # the last write (smallest time) wins
    cand_t = np.full_like(time_s, np.inf)
    cand_j = np.full_like(best, -1)
    cand_t[di[order]] = t[order]
    cand_j[di[order]] = sj[order]
    better = cand_t < time_s
    time_s[better] = cand_t[better]
    best[better] = cand_j[better]


def nearest_times(
    pg: ProfileGraph,
    facilities: Snapped,
    demand: Snapped,
    *,
    limit_s: float,
    direct_walk_m: float = DIRECT_WALK_MAX_M,
) -> NearestTimes:
    """Each demand point's time to its nearest facility (multi-source Dijkstra)."""
    nd = len(demand)
    if len(facilities) == 0:
        return NearestTimes(np.full(nd, np.inf), np.full(nd, -1, np.int64))
    node_s, node_f = _dijkstra_from_sites(pg, facilities, limit_s=limit_s, min_only=True)
    return _finish(pg, facilities, demand, node_s, node_f, limit_s, direct_walk_m)


def _finish(
    pg: ProfileGraph,
    facilities: Snapped,
    demand: Snapped,
    node_s: FloatArray,
    node_f: IntArray,
    limit_s: float,
    direct_walk_m: float,
) -> NearestTimes:
    g = pg.graph
    time_s, use_v = pg.point_times(demand, node_s)
    exit_node = np.where(use_v, g.edge_v[demand.edge], g.edge_u[demand.edge])
    best = np.where(np.isfinite(time_s), node_f[exit_node], -1).astype(np.int64)
    time_s = np.asarray(time_s, float).copy()
    di, sj = _same_edge_pairs(demand, facilities)
    _improve(time_s, best, di, sj, pg.along_edge_s(demand, di, facilities, sj))
    di, sj, d = _direct_pairs(demand, facilities, direct_walk_m)
    _improve(time_s, best, di, sj, d / pg.access_speed_ms)
    beyond = time_s > limit_s
    time_s[beyond] = np.inf
    best[beyond] = -1
    return NearestTimes(time_s, best)


def merge_nearest(a: NearestTimes, b: NearestTimes, b_offset: int) -> NearestTimes:
    """The better of two results (``b``'s facility indices shifted by ``b_offset``)."""
    take_b = b.time_s < a.time_s
    return NearestTimes(
        np.where(take_b, b.time_s, a.time_s),
        np.where(take_b, b.facility + b_offset, a.facility).astype(np.int64),
    )


def coverage_matrix(
    pg: ProfileGraph,
    candidates: Snapped,
    demand: Snapped,
    *,
    limit_s: float,
    direct_walk_m: float = DIRECT_WALK_MAX_M,
    chunk_cells: int = 4_000_000,
    progress: object | None = None,
) -> csr_matrix:
    """Boolean (candidates x demand) matrix: candidate i reaches demand j within the limit.

    Runs one limited Dijkstra per candidate in chunks (the dense distance block of a chunk
    is kept under ``chunk_cells`` cells)."""
    nc, nd = len(candidates), len(demand)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    if nc and nd:
        chunk = max(1, min(nc, chunk_cells // max(pg.n, 1)))
        g = pg.graph
        e = demand.edge
        access = demand.access_m / pg.access_speed_ms
        part_u = _part(demand.frac, pg.bwd_s[e]) + access
        part_v = _part(1.0 - demand.frac, pg.fwd_s[e]) + access
        eu, ev = g.edge_u[e], g.edge_v[e]
        for start in range(0, nc, chunk):
            idx = np.arange(start, min(nc, start + chunk))
            dist, _ = _dijkstra_from_sites(
                pg, candidates.take(idx), limit_s=limit_s, min_only=False
            )
            t = np.minimum(dist[:, eu] + part_u, dist[:, ev] + part_v)
            r, c = np.nonzero(t <= limit_s)
            rows.append(idx[r])
            cols.append(c.astype(np.int64))
            if progress is not None:
                progress.update(len(idx))  # type: ignore[attr-defined]
        di, sj = _same_edge_pairs(demand, candidates)
        ok = pg.along_edge_s(demand, di, candidates, sj) <= limit_s
        rows.append(sj[ok])
        cols.append(di[ok])
        di, sj, d = _direct_pairs(demand, candidates, direct_walk_m)
        ok = d / pg.access_speed_ms <= limit_s
        rows.append(sj[ok])
        cols.append(di[ok])
    r_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    m = csr_matrix((np.ones(len(r_all), dtype=np.int8), (r_all, c_all)), shape=(nc, nd))
    m.data[:] = 1  # duplicates were summed
    return m


def isochrones(pg: ProfileGraph, site: Snapped, minutes: Sequence[float]) -> list[BaseGeometry]:
    """Service-area polygons (lon/lat) of one site for each of ``minutes``: the roads
    from which the site is reachable in time, cut at the exact point along partly reachable
    edges, buffered by the profile's ``buffer_m``."""
    if len(site) != 1:
        raise ValueError("one site at a time")
    max_s = max(minutes) * 60.0
    dist, _ = _dijkstra_from_sites(pg, site, limit_s=max_s, min_only=False)
    node_s = dist[0]
    g = pg.graph
    fwd, bwd = pg.fwd_s, pg.bwd_s
    du, dv = node_s[g.edge_u], node_s[g.edge_v]
    e0, f0 = int(site.edge[0]), float(site.frac[0])
    acc0 = float(site.access_m[0]) / pg.access_speed_ms
    out: list[BaseGeometry] = []
    for m in minutes:
        limit = m * 60.0
        with np.errstate(invalid="ignore", divide="ignore"):
            hi_u = np.where(du <= limit, np.clip((limit - du) / bwd, 0, 1), -1.0)
            lo_v = np.where(dv <= limit, np.clip(1 - (limit - dv) / fwd, 0, 1), 2.0)
        hi_u = np.nan_to_num(hi_u, nan=-1.0)
        lo_v = np.nan_to_num(lo_v, nan=2.0)
        full = (hi_u >= 1) | (lo_v <= 0) | ((hi_u >= 0) & (lo_v <= 1) & (hi_u >= lo_v))
        pieces: list[BaseGeometry] = list(g.edge_geoms[full])
        part_u = np.flatnonzero(~full & (hi_u > 0))
        part_v = np.flatnonzero(~full & (lo_v < 1))
        pieces += [substring(g.edge_geoms[i], 0, hi_u[i], normalized=True) for i in part_u]
        pieces += [substring(g.edge_geoms[i], lo_v[i], 1, normalized=True) for i in part_v]
        rest = limit - acc0
        if rest > 0:
            lo = f0 - rest / fwd[e0] if np.isfinite(fwd[e0]) else f0
            hi = f0 + rest / bwd[e0] if np.isfinite(bwd[e0]) else f0
            pieces.append(substring(g.edge_geoms[e0], max(0.0, lo), min(1.0, hi), normalized=True))
        pieces.append(shapely.points(site.xy[0]))
        merged = shapely.union_all(
            shapely.buffer(np.array(pieces, dtype=object), pg.profile.buffer_m, quad_segs=3)
        )
        merged = shapely.simplify(merged, pg.profile.buffer_m / 5)
        out.append(geoms_to_lonlat(merged))
    return out


__all__ = [
    "DIRECT_WALK_MAX_M",
    "NearestTimes",
    "coverage_matrix",
    "isochrones",
    "merge_nearest",
    "nearest_times",
]
