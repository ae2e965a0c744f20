"""OGC API – Features Part 1 Core (GeoJSON, OpenAPI 3.0) under ``/ogc``.

Collections: places, roads, facilities, admin-areas, demand-points (``gazetteer.ogc.features``).
Each collection gets its own ``/ogc/collections/<id>/items`` path in the OpenAPI document so
that its property filters are described; query parameters are validated by the library
(unknown or malformed → 400 JSON, unknown collection or feature → 404 JSON). Feature
collections are written as GeoJSON text without a pydantic model per feature (speed).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConnectionDep
from api.schemas_ogc import (
    FEATURE_COLLECTION_SCHEMA,
    FEATURE_SCHEMA,
    CollectionPublic,
    CollectionsPublic,
    ConformancePublic,
    ExtentPublic,
    LandingPagePublic,
    LinkPublic,
    SpatialExtentPublic,
    TemporalExtentPublic,
)
from gazetteer.errors import InvalidInput
from gazetteer.ogc import features as ft
from gazetteer.settings import Settings

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

GEOJSON = "application/geo+json"
JSON = "application/json"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
EXTENT_TTL_S = 60.0

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "参数错误 (invalid parameter), JSON body"},
    404: {"description": "未找到 (not found), JSON body"},
}
_F_PARAM: dict[str, Any] = {
    "name": "f",
    "in": "query",
    "required": False,
    "description": "format: json (the only one)",
    "schema": {"type": "string", "enum": ["json"]},
}


def _base(request: Request) -> str:
    """The base of absolute links: ``GAZETTEER_PUBLIC_BASE_URL`` when set, else the address
    the server listens on (scheme, host, port, root path) — never the request's ``Host``
    header, which a client chooses (``Host: evil.example`` must not reach the links)."""
    settings: Settings = request.app.state.settings
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    return _origin(request) + str(request.scope.get("root_path", "")).rstrip("/")


def _origin(request: Request) -> str:
    host, port = request.scope.get("server") or ("127.0.0.1", 8000)
    scheme = request.url.scheme
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = f"[{host}]" if ":" in str(host) else str(host)
    if port is not None and port != default:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _self_url(request: Request) -> str:
    """The URL of the request on the base of :func:`_base`."""
    query = request.url.query
    path = request.url.path  # with the root path
    root = request.scope.get("root_path", "").rstrip("/")
    if root and path.startswith(root):
        path = path[len(root) :]
    return _base(request) + path + (f"?{query}" if query else "")


def _check_plain(request: Request) -> None:
    """Documents other than items accept only ``f=json``."""
    for name, value in request.query_params.multi_items():
        if name != "f":
            raise InvalidInput(
                f"未知的查询参数 (unknown query parameter): {name[:40]!r}; allowed: f"
            )
        if value not in ft.FORMATS:
            raise InvalidInput(f"不支持的格式 (unsupported format): f={value[:20]!r}; use f=json")


def _extents(request: Request, conn: ConnectionDep) -> dict[str, ft.Extent]:
    """Extents of every collection, cached per app for :data:`EXTENT_TTL_S` seconds."""
    cached: tuple[float, dict[str, ft.Extent]] | None = getattr(
        request.app.state, "ogc_extents", None
    )
    now = time.monotonic()
    if cached is not None and now - cached[0] < EXTENT_TTL_S:
        return cached[1]
    extents = {c.id: ft.collection_extent(conn, c) for c in ft.collections()}
    request.app.state.ogc_extents = (now, extents)
    return extents


def _collection_doc(base: str, c: ft.CollectionDef, extent: ft.Extent) -> CollectionPublic:
    url = f"{base}/ogc/collections/{c.id}"
    ext = ExtentPublic(
        spatial=SpatialExtentPublic(bbox=[list(extent.bbox)]) if extent.bbox else None,
        temporal=(
            TemporalExtentPublic(interval=[[f"{extent.start_year:04d}-01-01T00:00:00Z", None]])
            if extent.start_year is not None
            else None
        ),
    )
    return CollectionPublic(
        id=c.id,
        title=c.title,
        description=c.description,
        links=[
            LinkPublic(href=url, rel="self", type=JSON, title=c.title),
            LinkPublic(href=f"{url}/items", rel="items", type=GEOJSON, title="要素 items"),
            LinkPublic(
                href=f"{url}/schema", rel="describedby", type=SCHEMA_JSON, title="属性模式 schema"
            ),
        ],
        extent=ext if (ext.spatial or ext.temporal) else None,
        itemType="feature",
        crs=[ft.CRS84],
    )


@router.get("", response_model=LandingPagePublic, responses=_ERRORS)
def landing_page(request: Request) -> LandingPagePublic:
    """OGC API – Features landing page (登陆页)."""
    _check_plain(request)
    base = _base(request)
    return LandingPagePublic(
        title="威海市地名信息服务 OGC API – Features",
        description=(
            "威海市标准地名、道路、民政设施、行政区划与需求点要素服务。Place names, roads, "
            "civil-affairs facilities, administrative areas and demand points of Weihai; "
            "GeoJSON in CRS84 (CGCS2000 longitude/latitude)."
        ),
        links=[
            LinkPublic(href=f"{base}/ogc", rel="self", type=JSON, title="本页 this document"),
            LinkPublic(
                href=f"{base}/openapi.json",
                rel="service-desc",
                type=OPENAPI_JSON,
                title="OpenAPI 3.0 定义 API definition",
            ),
            LinkPublic(
                href=f"{base}/docs", rel="service-doc", type="text/html", title="API 文档 docs"
            ),
            LinkPublic(
                href=f"{base}/ogc/conformance",
                rel="conformance",
                type=JSON,
                title="符合性声明 conformance",
            ),
            LinkPublic(
                href=f"{base}/ogc/collections",
                rel="data",
                type=JSON,
                title="要素集合 collections",
            ),
        ],
    )


@router.get("/conformance", response_model=ConformancePublic, responses=_ERRORS)
def conformance(request: Request) -> ConformancePublic:
    """Conformance classes implemented (Core, GeoJSON, OpenAPI 3.0)."""
    _check_plain(request)
    return ConformancePublic(conformsTo=CONFORMANCE)


@router.get("/collections", response_model=CollectionsPublic, responses=_ERRORS)
def list_collections(request: Request, conn: ConnectionDep) -> CollectionsPublic:
    """The feature collections with their extents."""
    _check_plain(request)
    base = _base(request)
    extents = _extents(request, conn)
    return CollectionsPublic(
        links=[LinkPublic(href=f"{base}/ogc/collections", rel="self", type=JSON)],
        collections=[_collection_doc(base, c, extents[c.id]) for c in ft.collections()],
    )


@router.get("/collections/{collectionId}", response_model=CollectionPublic, responses=_ERRORS)
def describe_collection(
    collectionId: str, request: Request, conn: ConnectionDep
) -> CollectionPublic:
    """One collection: title, extent, CRS and links to its items."""
    c = ft.get_collection(collectionId)
    _check_plain(request)
    return _collection_doc(_base(request), c, _extents(request, conn)[c.id])


@router.get(
    "/collections/{collectionId}/schema",
    responses={200: {"content": {SCHEMA_JSON: {}}}, **_ERRORS},
    response_class=Response,
)
def collection_schema(collectionId: str, request: Request) -> Response:
    """JSON Schema of the collection's features (property names and types)."""
    c = ft.get_collection(collectionId)
    _check_plain(request)
    body = json.dumps(ft.properties_schema(c), ensure_ascii=False)
    return Response(content=body, media_type=SCHEMA_JSON)


# --- items ---------------------------------------------------------------------------------


def _items_url(base: str, c: ft.CollectionDef, q: ft.ItemsQuery, **paging: str | int) -> str:
    params: list[tuple[str, str]] = [("limit", str(q.limit))]
    if q.bbox is not None:
        params.append(("bbox", ",".join(repr(v) for v in q.bbox)))
    params += [(name, str(value)) for name, value in q.filters]
    params += [(k, str(v)) for k, v in paging.items()]
    return f"{base}/ogc/collections/{c.id}/items?{urlencode(params)}"


def _items_response(request: Request, conn: ConnectionDep, c: ft.CollectionDef) -> Response:
    q = ft.parse_items_query(c, request.query_params.multi_items())
    page = ft.read_items(conn, c, q)
    base = _base(request)
    links: list[dict[str, str]] = [
        {"href": _self_url(request), "rel": "self", "type": GEOJSON, "title": "本页 this page"},
        {
            "href": f"{base}/ogc/collections/{c.id}",
            "rel": "collection",
            "type": JSON,
            "title": c.title,
        },
    ]
    if page.next is not None:
        links.append(
            {
                "href": _items_url(base, c, q, cursor=page.next.token()),
                "rel": "next",
                "type": GEOJSON,
                "title": "下一页 next page",
            }
        )
    prev_href: str | None = None
    if page.prev is not None:
        prev_href = _items_url(base, c, q, cursor=page.prev.token())
    elif page.prev_offset is not None:
        prev_href = _items_url(base, c, q, offset=page.prev_offset)
    if prev_href is not None:
        links.append({"href": prev_href, "rel": "prev", "type": GEOJSON, "title": "上一页"})
    stamp = page.time_stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [
        '{"type":"FeatureCollection","features":',
        ft.features_json(page.features),
        ',"links":',
        json.dumps(links, ensure_ascii=False),
        f',"timeStamp":"{stamp}","numberReturned":{page.number_returned}',
    ]
    if page.number_matched is not None:
        parts.append(f',"numberMatched":{page.number_matched}')
    parts.append("}")
    return Response(content="".join(parts).encode("utf-8"), media_type=GEOJSON)


def _param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


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
            "minlon,minlat,maxlon,maxlat (CRS84)",
            {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            style="form",
            explode=False,
        ),
        _param(
            "offset",
            "跳过的要素数 features to skip (prefer the next links)",
            {"type": "integer", "minimum": 0, "maximum": 10_000_000},
        ),
        _param(
            "cursor",
            "分页游标 paging cursor, as given in next/prev links",
            {"type": "string", "maxLength": 80},
        ),
        _F_PARAM,
    ]
    for p in c.filters:
        schema: dict[str, Any] = {"type": p.kind}
        if p.kind == "string":
            schema["maxLength"] = 200
        params.append(_param(p.name, f"{p.title}（等于 equals）", schema))
    return params


def _make_items_route(c: ft.CollectionDef) -> Callable[..., Response]:
    def items(request: Request, conn: ConnectionDep) -> Response:
        return _items_response(request, conn, c)

    items.__name__ = f"items_{c.id.replace('-', '_')}"
    items.__doc__ = f"{c.title}: features (GeoJSON), filters: " + ", ".join(
        p.name for p in c.filters
    )
    return items


def _make_item_route(c: ft.CollectionDef) -> Callable[..., Response]:
    def item(featureId: str, request: Request, conn: ConnectionDep) -> Response:
        _check_plain(request)
        f = ft.read_item(conn, c, featureId)
        base = _base(request)
        url = f"{base}/ogc/collections/{c.id}"
        links = [
            {"href": f"{url}/items/{featureId}", "rel": "self", "type": GEOJSON},
            {"href": url, "rel": "collection", "type": JSON, "title": c.title},
        ]
        body = ft.feature_json(f)[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
        return Response(content=body.encode("utf-8"), media_type=GEOJSON)

    item.__name__ = f"item_{c.id.replace('-', '_')}"
    item.__doc__ = f"{c.title}: one feature by id (GeoJSON)."
    return item


def _register_collection_routes() -> None:
    for c in ft.collections():
        router.add_api_route(
            f"/collections/{c.id}/items",
            _make_items_route(c),
            methods=["GET"],
            response_class=Response,
            responses={
                200: {
                    "description": "GeoJSON FeatureCollection",
                    "content": {GEOJSON: {"schema": FEATURE_COLLECTION_SCHEMA}},
                },
                **_ERRORS,
            },
            openapi_extra={"parameters": _items_parameters(c)},
            summary=f"{c.title} items",
        )
        router.add_api_route(
            f"/collections/{c.id}/items/{{featureId}}",
            _make_item_route(c),
            methods=["GET"],
            response_class=Response,
            responses={
                200: {
                    "description": "GeoJSON Feature",
                    "content": {GEOJSON: {"schema": FEATURE_SCHEMA}},
                },
                **_ERRORS,
            },
            openapi_extra={"parameters": [_F_PARAM]},
            summary=f"{c.title} feature",
        )


_register_collection_routes()


@router.get("/collections/{collectionId}/items", include_in_schema=False)
def items_unknown_collection(collectionId: str) -> Response:
    """Reached only for collections that do not exist (the known ones have own routes)."""
    ft.get_collection(collectionId)  # raises NotFound
    raise AssertionError("unreachable: known collections have their own routes")


@router.get("/collections/{collectionId}/items/{featureId}", include_in_schema=False)
def item_unknown_collection(collectionId: str, featureId: str) -> Response:
    ft.get_collection(collectionId)
    raise AssertionError("unreachable: known collections have their own routes")
