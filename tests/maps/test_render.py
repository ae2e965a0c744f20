"""Render functions: domain data in, folium map out; every asset URL is local."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, box

from gazetteer.errors import NotFound, StorageUnavailable
from gazetteer.model import FACILITY_TYPE_NAMES
from maps import assets
from maps.render import (
    WEIHAI_BOUNDS,
    CoverageMapData,
    HistoryItem,
    PublicMapData,
    TileSource,
    category_legend,
    facility_legend,
    offline_map,
    page_html,
    render_coverage_map,
    render_place_map,
    render_public_map,
)

MAJORS = [("1", "自然地理实体"), ("22", "居民点")]
URL_ATTR = re.compile(r'(?:src|href)="([^"]+)"')


def _public(**kw: object) -> PublicMapData:
    return PublicMapData(
        categories=category_legend(MAJORS, {"1": 3, "22": 5}),
        facility_types=facility_legend([(str(k), v) for k, v in FACILITY_TYPE_NAMES.items()]),
        **kw,  # type: ignore[arg-type]
    )


def _config(html: str, function: str) -> dict[str, object]:
    m = re.search(rf"GZ\.{function}\(map_\w+, (\{{.*\}})\);", html)
    assert m is not None
    return dict(json.loads(m.group(1)))


def test_public_map_loads_only_local_assets() -> None:
    html = page_html(render_public_map(_public()), title="威海市地名地图", body_class="gz-full")
    urls = URL_ATTR.findall(html)
    assert assets.LEAFLET_JS in urls and assets.APP_JS in urls and assets.PUBLIC_JS in urls
    assert assets.CLUSTER_JS not in urls  # names are labels of the view, not clustered dots
    assert urls.index(assets.APP_JS) < urls.index(assets.PUBLIC_JS)
    assert all(u.startswith("/static/") or u == "data:," for u in urls), urls
    for cdn in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "cdn"):
        assert cdn not in html.lower()
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert "<title>威海市地名地图</title>" in html


def test_public_map_config_carries_legend_and_urls_not_names() -> None:
    html = page_html(render_public_map(_public()), title="t")
    cfg = _config(html, "publicMap")
    cats = cfg["categories"]
    assert isinstance(cats, list)
    assert [c["key"] for c in cats] == ["1", "22"]
    assert cats[1]["count"] == 5 and cats[1]["color"].startswith("#")
    assert cfg["urls"]["labels"] == "/api/v1/map/labels"  # type: ignore[index]
    assert cfg["urls"]["land"] == "/api/v1/map/land.geojson"  # type: ignore[index]
    assert cfg["urls"]["nearby"] == "/api/v1/facilities"  # type: ignore[index]
    assert cfg["bounds"] == list(WEIHAI_BOUNDS)
    assert cfg["base"] is True
    assert len(html) < 20_000  # names are loaded by the page, not embedded


def test_labels_cannot_close_the_script() -> None:
    data = PublicMapData(
        categories=category_legend([("1", "</script><script>alert(1)</script>")]),
        facility_types=[],
    )
    html = page_html(render_public_map(data), title="t")
    assert "</script><script>alert(1)" not in html


def test_facility_types_have_distinct_colours_and_glyphs() -> None:
    items = facility_legend([(str(k), v) for k, v in FACILITY_TYPE_NAMES.items()])
    assert len(items) == len(FACILITY_TYPE_NAMES) == 14
    assert len({i.color for i in items}) == 14
    assert len({i.glyph for i in items}) == 14


def test_no_tiles_by_default_and_an_optional_tile_layer() -> None:
    assert "L.tileLayer" not in page_html(offline_map(), title="t")
    osm = page_html(offline_map(tile=TileSource("/tiles/{z}/{x}/{y}.png", "本地瓦片")), title="t")
    assert "L.tileLayer" in osm and "/tiles/{z}/{x}/{y}.png" in osm
    assert "crs: L.CRS.EPSG3857" in osm


def test_public_map_script_is_a_static_file() -> None:
    assert assets.app_file("publicmap.js").is_file() and assets.app_file("publicmap.css").is_file()
    js = assets.app_file("publicmap.js").read_text("utf-8")
    assert "GZ.publicMap = function" in js and "GZ.near = function" in js


def test_gcj02_tiles_switch_the_map_crs() -> None:
    html = page_html(
        offline_map(tile=TileSource("/gcj/{z}/{x}/{y}.png", "GCJ", gcj02=True)), title="t"
    )
    assert "crs: L.CRS.GCJ02" in html
    # the CRS is defined by the app script, which the page loads before the map script
    assert html.index(assets.APP_JS) < html.index("L.CRS.GCJ02")
    js = (assets.APP_ASSETS_DIR / "gazetteer.js").read_text("utf-8")
    assert "L.CRS.GCJ02 = " in js


def test_coverage_map_config() -> None:
    data = CoverageMapData(
        facility_types=facility_legend([("elderly_meal_point", "老年助餐点")]),
        available=frozenset({"coverage"}),
    )
    cfg = _config(page_html(render_coverage_map(data), title="t"), "coverageMap")
    assert cfg["defaultType"] == "elderly_meal_point"
    assert cfg["minutes"] == 15
    assert cfg["available"] == ["coverage"]


def test_place_map_draws_geometry_history_and_context() -> None:
    road = LineString([(122.09, 37.50), (122.12, 37.51)])
    old = LineString([(122.09, 37.495), (122.115, 37.505)])
    m = render_place_map(
        road,
        name="文化中路",
        history=[HistoryItem("建设路", "1995-01-01", "2018-06-30", "更名", geometry=old)],
        context=box(122.0, 37.4, 122.2, 37.6),
    )
    html = page_html(m, title="文化中路", body_class="gz-place", before_map="<h1>文化中路</h1>")
    assert html.index("<h1>文化中路</h1>") < html.index('class="folium-map"')
    assert "建设路" in html and "6 4" in html  # dashed former geometry with its name
    assert "122.115" in html and "122.12" in html
    point_html = page_html(render_place_map(Point(122.1, 37.5), name="刘公岛"), title="t")
    assert "L.circleMarker" in point_html


def test_missing_assets_are_reported_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable, match="npm ci"):
        assets.check_assets(tmp_path)


def test_static_files_cannot_escape_their_folder(tmp_path: Path) -> None:
    for rel in assets.REQUIRED_VENDOR_FILES:
        package, _, rest = rel.partition("/")
        path = tmp_path / assets.VENDOR_PACKAGES[package] / rest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("/* */")
    (tmp_path / "secret.js").write_text("/* outside the served folders */")
    assets.check_assets(tmp_path)
    assert assets.vendor_file(tmp_path, "leaflet/leaflet.js").is_file()
    for bad in (
        "leaflet/../../../etc/passwd",
        "../etc/passwd",
        "leaflet/.hidden.js",
        "x.js",
        "leaflet/../../secret.js",
        "axe-core/axe.min.js",
        "leaflet/",
    ):
        with pytest.raises(NotFound):
            assets.vendor_file(tmp_path, bad)
    with pytest.raises(NotFound):
        assets.app_file("../render.py")
    assert assets.app_file("gazetteer.js").is_file()
