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
On PostgreSQL it needs the owner of the tables (as ``gazetteer import`` runs; the
service's role owns nothing), otherwise the rows go in the ordinary way. The index drop
takes PostgreSQL's exclusive lock on ``places`` until the import commits: readers of the
table wait for a large import.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, DateTime, Table, text

from gazetteer.storage.dialect import is_sqlite
from gazetteer.types import SRID

log = logging.getLogger(__name__)
SQLITE_CACHE_KIB = 256 * 1024  # page cache while loading (SQLite's default is 2 MiB)
BATCH_MIN = 1000  # rows from which SpatiaLite's per-row triggers are set aside
DEFER_MIN = 20_000  # places from which indexes and search rows are built after the load


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
    for c in columns:
        if c not in table.c:  # a programming error, not user input
            raise ValueError(f"no column {c} in {table.name}")
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(columns)
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
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


# --- large loads of places: search structures built once, after the load ------------------

_PG_NEW = "(n.id > :max_id OR n.id = ANY(CAST(:low_ids AS integer[])))"
_PG_GRAMS = (
    "INSERT INTO search_grams (gram, rank, place_id) "
    "SELECT g, search_rank(n.status, n.category_code, n.name), n.id "
    "FROM places n, search_grams_of(n.name, n.pinyin_key, n.initials) g WHERE " + _PG_NEW
)
_PG_ALIASES = (  # as the statement trigger places_inserted() (migration 0008)
    "INSERT INTO place_aliases (place_id, name) "
    "SELECT DISTINCT n.id, btrim(a) FROM places n, jsonb_array_elements_text("
    "CASE WHEN jsonb_typeof(n.other_names::jsonb) = 'array' "
    "THEN n.other_names::jsonb ELSE '[]'::jsonb END) a "
    "WHERE btrim(a) <> '' AND " + _PG_NEW
)
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


def _timed(conn: Connection, statement: str, params: dict[str, Any] | None = None) -> None:
    """Run one statement of the after-load work, logging its time (benchmarks show it)."""
    started = time.perf_counter()
    conn.execute(text(statement), params or {})
    log.info("%.1f s  %s", time.perf_counter() - started, " ".join(statement.split())[:90])


def _pg_finish(conn: Connection, restore: list[str], params: dict[str, Any]) -> None:
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    _timed(conn, _PG_GRAMS, params)
    _timed(conn, _PG_ALIASES, params)
    for statement in restore:
        _timed(conn, statement)
    # statistics: autovacuum analyses both tables after the commit (a load this large
    # crosses its threshold); bench/bench_national.py runs VACUUM ANALYZE itself


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
def places_load(conn: Connection, rows: int, explicit_ids: Sequence[int]) -> Iterator[bool]:
    """Around a load of ``rows`` places (``explicit_ids``: the ids the rows carry):
    for a large load, set the per-row upkeep aside and do it once afterwards (module
    docstring). Yields whether it did. On an error nothing is restored by hand: the
    caller's transaction rolls back, DDL included."""
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
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        restore = _pg_set_aside(conn)
        yield True
        _pg_finish(conn, restore, {"max_id": max_id, "low_ids": low})


__all__ = ["DEFER_MIN", "SQLITE_CACHE_KIB", "ewkt", "insert_rows", "places_load"]
