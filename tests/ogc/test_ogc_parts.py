"""OGC API Parts 1–3 and Tiles against a live server on both backends: datetime, CQL2
(text and JSON, examples after the CQL2 standard's annex), properties, sortby, CRS, HTML,
queryables, vector tiles; OWSLib and GDAL as real clients.

The ground truth is the unfiltered listing (checked against the repository readers by
``tests/api/ogc/test_ogc_api.py``); every filtered answer is compared with the same
predicate evaluated in Python.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
import mapbox_vector_tile
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from pyproj import Geod, Transformer
from shapely.geometry import Point, box, shape

from gazetteer.cartography.label_style import tile_lonlat_bounds
from tests.api.ogc.conftest import OgcSite

Feature = dict[str, Any]
BBOX = (122.05, 37.35, 122.2, 37.52)
POLY = "POLYGON((122.0 37.3, 122.2 37.3, 122.2 37.5, 122.0 37.5, 122.0 37.3))"
CENTRE = (122.15, 37.45)
GEOD = Geod(ellps="GRS80")
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _get(url: str, **params: Any) -> httpx.Response:
    return httpx.get(url, params=params or None, timeout=30)


def _items(site: OgcSite, collection: str, **params: Any) -> dict[str, Any]:
    r = _get(f"{site.base}/ogc/collections/{collection}/items", **params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@cache
def _all(base: str, collection: str) -> dict[Any, Feature]:
    r = _get(f"{base}/ogc/collections/{collection}/items", limit=10_000)
    return {f["id"]: f for f in r.json()["features"]}


def _ids(site: OgcSite, collection: str, **params: Any) -> set[Any]:
    body = _items(site, collection, limit=10_000, **params)
    assert body["numberMatched"] == body["numberReturned"]
    return {f["id"] for f in body["features"]}


def _want(site: OgcSite, collection: str, pred: Callable[[Feature], bool]) -> set[Any]:
    return {k for k, f in _all(site.base, collection).items() if pred(f)}


def _p(f: Feature, name: str) -> Any:
    return f["properties"][name]


def _geom(f: Feature) -> Any:
    return shape(f["geometry"]) if f["geometry"] else None


# --- datetime -------------------------------------------------------------------------------


def _valid(f: Feature, lo: int | None, hi: int | None, start: str, end: str | None) -> bool:
    s = _p(f, start)
    e = _p(f, end) if end else None
    return (hi is None or s is None or s <= hi) and (lo is None or e is None or e >= lo)


DATETIMES = [
    ("1950-01-01T00:00:00Z", 1950, 1950),
    ("1950-06-01", 1950, 1950),
    ("1930-01-01T00:00:00Z/1940-12-31T23:59:59Z", 1930, 1940),
    ("../1920-01-01T00:00:00Z", None, 1920),
    ("2040-01-01T00:00:00Z/..", 2040, None),
    ("2003-02-01T08:00:00+08:00/", 2003, None),
    ("2012-01-01/2015-12-31", 2012, 2015),
]


@pytest.mark.parametrize(("value", "lo", "hi"), DATETIMES)
def test_datetime_against_years_of_validity(
    ogc_site: OgcSite, value: str, lo: int | None, hi: int | None
) -> None:
    got = _ids(ogc_site, "places", datetime=value)
    assert got == _want(
        ogc_site, "places", lambda f: _valid(f, lo, hi, "established_year", "abolished_year")
    )
    got = _ids(ogc_site, "facilities", datetime=value)
    assert got == _want(ogc_site, "facilities", lambda f: _valid(f, lo, hi, "opened_year", None))
    # collections without time ignore datetime
    assert len(_ids(ogc_site, "demand-points", datetime=value)) == len(
        _all(ogc_site.base, "demand-points")
    )


@pytest.mark.parametrize(
    "value", ["2010-13-01", "2010-01-01T00:00:00", "../..", "2010-01-01/2000-01-01", "yesterday"]
)
def test_bad_datetime_is_400(ogc_site: OgcSite, value: str) -> None:
    r = _get(f"{ogc_site.base}/ogc/collections/places/items", datetime=value)
    assert r.status_code == 400 and "datetime" in r.json()["message"]


# --- CQL2 -----------------------------------------------------------------------------------


def _metres(f: Feature, lon: float, lat: float) -> float:
    x, y = f["geometry"]["coordinates"]
    return float(GEOD.inv(lon, lat, x, y)[2])


def _bbox_json(prop: str = "geometry") -> dict[str, Any]:
    return {"op": "s_intersects", "args": [{"property": prop}, {"bbox": list(BBOX)}]}


# (collection, CQL2 text, CQL2 JSON, the same predicate in Python). Shaped after the
# examples of the CQL2 standard's Annex (comparison, LIKE, BETWEEN, IN, IS NULL, NOT,
# CASEI, S_INTERSECTS with a BBOX and a polygon, S_WITHIN, T_INTERSECTS, T_AFTER), on our
# properties.
CQL2: list[tuple[str, str, dict[str, Any], Callable[[Feature], bool]]] = [
    (
        "places",
        "category_code = '23510'",
        {"op": "=", "args": [{"property": "category_code"}, "23510"]},
        lambda f: _p(f, "category_code") == "23510",
    ),
    (
        "places",
        "established_year BETWEEN 1920 AND 1940",
        {"op": "between", "args": [{"property": "established_year"}, [1920, 1940]]},
        lambda f: (
            _p(f, "established_year") is not None and 1920 <= _p(f, "established_year") <= 1940
        ),
    ),
    (
        "places",
        "category_code IN ('22200','11100')",
        {"op": "in", "args": [{"property": "category_code"}, ["22200", "11100"]]},
        lambda f: _p(f, "category_code") in ("22200", "11100"),
    ),
    (
        "places",
        "name LIKE '测试地名1%'",
        {"op": "like", "args": [{"property": "name"}, "测试地名1%"]},
        lambda f: _p(f, "name").startswith("测试地名1"),
    ),
    (
        "places",
        "NOT (name = '同名路') AND established_year > 1930",
        {
            "op": "and",
            "args": [
                {"op": "not", "args": [{"op": "=", "args": [{"property": "name"}, "同名路"]}]},
                {"op": ">", "args": [{"property": "established_year"}, 1930]},
            ],
        },
        lambda f: _p(f, "name") != "同名路" and (_p(f, "established_year") or 0) > 1930,
    ),
    (
        "places",
        "established_year IS NULL OR status = 'historical'",
        {
            "op": "or",
            "args": [
                {"op": "isNull", "args": [{"property": "established_year"}]},
                {"op": "=", "args": [{"property": "status"}, "historical"]},
            ],
        },
        lambda f: _p(f, "established_year") is None or _p(f, "status") == "historical",
    ),
    (
        "places",
        "CASEI(romanized) LIKE CASEI('CÈSHÌ 2%')",
        {"op": "like", "args": [{"op": "casei", "args": [{"property": "romanized"}]}, "cèshì 2%"]},
        lambda f: _p(f, "romanized").lower().startswith("cèshì 2"),
    ),
    (
        "places",
        f"S_INTERSECTS(geometry, BBOX({','.join(map(str, BBOX))}))",
        _bbox_json(),
        lambda f: _geom(f).intersects(box(*BBOX)),
    ),
    (
        "places",
        f"S_WITHIN(geometry, {POLY})",
        {
            "op": "s_within",
            "args": [
                {"property": "geometry"},
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[122.0, 37.3], [122.2, 37.3], [122.2, 37.5], [122.0, 37.5], [122.0, 37.3]]
                    ],
                },
            ],
        },
        lambda f: _geom(f).within(box(122.0, 37.3, 122.2, 37.5)),
    ),
    (
        "places",
        "S_INTERSECTS(geometry, BBOX(122.05,37.35,122.2,37.52)) AND category_code = '23510'",
        {
            "op": "and",
            "args": [_bbox_json(), {"op": "=", "args": [{"property": "category_code"}, "23510"]}],
        },
        lambda f: _geom(f).intersects(box(*BBOX)) and _p(f, "category_code") == "23510",
    ),
    (
        "places",
        "T_INTERSECTS(established, INTERVAL('1920-01-01','1930-12-31'))",
        {
            "op": "t_intersects",
            "args": [{"property": "established"}, {"interval": ["1920-01-01", "1930-12-31"]}],
        },
        lambda f: 1920 <= (_p(f, "established_year") or 0) <= 1930,
    ),
    (
        "places",
        "T_AFTER(established, TIMESTAMP('1940-01-01T00:00:00Z'))",
        {
            "op": "t_after",
            "args": [{"property": "established"}, {"timestamp": "1940-01-01T00:00:00Z"}],
        },
        lambda f: (_p(f, "established_year") or 0) > 1940,
    ),
    (
        "places",
        "established >= DATE('1940-01-01') AND established < DATE('1950-06-01')",
        {
            "op": "and",
            "args": [
                {"op": ">=", "args": [{"property": "established"}, {"date": "1940-01-01"}]},
                {"op": "<", "args": [{"property": "established"}, {"date": "1950-06-01"}]},
            ],
        },
        lambda f: 1940 <= (_p(f, "established_year") or 0) <= 1950,
    ),
    (
        "facilities",
        f"S_DWITHIN(geometry, POINT({CENTRE[0]} {CENTRE[1]}), 8000, meters)",
        {
            "op": "s_dwithin",
            "args": [
                {"property": "geometry"},
                {"type": "Point", "coordinates": list(CENTRE)},
                8000,
            ],
        },
        lambda f: _metres(f, *CENTRE) <= 8000,
    ),
    (
        "facilities",
        "beds >= 100 AND S_INTERSECTS(geometry, BBOX(122.0,37.3,122.2,37.5))",
        {
            "op": "and",
            "args": [
                {"op": ">=", "args": [{"property": "beds"}, 100]},
                {
                    "op": "s_intersects",
                    "args": [{"property": "geometry"}, {"bbox": [122.0, 37.3, 122.2, 37.5]}],
                },
            ],
        },
        lambda f: (
            (_p(f, "beds") or 0) >= 100 and _geom(f).intersects(box(122.0, 37.3, 122.2, 37.5))
        ),
    ),
    (
        "admin-areas",
        "level = 5 AND parent_code <> '371002001000'",
        {
            "op": "and",
            "args": [
                {"op": "=", "args": [{"property": "level"}, 5]},
                {"op": "<>", "args": [{"property": "parent_code"}, "371002001000"]},
            ],
        },
        lambda f: _p(f, "level") == 5 and _p(f, "parent_code") != "371002001000",
    ),
]


@pytest.mark.parametrize(("collection", "text", "doc", "pred"), CQL2, ids=[c[1][:40] for c in CQL2])
def test_cql2_text_and_json_select_what_python_selects(
    ogc_site: OgcSite,
    collection: str,
    text: str,
    doc: dict[str, Any],
    pred: Callable[[Feature], bool],
) -> None:
    want = _want(ogc_site, collection, pred)
    assert _ids(ogc_site, collection, filter=text) == want
    by_json = _ids(ogc_site, collection, filter=json.dumps(doc), **{"filter-lang": "cql2-json"})
    assert by_json == want
    assert 0 < len(want) < len(_all(ogc_site.base, collection)), "a test that selects something"


def test_filter_paging_keeps_the_filter(ogc_site: OgcSite) -> None:
    text = "S_INTERSECTS(geometry, BBOX(122.0,37.3,122.3,37.6)) AND established_year IS NOT NULL"
    want = _want(ogc_site, "places", lambda f: _p(f, "established_year") is not None)
    seen: list[Any] = []
    page = _items(ogc_site, "places", filter=text, limit=7)
    while True:
        seen += [f["id"] for f in page["features"]]
        nxt = [x["href"] for x in page["links"] if x["rel"] == "next"]
        if not nxt:
            break
        page = _get(nxt[0]).json()
    assert sorted(seen) == sorted(want)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"filter": "name = = 'x'"}, "column 8"),
        ({"filter": "name LIKE 'x' AND"}, "column"),
        ({"filter": "height > 3"}, "height"),
        ({"filter": "name = 3"}, "string"),
        ({"filter": "established_year = 'x'"}, "number"),
        ({"filter": "S_INTERSECTS(geometry, POINT(500 2))"}, "longitude"),
        ({"filter": "S_DWITHIN(geometry, POINT(122 37), 10, kilometers)"}, "metres"),
        ({"filter": "T_AFTER(name, DATE('2000-01-01'))"}, "time queryable"),
        ({"filter": '{"op": "=", "args": [', "filter-lang": "cql2-json"}, "line 1"),
        ({"filter": "name = 'x'", "filter-lang": "cql"}, "filter-lang"),
        ({"filter-lang": "cql2-text"}, "without filter"),
        ({"filter": "name = 'x'", "filter-crs": EPSG + "3857"}, "filter-crs"),
        ({"sortby": "height"}, "height"),
        ({"properties": "name,height"}, "height"),
        ({"crs": EPSG + "3857"}, "crs"),
        ({"bbox": "1,2,3,4", "bbox-crs": "EPSG:9999"}, "bbox-crs"),
    ],
)
def test_bad_filters_are_400_saying_where(
    ogc_site: OgcSite, params: dict[str, str], words: str
) -> None:
    r = _get(f"{ogc_site.base}/ogc/collections/places/items", **params)
    assert r.status_code == 400, r.text
    assert words.lower() in r.json()["message"].lower()


# --- properties and sortby ------------------------------------------------------------------


def test_properties_and_sortby(ogc_site: OgcSite) -> None:
    body = _items(ogc_site, "places", properties="name,established_year", limit=3)
    assert all(set(f["properties"]) == {"name", "established_year"} for f in body["features"])
    flt = "established_year IS NOT NULL"
    got: list[Feature] = []
    page = _items(ogc_site, "places", sortby="-established_year,name", filter=flt, limit=9)
    while True:
        got += page["features"]
        nxt = [x["href"] for x in page["links"] if x["rel"] == "next"]
        if not nxt:
            break
        assert "sortby" in nxt[0]
        page = _get(nxt[0]).json()
    rows = [f for f in _all(ogc_site.base, "places").values() if _p(f, "established_year")]
    rows.sort(key=lambda f: (-_p(f, "established_year"), _p(f, "name"), f["id"]))
    assert [f["id"] for f in got] == [f["id"] for f in rows]


# --- CRS ------------------------------------------------------------------------------------


def test_crs_axis_order_and_round_trip(ogc_site: OgcSite) -> None:
    base = _all(ogc_site.base, "facilities")
    r = _get(f"{ogc_site.base}/ogc/collections/facilities/items", limit=100, crs=EPSG + "4326")
    assert r.headers["content-crs"] == f"<{EPSG}4326>"
    for f in r.json()["features"]:
        lat, lon = f["geometry"]["coordinates"]
        assert [lon, lat] == pytest.approx(base[f["id"]]["geometry"]["coordinates"], abs=1e-9)
    r = _get(f"{ogc_site.base}/ogc/collections/facilities/items", limit=100, crs=EPSG + "4550")
    assert r.headers["content-crs"] == f"<{EPSG}4550>"
    back = Transformer.from_crs("EPSG:4550", "OGC:CRS84", always_xy=False)
    for f in r.json()["features"]:
        north, east = f["geometry"]["coordinates"]
        assert 4.0e6 < north < 4.3e6 and 3.5e5 < east < 6.5e5  # N first, E about 500 km
        lon, lat = back.transform(north, east)
        assert [lon, lat] == pytest.approx(base[f["id"]]["geometry"]["coordinates"], abs=1e-7)
    r = _get(f"{ogc_site.base}/ogc/collections/facilities/items")
    assert r.headers["content-crs"] == f"<{CRS84}>"
    one = next(iter(base))
    r = _get(f"{ogc_site.base}/ogc/collections/facilities/items/{one}", crs=EPSG + "4490")
    assert r.json()["geometry"]["coordinates"] == pytest.approx(
        base[one]["geometry"]["coordinates"][::-1], abs=1e-9
    )
    # bbox in EPSG:4326 is lat/lon; the same box in CRS84 selects the same features
    x1, y1, x2, y2 = BBOX
    by_latlon = _ids(
        ogc_site, "facilities", bbox=f"{y1},{x1},{y2},{x2}", **{"bbox-crs": EPSG + "4326"}
    )
    assert by_latlon == _ids(ogc_site, "facilities", bbox=",".join(map(str, BBOX)))
    fwd = Transformer.from_crs("OGC:CRS84", "EPSG:4550", always_xy=False)
    (n1, e1), (n2, e2) = fwd.transform(x1, y1), fwd.transform(x2, y2)
    by_gk = _ids(
        ogc_site,
        "facilities",
        bbox=f"{min(n1, n2)},{min(e1, e2)},{max(n1, n2)},{max(e1, e2)}",
        **{"bbox-crs": EPSG + "4550"},
    )
    assert by_latlon <= by_gk  # the projected box, back in lon/lat, holds the original


# --- documents ------------------------------------------------------------------------------


def test_queryables_conformance_and_geometry_types(ogc_site: OgcSite) -> None:
    conf = _get(f"{ogc_site.base}/ogc/conformance").json()["conformsTo"]
    for part in ("features-3/1.0/conf/filter", "cql2/1.0/conf/cql2-text", "tiles-1/1.0/conf/mvt"):
        assert any(part in c for c in conf), part
    formats = {
        "places": "geometry-any",
        "place-points": "geometry-point",
        "roads": "geometry-linestring",
        "facilities": "geometry-point",
        "admin-areas": "geometry-multipolygon",
        "demand-points": "geometry-point",
    }
    for cid, fmt in formats.items():
        r = _get(f"{ogc_site.base}/ogc/collections/{cid}/queryables")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/schema+json")
        q = r.json()
        assert q["properties"]["geometry"]["format"] == fmt
        assert "name" in q["properties"]
        c = _get(f"{ogc_site.base}/ogc/collections/{cid}").json()
        assert c["storageCrs"] == EPSG + "4490" and len(c["crs"]) == 4
        assert any(x["rel"].endswith("/queryables") for x in c["links"])
    api = _get(f"{ogc_site.base}/openapi.json").json()
    for cid in formats:
        op = api["paths"][f"/ogc/collections/{cid}/items"]["get"]
        names = {p["name"] for p in op["parameters"]}
        assert {"datetime", "filter", "filter-lang", "crs", "bbox-crs", "sortby"} <= names
        assert "/ogc/collections/{collectionId}/queryables" in api["paths"]
    points = _all(ogc_site.base, "place-points")
    assert {f["geometry"]["type"] for f in points.values()} == {"Point"}
    assert sorted(points) == sorted(_all(ogc_site.base, "places"))


def test_html_for_f_html_and_browsers(ogc_site: OgcSite) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/places",
        "/ogc/collections/places/items?limit=5",
        "/ogc/collections/facilities/items/1",
    ):
        r = httpx.get(ogc_site.base + path, headers=browser, timeout=30)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert '<html lang="zh-CN">' in r.text and "<script>" not in r.text
        j = httpx.get(ogc_site.base + path, timeout=30)
        assert not j.headers["content-type"].startswith("text/html"), path
    r = _get(f"{ogc_site.base}/ogc/collections/places/items", f="html", limit=5)
    assert r.text.count('<tr><td><a href="') == 5 and "ogc-map.js" in r.text


# --- tiles ----------------------------------------------------------------------------------


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_vector_tiles_hold_the_right_features(ogc_site: OgcSite) -> None:
    tms = _get(f"{ogc_site.base}/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) == 21
    sets = _get(f"{ogc_site.base}/ogc/collections/facilities/tiles").json()["tilesets"]
    assert sets[0]["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    z = 11
    facilities = _all(ogc_site.base, "facilities")
    x, y = _tile_of(122.15, 37.45, z)
    url = f"{ogc_site.base}/ogc/collections/facilities/tiles/WebMercatorQuad/{z}/{y}/{x}"
    r = _get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    tile = mapbox_vector_tile.decode(r.content)
    got = {f["id"] for f in tile["facilities"]["features"]}
    b = tile_lonlat_bounds(z, x, y)  # the map labels' tile arithmetic, not the OGC layer's
    inside = {
        k for k, f in facilities.items() if box(*b).contains(Point(f["geometry"]["coordinates"]))
    }
    pad = (b[2] - b[0]) * 64 / 4096
    grown = box(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
    near = {
        k for k, f in facilities.items() if grown.intersects(Point(f["geometry"]["coordinates"]))
    }
    assert inside and inside <= got <= near
    assert _get(url).content == r.content  # from the cache, same bytes
    assert (
        _get(f"{ogc_site.base}/ogc/collections/facilities/tiles/WebMercatorQuad/5/0/0").status_code
        == 204
    )
    ax, ay = _tile_of(122.1, 37.5, 8)
    areas = _get(f"{ogc_site.base}/ogc/collections/admin-areas/tiles/WebMercatorQuad/8/{ay}/{ax}")
    layer = mapbox_vector_tile.decode(areas.content)["admin-areas"]
    assert {f["properties"]["id"] for f in layer["features"]} >= {"371002000000"}
    assert (
        _get(f"{ogc_site.base}/ogc/collections/facilities/tiles/WebMercatorQuad/3/9/0").status_code
        == 400
    )
    assert _get(f"{ogc_site.base}/ogc/collections/facilities/tiles/Other/3/0/0").status_code == 404


# --- real clients ---------------------------------------------------------------------------


def test_owslib_reads_collections_items_filters_and_queryables(ogc_site: OgcSite) -> None:
    api = Features(f"{ogc_site.base}/ogc")
    ids = [c["id"] for c in api.collections()["collections"]]
    assert "places" in ids and "place-points" in ids
    assert "name" in api.collection_queryables("places")["properties"]
    items = api.collection_items("facilities", bbox=list(BBOX), limit=1000)
    want = _want(ogc_site, "facilities", lambda f: box(*BBOX).intersects(_geom(f)))
    assert {f["id"] for f in items["features"]} == want
    flt = "type = 'elderly_meal_point' OR beds > 100"
    items = api.collection_items("facilities", filter=flt, limit=1000)
    assert {f["id"] for f in items["features"]} == _want(
        ogc_site,
        "facilities",
        lambda f: _p(f, "type") == "elderly_meal_point" or (_p(f, "beds") or 0) > 100,
    )


def _read_gdal(site: OgcSite, layer: str, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDAL was built against curl")
        return pyogrio.read_dataframe(
            f"OAPIF:{site.base}/ogc", layer=layer, fid_as_index=True, **options
        )


def test_gdal_where_and_spatial_filters(ogc_site: OgcSite) -> None:
    df = _read_gdal(
        ogc_site, "facilities", where="beds >= 100 AND admin_code = '371002001000'", bbox=BBOX
    )
    want = _want(
        ogc_site,
        "facilities",
        lambda f: (
            (_p(f, "beds") or 0) >= 100
            and _p(f, "admin_code") == "371002001000"
            and box(*BBOX).intersects(_geom(f))
        ),
    )
    assert {int(i) for i in df.index} == want
    df = _read_gdal(ogc_site, "places", where="name LIKE '测试地名2%' OR established_year < 1915")
    assert {int(i) for i in df.index} == _want(
        ogc_site,
        "places",
        lambda f: (
            _p(f, "name").startswith("测试地名2") or (_p(f, "established_year") or 9999) < 1915
        ),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDAL was built against curl")
        info = pyogrio.read_info(f"OAPIF:{ogc_site.base}/ogc", layer="place-points")
    assert info["geometry_type"] == "Point"
