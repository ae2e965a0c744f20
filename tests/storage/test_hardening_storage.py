"""Append-only cannot be bypassed (issue 16): on SQLite, ``INSERT OR REPLACE`` of an
existing row of an append-only table is rejected (REPLACE fires no DELETE trigger); on
PostgreSQL the service's role (``gazetteer_app``, migration 0010) owns nothing, so it
cannot drop a table, disable a trigger or truncate, and an UPSERT hits the UPDATE guard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, text

from gazetteer.errors import AppendOnlyViolation
from gazetteer.model import AdminLevel
from gazetteer.settings import Settings
from gazetteer.storage import versions, write_transaction
from tests.builder import Builder
from tests.conftest import _pg_admin

ROWS = {
    "audit_log": (
        "(id, at, user_name, action, note)",
        "(1000, '2024-01-01 00:00:00', 'zhang', 'create', '{note}')",
    ),
    "facility_history": (
        "(id, facility_id, version, action, snapshot, changed_by, note, changed_at)",
        "(1000, 1, 1, 'create', '{{}}', 'zhang', '{note}', '2024-01-01 00:00:00')",
    ),
    "place_history": (
        "(id, place_id, version, name, romanized, pinyin_key, reason, note, recorded_at)",
        "(1000, {place}, 1, '旧名', '', '', 'renaming', '{note}', '2024-01-01 00:00:00')",
    ),
}


def _place(engine: Engine) -> int:
    with Builder.writing(engine) as b:
        b.admin("371000000000", "威海市", AdminLevel.CITY)
        return b.place("旧名村", "22200", "371000000000", Point(122.1, 37.5))


def _seed(engine: Engine) -> int:
    pid = _place(engine)
    with write_transaction(engine) as conn:
        for table, (cols, values) in ROWS.items():
            conn.exec_driver_sql(
                f"INSERT INTO {table} {cols} VALUES {values.format(note='first', place=pid)}"
            )
    return pid


def test_replace_and_upsert_cannot_rewrite_append_only_rows(engine: Engine) -> None:
    pid = _seed(engine)
    sqlite = engine.dialect.name == "sqlite"
    for table, (cols, values) in ROWS.items():
        forged = values.format(note="forged", place=pid)
        statements = [
            f"INSERT INTO {table} {cols} VALUES {forged} ON CONFLICT (id) DO UPDATE "
            "SET note = excluded.note"
        ]
        if sqlite:
            statements += [
                f"INSERT OR REPLACE INTO {table} {cols} VALUES {forged}",
                f"REPLACE INTO {table} {cols} VALUES {forged}",
            ]
        for sql in statements:
            with pytest.raises(AppendOnlyViolation), write_transaction(engine) as conn:
                conn.exec_driver_sql(sql)
        with engine.connect() as conn:
            note = conn.execute(text(f"SELECT note FROM {table} WHERE id = 1000")).scalar_one()
            assert note == "first", (table, note)
    # new rows still go in
    with write_transaction(engine) as conn:
        conn.exec_driver_sql(
            "INSERT INTO facility_history (facility_id, version, action, snapshot, changed_by, "
            "note, changed_at) VALUES (2, 1, 'create', '{}', 'li', '', '2024-01-02 00:00:00')"
        )


@pytest.fixture
def app_role_dsn(settings: Settings) -> Iterator[str]:
    """A login role that is a member of ``gazetteer_app`` (as docs/deploy.md sets up)."""
    if settings.is_sqlite:
        pytest.skip("PostgreSQL roles only")
    name = f"gz_app_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN IN ROLE gazetteer_app"))
    dsn = settings.database_url.replace("postgresql+psycopg://postgres@", f"postgresql://{name}@")
    try:
        yield dsn
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))
        admin.dispose()


@pytest.mark.postgis
def test_the_service_role_owns_nothing(
    engine: Engine, settings: Settings, app_role_dsn: str
) -> None:
    _seed(engine)
    with psycopg.connect(app_role_dsn, autocommit=True) as pg:
        assert pg.execute("SELECT count(*) FROM facility_history").fetchone() == (1,)
        pg.execute(
            "INSERT INTO facility_history (facility_id, version, action, snapshot, changed_by, "
            "note, changed_at) VALUES (3, 1, 'create', '{}', 'li', '', now())"
        )
        for sql in (
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "ALTER TABLE facility_history DISABLE TRIGGER trg_facility_history_append_only",
            "DROP TABLE place_history CASCADE",
            "TRUNCATE audit_log",
            "DROP TRIGGER trg_audit_log_append_only ON audit_log",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                pg.execute(sql)
        with pytest.raises(psycopg.errors.IntegrityError, match="append-only"):
            pg.execute("UPDATE audit_log SET note = 'forged'")
        # its writes bump the data versions' change counters (migration 0013) ...
        with engine.connect() as conn:
            before = versions.layer_version(conn, "facilities")
        pg.execute("UPDATE facilities SET name = name || '站'")
        with engine.connect() as conn:
            assert versions.layer_version(conn, "facilities") != before
        # ... which it may neither add to nor delete from
        for sql in (
            "DELETE FROM data_changes",
            "INSERT INTO data_changes VALUES ('places', 99, 0)",
            "TRUNCATE data_changes",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                pg.execute(sql)
