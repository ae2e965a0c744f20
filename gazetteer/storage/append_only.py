"""Tables the database keeps append-only, and the one way to empty them.

``audit_log`` (migration 0006), ``facility_history`` and ``place_history`` (migration
0007) reject UPDATE, DELETE and (on PostgreSQL) TRUNCATE with triggers. Each trigger's
message reads ``<record> is append-only: <op> rejected (<记录>只能追加，不能修改或删除)``.
The engines (:mod:`gazetteer.storage.engine`) turn that database error into
:class:`~gazetteer.errors.AppendOnlyViolation` naming the record with :func:`violation`.
:func:`empty_table` is for replacing the whole database content (``gazetteer demo
--force``) and nothing else.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, Table, text

from gazetteer.errors import AppendOnlyViolation

#: The text every append-only trigger's error message contains (after the record's name).
MARKER = "is append-only"


class Guard(NamedTuple):
    """The guard of one append-only table."""

    #: PostgreSQL statement-level TRUNCATE trigger: the one :func:`empty_table` suspends
    pg_truncate: str
    #: SQLite DELETE trigger: the one :func:`empty_table` suspends
    sqlite_delete: str
    #: the record in English, as the trigger message begins: ``<subject> is append-only``
    subject: str
    #: the record in Chinese, for the user-facing message
    subject_zh: str


#: Table name -> its guard. Row-level UPDATE/DELETE guards on PostgreSQL and the SQLite
#: UPDATE guard are never suspended.
GUARDS: dict[str, Guard] = {
    "audit_log": Guard(
        "trg_audit_log_no_truncate", "trg_audit_log_no_delete", "naming audit log", "审核记录"
    ),
    "facility_history": Guard(
        "trg_facility_history_no_truncate",
        "trg_facility_history_no_delete",
        "facility history",
        "设施变更记录",
    ),
    "place_history": Guard(
        "trg_place_history_no_truncate",
        "trg_place_history_no_delete",
        "place name history",
        "地名历史记录",
    ),
}


def violation(error: BaseException) -> AppendOnlyViolation | None:
    """The domain error for a driver error raised by an append-only guard, else None."""
    said = str(error).strip()
    if MARKER not in said:
        return None
    first = said.splitlines()[0]
    for table, guard in GUARDS.items():
        if f"{guard.subject} {MARKER}" in first:
            return AppendOnlyViolation(
                f"{guard.subject_zh}只能追加，不能修改或删除 (the {guard.subject} ({table}) is "
                "append-only: its entries cannot be changed or deleted)",
                details=first,
            )
    return AppendOnlyViolation(
        "记录只能追加，不能修改或删除 (this record is append-only: its entries cannot be "
        "changed or deleted)",
        details=first,
    )


def empty_table(conn: Connection, table: Table) -> None:
    """Delete every row of ``table``, an append-only table included, in ``conn``'s transaction.

    The guard that blocks whole-table removal is lifted for this transaction only and is
    back in place before it commits (a rollback restores it too). Only for replacing the
    whole database content.
    """
    guard = GUARDS.get(table.name)
    if guard is None:
        conn.execute(table.delete())
        return
    name = conn.dialect.identifier_preparer.quote(table.name)
    if conn.dialect.name == "sqlite":
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": guard.sqlite_delete},
        ).scalar_one_or_none()
        if sql is not None:
            conn.exec_driver_sql(f"DROP TRIGGER {guard.sqlite_delete}")
        conn.exec_driver_sql(f"DELETE FROM {name}")
        if sql is not None:
            conn.exec_driver_sql(sql)
        return
    present = conn.execute(
        text("SELECT 1 FROM pg_trigger WHERE tgname = :n AND tgrelid = CAST(:t AS regclass)"),
        {"n": guard.pg_truncate, "t": table.name},
    ).first()
    if present is not None:
        conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER {guard.pg_truncate}")
    conn.exec_driver_sql(f"TRUNCATE {name}")
    if present is not None:
        conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER {guard.pg_truncate}")


__all__ = ["GUARDS", "MARKER", "Guard", "empty_table", "violation"]
