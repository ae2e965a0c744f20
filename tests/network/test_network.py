"""The road graph: profiles, snapping to edges, loading from both backends, importers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import Engine

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.model import RoadClass
from gazetteer.network import (
    GraphCache,
    get_profile,
    graph_from_records,
    load_graph,
    load_profiles,
    read_lines,
    read_osm,
    save_network,
)
from gazetteer.storage import repository as repo
from gazetteer.storage.dialect import write_transaction
from gazetteer.types import lonlat_to_metric
from tests.datasets.grid_city import grid_network, lonlat


def test_profiles_are_data_and_validated(tmp_path: Path) -> None:
    walk, old = get_profile("walking"), get_profile("elderly_walking")
    assert walk.default_speed_kmh == 4.5
    assert old.default_speed_kmh == 3.0 and old.access_speed_kmh == 3.0
    car = get_profile("car")
    assert car.respect_oneway and car.class_speed_kmh(RoadClass.FOOTWAY) == 0
    assert car.class_speed_kmh(RoadClass.PRIMARY) > car.class_speed_kmh(RoadClass.RESIDENTIAL)
    with pytest.raises(InvalidInput, match="unknown travel profile"):
        get_profile("hovercraft")
    custom = tmp_path / "p.json"
    custom.write_text(json.dumps({"slow": {"default_speed_kmh": 2, "speed_kmh": {"track": 0}}}))
    assert load_profiles(custom)["slow"].class_speed_kmh(RoadClass.TRACK) == 0
    custom.write_text(json.dumps({"bad": {"default_speed_kmh": -1}}))
    with pytest.raises(InvalidInput):
        load_profiles(custom)


def test_snapping_matches_brute_force_nearest_edge() -> None:
    nodes, edges = grid_network(8, 8, 120, seed=5, drop_share=0.1)
    g = graph_from_records(nodes, edges)
    pg = g.for_profile(get_profile("walking"))
    rng = np.random.default_rng(7)
    pts_m = [lonlat(*rng.uniform(-80, 900, 2)) for _ in range(200)]
    s = pg.snap_lonlat(np.array(pts_m))
    xy = lonlat_to_metric(np.array(pts_m))
    for k in range(len(pts_m)):
        p = shapely.Point(xy[k])
        d = np.array([geom.distance(p) for geom in g.edge_geoms])
        assert s.access_m[k] == pytest.approx(d.min(), abs=1e-6)
        on = shapely.line_interpolate_point(g.edge_geoms[s.edge[k]], s.frac[k], normalized=True)
        assert on.distance(p) == pytest.approx(d.min(), abs=1e-4)
    # a point mid-edge attaches to the edge, not to a node
    mid = lonlat(60, 0)
    one = pg.snap_lonlat(np.array([mid]))
    assert 0.4 < one.frac[0] < 0.6 and one.access_m[0] < 1.0


def test_points_outside_the_network_are_rejected() -> None:
    nodes, edges = grid_network(3, 3, 100)
    pg = graph_from_records(nodes, edges).for_profile(get_profile("walking"))
    with pytest.raises(InvalidInput, match="outside the network"):
        pg.snap_lonlat(np.array([lonlat(50_000, 0)]))


def test_closed_roads_are_not_snapped_to() -> None:
    nodes, edges = grid_network(3, 1, 100)
    edges[0].road_class = RoadClass.MOTORWAY  # closed to walkers
    pg = graph_from_records(nodes, edges).for_profile(get_profile("walking"))
    s = pg.snap_lonlat(np.array([lonlat(50, 0)]))
    assert s.edge[0] == 1 and s.access_m[0] == pytest.approx(50, abs=0.5)


def test_graph_loads_from_the_database(engine: Engine) -> None:
    nodes, edges = grid_network(6, 5, 100, seed=2, oneway_share=0.3)
    with write_transaction(engine) as conn:
        repo.insert_network(conn, nodes, edges)
    with engine.connect() as conn:
        g = load_graph(conn)
    ref = graph_from_records(nodes, edges)
    assert g.n_nodes == ref.n_nodes and g.n_edges == ref.n_edges
    assert np.array_equal(g.node_ids[g.edge_u], ref.node_ids[ref.edge_u])
    assert np.array_equal(g.edge_oneway, ref.edge_oneway)
    assert np.allclose(g.node_xy, ref.node_xy)
    for a, b in zip(g.edge_geoms, ref.edge_geoms, strict=True):
        assert a.equals_exact(b, 1e-6)
    graphs = GraphCache()
    with engine.connect() as conn:
        first = graphs.get(conn)
    with engine.connect() as conn:
        assert graphs.get(conn) is first  # same version: cached
    extra_nodes, extra_edges = grid_network(2, 1, 100)
    for n in extra_nodes:
        n.id += 1000
    for e in extra_edges:
        e.source += 1000
        e.target += 1000
    with write_transaction(engine) as conn:
        repo.insert_network(conn, extra_nodes, extra_edges)
    with engine.connect() as conn:
        again = graphs.get(conn)
    assert again is not first and again.n_edges == first.n_edges + 1


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1001" lat="37.5000" lon="122.1000" version="1"/>
  <node id="1002" lat="37.5000" lon="122.1010" version="1"/>
  <node id="1003" lat="37.5000" lon="122.1020" version="1"/>
  <node id="1004" lat="37.5010" lon="122.1010" version="1"/>
  <node id="1005" lat="37.4990" lon="122.1010" version="1"/>
  <node id="1006" lat="37.5020" lon="122.1010" version="1"/>
  <node id="1007" lat="37.5030" lon="122.1030" version="1"/>
  <way id="1" version="1">
    <nd ref="1001"/><nd ref="1002"/><nd ref="1003"/>
    <tag k="highway" v="residential"/><tag k="name" v="文化路"/>
  </way>
  <way id="2" version="1">
    <nd ref="1005"/><nd ref="1002"/><nd ref="1004"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="40"/>
  </way>
  <way id="3" version="1">
    <nd ref="1006"/><nd ref="1004"/>
    <tag k="highway" v="service"/><tag k="oneway" v="-1"/>
  </way>
  <way id="4" version="1">
    <nd ref="1006"/><nd ref="1007"/>
    <tag k="building" v="yes"/>
  </way>
</osm>
"""


def test_osm_import_splits_ways_and_keeps_oneway(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    data = read_osm(path)
    # way 1 and way 2 split at the shared node 1002; way 3 one edge; the building ignored
    assert len(data.edges) == 5
    assert len(data.nodes) == 6
    by_name = [e for e in data.edges if e.name == "文化路"]
    assert len(by_name) == 2 and all(not e.oneway for e in by_name)
    assert all(e.length_m == pytest.approx(88.3, abs=1.0) for e in by_name)
    primary = [e for e in data.edges if e.road_class == RoadClass.PRIMARY]
    assert len(primary) == 2 and all(e.oneway and e.speed_kmh == 40 for e in primary)
    service = next(e for e in data.edges if e.road_class == RoadClass.SERVICE)
    # oneway=-1: the edge runs against the way's drawing direction (1004 -> 1006)
    assert service.oneway and service.geometry.coords[0][1] == pytest.approx(37.5010)
    with write_transaction(engine) as conn:
        save_network(conn, data)
    with engine.connect() as conn:
        g = load_graph(conn)
    car = g.for_profile(get_profile("car"))
    walk = g.for_profile(get_profile("walking"))
    # the primary is one-way north: the car graph has only one direction there
    from scipy.sparse.csgraph import dijkstra

    d_car = dijkstra(car.matrix(), directed=True)
    d_walk = dijkstra(walk.matrix(), directed=True)
    assert np.isinf(d_car).sum() > np.isinf(d_walk).sum()
    assert not np.isinf(d_walk).any()


def test_osm_import_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="not found"):
        read_osm(tmp_path / "missing.osm")
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><way", encoding="utf-8")
    with pytest.raises(ImportFailed):
        read_osm(bad)


def test_line_layer_import(tmp_path: Path) -> None:
    a, b, c = lonlat(0, 0), lonlat(100, 0), lonlat(200, 0)
    d = lonlat(100, 100)
    fc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"highway": "residential", "name": "A路", "oneway": "no"},
                "geometry": {"type": "LineString", "coordinates": [a, b, c]},
            },
            {
                "type": "Feature",
                "properties": {"highway": "tertiary", "oneway": "yes", "maxspeed": "30"},
                "geometry": {"type": "LineString", "coordinates": [b, d]},
            },
        ],
    }
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    data = read_lines(path)
    assert len(data.edges) == 3 and len(data.nodes) == 4
    tert = next(e for e in data.edges if e.road_class == RoadClass.TERTIARY)
    assert tert.oneway and tert.speed_kmh == 30
    fc["features"][0]["properties"]["highway"] = "spaceway"
    path.write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(ImportFailed):
        read_lines(path)
