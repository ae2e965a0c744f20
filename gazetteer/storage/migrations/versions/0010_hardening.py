"""hardening: REPLACE cannot rewrite append-only rows (SQLite); an application role that
owns nothing (PostgreSQL)

Revision ID: 0010_hardening
Revises: 0009_staff_sessions

* SQLite: ``INSERT OR REPLACE`` (and ``REPLACE INTO``) of an existing row of
  ``audit_log``, ``facility_history`` or ``place_history`` deletes the old row and inserts
  the new one without firing the DELETE trigger of migrations 0006/0007 (SQLite runs delete
  triggers of REPLACE only with ``recursive_triggers``). ``trg_<table>_no_replace``
  (``BEFORE INSERT`` when a row with the new id exists) rejects it with the append-only
  message, naming ``REPLACE``. An UPSERT (``ON CONFLICT DO UPDATE``) already hits the
  UPDATE trigger.
* ``api_tokens`` gets ``expires_at`` (a token is refused after it; tokens issued before
  this migration have none and stay valid until revoked) and ``last_used_at``.
* PostgreSQL: the role ``gazetteer_app`` (NOLOGIN) gets DML on every table and use of
  every sequence of the schema, and nothing else: no ownership, so it can neither drop a
  table nor disable a trigger nor ``TRUNCATE``. The service logs in as a role that is a
  member of ``gazetteer_app`` (``docs/deploy.md``); the migrations run as the owner. Every
  upgrade grants again (``ALTER DEFAULT PRIVILEGES`` covers tables the owner creates later).
"""

import sqlalchemy as sa
from alembic import op

from gazetteer.storage.migrate import execute_for_dialect

revision = "0010_hardening"
down_revision = "0009_staff_sessions"
branch_labels = None
depends_on = None

APP_ROLE = "gazetteer_app"
_TABLES = {
    "audit_log": ("naming audit log", "审核记录"),
    "facility_history": ("facility history", "设施变更记录"),
    "place_history": ("place name history", "地名历史记录"),
}
_MESSAGE = "{subject} is append-only: REPLACE rejected ({zh}只能追加，不能修改或删除)"

_SQLITE_UP = [
    f"""
    CREATE TRIGGER trg_{_table}_no_replace BEFORE INSERT ON {_table}
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {_table} WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE.format(subject=_subject, zh=_zh)}'); END
    """
    for _table, (_subject, _zh) in _TABLES.items()
]
_SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS trg_{_table}_no_replace" for _table in _TABLES]

_PG_UP = [
    f"""
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- made meanwhile by a migration of another database of the cluster
    END $$
    """,
    f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}",
]
_PG_DOWN = [
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {APP_ROLE}",
    f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}",
    f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}",
    f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}",
]


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.add_column("api_tokens", sa.Column("last_used_at", sa.DateTime(timezone=True)))
    execute_for_dialect(_PG_UP, _SQLITE_UP)


def downgrade() -> None:
    execute_for_dialect(_PG_DOWN, _SQLITE_DOWN)
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
