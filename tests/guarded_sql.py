"""Plain-driver SQL against an application database, for the append-only guards' tests
(migrations 0006, 0007): what foreign SQL gets, with no application code in between."""

from __future__ import annotations

import psycopg
from sqlalchemy import Engine, func, select

from gazetteer.demo.build import clear_content
from gazetteer.settings import Settings
from gazetteer.storage import sqlite_path
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.engine import sqlite_module
from gazetteer.storage.schema import metadata


def raw_sql(settings: Settings, sql: str) -> Exception | None:
    """Run ``sql`` on a plain driver connection (no application code); the error, if any."""
    path = sqlite_path(settings.database_url)
    if path is not None:
        # the application's SQLite library (two copies in one process would break each
        # other's file locks), without SpatiaLite or any other application setup
        driver = sqlite_module()
        lite = driver.connect(path)
        try:
            lite.execute(sql)
            lite.commit()
        except driver.DatabaseError as exc:
            error: Exception = exc
            return error
        finally:
            lite.close()
        return None
    dsn = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as pg:
        try:
            pg.execute(sql)
            pg.commit()
        except psycopg.Error as exc:
            pg.rollback()
            return exc
    return None


def assert_rejected(settings: Settings, sql: str, *guards: tuple[str, str]) -> None:
    """``sql`` fails as a constraint violation with the message of one of ``guards``
    (pairs of the English marker and the Chinese record name)."""
    err = raw_sql(settings, sql)
    assert err is not None, f"not rejected: {sql}"
    assert isinstance(err, sqlite_module().IntegrityError | psycopg.errors.IntegrityError), repr(
        err
    )
    said = str(err)
    assert any(marker in said and zh in said for marker, zh in guards), said


def rows_left_after_reset(engine: Engine) -> dict[str, int]:
    """Reset the content (``clear_content``, as ``gazetteer demo --force`` does), then the
    tables still holding rows, with their counts: the categories, which a reset keeps, aside."""
    with write_transaction(engine) as conn:
        clear_content(conn)
    left = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if count and table.name != "categories":
                left[table.name] = count
    return left
