"""GDAL's OAPIF driver reads every collection of the full demo completely."""

from __future__ import annotations

import warnings

import pyogrio
import pytest
from sqlalchemy import select

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from tests.server import live_server

TABLES = {
    "places": t.places,
    "roads": t.roads,
    "facilities": t.facilities,
    "admin-areas": t.admin_areas,
    "demand-points": t.demand_points,
}


@pytest.mark.slow
def test_gdal_reads_the_whole_demo(demo_settings: Settings) -> None:
    engine = create_engine_from_settings(demo_settings)
    with engine.connect() as conn:
        counts = {name: repo.count(conn, table) for name, table in TABLES.items()}
        place_names: dict[int, str] = {
            int(r[0]): str(r[1]) for r in conn.execute(select(t.places.c.id, t.places.c.name))
        }
    engine.dispose()
    assert counts["places"] > 10_000
    with live_server(demo_settings) as base, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDAL was built against curl")
        for layer, n in counts.items():
            df = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=layer, fid_as_index=True)
            assert len(df) == n, layer
            assert df.geometry.notna().sum() > 0
            if layer == "places":
                assert len(set(df.index)) == n
                assert {int(i): v for i, v in df["name"].items()} == place_names
