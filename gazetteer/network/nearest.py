"""Travel times and route lines from one point to a few others over the road network.

One Dijkstra from the origin (a virtual node joined to the ends of its nearest edge, as
the coverage analysis joins its sites) answers every target; the predecessors give each
target's route. The search runs on the profile's reversed graph, so the times are from
each target to the origin; for the walking profiles (no one-way streets) that is the
same as from the origin to the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csgraph

from gazetteer.network.graph import FloatArray, ProfileGraph
from gazetteer.types import metric_to_lonlat


@dataclass(frozen=True, slots=True)
class Reach:
    """Travel to one target: seconds (inf when not reached) and the route as lon/lat."""

    time_s: float
    route: tuple[tuple[float, float], ...]


def reach(
    pg: ProfileGraph,
    origin_lonlat: tuple[float, float],
    targets_lonlat: FloatArray,
    *,
    limit_s: float = np.inf,
) -> list[Reach]:
    """Time and route from the origin to each target (snapped to their nearest edges)."""
    pts = np.asarray(targets_lonlat, dtype=float).reshape(-1, 2)
    if len(pts) == 0:
        return []
    origin = pg.snap_lonlat(np.array([origin_lonlat], dtype=float), max_snap_m=None)
    sites = pg.snap_lonlat(pts, max_snap_m=None)
    n = pg.n
    mat = pg.matrix(pg.site_rows(origin))
    dist, pred = csgraph.dijkstra(
        mat, directed=True, indices=n, limit=limit_s, return_predecessors=True
    )
    node_s = np.asarray(dist[:n], dtype=float)
    times, use_v = pg.point_times(sites, node_s)
    g = pg.graph
    same = np.flatnonzero(sites.edge == origin.edge[0])
    if len(same):
        along = pg.along_edge_s(sites, same, origin, np.zeros(len(same), dtype=np.int64))
        times = times.copy()
        better = along < times[same]
        times[same[better]] = along[better]
        direct = set(same[better].tolist())
    else:
        direct = set()
    o_xy = origin.xy[0]
    out = []
    for i in range(len(pts)):
        t = float(times[i])
        if not np.isfinite(t):
            out.append(Reach(np.inf, ()))
            continue
        xy = [sites.xy[i]]
        if i not in direct:
            node = int(g.edge_v[sites.edge[i]] if use_v[i] else g.edge_u[sites.edge[i]])
            steps = 0
            while 0 <= node < n and steps < n:
                xy.append(g.node_xy[node])
                node = int(pred[node])
                steps += 1
        xy.append(o_xy)
        ll = metric_to_lonlat(np.asarray(xy, dtype=float))
        route = tuple((round(float(a), 6), round(float(b), 6)) for a, b in ll)
        out.append(Reach(t, route[::-1]))  # from the origin
    return out


__all__ = ["Reach", "reach"]
