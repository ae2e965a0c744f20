"""Schema migrations (Alembic), run programmatically on SpatiaLite and PostGIS alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from gazetteer.errors import StorageUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def execute_for_dialect(postgresql: Sequence[str], sqlite: Sequence[str]) -> None:
    """In a migration: execute, in order, the statements written for the database it runs
    on (PostgreSQL or SQLite)."""
    pg = op.get_bind().dialect.name == "postgresql"
    for stmt in postgresql if pg else sqlite:
        op.execute(stmt)


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _prepare_postgis(conn: Connection) -> None:
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


def _unbounded(conn: Connection) -> None:
    """Lift the service's per-statement timeout for this transaction (PostgreSQL): a
    migration may rewrite a table, minutes at a province's million names. Lock waits stay
    bounded, so a migration beside a busy service fails fast instead of queueing it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL statement_timeout = 0"))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creating the spatial extensions on PostGIS)."""
    with engine.begin() as conn:
        _unbounded(conn)
        if conn.dialect.name == "postgresql":
            _prepare_postgis(conn)
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (tests and operators undoing a release)."""
    with engine.begin() as conn:
        _unbounded(conn)
        command.downgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def require_current(engine: Engine) -> None:
    """Raise a clear error when the database has no schema or an old one."""
    if not is_current(engine):
        raise StorageUnavailable(
            "数据库尚未初始化或结构过旧 (the database has no schema or an old one): "
            "run `gazetteer migrate` or `gazetteer demo` first"
        )
