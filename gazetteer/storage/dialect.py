"""Every SpatiaLite/PostGIS difference, written once.

Query code builds portable SQLAlchemy expressions from the constructs here and never
branches on the dialect name. Each construct compiles differently per dialect
(``@compiles(..., "sqlite")`` / ``"postgresql"``), after Nominatim's approach.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean

from gazetteer.storage.tables import SRID

BBox = tuple[float, float, float, float]


class BBoxMatch(ColumnElement[bool]):
    """True for rows whose geometry's bounding box intersects ``bbox`` (uses the spatial index).

    PostGIS: ``geom && ST_MakeEnvelope(...)``. SpatiaLite has no index-aware operator, so
    the row id is looked up in the ``SpatialIndex`` virtual table.
    """

    type = Boolean()
    inherit_cache = False

    def __init__(self, table: Table, column: str, bbox: BBox) -> None:
        self.table = table
        self.column = column
        self.bbox = tuple(float(v) for v in bbox)


@compiles(BBoxMatch, "postgresql")
def _bbox_pg(element: BBoxMatch, compiler: Any, **kw: Any) -> str:
    x1, y1, x2, y2 = element.bbox
    col = compiler.process(element.table.c[element.column], **kw)
    return f"({col} && ST_MakeEnvelope({x1!r}, {y1!r}, {x2!r}, {y2!r}, {SRID}))"


@compiles(BBoxMatch, "sqlite")
def _bbox_sqlite(element: BBoxMatch, compiler: Any, **kw: Any) -> str:
    x1, y1, x2, y2 = element.bbox
    name = element.table.name
    pk = compiler.process(next(iter(element.table.primary_key.columns)), **kw)
    return (
        f"({pk} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = '{name}' "
        f"AND f_geometry_column = '{element.column}' "
        f"AND search_frame = BuildMbr({x1!r}, {y1!r}, {x2!r}, {y2!r}, {SRID})))"
    )


def bbox_match(table: Table, bbox: BBox, column: str = "geom") -> BBoxMatch:
    """A filter for rows of ``table`` whose ``column`` bounding box meets ``bbox``."""
    return BBoxMatch(table, column, bbox)


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction per use case.

    On SQLite the write lock is taken at ``BEGIN IMMEDIATE``, so two writers never both
    read a state and then both write; on PostgreSQL use :func:`write_lock` for the same.
    """
    with engine.connect() as conn:
        if is_sqlite(conn):
            conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with conn.begin():
            yield conn


def write_lock(conn: Connection, key: int) -> None:
    """Serialise writers on ``key`` until the transaction ends (no-op on SQLite, whose
    ``BEGIN IMMEDIATE`` already serialises every writer)."""
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


__all__ = ["BBox", "BBoxMatch", "bbox_match", "is_sqlite", "write_lock", "write_transaction"]
