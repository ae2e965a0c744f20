"""Render functions: domain data in, ``folium.Map`` out (no I/O, no global state).

Every map is made by :func:`offline_map`, which points folium's script and style links at
the app's own ``/static/...`` URLs (Leaflet, markercluster, the app script) and drops what
the pages do not use (jQuery, Bootstrap, Font Awesome, awesome-markers), so a page never
asks another host for anything. Large layers (16,744 names, roads) are not written into
the page: the page's script loads them as GeoJSON from the API, so the HTML stays small.

Only the API turns a map into HTML (:func:`page_html`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import FitBounds
from jinja2 import Template
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from maps import assets

Bounds = tuple[float, float, float, float]  # west, south, east, north

WEIHAI_BOUNDS: Bounds = (121.17, 36.68, 122.71, 37.57)

# One colour per major category (10), chosen to be told apart on a light base.
CATEGORY_COLORS: dict[str, str] = {
    "1": "#1f78b4",  # 自然地理实体
    "21": "#e31a1c",  # 行政区域
    "216": "#fb9a99",  # 群众自治组织
    "217": "#b15928",  # 非行政区域
    "22": "#ff7f00",  # 居民点
    "23": "#6a3d9a",  # 交通运输设施
    "24": "#a6cee3",  # 水利电力通信设施
    "25": "#33a02c",  # 纪念地旅游景点
    "26": "#cab2d6",  # 建筑物
    "27": "#8c8c8c",  # 单位
}
FALLBACK_COLOR = "#555555"

# Facility types: colour and a one-character glyph drawn in a DivIcon (no icon fonts).
FACILITY_STYLE: dict[str, tuple[str, str]] = {
    "eldercare_institution": ("#d7301f", "养"),
    "regional_eldercare_centre": ("#b30000", "区"),
    "town_eldercare_centre": ("#ef6548", "镇"),
    "community_eldercare_centre": ("#fc8d59", "社"),
    "day_care_centre": ("#fdbb84", "日"),
    "rural_happiness_home": ("#e7298a", "幸"),
    "home_care_organisation": ("#ce1256", "居"),
    "community_canteen": ("#238b45", "食"),
    "elderly_meal_point": ("#41ab5d", "餐"),
    "rural_elderly_table": ("#74c476", "桌"),
    "public_cemetery": ("#525252", "墓"),
    "funeral_home": ("#252525", "殡"),
    "marriage_registry": ("#d95f0e", "婚"),
    "social_assistance_centre": ("#2171b5", "救"),
}


@dataclass(frozen=True, slots=True)
class TileSource:
    """An optional tile layer; ``gcj02`` when the provider draws in GCJ-02."""

    url: str
    attribution: str = ""
    gcj02: bool = False


@dataclass(frozen=True, slots=True)
class LegendItem:
    key: str  # category code or facility type
    label: str
    color: str
    glyph: str = ""
    count: int | None = None


@dataclass(frozen=True, slots=True)
class DataUrls:
    """Where the page's script loads its layers (all on the same server)."""

    places: str = "/api/v1/map/places.geojson"  # ?category=<major code>
    labels: str = "/api/v1/map/labels"  # ?bbox=...&zoom=...: the names to write
    # vector tiles (names written at the tile's zoom: place-points; roads; admin-areas)
    vector_tiles: str = "/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
    land: str = "/api/v1/map/land.geojson"
    nearby: str = "/api/v1/facilities"  # ?near=lon,lat&radius_m=...
    place_summary: str = "/api/v1/map/places/{id}/summary"
    place_page: str = "/places/{id}"
    facilities: str = "/api/v1/map/facilities.geojson"
    admin: str = "/api/v1/map/admin.geojson"
    roads: str = "/api/v1/map/roads.geojson"
    demand: str = "/api/v1/map/demand.geojson"
    search: str = "/api/v1/search"
    coverage: str = "/api/v1/coverage"
    isochrones: str = "/api/v1/coverage/isochrones"
    recommend: str = "/api/v1/coverage/recommend"


ENDPOINT_KEYS = ("search", "coverage", "isochrones", "recommend")


@dataclass(frozen=True, slots=True)
class PublicMapData:
    categories: Sequence[LegendItem]
    facility_types: Sequence[LegendItem]
    bounds: Bounds = WEIHAI_BOUNDS
    tile: TileSource | None = None
    urls: DataUrls = field(default_factory=DataUrls)
    available: frozenset[str] = frozenset(ENDPOINT_KEYS)  # endpoints of other areas served
    major_of: tuple[tuple[str, str], ...] = ()  # subcategory code -> major code


@dataclass(frozen=True, slots=True)
class CoverageMapData:
    facility_types: Sequence[LegendItem]
    default_type: str = "elderly_meal_point"
    minutes: int = 15
    bounds: Bounds = WEIHAI_BOUNDS
    tile: TileSource | None = None
    urls: DataUrls = field(default_factory=DataUrls)
    available: frozenset[str] = frozenset(ENDPOINT_KEYS)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One entry of a place's timeline (a former name and/or former geometry)."""

    name: str
    valid_from: str  # ISO date or ""
    valid_to: str
    reason: str
    note: str = ""
    geometry: BaseGeometry | None = None


def category_legend(
    majors: Sequence[tuple[str, str]], counts: dict[str, int] | None = None
) -> list[LegendItem]:
    """Legend items for ``(code, name)`` major categories with their colours."""
    return [
        LegendItem(
            key=code,
            label=name,
            color=CATEGORY_COLORS.get(code, FALLBACK_COLOR),
            count=None if counts is None else counts.get(code, 0),
        )
        for code, name in majors
    ]


def facility_legend(
    types: Sequence[tuple[str, str]], counts: dict[str, int] | None = None
) -> list[LegendItem]:
    """Legend items for ``(type, Chinese name)`` facility types with colour and glyph."""
    out = []
    for key, name in types:
        color, glyph = FACILITY_STYLE.get(key, (FALLBACK_COLOR, name[:1]))
        out.append(
            LegendItem(
                key=key,
                label=name,
                color=color,
                glyph=glyph,
                count=None if counts is None else counts.get(key, 0),
            )
        )
    return out


class _Call(MacroElement):
    """``GZ.<function>(<map>, <config JSON>)`` once the map exists."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GZ.{{ this.function }}({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, config: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GzCall"
        self.function = function
        # "</" must not end the script element early.
        self.config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


class Page(Figure):
    """An HTML page in Chinese with a viewport for phones (branca's Figure, lang set)."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        "{% if this.title %}<title>{{ this.title|e }}</title>{% endif %}\n"
        '<link rel="icon" href="data:," />\n'
        "    {{this.header.render(**kwargs)}}\n"
        "</head>\n"
        '<body class="{{ this.body_class }}">\n'
        "    {{this.html.render(**kwargs)}}\n"
        "</body>\n"
        "<script>\n"
        "    {{this.script.render(**kwargs)}}\n"
        "</script>\n"
        "</html>\n"
    )

    def __init__(self, title: str, body_class: str = "") -> None:
        super().__init__(title=title)
        self.body_class = body_class


def offline_map(
    *,
    bounds: Bounds = WEIHAI_BOUNDS,
    tile: TileSource | None = None,
    height: str = "100%",
    clusters: bool = False,
    zoom_control: bool = True,
) -> folium.Map:
    """A folium map whose every script and style comes from this server.

    Without ``tile`` no tile layer is added: the pages draw land, boundaries and roads
    from the database. With a GCJ-02 ``tile`` the map uses the ``GCJ02`` CRS defined in
    the app script, which shifts the CGCS2000 data onto the provider's offset grid.
    """
    west, south, east, north = bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        crs="GCJ02" if tile is not None and tile.gcj02 else "EPSG3857",
        height=height,
        zoom_control=zoom_control,
        prefer_canvas=False,
        min_zoom=7,
        max_zoom=18,
        zoom_snap=0.25,
    )
    js = [("leaflet", assets.LEAFLET_JS)]
    css = [("leaflet_css", assets.LEAFLET_CSS)]
    if clusters:
        js.append(("markercluster", assets.CLUSTER_JS))
        css += [
            ("markercluster_css", assets.CLUSTER_CSS),
            ("markercluster_default_css", assets.CLUSTER_DEFAULT_CSS),
        ]
    js.append(("gazetteer", assets.APP_JS))
    css.append(("gazetteer_css", assets.APP_CSS))
    # Instance attributes shadow folium's CDN lists (jQuery, Bootstrap, Font Awesome ...).
    m.default_js = js
    m.default_css = css
    if tile is not None:
        folium.TileLayer(
            tiles=tile.url, attr=tile.attribution or "tiles", name="底图", max_zoom=18
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def _page(m: folium.Map, title: str, body_class: str, before_map: str = "") -> Page:
    page = Page(title=title, body_class=body_class)
    if before_map:
        page.html.add_child(Element(before_map))
    m.add_to(page)
    return page


def render_public_map(data: PublicMapData) -> folium.Map:
    """The public map: names written on the map (the labels of the view, from the API),
    land, boundaries, roads, facilities by type, near me, historical names on request,
    search box and a drawer with the legend (``publicmap.js``)."""
    m = offline_map(bounds=data.bounds, tile=data.tile)
    # The script sets the first view itself (on a phone the city fills the screen); an
    # animated fitBounds still running would undo it when its animation ends.
    for key, child in list(m._children.items()):
        if isinstance(child, FitBounds):
            del m._children[key]
    m.default_js = [
        *m.default_js[:1],
        ("vectorgrid", assets.VECTORGRID_JS),
        *m.default_js[1:],
        ("publicmap", assets.PUBLIC_JS),
    ]
    m.default_css = [*m.default_css, ("publicmap_css", assets.PUBLIC_CSS)]
    config = {
        "bounds": list(data.bounds),
        "categories": [asdict(c) for c in data.categories],
        "majorOf": dict(data.major_of),
        "facilityTypes": [asdict(f) for f in data.facility_types],
        "urls": asdict(data.urls),
        "available": sorted(data.available),
        "base": data.tile is None,
    }
    m.add_child(_Call("publicMap", config))
    return m


def render_coverage_map(data: CoverageMapData) -> folium.Map:
    """The planners' coverage map: service circles, demand by minutes, gaps, figures."""
    m = offline_map(bounds=data.bounds, tile=data.tile)
    config = {
        "facilityTypes": [asdict(f) for f in data.facility_types],
        "defaultType": data.default_type,
        "minutes": data.minutes,
        "urls": asdict(data.urls),
        "available": sorted(data.available),
        "base": data.tile is None,
    }
    m.add_child(_Call("coverageMap", config))
    return m


def render_place_map(
    geometry: BaseGeometry,
    *,
    name: str,
    history: Sequence[HistoryItem] = (),
    context: BaseGeometry | None = None,
    tile: TileSource | None = None,
) -> folium.Map:
    """A small map of one place: its geometry, its former geometries (dashed) and the
    area around it (``context``, e.g. its county) as a light base."""
    minx, miny, maxx, maxy = geometry.bounds
    pad = max(maxx - minx, maxy - miny, 0.01) * 0.3
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    m = offline_map(bounds=bounds, tile=tile, height="320px")
    if context is not None:
        folium.GeoJson(
            mapping(context),
            name="行政区",
            style_function=lambda _f: {
                "color": "#777",
                "weight": 1,
                "fillColor": "#f4f1e8",
                "fillOpacity": 1,
            },
            interactive=False,
        ).add_to(m)
    for i, h in enumerate(history):
        if h.geometry is None:
            continue
        folium.GeoJson(
            mapping(h.geometry),
            name=f"原位置 {i + 1}",
            style_function=lambda _f: {"color": "#888", "weight": 3, "dashArray": "6 4"},
            tooltip=f"{h.name}（{h.valid_from or '?'} – {h.valid_to or '?'}）",
        ).add_to(m)
    if geometry.geom_type == "Point":
        folium.CircleMarker(
            location=[geometry.y, geometry.x],
            radius=8,
            color="#b30000",
            fill=True,
            fill_opacity=0.9,
            tooltip=name,
        ).add_to(m)
    else:
        folium.GeoJson(
            mapping(geometry),
            name=name,
            style_function=lambda _f: {"color": "#b30000", "weight": 4, "fillOpacity": 0.3},
            tooltip=name,
        ).add_to(m)
    return m


_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'


def page_html(m: folium.Map, *, title: str, body_class: str = "", before_map: str = "") -> str:
    """The full HTML page of a map (``before_map`` is trusted, already-escaped HTML)."""
    page = _page(m, title, body_class, before_map)
    out: str = page.render()
    # folium's viewport forbids zooming (maximum-scale=1, user-scalable=no); WCAG 1.4.4
    # asks that people can zoom the page, so the page keeps only the width and scale.
    return _FOLIUM_VIEWPORT.sub(_VIEWPORT, out)


def esc(value: object) -> str:
    """HTML-escape any value for the page templates."""
    return html.escape("" if value is None else str(value))


__all__ = [
    "CATEGORY_COLORS",
    "ENDPOINT_KEYS",
    "FACILITY_STYLE",
    "WEIHAI_BOUNDS",
    "CoverageMapData",
    "DataUrls",
    "HistoryItem",
    "LegendItem",
    "Page",
    "PublicMapData",
    "TileSource",
    "category_legend",
    "esc",
    "facility_legend",
    "offline_map",
    "page_html",
    "render_coverage_map",
    "render_place_map",
    "render_public_map",
]
