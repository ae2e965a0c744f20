"""Reading and encoding features for OGC API – Features: paged reads, single features,
GeoJSON text. The public surface of the OGC library is re-exported here.

A pure library (no HTTP): the API's ``/ogc`` routes and any other consumer describe a
request as an :class:`ItemsQuery` (built and validated from raw query parameters by
:func:`parse_items_query`, :mod:`gazetteer.ogc.query`), read a :class:`FeaturePage` with
:func:`read_items`, and encode it with :func:`features_json`.

Design notes:

- Geometries are rendered to GeoJSON text by the database (``as_geojson``), already in
  longitude/latitude order (CGCS2000, EPSG:4490, treated as CRS84 per RFC 7946), so no
  shapely round trip is needed on the hot path; another ``crs`` is applied to that text
  (:mod:`gazetteer.ogc.crs`).
- Paging is keyset ("cursor") paging on the collection's key, which costs the same on page
  1 and page 1,000. ``offset`` is accepted for clients that want it; the ``next`` cursor
  returned with every page is keyset-based either way — except with ``sortby``, which
  pages by offset (the sort order is not the key order). A cursor is ``a<key>`` (rows after
  the key) or ``b<key>`` (rows before it, for ``prev`` links).
- ``numberMatched`` is counted only for the first page (no cursor, offset 0), once per
  walk through a collection, never on every page (a first page that holds the whole
  selection needs no count: a ``count(*) OVER ()`` in the page query, as tipg does, was
  tried and costs 45–70 ms on the 16,845-row demo when the planner's estimate is stale); and
  only where counting is cheap: on
  PostgreSQL when the planner expects at most :data:`COUNT_EXACT_UP_TO` matches (a count of
  20,000 scattered rows of a 1 M-row table costs 100 times the page itself), and at most
  :data:`COUNT_CAP` rows in any case. Otherwise it is left out, as OGC API – Features
  allows (pg_featureserv never gives it; pygeoapi and tipg always count, which at 1 M rows
  costs seconds).
- Bounding-box filters use the spatial index through ``dialect.bbox_match`` and then test
  the exact bounding box, so a feature is returned when its bounding box meets ``bbox``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, and_, exists, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import NotFound
from gazetteer.ogc.collections import (
    CollectionDef,
    Extent,
    Property,
    collection_extent,
    collections,
    get_collection,
    properties_schema,
    queryables,
)
from gazetteer.ogc.crs import CRS84, Crs, transform_geojson
from gazetteer.ogc.query import (
    DEFAULT_LIMIT,
    FORMATS,
    MAX_LIMIT,
    Cursor,
    ItemsQuery,
    KeyValue,
    PropertyValue,
    extra_conditions,
    parse_items_query,
)
from gazetteer.storage.dialect import (
    as_geojson,
    bbox_match,
    geom_bound,
    planned_rows,
    short_reads,
)
from gazetteer.types import INT64_MAX, INT64_MIN, parse_bbox, utc_now

GEOJSON_DIGITS = 9
COUNT_EXACT_UP_TO = 10_000  # PostgreSQL: count when the planner expects at most this many
COUNT_CAP = 20_000  # never count further than this (the estimate can be wrong)


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature: its id, GeoJSON geometry text (None for no geometry), properties."""

    id: KeyValue
    geometry_json: str | None
    properties: dict[str, PropertyValue]


@dataclass(frozen=True, slots=True)
class FeaturePage:
    features: list[Feature]
    next: Cursor | None
    prev: Cursor | None
    prev_offset: int | None  # for offset paging: the offset of the previous page
    number_matched: int | None
    time_stamp: datetime = field(default_factory=utc_now)
    next_offset: int | None = None  # for sortby paging: the offset of the next page

    @property
    def number_returned(self) -> int:
        return len(self.features)


def conditions(c: CollectionDef, q: ItemsQuery) -> list[ColumnElement[bool]]:
    """Every filter of ``q`` (bbox, property filters, datetime, CQL2) as SQL conditions."""
    conds: list[ColumnElement[bool]] = []
    if q.bbox is not None:
        x1, y1, x2, y2 = q.bbox
        conds.append(bbox_match(c.bbox_filter_table, q.bbox, c.geometry_column))
        # The index is coarse on SpatiaLite (and R-tree boxes are float32): test the exact box.
        conds.append(
            and_(
                geom_bound(c.geometry, "xmax") >= x1,
                geom_bound(c.geometry, "xmin") <= x2,
                geom_bound(c.geometry, "ymax") >= y1,
                geom_bound(c.geometry, "ymin") <= y2,
            )
        )
    for name, value in q.filters:
        prop = c.property(name)
        if prop is not None:  # parse_items_query only admits known filters
            conds.append(prop.column == value)
    conds += extra_conditions(c, q)
    return conds


def _chosen(c: CollectionDef, q: ItemsQuery | None) -> tuple[Property, ...]:
    if q is None or q.properties is None:
        return c.output_properties
    return tuple(p for p in c.output_properties if p.name in q.properties)


def _select(c: CollectionDef, props: tuple[Property, ...]) -> Select[Any]:
    cols = [c.key.label("_key"), as_geojson(c.geometry, GEOJSON_DIGITS).label("_geom")]
    cols += [p.column.label(p.name) for p in props]
    return select(*cols).select_from(c.source)


def _exists(conn: Connection, c: CollectionDef, conds: list[ColumnElement[bool]]) -> bool:
    q = select(exists(select(literal(1)).select_from(c.source).where(*conds)))
    return bool(conn.execute(q).scalar())


def _to_feature(props: tuple[Property, ...], m: RowMapping, crs: Crs | None = None) -> Feature:
    out: dict[str, PropertyValue] = {}
    for p in props:
        v = m[p.name]
        if v is not None and p.kind == "number":
            v = float(v)
        out[p.name] = v
    geom = m["_geom"] if crs is None else transform_geojson(m["_geom"], crs)
    return Feature(id=m["_key"], geometry_json=geom, properties=out)


def _planned(conn: Connection, c: CollectionDef, conds: list[ColumnElement[bool]]) -> float | None:
    return planned_rows(conn, select(literal(1)).select_from(c.source).where(*conds))


def count_items(
    conn: Connection, c: CollectionDef, q: ItemsQuery, *, planned: float | None = None
) -> int | None:
    """How many features match ``q``'s filters (ignoring paging); None when that is
    more than a cheap count can tell (see the module's notes). ``planned``: the
    planner's estimate when the caller has it."""
    conds = conditions(c, q)
    planned = _planned(conn, c, conds) if planned is None else planned
    if planned is not None and planned > COUNT_EXACT_UP_TO:
        return None
    capped = select(literal(1)).select_from(c.source).where(*conds).limit(COUNT_CAP + 1)
    n = int(conn.execute(select(func.count()).select_from(capped.subquery())).scalar_one())
    return n if n <= COUNT_CAP else None


def _read_sorted(
    conn: Connection, c: CollectionDef, q: ItemsQuery, conds: list[ColumnElement[bool]]
) -> FeaturePage:
    props = _chosen(c, q)
    order: list[Any] = []
    for name, desc in q.sortby:
        p = c.property(name)
        if p is not None:
            order.append(p.column.desc() if desc else p.column.asc())
    stmt = _select(c, props).where(*conds).order_by(*order, c.key)
    rows = [r._mapping for r in conn.execute(stmt.limit(q.limit + 1).offset(q.offset))]
    features = [_to_feature(props, m, q.crs) for m in rows[: q.limit]]
    return FeaturePage(
        features=features,
        next=None,
        prev=None,
        prev_offset=max(0, q.offset - q.limit) if q.offset else None,
        number_matched=count_items(conn, c, q) if q.is_first_page else None,
        next_offset=q.offset + q.limit if len(rows) > q.limit else None,
    )


def read_items(conn: Connection, c: CollectionDef, q: ItemsQuery) -> FeaturePage:
    """One page of features in key order, with the cursors of the next and previous pages."""
    short_reads(conn)
    conds = conditions(c, q)
    if q.sortby:
        return _read_sorted(conn, c, q, conds)
    props = _chosen(c, q)
    stmt = _select(c, props).where(*conds)
    cursor = q.cursor
    if cursor is not None and cursor.direction == "before":
        stmt = stmt.where(c.key < cursor.key).order_by(c.key.desc()).limit(q.limit + 1)
        rows = [r._mapping for r in conn.execute(stmt)]
        more_before = len(rows) > q.limit
        rows = rows[: q.limit]
        rows.reverse()
        features = [_to_feature(props, m, q.crs) for m in rows]
        more_after = _exists(conn, c, [*conds, c.key >= cursor.key])
    else:
        if cursor is not None:
            stmt = stmt.where(c.key > cursor.key)
        stmt = stmt.order_by(c.key).limit(q.limit + 1)
        if q.offset:
            stmt = stmt.offset(q.offset)
        rows = [r._mapping for r in conn.execute(stmt)]
        more_after = len(rows) > q.limit
        features = [_to_feature(props, m, q.crs) for m in rows[: q.limit]]
        if cursor is not None:
            more_before = _exists(conn, c, [*conds, c.key <= cursor.key])
        else:
            more_before = q.offset > 0
    nxt = Cursor("after", features[-1].id) if more_after and features else None
    prev: Cursor | None = None
    prev_offset: int | None = None
    if more_before:
        if q.offset:
            prev_offset = max(0, q.offset - q.limit)
        elif features:
            prev = Cursor("before", features[0].id)
    matched: int | None = None
    if q.is_first_page:
        # a page holding the whole selection needs no count
        matched = len(features) if not more_after else count_items(conn, c, q)
    return FeaturePage(
        features=features, next=nxt, prev=prev, prev_offset=prev_offset, number_matched=matched
    )


def read_item(
    conn: Connection, c: CollectionDef, feature_id: str, *, crs: Crs | None = None
) -> Feature:
    """One feature by id; :class:`NotFound` when there is none."""
    missing = NotFound(f"要素不存在 (no feature {feature_id[:40]!r} in collection {c.id})")
    key: KeyValue
    if c.key_kind == "integer":
        try:
            key = int(feature_id)
        except ValueError:
            raise missing from None
        if not INT64_MIN <= key <= INT64_MAX:
            raise missing
    else:
        if "\x00" in feature_id or len(feature_id) > 64:
            raise missing
        key = feature_id
    props = c.output_properties
    row = conn.execute(_select(c, props).where(c.key == key)).first()
    if row is None:
        raise missing
    return _to_feature(props, row._mapping, crs)


# --- encoding -----------------------------------------------------------------------------


def feature_json(f: Feature, collection_id: str | None = None) -> str:
    """A GeoJSON Feature as text (geometry text spliced in as given by the database)."""
    fid = json.dumps(f.id)
    props = json.dumps(f.properties, ensure_ascii=False, separators=(",", ":"))
    geom = f.geometry_json if f.geometry_json is not None else "null"
    return f'{{"type":"Feature","id":{fid},"geometry":{geom},"properties":{props}}}'


def features_json(features: Sequence[Feature]) -> str:
    """A JSON array of GeoJSON Features."""
    return "[" + ",".join(feature_json(f) for f in features) + "]"


__all__ = [
    "CRS84",
    "DEFAULT_LIMIT",
    "FORMATS",
    "MAX_LIMIT",
    "CollectionDef",
    "Cursor",
    "Extent",
    "Feature",
    "FeaturePage",
    "ItemsQuery",
    "Property",
    "collection_extent",
    "collections",
    "conditions",
    "count_items",
    "feature_json",
    "features_json",
    "get_collection",
    "parse_bbox",
    "parse_items_query",
    "planned_rows",
    "properties_schema",
    "queryables",
    "read_item",
    "read_items",
]
