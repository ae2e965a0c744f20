"""Tables the database keeps append-only (migration 0006), and the one way to empty them.

``audit_log`` rejects UPDATE, DELETE and (on PostgreSQL) TRUNCATE with triggers. The
engines (:mod:`gazetteer.storage.engine`) turn that database error into
:class:`~gazetteer.errors.AppendOnlyViolation` with :func:`violation`.
:func:`empty_table` is for replacing the whole database content (``gazetteer demo
--force``) and nothing else.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, text

from gazetteer.errors import AppendOnlyViolation

#: The text every append-only trigger's error message contains.
MARKER = "audit log is append-only"

#: Table name -> (PostgreSQL statement-level TRUNCATE guard, SQLite DELETE guard): the
#: trigger :func:`empty_table` suspends. Row-level UPDATE/DELETE guards on PostgreSQL and
#: the SQLite UPDATE guard are never suspended.
GUARDS: dict[str, tuple[str, str]] = {
    "audit_log": ("trg_audit_log_no_truncate", "trg_audit_log_no_delete"),
}


def violation(error: BaseException) -> AppendOnlyViolation | None:
    """The domain error for a driver error raised by an append-only guard, else None."""
    said = str(error).strip()
    if MARKER not in said:
        return None
    return AppendOnlyViolation(
        "审核记录只能追加，不能修改或删除 (the naming audit log is append-only: its entries "
        "cannot be changed or deleted)",
        details=said.splitlines()[0],
    )


def empty_table(conn: Connection, table: Table) -> None:
    """Delete every row of ``table``, an append-only table included, in ``conn``'s transaction.

    The guard that blocks whole-table removal is lifted for this transaction only and is
    back in place before it commits (a rollback restores it too). Only for replacing the
    whole database content.
    """
    guards = GUARDS.get(table.name)
    if guards is None:
        conn.execute(table.delete())
        return
    name = conn.dialect.identifier_preparer.quote(table.name)
    pg_guard, sqlite_guard = guards
    if conn.dialect.name == "sqlite":
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": sqlite_guard},
        ).scalar_one_or_none()
        if sql is not None:
            conn.exec_driver_sql(f"DROP TRIGGER {sqlite_guard}")
        conn.exec_driver_sql(f"DELETE FROM {name}")
        if sql is not None:
            conn.exec_driver_sql(sql)
        return
    present = conn.execute(
        text("SELECT 1 FROM pg_trigger WHERE tgname = :n AND tgrelid = CAST(:t AS regclass)"),
        {"n": pg_guard, "t": table.name},
    ).first()
    if present is not None:
        conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER {pg_guard}")
    conn.exec_driver_sql(f"TRUNCATE {name}")
    if present is not None:
        conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER {pg_guard}")


__all__ = ["GUARDS", "MARKER", "empty_table", "violation"]
