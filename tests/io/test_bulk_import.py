"""Large imports: indexes and search structures built once after the load give the same
database as row-by-row upkeep, and a refused large file still stores nothing (both
backends; the threshold is lowered so that the files stay small)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Connection, Engine, func, select, text

from gazetteer.errors import ImportFailed
from gazetteer.io import import_file
from gazetteer.io.importer import validators
from gazetteer.io.importer.write import PlaceStream
from gazetteer.storage import bulk
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import is_sqlite
from tests.datasets.exchange import COUNTY, TOWN, write_sample
from tests.grams import grams_state, pg_structure

N = 600


def _csv(path: Path, *, bad_row: int | None = None, ids: bool = True) -> Path:
    rng = random.Random(11)
    lines = ["id,name,category_code,admin_code,lon,lat,other_names"]
    for i in range(N):
        lon, lat = rng.uniform(121.95, 122.25), rng.uniform(37.35, 37.55)
        admin = "999999999999" if i == bad_row else (TOWN if i % 2 else COUNTY)
        pid = f"{5000 + i}" if ids and i % 3 == 0 else ""  # some rows keep their id
        lines.append(f"{pid},长{i}号村,22200,{admin},{lon:.6f},{lat:.6f},旧{i}村")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _schema(conn: Connection) -> set[tuple[str, ...]]:
    """Indexes, triggers and constraints around places (what the load sets aside)."""
    if is_sqlite(conn):
        rows = conn.execute(
            text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'places'")
        )
        return {(r[0], r[1], str(r[2])) for r in rows}
    return pg_structure(conn)


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Large-load mode from ``N`` rows on; records whether each load used it."""
    used: list[bool] = []
    original = bulk.places_load
    monkeypatch.setattr(bulk, "DEFER_MIN", N // 2)

    @contextmanager
    def spy(conn: Connection, rows: int, ids: Any, **options: Any) -> Iterator[bool]:
        with original(conn, rows, ids, **options) as did:
            used.append(did)
            yield did

    monkeypatch.setattr(bulk, "places_load", spy)
    yield used


def test_large_import_builds_search_structures_after_the_load(
    engine: Engine, tmp_path: Path, deferred: list[bool]
) -> None:
    write_sample(engine)
    with engine.connect() as conn:
        before = _schema(conn)
    report = import_file(engine, _csv(tmp_path / "places.csv"))
    assert report.written == {"places": N}
    assert deferred == [True]
    with engine.connect() as conn:
        assert _schema(conn) == before  # indexes, triggers, constraints as they were
        total = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
        kept = conn.execute(
            select(func.count())
            .select_from(t.places)
            .where(
                t.places.c.id.in_([5000 + i for i in range(0, N, 3)]), t.places.c.name.like("长%")
            )
        ).scalar_one()
        assert kept == N // 3
        aliases = conn.execute(
            text("SELECT count(*) FROM place_aliases WHERE name LIKE '旧%村'")
        ).scalar_one()
        assert aliases == N
        keys = conn.execute(
            select(t.places.c.pinyin_key, t.places.c.initials).where(t.places.c.name == "长7号村")
        ).one()
        assert keys == ("chang 7 hao cun", "c7hc")  # the place-name reading of 长
        if is_sqlite(conn):
            for column in ("geom", "point"):
                indexed = conn.execute(text(f"SELECT count(*) FROM idx_places_{column}"))
                assert indexed.scalar_one() == total
            # the R-tree entries equal those SpatiaLite's own function gives
            differ = conn.execute(
                text(
                    "SELECT count(*) FROM places p JOIN idx_places_geom r ON r.pkid = p.id "
                    "WHERE r.xmin > MbrMinX(p.geom) OR r.xmax < MbrMaxX(p.geom) "
                    "OR r.ymin > MbrMinY(p.geom) OR r.ymax < MbrMaxY(p.geom)"
                )
            ).scalar_one()
            assert differ == 0
        else:
            grams, differ = grams_state(conn)
            assert grams > 10 * N and differ == 0
            nextval = conn.execute(text("SELECT nextval('places_id_seq')")).scalar_one()
            assert nextval > 5600


def test_refused_large_file_stores_nothing(
    engine: Engine, tmp_path: Path, deferred: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sample(engine)
    with engine.connect() as conn:
        before = _schema(conn)
        places = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
    with pytest.raises(ImportFailed):  # a row refused: nothing written
        import_file(engine, _csv(tmp_path / "bad.csv", bad_row=N - 1))
    original, original_copy = bulk.insert_rows, bulk.copy_rows

    def failing(*args: Any, **kwargs: Any) -> None:  # the load dies half-way
        original(*args, **kwargs)
        raise RuntimeError("killed")

    def failing_copy(conn: Any, table: Any, columns: Any, rows: Iterable[Any]) -> None:
        """PostgreSQL's COPY, fed while the rows are made, dies in the middle of it."""

        def half() -> Iterator[Any]:
            for i, row in enumerate(rows):
                if i == N // 2:
                    raise RuntimeError("killed")
                yield row

        original_copy(conn, table, columns, half())

    monkeypatch.setattr(bulk, "insert_rows", failing)
    monkeypatch.setattr(bulk, "copy_rows", failing_copy)
    with pytest.raises(RuntimeError):
        import_file(engine, _csv(tmp_path / "places.csv"))
    assert deferred == [True]  # it failed with the structures set aside
    with engine.connect() as conn:
        assert _schema(conn) == before
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == places
        assert conn.execute(text("SELECT count(*) FROM place_aliases")).scalar_one() == 2


def test_large_load_still_checks_the_geometry_columns(
    engine: Engine, tmp_path: Path, deferred: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SpatiaLite's per-row type and SRID triggers are set aside for a large load and
    their check runs once afterwards: a geometry in another SRID is still refused (on
    PostgreSQL the column's type refuses it), and nothing is stored."""
    write_sample(engine)
    with engine.connect() as conn:
        before = _schema(conn)
        places = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
    original = bulk.ewkt

    def other_srid(geometries: Any) -> list[str | None]:
        return [
            None if g is None else g.replace("SRID=4490;", "SRID=4326;")
            for g in original(geometries)
        ]

    monkeypatch.setattr(bulk, "ewkt", other_srid)
    expected = "violates Geometry constraint" if is_sqlite(engine) else "SRID"
    with pytest.raises(Exception, match=expected):
        import_file(engine, _csv(tmp_path / "places.csv"))
    assert deferred == [True]
    with engine.connect() as conn:
        assert _schema(conn) == before
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == places


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of 100 rows handed to PostgreSQL's writer thread while the rest are checked;
    records the size of each chunk the thread writes."""
    monkeypatch.setattr(validators, "FLUSH_EVERY", 100)
    sizes: list[int] = []
    original = PlaceStream._write

    def spy(self: PlaceStream, rows: list[Any]) -> None:
        sizes.append(len(rows))
        original(self, rows)

    monkeypatch.setattr(PlaceStream, "_write", spy)
    return sizes


def test_streamed_import_equals_the_trigger_path(
    engine: Engine, tmp_path: Path, deferred: list[bool], streamed: list[int]
) -> None:
    """Rows without ids on PostgreSQL are written (and their n-grams derived) chunk by
    chunk while the rest are checked: the same rows, n-grams, aliases and structures."""
    write_sample(engine)
    with engine.connect() as conn:
        before = _schema(conn)
        first = conn.execute(select(func.max(t.places.c.id))).scalar_one()
    report = import_file(engine, _csv(tmp_path / "places.csv", ids=False))
    assert report.written == {"places": N}
    assert deferred == [True]
    with engine.connect() as conn:
        assert _schema(conn) == before
        ids = conn.execute(
            select(t.places.c.id).where(t.places.c.name.like("长%号村")).order_by(t.places.c.id)
        ).scalars()
        assert list(ids) == list(range(first + 1, first + N + 1))  # in the rows' order
        aliases = conn.execute(
            text("SELECT count(*) FROM place_aliases WHERE name LIKE '旧%村'")
        ).scalar_one()
        assert aliases == N
        if is_sqlite(conn):
            assert streamed == []
        else:
            assert len(streamed) > 3 and sum(streamed) == N
            grams, differ = grams_state(conn)
            assert grams > 10 * N and differ == 0


def test_streamed_import_refused_or_killed_stores_nothing(
    engine: Engine,
    tmp_path: Path,
    deferred: list[bool],
    streamed: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row refused after chunks were written, or the COPY of the second chunk dying in
    the middle: nothing is stored and the structures are as they were."""
    write_sample(engine)
    with engine.connect() as conn:
        before = _schema(conn)
        places = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
    with pytest.raises(ImportFailed):
        import_file(engine, _csv(tmp_path / "bad.csv", bad_row=N - 1, ids=False))
    with engine.connect() as conn:
        assert _schema(conn) == before
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == places
    if is_sqlite(engine):
        return  # no stream (a killed SQLite load: test_refused_large_file_stores_nothing)
    assert sum(streamed) >= 200  # the refused import had written chunks before the refusal
    original_copy = bulk.copy_rows

    def failing_copy(conn: Any, table: Any, columns: Any, rows: Iterable[Any]) -> None:
        def half() -> Iterator[Any]:
            for i, row in enumerate(rows):
                if i == 50 and len(streamed) - len(sizes) > 1:
                    raise RuntimeError("killed")
                yield row

        original_copy(conn, table, columns, half())

    sizes = list(streamed)
    monkeypatch.setattr(bulk, "copy_rows", failing_copy)
    with pytest.raises(RuntimeError):
        import_file(engine, _csv(tmp_path / "places.csv", ids=False))
    with engine.connect() as conn:
        assert _schema(conn) == before
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == places
        assert conn.execute(text("SELECT count(*) FROM place_aliases")).scalar_one() == 2
