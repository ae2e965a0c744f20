"""Every SpatiaLite/PostGIS difference, written once.

Query code builds portable SQLAlchemy expressions from the constructs here and never
branches on the dialect name. Each construct compiles differently per dialect
(``@compiles(..., "sqlite")`` / ``"postgresql"``), after Nominatim's
``sql/sqlalchemy_functions.py``: the constructs are SQL functions whose values are bind
parameters and which declare ``inherit_cache = True``, so SQLAlchemy's own statement cache
compiles each statement shape once per dialect (no private compiled-SQL memos).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Boolean, Float, String

from gazetteer.storage import gate
from gazetteer.types import SRID, BBox

_T = TypeVar("_T")
_F = TypeVar("_F", bound="_Templated[Any]")


class BBoxMatch(GenericFunction[bool]):
    """True for rows whose geometry's bounding box intersects a box (uses the spatial index).

    Arguments: the geometry column, then ``x1, y1, x2, y2`` (bind parameters). PostGIS:
    ``geom && ST_MakeEnvelope(...)``. SpatiaLite has no index-aware operator, so the row id
    is looked up in the ``SpatialIndex`` virtual table (the table and column names are
    part of the statement: they come from the column, which is part of the cache key).
    """

    type = Boolean()
    name = "gz_bbox_match"
    inherit_cache = True


def _args(element: GenericFunction[Any], compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


class _Templated(GenericFunction[_T]):
    """A function whose SQL on each dialect is a template over its compiled arguments:
    ``{0}``, ``{1}`` … in order, ``{srid}`` for :data:`SRID`. A subclass sets ``name`` and
    both templates (and ``inherit_cache = True``, so that they are part of the cache key
    through the class)."""

    inherit_cache = True
    postgresql = ""
    sqlite = ""


@compiles(_Templated, "postgresql")
def _templated_pg(element: _Templated[Any], compiler: Any, **kw: Any) -> str:
    return element.postgresql.format(*_args(element, compiler, **kw), srid=SRID)


@compiles(_Templated, "sqlite")
def _templated_sqlite(element: _Templated[Any], compiler: Any, **kw: Any) -> str:
    return element.sqlite.format(*_args(element, compiler, **kw), srid=SRID)


def _variant(base: type[_F], name: str, postgresql: str, sqlite: str) -> type[_F]:
    """A subclass of ``base`` with its own name and templates: one class per variant, so
    that the variant is part of the statement's cache key."""
    attributes = {"name": name, "postgresql": postgresql, "sqlite": sqlite, "inherit_cache": True}
    return type(f"_{name}", (base,), attributes)


@compiles(BBoxMatch, "postgresql")
def _bbox_pg(element: BBoxMatch, compiler: Any, **kw: Any) -> str:
    col, x1, y1, x2, y2 = _args(element, compiler, **kw)
    return f"({col} && ST_MakeEnvelope({x1}, {y1}, {x2}, {y2}, {SRID}))"


@compiles(BBoxMatch, "sqlite")
def _bbox_sqlite(element: BBoxMatch, compiler: Any, **kw: Any) -> str:
    column: Any = next(iter(element.clauses))
    _, x1, y1, x2, y2 = _args(element, compiler, **kw)
    table = column.table
    # SpatialIndex holds rowids: compare with the table's rowid, which is the primary key
    # only for INTEGER keys (admin_areas is keyed by its text code).
    pk = f"{compiler.preparer.format_table(table)}.rowid"
    return (
        f"({pk} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = '{table.name}' "
        f"AND f_geometry_column = '{column.name}' "
        f"AND search_frame = BuildMbr({x1}, {y1}, {x2}, {y2}, {SRID})))"
    )


def bbox_match(table: Table, bbox: BBox, column: str = "geom") -> BBoxMatch:
    """A filter for rows of ``table`` whose ``column`` bounding box meets ``bbox``."""
    x1, y1, x2, y2 = (float(v) for v in bbox)
    return BBoxMatch(table.c[column], x1, y1, x2, y2)


class AsGeoJSON(_Templated[str]):
    """A geometry as RFC 7946 GeoJSON text (no ``crs`` or ``bbox`` member); arguments: the
    geometry and the decimal places."""

    type = String()
    name = "gz_as_geojson"
    inherit_cache = True
    postgresql = "ST_AsGeoJSON({0}, {1}, 0)"
    sqlite = "AsGeoJSON({0}, {1}, 0)"


def as_geojson(column: ColumnElement[Any], digits: int = 9) -> AsGeoJSON:
    """Select ``column`` as GeoJSON geometry text (NULL stays NULL)."""
    return AsGeoJSON(column, int(digits))


class _GeomBound(_Templated[float]):
    """One side of a geometry's bounding box (one :func:`_variant` per side)."""

    type = Float()
    inherit_cache = True


_BOUNDS: dict[str, type[_GeomBound]] = {
    side: _variant(_GeomBound, f"gz_{side}", f"{pg}({{0}})", f"{lite}({{0}})")
    for side, pg, lite in (
        ("xmin", "ST_XMin", "MbrMinX"),
        ("ymin", "ST_YMin", "MbrMinY"),
        ("xmax", "ST_XMax", "MbrMaxX"),
        ("ymax", "ST_YMax", "MbrMaxY"),
    )
}


def geom_bound(column: ColumnElement[Any], side: str) -> ColumnElement[float]:
    """One side of a geometry's bounding box (``xmin``, ``ymin``, ``xmax``, ``ymax``);
    aggregate it with ``func.min``/``func.max`` for an extent."""
    if side not in _BOUNDS:
        raise ValueError(side)
    return _BOUNDS[side](column)


class _SpatialRelation(_Templated[bool]):
    """A DE-9IM relation between a geometry column and a WKT literal in CGCS2000 (one
    :func:`_variant` per relation). PostGIS:
    ``ST_Intersects(g, ST_GeomFromText(:wkt, 4490))``; SpatiaLite returns 1/0/-1, so
    ``(ST_Intersects(g, GeomFromText(:wkt, 4490)) = 1)``."""

    type = Boolean()
    inherit_cache = True


def _relation(name: str) -> type[_SpatialRelation]:
    return _variant(
        _SpatialRelation,
        f"gz_rel_{name.lower()}",
        f"ST_{name}({{0}}, ST_GeomFromText({{1}}, {{srid}}))",
        f"(ST_{name}({{0}}, GeomFromText({{1}}, {{srid}})) = 1)",
    )


SPATIAL_RELATIONS: dict[str, type[_SpatialRelation]] = {
    n: _relation(n)
    for n in ("Intersects", "Disjoint", "Contains", "Within", "Touches", "Crosses", "Overlaps")
}
SPATIAL_RELATIONS["Equals"] = _relation("Equals")


def spatial_relation(column: ColumnElement[Any], relation: str, wkt: str) -> ColumnElement[bool]:
    """``column`` stands in ``relation`` (``Intersects``, ``Within`` …) to a WKT geometry in
    CGCS2000 longitude/latitude."""
    return SPATIAL_RELATIONS[relation](column, wkt)


class _IndexedBy(_Templated[bool]):
    """An exact spatial test and the index filter that narrows it: SpatiaLite needs the
    ``SpatialIndex`` lookup written out (``index AND exact``); PostGIS's ``ST_Intersects``
    and the other index-aware relations use the GiST index themselves, and a second
    ``&&`` beside them makes the planner count the box's selectivity twice (at 1 M rows it
    then expects 14 times fewer matches and sorts instead of walking the key order)."""

    type = Boolean()
    name = "gz_indexed_by"
    inherit_cache = True
    postgresql = "{1}"
    sqlite = "({0} AND {1})"


def indexed_relation(
    column: ColumnElement[Any], relation: str, wkt: str, index: ColumnElement[bool]
) -> ColumnElement[bool]:
    """:func:`spatial_relation`, narrowed by ``index`` (a :func:`bbox_match` on the
    literal's box) where the database does not do that by itself (SpatiaLite)."""
    return _IndexedBy(index, spatial_relation(column, relation, wkt))


def planned_rows(conn: Connection, stmt: Any) -> float | None:
    """The planner's estimate of the rows ``stmt`` returns (PostgreSQL's ``EXPLAIN``, a
    millisecond); None on SQLite, which has no such estimate."""
    if is_sqlite(conn):
        return None
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params)
    return float(plan.scalar_one()[0]["Plan"]["Plan Rows"])


def short_reads(conn: Connection) -> None:
    """For the rest of the transaction, plan for a page of rows, not a report (no-op on
    SQLite): :func:`serial_plans` (a ``LIMIT 101`` along the key waits for the workers'
    start-up, 60 ms on a busy machine, to read 3 ms) and no JIT compilation (PostgreSQL
    compiles any statement its cost model calls expensive: some 60 ms before the first
    row of a count over a million-row table)."""
    serial_plans(conn)
    if not is_sqlite(conn):
        conn.execute(text("SELECT set_config('jit', 'off', true)"))


class DWithinMetres(_Templated[bool]):
    """Geometry within a distance in metres of a WKT geometry, on the ellipsoid. PostGIS:
    ``ST_DWithin(g::geography, ST_GeomFromText(:wkt, 4490)::geography, :m)``; SpatiaLite:
    ``ST_Distance(g, GeomFromText(:wkt, 4490), 1) <= :m`` (its ``PtDistWithin`` answers 1
    for points kilometres too far in SRID 4490, SpatiaLite 5.0.1)."""

    type = Boolean()
    name = "gz_dwithin_m"
    inherit_cache = True
    postgresql = "ST_DWithin({0}::geography, ST_GeomFromText({1}, {srid})::geography, {2})"
    sqlite = "(ST_Distance({0}, GeomFromText({1}, {srid}), 1) <= {2})"


def dwithin_metres(column: ColumnElement[Any], wkt: str, metres: float) -> DWithinMetres:
    """``column`` lies within ``metres`` of a WKT geometry in CGCS2000 longitude/latitude."""
    return DWithinMetres(column, wkt, float(metres))


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction per use case.

    On SQLite the write lock is taken at ``BEGIN IMMEDIATE``, so two writers never both
    read a state and then both write; on PostgreSQL use :func:`write_lock` for the same.
    The engine's write gate (:mod:`gazetteer.storage.gate`) keeps connections for reads.
    """
    with gate.writing(engine), engine.connect() as conn:
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
    r"""``s`` as a literal inside a ``LIKE`` pattern with ``ESCAPE '\'``."""
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SuffixMatch(_Templated[bool]):
    """``expr`` ends with a suffix: ``reverse(expr) LIKE 'xiffus%'`` on PostgreSQL, so that
    a btree over ``reverse(expr)`` (``text_pattern_ops``) answers it with a range scan;
    ``expr LIKE '%suffix'`` on SQLite (a scan; SQLite has no ``reverse``). Arguments: the
    expression and both patterns (bind parameters), see :func:`suffix_match`."""

    type = Boolean()
    name = "gz_suffix_match"
    inherit_cache = True
    postgresql = "(reverse({0}) LIKE {1} ESCAPE '\\')"
    sqlite = "({0} LIKE {2} ESCAPE '\\')"


def suffix_match(expr: ColumnElement[Any], suffix: str) -> SuffixMatch:
    """``expr`` ends with ``suffix`` (the portable, index-aware form)."""
    return SuffixMatch(expr, like_escape(suffix[::-1]) + "%", "%" + like_escape(suffix))


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
    "as_geojson",
    "bbox_match",
    "dwithin_metres",
    "estimated_rows",
    "geom_bound",
    "gram_search_available",
    "indexed_relation",
    "is_sqlite",
    "like_escape",
    "never_used_id",
    "planned_rows",
    "reset_id_sequence",
    "serial_plans",
    "short_reads",
    "spatial_relation",
    "suffix_match",
    "write_lock",
    "write_transaction",
]
