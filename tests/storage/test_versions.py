"""Data versions: every write to a table behind a cache changes the versions read from it,
only once the write commits, and no other version (the change counters of PostgreSQL,
migration 0013; the aggregates of SQLite)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, text, update

from gazetteer.errors import Busy
from gazetteer.model import AdminLevel
from gazetteer.storage import append_only
from gazetteer.storage import tables as t
from gazetteer.storage import versions as v
from tests.builder import Builder

_MIGRATION = importlib.import_module("gazetteer.storage.migrations.versions.0013_change_counters")


def _layer(conn: Connection, layer: str) -> str:
    return v.layer_version(conn, layer)


READERS: dict[str, Callable[[Connection], str]] = {
    "names": v.names_version,
    "network": v.network_version,
    "demand": v.demand_version,
    **{f"layer:{name}": partial(_layer, layer=name) for name in v.LAYERS},
    "sheet": v.sheet_data_version,
    "naming:words": lambda c: v.naming_reference_version(c)[0],
    "naming:buas": lambda c: v.naming_reference_version(c)[1],
    "naming:admin": lambda c: v.naming_reference_version(c)[2],
}

#: the versions a write to each watched table must change (and no other)
CHANGES: dict[str, set[str]] = {
    "places": {"names", "layer:places", "sheet"},
    "place_history": {"names", "sheet"},
    "admin_areas": {"names", "layer:admin", "sheet", "naming:admin"},
    "facilities": {"layer:facilities"},
    "network_edges": {"network", "layer:roads", "sheet"},
    "network_nodes": {"network", "sheet"},
    "demand_points": {"demand", "layer:demand"},
    "naming_words": {"naming:words"},
    "built_up_areas": {"naming:buas"},
}


def _all(conn: Connection) -> dict[str, str]:
    return {name: read(conn) for name, read in READERS.items()}


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_the_counters_watch_exactly_the_tables_the_versions_read() -> None:
    read = {
        name
        for version in (
            v.NAMES,
            v.NETWORK,
            v.DEMAND,
            v.ADMIN_BOXES,
            v.WORDS,
            v.BUILT_UP_AREAS,
            v.ADMIN_COUNT,
            *v.LAYERS.values(),
        )
        for name in version.tables
    }
    assert read == set(_MIGRATION.WATCHED) == set(CHANGES)
    for version in v.LAYERS.values():  # a layer is read from its own table on SQLite too
        assert version.source().element.get_final_froms()[0].name in version.tables  # type: ignore[attr-defined]


@pytest.mark.postgis
@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
@pytest.mark.parametrize("table", sorted(CHANGES))
@pytest.mark.parametrize("statement", ["insert", "update", "delete", "truncate"])
def test_every_write_statement_changes_its_versions_only(
    engine: Engine, table: str, statement: str
) -> None:
    """Statement-level triggers: even a statement that changes no row bumps (a needless
    reload, never a missed one), so every table and statement is checked on empty tables."""
    key = "code" if table == "admin_areas" else "id"
    sql = {
        "insert": f"INSERT INTO {table} ({key}) SELECT {key} FROM {table} WHERE false",
        "update": f"UPDATE {table} SET {key} = {key} WHERE false",
        "delete": f"DELETE FROM {table} WHERE false",
        "truncate": f"TRUNCATE {table} CASCADE",
    }[statement]
    with engine.connect() as conn:
        before = _all(conn)
    with engine.connect() as writer, engine.connect() as other:
        writer.begin()
        if statement == "truncate":  # with the tables referring to it (cascaded too)
            for name, guard in append_only.GUARDS.items():
                writer.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER {guard.pg_truncate}"))
            writer.execute(text(sql))
            for name, guard in append_only.GUARDS.items():
                writer.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER {guard.pg_truncate}"))
        else:
            writer.execute(text(sql))
        expected = CHANGES[table]
        if statement == "truncate":
            expected = _changed(before, _all(writer))
            assert CHANGES[table] <= expected
        assert _changed(before, _all(writer)) == expected  # its own write
        assert _all(other) == before  # not before the commit
        writer.commit()
        assert _changed(before, _all(other)) == expected


def _place(engine: Engine) -> int:
    with Builder.writing(engine) as b:
        b.admin("371000000000", "威海市", AdminLevel.CITY)
        return b.place("文化中路", "23510", "371000000000", Point(122.12, 37.51))


def _copy_of(pid: int) -> Any:
    """An insert of a copy of place ``pid`` (no unique code)."""
    places = t.places
    columns = [c for c in places.c if c.name not in ("id", "code")]
    return places.insert().from_select(
        [c.name for c in columns],
        places.select().with_only_columns(*columns).where(places.c.id == pid),
    )


def test_a_place_written_changes_the_versions_when_it_commits(engine: Engine) -> None:
    """Both backends, real rows: insert, update, delete; a rolled-back write leaves them."""
    pid = _place(engine)
    places = t.places
    writes = [
        _copy_of(pid),
        update(places)
        .where(places.c.id == pid)
        .values(name="文化东路", updated_at=datetime(2031, 1, 1, tzinfo=UTC)),
        places.delete().where(places.c.id != pid),
    ]
    for write in writes:
        with engine.connect() as conn:
            before = _all(conn)
        with engine.connect() as writer:
            writer.begin()
            writer.execute(write)
            writer.rollback()
            assert _all(writer) == before  # rolled back: unchanged
            writer.rollback()
            writer.begin()
            writer.execute(write)
            with engine.connect() as other:
                assert _all(other) == before
            writer.commit()
        with engine.connect() as conn:
            assert _changed(before, _all(conn)) == CHANGES["places"], write


@pytest.mark.postgis
@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_writes_past_the_triggers_note_their_changes(engine: Engine) -> None:
    """``DISABLE TRIGGER USER`` silences the counters: :func:`versions.note_changes` bumps
    them in the writer's transaction (bulk loads, benchmarks)."""
    _place(engine)
    with engine.connect() as conn:
        before = _all(conn)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE places DISABLE TRIGGER USER"))
        conn.execute(update(t.places).values(name="文化西路"))
        conn.execute(text("ALTER TABLE places ENABLE TRIGGER USER"))
        assert _all(conn) == before
        v.note_changes(conn, t.places)
    with engine.connect() as conn:
        assert _changed(before, _all(conn)) == CHANGES["places"]


_FREE = text(
    "SELECT count(*) FROM (SELECT 1 FROM data_changes WHERE table_name = 'places' "
    "FOR UPDATE SKIP LOCKED) f"
)


@pytest.mark.postgis
@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_concurrent_writers_take_free_slots_and_wait_only_when_all_are_held(
    engine: Engine,
) -> None:
    """A transaction holding a table's counter until it commits (a bulk load) does not hold
    up other writers of the table: each takes a free slot. Only when every slot is held
    does a writer wait (here its lock timeout ends the wait at once)."""
    pid = _place(engine)
    with engine.connect() as conn:
        before = _all(conn)
    writers = [engine.connect() for _ in range(_MIGRATION.SLOTS)]
    try:
        with engine.connect() as probe:
            for i, writer in enumerate(writers):
                writer.begin()
                writer.execute(text("SET LOCAL lock_timeout = '1ms'"))  # a wait fails at once
                writer.execute(_copy_of(pid))
                writer.execute(_copy_of(pid))  # a slot it holds: no second one
                assert probe.execute(_FREE).scalar_one() == _MIGRATION.SLOTS - i - 1
                probe.rollback()
            with engine.connect() as late:
                late.execute(text("SET LOCAL lock_timeout = '1ms'"))
                with pytest.raises(Busy):
                    late.execute(_copy_of(pid))
        for writer in writers:
            writer.commit()
    finally:
        for writer in writers:
            writer.close()
    with engine.connect() as conn:
        assert _changed(before, _all(conn)) == CHANGES["places"]
        bumped = conn.execute(
            text("SELECT count(DISTINCT changes) FROM data_changes WHERE table_name = 'places'")
        ).scalar_one()
        assert bumped == _MIGRATION.SLOTS
