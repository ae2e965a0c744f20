"""GeoJSON layers for the map pages (RFC 7946, lon/lat in CGCS2000) and sheet downloads.

``/api/v1/map/places.geojson?category=<major code>`` returns points with id, name and
category only (popups fetch ``/api/v1/map/places/{id}/summary`` on click), so the public
map loads 16,744 names in about 2 MB of JSON (much less gzip-compressed) instead of
writing them into the page.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from shapely.geometry import mapping
from sqlalchemy import Connection, Engine

from api.deps import ConnectionDep, RecordId
from gazetteer.cartography import layers
from gazetteer.cartography.sheet_cache import (
    SHEET_DPI,
    SheetCache,
    SheetKey,
    database_id,
    sheet_cache_for,
    sheet_data_version,
    sheet_index,
    sheet_key,
)
from gazetteer.errors import InvalidInput
from gazetteer.model import AdminLevel, FacilityType, classification
from gazetteer.settings import Settings

if TYPE_CHECKING:
    from gazetteer.cartography.sheet_render import SheetRef

PlaceId = RecordId


@asynccontextmanager
async def _close_sheet_cache(app: FastAPI) -> AsyncIterator[None]:
    """Stop the sheet render pool's threads with the app."""
    yield
    cache: SheetCache | None = getattr(app.state, "sheet_cache", None)
    if cache is not None:
        cache.close()


router = APIRouter(prefix="/api/v1/map", tags=["maps"], lifespan=_close_sheet_cache)

GEOJSON = "application/geo+json"


class PlaceSummaryPublic(BaseModel):
    id: int
    name: str
    romanized: str
    category_code: str
    category: str
    major_category: str
    admin_code: str
    admin_name: str
    meaning: str
    origin: str
    status: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class EncodedLayer:
    raw: bytes
    gz: bytes
    etag: str


class LayerCache:
    """Encoded GeoJSON layers of one app, reused while their data token is unchanged.

    The layers behind the public map (16,845 names, 54,000 road edges on the demo) cost
    up to a second to read and encode; they change rarely, and a cheap token query
    (:func:`gazetteer.cartography.layers.layer_token`) tells when. Per process, so several API
    instances stay independent (each builds its own copy once).
    """

    def __init__(self, max_items: int = 64) -> None:
        self._items: dict[tuple[str, ...], tuple[str, EncodedLayer]] = {}
        self._lock = threading.Lock()
        self._max = max_items

    def get(
        self, key: tuple[str, ...], token: str, build: Callable[[], dict[str, Any]]
    ) -> EncodedLayer:
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]
        raw = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        digest = hashlib.sha256(raw).hexdigest()[:20]
        layer = EncodedLayer(raw, gzip.compress(raw, compresslevel=6), f'"{digest}"')
        with self._lock:
            if len(self._items) >= self._max:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (token, layer)
        return layer


def _cache(request: Request) -> LayerCache:
    state = request.app.state
    cache: LayerCache | None = getattr(state, "map_layer_cache", None)
    if cache is None:
        cache = LayerCache()
        state.map_layer_cache = cache
    return cache


def cached_layer(
    request: Request,
    conn: Connection,
    layer: str,
    params: tuple[str, ...],
    build: Callable[[], dict[str, Any]],
) -> Response:
    """A GeoJSON response from the app's layer cache (gzip when accepted, 304 on a
    matching ``If-None-Match``)."""
    encoded = _cache(request).get((layer, *params), layers.layer_token(conn, layer), build)
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
    category: Annotated[str | None, Query(max_length=8, description="major category code")] = None,
) -> Response:
    if category is not None and classification().get(category) is None:
        raise InvalidInput(f"未知的地名类别代码 (unknown category code: {category})")

    def build() -> dict[str, Any]:
        return _fc(
            [
                {
                    "type": "Feature",
                    "id": p.id,
                    "geometry": _point(p.lon, p.lat),
                    "properties": {"id": p.id, "name": p.name, "category_code": p.category_code},
                }
                for p in layers.place_points(conn, major_code=category)
            ]
        )

    return cached_layer(request, conn, "places", (category or "",), build)


@router.get(
    "/places/{place_id}/summary",
    response_model=PlaceSummaryPublic,
    summary="地名弹窗信息 What a map popup shows about a name",
)
def place_summary(place_id: PlaceId, conn: ConnectionDep) -> PlaceSummaryPublic:
    s = layers.place_summary(conn, place_id)
    return PlaceSummaryPublic(
        id=s.id,
        name=s.name,
        romanized=s.romanized,
        category_code=s.category_code,
        category=s.category,
        major_category=s.major_category,
        admin_code=s.admin_code,
        admin_name=s.admin_name,
        meaning=s.meaning,
        origin=s.origin,
        status=s.status,
        lon=s.lon,
        lat=s.lat,
    )


@router.get("/facilities.geojson", summary="民政设施图层 Facilities as points")
def facilities_geojson(
    request: Request,
    conn: ConnectionDep,
    type: Annotated[list[str] | None, Query(description="facility type(s)")] = None,
) -> Response:
    known = {str(x) for x in FacilityType}
    for t in type or []:
        if t not in known:
            raise InvalidInput(f"未知的设施类型 (unknown facility type: {t})")

    def build() -> dict[str, Any]:
        return _fc(
            [
                {
                    "type": "Feature",
                    "id": f.id,
                    "geometry": _point(f.lon, f.lat),
                    "properties": {
                        "id": f.id,
                        "name": f.name,
                        "type": f.type,
                        "admin_code": f.admin_code,
                        "beds": f.beds,
                        "capacity": f.capacity,
                    },
                }
                for f in layers.facility_points(conn, types=type)
            ]
        )

    return cached_layer(request, conn, "facilities", tuple(sorted(type or [])), build)


@router.get("/admin.geojson", summary="行政区边界 Administrative areas (simplified)")
def admin_geojson(
    request: Request,
    conn: ConnectionDep,
    level: Annotated[int, Query(ge=2, le=4, description="2 city, 3 county, 4 town")] = 3,
) -> Response:
    tolerance = {2: 0.001, 3: 0.0007, 4: 0.0005}[level]

    def build() -> dict[str, Any]:
        shapes = layers.admin_shapes(conn, levels=[AdminLevel(level)], tolerance_deg=tolerance)
        return _fc(
            [
                {
                    "type": "Feature",
                    "id": s.code,
                    "geometry": _round_coords(mapping(s.geometry)),
                    "properties": {"code": s.code, "name": s.name, "level": s.level},
                }
                for s in shapes
            ]
        )

    return cached_layer(request, conn, "admin", (str(level),), build)


@router.get("/roads.geojson", summary="道路图层 Main roads of the network (simplified)")
def roads_geojson(request: Request, conn: ConnectionDep) -> Response:

    def build() -> dict[str, Any]:
        return _fc(
            [
                {
                    "type": "Feature",
                    "geometry": _round_coords(mapping(r.geometry)),
                    "properties": {"road_class": r.road_class, "name": r.name},
                }
                for r in layers.road_lines(conn, tolerance_deg=0.0001)
            ]
        )

    return cached_layer(request, conn, "roads", (), build)


@router.get("/demand.geojson", summary="需求点图层 Demand points (villages and communities)")
def demand_geojson(request: Request, conn: ConnectionDep) -> Response:
    from gazetteer.storage import repository as repo

    def build() -> dict[str, Any]:
        return _fc(
            [
                {
                    "type": "Feature",
                    "id": d.id,
                    "geometry": _point(round(d.point.x, 6), round(d.point.y, 6)),
                    "properties": {
                        "id": d.id,
                        "code": d.code,
                        "name": d.name,
                        "admin_code": d.admin_code,
                        "population": d.population,
                        "elderly": d.elderly,
                        "dependents": d.dependents,
                    },
                }
                for d in repo.iter_demand_points(conn)
            ]
        )

    return cached_layer(request, conn, "demand", (), build)


# --- result map sheets (成果图) -------------------------------------------------------------


class SheetPublic(BaseModel):
    kind: str  # grid | county
    number: str
    name: str
    png: str
    pdf: str


class SheetListPublic(BaseModel):
    grid_sheets: int
    county_sheets: int
    sheets: list[SheetPublic]


@router.get(
    "/sheets",
    response_model=SheetListPublic,
    summary="成果图图幅列表 The result map sheets (computed from the city boundary)",
)
def list_sheets(conn: ConnectionDep) -> SheetListPublic:
    from gazetteer.cartography.sheet_render import sheet_set

    refs = sheet_set(conn)
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
_SHEET_CACHE_LOCK = threading.Lock()


def _sheet_cache(app: FastAPI, settings: Settings) -> SheetCache:
    state = app.state
    cache: SheetCache | None = getattr(state, "sheet_cache", None)
    if cache is None:
        with _SHEET_CACHE_LOCK:
            cache = getattr(state, "sheet_cache", None)
            if cache is None:
                cache = sheet_cache_for(
                    settings.cache_dir,
                    max_mb=settings.cache_max_mb,
                    max_renders=settings.sheet_render_limit,
                )
                state.sheet_cache = cache
    return cache


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


@dataclass(frozen=True, slots=True)
class _Located:
    ref: SheetRef
    key: SheetKey
    etag: str
    not_modified: bool
    body: bytes | None  # the cached file, when there is one


def _locate(
    engine: Engine, cache: SheetCache, number: str, fmt: str, if_none_match: str | None
) -> _Located:
    """The sheet's key (data version + the remembered sheet index: one statement) and,
    unless the client's ETag is current, the cached file. Runs in the thread pool."""
    with engine.connect() as conn:
        version = sheet_data_version(conn)
        ref = sheet_index(conn, version).find(number)
    key = sheet_key(database_id(engine), ref, fmt, version)
    etag = f'"{key.digest}"'
    if etag_matches(if_none_match, etag):
        return _Located(ref, key, etag, True, None)
    return _Located(ref, key, etag, False, cache.cached(key))


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
async def download_sheet(number: str, fmt: str, request: Request) -> Response:
    # Async, so that waiting for a render holds no thread: the data version, the look-up
    # and the file read run in the thread pool (short); renders run in the sheet cache's
    # own pool of GAZETTEER_SHEET_RENDER_LIMIT threads. A cached sheet never waits for a
    # render, and a burst of missing sheets cannot take the thread pool from other routes.
    # A connection is held only while reading, not while rendering or waiting.
    if fmt not in SHEET_MEDIA:
        raise InvalidInput(f"不支持的格式 (unsupported sheet format: {fmt}; use png or pdf)")
    engine: Engine = request.app.state.engine
    cache = _sheet_cache(request.app, request.app.state.settings)
    found = await run_in_threadpool(
        _locate, engine, cache, number, fmt, request.headers.get("if-none-match")
    )
    headers = {"ETag": found.etag, "Cache-Control": "no-cache"}
    if found.not_modified:
        return Response(status_code=304, headers=headers)
    ref = found.ref

    def render() -> bytes:  # in the render pool; imports matplotlib off the event loop
        from gazetteer.cartography.sheet_render import figure_bytes, load_sheet_data, render_sheet

        with engine.connect() as conn:
            data = load_sheet_data(conn, ref)
        return figure_bytes(render_sheet(data), fmt, dpi=SHEET_DPI)

    if found.body is not None:
        body, hit = found.body, True
    else:
        body, hit = await _rendered(cache, found.key, render)
    headers["Content-Disposition"] = f'attachment; filename="{ref.number}.{fmt}"'
    headers["X-Cache"] = "hit" if hit else "miss"
    return Response(content=body, media_type=SHEET_MEDIA[fmt], headers=headers)
