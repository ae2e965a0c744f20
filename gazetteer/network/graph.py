"""The road graph as arrays, per-profile travel-time matrices, and snapping to edges.

A :class:`RoadGraph` holds the network once (node and edge arrays, edge geometries in the
metric CGCS2000 / Gauss-Kruger CM 123E projection, EPSG:4550). For each travel profile a
:class:`ProfileGraph` adds the per-edge travel times and a CSR matrix of the *reversed*
graph: a Dijkstra run on it from a set of facilities gives every node's travel time **to**
the nearest facility, which is the planners' question ("who can reach a meal point"),
and is right for one-way streets too.

Points (facilities, demand points, ad-hoc locations) attach to the nearest **edge** usable
by the profile (shapely ``STRtree.query_nearest``), at a fraction along it; the leg between
the point and the road is walked at the profile's ``access_speed_kmh``.

Why arrays and scipy rather than networkx: a city network of 50,000-200,000 edges must
answer a full coverage question in well under a second; ``scipy.sparse.csgraph.dijkstra``
with ``min_only=True`` and ``limit`` does a multi-source search in C. networkx is used in
the tests and the benchmark as the independent reference.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from shapely import STRtree

from gazetteer.errors import InvalidInput
from gazetteer.model import NetworkEdge, NetworkNode, RoadClass
from gazetteer.network.profiles import TravelProfile
from gazetteer.types import lonlat_to_metric, metric_to_lonlat

ROAD_CLASSES: tuple[RoadClass, ...] = tuple(RoadClass)
MIN_WEIGHT_S = 1e-6  # csgraph: keep every arc strictly positive
DEFAULT_MAX_SNAP_M = 2000.0  # ad-hoc points farther than this from any road are "outside"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def geoms_to_metric(geoms: NDArray[Any]) -> NDArray[Any]:
    return np.asarray(shapely.transform(geoms, lonlat_to_metric), dtype=object)


def geoms_to_lonlat(geoms: Any) -> Any:
    return shapely.transform(geoms, metric_to_lonlat)


@dataclass(frozen=True, eq=False)
class Snapped:
    """Points attached to edges: edge index, fraction from the edge's source, access leg."""

    edge: IntArray
    frac: FloatArray
    access_m: FloatArray
    xy: FloatArray  # the original points, metric

    def __len__(self) -> int:
        return len(self.edge)

    def take(self, idx: IntArray | Sequence[int]) -> Snapped:
        i = np.asarray(idx, dtype=np.int64)
        return Snapped(self.edge[i], self.frac[i], self.access_m[i], self.xy[i])

    @staticmethod
    def concat(parts: Sequence[Snapped]) -> Snapped:
        if not parts:
            return Snapped(
                np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 2), dtype=float)
            )
        return Snapped(
            np.concatenate([p.edge for p in parts]),
            np.concatenate([p.frac for p in parts]),
            np.concatenate([p.access_m for p in parts]),
            np.concatenate([p.xy for p in parts]).reshape(-1, 2),
        )


class RoadGraph:
    """The network as arrays (see module docstring); build with :func:`graph_from_records`
    or :func:`gazetteer.network.load.load_graph`."""

    def __init__(
        self,
        *,
        node_ids: IntArray,
        node_lonlat: FloatArray,
        edge_ids: IntArray,
        edge_u: IntArray,
        edge_v: IntArray,
        edge_class: IntArray,
        edge_length_m: FloatArray,
        edge_speed_kmh: FloatArray,
        edge_oneway: NDArray[np.bool_],
        edge_geoms_lonlat: NDArray[Any],
        version: str = "",
    ) -> None:
        self.version = version
        self.node_ids = np.asarray(node_ids, dtype=np.int64)
        self.node_lonlat = np.asarray(node_lonlat, dtype=float).reshape(-1, 2)
        self.node_xy = lonlat_to_metric(self.node_lonlat)
        self.edge_ids = np.asarray(edge_ids, dtype=np.int64)
        self.edge_u = np.asarray(edge_u, dtype=np.int64)
        self.edge_v = np.asarray(edge_v, dtype=np.int64)
        self.edge_class = np.asarray(edge_class, dtype=np.int64)
        self.edge_length_m = np.asarray(edge_length_m, dtype=float)
        self.edge_speed_kmh = np.asarray(edge_speed_kmh, dtype=float)
        self.edge_oneway = np.asarray(edge_oneway, dtype=bool)
        geoms = geoms_to_metric(np.asarray(edge_geoms_lonlat, dtype=object))
        # Orient every geometry from its source node to its target node.
        if len(geoms):
            starts = shapely.get_coordinates(shapely.get_point(geoms, 0))
            d_u = np.hypot(*(starts - self.node_xy[self.edge_u]).T)
            d_v = np.hypot(*(starts - self.node_xy[self.edge_v]).T)
            flip = d_v < d_u
            if flip.any():
                geoms[flip] = shapely.reverse(geoms[flip])
        self.edge_geoms = geoms
        self._profiles: dict[str, ProfileGraph] = {}
        self._lock = threading.Lock()

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_ids)

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        lo = self.node_lonlat.min(axis=0)
        hi = self.node_lonlat.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    def for_profile(self, profile: TravelProfile) -> ProfileGraph:
        """The travel-time graph for ``profile`` (built once, then cached on this graph)."""
        pg = self._profiles.get(profile.name)
        if pg is not None and pg.profile == profile:
            return pg
        with self._lock:
            pg = self._profiles.get(profile.name)
            if pg is None or pg.profile != profile:
                pg = ProfileGraph.build(self, profile)
                self._profiles[profile.name] = pg
            return pg


def edge_speeds_kmh(graph: RoadGraph, profile: TravelProfile) -> FloatArray:
    """Speed of each edge under ``profile`` (0 = closed)."""
    class_speed = np.array([profile.class_speed_kmh(c) for c in ROAD_CLASSES], dtype=float)
    speed = class_speed[graph.edge_class]
    if profile.use_edge_speed:
        own = graph.edge_speed_kmh
        use = np.isfinite(own) & (own > 0) & (speed > 0)
        speed = np.where(use, own, speed)
    return speed


@dataclass(eq=False)
class ProfileGraph:
    """Per-profile travel times and the reversed-graph CSR used for "time to facility"."""

    graph: RoadGraph
    profile: TravelProfile
    fwd_s: FloatArray  # time source -> target along each edge (inf when not allowed)
    bwd_s: FloatArray  # time target -> source
    indptr: IntArray  # CSR of the reversed graph, shape (n, n)
    indices: IntArray
    data: FloatArray
    usable: IntArray  # edges usable in at least one direction
    _tree: STRtree | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.graph.n_nodes

    @property
    def access_speed_ms(self) -> float:
        return self.profile.access_speed_kmh / 3.6

    @staticmethod
    def build(graph: RoadGraph, profile: TravelProfile) -> ProfileGraph:
        speed = edge_speeds_kmh(graph, profile)
        with np.errstate(divide="ignore"):
            t = np.where(speed > 0, graph.edge_length_m / (speed / 3.6), np.inf)
        t = np.where(np.isfinite(t), np.maximum(t, MIN_WEIGHT_S), np.inf)
        fwd = t
        bwd = np.where(graph.edge_oneway & profile.respect_oneway, np.inf, t)
        # Reversed graph: arc v->u carries the time of u->v, arc u->v the time of v->u.
        rows = np.concatenate([graph.edge_v, graph.edge_u])
        cols = np.concatenate([graph.edge_u, graph.edge_v])
        w = np.concatenate([fwd, bwd])
        keep = np.isfinite(w) & (rows != cols)
        rows, cols, w = rows[keep], cols[keep], w[keep]
        n = graph.n_nodes
        indptr, indices, data = _csr_min(rows, cols, w, n)
        usable = np.flatnonzero(np.isfinite(fwd) | np.isfinite(bwd)).astype(np.int64)
        return ProfileGraph(graph, profile, fwd, bwd, indptr, indices, data, usable)

    def matrix(self, extra: tuple[IntArray, IntArray, FloatArray] | None = None) -> Any:
        """The reversed-graph CSR, with extra rows (virtual source nodes) appended."""
        n = self.n
        if extra is None:
            return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=(n, n))
        counts, cols, w = extra
        m = n + len(counts)
        indptr = np.concatenate([self.indptr, self.indptr[-1] + np.cumsum(counts)])
        return sparse.csr_matrix(
            (np.concatenate([self.data, w]), np.concatenate([self.indices, cols]), indptr),
            shape=(m, m),
        )

    def tree(self) -> STRtree:
        if self._tree is None:
            self._tree = STRtree(self.graph.edge_geoms[self.usable])
        return self._tree

    def snap_xy(self, xy: FloatArray) -> Snapped:
        """Attach metric points to their nearest usable edge."""
        pts_xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(pts_xy) == 0:
            return Snapped.concat([])
        if len(self.usable) == 0:
            raise InvalidInput("路网为空,无法计算 (the road network has no usable roads)")
        pts = shapely.points(pts_xy)
        (ip, it), dist = self.tree().query_nearest(pts, return_distance=True, all_matches=False)
        order = np.argsort(ip, kind="stable")
        ip, it, dist = ip[order], it[order], dist[order]
        edge = self.usable[it]
        frac = shapely.line_locate_point(self.graph.edge_geoms[edge], pts[ip], normalized=True)
        frac = np.nan_to_num(np.clip(frac, 0.0, 1.0))
        return Snapped(edge.astype(np.int64), frac.astype(float), dist.astype(float), pts_xy)

    def snap_lonlat(
        self, lonlat: FloatArray, *, max_snap_m: float | None = DEFAULT_MAX_SNAP_M
    ) -> Snapped:
        """Attach lon/lat points; with ``max_snap_m`` points farther from any road are an
        error (outside the network area)."""
        arr = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        if not np.isfinite(arr).all():
            raise InvalidInput("坐标无效 (coordinates must be finite numbers)")
        s = self.snap_xy(lonlat_to_metric(arr))
        if max_snap_m is not None and len(s) and float(s.access_m.max()) > max_snap_m:
            bad = [
                f"({arr[i, 0]:.6f}, {arr[i, 1]:.6f})"
                for i in np.flatnonzero(s.access_m > max_snap_m)[:10]
            ]
            raise InvalidInput(
                f"位置超出路网范围 (points outside the network area, more than "
                f"{max_snap_m:.0f} m from any road): " + ", ".join(bad),
                details={"bounds": self.graph.bounds_lonlat()},
            )
        return s

    def site_rows(self, sites: Snapped) -> tuple[IntArray, IntArray, FloatArray]:
        """Arcs from a virtual node per site to its edge's ends (reversed graph), as
        ``(counts, cols, weights)`` for :meth:`matrix`."""
        g = self.graph
        e = sites.edge
        access = sites.access_m / self.access_speed_ms
        to_u = access + _part(sites.frac, self.fwd_s[e])  # from u, forward to the site
        to_v = access + _part(1.0 - sites.frac, self.bwd_s[e])  # from v, backward
        cols = np.column_stack([g.edge_u[e], g.edge_v[e]])
        w = np.column_stack([to_u, to_v])
        ok = np.isfinite(w)
        same = cols[:, 0] == cols[:, 1]
        if same.any():  # a loop edge: one arc, the faster one
            w[same, 0] = np.minimum(w[same, 0], w[same, 1])
            ok[same, 1] = False
        w = np.maximum(w, MIN_WEIGHT_S)
        counts = ok.sum(axis=1).astype(np.int64)
        return counts, cols[ok].astype(np.int64), w[ok].astype(float)

    def point_times(
        self, sites: Snapped, node_s: FloatArray
    ) -> tuple[FloatArray, NDArray[np.bool_]]:
        """Travel time from each point to the target set through the network, given each
        node's time ``node_s`` (last axis = nodes). Returns times and whether the exit via
        the edge's target node was the faster."""
        g = self.graph
        e = sites.edge
        access = sites.access_m / self.access_speed_ms
        via_u = _part(sites.frac, self.bwd_s[e]) + node_s[..., g.edge_u[e]]
        via_v = _part(1.0 - sites.frac, self.fwd_s[e]) + node_s[..., g.edge_v[e]]
        use_v = via_v < via_u
        return access + np.where(use_v, via_v, via_u), use_v

    def along_edge_s(self, a: Snapped, ia: IntArray, b: Snapped, ib: IntArray) -> FloatArray:
        """Time from points ``a[ia]`` to points ``b[ib]`` on the same edge, along the edge,
        including both access legs (inf where the direction is closed)."""
        e = a.edge[ia]
        fa, fb = a.frac[ia], b.frac[ib]
        fwd = np.where(fb >= fa, _part(fb - fa, self.fwd_s[e]), np.inf)
        bwd = np.where(fb <= fa, _part(fa - fb, self.bwd_s[e]), np.inf)
        access = (a.access_m[ia] + b.access_m[ib]) / self.access_speed_ms
        return np.asarray(access + np.minimum(fwd, bwd), dtype=float)


def _part(share: FloatArray, time_s: FloatArray) -> FloatArray:
    """``share * time_s`` with 0 * inf = 0 (a point at the very end of a closed direction)."""
    with np.errstate(invalid="ignore"):
        return np.where(share <= 0, 0.0, share * time_s)


def _csr_min(
    rows: IntArray, cols: IntArray, w: FloatArray, n: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """CSR arrays keeping the minimum weight of parallel arcs (csr would sum them)."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    if len(rows):
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, w = rows[first], cols[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int64), w


def graph_from_records(
    nodes: Sequence[NetworkNode], edges: Sequence[NetworkEdge], *, version: str = ""
) -> RoadGraph:
    """A graph from domain records (used by importers and tests)."""
    ids = np.array([n.id for n in nodes], dtype=np.int64)
    lonlat = np.array([(n.point.x, n.point.y) for n in nodes], dtype=float).reshape(-1, 2)
    return graph_from_arrays(
        node_ids=ids,
        node_lonlat=lonlat,
        edge_ids=np.array(
            [e.id if e.id is not None else i + 1 for i, e in enumerate(edges)], dtype=np.int64
        ),
        edge_source=np.array([e.source for e in edges], dtype=np.int64),
        edge_target=np.array([e.target for e in edges], dtype=np.int64),
        edge_class=[str(e.road_class) for e in edges],
        edge_length_m=np.array([e.length_m for e in edges], dtype=float),
        edge_speed_kmh=np.array(
            [np.nan if e.speed_kmh is None else e.speed_kmh for e in edges], dtype=float
        ),
        edge_oneway=np.array([e.oneway for e in edges], dtype=bool),
        edge_geoms_lonlat=np.array([e.geometry for e in edges], dtype=object),
        version=version,
    )


def graph_from_arrays(
    *,
    node_ids: IntArray,
    node_lonlat: FloatArray,
    edge_ids: IntArray,
    edge_source: IntArray,
    edge_target: IntArray,
    edge_class: Sequence[str],
    edge_length_m: FloatArray,
    edge_speed_kmh: FloatArray,
    edge_oneway: NDArray[np.bool_],
    edge_geoms_lonlat: NDArray[Any],
    version: str = "",
) -> RoadGraph:
    """A graph from columns; node references are external ids, mapped to positions here."""
    node_ids = np.asarray(node_ids, dtype=np.int64)
    order = np.argsort(node_ids)
    sorted_ids = node_ids[order]

    def pos(ids: IntArray) -> IntArray:
        ids = np.asarray(ids, dtype=np.int64)
        if len(sorted_ids) == 0:
            if len(ids):
                raise InvalidInput("路网边引用了不存在的节点 (edges refer to missing nodes)")
            return ids
        i = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
        if len(ids) and not np.array_equal(sorted_ids[i], ids):
            missing = sorted(set(ids.tolist()) - set(sorted_ids.tolist()))[:10]
            raise InvalidInput(
                f"路网边引用了不存在的节点 (edges refer to missing nodes): {missing}"
            )
        return np.asarray(order[i], dtype=np.int64)

    class_index = {c.value: i for i, c in enumerate(ROAD_CLASSES)}
    try:
        classes = np.array([class_index[str(c)] for c in edge_class], dtype=np.int64)
    except KeyError as exc:
        raise InvalidInput(f"未知道路等级 (unknown road class): {exc.args[0]}") from None
    return RoadGraph(
        node_ids=node_ids,
        node_lonlat=node_lonlat,
        edge_ids=edge_ids,
        edge_u=pos(edge_source),
        edge_v=pos(edge_target),
        edge_class=classes,
        edge_length_m=edge_length_m,
        edge_speed_kmh=edge_speed_kmh,
        edge_oneway=edge_oneway,
        edge_geoms_lonlat=edge_geoms_lonlat,
        version=version,
    )


__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "ROAD_CLASSES",
    "ProfileGraph",
    "RoadGraph",
    "Snapped",
    "edge_speeds_kmh",
    "geoms_to_lonlat",
    "geoms_to_metric",
    "graph_from_arrays",
    "graph_from_records",
]
