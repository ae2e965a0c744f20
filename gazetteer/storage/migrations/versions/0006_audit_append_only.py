"""naming audit log: append-only in the database

Revision ID: 0006
Revises: 0005

``audit_log`` (the naming-review audit trail: every case transition and every gazetteer
change made by an approval) was append-only only by convention: the code never updates or
deletes its rows. The 2022 Regulation's filing and review process needs a record that
stays trustworthy whatever other code or ad-hoc SQL does, so the database now rejects
every change to an existing row:

* PostgreSQL: ``reject_audit_log_change()`` (plpgsql) raises
  ``naming audit log is append-only ...`` with SQLSTATE 23000
  (``integrity_constraint_violation``); it is called by ``trg_audit_log_append_only``
  (``BEFORE UPDATE OR DELETE``, per row) and by ``trg_audit_log_no_truncate``
  (``BEFORE TRUNCATE``, per statement -- row triggers do not see ``TRUNCATE``, and
  ``TRUNCATE places CASCADE`` would otherwise empty the log).
* SQLite: ``trg_audit_log_no_update`` / ``trg_audit_log_no_delete`` (``BEFORE UPDATE`` /
  ``BEFORE DELETE``) ``SELECT RAISE(ABORT, ...)`` with the same message (an
  ``IntegrityError`` for the driver, as on PostgreSQL).

The application turns the error into ``gazetteer.errors.AppendOnlyViolation`` (HTTP 409,
a message without traceback on the command line) and logs the statement.

The one legitimate way to remove entries is replacing the whole database content
(``gazetteer demo --force``): ``gazetteer.storage.append_only.empty_table`` lifts the
guard that stands in its way for the rest of its own transaction only, empties the table
and restores the guard before the transaction commits -- on PostgreSQL
``ALTER TABLE .. DISABLE TRIGGER trg_audit_log_no_truncate``, ``TRUNCATE``, ``ENABLE``
(row-level UPDATE/DELETE stay rejected throughout; the ``ALTER TABLE`` lock keeps other
sessions out until commit); on SQLite ``DROP TRIGGER trg_audit_log_no_delete``,
``DELETE``, then the trigger is created again from its stored SQL (SQLite DDL is
transactional, and ``BEGIN IMMEDIATE`` holds the only write lock). A failed rebuild rolls
the guard back with everything else. No row-level switch exists: ordinary UPDATE and
DELETE are impossible.

The guard protects the record from the application and from SQL run with its
credentials; a role that owns the table can still drop triggers (use a separate owner
role in production for that). A later migration that rebuilds ``audit_log`` on SQLite
(batch mode copies and drops the table, and its triggers with it) must create the
triggers again.
"""

import sqlalchemy as sa  # noqa: F401

from gazetteer.storage.migrate import execute_for_dialect

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_MESSAGE = "naming audit log is append-only: {op} rejected (审核记录只能追加，不能修改或删除)"

_PG_UP = [
    f"""
    CREATE FUNCTION reject_audit_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '{_MESSAGE.format(op="%")}', TG_OP
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'audit_log rows can only be inserted (migration 0006)';
    END $$
    """,
    """
    CREATE TRIGGER trg_audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION reject_audit_log_change()
    """,
    """
    CREATE TRIGGER trg_audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_log_change()
    """,
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS trg_audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS reject_audit_log_change()",
]

_SQLITE_UP = [
    f"""
    CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE.format(op="UPDATE")}'); END
    """,
    f"""
    CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE.format(op="DELETE")}'); END
    """,
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trg_audit_log_no_update",
    "DROP TRIGGER IF EXISTS trg_audit_log_no_delete",
]


def upgrade() -> None:
    execute_for_dialect(_PG_UP, _SQLITE_UP)


def downgrade() -> None:
    execute_for_dialect(_PG_DOWN, _SQLITE_DOWN)
