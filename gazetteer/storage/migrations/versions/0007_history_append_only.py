"""facility and place-name history: append-only in the database

Revision ID: 0007
Revises: 0006

Two more records are append-only in the database, guarded like the naming audit log
(migration 0006):

* ``facility_history`` -- the register of the bureau's facilities (eldercare centres,
  meal sites and the subsidies that follow from them): every create, update and delete
  of a facility appends a snapshot with who made the change. Deleting a facility keeps
  its history (the table has no foreign key to ``facilities``).
* ``place_history`` -- the legal history of standardised names: every change of a place
  (``repository.update_place``) first appends the previous version.

No code path updates or deletes rows of either table: the application only inserts them
(``gazetteer.services.facilities._record``, ``repository.update_place``/``insert_history``, the
importer and the demo), so the database now rejects every change to an existing row:

* PostgreSQL: ``reject_history_change()`` (plpgsql, shared by both tables; the trigger
  arguments name the record in English and Chinese) raises
  ``<record> is append-only: <op> rejected (<记录>只能追加，不能修改或删除)`` with SQLSTATE
  23000 (``integrity_constraint_violation``) and a hint naming the table; it is called by
  ``trg_<table>_append_only`` (``BEFORE UPDATE OR DELETE``, per row) and by
  ``trg_<table>_no_truncate`` (``BEFORE TRUNCATE``, per statement -- row triggers do not
  see ``TRUNCATE``, and ``TRUNCATE places CASCADE`` would otherwise empty
  ``place_history``).
* SQLite: ``trg_<table>_no_update`` / ``trg_<table>_no_delete`` (``BEFORE UPDATE`` /
  ``BEFORE DELETE``) ``SELECT RAISE(ABORT, ...)`` with the same message (an
  ``IntegrityError`` for the driver, as on PostgreSQL).

The application turns the error into ``gazetteer.errors.AppendOnlyViolation`` (HTTP 409,
a message without traceback on the command line) through
``gazetteer.storage.append_only.violation``, where both tables are registered in
``GUARDS``. The one legitimate removal is replacing the whole database content
(``gazetteer demo --force``): ``gazetteer.storage.append_only.empty_table`` suspends the
``TRUNCATE`` trigger (PostgreSQL) or the ``DELETE`` trigger (SQLite) for its own
transaction only, as for ``audit_log``. There is no row-level switch.

As with 0006, a role that owns the tables can still drop triggers (run the service as a
role that does not), and a later migration that rebuilds one of these tables on SQLite
(batch mode) must create its triggers again.
"""

import sqlalchemy as sa  # noqa: F401

from gazetteer.storage.migrate import execute_for_dialect

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: table -> (the record in English, in Chinese), as the messages name it
_TABLES = {
    "facility_history": ("facility history", "设施变更记录"),
    "place_history": ("place name history", "地名历史记录"),
}
_MESSAGE = "{subject} is append-only: {op} rejected ({zh}只能追加，不能修改或删除)"

_PG_UP = [
    f"""
    CREATE FUNCTION reject_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '{_MESSAGE.format(subject="%", op="%", zh="%")}',
        TG_ARGV[0], TG_OP, TG_ARGV[1]
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = TG_TABLE_NAME || ' rows can only be inserted (migration 0007)';
    END $$
    """,
]
for _table, (_subject, _zh) in _TABLES.items():
    _PG_UP += [
        f"""
        CREATE TRIGGER trg_{_table}_append_only BEFORE UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION reject_history_change('{_subject}', '{_zh}')
        """,
        f"""
        CREATE TRIGGER trg_{_table}_no_truncate BEFORE TRUNCATE ON {_table}
        FOR EACH STATEMENT EXECUTE FUNCTION reject_history_change('{_subject}', '{_zh}')
        """,
    ]
_PG_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS trg_{_table}_{kind} ON {_table}"
        for _table in _TABLES
        for kind in ("no_truncate", "append_only")
    ),
    "DROP FUNCTION IF EXISTS reject_history_change()",
]

_SQLITE_UP = [
    f"""
    CREATE TRIGGER trg_{_table}_no_{sql_op.lower()} BEFORE {sql_op} ON {_table}
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE.format(subject=_subject, op=sql_op, zh=_zh)}'); END
    """
    for _table, (_subject, _zh) in _TABLES.items()
    for sql_op in ("UPDATE", "DELETE")
]
_SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS trg_{_table}_no_{kind}"
    for _table in _TABLES
    for kind in ("update", "delete")
]


def upgrade() -> None:
    execute_for_dialect(_PG_UP, _SQLITE_UP)


def downgrade() -> None:
    execute_for_dialect(_PG_DOWN, _SQLITE_DOWN)
