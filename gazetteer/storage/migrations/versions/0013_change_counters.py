"""change counters: the data versions of PostgreSQL read from counters kept by triggers

Revision ID: 0013_change_counters
Revises: 0012_bulk_build

Every per-process cache is keyed by a data version (:mod:`gazetteer.storage.versions`).
Computed from the data (``count(*)``, ``max(updated_at)``, ``max(id)``), the places
layer's version costs a scan of the whole index at a province's million names (hundreds of
milliseconds), paid once a second per cache and per worker. On PostgreSQL it is now read
from ``data_changes``: per watched table (exactly those the versions read:
:data:`WATCHED`) :data:`SLOTS` rows ``(table_name, slot, changes)``, bumped by a
statement-level ``AFTER INSERT OR UPDATE OR DELETE`` and an ``AFTER TRUNCATE`` trigger
(``trg_<table>_changed``, ``trg_<table>_truncated``). A table's part of a version is ``sum(changes)`` and
``max(changes)`` over its slots.

* Transactional: the bump is an ``UPDATE`` in the writing transaction, so a reader (on the
  primary or, through the WAL, on a hot standby) sees it exactly when it sees the data; a
  rolled-back write leaves it. (Not a sequence: ``nextval`` is not rolled back, and is
  WAL-logged only every 32 values, so a standby would not see each change.)
* Every committed write statement raises one slot by at least one, so the sum changes with
  every commit. A bump sets ``greatest(changes + 1, <clock in µs>)``: after a restore from
  a dump (or a database made again) the next write jumps the maximum past any value seen
  before, so a running process cannot mistake the new data for a state it has cached.
  A statement that changes no row still bumps (a needless reload, never a missed one).
* Statement-level: a ``COPY`` of a million rows bumps once. ``ALTER TABLE .. DISABLE
  TRIGGER USER`` or ``session_replication_role = replica`` silences it: whoever does that
  calls ``gz_data_changed(tables)`` (``versions.note_changes``) in the same transaction.
* Locks: a bump holds its slot's row lock until the transaction ends. It takes a slot of
  the table that no other transaction holds (``FOR UPDATE SKIP LOCKED``; the backend's
  own, ``pg_backend_pid() % SLOTS``, first; one the transaction holds itself counts as
  free), so concurrent writers of one table do not wait for one another: a bulk load
  holding a slot for its whole transaction does not hold up the service's edits (whose
  ``lock_timeout`` would turn a wait into a 503). Only when every slot of a table is held
  (more than :data:`SLOTS` writing transactions on it at once) does a writer wait, on its
  own slot, for that transaction to end; such waiters writing two watched tables in
  opposite orders can deadlock, which PostgreSQL detects after ``deadlock_timeout`` and
  answers by aborting one of them (it fails like any aborted write). The trigger does
  nothing else (two lookups in a table of 144 rows), and being ``AFTER .. FOR EACH
  STATEMENT`` it locks as late as possible in each statement.

Functions are qualified by their schema (``pg_restore`` runs with an empty
``search_path``). The service role ``gazetteer_app`` (migration 0010) may ``SELECT`` and
``UPDATE`` the counters (its writes' triggers run as that role), not add or delete rows.
SQLite (a city's names) keeps computing its versions from the data: nothing there.
"""

from alembic import op
from sqlalchemy import text

revision = "0013_change_counters"
down_revision = "0012_bulk_build"
branch_labels = None
depends_on = None

WATCHED = (
    "places",
    "place_history",
    "admin_areas",
    "facilities",
    "network_edges",
    "network_nodes",
    "demand_points",
    "naming_words",
    "built_up_areas",
)
SLOTS = 16
APP_ROLE = "gazetteer_app"


def _pg_up(own: str) -> list[str]:
    rows = ", ".join(f"('{name}')" for name in WATCHED)
    clock = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    mine = f"pg_backend_pid() % {SLOTS}"
    bump = f"UPDATE {own}.data_changes SET changes = greatest(changes + 1, {clock})"
    out = [
        f"""
        CREATE TABLE {own}.data_changes (
          table_name text NOT NULL,
          slot smallint NOT NULL,
          changes bigint NOT NULL,
          CONSTRAINT pk_data_changes PRIMARY KEY (table_name, slot)
        ) WITH (fillfactor = 50)
        """,
        f"""
        INSERT INTO {own}.data_changes (table_name, slot, changes)
        SELECT w.name, s, {clock}
        FROM (VALUES {rows}) AS w(name), generate_series(0, {SLOTS - 1}) AS s
        """,
        # a free slot, the backend's own first; all held by others: wait for its own
        f"""
        CREATE FUNCTION {own}.gz_data_changed(tables text[]) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
          t text;
        BEGIN
          FOREACH t IN ARRAY tables LOOP
            {bump} WHERE table_name = t AND slot = (
              SELECT c.slot FROM {own}.data_changes c WHERE c.table_name = t
              ORDER BY (c.slot + {SLOTS} - {mine}) % {SLOTS}
              LIMIT 1 FOR UPDATE SKIP LOCKED);
            IF NOT FOUND THEN
              {bump} WHERE table_name = t AND slot = {mine};
            END IF;
          END LOOP;
        END $$
        """,
        f"""
        CREATE FUNCTION {own}.gz_table_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM {own}.gz_data_changed(ARRAY[TG_TABLE_NAME::text]);
          RETURN NULL;
        END $$
        """,
        # the service role (migration 0010) updates the rows through its writes' triggers
        f"REVOKE ALL ON {own}.data_changes FROM {APP_ROLE}",
        f"GRANT SELECT, UPDATE ON {own}.data_changes TO {APP_ROLE}",
    ]
    for name in WATCHED:
        out += [
            f"CREATE TRIGGER trg_{name}_changed AFTER INSERT OR UPDATE OR DELETE ON {name} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {own}.gz_table_changed()",
            f"CREATE TRIGGER trg_{name}_truncated AFTER TRUNCATE ON {name} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {own}.gz_table_changed()",
        ]
    return out


_PG_DOWN = [
    *(f"DROP TRIGGER IF EXISTS trg_{name}_truncated ON {name}" for name in WATCHED),
    *(f"DROP TRIGGER IF EXISTS trg_{name}_changed ON {name}" for name in WATCHED),
    "DROP FUNCTION IF EXISTS gz_table_changed()",
    "DROP FUNCTION IF EXISTS gz_data_changed(text[])",
    "DROP TABLE IF EXISTS data_changes",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    own = bind.execute(text("SELECT quote_ident(current_schema())")).scalar_one()
    for stmt in _pg_up(str(own)):
        op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in _PG_DOWN:
            op.execute(stmt)
