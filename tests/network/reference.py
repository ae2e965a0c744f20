"""An independent networkx reference for the network and coverage tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point

from gazetteer.model import NetworkEdge, NetworkNode
from gazetteer.network.profiles import TravelProfile


def reference_times_s(
    nodes: Sequence[NetworkNode],
    edges: Sequence[NetworkEdge],
    profile: TravelProfile,
    facilities: Sequence[tuple[float, float]],
    demand: Sequence[tuple[float, float]],
    *,
    direct_walk_m: float = 100.0,
) -> list[float]:
    """Each demand point's time to its nearest facility, computed independently with
    networkx on a graph whose edges are split at the points (brute-force snapping)."""
    tr = Transformer.from_crs(4490, 4550, always_xy=True)

    def proj(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(g, lambda a: np.column_stack(tr.transform(a[:, 0], a[:, 1])))

    speeds = []
    for e in edges:
        s = profile.class_speed_kmh(e.road_class)
        if profile.use_edge_speed and e.speed_kmh:
            s = e.speed_kmh if s > 0 else 0
        speeds.append(s)
    usable = [i for i, s in enumerate(speeds) if s > 0]
    geoms = [proj(e.geometry) for e in edges]
    access = profile.access_speed_kmh / 3.6

    def snap(p: tuple[float, float]) -> tuple[int, float, float, shapely.Geometry]:
        pt = proj(Point(p))
        d = [geoms[i].distance(pt) for i in usable]
        k = usable[int(np.argmin(d))]
        return k, float(geoms[k].project(pt, normalized=True)), float(min(d)), pt

    g = nx.DiGraph()
    on_edge: dict[int, list[tuple[float, object]]] = {}
    fpts, dpts = [], []
    for j, p in enumerate(facilities):
        k, f, a, pt = snap(p)
        on_edge.setdefault(k, []).append((f, ("F", j, a)))
        fpts.append(pt)
    for i, p in enumerate(demand):
        k, f, a, pt = snap(p)
        on_edge.setdefault(k, []).append((f, ("D", i, a)))
        dpts.append(pt)

    def add(a: object, b: object, t: float) -> None:
        if not g.has_edge(a, b) or g[a][b]["t"] > t:
            g.add_edge(a, b, t=t)

    for k in usable:
        e = edges[k]
        t = e.length_m / (speeds[k] / 3.6)
        back = not (e.oneway and profile.respect_oneway)
        chain: list[tuple[float, object]] = [(0.0, ("N", e.source))]
        for f, item in sorted(on_edge.get(k, []), key=lambda x: x[0]):
            chain.append((f, ("S", item)))
        chain.append((1.0, ("N", e.target)))
        for (fa, a), (fb, b) in itertools.pairwise(chain):  # type: ignore[assignment]
            add(a, b, (fb - fa) * t)
            if back:
                add(b, a, (fb - fa) * t)
        for _f, node in chain[1:-1]:
            kind, idx, acc = node[1]  # type: ignore[index]
            if kind == "D":
                add(("D", idx), node, acc / access)
            else:
                add(node, ("F", idx), acc / access)
    for i, dp in enumerate(dpts):
        for j, fp in enumerate(fpts):
            d = dp.distance(fp)
            if d <= direct_walk_m:
                add(("D", i), ("F", j), d / access)
    sources = [("F", j) for j in range(len(facilities)) if ("F", j) in g]
    if not sources:
        return [float("inf")] * len(demand)
    dist = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), sources, weight="t")
    return [float(dist.get(("D", i), float("inf"))) for i in range(len(demand))]
