"""The demo road network: urban grids, arterials between town seats, village roads.

Lengths are metres from a local equirectangular approximation centred on Weihai
(``x = Δlon·111 320·cos 37.1°``, ``y = Δlat·110 574``): over a 150 km wide city its error
is well under 0.5 %, far below what a travel-time model notices, and it is vectorised.

The network is built so that it is one connected component:

1. a grid of ~130 m blocks inside every built-up area and a small grid around every other
   town seat;
2. candidate links from a Delaunay triangulation of all anchors (villages, town seats,
   grid nodes), kept only when the straight link lies on land;
3. a minimum spanning forest over the candidates (Kruskal, seeded with the grid edges)
   plus each anchor's shortest links, so every anchor is reachable;
4. arterials along the Delaunay triangulation of the town seats;
5. every link longer than ~250 m is split into gently bent pieces (nodes every ~250 m).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import Delaunay
from shapely.geometry import Polygon

from gazetteer.model import RoadClass

LON0, LAT0 = 122.0, 37.1
MX = 111_320.0 * float(np.cos(np.radians(LAT0)))  # metres per degree of longitude
MY = 110_574.0  # metres per degree of latitude

SPEED_KMH: dict[RoadClass, float] = {
    RoadClass.PRIMARY: 60.0,
    RoadClass.SECONDARY: 50.0,
    RoadClass.TERTIARY: 40.0,
    RoadClass.RESIDENTIAL: 30.0,
    RoadClass.SERVICE: 20.0,
    RoadClass.TRACK: 15.0,
}
URBAN_SPEED_KMH: dict[RoadClass, float] = {
    RoadClass.PRIMARY: 50.0,
    RoadClass.SECONDARY: 40.0,
    RoadClass.RESIDENTIAL: 30.0,
}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def metres(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return (lon - LON0) * MX, (lat - LAT0) * MY


def length_m(coords: FloatArray) -> float:
    """Length in metres of a lon/lat polyline (n×2 array)."""
    d = np.diff(coords, axis=0)
    return float(np.hypot(d[:, 0] * MX, d[:, 1] * MY).sum())


@dataclass
class GridLine:
    """A straight run of grid edges in one built-up area (the geometry of a street)."""

    area: int  # index of the built-up area or -1-town index for town-seat grids
    horizontal: bool
    index: int
    nodes: list[int]  # node ids along the line


@dataclass
class Network:
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    # edges: source, target, class, oneway, name
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    cls: list[RoadClass] = field(default_factory=list)
    oneway: list[bool] = field(default_factory=list)
    urban: list[bool] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    lines: list[GridLine] = field(default_factory=list)

    def add_node(self, lon: float, lat: float) -> int:
        self.lon.append(lon)
        self.lat.append(lat)
        return len(self.lon) - 1

    def add_edge(
        self, a: int, b: int, cls: RoadClass, *, oneway: bool = False, urban: bool = False
    ) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.cls.append(cls)
        self.oneway.append(oneway)
        self.urban.append(urban)
        self.names.append("")


def add_grid(
    net: Network,
    poly: Polygon,
    *,
    area: int,
    spacing_m: float,
    major_every: int,
    node_ok: Polygon | None = None,
) -> list[int]:
    """A street grid clipped to ``poly``; returns the ids of its nodes."""
    x0, y0, x1, y1 = poly.bounds
    dx, dy = spacing_m / MX, spacing_m / MY
    xs = np.arange(x0 + dx / 2, x1, dx)
    ys = np.arange(y0 + dy / 2, y1, dy)
    gx, gy = np.meshgrid(xs, ys)  # shape (ny, nx)
    inside = shapely.contains_xy(poly, gx, gy)
    if node_ok is not None:
        inside &= shapely.contains_xy(node_ok, gx, gy)
    ids = np.full(gx.shape, -1, dtype=np.int64)
    made: list[int] = []
    for j, i in zip(*np.nonzero(inside), strict=True):
        nid = net.add_node(round(float(gx[j, i]), 6), round(float(gy[j, i]), 6))
        ids[j, i] = nid
        made.append(nid)
    ny, nx = ids.shape

    def cls_of(k: int) -> tuple[RoadClass, bool]:
        if k % major_every == 0:
            return RoadClass.PRIMARY, False
        if k % (major_every // 2 or 1) == 0:
            return RoadClass.SECONDARY, False
        return RoadClass.RESIDENTIAL, k % 11 == 5  # a few one-way streets

    # horizontal lines (constant j), then vertical lines (constant i)
    for j in range(ny):
        cls, ow = cls_of(j)
        for run in _runs(ids[j, :]):
            for a, b in pairwise(run):
                net.add_edge(a, b, cls, oneway=ow and j % 2 == 0, urban=True)
            net.lines.append(GridLine(area, True, j, run))
    for i in range(nx):
        cls, ow = cls_of(i)
        for run in _runs(ids[:, i]):
            for a, b in pairwise(run):
                # one-way vertical streets run the other way round every second line
                if ow and i % 2 == 1:
                    net.add_edge(b, a, cls, oneway=True, urban=True)
                else:
                    net.add_edge(a, b, cls, oneway=False, urban=True)
            net.lines.append(GridLine(area, False, i, run))
    return made


def _runs(cells: IntArray) -> list[list[int]]:
    """The runs of two or more nodes in a row along one grid line (-1: no node)."""
    runs: list[list[int]] = []
    run: list[int] = []
    for cell in cells:
        if cell >= 0:
            run.append(int(cell))
            continue
        if len(run) >= 2:
            runs.append(run)
        run = []
    if len(run) >= 2:
        runs.append(run)
    return runs


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, a: int) -> int:
        p = self.parent
        root = a
        while p[root] != root:
            root = int(p[root])
        while p[a] != root:
            p[a], a = root, int(p[a])
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _delaunay_pairs(x: FloatArray, y: FloatArray) -> IntArray:
    tri = Delaunay(np.column_stack([x, y]))
    s = tri.simplices
    pairs = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0).astype(np.int64)


def _on_land(lon: FloatArray, lat: FloatArray, pairs: IntArray, land: Polygon) -> NDArray[np.bool_]:
    coords = np.stack(
        [
            np.column_stack([lon[pairs[:, 0]], lat[pairs[:, 0]]]),
            np.column_stack([lon[pairs[:, 1]], lat[pairs[:, 1]]]),
        ],
        axis=1,
    )
    lines = shapely.linestrings(coords)
    shapely.prepare(land)
    return np.asarray(shapely.contains_properly(land, lines), dtype=bool)


def connect(
    net: Network,
    *,
    anchors: list[int],
    seats: list[int],
    land: Polygon,
    rng: np.random.Generator,
    max_link_m: float = 6000.0,
    extra_links: int = 2,
) -> None:
    """Link every node into one component (see the module docstring)."""
    lon = np.asarray(net.lon)
    lat = np.asarray(net.lat)
    x, y = metres(lon, lat)
    n = len(lon)
    uf = _UnionFind(n)
    for a, b in zip(net.src, net.dst, strict=True):
        uf.union(a, b)
    is_anchor = np.zeros(n, dtype=bool)
    is_anchor[anchors] = True
    pairs = _delaunay_pairs(x, y)
    keep = is_anchor[pairs[:, 0]] | is_anchor[pairs[:, 1]]
    pairs = pairs[keep]
    dist = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
    ok = dist < max_link_m
    pairs, dist = pairs[ok], dist[ok]
    ok = _on_land(lon, lat, pairs, land)
    pairs, dist = pairs[ok], dist[ok]
    order = np.lexsort((pairs[:, 1], pairs[:, 0], dist))
    pairs, dist = pairs[order], dist[order]
    chosen = np.zeros(len(pairs), dtype=bool)
    for k in range(len(pairs)):
        if uf.union(int(pairs[k, 0]), int(pairs[k, 1])):
            chosen[k] = True
    # loops: each anchor's shortest links (a real network is not a tree)
    seen = np.zeros(n, dtype=np.int64)
    for k in range(len(pairs)):
        a, b = int(pairs[k, 0]), int(pairs[k, 1])
        if (
            not chosen[k]
            and (seen[a] < extra_links or seen[b] < extra_links)
            and (dist[k] < 2500.0 or rng.random() < 0.2)
        ):
            chosen[k] = True
        seen[a] += 1
        seen[b] += 1
    # any part still apart (cut off by a bay): join its nearest node to the main part
    roots = np.array([uf.find(i) for i in range(n)])
    main = np.bincount(roots).argmax()
    for r in sorted(set(roots.tolist()) - {int(main)}):
        part = np.nonzero(roots == r)[0]
        rest = np.nonzero(roots == main)[0]
        px, py = x[part], y[part]
        best = (np.inf, 0, 0)
        for i in part[:: max(1, len(part) // 50)]:
            d = np.hypot(x[rest] - x[i], y[rest] - y[i])
            k = int(d.argmin())
            if d[k] < best[0]:
                best = (float(d[k]), int(i), int(rest[k]))
        del px, py
        net_link = np.array([[best[1], best[2]]], dtype=np.int64)
        pairs = np.vstack([pairs, net_link])
        dist = np.append(dist, best[0])
        chosen = np.append(chosen, True)
        uf.union(best[1], best[2])
        roots = np.array([uf.find(i) for i in range(n)])
        main = np.bincount(roots).argmax()
    # arterials between town seats
    sx, sy = x[seats], y[seats]
    seat_pairs = _delaunay_pairs(sx, sy)
    seat_arr = np.asarray(seats, dtype=np.int64)
    sp = seat_arr[seat_pairs]
    sd = np.hypot(x[sp[:, 0]] - x[sp[:, 1]], y[sp[:, 0]] - y[sp[:, 1]])
    ok = (sd < 22000.0) & _on_land(lon, lat, sp, land)
    sp, sd = sp[ok], sd[ok]
    for (a, b), d in zip(sp.tolist(), sd.tolist(), strict=True):
        cls = RoadClass.PRIMARY if d > 9000 else RoadClass.SECONDARY
        _add_bent_link(net, a, b, cls, rng)
    for k in np.nonzero(chosen)[0].tolist():
        a, b = int(pairs[k, 0]), int(pairs[k, 1])
        d = float(dist[k])
        cls = (
            RoadClass.TERTIARY
            if d > 2500
            else RoadClass.RESIDENTIAL
            if d > 600
            else RoadClass.SERVICE
        )
        _add_bent_link(net, a, b, cls, rng)


def _add_bent_link(net: Network, a: int, b: int, cls: RoadClass, rng: np.random.Generator) -> None:
    ax, ay, bx, by = net.lon[a], net.lat[a], net.lon[b], net.lat[b]
    d = float(np.hypot((bx - ax) * MX, (by - ay) * MY))
    k = max(1, round(d / 250.0))
    if k == 1:
        net.add_edge(a, b, cls)
        return
    t = np.linspace(0.0, 1.0, k + 1)[1:-1]
    amp = min(60.0, 0.04 * d) * float(rng.uniform(-1.0, 1.0))
    bend = amp * np.sin(np.pi * t)
    nxm, nym = -(by - ay) * MY / d, (bx - ax) * MX / d  # unit normal in metres
    px = ax + (bx - ax) * t + bend * nxm / MX
    py = ay + (by - ay) * t + bend * nym / MY
    prev = a
    for xx, yy in zip(px.tolist(), py.tolist(), strict=True):
        nid = net.add_node(round(xx, 6), round(yy, 6))
        net.add_edge(prev, nid, cls)
        prev = nid
    net.add_edge(prev, b, cls)


def edge_arrays(net: Network) -> tuple[IntArray, IntArray, FloatArray]:
    """Source, target and length in metres of every edge."""
    src = np.asarray(net.src, dtype=np.int64)
    dst = np.asarray(net.dst, dtype=np.int64)
    lon = np.asarray(net.lon)
    lat = np.asarray(net.lat)
    dl = np.hypot((lon[dst] - lon[src]) * MX, (lat[dst] - lat[src]) * MY)
    return src, dst, dl
