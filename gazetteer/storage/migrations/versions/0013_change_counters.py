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
(``trg_<table>_changed``). A table's part of a version is ``sum(changes)`` and
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
* Locks: a bump holds its slot's row lock until the transaction ends. The slot is
  ``pg_backend_pid() % SLOTS``, so concurrent writers of one table block each other only
  when their backends share a slot (one in :data:`SLOTS`); then the second waits for the
  first to commit (a long bulk load holds its slot for its whole transaction). Two writers
  sharing a slot that write two watched tables in opposite orders deadlock; PostgreSQL
  detects it after ``deadlock_timeout`` and aborts one of them, which fails like any other
  aborted write. The trigger does nothing else (one indexed row update), so the lock is
  taken as late as possible in each statement.

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


def _bump(own: str, which: str) -> str:
    return (
        f"UPDATE {own}.data_changes SET changes = greatest(changes + 1, "
        "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint) "
        f"WHERE table_name = {which} AND slot = pg_backend_pid() % {SLOTS}"
    )


def _pg_up(own: str) -> list[str]:
    rows = ", ".join(f"('{name}')" for name in WATCHED)
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
        SELECT w.name, s, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
        FROM (VALUES {rows}) AS w(name), generate_series(0, {SLOTS - 1}) AS s
        """,
        f"""
        CREATE FUNCTION {own}.gz_data_changed(tables text[]) RETURNS void
        LANGUAGE sql AS $$ {_bump(own, "ANY(tables)")} $$
        """,
        f"""
        CREATE FUNCTION {own}.gz_table_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          {_bump(own, "TG_TABLE_NAME")};
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
