"""The demo database exported to GeoPackage and read back with geopandas shows the figures."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from gazetteer.io import export_layers, import_file
from gazetteer.services.stats import dataset_stats
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from tests.io.test_round_trip import fresh_engine


def test_demo_geopackage_shows_the_figures(demo_settings: Settings, tmp_path: Path) -> None:
    engine = create_engine_from_settings(demo_settings)
    try:
        stats = dataset_stats(engine)
        out = export_layers(engine, fmt="gpkg", layers=["all"], out=tmp_path / "demo.gpkg")
    finally:
        engine.dispose()
    gpkg = out.files[0]
    places = gpd.read_file(gpkg, layer="places")
    assert places.crs.to_epsg() == 4490
    current = places[places["status"] == "current"]
    assert len(current) == 16744
    assert current["major_code"].nunique() == 10
    assert current["category_code"].nunique() == 65
    assert (places["status"] == "historical").sum() == 101
    assert (current["census_status"] == "added").sum() == 5093
    assert (current["census_status"] == "standardised").sum() == 75
    chars = sum(current[c].str.len().sum() for c in ("meaning", "origin", "history", "description"))
    assert chars >= 930_000
    assert places.geometry.notna().all()

    roads = gpd.read_file(gpkg, layer="roads")
    compounds = gpd.read_file(gpkg, layer="compounds")
    assert len(roads) == stats["roads"] and len(compounds) == stats["compounds"]
    facilities = gpd.read_file(gpkg, layer="facilities")
    by_type = facilities["type"].value_counts().to_dict()
    assert by_type == stats["facilities_by_type"]
    assert by_type["eldercare_institution"] == 158
    assert by_type["day_care_centre"] == 287
    assert by_type["rural_happiness_home"] == 430
    assert by_type["community_canteen"] == 46
    assert by_type["elderly_meal_point"] == 453
    assert by_type["marriage_registry"] == 4
    demand = gpd.read_file(gpkg, layer="demand_points")
    assert len(demand) == 2768
    assert int(demand["population"].sum()) == stats["population"]
    admin = gpd.read_file(gpkg, layer="admin_areas")
    assert admin["level"].value_counts().to_dict() == {5: 2768, 4: 73, 3: 7, 2: 1}
    edges = pyogrio.read_info(gpkg, layer="network_edges")["features"]
    assert edges == stats["network_edges"] and 50_000 <= edges <= 200_000


@pytest.mark.slow
def test_demo_round_trips_through_geojson(
    demo_settings: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    backend = "sqlite" if demo_settings.is_sqlite else "postgis"
    engine = create_engine_from_settings(demo_settings)
    try:
        stats = dataset_stats(engine)
        export_layers(engine, fmt="geojson", layers=["all"], out=tmp_path / "one")
    finally:
        engine.dispose()
    with fresh_engine(backend, request, tmp_path / "db") as other:
        report = import_file(other, tmp_path / "one")
        assert not report.errors
        assert report.written["places"] == stats["names"] + stats["historical_names"]
        assert dataset_stats(other) == stats
        export_layers(other, fmt="geojson", layers=["all"], out=tmp_path / "two")
    one = sorted((tmp_path / "one").iterdir())
    two = sorted((tmp_path / "two").iterdir())
    assert [p.name for p in one] == [p.name for p in two]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
