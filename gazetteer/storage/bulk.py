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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Table

from gazetteer.storage.dialect import is_sqlite
from gazetteer.types import SRID

SQLITE_CACHE_KIB = 256 * 1024  # page cache while loading (SQLite's default is 2 MiB)
BATCH_MIN = 1000  # rows from which SpatiaLite's per-row triggers are set aside


def ewkt(geometries: Sequence[BaseGeometry | None]) -> list[str | None]:
    """EWKT (full precision, the storage SRID) of many geometries in one call."""
    texts = shapely.to_wkt(list(geometries), rounding_precision=-1)
    prefix = f"SRID={SRID};"
    return [None if t is None else prefix + t for t in texts]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy's SQLite DateTime stores it
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


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
            cur.execute(
                f'SELECT RTreeAlign(\'{index}\', rowid, "{column}") FROM "{table}" '
                f'WHERE "{column}" IS NOT NULL AND rowid NOT IN (SELECT pkid FROM "{index}")'
            ).fetchall()
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
            cur.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in rows])
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


__all__ = ["SQLITE_CACHE_KIB", "ewkt", "insert_rows"]
