"""The national load in two phases on PostGIS (rows committed, then the indexing phase):
what it builds equals what the per-row paths write, an interrupted indexing phase resumes,
and until it is done the database says it is not ready and refuses further bulk loads.
On two connections it builds the same database as on one, phase after phase and never two
conflicting steps at once; a failed step stays pending; a kill in the n-grams resumes.
Also migration 0012's tile key against 0011's on the same points."""

from __future__ import annotations

import csv
import importlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Connection, Engine, text

from gazetteer import cli
from gazetteer.demo.national import write_national
from gazetteer.demo.national_load import index_national, load_national
from gazetteer.errors import Conflict, DatabaseUnavailable
from gazetteer.services.stats import readiness
from gazetteer.storage import build_steps, bulk
from gazetteer.storage.replicas import ReplicaSet
from gazetteer.types import SRID
from tests.conftest import database_with_engine, new_database_settings
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


def test_tile_key_function_equals_0011s(engine: Engine) -> None:
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


# --- the indexing phase on several connections --------------------------------------------


def _database(conn: Connection) -> dict[str, Any]:
    """What a build leaves: the n-grams and aliases, the structure, and whether every index
    of the load's tables is valid and ready."""
    invalid = conn.execute(
        text(
            "SELECT count(*) FROM pg_index WHERE indrelid IN ('places'::regclass, "
            "'search_grams'::regclass, 'place_aliases'::regclass) "
            "AND NOT (indisvalid AND indisready AND indislive)"
        )
    ).scalar_one()
    return {
        "grams": conn.execute(
            text("SELECT gram, rank, place_id FROM search_grams ORDER BY 1, 2, 3")
        ).all(),
        "aliases": conn.execute(
            text("SELECT place_id, name FROM place_aliases ORDER BY 1, 2")
        ).all(),
        "structure": pg_structure(conn),
        "invalid_indexes": invalid,
        "pending": bulk.pending_steps(conn),
    }


def _pending(conn: Connection) -> list[build_steps.BuildStep]:
    rows = conn.execute(text("SELECT step, statement FROM pending_build_steps")).all()
    return [build_steps.build_step(int(r.step), str(r.statement)) for r in rows]


class _Watch:
    """Wraps ``bulk._timed``: each statement takes at least ``pause`` seconds and its
    interval is recorded (to see what ran side by side)."""

    def __init__(self, original: Callable[[Connection, str], None], pause: float) -> None:
        self.original, self.pause = original, pause
        self.lock = threading.Lock()
        self.spans: list[tuple[float, float, str]] = []

    def __call__(self, conn: Connection, statement: str) -> None:
        started = time.monotonic()
        self.original(conn, statement)
        time.sleep(self.pause)
        with self.lock:
            self.spans.append((started, time.monotonic(), statement))


def test_two_connections_build_the_same_database_as_one(
    engine: Engine,
    tmp_path: Path,
    small_defer: None,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    _, places_csv, _ = write_national(tmp_path, NAMES, seed=11)
    _edit(places_csv, "other_names", 5, '["别名甲", " 别名乙 ", ""]')
    with engine.connect() as conn:
        before = pg_structure(conn)
    load_national(engine, tmp_path, index=False)
    with engine.connect() as conn:  # every stored step is one the build knows
        steps = _pending(conn)
    assert {s.phase for s in steps} == {1, 2, 3}
    assert all(build_steps.ANY_TABLE not in dict(s.locks) for s in steps)
    assert index_national(engine, jobs=1) >= 0
    with engine.connect() as conn:
        one = _database(conn)
    assert one["pending"] == 0 and one["invalid_indexes"] == 0
    assert one["structure"] == before and len(one["grams"]) > 5 * NAMES and one["aliases"]

    watch = _Watch(bulk._timed, pause=0.15)
    monkeypatch.setattr(bulk, "_timed", watch)
    with database_with_engine(new_database_settings("postgis", request, tmp_path)) as (_, other):
        load_national(other, tmp_path, index=False)
        watch.spans.clear()  # the load's own checks
        steps_run, _ = bulk.build_pending(other, jobs=2)
        with other.connect() as conn:
            two = _database(conn)
    assert steps_run == len(steps)
    assert two == one
    # side by side, never two conflicting steps at once, and phase after phase
    spans = [(a, b, build_steps.build_step(0, s)) for a, b, s in watch.spans]
    overlapping = [
        (x, y) for i, x in enumerate(spans) for y in spans[i + 1 :] if x[0] < y[1] and y[0] < x[1]
    ]
    assert overlapping
    for (_, _, x), (_, _, y) in overlapping:
        assert x.phase == y.phase and not x.conflicts(y), (x.statement, y.statement)
    for phase in (1, 2):
        ends = max(b for _, b, s in spans if s.phase == phase)
        assert all(a >= ends for a, _, s in spans if s.phase > phase)


def test_a_failed_step_stays_pending_and_the_cli_says_so(
    engine: Engine,
    tmp_path: Path,
    small_defer: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A step that fails (here an index on a column that does not exist) stops the build:
    the other connection finishes the step it is in, nothing further starts, the failed
    step stays pending and the command says which step and what to run; after the cause
    is fixed the build resumes and completes."""
    write_national(tmp_path, NAMES, seed=12)
    with engine.connect() as conn:
        before = pg_structure(conn)
    load_national(engine, tmp_path, index=False)
    broken = "'(updated_at)', '(no_such_column)'"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE pending_build_steps SET statement = replace(statement, {broken}) "
                "WHERE statement LIKE '%ix_places_updated_at%'"
            )
        )
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["--database-url", url, "national", "index", "--jobs", "2"]) == 1
    said = capsys.readouterr().err
    assert "no_such_column" in said and "ix_places_updated_at" in said
    assert "gazetteer national index" in said and "Traceback" not in said
    with engine.connect() as conn:
        pending = _pending(conn)
        assert any("no_such_column" in s.statement for s in pending)
        assert {s.phase for s in pending} >= {3}  # nothing after the failure started
        assert all(s.phase >= 2 for s in pending)  # phase 1 was done before it
        grams, differ = grams_state(conn)
        assert grams > 5 * NAMES and differ == 0
        # what is not pending is built: every other index exists (and is valid)
        indexes = {r[0] for r in conn.execute(text("SELECT indexname FROM pg_indexes"))}
        left = " ".join(s.statement for s in pending)
        for kind, name, _ in before:
            if kind == "index" and name not in indexes:
                assert name in left
        assert _database(conn)["invalid_indexes"] == 0
    with engine.begin() as conn:  # the cause fixed, the build resumes
        conn.execute(
            text(
                "UPDATE pending_build_steps SET statement = "
                "replace(statement, '(no_such_column)', '(updated_at)')"
            )
        )
    assert cli.main(["--database-url", url, "national", "index", "--jobs", "2"]) == 0
    with engine.connect() as conn:
        assert bulk.pending_steps(conn) == 0
        assert pg_structure(conn) == before


def test_killed_in_the_n_grams_with_two_connections_resumes(
    engine: Engine, tmp_path: Path, small_defer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every session of the build is terminated (as when its process is killed) while the
    two connections are in the n-gram phase: what was committed stays, the rest is
    pending, and a new build on two connections completes it."""
    write_national(tmp_path, NAMES, seed=13)
    with engine.connect() as conn:
        before = pg_structure(conn)
    load_national(engine, tmp_path, index=False)
    with engine.connect() as conn:
        total = bulk.pending_steps(conn)
    original = bulk._timed
    calls = []
    lock = threading.Lock()

    def killed_at_the_third(conn: Connection, statement: str) -> None:
        with lock:
            calls.append(statement)
            third = len(calls) == 3
        if third:  # two steps were claimed before: at least one of them has committed
            with engine.connect() as killer:
                killer.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        original(conn, statement)

    monkeypatch.setattr(bulk, "_timed", killed_at_the_third)
    with pytest.raises(Exception):  # noqa: B017  (whichever error the dead session gives)
        bulk.build_pending(engine, jobs=2)
    assert all(build_steps.build_step(0, s).phase == 1 for s in calls)
    with engine.connect() as conn:
        pending = _pending(conn)
        assert 0 < len(pending) < total
        assert any(s.phase == 1 for s in pending)
        assert _count(conn, "search_grams") > 0
    monkeypatch.setattr(bulk, "_timed", original)
    steps_run, _ = bulk.build_pending(engine, jobs=2)
    assert steps_run == len(pending)
    with engine.connect() as conn:
        state = _database(conn)
        assert state["pending"] == 0 and state["invalid_indexes"] == 0
        assert state["structure"] == before
        grams, differ = grams_state(conn)
        assert grams > 5 * NAMES and differ == 0


def test_steps_are_scheduled_by_phase_and_table_lock() -> None:
    grams = build_steps.build_step(1, "INSERT INTO search_grams (gram) SELECT 1")
    key = build_steps.build_step(
        2, 'ALTER TABLE search_grams ADD CONSTRAINT "pk_search_grams" PRIMARY KEY (gram)'
    )
    by_place = build_steps.build_step(3, "CREATE INDEX ix_g ON public.search_grams USING btree (x)")
    trgm = build_steps.build_step(
        4, "CREATE INDEX ix_t ON public.places USING gin (name gin_trgm_ops)"
    )
    name = build_steps.build_step(5, "CREATE INDEX ix_n ON public.places USING btree (name)")
    trigger = build_steps.build_step(6, "ALTER TABLE places ENABLE TRIGGER trg_places_inserted")
    fk = build_steps.build_step(
        7, "ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES places(id)"
    )
    stats = build_steps.build_step(8, "ANALYZE places")
    odd = build_steps.build_step(9, "VACUUM places")
    assert [s.phase for s in (grams, key, by_place, trgm, trigger, stats)] == [1, 2, 2, 2, 2, 3]
    assert not trgm.conflicts(name) and not key.conflicts(trgm)  # SHARE with SHARE
    assert key.conflicts(by_place) and trigger.conflicts(name) and fk.conflicts(name)
    assert odd.conflicts(grams) and odd.conflicts(stats)
    assert fk.locks == (("a", "ShareRowExclusive"), ("places", "ShareRowExclusive"))
    assert dict(key.locks) == {"search_grams": "AccessExclusive"}
    everything = [grams, key, by_place, trgm, name, trigger, stats]
    assert build_steps._choose(everything, []) == [grams]  # phase 1 first
    assert build_steps._choose(everything, [grams]) == []  # ... until it has committed
    later = everything[1:]
    assert build_steps._choose(later, []) == [trigger, key, by_place, trgm, name]  # sizes unknown
    assert build_steps._choose(later, [key]) == [trigger, trgm, name]
    assert build_steps._choose(later, [trigger]) == [key, by_place]
    # the longest first, guessed from the tables' sizes (a GIN index ~3 times a btree)
    sizes = {"search_grams": 2000, "places": 1000}
    assert build_steps._choose(later, [], sizes) == [trigger, key, trgm, by_place, name]
    assert build_steps._choose(later, [key], sizes) == [trigger, trgm, name]
