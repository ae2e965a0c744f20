"""Facility history and place-name history are append-only in the database (migration
0007), on both backends.

History written by the real use cases (``gazetteer.services.facilities`` create/update/delete,
``repository.update_place``) is attacked with plain driver connections (SQL from outside
the application) and through the application's engine; the normal operations keep
appending; the whole-content reset (``clear_content`` of ``gazetteer demo --force``)
empties both tables and leaves the guards in place; migration 0007 goes down to 0006 and
up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, Table, func, insert, select, text, update

from gazetteer.demo.build import clear_content
from gazetteer.errors import AppendOnlyViolation, GazetteerError, NotFound
from gazetteer.model import AdminArea, AdminLevel, ChangeReason, Place
from gazetteer.services import facilities as fac
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage import upgrade, write_transaction
from gazetteer.storage.migrate import alembic_config, current_revision, is_current
from gazetteer.storage.tables_coverage import facility_history
from tests.guarded_sql import assert_rejected, raw_sql, rows_left_after_reset

CITY, COUNTY, TOWN = "371000000000", "371002000000", "371002001000"

#: table -> the start of its guard's message and the Chinese record name in it
GUARDED = {
    "facility_history": ("facility history is append-only", "设施变更记录只能追加"),
    "place_history": ("place name history is append-only", "地名历史记录只能追加"),
}
AUDIT_LOG = ("naming audit log is append-only", "审核记录只能追加")
TABLES: dict[str, Table] = {"facility_history": facility_history, "place_history": t.place_history}


@dataclass
class History:
    place_id: int
    deleted_facility: int
    kept_facility: int


def _frame(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(
            conn,
            [
                AdminArea(CITY, "威海市", AdminLevel.CITY, None),
                AdminArea(COUNTY, "环翠区", AdminLevel.COUNTY, CITY),
                AdminArea(TOWN, "环翠一街道", AdminLevel.TOWN, COUNTY),
            ],
        )


def _write_history(engine: Engine) -> History:
    """History rows written by the real use cases: a place renamed and moved, a facility
    created, changed and deleted, another created and changed."""
    with write_transaction(engine) as conn:
        pid = repo.insert_place(
            conn,
            Place(
                name="旧名村",
                category_code="22200",
                admin_code=COUNTY,
                geometry=Point(122.10, 37.50),
            ),
        )
        repo.update_place(conn, pid, {"name": "新名村"}, reason=ChangeReason.RENAMING)
        repo.update_place(
            conn, pid, {"geometry": Point(122.11, 37.51)}, reason=ChangeReason.ADJUSTMENT
        )
    values = {"type": "community_canteen", "admin_code": TOWN, "lon": 122.1, "lat": 37.5}
    gone = fac.create_facility(engine, {**values, "name": "幸福社区食堂"}, user="rev")
    kept = fac.create_facility(engine, {**values, "name": "长者食堂"}, user="rev")
    assert gone.id is not None and kept.id is not None
    fac.update_facility(engine, gone.id, {"capacity": 80}, user="rev", note="扩建")
    fac.update_facility(engine, kept.id, {"name": "长者助餐点"}, user="rev", expected_version=1)
    # deleted last, so the history of a facility deleted after its last change is checked
    fac.delete_facility(engine, gone.id, user="boss", expected_version=2, note="撤并")
    return History(pid, gone.id, kept.id)


def _rows(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    """Every column of every row (geometry as WKT), in id order."""
    cols: list[Any] = [c for c in table.c if c.name != "geom"]
    if "geom" in table.c:
        cols.append(func.ST_AsText(table.c.geom))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(table.c.id))]


def _attacks(name: str, first: int) -> list[str]:
    if name == "facility_history":
        return [
            f"UPDATE facility_history SET changed_by = 'x', note = 'forged' WHERE id = {first}",
            "UPDATE facility_history SET snapshot = '{}' WHERE action = 'delete'",
            f"DELETE FROM facility_history WHERE id = {first}",
            "DELETE FROM facility_history WHERE action = 'delete'",
            "DELETE FROM facility_history",
        ]
    return [
        f"UPDATE place_history SET name = '伪造村', reason = 'correction' WHERE id = {first}",
        "UPDATE place_history SET valid_to = NULL, snapshot = NULL",
        f"DELETE FROM place_history WHERE id = {first}",
        "DELETE FROM place_history",
    ]


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_sql_cannot_update_or_delete_history_rows(
    name: str, engine: Engine, settings: Settings
) -> None:
    _frame(engine)
    _write_history(engine)
    table = TABLES[name]
    before = _rows(engine, table)
    assert len(before) == (5 if name == "facility_history" else 2)
    for sql in _attacks(name, before[0][0]):
        assert_rejected(settings, sql, GUARDED[name])
    if engine.dialect.name == "postgresql":
        assert_rejected(settings, f"TRUNCATE {name}", GUARDED[name])
        if name == "place_history":
            # cascading from the places does not get round it (audit_log, also reached by
            # the cascade, may answer first)
            assert_rejected(settings, "TRUNCATE places CASCADE", GUARDED[name], AUDIT_LOG)
    assert _rows(engine, table) == before
    # appending stays possible (the application's engine: SpatiaLite's index triggers)
    appended = {
        "facility_history": "INSERT INTO facility_history (facility_id, version, action, "
        "snapshot, changed_by, note, changed_at) "
        "VALUES (999, 1, 'create', '{}', 'sql', '', '2024-04-01 00:00:00+00')",
        "place_history": "INSERT INTO place_history (place_id, name, romanized, pinyin_key, "
        "reason, note, recorded_at) SELECT id, '补录村', '', '', 'correction', 'appended', "
        "'2024-04-01 00:00:00+00' FROM places",
    }[name]
    with engine.begin() as conn:
        conn.exec_driver_sql(appended)
    after = _rows(engine, table)
    assert after[:-1] == before and len(after) == len(before) + 1


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_application_gets_a_domain_error_naming_the_record(
    name: str, engine: Engine, settings: Settings
) -> None:
    _frame(engine)
    made = _write_history(engine)
    table = TABLES[name]
    before = _rows(engine, table)
    marker, zh = GUARDED[name]
    with (
        pytest.raises(AppendOnlyViolation, match=zh) as info,
        write_transaction(engine) as conn,
    ):
        conn.execute(update(table).values(note="forged"))
    assert "UPDATE rejected" in str(info.value.details) and marker in str(info.value.details)
    assert f"({name})" in info.value.message and "audit" not in info.value.message
    assert info.value.code == "append_only"
    # the whole transaction is rolled back: the facility change made before it too
    with pytest.raises(AppendOnlyViolation, match=zh) as info, write_transaction(engine) as conn:
        conn.execute(
            update(t.facilities).where(t.facilities.c.id == made.kept_facility).values(beds=9)
        )
        conn.execute(table.delete())
    assert "DELETE rejected" in str(info.value.details)
    if engine.dialect.name == "postgresql":
        with pytest.raises(AppendOnlyViolation, match=zh) as info, write_transaction(engine) as c:
            c.exec_driver_sql(f"TRUNCATE {name}")
        assert "TRUNCATE rejected" in str(info.value.details)
    assert _rows(engine, table) == before
    with engine.connect() as conn:
        assert fac.get_facility(conn, made.kept_facility).beds is None


def test_normal_operations_still_append_history(engine: Engine) -> None:
    _frame(engine)
    made = _write_history(engine)
    with engine.connect() as conn:
        place = repo.get_place(conn, made.place_id)
        names = repo.place_history(conn, made.place_id)
        gone = fac.facility_history_entries(conn, made.deleted_facility)
        kept = fac.facility_history_entries(conn, made.kept_facility)
        with pytest.raises(NotFound):
            fac.get_facility(conn, made.deleted_facility)
        assert fac.get_facility(conn, made.kept_facility).name == "长者助餐点"
    assert (place.name, place.version) == ("新名村", 3)
    assert [(h.name, h.reason) for h in names] == [
        ("旧名村", ChangeReason.RENAMING),
        ("新名村", ChangeReason.ADJUSTMENT),
    ]
    assert names[1].geometry is not None and names[1].geometry.equals(Point(122.10, 37.50))
    # a deleted facility keeps its whole history, the last state included
    assert [(h.action, h.version, h.changed_by) for h in gone] == [
        ("create", 1, "rev"),
        ("update", 1, "rev"),
        ("delete", 2, "boss"),
    ]
    assert gone[2].snapshot["capacity"] == 80 and gone[2].note == "撤并"
    assert [(h.action, h.snapshot["name"]) for h in kept] == [
        ("create", "长者食堂"),
        ("update", "长者食堂"),
    ]


def _guard_triggers(engine: Engine) -> dict[str, set[str]]:
    """The (non-internal) triggers of each guarded table but the change counters'; on
    PostgreSQL with their enabled state."""
    out: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for name in (*GUARDED, "audit_log"):
            if engine.dialect.name == "sqlite":
                q = text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
                    "AND name LIKE 'trg_%'"
                )
            else:
                q = text(
                    "SELECT tgname || ':' || CAST(tgenabled AS text) FROM pg_trigger "
                    "WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal "
                    # not the change counters of the data versions (migration 0013)
                    "AND tgfoid NOT IN (SELECT oid FROM pg_proc WHERE proname = 'gz_table_changed')"
                )
            out[name] = set(conn.execute(q, {"t": name}).scalars())
    return out


def _expected_guards(engine: Engine) -> dict[str, set[str]]:
    kinds: tuple[str, ...]
    if engine.dialect.name == "sqlite":
        kinds, suffix = ("no_update", "no_delete", "no_replace"), ""
    else:
        kinds, suffix = ("append_only", "no_truncate"), ":O"
    return {name: {f"trg_{name}_{k}{suffix}" for k in kinds} for name in (*GUARDED, "audit_log")}


def test_clear_content_empties_history_and_keeps_the_guards(
    engine: Engine, settings: Settings
) -> None:
    _frame(engine)
    _write_history(engine)
    before = {name: _rows(engine, table) for name, table in TABLES.items()}
    assert all(before.values())
    guards = _guard_triggers(engine)
    assert guards == _expected_guards(engine)

    # a reset that fails is rolled back with its guard suspensions: rows and guards intact
    with pytest.raises(GazetteerError, match="interrupted"), write_transaction(engine) as conn:
        clear_content(conn)
        for table in TABLES.values():
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
        raise GazetteerError("interrupted")
    assert {name: _rows(engine, table) for name, table in TABLES.items()} == before
    assert _guard_triggers(engine) == guards
    for name in GUARDED:
        assert_rejected(settings, f"DELETE FROM {name}", GUARDED[name])

    assert rows_left_after_reset(engine) == {}
    assert _guard_triggers(engine) == guards
    # new history is appended by the use cases and protected as before
    _frame(engine)
    _write_history(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(facility_history),
            [
                {
                    "facility_id": 1,
                    "version": 1,
                    "action": "create",
                    "snapshot": "{}",
                    "changed_at": datetime.now(UTC),
                }
            ],
        )
    assert len(_rows(engine, facility_history)) == 6 and len(_rows(engine, t.place_history)) == 2
    for name in GUARDED:
        assert_rejected(settings, f"UPDATE {name} SET note = 'forged'", GUARDED[name])
        assert_rejected(settings, f"DELETE FROM {name}", GUARDED[name])
        if engine.dialect.name == "postgresql":
            assert_rejected(settings, f"TRUNCATE {name}", GUARDED[name])


def test_migration_0007_goes_down_to_0006_and_up_again(engine: Engine, settings: Settings) -> None:
    from alembic import command

    _frame(engine)
    _write_history(engine)
    before = {name: _rows(engine, table) for name, table in TABLES.items()}
    function = text("SELECT count(*) FROM pg_proc WHERE proname = 'reject_history_change'")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
    assert current_revision(engine) == "0006"
    expected = _expected_guards(engine)
    no_replace = {"trg_audit_log_no_replace"}  # migration 0010, gone at 0006 too
    assert _guard_triggers(engine) == {
        name: (expected[name] - no_replace if name == "audit_log" else set()) for name in expected
    }
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            assert conn.execute(function).scalar_one() == 0
    # without the guards the database takes an update (what 0007 exists to prevent)
    for name, table in TABLES.items():
        assert raw_sql(settings, f"UPDATE {name} SET note = 'unguarded'") is None
        assert {r[_note(table)] for r in _rows(engine, table)} == {"unguarded"}
    upgrade(engine)
    assert is_current(engine)
    assert _guard_triggers(engine) == expected
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            assert conn.execute(function).scalar_one() == 1
    for name in GUARDED:
        assert_rejected(settings, f"UPDATE {name} SET note = ''", GUARDED[name])
        assert_rejected(settings, f"DELETE FROM {name}", GUARDED[name])
    for name, table in TABLES.items():
        i = _note(table)
        assert [r[:i] + r[i + 1 :] for r in _rows(engine, table)] == [
            r[:i] + r[i + 1 :] for r in before[name]
        ]


def test_new_facility_never_takes_a_deleted_ones_id_or_history(engine: Engine) -> None:
    """SQLite hands out ``max(rowid) + 1``: deleting the facility with the largest id and
    creating another gave the new one the old id, and ``/facilities/{id}/history`` showed
    the deleted facility's entries as the new one's. PostgreSQL never reuses ids."""
    _frame(engine)
    values = {"type": "community_canteen", "admin_code": TOWN, "lon": 122.1, "lat": 37.5}
    first = fac.create_facility(engine, {**values, "name": "甲食堂"}, user="rev")
    gone = fac.create_facility(engine, {**values, "name": "乙食堂"}, user="rev")
    assert first.id is not None and gone.id is not None
    fac.delete_facility(engine, gone.id, user="rev")  # the largest id goes
    new = fac.create_facility(engine, {**values, "name": "丙食堂"}, user="rev")
    assert new.id is not None
    assert new.id not in (first.id, gone.id)
    with engine.connect() as conn:
        own = fac.facility_history_entries(conn, new.id)
        assert [(e.action, e.snapshot["name"]) for e in own] == [("create", "丙食堂")]
        old = fac.facility_history_entries(conn, gone.id)
        assert [e.action for e in old] == ["create", "delete"]
    # ids keep growing after that too
    again = fac.create_facility(engine, {**values, "name": "丁食堂"}, user="rev")
    assert again.id is not None and again.id > new.id


def _note(table: Table) -> int:
    """The position of ``note`` in the rows of :func:`_rows`."""
    return [c.name for c in table.c if c.name != "geom"].index("note")
