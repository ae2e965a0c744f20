"""Pydantic models of the OGC API – Features documents (landing page, conformance,
collections). Field names follow the standard's JSON (``conformsTo``, ``itemType``).

Feature collections themselves are streamed as GeoJSON text by the route (no model per
feature, for speed); :data:`FEATURE_COLLECTION_SCHEMA` documents them in the OpenAPI file
(FastAPI writes OpenAPI 3.1, hence ``"type": [..., "null"]`` for nullable members).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gazetteer.ogc import crs as crsmod
from gazetteer.ogc import features as ft
from gazetteer.ogc.cql2 import LANGS


class LinkPublic(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPagePublic(BaseModel):
    title: str
    description: str
    links: list[LinkPublic]


class ConformancePublic(BaseModel):
    conformsTo: list[str]


class SpatialExtentPublic(BaseModel):
    bbox: list[list[float]] = Field(description="[[minlon, minlat, maxlon, maxlat]] in CRS84")
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class TemporalExtentPublic(BaseModel):
    interval: list[list[str | None]]
    trs: str = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class ExtentPublic(BaseModel):
    spatial: SpatialExtentPublic | None = None
    temporal: TemporalExtentPublic | None = None


class CollectionPublic(BaseModel):
    id: str
    title: str
    description: str
    links: list[LinkPublic]
    extent: ExtentPublic | None = None
    itemType: str = "feature"
    crs: list[str]
    storageCrs: str | None = None


class CollectionsPublic(BaseModel):
    links: list[LinkPublic]
    collections: list[CollectionPublic]


FEATURE_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": ["object", "null"]},
                },
            },
        },
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/LinkPublic"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberReturned": {"type": "integer", "minimum": 0},
        "numberMatched": {"type": "integer", "minimum": 0},
    },
}

FEATURE_SCHEMA: dict[str, Any] = FEATURE_COLLECTION_SCHEMA["properties"]["features"]["items"]


# --- OpenAPI parameters of the items requests -------------------------------------------------


def _param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _str(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


def _names(name: str, description: str, max_length: int) -> dict[str, Any]:
    """A parameter naming properties, comma separated (``?properties=name,code``)."""
    schema = {"type": "array", "items": _str(max_length), "maxItems": 50}
    return _param(name, description, schema, style="form", explode=False)


_CRS_URI: dict[str, Any] = {"type": "string", "enum": list(crsmod.URIS)}
F_PARAM = _param(
    "f",
    "format: json (default for programs) or html (default for browsers)",
    {"type": "string", "enum": ["json", "html"]},
)
CRS_PARAM = _param(
    "crs", "输出坐标参考系 output CRS (axis order of that CRS; default CRS84)", _CRS_URI
)


def filter_parameters(c: ft.CollectionDef) -> list[dict[str, Any]]:
    names = ", ".join(p.name for p in c.properties)
    return [
        _param(
            "datetime",
            "时间 instant or interval (RFC 3339; open ends ..), e.g. 2010-01-01T00:00:00Z/.. "
            "— against the years of validity of the features",
            _str(100),
        ),
        _param(
            "filter",
            "CQL2 过滤条件 filter (text or JSON), on the queryables: geometry, " + names,
            _str(20_000),
        ),
        _param(
            "filter-lang",
            "cql2-text (default) or cql2-json (cql-text: the drafts' name of cql2-text)",
            {"type": "string", "enum": list(LANGS)},
        ),
        _param(
            "filter-crs",
            "CRS of the geometries in filter, in its axis order (default CRS84; EPSG:4490 and "
            "4326 latitude, longitude; EPSG:4550 northing, easting in metres)",
            _CRS_URI,
        ),
        _names("properties", "返回的属性 properties to return, comma separated", 40),
        _names(
            "sortby",
            "排序 sort keys, comma separated, - for descending (e.g. -established_year,name)",
            41,
        ),
        CRS_PARAM,
        _param("bbox-crs", "CRS of bbox (axis order of that CRS; default CRS84)", _CRS_URI),
    ]


def items_parameters(c: ft.CollectionDef, *, body: bool = False) -> list[dict[str, Any]]:
    """The query parameters of ``…/items``; with ``body`` (POST) without ``filter``."""
    return [p for p in _items_parameters(c) if not (body and p["name"] == "filter")]


def _items_parameters(c: ft.CollectionDef) -> list[dict[str, Any]]:
    params = [
        _param(
            "limit",
            f"每页要素数 features per page (1–{ft.MAX_LIMIT}, default {ft.DEFAULT_LIMIT})",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": ft.MAX_LIMIT,
                "default": ft.DEFAULT_LIMIT,
            },
        ),
        _param(
            "bbox",
            "minlon,minlat,maxlon,maxlat (CRS84; or in bbox-crs, in its axis order)",
            {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            style="form",
            explode=False,
        ),
        _param(
            "offset",
            "跳过的要素数 features to skip (prefer the next links)",
            {"type": "integer", "minimum": 0, "maximum": 10_000_000},
        ),
        _param("cursor", "分页游标 paging cursor, as given in next/prev links", _str(80)),
        F_PARAM,
        *filter_parameters(c),
    ]
    for p in c.query_parameters:
        schema: dict[str, Any] = {"type": p.kind}
        if p.kind == "string":
            schema["maxLength"] = 200
        params.append(_param(p.name, f"{p.title}（等于 equals）", schema))
    return params


FILTER_BODY_DOC: dict[str, Any] = {
    "required": True,
    "description": (
        "CQL2 JSON 过滤条件 filter: the expression itself (as pygeoapi takes it), or "
        '{"filter": <expression>, "filter-lang": "cql2-json", "filter-crs": "<uri>"}; '
        "at most 64 KiB"
    ),
    "content": {
        ctype: {"schema": {"type": "object"}}
        for ctype in ("application/cql2+json", "application/query-cql-json", "application/json")
    },
}


def ogc_service_description(app_doc: dict[str, Any], server: str) -> dict[str, Any]:
    """The OpenAPI document of the ``/ogc`` paths only, relative to ``server`` (the OGC
    API's landing page), so that ``/collections/places/items`` is a path of it."""
    prefix = "/ogc"
    paths = {
        (path[len(prefix) :] or "/"): item
        for path, item in app_doc.get("paths", {}).items()
        if path == prefix or path.startswith(prefix + "/")
    }
    return {
        **app_doc,
        "info": {**app_doc.get("info", {}), "title": "威海市地名信息服务 OGC API"},
        "servers": [{"url": server}],
        "paths": paths,
    }
