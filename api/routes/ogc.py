"""OGC API – Features Parts 1–3 (Core, GeoJSON, HTML, OpenAPI 3.0, CRS, Queryables,
Filter/CQL2) under ``/ogc``; the vector tiles are in :mod:`api.routes.ogc_tiles`.

Collections: ``gazetteer.ogc.collections``. Each collection gets its own
``/ogc/collections/<id>/items`` path in the OpenAPI document so that its property filters
are described; query parameters are validated by the library (unknown or malformed → 400
JSON, unknown collection or feature → 404 JSON); ``POST …/items`` takes a CQL2 JSON filter
as its body. ``/ogc/api`` is the OpenAPI document of these routes alone, relative to
``/ogc`` (the landing page's ``service-desc``). Feature collections are written as
GeoJSON text without a pydantic model per feature (speed). Every document answers HTML for
``f=html`` or a browser's ``Accept: text/html`` (pages rendered by :mod:`maps.ogc`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from api.deps import ConnectionDep
from api.links import base_url as _base
from api.links import self_url as _self_url
from api.schemas_ogc import (
    CRS_PARAM,
    F_PARAM,
    FEATURE_COLLECTION_SCHEMA,
    FEATURE_SCHEMA,
    FILTER_BODY_DOC,
    CollectionPublic,
    CollectionsPublic,
    ConformancePublic,
    ExtentPublic,
    LandingPagePublic,
    LinkPublic,
    SpatialExtentPublic,
    TemporalExtentPublic,
    items_parameters,
    ogc_service_description,
)
from gazetteer.errors import InvalidInput, TooLarge
from gazetteer.ogc import crs as crsmod
from gazetteer.ogc import features as ft
from gazetteer.ogc.tiles import MVT, TMS_ID
from maps import ogc as pages

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL = "http://www.opengis.net/spec/cql2/1.0/conf/"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
CONFORMANCE = [
    _F1 + "core",
    _F1 + "geojson",
    _F1 + "html",
    _F1 + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables",
    _F3 + "queryables-query-parameters",
    _F3 + "filter",
    _F3 + "features-filter",
    _CQL + "cql2-text",
    _CQL + "cql2-json",
    _CQL + "basic-cql2",
    _CQL + "advanced-comparison-operators",
    _CQL + "case-insensitive-comparison",
    _CQL + "basic-spatial-functions",
    _CQL + "basic-spatial-functions-plus",
    _CQL + "spatial-functions",
    _CQL + "temporal-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    _TILES + "core",
    _TILES + "tileset",
    _TILES + "tilesets-list",
    _TILES + "geodata-tilesets",
    _TILES + "mvt",
    _TILES + "oas30",
]
EXTENT_TTL_S = 60.0
# POST …/items: a CQL2 JSON filter as the body (pygeoapi's form), or a search-style body
# {"filter": {...}, "filter-lang": "cql2-json", "filter-crs": "..."}; at most this size.
MAX_FILTER_BODY = 64 * 1024
FILTER_BODY_TYPES = ("application/cql2+json", "application/query-cql-json", "application/json")
SEARCH_KEYS = {"filter", "filter-lang", "filter-crs"}

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "参数错误 (invalid parameter), JSON body"},
    404: {"description": "未找到 (not found), JSON body"},
}


def _html_doc() -> dict[int | str, Any]:
    return {200: {"content": {HTML: {"schema": {"type": "string"}}}}, **_ERRORS}


def _wants_html(request: Request) -> bool:
    f = request.query_params.get("f")
    if f is not None:
        return f == "html"
    return HTML in request.headers.get("accept", "")


def _check_plain(request: Request, *also: str) -> None:
    """Documents other than items accept only ``f`` (and the names in ``also``)."""
    for name, value in request.query_params.multi_items():
        if name not in ("f", *also):
            allowed = ", ".join(("f", *also))
            raise InvalidInput(
                f"未知的查询参数 (unknown query parameter): {name[:40]!r}; allowed: {allowed}"
            )
        if name == "f" and value not in ft.FORMATS:
            raise InvalidInput(
                f"不支持的格式 (unsupported format): f={value[:20]!r}; use f=json or f=html"
            )


def _json(model: BaseModel) -> Response:
    return JSONResponse(model.model_dump(mode="json"))


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
            LinkPublic(href=f"{url}?f=html", rel="alternate", type=HTML, title="网页 HTML"),
            LinkPublic(href=f"{url}/items", rel="items", type=GEOJSON, title="要素 items"),
            LinkPublic(
                href=f"{url}/schema", rel="describedby", type=SCHEMA_JSON, title="属性模式 schema"
            ),
            LinkPublic(
                href=f"{url}/queryables",
                rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
                type=SCHEMA_JSON,
                title="可查询属性 queryables",
            ),
            LinkPublic(
                href=f"{url}/tiles",
                rel="http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                type=JSON,
                title="矢量瓦片 vector tiles",
            ),
            LinkPublic(
                href=f"{url}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                rel="item",
                type=MVT,
                title="矢量瓦片 Mapbox Vector Tiles (WebMercatorQuad)",
            ),
        ],
        extent=ext if (ext.spatial or ext.temporal) else None,
        itemType="feature",
        crs=list(crsmod.URIS),
        storageCrs=crsmod.STORAGE_CRS,
    )


def _landing(base: str) -> LandingPagePublic:
    return LandingPagePublic(
        title="威海市地名信息服务 OGC API – Features",
        description=(
            "威海市标准地名、道路、民政设施、行政区划与需求点要素服务。Place names, roads, "
            "civil-affairs facilities, administrative areas and demand points of Weihai; "
            "GeoJSON in CRS84 (CGCS2000 longitude/latitude) or another CRS on request, "
            "CQL2 filters, vector tiles."
        ),
        links=[
            LinkPublic(href=f"{base}/ogc", rel="self", type=JSON, title="本页 this document"),
            LinkPublic(href=f"{base}/ogc?f=html", rel="alternate", type=HTML, title="网页 HTML"),
            LinkPublic(
                href=f"{base}/ogc/api",
                rel="service-desc",
                type=OPENAPI_JSON,
                title="OpenAPI 3.0 定义 API definition",
            ),
            LinkPublic(href=f"{base}/docs", rel="service-doc", type=HTML, title="API 文档 docs"),
            LinkPublic(
                href=f"{base}/ogc/conformance",
                rel="conformance",
                type=JSON,
                title="符合性声明 conformance",
            ),
            LinkPublic(
                href=f"{base}/ogc/collections", rel="data", type=JSON, title="要素集合 collections"
            ),
            LinkPublic(
                href=f"{base}/ogc/tileMatrixSets",
                rel="http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                type=JSON,
                title="瓦片矩阵集 tile matrix sets",
            ),
        ],
    )


@router.get("", response_model=LandingPagePublic, responses=_html_doc())
def landing_page(request: Request) -> Response:
    """OGC API landing page (登陆页)."""
    _check_plain(request)
    doc = _landing(_base(request))
    if _wants_html(request):
        return HTMLResponse(pages.landing_html(doc.model_dump(mode="json")))
    return _json(doc)


@router.get("/conformance", response_model=ConformancePublic, responses=_html_doc())
def conformance(request: Request) -> Response:
    """Conformance classes implemented (Features 1–3, CQL2, Tiles)."""
    _check_plain(request)
    doc = ConformancePublic(conformsTo=CONFORMANCE)
    if _wants_html(request):
        return HTMLResponse(pages.conformance_html(doc.model_dump(mode="json")))
    return _json(doc)


@router.get("/collections", response_model=CollectionsPublic, responses=_html_doc())
def list_collections(request: Request, conn: ConnectionDep) -> Response:
    """The feature collections with their extents."""
    _check_plain(request)
    base = _base(request)
    extents = _extents(request, conn)
    doc = CollectionsPublic(
        links=[
            LinkPublic(href=f"{base}/ogc/collections", rel="self", type=JSON),
            LinkPublic(href=f"{base}/ogc/collections?f=html", rel="alternate", type=HTML),
        ],
        collections=[_collection_doc(base, c, extents[c.id]) for c in ft.collections()],
    )
    if _wants_html(request):
        return HTMLResponse(pages.collections_html(doc.model_dump(mode="json")))
    return _json(doc)


@router.get("/collections/{collectionId}", response_model=CollectionPublic, responses=_html_doc())
def describe_collection(collectionId: str, request: Request, conn: ConnectionDep) -> Response:
    """One collection: title, extent, CRS and links to its items, queryables and tiles."""
    c = ft.get_collection(collectionId)
    _check_plain(request)
    doc = _collection_doc(_base(request), c, _extents(request, conn)[c.id])
    if _wants_html(request):
        return HTMLResponse(pages.collection_html(doc.model_dump(mode="json")))
    return _json(doc)


def _schema_response(request: Request, body: dict[str, Any]) -> Response:
    _check_plain(request)
    return Response(content=json.dumps(body, ensure_ascii=False), media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collectionId}/schema",
    responses={200: {"content": {SCHEMA_JSON: {}}}, **_ERRORS},
    response_class=Response,
)
def collection_schema(collectionId: str, request: Request) -> Response:
    """JSON Schema of the collection's features (property names and types)."""
    c = ft.get_collection(collectionId)
    return _schema_response(request, ft.properties_schema(c))


@router.get(
    "/collections/{collectionId}/queryables",
    responses={200: {"content": {SCHEMA_JSON: {}}}, **_ERRORS},
    response_class=Response,
)
def collection_queryables(collectionId: str, request: Request) -> Response:
    """Queryables (JSON Schema): the properties ``filter``, ``sortby`` may name."""
    c = ft.get_collection(collectionId)
    url = f"{_base(request)}/ogc/collections/{c.id}/queryables"
    return _schema_response(request, ft.queryables(c, url))


# --- items ---------------------------------------------------------------------------------


def _items_url(base: str, c: ft.CollectionDef, q: ft.ItemsQuery, **paging: str | int) -> str:
    params: list[tuple[str, str]] = [("limit", str(q.limit))]
    if q.raw_bbox is not None and q.bbox is not None:
        params.append(("bbox", q.raw_bbox))
    elif q.bbox is not None:
        params.append(("bbox", ",".join(repr(v) for v in q.bbox)))
    params += [(name, str(value)) for name, value in q.filters]
    params += list(q.carried)
    if not q.crs.is_crs84:
        params.append(("crs", q.crs.uri))
    if q.format is not None:
        params.append(("f", q.format))
    params += [(k, str(v)) for k, v in paging.items()]
    return f"{base}/ogc/collections/{c.id}/items?{urlencode(params)}"


def _page_links(
    request: Request, c: ft.CollectionDef, q: ft.ItemsQuery, page: ft.FeaturePage
) -> list[dict[str, str]]:
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
    # a keyset cursor where the page has one, else an offset (sorted pages)
    for rel, title, cursor, offset in (
        ("next", "下一页", page.next, page.next_offset),
        ("prev", "上一页", page.prev, page.prev_offset),
    ):
        href: str | None = None
        if cursor is not None:
            href = _items_url(base, c, q, cursor=cursor.token())
        elif offset is not None:
            href = _items_url(base, c, q, offset=offset)
        if href is not None:
            links.append({"href": href, "rel": rel, "type": GEOJSON, "title": title})
    return links


def _items_response(
    request: Request,
    conn: ConnectionDep,
    c: ft.CollectionDef,
    posted: tuple[str, list[tuple[str, str]]] | None = None,
) -> Response:
    params = request.query_params.multi_items()
    if posted is not None:
        names = {k for k, _ in params}
        params = params + [(k, v) for k, v in posted[1] if k not in names]
    q = ft.parse_items_query(c, params, posted[0] if posted is not None else None)
    page = ft.read_items(conn, c, q)
    links = _page_links(request, c, q, page)
    if posted is not None:  # a GET URL for the same page: the filter moves into the query
        paging = {"cursor": q.cursor.token()} if q.cursor else {"offset": q.offset}
        links[0]["href"] = _items_url(_base(request), c, q, **paging)
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
    body = "".join(parts)
    if q.format == "html" or (q.format is None and _wants_html(request)):
        url = f"{_base(request)}/ogc/collections/{c.id}"
        html = pages.items_html(
            json.loads(body), title=c.title, collection_url=url, lon_lat=q.crs.is_crs84
        )
        return HTMLResponse(html, headers={"Content-Crs": f"<{q.crs.uri}>"})
    return Response(
        content=body.encode("utf-8"),
        media_type=GEOJSON,
        headers={"Content-Crs": f"<{q.crs.uri}>"},
    )


async def _filter_body(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The CQL2 JSON filter of a POST body (and the search-style body's filter-crs)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in FILTER_BODY_TYPES:
        raise InvalidInput(
            f"不支持的内容类型 (unsupported Content-Type {ctype[:60]!r}); POST a CQL2 JSON "
            f"filter as one of {', '.join(FILTER_BODY_TYPES)}"
        )
    raw = await request.body()
    if len(raw) > MAX_FILTER_BODY:
        raise TooLarge(f"filter 过大 (filter body larger than {MAX_FILTER_BODY} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"filter 不是 UTF-8 (filter body is not UTF-8 at byte {e.start})"
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return text, []  # the filter parser reports the line and column
    if isinstance(doc, dict) and "filter" in doc and "op" not in doc:
        unknown = set(doc) - SEARCH_KEYS
        if unknown:
            raise InvalidInput(
                f"未知的请求体成员 (unknown body member): {sorted(unknown)[0][:40]!r}; "
                f"allowed: {', '.join(sorted(SEARCH_KEYS))}"
            )
        extra = [(k, str(doc[k])) for k in ("filter-lang", "filter-crs") if k in doc]
        return json.dumps(doc["filter"], ensure_ascii=False), extra
    return text, []


FilterBodyDep = Annotated[tuple[str, list[tuple[str, str]]], Depends(_filter_body)]


def _make_post_items_route(c: ft.CollectionDef) -> Callable[..., Response]:
    def post_items(request: Request, conn: ConnectionDep, body: FilterBodyDep) -> Response:
        return _items_response(request, conn, c, body)

    post_items.__name__ = f"post_items_{c.id.replace('-', '_')}"
    post_items.__doc__ = (
        f"{c.title}: features selected by a CQL2 JSON filter sent as the request body "
        "(the other parameters as for GET)."
    )
    return post_items


def _make_items_route(c: ft.CollectionDef) -> Callable[..., Response]:
    def items(request: Request, conn: ConnectionDep) -> Response:
        return _items_response(request, conn, c)

    items.__name__ = f"items_{c.id.replace('-', '_')}"
    items.__doc__ = f"{c.title}: features (GeoJSON or HTML); filters: " + ", ".join(
        p.name for p in c.filters
    )
    return items


def _make_item_route(c: ft.CollectionDef) -> Callable[..., Response]:
    def item(featureId: str, request: Request, conn: ConnectionDep) -> Response:
        _check_plain(request, "crs")
        raw_crs = request.query_params.get("crs")
        crs = crsmod.parse_crs(raw_crs) if raw_crs is not None else crsmod.DEFAULT
        f = ft.read_item(conn, c, featureId, crs=crs)
        base = _base(request)
        url = f"{base}/ogc/collections/{c.id}"
        links = [
            {"href": f"{url}/items/{featureId}", "rel": "self", "type": GEOJSON},
            {"href": url, "rel": "collection", "type": JSON, "title": c.title},
        ]
        body = ft.feature_json(f)[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
        headers = {"Content-Crs": f"<{crs.uri}>"}
        if _wants_html(request):
            html = pages.item_html(
                json.loads(body), title=c.title, collection_url=url, lon_lat=crs.is_crs84
            )
            return HTMLResponse(html, headers=headers)
        return Response(content=body.encode("utf-8"), media_type=GEOJSON, headers=headers)

    item.__name__ = f"item_{c.id.replace('-', '_')}"
    item.__doc__ = f"{c.title}: one feature by id (GeoJSON or HTML)."
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
                    "content": {
                        GEOJSON: {"schema": FEATURE_COLLECTION_SCHEMA},
                        HTML: {"schema": {"type": "string"}},
                    },
                },
                **_ERRORS,
            },
            openapi_extra={"parameters": items_parameters(c)},
            summary=f"{c.title} items",
        )
        router.add_api_route(
            f"/collections/{c.id}/items",
            _make_post_items_route(c),
            methods=["POST"],
            response_class=Response,
            responses={
                200: {
                    "description": "GeoJSON FeatureCollection",
                    "content": {GEOJSON: {"schema": FEATURE_COLLECTION_SCHEMA}},
                },
                413: {"description": f"filter body larger than {MAX_FILTER_BODY} bytes"},
                **_ERRORS,
            },
            openapi_extra={
                "parameters": items_parameters(c, body=True),
                "requestBody": FILTER_BODY_DOC,
            },
            summary=f"{c.title} items by a CQL2 JSON filter in the body",
        )
        router.add_api_route(
            f"/collections/{c.id}/items/{{featureId}}",
            _make_item_route(c),
            methods=["GET"],
            response_class=Response,
            responses={
                200: {
                    "description": "GeoJSON Feature",
                    "content": {
                        GEOJSON: {"schema": FEATURE_SCHEMA},
                        HTML: {"schema": {"type": "string"}},
                    },
                },
                **_ERRORS,
            },
            openapi_extra={"parameters": [F_PARAM, CRS_PARAM]},
            summary=f"{c.title} feature",
        )


_register_collection_routes()


@router.api_route(
    "/collections/{collectionId}/items", methods=["GET", "POST"], include_in_schema=False
)
def items_unknown_collection(collectionId: str) -> Response:
    """Reached only for collections that do not exist (the known ones have own routes)."""
    ft.get_collection(collectionId)  # raises NotFound
    raise AssertionError("unreachable: known collections have their own routes")


@router.get("/collections/{collectionId}/items/{featureId}", include_in_schema=False)
def item_unknown_collection(collectionId: str, featureId: str) -> Response:
    ft.get_collection(collectionId)
    raise AssertionError("unreachable: known collections have their own routes")


@router.get(
    "/api",
    responses={200: {"content": {OPENAPI_JSON: {}}}},
    response_class=Response,
    include_in_schema=False,
)
def service_description(request: Request) -> Response:
    """The OpenAPI 3.0 document of the OGC API alone, its paths relative to ``/ogc`` (the
    landing page's ``service-desc``): clients such as GDAL look up
    ``/collections/{id}/items`` in it to learn the items parameters."""
    _check_plain(request)
    doc = ogc_service_description(request.app.openapi(), f"{_base(request)}/ogc")
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return Response(content=body.encode("utf-8"), media_type=OPENAPI_JSON)
