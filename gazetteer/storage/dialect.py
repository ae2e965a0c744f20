"""Every SpatiaLite/PostGIS difference, written once.

Query code builds portable SQLAlchemy expressions from the constructs here and never
branches on the dialect name. Each construct compiles differently per dialect
(``@compiles(..., "sqlite")`` / ``"postgresql"``), after Nominatim's approach.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean, Float, String

from gazetteer.types import SRID, BBox


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
    # SpatialIndex holds rowids: compare with the table's rowid, which is the primary key
    # only for INTEGER keys (admin_areas is keyed by its text code).
    pk = f"{compiler.preparer.format_table(element.table)}.rowid"
    return (
        f"({pk} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = '{name}' "
        f"AND f_geometry_column = '{element.column}' "
        f"AND search_frame = BuildMbr({x1!r}, {y1!r}, {x2!r}, {y2!r}, {SRID})))"
    )


def bbox_match(table: Table, bbox: BBox, column: str = "geom") -> BBoxMatch:
    """A filter for rows of ``table`` whose ``column`` bounding box meets ``bbox``."""
    return BBoxMatch(table, column, bbox)


class AsGeoJSON(ColumnElement[str]):
    """A geometry as RFC 7946 GeoJSON text (no ``crs`` or ``bbox`` member), ``digits``
    decimal places. PostGIS: ``ST_AsGeoJSON(g, digits, 0)``; SpatiaLite: ``AsGeoJSON``."""

    type = String()
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], digits: int = 9) -> None:
        self.column = column
        self.digits = int(digits)


@compiles(AsGeoJSON, "postgresql")
def _geojson_pg(element: AsGeoJSON, compiler: Any, **kw: Any) -> str:
    return f"ST_AsGeoJSON({compiler.process(element.column, **kw)}, {element.digits}, 0)"


@compiles(AsGeoJSON, "sqlite")
def _geojson_sqlite(element: AsGeoJSON, compiler: Any, **kw: Any) -> str:
    return f"AsGeoJSON({compiler.process(element.column, **kw)}, {element.digits}, 0)"


def as_geojson(column: ColumnElement[Any], digits: int = 9) -> AsGeoJSON:
    """Select ``column`` as GeoJSON geometry text (NULL stays NULL)."""
    return AsGeoJSON(column, digits)


class GeomBound(ColumnElement[float]):
    """One side of a geometry's bounding box (``xmin``, ``ymin``, ``xmax``, ``ymax``);
    aggregate it with ``func.min``/``func.max`` for an extent."""

    type = Float()
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], side: str) -> None:
        if side not in ("xmin", "ymin", "xmax", "ymax"):
            raise ValueError(side)
        self.column = column
        self.side = side


@compiles(GeomBound, "postgresql")
def _bound_pg(element: GeomBound, compiler: Any, **kw: Any) -> str:
    fn = {"xmin": "ST_XMin", "ymin": "ST_YMin", "xmax": "ST_XMax", "ymax": "ST_YMax"}
    return f"{fn[element.side]}({compiler.process(element.column, **kw)})"


@compiles(GeomBound, "sqlite")
def _bound_sqlite(element: GeomBound, compiler: Any, **kw: Any) -> str:
    fn = {"xmin": "MbrMinX", "ymin": "MbrMinY", "xmax": "MbrMaxX", "ymax": "MbrMaxY"}
    return f"{fn[element.side]}({compiler.process(element.column, **kw)})"


def geom_bound(column: ColumnElement[Any], side: str) -> GeomBound:
    return GeomBound(column, side)


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


def like_escape(s: str) -> str:
    """``s`` as a literal inside a ``LIKE`` pattern with ``ESCAPE '\\'``."""
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SuffixMatch(ColumnElement[bool]):
    """``expr`` ends with ``suffix``: ``reverse(expr) LIKE 'xiffus%'`` on PostgreSQL, so
    that a btree over ``reverse(expr)`` (``text_pattern_ops``) answers it with a range
    scan; ``expr LIKE '%suffix'`` on SQLite (a scan; SQLite has no ``reverse``)."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, expr: ColumnElement[Any], suffix: str) -> None:
        self.expr = expr
        self.suffix = suffix


@compiles(SuffixMatch, "postgresql")
def _suffix_pg(element: SuffixMatch, compiler: Any, **kw: Any) -> str:
    pattern = like_escape(element.suffix[::-1]) + "%"
    cond = func.reverse(element.expr).like(pattern, escape="\\")
    return f"({compiler.process(cond, **kw)})"


@compiles(SuffixMatch, "sqlite")
def _suffix_sqlite(element: SuffixMatch, compiler: Any, **kw: Any) -> str:
    cond = element.expr.like("%" + like_escape(element.suffix), escape="\\")
    return f"({compiler.process(cond, **kw)})"


def suffix_match(expr: ColumnElement[Any], suffix: str) -> SuffixMatch:
    return SuffixMatch(expr, suffix)


def gram_search_available(conn: Connection) -> bool:
    """True where migration 0004 keeps the ``search_grams`` n-gram table (PostgreSQL: a
    trigger maintains it; SQLite has no set-returning functions for such a trigger)."""
    return not is_sqlite(conn)


def serial_plans(conn: Connection) -> None:
    """No parallel query for the rest of the transaction (no-op on SQLite).

    Interactive look-ups that read a few hundred rows over several index scans make
    PostgreSQL's planner overestimate them into parallel plans; starting the workers
    costs more than the scan (a typo look-up over a million names: 9 ms with workers,
    0.7 ms without).
    """
    if not is_sqlite(conn):
        conn.execute(text("SELECT set_config('max_parallel_workers_per_gather', '0', true)"))


def estimated_rows(conn: Connection, table: Table) -> int:
    """Rows of ``table``: exact on SQLite, the planner's estimate on PostgreSQL (cheap on
    millions of rows; exact ``count(*)`` when the table was never analysed)."""
    if not is_sqlite(conn):
        est = conn.execute(
            text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": table.name},
        ).scalar()
        if est is not None and est >= 0:
            return int(est)
    return int(conn.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one())


def never_used_id(conn: Connection, table: Table, *referrers: Any) -> int | None:
    """An id for a new row of ``table`` that no row, deleted or not, has had, where the
    database itself does not guarantee it; None means "let the database choose".

    A PostgreSQL sequence never hands out an id twice. SQLite gives a new row
    ``max(rowid) + 1``, so after deleting the row with the largest id that id comes back
    -- and records that still refer to the deleted row (``referrers``: columns such as a
    history's ``facility_id``) would seem to belong to the new one. Call inside the
    write transaction (SQLite serialises writers, so the answer stays valid).
    """
    if not is_sqlite(conn):
        return None
    parts = [select(func.max(table.c.id)).scalar_subquery()]
    parts += [select(func.max(col)).scalar_subquery() for col in referrers]
    row = conn.execute(select(*parts)).one()
    return max(int(x or 0) for x in row) + 1


def reset_id_sequence(conn: Connection, table: Table, column: str = "id") -> None:
    """After inserting rows with explicit ids, make the next generated id follow the
    largest one (a PostgreSQL sequence does not notice explicit ids; SQLite's rowid
    allocation does by itself)."""
    if not is_sqlite(conn):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {table.name}), false)"
            ),
            {"t": table.name, "c": column},
        )


__all__ = [
    "AsGeoJSON",
    "BBox",
    "BBoxMatch",
    "GeomBound",
    "as_geojson",
    "bbox_match",
    "estimated_rows",
    "geom_bound",
    "gram_search_available",
    "is_sqlite",
    "like_escape",
    "never_used_id",
    "reset_id_sequence",
    "serial_plans",
    "suffix_match",
    "write_lock",
    "write_transaction",
]
