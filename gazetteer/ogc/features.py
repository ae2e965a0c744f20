"""Feature collections for OGC API – Features: definitions, validated queries, paged reads.

A pure library (no HTTP): the API's ``/ogc`` routes and any other consumer (exports, the
CLI) describe a request as an :class:`ItemsQuery` (built and validated from raw query
parameters by :func:`parse_items_query`), read a :class:`FeaturePage` with
:func:`read_items`, and encode it with :func:`features_json`.

Design notes:

- Geometries are rendered to GeoJSON text by the database (``as_geojson``), already in
  longitude/latitude order (CGCS2000, EPSG:4490, treated as CRS84 per RFC 7946), so no
  shapely round trip is needed on the hot path.
- Paging is keyset ("cursor") paging on the collection's key, which costs the same on page
  1 and page 1,000. ``offset`` is accepted for clients that want it; the ``next`` cursor
  returned with every page is keyset-based either way. A cursor is ``a<key>`` (rows after
  the key) or ``b<key>`` (rows before it, for ``prev`` links).
- ``numberMatched`` is counted only for the first page (no cursor, offset 0), once per
  walk through a collection, never on every page.
- Bounding-box filters use the spatial index through ``dialect.bbox_match`` and then test
  the exact bounding box, so a feature is returned when its bounding box meets ``bbox``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    FromClause,
    RowMapping,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FACILITY_TYPE_NAMES
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import BBox, as_geojson, bbox_match, geom_bound
from gazetteer.types import INT32_MAX, INT64_MAX, INT64_MIN, parse_bbox, utc_now

PropertyKind = Literal["string", "integer", "number"]
PropertyValue = str | int | float | None
KeyValue = int | str

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
GEOJSON_DIGITS = 9
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Query parameters every items request accepts besides the property filters.
COMMON_PARAMETERS = ("bbox", "limit", "offset", "cursor", "f")
FORMATS = ("json", "geojson")


@dataclass(frozen=True, slots=True)
class Property:
    """One property of the features of a collection, read from ``column``."""

    name: str
    column: ColumnElement[Any]
    kind: PropertyKind
    title: str
    filterable: bool = False


@dataclass(frozen=True, slots=True)
class CollectionDef:
    """A feature collection: where its rows, key, geometry and properties come from."""

    id: str
    title: str
    description: str
    source: FromClause  # the table or join the rows come from
    key: ColumnElement[Any]  # unique, indexed: the feature id and the paging key
    key_kind: Literal["integer", "string"]
    geometry: ColumnElement[Any]
    bbox_filter_table: Any  # the Table holding ``geometry`` (for the spatial index)
    properties: tuple[Property, ...]
    start_year: ColumnElement[Any] | None = None  # temporal extent, when the data has one

    @property
    def filters(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.filterable)

    def property(self, name: str) -> Property | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None


def _p(
    name: str, column: ColumnElement[Any], kind: PropertyKind, title: str, *, f: bool = False
) -> Property:
    return Property(name, column, kind, title, filterable=f)


@cache
def collections() -> tuple[CollectionDef, ...]:
    """The published collections, in the order they are listed."""
    pl, rd, fa, ad, dp = t.places, t.roads, t.facilities, t.admin_areas, t.demand_points
    type_name = case(
        {str(k): v for k, v in FACILITY_TYPE_NAMES.items()}, value=fa.c.type, else_=literal("")
    )
    return (
        CollectionDef(
            id="places",
            title="地名 Place names",
            description=(
                "威海市标准地名（第二次全国地名普查成果）。Standardised place names of Weihai "
                "from the Second National Place-Name Census, with census attributes."
            ),
            source=pl,
            key=pl.c.id,
            key_kind="integer",
            geometry=pl.c.geom,
            bbox_filter_table=pl,
            properties=(
                _p("code", pl.c.code, "string", "地名代码 place-name code"),
                _p("name", pl.c.name, "string", "标准名称 standard name", f=True),
                _p("specific", pl.c.specific, "string", "专名 specific term"),
                _p("generic", pl.c.generic, "string", "通名 generic term"),
                _p("romanized", pl.c.romanized, "string", "罗马字母拼写 romanisation"),
                _p("category_code", pl.c.category_code, "string", "类别代码 category", f=True),
                _p("admin_code", pl.c.admin_code, "string", "行政区划代码 area code", f=True),
                _p("status", pl.c.status, "string", "状态 current/historical", f=True),
                _p(
                    "census_status",
                    pl.c.census_status,
                    "string",
                    "普查状态 added/standardised/unchanged",
                    f=True,
                ),
                _p("established_year", pl.c.established_year, "integer", "设立年份"),
                _p("abolished_year", pl.c.abolished_year, "integer", "废止年份"),
                _p("meaning", pl.c.meaning, "string", "含义 meaning"),
                _p("origin", pl.c.origin, "string", "由来 origin"),
                _p("history", pl.c.history, "string", "历史沿革 history"),
                _p("description", pl.c.description, "string", "地理实体描述 description"),
                _p("other_names", pl.c.other_names, "string", "别名 other names (JSON list)"),
                _p("version", pl.c.version, "integer", "版本 record version"),
            ),
            start_year=pl.c.established_year,
        ),
        CollectionDef(
            id="roads",
            title="道路 Roads",
            description=(
                "城市道路及其起止点、长度、宽度、等级。Named roads with start and end, "
                "length, width and grade."
            ),
            source=rd.join(pl, rd.c.place_id == pl.c.id),
            key=rd.c.place_id,
            key_kind="integer",
            geometry=pl.c.geom,
            bbox_filter_table=pl,
            properties=(
                _p("code", pl.c.code, "string", "地名代码 place-name code"),
                _p("name", pl.c.name, "string", "道路名称 road name", f=True),
                _p("romanized", pl.c.romanized, "string", "罗马字母拼写 romanisation"),
                _p("admin_code", pl.c.admin_code, "string", "行政区划代码 area code", f=True),
                _p("status", pl.c.status, "string", "状态 current/historical", f=True),
                _p("start_desc", rd.c.start_desc, "string", "起点 start"),
                _p("end_desc", rd.c.end_desc, "string", "止点 end"),
                _p("length_m", rd.c.length_m, "number", "长度（米） length in metres"),
                _p("width_m", rd.c.width_m, "number", "宽度（米） width in metres"),
                _p("grade", rd.c.grade, "string", "道路等级 grade", f=True),
            ),
            start_year=pl.c.established_year,
        ),
        CollectionDef(
            id="facilities",
            title="民政设施 Civil-affairs facilities",
            description=(
                "养老、助餐、殡葬、婚姻登记、社会救助等民政服务设施。Eldercare, meal, funeral, "
                "marriage-registration and social-assistance facilities."
            ),
            source=fa,
            key=fa.c.id,
            key_kind="integer",
            geometry=fa.c.geom,
            bbox_filter_table=fa,
            properties=(
                _p("code", fa.c.code, "string", "设施编码 facility code"),
                _p("name", fa.c.name, "string", "名称 name", f=True),
                _p("type", fa.c.type, "string", "类型 type", f=True),
                _p("type_name", type_name, "string", "类型名称 type name"),
                _p("admin_code", fa.c.admin_code, "string", "行政区划代码 area code", f=True),
                _p("place_id", fa.c.place_id, "integer", "地名 id place id"),
                _p("beds", fa.c.beds, "integer", "床位 beds"),
                _p("capacity", fa.c.capacity, "integer", "服务能力 capacity"),
                _p("floor_area_m2", fa.c.floor_area_m2, "number", "建筑面积（平方米）"),
                _p("operator", fa.c.operator, "string", "运营方 operator"),
                _p("mode", fa.c.mode, "string", "运营模式 mode"),
                _p("level", fa.c.level, "string", "层级 level"),
                _p("opened_year", fa.c.opened_year, "integer", "开办年份 opened"),
            ),
            start_year=fa.c.opened_year,
        ),
        CollectionDef(
            id="admin-areas",
            title="行政区划 Administrative areas",
            description=(
                "市、县级、乡镇街道、村居四级行政区划（国家统计局代码）。City, county, town and "
                "village areas with NBS statistical codes."
            ),
            source=ad,
            key=ad.c.code,
            key_kind="string",
            geometry=ad.c.geom,
            bbox_filter_table=ad,
            properties=(
                _p("code", ad.c.code, "string", "区划代码 statistical code"),
                _p("name", ad.c.name, "string", "名称 name", f=True),
                _p("level", ad.c.level, "integer", "级别 2 city … 5 village", f=True),
                _p("kind", ad.c.kind, "string", "类型 kind", f=True),
                _p("parent_code", ad.c.parent_code, "string", "上级代码 parent", f=True),
                _p("ur_code", ad.c.ur_code, "string", "城乡分类代码 urban-rural class"),
            ),
        ),
        CollectionDef(
            id="demand-points",
            title="需求点 Demand points",
            description=(
                "村、社区需求点及人口、老年人口、分散特困供养人数。Villages and communities "
                "with population, elderly and dispersed extreme-poverty dependents."
            ),
            source=dp,
            key=dp.c.id,
            key_kind="integer",
            geometry=dp.c.geom,
            bbox_filter_table=dp,
            properties=(
                _p("code", dp.c.code, "string", "区划代码 village/community code", f=True),
                _p("name", dp.c.name, "string", "名称 name", f=True),
                _p("admin_code", dp.c.admin_code, "string", "乡镇代码 town code", f=True),
                _p("population", dp.c.population, "integer", "人口 population"),
                _p("elderly", dp.c.elderly, "integer", "60岁以上人口 aged 60+"),
                _p("dependents", dp.c.dependents, "integer", "分散特困供养对象 dependents"),
            ),
        ),
    )


def get_collection(collection_id: str) -> CollectionDef:
    for c in collections():
        if c.id == collection_id:
            return c
    known = ", ".join(c.id for c in collections())
    raise NotFound(
        f"要素集合不存在 (no such collection): {collection_id[:80]!r}; available: {known}"
    )


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position: rows ``after`` the key, or rows ``before`` it."""

    direction: Literal["after", "before"]
    key: KeyValue

    def token(self) -> str:
        return ("a" if self.direction == "after" else "b") + str(self.key)


@dataclass(frozen=True, slots=True)
class ItemsQuery:
    """A validated items request for one collection."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: BBox | None = None
    cursor: Cursor | None = None
    filters: tuple[tuple[str, PropertyValue], ...] = ()

    @property
    def is_first_page(self) -> bool:
        return self.cursor is None and self.offset == 0


def _parse_int(name: str, raw: str, *, lo: int, hi: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidInput(
            f"参数 {name} 必须是整数 (parameter {name} must be an integer): {raw[:40]!r}"
        ) from None
    if not lo <= value <= hi:
        raise InvalidInput(
            f"参数 {name} 超出范围 (parameter {name} out of range): {value}; allowed {lo}..{hi}"
        )
    return value


def _parse_key(c: CollectionDef, raw: str) -> KeyValue:
    if c.key_kind == "integer":
        return _parse_int("cursor", raw, lo=INT64_MIN, hi=INT64_MAX)
    if not raw or len(raw) > 64:
        raise InvalidInput(f"cursor 无效 (invalid cursor): {raw[:40]!r}")
    return raw


def parse_cursor(c: CollectionDef, raw: str) -> Cursor:
    if len(raw) < 2 or raw[0] not in "ab":
        raise InvalidInput(
            f"cursor 无效 (invalid cursor): {raw[:40]!r}; use the next/prev links as given"
        )
    direction: Literal["after", "before"] = "after" if raw[0] == "a" else "before"
    return Cursor(direction, _parse_key(c, raw[1:]))


def _parse_value(prop: Property, raw: str) -> PropertyValue:
    if len(raw) > 200:
        raise InvalidInput(f"参数 {prop.name} 过长 (parameter {prop.name} too long)")
    if prop.kind == "integer":
        return _parse_int(prop.name, raw, lo=-INT32_MAX - 1, hi=INT32_MAX)
    if prop.kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise InvalidInput(
                f"参数 {prop.name} 必须是数字 (parameter {prop.name} must be a number)"
            ) from None
    return raw


def parse_items_query(c: CollectionDef, params: Sequence[tuple[str, str]]) -> ItemsQuery:
    """Validate raw query parameters (name, value pairs) for an items request.

    Unknown parameters, repeated parameters and bad values raise :class:`InvalidInput`
    (OGC API – Features /req/core/query-param-invalid and /query-param-unknown).
    """
    seen: dict[str, str] = {}
    allowed = set(COMMON_PARAMETERS) | {p.name for p in c.filters}
    for name, value in params:
        if "\x00" in name or "\x00" in value:
            raise InvalidInput("查询参数含有 NUL 字符 (query parameter contains a NUL character)")
        if name not in allowed:
            raise InvalidInput(
                f"未知的查询参数 (unknown query parameter): {name[:40]!r}; "
                f"allowed for {c.id}: {', '.join(sorted(allowed))}"
            )
        if name in seen:
            raise InvalidInput(f"查询参数重复 (parameter given twice): {name}")
        seen[name] = value
    fmt = seen.get("f")
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(
            f"不支持的格式 (unsupported format): f={fmt[:20]!r}; use f=json (GeoJSON)"
        )
    limit = (
        _parse_int("limit", seen["limit"], lo=1, hi=MAX_LIMIT) if "limit" in seen else DEFAULT_LIMIT
    )
    offset = _parse_int("offset", seen["offset"], lo=0, hi=MAX_OFFSET) if "offset" in seen else 0
    cursor = parse_cursor(c, seen["cursor"]) if "cursor" in seen else None
    if cursor is not None and offset:
        raise InvalidInput("cursor 与 offset 不能同时使用 (use either cursor or offset, not both)")
    bbox = parse_bbox(seen["bbox"]) if "bbox" in seen else None
    filters = tuple((p.name, _parse_value(p, seen[p.name])) for p in c.filters if p.name in seen)
    return ItemsQuery(limit=limit, offset=offset, bbox=bbox, cursor=cursor, filters=filters)


# --- reading ------------------------------------------------------------------------------


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

    @property
    def number_returned(self) -> int:
        return len(self.features)


def _conditions(c: CollectionDef, q: ItemsQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if q.bbox is not None:
        x1, y1, x2, y2 = q.bbox
        conds.append(bbox_match(c.bbox_filter_table, q.bbox))
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
        assert prop is not None  # parse_items_query only admits known filters
        conds.append(prop.column == value)
    return conds


def _select(c: CollectionDef) -> Select[Any]:
    cols = [c.key.label("_key"), as_geojson(c.geometry, GEOJSON_DIGITS).label("_geom")]
    cols += [p.column.label(p.name) for p in c.properties]
    return select(*cols).select_from(c.source)


def _exists(conn: Connection, c: CollectionDef, conds: list[ColumnElement[bool]]) -> bool:
    q = select(exists(select(literal(1)).select_from(c.source).where(*conds)))
    return bool(conn.execute(q).scalar())


def _to_feature(c: CollectionDef, m: RowMapping) -> Feature:
    props: dict[str, PropertyValue] = {}
    for p in c.properties:
        v = m[p.name]
        if v is not None and p.kind == "number":
            v = float(v)
        props[p.name] = v
    return Feature(id=m["_key"], geometry_json=m["_geom"], properties=props)


def count_items(conn: Connection, c: CollectionDef, q: ItemsQuery) -> int:
    """How many features match ``q``'s filters (ignoring paging)."""
    stmt = select(func.count()).select_from(c.source).where(*_conditions(c, q))
    return int(conn.execute(stmt).scalar_one())


def read_items(conn: Connection, c: CollectionDef, q: ItemsQuery) -> FeaturePage:
    """One page of features in key order, with the cursors of the next and previous pages."""
    conds = _conditions(c, q)
    stmt = _select(c).where(*conds)
    cursor = q.cursor
    if cursor is not None and cursor.direction == "before":
        stmt = stmt.where(c.key < cursor.key).order_by(c.key.desc()).limit(q.limit + 1)
        rows = [r._mapping for r in conn.execute(stmt)]
        more_before = len(rows) > q.limit
        rows = rows[: q.limit]
        rows.reverse()
        features = [_to_feature(c, m) for m in rows]
        more_after = _exists(conn, c, [*conds, c.key >= cursor.key])
    else:
        if cursor is not None:
            stmt = stmt.where(c.key > cursor.key)
        stmt = stmt.order_by(c.key).limit(q.limit + 1)
        if q.offset:
            stmt = stmt.offset(q.offset)
        rows = [r._mapping for r in conn.execute(stmt)]
        more_after = len(rows) > q.limit
        features = [_to_feature(c, m) for m in rows[: q.limit]]
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
    matched = count_items(conn, c, q) if q.is_first_page else None
    return FeaturePage(
        features=features, next=nxt, prev=prev, prev_offset=prev_offset, number_matched=matched
    )


def read_item(conn: Connection, c: CollectionDef, feature_id: str) -> Feature:
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
    row = conn.execute(_select(c).where(c.key == key)).first()
    if row is None:
        raise missing
    return _to_feature(c, row._mapping)


# --- extents ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extent:
    """Spatial extent (CRS84 bbox) and temporal extent (start year, open end) of the data."""

    bbox: BBox | None
    start_year: int | None


def collection_extent(conn: Connection, c: CollectionDef) -> Extent:
    cols: list[ColumnElement[Any]] = [
        func.min(geom_bound(c.geometry, "xmin")),
        func.min(geom_bound(c.geometry, "ymin")),
        func.max(geom_bound(c.geometry, "xmax")),
        func.max(geom_bound(c.geometry, "ymax")),
    ]
    if c.start_year is not None:
        cols.append(func.min(c.start_year))
    row = conn.execute(select(*cols).select_from(c.source)).one()
    bbox: BBox | None = None
    if row[0] is not None:
        bbox = (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    start = int(row[4]) if c.start_year is not None and row[4] is not None else None
    return Extent(bbox=bbox, start_year=start)


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


def properties_schema(c: CollectionDef) -> dict[str, Any]:
    """JSON Schema of a GeoJSON Feature of ``c`` (types for clients such as GDAL)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": c.id,
        "title": c.title,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": c.key_kind},
            "geometry": {"type": "object"},
            "properties": {
                "type": "object",
                "properties": {p.name: {"type": p.kind, "title": p.title} for p in c.properties},
            },
        },
    }


__all__ = [
    "CRS84",
    "DEFAULT_LIMIT",
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
    "count_items",
    "feature_json",
    "features_json",
    "get_collection",
    "parse_bbox",
    "parse_items_query",
    "properties_schema",
    "read_item",
    "read_items",
]
