"""Bulk loads (a census import of thousands of places) leave the database as row-by-row
inserts would: spatial indexes, search n-grams and aliases, triggers in place."""

from __future__ import annotations

import random
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
from sqlalchemy import Engine, delete, func, select, text

from gazetteer.io import import_file
from gazetteer.storage import tables as t
from gazetteer.storage.bulk import BATCH_MIN
from gazetteer.storage.dialect import bbox_match, is_sqlite
from tests.datasets.exchange import COUNTY, TOWN, write_sample
from tests.grams import grams_state

N = BATCH_MIN + 200


def _census_csv(path: Path) -> Path:
    rng = random.Random(7)
    lines = ["name,category_code,admin_code,lon,lat,other_names"]
    for i in range(N):
        lon, lat = rng.uniform(121.95, 122.25), rng.uniform(37.35, 37.55)
        admin = TOWN if i % 2 else COUNTY
        lines.append(f"新村{i}号,22200,{admin},{lon:.6f},{lat:.6f},旧村{i}、村{i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bulk_import_keeps_indexes_and_search_rows(engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    report = import_file(engine, _census_csv(tmp_path / "places.csv"))
    assert report.written == {"places": N}
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
        box = (121.95, 37.35, 122.25, 37.55)
        in_box = conn.execute(
            select(func.count()).select_from(t.places).where(bbox_match(t.places, box))
        ).scalar_one()
        new_in_box = conn.execute(
            select(func.count())
            .select_from(t.places)
            .where(bbox_match(t.places, box, "point"), t.places.c.name.like("新村%"))
        ).scalar_one()
        aliases = conn.execute(text("SELECT count(*) FROM place_aliases")).scalar_one()
        assert new_in_box == N  # the spatial index of the point column holds every new row
        assert in_box >= N
        assert aliases == 2 * N + 2  # and the two of the sample (tests/io/sample.py)
        if is_sqlite(conn):
            for column in ("geom", "point"):
                indexed = conn.execute(text(f"SELECT count(*) FROM idx_places_{column}"))
                assert indexed.scalar_one() == total
            triggers = {
                r[0]
                for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            }
            assert {"gii_places_geom", "tmi_places_geom", "gii_places_point"} <= triggers
        else:
            grams, differ = grams_state(conn)
            assert grams > 10 * N and differ == 0
    with engine.begin() as conn:  # deleting places removes their grams and aliases
        conn.execute(delete(t.places).where(t.places.c.name.like("新村1%")))
        left = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
        if not is_sqlite(conn):
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM search_grams g "
                    "WHERE NOT EXISTS (SELECT 1 FROM places p WHERE p.id = g.place_id)"
                )
            ).scalar_one()
            assert orphans == 0 and left < total
