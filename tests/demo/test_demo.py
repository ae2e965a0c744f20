"""The Weihai demo dataset: figures, history, codes, land, network, determinism, CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import Connection, Engine, Row, select

from gazetteer.demo import NAMING_HOOKS, DemoContext, build_demo
from gazetteer.errors import Conflict, GazetteerError
from gazetteer.services.stats import dataset_stats
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db

SEA_CATEGORIES = {"11100", "11200", "11700"}  # bays, straits, reefs lie in the sea
FACILITIES = {
    "eldercare_institution": 158,
    "regional_eldercare_centre": 14,
    "town_eldercare_centre": 19,
    "community_eldercare_centre": 40,
    "day_care_centre": 287,
    "rural_happiness_home": 430,
    "home_care_organisation": 72,
    "community_canteen": 46,
    "elderly_meal_point": 453,
    "rural_elderly_table": 120,
    "public_cemetery": 5,
    "funeral_home": 4,
    "marriage_registry": 4,
    "social_assistance_centre": 5,
}


@pytest.fixture(scope="module")
def demo_engine(demo_settings: Settings) -> Engine:
    return create_engine_from_settings(demo_settings)


def test_figures_from_the_report(demo_engine: Engine) -> None:
    s = dataset_stats(demo_engine)
    assert s["names"] == 16_744
    assert s["historical_names"] == 101
    assert s["categories"] == 10
    assert s["subcategories"] == 65
    assert s["attribute_characters"] >= 930_000
    assert s["standardised"] == 75
    assert s["added"] == 5_093
    assert s["census_status"]["unchanged"] == 16_744 - 75 - 5_093
    assert s["admin_areas_by_level"] == {"2": 1, "3": 7, "4": 73, "5": 2_768}
    assert s["demand_points"] == 2_768
    assert 2_800_000 <= s["population"] <= 3_000_000
    assert 0.23 <= s["elderly"] / s["population"] <= 0.28
    assert 5_000 <= s["dependents"] <= 8_000
    assert s["facilities_by_type"] == FACILITIES
    assert 50_000 <= s["network_edges"] <= 200_000
    assert s["built_up_areas"] >= 4
    assert s["compounds"] >= 103
    assert s["roads"] >= 83
    with demo_engine.connect() as conn:
        beds = conn.execute(
            select(t.facilities.c.beds).where(t.facilities.c.type == "eldercare_institution")
        ).scalars()
        assert sum(b or 0 for b in beds) > 35_000
        linked = conn.execute(
            select(t.places.c.category_code).select_from(
                t.facilities.join(t.places, t.facilities.c.place_id == t.places.c.id)
            )
        ).scalars()
        assert set(linked) <= {"27600", "27610"}


def _former(conn: Connection, reason: str, *columns: Any) -> list[Row[Any]]:
    """``columns`` of the former names and geometries recorded for ``reason``, each joined
    to its place (the history's columns first)."""
    p, h = t.places, t.place_history
    stmt = select(*columns).join(p, p.c.id == h.c.place_id).where(h.c.reason == reason)
    return list(conn.execute(stmt).all())


def test_history_and_naming_lists(demo_engine: Engine) -> None:
    p, h = t.places, t.place_history
    with demo_engine.connect() as conn:
        std = _former(conn, "standardisation", h.c.name, h.c.valid_to, p.c.name, p.c.census_status)
        assert len(std) == 75
        for former, valid_to, current, status in std:
            assert former != current and status == "standardised"
            assert 2015 <= valid_to.year <= 2018
        adj = _former(conn, "adjustment", h.c.geom, h.c.note, p.c.geom, p.c.category_code)
        assert len(adj) == 17
        for old, note, new, cat in adj:
            assert cat == "23510" and "原起点" in note and "原止点" in note
            assert not from_db(old).equals(from_db(new))  # type: ignore[union-attr]
        named = conn.execute(
            select(p.c.point)
            .join(t.roads, t.roads.c.place_id == p.c.id)
            .where(p.c.established_year.between(2016, 2020), p.c.status == "current")
        ).scalars()
        points = [from_db(x) for x in named]
        assert len(points) == 83
        buas = [from_db(g) for g in conn.execute(select(t.built_up_areas.c.geom)).scalars()]
        seats = shapely.union_all(buas[:4])  # 威海, 文登, 荣成, 乳山 county-seat areas
        assert all(seats.buffer(0.002).contains(pt) for pt in points)
        compounds = conn.execute(
            select(p.c.id)
            .join(t.compounds, t.compounds.c.place_id == p.c.id)
            .where(p.c.established_year.between(2016, 2020))
        ).all()
        assert len(compounds) == 103
        roads = conn.execute(select(t.roads)).all()
        assert all(r.length_m > 0 and r.start_desc and r.end_desc for r in roads)
        assert {r.grade for r in roads} <= {"主干路", "次干路", "支路"}
        blank = conn.execute(
            select(p.c.name).where((p.c.romanized == "") | (p.c.pinyin_key == ""))
        ).all()
        assert blank == []
        unkeyed = conn.execute(
            select(h.c.name).where((h.c.romanized == "") | (h.c.pinyin_key == ""))
        ).all()
        assert unkeyed == []


def test_codes_hierarchy_and_unique_names(demo_engine: Engine) -> None:
    a = t.admin_areas
    with demo_engine.connect() as conn:
        rows = conn.execute(select(a.c.code, a.c.name, a.c.level, a.c.parent_code, a.c.kind)).all()
        by_code = {r.code: r for r in rows}
        assert by_code["371000000000"].name == "威海市"
        assert by_code["371082000000"].name == "荣成市"
        assert by_code["371083112000"].name == "乳山寨镇"
        per_county: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            assert len(r.code) == 12
            if r.level == 5:
                assert r.parent_code == r.code[:9] + "000"
                serial = int(r.code[9:])
                assert (serial < 200) == (r.kind == "居委会")
                per_county[r.code[:6]].append(r.name.removesuffix("村委会"))
        for names in per_county.values():
            assert len(names) == len(set(names))
        streets = conn.execute(
            select(t.places.c.name, t.places.c.point).where(t.places.c.category_code == "23510")
        ).all()
        buas = conn.execute(select(t.built_up_areas.c.id, t.built_up_areas.c.geom)).all()
        for _id, g in buas:
            area = from_db(g)
            inside = [n for n, pt in streets if area.contains(from_db(pt))]  # type: ignore[union-attr]
            dupes = [n for n, c in Counter(inside).items() if c > 1]
            assert dupes == []


def _real_boundary(weihai_data: Path) -> shapely.Geometry:
    fc = json.loads((weihai_data / "weihai_boundaries_wgs84.geojson").read_text())
    city = next(f for f in fc["features"] if f["properties"]["code"] == "371000000000")
    g = shape(city["geometry"])
    shapely.prepare(g)
    return g


def test_everything_on_land(demo_engine: Engine, weihai_data: Path) -> None:
    real = _real_boundary(weihai_data)
    with demo_engine.connect() as conn:
        groups = {
            "demand": conn.execute(select(t.demand_points.c.geom)).scalars().all(),
            "facilities": conn.execute(select(t.facilities.c.geom)).scalars().all(),
            "nodes": conn.execute(select(t.network_nodes.c.geom)).scalars().all(),
            "places": conn.execute(
                select(t.places.c.point).where(t.places.c.category_code.not_in(SEA_CATEGORIES))
            )
            .scalars()
            .all(),
            "admin centres": conn.execute(select(t.admin_areas.c.centre)).scalars().all(),
        }
    for what, values in groups.items():
        pts = [from_db(v) for v in values if v is not None]
        xy = np.array([(p.x, p.y) for p in pts])  # type: ignore[union-attr]
        inside = shapely.contains_xy(real, xy[:, 0], xy[:, 1])
        assert inside.all(), (what, int((~inside).sum()), xy[~inside][:5].tolist())


def test_network_connects_every_demand_point_and_facility(demo_engine: Engine) -> None:
    to_m = Transformer.from_crs(4490, 4550, always_xy=True)
    with demo_engine.connect() as conn:
        edges = conn.execute(
            select(t.network_edges.c.source, t.network_edges.c.target, t.network_edges.c.geom)
        ).all()
        targets = [
            from_db(g)
            for g in [
                *conn.execute(select(t.demand_points.c.geom)).scalars(),
                *conn.execute(select(t.facilities.c.geom)).scalars(),
            ]
        ]
    graph = nx.Graph()
    graph.add_edges_from((e.source, e.target) for e in edges)
    assert nx.number_connected_components(graph) == 1
    lines = [from_db(e.geom) for e in edges]
    metric = shapely.transform(
        np.array(lines), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1]))
    )
    pts = shapely.transform(
        np.array(targets), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1]))
    )
    tree = shapely.STRtree(metric)
    _idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    assert len(dist) == len(targets)
    assert float(dist.max()) <= 300.0


def test_refuses_a_database_with_places(demo_engine: Engine) -> None:
    with pytest.raises(Conflict, match="already holds place names"):
        build_demo(demo_engine, seed=1)


def _content_hash(engine: Engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in (
            t.admin_areas,
            t.places,
            t.place_history,
            t.roads,
            t.compounds,
            t.facilities,
            t.demand_points,
            t.network_nodes,
            t.network_edges,
        ):
            cols = [c for c in table.c if c.name not in ("id",)]
            order = list(table.primary_key.columns)
            for row in conn.execute(select(*cols).order_by(*order)):
                # geometries by their WKB hex (a WKBElement's repr holds its address)
                values = tuple(getattr(v, "desc", v) for v in row)
                digest.update(repr(values).encode())
    return digest.hexdigest()


# Two SpatiaLite builds are compared; PostGIS builds are covered by the figure tests.
@pytest.mark.parametrize("demo_settings", ["sqlite"], indirect=True)
def test_cli_builds_the_same_data_from_the_same_seed(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """`gazetteer demo` in a subprocess builds a second database: identical content."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"GAZETTEER_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "gazetteer.cli"]
    built = subprocess.run([*cmd, "demo", "--quiet"], env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "16744" in built.stdout
    again = subprocess.run([*cmd, "demo", "--quiet"], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "already present" in again.stdout
    stats = subprocess.run([*cmd, "stats", "--json"], env=env, capture_output=True, text=True)
    figures = json.loads(stats.stdout)
    assert figures["names"] == 16_744 and figures["historical_names"] == 101
    a = create_engine_from_settings(demo_settings)
    b = create_engine_from_settings(Settings(database_url=url))
    try:
        assert _content_hash(a) == _content_hash(b)
    finally:
        a.dispose()
        b.dispose()


def test_a_different_seed_gives_different_data() -> None:
    from gazetteer.demo.generate import generate

    one, two = generate(1), generate(2)
    assert [p.name for p in one.places] != [p.name for p in two.places]
    assert sum(1 for p in one.places if p.status == "current") == 16_744
    assert sum(1 for p in two.places if p.status == "current") == 16_744


# One backend is enough for the rollback path (the PostGIS rollback of a whole use case
# is exercised by the import tests).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_failed_build_leaves_nothing(engine: Engine, backend: str) -> None:

    def boom(_conn: object, _ctx: DemoContext) -> None:
        raise GazetteerError("interrupted")

    NAMING_HOOKS.append(boom)
    try:
        with pytest.raises(GazetteerError, match="interrupted"):
            build_demo(engine, seed=3)
    finally:
        NAMING_HOOKS.remove(boom)
    with engine.connect() as conn:
        assert conn.execute(select(t.places.c.id).limit(1)).first() is None
        assert conn.execute(select(t.network_edges.c.id).limit(1)).first() is None


def test_renamed_units_keep_their_former_names(demo_engine: Engine) -> None:
    """Historical names of renamed units are also former names of their successors."""
    p, h = t.places, t.place_history
    with demo_engine.connect() as conn:
        rows = _former(conn, "renaming", h.c.name, p.c.name, h.c.pinyin_key)
    pairs = {(old, new) for old, new, _key in rows}
    assert ("威海卫", "威海市") in pairs and ("文登县", "文登区") in pairs
    assert all(key for _old, _new, key in rows)
