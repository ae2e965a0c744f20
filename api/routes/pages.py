"""HTML pages (public map, coverage map, place page) and the static assets they load.

Pages are small: the names (16,744 in the demo) and roads are fetched by the page's script
from the GeoJSON endpoints in ``api/routes/map_data.py``. Every script, style sheet and
image is served from this app under ``/static/`` (vendor files from
``Settings.assets_dir``, the app's own from ``maps/assets``), so pages work on a closed
network.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, select

from api.deps import ConnectionDep, RecordId, SettingsDep
from gazetteer.cartography import layers
from gazetteer.errors import NotFound
from gazetteer.model import (
    CENSUS_STATUS_LABELS,
    CHANGE_REASON_LABELS,
    FACILITY_TYPE_NAMES,
    PLACE_STATUS_LABELS,
    AdminLevel,
    classification,
    label,
)
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from maps import assets
from maps.render import (
    ENDPOINT_KEYS,
    CoverageMapData,
    DataUrls,
    HistoryItem,
    LegendItem,
    PublicMapData,
    TileSource,
    category_legend,
    esc,
    facility_legend,
    page_html,
    render_coverage_map,
    render_place_map,
    render_public_map,
)

PlaceId = RecordId

router = APIRouter(tags=["maps"])


def tile_source(settings: Settings) -> TileSource | None:
    if not settings.tile_url:
        return None
    return TileSource(settings.tile_url, settings.tile_attribution, settings.tile_gcj02)


def _facility_items(conn: Connection) -> list[LegendItem]:
    counts = layers.facility_type_counts(conn)
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
def public_map(request: Request, conn: ConnectionDep, settings: SettingsDep) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    majors = [(c.code, c.name) for c in classification().majors]
    data = PublicMapData(
        categories=category_legend(majors, layers.major_category_counts(conn)),
        facility_types=_facility_items(conn),
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
def coverage_map(request: Request, conn: ConnectionDep, settings: SettingsDep) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    items = _facility_items(conn)
    data = CoverageMapData(facility_types=items, tile=tile_source(settings))
    data = replace(data, available=available_endpoints(request, data.urls))
    if (b := _bounds(conn)) is not None:
        data = replace(data, bounds=b)
    m = render_coverage_map(data)
    return _html(page_html(m, title="15分钟服务圈覆盖分析", body_class="gz-full"))


def _admin_path(conn: Connection, code: str) -> list[tuple[str, str]]:
    a = t.admin_areas
    out: list[tuple[str, str]] = []
    current: str | None = code
    for _ in range(6):
        if current is None:
            break
        r = conn.execute(
            select(a.c.code, a.c.name, a.c.parent_code).where(a.c.code == current)
        ).first()
        if r is None:
            break
        out.append((r[0], r[1]))
        current = r[2]
    return list(reversed(out))


def _context_geometry(conn: Connection, admin_code: str) -> BaseGeometry | None:
    """The smallest area with a polygon around a place (county at most), simplified."""
    for code, _name in reversed(_admin_path(conn, admin_code)):
        try:
            shape = layers.admin_boundary(conn, code)
        except NotFound:
            continue
        if shape.level >= int(AdminLevel.COUNTY) or code == admin_code:
            return shape.geometry.simplify(0.001, preserve_topology=True)
    return None


@router.get("/places/{place_id}", response_class=HTMLResponse, summary="地名详情页 Place page")
def place_page(place_id: PlaceId, conn: ConnectionDep, settings: SettingsDep) -> HTMLResponse:
    assets.check_assets(settings.assets_dir)
    place = repo.get_place(conn, place_id)
    history = repo.place_history(conn, place_id)
    cls = classification()
    cat = cls.get(place.category_code)
    major = cls.major_of(place.category_code)
    path = _admin_path(conn, place.admin_code)
    road = repo.get_road(conn, place_id)
    items = [
        HistoryItem(
            name=h.name,
            valid_from=h.valid_from.isoformat() if h.valid_from else "",
            valid_to=h.valid_to.isoformat() if h.valid_to else "",
            reason=label(CHANGE_REASON_LABELS, h.reason),
            note=h.note,
            geometry=h.geometry
            if h.geometry is not None and not h.geometry.equals(place.geometry)
            else None,
        )
        for h in history
    ]
    context = _context_geometry(conn, place.admin_code)
    m = render_place_map(
        place.geometry,
        name=place.name,
        history=items,
        context=context,
        tile=tile_source(settings),
    )
    rows: list[tuple[str, str]] = [
        ("标准名称", place.name),
        ("罗马字母拼写", place.romanized),
        ("专名 / 通名", f"{place.specific} / {place.generic}"),
        ("地名代码", place.code or ""),
        ("类别", f"{major.name if major else ''} · {cat.name if cat else place.category_code}"),
        ("所在政区", " ".join(n for _c, n in path)),
        ("含义", place.meaning),
        ("由来", place.origin),
        ("历史沿革", place.history),
        ("地理实体描述", place.description),
        ("简称 / 别名", "、".join(place.other_names)),
        ("设立年份", str(place.established_year or "")),
        ("废止年份", str(place.abolished_year or "")),
        ("状态", label(PLACE_STATUS_LABELS, place.status)),
        ("普查状态", label(CENSUS_STATUS_LABELS, place.census_status)),
        ("资料来源", place.source),
        (
            "坐标 (CGCS2000)",
            f"{place.point.x:.6f}, {place.point.y:.6f}" if place.point is not None else "",
        ),
    ]
    if road is not None:
        rows += [
            ("起点 / 止点", f"{road.start_desc} / {road.end_desc}"),
            ("长度 / 宽度", f"{road.length_m:.0f} 米 / {road.width_m or '—'} 米"),
            ("道路等级", road.grade),
        ]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v) or '—'}</td></tr>" for k, v in rows)
    timeline = "".join(
        f"<li><b>{esc(h.name)}</b>（{esc(h.valid_from or '?')} 至 {esc(h.valid_to or '?')}）"
        f" · {esc(h.reason)}{' · 位置已变更' if h.geometry is not None else ''}"
        f"{'<br>' + esc(h.note) if h.note else ''}</li>"
        for h in items
    )
    timeline += f"<li><b>{esc(place.name)}</b>（现行名称，第 {place.version} 版）</li>"
    before = (
        '<nav class="gz-nav"><a href="/map">← 地名地图</a>'
        f'<a href="/api/v1/places/{place_id}/card">地名成果表（打印）</a>'
        f'<a href="/api/v1/places/{place_id}/card?format=xlsx">成果表 Excel</a>'
        f'<a href="/api/v1/places/{place_id}">JSON</a></nav>'
        f"<h1>{esc(place.name)} <small>{esc(place.romanized)}</small></h1>"
        f'<div class="gz-record"><table id="gz-record">{table}</table></div>'
        f'<h2>名称与位置沿革</h2><ul class="gz-timeline" id="gz-timeline">{timeline}</ul>'
        "<h2>位置</h2>"
    )
    html = page_html(
        m, title=f"{place.name} · 威海市地名", body_class="gz-place", before_map=before
    )
    return _html(html)


@router.get("/static/vendor/{path:path}", include_in_schema=False)
def vendor_static(path: str, settings: SettingsDep) -> FileResponse:
    return FileResponse(
        assets.vendor_file(settings.assets_dir, path),
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/app/{path:path}", include_in_schema=False)
def app_static(path: str) -> FileResponse:
    return FileResponse(assets.app_file(path), headers={"Cache-Control": "no-cache"})
