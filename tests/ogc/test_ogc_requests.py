"""Filters sent the other ways, against a live server on both backends: a CQL2 JSON body
(``POST …/items``), geometry literals in ``filter-crs``, GDAL's OAPIF driver pushing its
``where`` down as a ``filter``, and the OGC API's own OpenAPI document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import numpy as np
import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from pyproj import Transformer
from shapely import transform
from shapely.geometry import Polygon, shape

from api.routes.ogc import OPENAPI_JSON
from gazetteer.ogc import features as ft
from gazetteer.storage import create_engine_from_settings
from tests.api.ogc.conftest import OgcSite
from tests.ogc.test_ogc_parts import _all, _ids, _p, _want

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
FILTER = {
    "op": "and",
    "args": [
        {"op": ">=", "args": [{"property": "beds"}, 50]},
        {
            "op": "s_intersects",
            "args": [{"property": "geometry"}, {"bbox": [122.0, 37.3, 122.2, 37.5]}],
        },
    ],
}


def _post(site: OgcSite, body: bytes | str, ctype: str, **params: Any) -> httpx.Response:
    url = f"{site.base}/ogc/collections/facilities/items"
    data = body.encode() if isinstance(body, str) else body
    return httpx.post(url, content=data, headers={"Content-Type": ctype}, params=params, timeout=30)


def test_post_a_cql2_json_body_selects_what_get_selects(ogc_site: OgcSite) -> None:
    by_get = _ids(ogc_site, "facilities", filter=json.dumps(FILTER), **{"filter-lang": "cql2-json"})
    assert by_get
    for ctype in ("application/query-cql-json", "application/cql2+json", "application/json"):
        r = _post(ogc_site, json.dumps(FILTER), ctype, limit=10_000)
        assert r.status_code == 200, r.text
        assert {f["id"] for f in r.json()["features"]} == by_get
    # the search-style body, with the other parameters in the query
    body = {"filter": FILTER, "filter-lang": "cql2-json"}
    r = _post(ogc_site, json.dumps(body), "application/json", limit=3, properties="name,beds")
    page = r.json()
    assert page["numberMatched"] == len(by_get) and len(page["features"]) == 3
    assert all(set(f["properties"]) == {"name", "beds"} for f in page["features"])
    # its links are GET URLs carrying the filter: walking them gives the same features
    seen = [f["id"] for f in page["features"]]
    nxt = [x["href"] for x in page["links"] if x["rel"] == "next"]
    while nxt:
        page = httpx.get(nxt[0], timeout=30).json()
        seen += [f["id"] for f in page["features"]]
        nxt = [x["href"] for x in page["links"] if x["rel"] == "next"]
    assert sorted(seen) == sorted(by_get)
    self_link = next(x["href"] for x in r.json()["links"] if x["rel"] == "self")
    assert json.loads(parse_qs(urlsplit(self_link).query)["filter"][0]) == FILTER


@pytest.mark.parametrize(
    ("body", "ctype", "params", "status", "words"),
    [
        ('{"op": "=", "args": [{"property": "name"}', "application/json", {}, 400, "line 1 column"),
        (
            '{\n "op": "=",\n "args": [{"property": "height"}, 3]}',
            "application/json",
            {},
            400,
            "height",
        ),
        ("name = 'x'", "text/plain", {}, 400, "Content-Type"),
        (json.dumps(FILTER), "application/json", {"filter": "beds > 1"}, 400, "twice"),
        (
            '{"filter": {"op": "=", "args": [{"property": "name"}, "x"]}, "limit": 3}',
            "application/json",
            {},
            400,
            "limit",
        ),
        (
            '{"op": "=", "args": [{"property": "name"}, "' + "x" * 70_000 + '"]}',
            "application/json",
            {},
            413,
            "65536",
        ),
        (
            b'{"op": "=", "args": [{"property": "name"}, "\xff"]}',
            "application/json",
            {},
            400,
            "UTF-8",
        ),
    ],
)
def test_bad_post_bodies(
    ogc_site: OgcSite,
    body: str | bytes,
    ctype: str,
    params: dict[str, str],
    status: int,
    words: str,
) -> None:
    r = _post(ogc_site, body, ctype, **params)
    assert r.status_code == status, r.text
    assert words.lower() in r.json()["message"].lower()


def _to(epsg: int) -> Transformer:
    return Transformer.from_crs("OGC:CRS84", f"EPSG:{epsg}", always_xy=False)


def test_filter_crs_in_each_crs_and_its_axis_order(ogc_site: OgcSite) -> None:
    ring = [(122.02, 37.31), (122.19, 37.33), (122.17, 37.49), (122.04, 37.46), (122.02, 37.31)]
    area = Polygon(ring)
    want = _want(ogc_site, "places", lambda f: shape(f["geometry"]).intersects(area))
    assert 0 < len(want) < len(_all(ogc_site.base, "places"))
    crs84 = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    assert _ids(ogc_site, "places", filter=f"S_INTERSECTS(geometry, {crs84})") == want
    for epsg in (4490, 4326):  # latitude first
        latlon = "POLYGON((" + ", ".join(f"{y} {x}" for x, y in ring) + "))"
        got = _ids(
            ogc_site,
            "places",
            filter=f"S_INTERSECTS(geometry, {latlon})",
            **{"filter-crs": f"{EPSG}{epsg}"},
        )
        assert got == want, epsg
    # EPSG:4550: northing, easting in metres; compared in the projected plane
    fwd = _to(4550)
    gk = [fwd.transform(x, y) for x, y in ring]
    plane = Polygon(gk)
    want_gk = _want(
        ogc_site,
        "places",
        lambda f: transform(
            shape(f["geometry"]), lambda a, b: np.array(fwd.transform(a, b)), interleaved=False
        ).intersects(plane),
    )
    text = "POLYGON((" + ", ".join(f"{n:.3f} {e:.3f}" for n, e in gk) + "))"
    got = _ids(
        ogc_site, "places", filter=f"S_INTERSECTS(geometry, {text})", **{"filter-crs": "EPSG:4550"}
    )
    assert got == want_gk
    # a distance around a point given as lat/lon in JSON, the box given as lat/lon
    point = {"type": "Point", "coordinates": [37.45, 122.15]}
    doc = {"op": "s_dwithin", "args": [{"property": "geometry"}, point, 8000]}
    params = {"filter-lang": "cql2-json", "filter-crs": f"{EPSG}4326"}
    lonlat = {
        "op": "s_dwithin",
        "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [122.15, 37.45]}, 8000],
    }
    assert _ids(ogc_site, "facilities", filter=json.dumps(doc), **params) == _ids(
        ogc_site, "facilities", filter=json.dumps(lonlat), **{"filter-lang": "cql2-json"}
    )
    flt = "S_INTERSECTS(geometry, BBOX(37.3,122.0,37.5,122.2))"
    assert _ids(ogc_site, "facilities", filter=flt, **{"filter-crs": "EPSG:4490"}) == _ids(
        ogc_site, "facilities", filter="S_INTERSECTS(geometry, BBOX(122.0,37.3,122.2,37.5))"
    )
    # lon/lat numbers read as lat/lon fall outside the world: a 400 that says so
    r = httpx.get(
        f"{ogc_site.base}/ogc/collections/places/items",
        params={"filter": "S_INTERSECTS(geometry, POINT(122.1 37.5))", "filter-crs": "EPSG:4326"},
        timeout=30,
    )
    assert r.status_code == 400 and "filter-crs" in r.json()["message"]


GDAL_SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    import pyogrio
    warnings.simplefilter("ignore")
    url, layer, where = sys.argv[1:4]
    df = pyogrio.read_dataframe(url, layer=layer, where=where, fid_as_index=True)
    print(json.dumps(sorted(int(i) for i in df.index)))
    """
)


def _gdal(site: OgcSite, layer: str, where: str) -> tuple[set[int], list[str]]:
    """GDAL reads in a process of its own with curl's verbose log on: the ids it returned
    and the request lines it sent."""
    env = {**os.environ, "CPL_CURL_VERBOSE": "YES"}
    out = subprocess.run(
        [sys.executable, "-c", GDAL_SCRIPT, f"OAPIF:{site.base}/ogc", layer, where],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    sent = [unquote(line[6:]) for line in out.stderr.splitlines() if line.startswith("> GET ")]
    return set(json.loads(out.stdout.splitlines()[-1])), sent


def test_gdal_pushes_where_down_as_a_filter(ogc_site: OgcSite) -> None:
    where = "beds >= 100 AND admin_code = '371002001000'"
    ids, sent = _gdal(ogc_site, "facilities", where)
    assert ids == _want(
        ogc_site,
        "facilities",
        lambda f: (_p(f, "beds") or 0) >= 100 and _p(f, "admin_code") == "371002001000",
    )
    items = [s for s in sent if "/items?" in s and "filter=" in s]
    assert items, sent
    assert "(beds >= 100) AND (admin_code = '371002001000')" in items[0]
    assert "/ogc/api " in " ".join(sent)  # it read the OGC API's own OpenAPI document
    ids, sent = _gdal(ogc_site, "places", "name LIKE '测试地名2%' OR established_year < 1915")
    assert ids == _want(
        ogc_site,
        "places",
        lambda f: (
            _p(f, "name").startswith("测试地名2") or (_p(f, "established_year") or 9999) < 1915
        ),
    )
    assert any("filter=(name LIKE '测试地名2%') OR (established_year < 1915)" in s for s in sent)


def test_ogc_openapi_document_is_relative_to_the_landing_page(ogc_site: OgcSite) -> None:
    landing = httpx.get(f"{ogc_site.base}/ogc", timeout=30).json()
    desc = next(x for x in landing["links"] if x["rel"] == "service-desc")
    r = httpx.get(desc["href"], timeout=30)
    assert r.headers["content-type"] == desc["type"] == OPENAPI_JSON
    doc = r.json()
    assert doc["openapi"].startswith("3.0") and doc["servers"] == [{"url": f"{ogc_site.base}/ogc"}]
    assert [e.message for e in OpenAPIV30SpecValidator(doc).iter_errors()] == []
    items = doc["paths"]["/collections/places/items"]
    names = {p["name"] for p in items["get"]["parameters"]}
    assert {"filter", "filter-lang", "filter-crs", "beds"} - {"beds"} <= names
    assert {"established_year", "romanized", "census_status"} <= names  # every queryable
    lang = next(p for p in items["get"]["parameters"] if p["name"] == "filter-lang")
    assert {"cql2-text", "cql2-json", "cql-text"} == set(lang["schema"]["enum"])
    crs = next(p for p in items["get"]["parameters"] if p["name"] == "filter-crs")
    assert len(crs["schema"]["enum"]) == 4
    assert "application/query-cql-json" in items["post"]["requestBody"]["content"]
    assert "filter" not in {p["name"] for p in items["post"]["parameters"]}
    assert not any(p.startswith("/ogc") or p.startswith("/api/") for p in doc["paths"])
    # a property as an equality parameter (queryables as query parameters)
    want = _want(ogc_site, "places", lambda f: _p(f, "established_year") == 1930)
    assert _ids(ogc_site, "places", established_year="1930") == want and want


def test_number_matched_only_when_cheap(ogc_site: OgcSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: no count when the planner expects more than COUNT_EXACT_UP_TO matches;
    both: none beyond COUNT_CAP rows; otherwise the exact count."""
    c = ft.get_collection("places")
    q = ft.parse_items_query(c, [("filter", "established_year > 1920")])
    want = len(_want(ogc_site, "places", lambda f: (_p(f, "established_year") or 0) > 1920))
    engine = create_engine_from_settings(ogc_site.settings)
    try:
        with engine.connect() as conn:
            assert ft.count_items(conn, c, q) == want
            monkeypatch.setattr(ft, "COUNT_EXACT_UP_TO", 0)
            expect_none = ogc_site.backend == "postgis"
            assert (ft.count_items(conn, c, q) is None) == expect_none
            monkeypatch.setattr(ft, "COUNT_EXACT_UP_TO", 10_000)
            monkeypatch.setattr(ft, "COUNT_CAP", want - 1)
            assert ft.count_items(conn, c, q) is None
            page = ft.read_items(conn, c, q)
            assert page.number_matched is None and page.number_returned == min(want, 10)
    finally:
        engine.dispose()
