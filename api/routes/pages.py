"""HTML pages (public map, coverage map, place page) and the static assets they load.

Pages are small: the names (16,744 in the demo) and roads are fetched by the page's script
from the GeoJSON endpoints in ``api/routes/map_data.py``. Every script, style sheet and
image is served from this app under ``/static/`` (vendor files from
``Settings.assets_dir``, the app's own from ``maps/assets``), so pages work on a closed
network.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import Connection

from api.auth import browser_session
from api.caches import LayerCache
from api.deps import ConnectionDep, LayersDep, RecordId, SettingsDep
from gazetteer.cartography import layers
from gazetteer.errors import NotFound
from gazetteer.model import (
    FACILITY_TYPE_NAMES,
    classification,
)
from gazetteer.services import places
from gazetteer.services.sessions import StaffSession
from gazetteer.settings import Settings
from maps import assets
from maps.coverage_page import coverage_page_html
from maps.pages import place_page_html
from maps.render import (
    ENDPOINT_KEYS,
    CoverageMapData,
    DataUrls,
    LegendItem,
    PublicMapData,
    TileSource,
    category_legend,
    facility_legend,
    page_html,
    render_public_map,
)

PlaceId = RecordId

router = APIRouter(tags=["maps"])


def tile_source(settings: Settings) -> TileSource | None:
    if not settings.tile_url:
        return None
    return TileSource(settings.tile_url, settings.tile_attribution, settings.tile_gcj02)


def _facility_items(conn: Connection, cache: LayerCache) -> list[LegendItem]:
    counts = cache.value(
        ("legend", "facilities"),
        cache.version(conn, "facilities"),
        lambda: layers.facility_type_counts(conn),
    )
    return facility_legend([(str(k), v) for k, v in FACILITY_TYPE_NAMES.items()], counts)


def _bounds(conn: Connection) -> tuple[float, float, float, float] | None:
    try:
        b = layers.admin_boundary(conn).geometry.bounds
    except NotFound:  # an empty database still gets a page
        return None
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def available_endpoints(request: Request, urls: DataUrls) -> frozenset[str]:
    """Which endpoints of other areas (search, coverage) this app serves, so that a page
    says "not available" instead of requesting a missing URL."""
    paths = set(request.app.openapi().get("paths", {}))  # built once, then cached
    return frozenset(k for k in ENDPOINT_KEYS if getattr(urls, k) in paths)


def _html(body: str) -> HTMLResponse:
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


@router.get("/map", response_class=HTMLResponse, summary="公众地名地图 Public map")
def public_map(
    request: Request, conn: ConnectionDep, settings: SettingsDep, cache: LayersDep
) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    majors = [(c.code, c.name) for c in classification().majors]
    # the legend's counts (a count of every name: ~0.2 s over a million) per data version
    counts = cache.value(
        ("legend", "places"),
        cache.version(conn, "places"),
        lambda: layers.major_category_counts(conn),
    )
    data = PublicMapData(
        categories=category_legend(majors, counts),
        facility_types=_facility_items(conn, cache),
        tile=tile_source(settings),
    )
    cls = classification()
    major_of = tuple((c.code, c.major_code) for c in cls.subcategories if c.major_code)
    data = replace(data, available=available_endpoints(request, data.urls), major_of=major_of)
    if (b := _bounds(conn)) is not None:
        data = replace(data, bounds=b)
    m = render_public_map(data)
    return _html(page_html(m, title="威海市地名地图", body_class="gz-full"))


@router.get("/map/coverage", response_class=HTMLResponse, summary="服务圈覆盖地图 Coverage map")
def coverage_map(
    request: Request,
    conn: ConnectionDep,
    settings: SettingsDep,
    cache: LayersDep,
    session: Annotated[StaffSession | None, Depends(browser_session)],
) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    items = _facility_items(conn, cache)
    data = CoverageMapData(facility_types=items, tile=tile_source(settings))
    data = replace(data, available=available_endpoints(request, data.urls))
    if (b := _bounds(conn)) is not None:
        data = replace(data, bounds=b)
    # the planners' workbench; a signed-in user's CSRF token (sessions) goes into the page,
    # which is then personal and never cached
    if session is None:
        return _html(coverage_page_html(data))
    page = _html(coverage_page_html(data, csrf_token=session.csrf_token))
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/places/{place_id}", response_class=HTMLResponse, summary="地名详情页 Place page")
def place_page(place_id: PlaceId, conn: ConnectionDep, settings: SettingsDep) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    return _html(place_page_html(places.place_page(conn, place_id), tile=tile_source(settings)))


@router.get("/static/vendor/{path:path}", include_in_schema=False)
def vendor_static(path: str, settings: SettingsDep) -> FileResponse:
    return FileResponse(
        assets.vendor_file(settings.assets_dir, path),
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/app/{path:path}", include_in_schema=False)
def app_static(path: str) -> FileResponse:
    return FileResponse(assets.app_file(path), headers={"Cache-Control": "no-cache"})
