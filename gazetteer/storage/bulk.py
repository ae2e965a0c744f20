"""Loading many rows at once: ``COPY`` on PostgreSQL, one prepared statement on SQLite.

Imports of census exports write 100,000 places in one transaction. Going through
SQLAlchemy's ``insert()`` costs a bind-processing pass per value (geometries converted
to WKB one by one, timestamps formatted) before the driver sees a row; here rows arrive
as tuples of plain values, geometries as EWKT text made in one vectorised call, and

* PostgreSQL reads them with ``COPY … FROM STDIN`` (PostGIS parses EWKT on input);
* SQLite runs one ``INSERT`` with ``GeomFromEWKT(?)`` for the geometry columns through
  the driver's ``executemany``, with a larger page cache for the statement (a table with a
  dozen indexes and two R-trees otherwise re-reads its index pages for every row). For
  large batches SpatiaLite's per-row housekeeping triggers of the geometry columns are
  set aside inside the transaction and their work is done once afterwards: the spatial
  index entries (``RTreeAlign``, as the ``gii_`` trigger does it) for the rows that have
  none, and the ``geometry_columns_time`` stamp (``tmi_``). The geometry constraint
  checks (``ggi_``) stay. The triggers are recreated from their own SQL before the
  transaction commits, and DDL is transactional in SQLite: a failed or killed import
  leaves them as they were, and readers (WAL) never see them missing.

Rows may carry an ``id``; callers reset the sequence afterwards
(:func:`gazetteer.storage.dialect.reset_id_sequence`). Triggers fire as for any insert.

A *large* load of places -- at least ``DEFER_MIN`` rows and at least as many as the table
already holds (a census export into a city database, a province or the nation into an
empty one) -- goes through :func:`places_load`, which keeps nothing per row: the
secondary indexes of ``places`` are dropped and rebuilt once (a sorted build instead of a
random insert per row and index), and the search structures are filled by one set-based
statement each after the load -- on PostgreSQL the ``search_grams`` n-grams (with their
own primary key rebuilt) and the aliases, whose statement trigger is disabled for the
load, and the foreign keys and unique codes of ``places`` checked once when they are
added back; on SQLite the aliases and the two R-trees, and the geometry columns' type
and SRID (what SpatiaLite's ``ggi_`` triggers check per row) by one query each.
Everything happens inside the caller's transaction and DDL is transactional on both
backends: a refused or killed import leaves tables, indexes and triggers as they were.
An import of a places layer without ids on PostgreSQL (``grams_streamed``) copies the
rows chunk by chunk while it still checks the rest and derives each chunk's n-grams right
after it (:func:`grams_after`), so that the server's work overlaps Python's
(:class:`gazetteer.io.importer.write.PlaceStream`); the rest is done once at the end.
On PostgreSQL it needs the owner of the tables (as ``gazetteer import`` runs; the
service's role owns nothing), otherwise the rows go in the ordinary way. The index drop
takes PostgreSQL's exclusive lock on ``places`` until the import commits: readers of the
table wait for a large import.

A national load (``build_later``, PostgreSQL) splits this in two, as Nominatim imports and
then indexes: in the load's transaction only the checks that can refuse rows (foreign keys
and unique codes of ``places``); the rest -- n-grams, aliases, indexes, the n-grams'
primary key, the insert trigger, ``ANALYZE`` -- is written to ``pending_build_steps``
(migration 0012) and run after the commit by :func:`build_pending`, one transaction per
step that also deletes the step: an interrupted build resumes at the steps it was in.
Independent steps run side by side on several connections (the n-gram ranges and the
aliases; then the indexes, constraints and trigger; then ``ANALYZE``): PostgreSQL builds a
GIN index and runs an ``INSERT … SELECT`` on one core each.
While steps are pending the database is not ready (``/readyz``) and bulk loads are
refused. Index builds sort in ``maintenance_work_mem`` = 128 MB (``GIN``: 256 MB): more
is slower here -- the n-gram key of a million names (21 M rows, two parallel workers)
took 18-21 s at 128 MB, 26-29 s at 256 MB, 26-42 s at 1 GB, same runs (bench/RESULTS.md);
steps commit with ``synchronous_commit`` off (a step lost in a crash is still pending,
so it is run again).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, DateTime, Engine, Table, text

from gazetteer.errors import Busy, Conflict
from gazetteer.storage.build_steps import BUILD_JOBS, MAX_BUILD_JOBS, BuildStep, run_workers
from gazetteer.storage.dialect import is_sqlite
from gazetteer.types import SRID

log = logging.getLogger(__name__)
SQLITE_CACHE_KIB = 256 * 1024  # page cache while loading (SQLite's default is 2 MiB)
BATCH_MIN = 1000  # rows from which SpatiaLite's per-row triggers are set aside
DEFER_MIN = 20_000  # places from which indexes and search rows are built after the load
BUILD_LOCK = 0x62756C6B  # advisory lock of build_pending ('bulk')


def ewkt(geometries: Sequence[BaseGeometry | None]) -> list[str | None]:
    """EWKT (full precision, the storage SRID) of many geometries in one call."""
    texts = shapely.to_wkt(list(geometries), rounding_precision=-1)
    prefix = f"SRID={SRID};"
    return [None if t is None else prefix + t for t in texts]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy's SQLite DateTime stores it
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _sqlite_rows(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Sequence[Any]]:
    """Rows as SQLite takes them: only the DateTime columns need converting (and a stamp
    shared by many rows is formatted once)."""
    at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, DateTime)]
    if not at:
        return list(rows)
    formatted: dict[Any, Any] = {}
    out: list[Sequence[Any]] = []
    for r in rows:
        row = list(r)
        for i in at:
            v = row[i]
            f = formatted.get(v)
            if f is None:
                f = formatted[v] = _sqlite_value(v)
            row[i] = f
        out.append(row)
    return out


def _set_aside(cur: Any, table: str, geometry_columns: Sequence[str]) -> list[tuple[str, str]]:
    """Drop SpatiaLite's per-row spatial-index and timestamp triggers; (name, SQL) each."""
    saved = []
    for column in geometry_columns:
        for prefix in ("gii_", "tmi_"):
            name = f"{prefix}{table}_{column}"
            row = cur.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
            ).fetchone()
            if row is not None:
                saved.append((name, str(row[0])))
                cur.execute(f'DROP TRIGGER "{name}"')
    return saved


def _catch_up(cur: Any, table: str, saved: list[tuple[str, str]]) -> None:
    """Do once what the set-aside triggers would have done per row."""
    for name, _ in saved:
        prefix = name[:4]
        column = name[len(prefix) + len(table) + 1 :]
        if prefix == "gii_":
            index = f"idx_{table}_{column}"
            # what RTreeAlign() does per row, as one INSERT (the R-tree rounds the
            # bounds outwards to its 32-bit floats either way): half the time
            g = f'"{column}"'
            cur.execute(
                f'INSERT INTO "{index}" (pkid, xmin, xmax, ymin, ymax) '
                f"SELECT rowid, MbrMinX({g}), MbrMaxX({g}), MbrMinY({g}), MbrMaxY({g}) "
                f'FROM "{table}" WHERE MbrMinX({g}) IS NOT NULL '
                f'AND rowid NOT IN (SELECT pkid FROM "{index}")'
            )
        else:
            cur.execute(
                "UPDATE geometry_columns_time SET last_insert = "
                "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE Lower(f_table_name) = Lower(?) AND Lower(f_geometry_column) = Lower(?)",
                (table, column),
            )


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    geometry_columns: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order; geometry columns as EWKT text)."""
    if not rows:
        return
    raw, names = _target(conn, table, columns)
    if is_sqlite(conn):
        marks = ", ".join("GeomFromEWKT(?)" if c in geometry_columns else "?" for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        cur = raw.cursor()
        (before,) = cur.execute("PRAGMA cache_size").fetchone()
        cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        saved = _set_aside(cur, table.name, geometry_columns) if len(rows) >= BATCH_MIN else []
        try:
            cur.executemany(sql, _sqlite_rows(table, columns, rows))
            _catch_up(cur, table.name, saved)
        finally:
            for _, trigger_sql in saved:
                cur.execute(trigger_sql)
            cur.execute(f"PRAGMA cache_size = {int(before)}")
            cur.close()
        return
    copy_rows(conn, table, columns, rows)


def _target(conn: Connection, table: Table, columns: Sequence[str]) -> tuple[Any, str]:
    """The driver's connection and the column list of a load into ``table``."""
    for c in columns:
        if c not in table.c:  # a programming error, not user input
            raise ValueError(f"no column {c} in {table.name}")
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw, ", ".join(columns)


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL: ``COPY`` the rows as ``rows`` yields them (geometries as EWKT). The
    server parses and stores what has been sent while the caller makes the next rows, so
    a generator that prepares rows chunk by chunk overlaps the two."""
    raw, names = _target(conn, table, columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


# --- large loads of places: search structures built once, after the load ------------------

_PG_NEW = "(n.id > {max_id} OR n.id = ANY('{low}'::integer[]))"
_PG_GRAMS = (  # as the statement trigger places_inserted() (migration 0008); the rank
    # once per place, not per gram (a fifth of the statement's time at ~20 grams a name)
    "INSERT INTO search_grams (gram, rank, place_id, category_code) "
    "SELECT g, n.rank, n.id, n.category_code FROM (SELECT id, name, pinyin_key, initials, "
    "category_code, search_rank(status, category_code, name) AS rank FROM places n "
    "WHERE {where} OFFSET 0) n, "
    "search_grams_of(n.name, n.pinyin_key, n.initials) g"
)
# places per n-gram step of a deferred build: the resume granularity, and the unit the
# build's workers share (a million names make 4 steps for 2 connections)
GRAM_STEP_IDS = 250_000
_PG_ALIASES = (  # as the statement trigger places_inserted() (migration 0008)
    "INSERT INTO place_aliases (place_id, name) "
    "SELECT DISTINCT n.id, btrim(a) FROM places n, jsonb_array_elements_text("
    "CASE WHEN jsonb_typeof(n.other_names::jsonb) = 'array' "
    "THEN n.other_names::jsonb ELSE '[]'::jsonb END) a "
    "WHERE btrim(a) <> '' AND {where}"
)
# the settings of a build session: no time limit, and no wait for the WAL flush at each
# step's commit (a step lost in a crash is run again: see build_pending)
PG_BUILD_SETTINGS = ("SET LOCAL statement_timeout = 0", "SET LOCAL synchronous_commit = off")
SORT_MEMORY = "128MB"  # maintenance_work_mem of a btree/GiST build (module docstring)
GIN_MEMORY = "256MB"  # of a GIN build (its pending list is flushed when full)
_SQLITE_NEW = "(p.id > :max_id OR p.id IN (SELECT value FROM json_each(:low_ids)))"
_SQLITE_ALIASES = (  # as the trigger trg_places_aliases_insert (migration 0005)
    "INSERT INTO place_aliases (place_id, name) "
    "SELECT DISTINCT p.id, trim(j.value) FROM places p, json_each(CASE WHEN "
    "json_valid(p.other_names) AND json_type(p.other_names) = 'array' "
    "THEN p.other_names ELSE '[]' END) j WHERE trim(j.value) <> '' AND " + _SQLITE_NEW
)


def _rows_already(conn: Connection, at_least: int) -> int:
    """How many places the table holds, counted up to ``at_least`` (cheap on 13 M)."""
    return int(
        conn.execute(
            text("SELECT count(*) FROM (SELECT 1 FROM places LIMIT :n) s"), {"n": at_least}
        ).scalar_one()
    )


def _pg_owner(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text(
                "SELECT bool_and(pg_has_role(current_user, relowner, 'USAGE')) FROM pg_class "
                "WHERE oid IN ('places'::regclass, 'search_grams'::regclass)"
            )
        ).scalar_one()
    )


def _pg_set_aside(conn: Connection) -> list[str]:
    """Drop what costs per row on PostgreSQL; the statements that restore it, in order."""
    restore: list[str] = []
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE (conrelid = 'places'::regclass AND contype IN ('f', 'u')) "
            "OR conrelid = 'search_grams'::regclass ORDER BY conrelid, conname"
        )
    ).all()
    owned = {name for _, name, _ in constraints}
    keep = {
        r[0]
        for r in conn.execute(
            text("SELECT conname FROM pg_constraint WHERE conrelid = 'places'::regclass")
        )
    }
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('places', 'search_grams') ORDER BY tablename, indexname"
        )
    ).all()
    for table, name, _ in constraints:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, definition in indexes:
        if name in keep or name in owned:
            continue
        conn.execute(text(f'DROP INDEX "{name}"'))
        restore.append(definition)
    restore.extend(
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in constraints
    )
    trigger = conn.execute(
        text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'places'::regclass "
            "AND tgname = 'trg_places_inserted' AND tgenabled <> 'D'"
        )
    ).scalar_one_or_none()
    if trigger is not None:
        conn.execute(text("ALTER TABLE places DISABLE TRIGGER trg_places_inserted"))
        restore.append("ALTER TABLE places ENABLE TRIGGER trg_places_inserted")
    return restore


def _timed(conn: Connection, statement: str) -> None:
    """Run one statement of the after-load work, logging its time (benchmarks show it)."""
    memory = GIN_MEMORY if " USING gin " in statement else SORT_MEMORY
    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{memory}'"))
    started = time.perf_counter()
    conn.execute(text(statement))
    log.info("%.1f s  %s", time.perf_counter() - started, " ".join(statement.split())[:90])


def _pg_steps(
    restore: list[str],
    max_id: int,
    low: Sequence[int],
    top: int | None = None,
    *,
    grams_done: bool = False,
) -> list[str]:
    """Everything after the rows, in order: n-grams, aliases, then what was set aside.
    With ``top`` (the largest id loaded) the n-grams are one step per ``GRAM_STEP_IDS``
    ids, so that an interrupted build of millions redoes at most one of them. With
    ``grams_done`` the caller has written the n-grams as the rows went in
    (:func:`grams_after`)."""
    ids = "{" + ",".join(str(int(i)) for i in low) + "}"
    new = _PG_NEW.format(max_id=int(max_id), low=ids)
    if grams_done:
        grams = []
    elif top is None:
        grams = [_PG_GRAMS.format(where=new)]
    else:
        grams = [
            _PG_GRAMS.format(where=f"n.id > {lo} AND n.id <= {lo + GRAM_STEP_IDS}")
            for lo in range(int(max_id), int(top), GRAM_STEP_IDS)
        ]
        if low:
            grams.append(_PG_GRAMS.format(where=f"n.id = ANY('{ids}'::integer[])"))
    return [*grams, _PG_ALIASES.format(where=new), *restore]


def grams_after(conn: Connection, after_id: int) -> None:
    """The n-grams of the places with an id above ``after_id`` (PostgreSQL, inside a
    large load entered with ``grams_streamed``: a chunk just copied, while the importer
    checks the next one)."""
    started = time.perf_counter()
    conn.execute(text(_PG_GRAMS.format(where=f"n.id > {int(after_id)}")))
    log.debug("%.2f s  n-grams of the places after %d", time.perf_counter() - started, after_id)


def _is_check(statement: str) -> bool:
    """A step that checks the rows (foreign keys, unique codes of places): it can fail."""
    return statement.startswith("ALTER TABLE places ADD CONSTRAINT")


def _pg_finish(conn: Connection, steps: list[str]) -> None:
    conn.execute(text(PG_BUILD_SETTINGS[0]))  # not synchronous_commit: the caller's commit
    for statement in steps:
        _timed(conn, statement)
    # statistics: autovacuum analyses both tables after the commit (a load this large
    # crosses its threshold); bench/bench_national.py runs VACUUM ANALYZE itself


def _pg_defer(conn: Connection, restore: list[str], max_id: int, low: Sequence[int]) -> None:
    """Check the rows now (they are committed valid or not at all) and leave the rest
    as pending build steps, run by :func:`build_pending` after the commit."""
    top = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM places")).scalar_one())
    steps = _pg_steps(restore, max_id, low, top)
    for statement in steps:
        if _is_check(statement):
            _timed(conn, statement)
    later = [s for s in steps if not _is_check(s)]
    later += [f"ANALYZE {table}" for table in ("places", "search_grams", "place_aliases")]
    conn.execute(
        text("INSERT INTO pending_build_steps (step, statement) VALUES (:step, :statement)"),
        [{"step": i, "statement": s} for i, s in enumerate(later, start=1)],
    )


def pending_steps(conn: Connection) -> int:
    """How many build steps a bulk load left to run (0: the database is complete)."""
    if is_sqlite(conn):
        return 0
    return int(conn.execute(text("SELECT count(*) FROM pending_build_steps")).scalar_one())


def _refuse_if_pending(conn: Connection) -> None:
    if pending_steps(conn):
        raise Conflict(
            "上次批量载入的索引尚未建完，请先运行 gazetteer national index "
            "(a bulk load's indexing phase has not finished: run `gazetteer national index` "
            "first)"
        )


def _run_step(conn: Connection, step: BuildStep) -> None:
    """Run one claimed step in the caller's transaction and delete it (its commit is the
    step's). A worker of :func:`build_pending` calls it."""
    try:
        for setting in PG_BUILD_SETTINGS:
            conn.execute(text(setting))
        _timed(conn, step.statement)
        conn.execute(text("DELETE FROM pending_build_steps WHERE step = :s"), {"s": step.step})
    except BaseException as exc:
        exc.add_note(f"build step {step.step}: {' '.join(step.statement.split())[:160]}")
        raise


def build_pending(engine: Engine, jobs: int = BUILD_JOBS) -> tuple[int, float]:
    """Run the pending build steps of a bulk load on ``jobs`` connections at once, each
    step in its own transaction that also deletes it: an interrupted build resumes at the
    steps it was in (their work was rolled back with them). Independent steps run side by
    side, phase after phase (:mod:`gazetteer.storage.build_steps`). One build at a time:
    the advisory lock is held by this session for its workers. If a step fails the other
    workers finish the step they are in and stop; the failed step and those not started
    stay pending and its error is raised (with a note naming the step).
    Returns (steps run, seconds)."""
    if not 1 <= jobs <= MAX_BUILD_JOBS:
        raise ValueError(f"jobs must be 1..{MAX_BUILD_JOBS}")
    started = time.perf_counter()
    with engine.connect() as conn:
        if is_sqlite(conn):
            return 0, 0.0
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": BUILD_LOCK})
        if not locked.scalar_one():
            conn.rollback()
            raise Busy("另一个索引构建正在进行 (another indexing phase is running)")
        conn.commit()
        log.info("indexing phase: %d steps pending, %d connections", pending_steps(conn), jobs)
        conn.commit()
        try:
            done = run_workers(engine, conn, jobs, _run_step)
        finally:
            with contextlib.suppress(Exception):  # a lost session has released it already
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": BUILD_LOCK})
                conn.commit()
    return done, time.perf_counter() - started


def _sqlite_set_aside(conn: Connection) -> list[tuple[str, str]]:
    """Drop SQLite's per-row work on places: (name, SQL) of what was dropped."""
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        saved = _set_aside(cur, "places", _PLACE_GEOMETRIES)
        rows = cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'places' "
            "AND sql IS NOT NULL AND ((type = 'index' AND name LIKE 'ix_places_%') "
            "OR (type = 'trigger' AND (name = 'trg_places_aliases_insert' "
            "OR name IN ('ggi_places_geom', 'ggi_places_point'))))"
        ).fetchall()
        for kind, name, sql in rows:
            cur.execute(f'DROP {kind.upper()} "{name}"')
            saved.append((name, str(sql)))
    finally:
        cur.close()
    return saved


_PLACE_GEOMETRIES = ("geom", "point")
# what SpatiaLite's ggi_ trigger checks per row (the column's type and SRID), for the
# rows of a large load at once
_SQLITE_CONSTRAINTS = (
    "SELECT p.id FROM places p WHERE " + _SQLITE_NEW + " AND NOT EXISTS (SELECT 1 "
    "FROM geometry_columns WHERE Lower(f_table_name) = 'places' "
    "AND Lower(f_geometry_column) = :column "
    "AND GeometryConstraints(p.{column}, geometry_type, srid) = 1) LIMIT 1"
)


def _sqlite_finish(conn: Connection, saved: list[tuple[str, str]], params: dict[str, Any]) -> None:
    for column in _PLACE_GEOMETRIES:
        if any(name == f"ggi_places_{column}" for name, _ in saved):
            bad = conn.execute(
                text(_SQLITE_CONSTRAINTS.format(column=column)), {**params, "column": column}
            ).first()
            if bad is not None:  # the trigger's own message and error
                raw_conn = conn.connection.driver_connection
                raise raw_conn.IntegrityError(  # type: ignore[union-attr]
                    f"places.{column} violates Geometry constraint [geom-type or SRID not allowed]"
                )
    conn.execute(text(_SQLITE_ALIASES), params)
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        _catch_up(cur, "places", [s for s in saved if s[0][:4] in ("gii_", "tmi_")])
        for _, sql in saved:
            cur.execute(sql)
    finally:
        cur.close()


@contextmanager
def places_load(
    conn: Connection,
    rows: int,
    explicit_ids: Sequence[int],
    *,
    build_later: bool = False,
    grams_streamed: bool = False,
) -> Iterator[bool]:
    """Around a load of ``rows`` places (``explicit_ids``: the ids the rows carry):
    for a large load, set the per-row upkeep aside and do it once afterwards (module
    docstring). Yields whether it did. On an error nothing is restored by hand: the
    caller's transaction rolls back, DDL included.

    ``build_later`` (PostgreSQL): only the checks of the rows (foreign keys and unique
    codes of places) run in the caller's transaction; the search structures and indexes
    are left as pending build steps for :func:`build_pending` after the commit. Refused
    while a previous load's steps are pending.

    ``grams_streamed`` (PostgreSQL): when it yields True, the caller writes the n-grams
    of the rows it copies itself (:func:`grams_after` after each chunk), and they are not
    derived again afterwards."""
    if not is_sqlite(conn):
        _refuse_if_pending(conn)
    deferred = rows >= DEFER_MIN and _rows_already(conn, rows) < rows
    if deferred and not is_sqlite(conn):
        deferred = _pg_owner(conn)
    if not deferred:
        yield False
        return
    max_id = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM places")).scalar_one())
    low = sorted({i for i in explicit_ids if i <= max_id})
    if is_sqlite(conn):
        saved = _sqlite_set_aside(conn)
        yield True
        _sqlite_finish(conn, saved, {"max_id": max_id, "low_ids": json.dumps(low)})
    else:
        # a load of millions runs for minutes: the service's per-statement limit
        # (GAZETTEER_STATEMENT_TIMEOUT_S) is lifted for this transaction only
        conn.execute(text(PG_BUILD_SETTINGS[0]))
        # the n-gram statement's estimated cost is far above jit_above_cost: compiling it
        # took ~0.3 s of a 100,000-row import and saves nothing on a scan this simple
        conn.execute(text("SET LOCAL jit = off"))
        restore = _pg_set_aside(conn)
        yield True
        if build_later:
            _pg_defer(conn, restore, max_id, low)
        else:
            _pg_finish(conn, _pg_steps(restore, max_id, low, grams_done=grams_streamed))


__all__ = [
    "BUILD_JOBS",
    "DEFER_MIN",
    "MAX_BUILD_JOBS",
    "SQLITE_CACHE_KIB",
    "build_pending",
    "copy_rows",
    "ewkt",
    "grams_after",
    "insert_rows",
    "pending_steps",
    "places_load",
]
