"""GeoJSON layers for the map pages (RFC 7946, lon/lat in CGCS2000) and sheet downloads.

``/api/v1/map/places.geojson?category=<major code>`` returns points with id, name and
category only (popups fetch ``/api/v1/map/places/{id}/summary`` on click), so the public
map loads 16,744 names in about 2 MB of JSON (much less gzip-compressed) instead of
writing them into the page. Encoded layers are kept in the app's :class:`LayerCache`
(made in the lifespan), keyed by the layer's data version.

Sheets come from the sheet cache (:mod:`gazetteer.services.sheets`); the download is
``async`` so that waiting for a render holds no thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from shapely.geometry import mapping
from sqlalchemy import Connection

from api.caches import LayerCache
from api.deps import CachesDep, ConnectionDep, EngineDep, LayersDep, RecordId
from api.params import only_params
from api.schemas_places import (
    LabelPublic,
    LabelsPublic,
    PlaceSummaryPublic,
    SheetListPublic,
    SheetPublic,
)
from gazetteer.cartography import labels as map_labels
from gazetteer.cartography import layers
from gazetteer.cartography.sheet_cache import SheetCache, SheetKey
from gazetteer.errors import InvalidInput
from gazetteer.model import AdminLevel, FacilityType, classification
from gazetteer.services import sheets
from gazetteer.types import parse_bbox

PlaceId = RecordId


router = APIRouter(prefix="/api/v1/map", tags=["maps"])

GEOJSON = "application/geo+json"


def cached_layer(
    request: Request,
    cache: LayerCache,
    conn: Connection,
    layer: str,
    params: tuple[str, ...],
    build: Callable[[], dict[str, Any]],
) -> Response:
    """A GeoJSON response from the app's layer cache (gzip when accepted, 304 on a
    matching ``If-None-Match``)."""
    encoded = cache.get((layer, *params), cache.version(conn, layer), build)
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding", "ETag": encoded.etag}
    if request.headers.get("if-none-match") == encoded.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(content=encoded.gz, media_type=GEOJSON, headers=headers)
    return Response(content=encoded.raw, media_type=GEOJSON, headers=headers)


def _fc(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _feature(
    geometry: dict[str, Any], properties: dict[str, Any], fid: int | str | None = None
) -> dict[str, Any]:
    """A GeoJSON Feature (with ``"id"`` when ``fid`` is given)."""
    head: dict[str, Any] = {"type": "Feature"} if fid is None else {"type": "Feature", "id": fid}
    return {**head, "geometry": geometry, "properties": properties}


def _point_features(rows: Iterable[Any], fields: Sequence[str]) -> dict[str, Any]:
    """Each row as a Point at its ``lon``, ``lat`` with its ``id`` and the attributes named
    in ``fields`` as properties."""
    return _fc(
        [_feature(_point(r.lon, r.lat), {f: getattr(r, f) for f in fields}, r.id) for r in rows]
    )


def _round_coords(geom: dict[str, Any], ndigits: int = 5) -> dict[str, Any]:
    def r(c: Any) -> Any:
        if isinstance(c, (int, float)):
            return round(float(c), ndigits)
        return [r(x) for x in c]

    if geom["type"] == "GeometryCollection":
        return {"type": geom["type"], "geometries": [_round_coords(g) for g in geom["geometries"]]}
    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


@router.get("/places.geojson", summary="地名点图层 Names as points (by major category)")
def places_geojson(
    request: Request,
    conn: ConnectionDep,
    cache: LayersDep,
    category: Annotated[str | None, Query(max_length=8, description="major category code")] = None,
) -> Response:
    if category is not None and classification().get(category) is None:
        raise InvalidInput(f"未知的地名类别代码 (unknown category code: {category})")

    def build() -> dict[str, Any]:
        points = layers.place_points(conn, major_code=category)
        return _point_features(points, ("id", "name", "category_code"))

    return cached_layer(request, cache, conn, "places", (category or "",), build)


@router.get(
    "/places/{place_id}/summary",
    response_model=PlaceSummaryPublic,
    summary="地名弹窗信息 What a map popup shows about a name",
)
def place_summary(place_id: PlaceId, conn: ConnectionDep) -> PlaceSummaryPublic:
    return PlaceSummaryPublic.of(layers.place_summary(conn, place_id))


@router.get("/facilities.geojson", summary="民政设施图层 Facilities as points")
def facilities_geojson(
    request: Request,
    conn: ConnectionDep,
    cache: LayersDep,
    type: Annotated[list[str] | None, Query(description="facility type(s)")] = None,
) -> Response:
    known = {str(x) for x in FacilityType}
    for t in type or []:
        if t not in known:
            raise InvalidInput(f"未知的设施类型 (unknown facility type: {t})")

    def build() -> dict[str, Any]:
        points = layers.facility_points(conn, types=type)
        return _point_features(points, ("id", "name", "type", "admin_code", "beds", "capacity"))

    return cached_layer(request, cache, conn, "facilities", tuple(sorted(type or [])), build)


@router.get("/admin.geojson", summary="行政区边界 Administrative areas (simplified)")
def admin_geojson(
    request: Request,
    conn: ConnectionDep,
    cache: LayersDep,
    level: Annotated[int, Query(ge=2, le=4, description="2 city, 3 county, 4 town")] = 3,
) -> Response:
    tolerance = {2: 0.001, 3: 0.0007, 4: 0.0005}[level]

    def build() -> dict[str, Any]:
        shapes = layers.admin_shapes(conn, levels=[AdminLevel(level)], tolerance_deg=tolerance)
        return _fc(
            [
                _feature(
                    _round_coords(mapping(s.geometry)),
                    {"code": s.code, "name": s.name, "level": s.level},
                    s.code,
                )
                for s in shapes
            ]
        )

    return cached_layer(request, cache, conn, "admin", (str(level),), build)


@router.get("/land.geojson", summary="陆地 Land: county areas and island outlines")
def land_geojson(request: Request, conn: ConnectionDep, cache: LayersDep) -> Response:
    """The land the public map draws under everything: the county-level polygons (real
    boundaries include the islands) joined with the outlines of island names (海岛)."""
    only_params(request, ())

    def build() -> dict[str, Any]:
        g = layers.land(conn, tolerance_deg=0.0005)
        if g is None:
            return _fc([])
        return _fc([_feature(_round_coords(mapping(g)), {})])

    return cached_layer(request, cache, conn, "land", (), build)


@router.get(
    "/labels",
    response_model=LabelsPublic,
    summary="地图注记 Names to write on the map for a view and zoom",
    description=(
        "The labels drawn at `zoom` (integer, 7..18) whose point lies in `bbox` "
        "(minlon,minlat,maxlon,maxlat), most important first, at most "
        f"{map_labels.MAX_RESULTS}; the view may span at most {map_labels.MAX_VIEW_TILES} "
        "tiles of its zoom (400 otherwise). The same labels as the `place-points` vector "
        "tiles (`/ogc/collections/place-points/tiles/WebMercatorQuad/{z}/{y}/{x}`): placed "
        "per tile on the server (no two overlap, the most important first), cached per data "
        "version; boxes are centred on the point. Historical names only with `history=true`."
    ),
)
def labels(
    request: Request,
    conn: ConnectionDep,
    caches: CachesDep,
    bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
    zoom: Annotated[int, Query(ge=0, le=24)],
    history: Annotated[bool, Query(description="also historical names")] = False,
) -> LabelsPublic:
    only_params(request, ("bbox", "zoom", "history"))
    box = parse_bbox(bbox)
    found, truncated = caches.labels.view(conn, box, zoom, history=history)
    return LabelsPublic(
        zoom=zoom,
        count=len(found),
        truncated=truncated,
        labels=[
            LabelPublic(
                id=x.id,
                text=x.text,
                name=x.name,
                kind=x.kind,
                major=x.major,
                lon=x.lon,
                lat=x.lat,
                w=x.width,
                h=x.height,
                font=x.font,
                zoom=x.zoom,
                historical=x.historical,
                years=x.years,
            )
            for x in found
        ],
    )


@router.get("/roads.geojson", summary="道路图层 Main roads of the network (simplified)")
def roads_geojson(request: Request, conn: ConnectionDep, cache: LayersDep) -> Response:

    def build() -> dict[str, Any]:
        return _fc(
            [
                _feature(
                    _round_coords(mapping(r.geometry)),
                    {"road_class": r.road_class, "name": r.name},
                )
                for r in layers.road_lines(conn, tolerance_deg=0.0001)
            ]
        )

    return cached_layer(request, cache, conn, "roads", (), build)


@router.get("/demand.geojson", summary="需求点图层 Demand points (villages and communities)")
def demand_geojson(request: Request, conn: ConnectionDep, cache: LayersDep) -> Response:
    def build() -> dict[str, Any]:
        fields = ("id", "code", "name", "admin_code", "population", "elderly", "dependents")
        return _point_features(layers.demand_points(conn), fields)

    return cached_layer(request, cache, conn, "demand", (), build)


# --- result map sheets (成果图) -------------------------------------------------------------


@router.get(
    "/sheets",
    response_model=SheetListPublic,
    summary="成果图图幅列表 The result map sheets (computed from the city boundary)",
)
def list_sheets(conn: ConnectionDep) -> SheetListPublic:
    refs = sheets.sheet_set(conn)
    return SheetListPublic(
        grid_sheets=sum(r.kind == "grid" for r in refs),
        county_sheets=sum(r.kind == "county" for r in refs),
        sheets=[
            SheetPublic(
                kind=r.kind,
                number=r.number,
                name=r.name,
                png=f"/api/v1/map/sheets/{r.number}.png",
                pdf=f"/api/v1/map/sheets/{r.number}.pdf",
            )
            for r in refs
        ],
    )


SHEET_MEDIA = {"png": "image/png", "pdf": "application/pdf"}


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` list (or ``*``) with ``etag``."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


async def _rendered(
    cache: SheetCache, key: SheetKey, render: Callable[[], bytes]
) -> tuple[bytes, bool]:
    """Wait for the sheet's render in the cache's render pool without holding a thread."""
    ticket = cache.submit(key, render)
    waiter = asyncio.wrap_future(ticket.future)
    try:
        # shield: a client that goes away must not cancel a render others wait for
        result = await asyncio.shield(waiter)
    except asyncio.CancelledError:
        waiter.add_done_callback(_consume)  # the render's outcome is then nobody's
        raise
    finally:
        ticket.release()
    return ticket.outcome(result)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


@router.get(
    "/sheets/{number}.{fmt}",
    summary="下载成果图 One result map sheet as PNG or PDF",
    description=(
        "Rendered once per data version and kept in the sheet cache (`GAZETTEER_CACHE_DIR`); "
        "the `ETag` changes when anything drawn on the sheet changes, and `If-None-Match` "
        "with the current one answers 304. `X-Cache: hit|miss` tells whether this request "
        "rendered the sheet. At most `GAZETTEER_SHEET_RENDER_LIMIT` sheets render at once "
        "per process; further requests for missing sheets wait their turn."
    ),
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "application/pdf": {}}},
        304: {"description": "Not modified (the `If-None-Match` ETag is current)"},
    },
)
async def download_sheet(
    number: str, fmt: str, request: Request, engine: EngineDep, caches: CachesDep
) -> Response:
    # Async, so that waiting for a render holds no thread: the data version, the look-up
    # and the file read run in the thread pool (short); renders run in the sheet cache's
    # own pool of GAZETTEER_SHEET_RENDER_LIMIT threads. A cached sheet never waits for a
    # render, and a burst of missing sheets cannot take the thread pool from other routes.
    # A connection is held only while reading, not while rendering or waiting.
    sheets.check_format(fmt)
    cache = caches.sheets
    found = await run_in_threadpool(sheets.locate, engine, cache, number, fmt)
    etag = f'"{found.key.digest}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    ref = found.ref
    if found.body is not None:
        body, hit = found.body, True
    else:
        body, hit = await _rendered(cache, found.key, lambda: sheets.render(engine, ref, fmt))
    headers["Content-Disposition"] = f'attachment; filename="{ref.number}.{fmt}"'
    headers["X-Cache"] = "hit" if hit else "miss"
    return Response(content=body, media_type=SHEET_MEDIA[fmt], headers=headers)
