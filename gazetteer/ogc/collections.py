"""The published feature collections: where rows, keys, geometries, times and properties
come from; their extents, JSON Schemas and queryables.

A collection is a plain description over the existing tables (no views, no migration), so
the same definitions serve items, filters, tiles and the HTML pages.

Geometry types are declared truthfully: ``places`` holds points, lines and polygons (a
place name may be a point, a road line or an area), so it says ``Geometry`` (mixed) in its
schema and queryables; ``place-points`` is the same names as their representative points
only, a Point layer that GeoPackage/Shapefile writers and QGIS take without asking (see
``docs/ogc.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from sqlalchemy import Connection, FromClause, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import NotFound
from gazetteer.model import FACILITY_TYPE_NAMES
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import geom_bound
from gazetteer.types import BBox

PropertyKind = Literal["string", "integer", "number", "date", "interval"]
GeometryType = Literal[
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "Geometry"
]
GEOMETRY_FORMATS: dict[str, str] = {
    "Point": "geometry-point",
    "LineString": "geometry-linestring",
    "Polygon": "geometry-polygon",
    "MultiPoint": "geometry-multipoint",
    "MultiLineString": "geometry-multilinestring",
    "MultiPolygon": "geometry-multipolygon",
    "Geometry": "geometry-any",
}
GEOMETRY_QUERYABLE = "geometry"


@dataclass(frozen=True, slots=True)
class Property:
    """One property of the features of a collection, read from ``column``.

    ``kind="date"`` properties are queryable only (a year column seen as 1 January of
    that year, for CQL2 temporal functions); ``kind="interval"`` ones too (the years of
    validity: ``column`` the first year, ``end`` the last, see :mod:`gazetteer.ogc.temporal`).
    Neither is written into features.
    """

    name: str
    column: ColumnElement[Any]
    kind: PropertyKind
    title: str
    filterable: bool = False
    end: ColumnElement[Any] | None = None  # interval: the last year (None: open end)

    @property
    def output(self) -> bool:
        return self.kind not in ("date", "interval")


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
    geometry_column: str  # its column name in ``bbox_filter_table``
    geometry_type: GeometryType
    properties: tuple[Property, ...]
    start_year: ColumnElement[Any] | None = None  # temporal extent: first year of validity
    end_year: ColumnElement[Any] | None = None  # last year of validity (NULL: still valid)

    @property
    def filters(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.filterable)

    @property
    def output_properties(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.output)

    @property
    def query_parameters(self) -> tuple[Property, ...]:
        """The queryables a ``name=value`` query parameter may test (Part 3,
        queryables-query-parameters): every property written into the features."""
        return self.output_properties

    def property(self, name: str) -> Property | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None


def _p(
    name: str, column: ColumnElement[Any], kind: PropertyKind, title: str, *, f: bool = False
) -> Property:
    return Property(name, column, kind, title, filterable=f)


def _place_properties(pl: Any) -> tuple[Property, ...]:
    return (
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
        _p("established", pl.c.established_year, "date", "设立日期（设立年份1月1日）"),
        _p("abolished", pl.c.abolished_year, "date", "废止日期（废止年份1月1日）"),
        _validity(pl.c.established_year, pl.c.abolished_year),
    )


def _validity(first: ColumnElement[Any], last: ColumnElement[Any] | None) -> Property:
    title = "有效期（设立年1月1日至废止年12月31日）years of validity"
    return Property("validity", first, "interval", title, end=last)


def _places(pl: Any) -> CollectionDef:
    return CollectionDef(
        id="places",
        title="地名 Place names",
        description=(
            "威海市标准地名（第二次全国地名普查成果），点、线、面混合。Standardised place "
            "names of Weihai from the Second National Place-Name Census, with census "
            "attributes; mixed geometry (points, lines, areas)."
        ),
        source=pl,
        key=pl.c.id,
        key_kind="integer",
        geometry=pl.c.geom,
        bbox_filter_table=pl,
        geometry_column="geom",
        geometry_type="Geometry",
        properties=_place_properties(pl),
        start_year=pl.c.established_year,
        end_year=pl.c.abolished_year,
    )


def _place_points(pl: Any) -> CollectionDef:
    return CollectionDef(
        id="place-points",
        title="地名点位 Place names as points",
        description=(
            "全部标准地名的定位点（线、面地名取其代表点）。Every place name at its "
            "representative point: a Point layer for GeoPackage, Shapefile and QGIS."
        ),
        source=pl,
        key=pl.c.id,
        key_kind="integer",
        geometry=pl.c.point,
        bbox_filter_table=pl,
        geometry_column="point",
        geometry_type="Point",
        properties=_place_properties(pl),
        start_year=pl.c.established_year,
        end_year=pl.c.abolished_year,
    )


def _roads(rd: Any, pl: Any) -> CollectionDef:
    return CollectionDef(
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
        geometry_column="geom",
        geometry_type="LineString",
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
            _p("established", pl.c.established_year, "date", "设立日期（设立年份1月1日）"),
            _validity(pl.c.established_year, pl.c.abolished_year),
        ),
        start_year=pl.c.established_year,
        end_year=pl.c.abolished_year,
    )


def _facilities(fa: Any) -> CollectionDef:
    type_name = case(
        {str(k): v for k, v in FACILITY_TYPE_NAMES.items()}, value=fa.c.type, else_=literal("")
    )
    return CollectionDef(
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
        geometry_column="geom",
        geometry_type="Point",
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
            _p("opened", fa.c.opened_year, "date", "开办日期（开办年份1月1日）"),
            _validity(fa.c.opened_year, None),
        ),
        start_year=fa.c.opened_year,
    )


def _admin_areas(ad: Any) -> CollectionDef:
    return CollectionDef(
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
        geometry_column="geom",
        geometry_type="MultiPolygon",
        properties=(
            _p("code", ad.c.code, "string", "区划代码 statistical code"),
            _p("name", ad.c.name, "string", "名称 name", f=True),
            _p("level", ad.c.level, "integer", "级别 2 city … 5 village", f=True),
            _p("kind", ad.c.kind, "string", "类型 kind", f=True),
            _p("parent_code", ad.c.parent_code, "string", "上级代码 parent", f=True),
            _p("ur_code", ad.c.ur_code, "string", "城乡分类代码 urban-rural class"),
        ),
    )


def _demand_points(dp: Any) -> CollectionDef:
    return CollectionDef(
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
        geometry_column="geom",
        geometry_type="Point",
        properties=(
            _p("code", dp.c.code, "string", "区划代码 village/community code", f=True),
            _p("name", dp.c.name, "string", "名称 name", f=True),
            _p("admin_code", dp.c.admin_code, "string", "乡镇代码 town code", f=True),
            _p("population", dp.c.population, "integer", "人口 population"),
            _p("elderly", dp.c.elderly, "integer", "60岁以上人口 aged 60+"),
            _p("dependents", dp.c.dependents, "integer", "分散特困供养对象 dependents"),
        ),
    )


@cache
def collections() -> tuple[CollectionDef, ...]:
    """The published collections, in the order they are listed."""
    pl = t.places
    return (
        _places(pl),
        _place_points(pl),
        _roads(t.roads, pl),
        _facilities(t.facilities),
        _admin_areas(t.admin_areas),
        _demand_points(t.demand_points),
    )


def get_collection(collection_id: str) -> CollectionDef:
    for c in collections():
        if c.id == collection_id:
            return c
    known = ", ".join(c.id for c in collections())
    raise NotFound(
        f"要素集合不存在 (no such collection): {collection_id[:80]!r}; available: {known}"
    )


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


# --- schemas ------------------------------------------------------------------------------


def _geometry_schema(c: CollectionDef) -> dict[str, Any]:
    return {
        "title": "几何 geometry",
        "x-ogc-role": "primary-geometry",
        "format": GEOMETRY_FORMATS[c.geometry_type],
    }


def _property_schema(p: Property) -> dict[str, Any]:
    if p.kind == "date":
        return {"type": "string", "format": "date", "title": p.title}
    if p.kind == "interval":  # [start, end] as in CQL2 JSON; null: an open end
        return {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {"type": ["string", "null"], "format": "date"},
            "title": p.title,
        }
    return {"type": p.kind, "title": p.title}


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
            "geometry": {"type": "object", **_geometry_schema(c)},
            "properties": {
                "type": "object",
                "properties": {p.name: _property_schema(p) for p in c.output_properties},
            },
        },
    }


def queryables(c: CollectionDef, url: str) -> dict[str, Any]:
    """The queryables of ``c`` (OGC API – Features Part 3) as a JSON Schema: every property
    a CQL2 filter, ``sortby`` or a plain ``name=value`` filter may name."""
    props: dict[str, Any] = {GEOMETRY_QUERYABLE: _geometry_schema(c)}
    props.update({p.name: _property_schema(p) for p in c.properties})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": False,
    }


__all__ = [
    "GEOMETRY_QUERYABLE",
    "CollectionDef",
    "Extent",
    "Property",
    "collection_extent",
    "collections",
    "get_collection",
    "properties_schema",
    "queryables",
]
