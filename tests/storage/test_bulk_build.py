"""The national load in two phases on PostGIS (rows committed, then the indexing phase):
what it builds equals what the per-row paths write, an interrupted indexing phase resumes,
and until it is done the database says it is not ready and refuses further bulk loads.
Also migration 0012's tile key against 0011's on the same points."""

from __future__ import annotations

import csv
import importlib
import random
from collections.abc import Iterator
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Connection, Engine, text

from gazetteer.demo.national import write_national
from gazetteer.demo.national_load import index_national, load_national
from gazetteer.errors import Conflict, DatabaseUnavailable
from gazetteer.services.stats import readiness
from gazetteer.storage import bulk
from gazetteer.storage.replicas import ReplicaSet
from gazetteer.types import SRID
from tests.grams import grams_state, pg_structure

NAMES = 300


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis)])
def backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: SQLite loads in one transaction and has no n-gram table."""
    return str(request.param)


@pytest.fixture
def small_defer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(bulk, "DEFER_MIN", NAMES // 2)
    monkeypatch.setattr(bulk, "GRAM_STEP_IDS", NAMES // 3)  # n-grams in steps of 100 names
    yield


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _edit(places_csv: Path, column: str, every: int, value: str) -> None:
    """Set ``column`` of every ``every``-th row of the generator's places file."""
    with places_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    at = rows[0].index(column)
    for row in rows[every::every]:
        row[at] = value
    with places_csv.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_load_then_index_resumes_and_equals_the_trigger_path(
    engine: Engine, tmp_path: Path, small_defer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, places_csv, _ = write_national(tmp_path, NAMES, seed=9)
    _edit(places_csv, "other_names", 7, '["别名甲", " 别名乙 ", ""]')  # it writes none
    with engine.connect() as conn:
        before = pg_structure(conn)
    report = load_national(engine, tmp_path, index=False)
    assert "index" not in report.seconds
    with engine.connect() as conn:  # rows committed, search structures not yet built
        assert _count(conn, "places") == NAMES
        assert _count(conn, "search_grams") == 0
        pending = bulk.pending_steps(conn)
        assert pending > 5
        gram_steps = conn.execute(
            text(
                "SELECT count(*) FROM pending_build_steps WHERE statement LIKE '%search_grams_of%'"
            )
        ).scalar_one()
        assert gram_steps == 3
        assert pg_structure(conn) != before
    with pytest.raises(DatabaseUnavailable) as not_ready:
        readiness(ReplicaSet(engine))
    assert not_ready.value.details == {"pending_build_steps": pending}
    with (
        engine.begin() as conn,
        pytest.raises(Conflict, match="national index"),
        bulk.places_load(conn, NAMES, []),  # no further bulk load on top
    ):
        pass

    original = bulk._timed

    def dies_at_the_key(conn: Connection, statement: str) -> None:
        if "pk_search_grams" in statement:
            raise RuntimeError("killed")
        original(conn, statement)

    monkeypatch.setattr(bulk, "_timed", dies_at_the_key)
    with pytest.raises(RuntimeError, match="killed"):
        index_national(engine)
    with engine.connect() as conn:  # the steps before it are done, it and after are not
        left = bulk.pending_steps(conn)
        assert 0 < left < pending
        assert _count(conn, "search_grams") > 5 * NAMES
    monkeypatch.setattr(bulk, "_timed", original)
    assert index_national(engine) >= 0
    assert index_national(engine) >= 0  # nothing left: nothing done
    assert readiness(ReplicaSet(engine))["status"] == "ready"
    with engine.begin() as conn:
        assert bulk.pending_steps(conn) == 0
        assert pg_structure(conn) == before  # indexes, constraints, triggers all back
        grams, differ = grams_state(conn)
        assert grams > 5 * NAMES and differ == 0
        stored = conn.execute(text("SELECT gram, rank, place_id FROM search_grams")).all()
        conn.execute(  # the generator writes no aliases: give some names two
            text('UPDATE places SET other_names = \'["别名甲", "别名乙"]\' WHERE id % 7 = 0')
        )
        aliases = conn.execute(text("SELECT place_id, name FROM place_aliases")).all()
        assert len(aliases) == 2 * (NAMES // 7)
        # the per-row triggers write the same grams and aliases for every place
        conn.execute(text("UPDATE places SET name = name, other_names = other_names"))
        again = conn.execute(text("SELECT gram, rank, place_id FROM search_grams")).all()
        assert sorted(again) == sorted(stored)
        alias_again = conn.execute(text("SELECT place_id, name FROM place_aliases")).all()
        assert sorted(alias_again) == sorted(aliases)
        planned = conn.execute(
            text("EXPLAIN SELECT place_id FROM search_grams WHERE gram = '村' ORDER BY rank")
        ).all()
        assert "pk_search_grams" in " ".join(str(r[0]) for r in planned)


def test_failed_checks_store_nothing(engine: Engine, tmp_path: Path, small_defer: None) -> None:
    """A row that breaks a constraint (here an unknown area code) is caught in the load
    phase, before anything commits: no rows, no pending steps."""
    _, places_csv, _ = write_national(tmp_path, NAMES, seed=4)
    _edit(places_csv, "admin_code", NAMES, "999999999999")  # the last row
    with pytest.raises(Exception, match="fk_places_admin_code"):
        load_national(engine, tmp_path)
    with engine.connect() as conn:
        assert _count(conn, "places") == 0
        assert bulk.pending_steps(conn) == 0


def test_tile_key_of_0012_equals_0011s(engine: Engine) -> None:
    tile = importlib.import_module("gazetteer.storage.migrations.versions.0011_place_tile_key")
    rng = random.Random(3)
    points = [(rng.uniform(-180, 180), rng.uniform(-89.9, 89.9)) for _ in range(2000)]
    points += [(-180, -90), (180, 90), (0, 0), (179.9999999, 85.0511), (122.1, 37.5)]
    with engine.begin() as conn:
        gis = conn.execute(
            text(
                "SELECT extnamespace::regnamespace::text FROM pg_extension "
                "WHERE extname = 'postgis'"
            )
        ).scalar_one()
        for stmt in tile._pg_up(gis, "pg_temp")[:2]:  # 0011's SQL functions, in pg_temp
            conn.execute(text(stmt.replace("gz_tile_key(", "gz_tile_key_0011(")))
        conn.execute(text("CREATE TEMP TABLE pts (x float8, y float8)"))
        conn.execute(text("INSERT INTO pts VALUES (:x, :y)"), [{"x": x, "y": y} for x, y in points])
        language = conn.execute(
            text(
                "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                "WHERE p.proname = 'gz_tile_key' "
                "AND p.pronamespace = current_schema()::regnamespace"
            )
        ).scalar_one()
        assert language == "plpgsql"
        differ = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), :srid) p FROM pts) s "
                "WHERE gz_tile_key(p) IS DISTINCT FROM pg_temp.gz_tile_key_0011(p)"
            ),
            {"srid": SRID},
        ).scalar_one()
        assert differ == 0
        assert conn.execute(text("SELECT gz_tile_key(NULL)")).scalar_one() is None
