"""OGC API – Features against a real server on both backends, with GDAL as a client.

Expected values come from the repository readers (not from ``gazetteer.ogc.features``), so a
wrong column, a lost row or a shifted coordinate in the OGC layer shows up here.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from tests.api.ogc.conftest import OgcSite

COLLECTIONS = ["places", "roads", "facilities", "admin-areas", "demand-points"]
BBOX = (122.05, 37.35, 122.2, 37.52)


@dataclass
class Row:
    props: dict[str, Any]
    geometry: BaseGeometry | None


def _attrs(obj: Any, names: str) -> dict[str, Any]:
    """The attributes of ``obj`` named in ``names`` (separated by spaces): the properties
    the OGC layer passes on unchanged."""
    return {n: getattr(obj, n) for n in names.split()}


def expected_rows(site: OgcSite) -> dict[str, dict[Any, Row]]:
    """Every collection's rows straight from the repository readers."""
    engine = create_engine_from_settings(site.settings)
    try:
        with engine.connect() as conn:
            places = {p.id: p for p in repo.iter_places(conn)}
            road_ids = conn.execute(select(t.roads.c.place_id)).scalars().all()
            roads = {pid: repo.get_road(conn, pid) for pid in road_ids}
            facilities = list(repo.iter_facilities(conn))
            areas = list(repo.iter_admin_areas(conn))
            demand = list(repo.iter_demand_points(conn))
    finally:
        engine.dispose()
    out: dict[str, dict[Any, Row]] = {c: {} for c in COLLECTIONS}
    for pid, p in places.items():
        plain = _attrs(p, "name code category_code admin_code meaning other_names")
        years = _attrs(p, "established_year abolished_year")
        status = {"status": str(p.status), "census_status": str(p.census_status)}
        out["places"][pid] = Row(plain | years | status, p.geometry)
    for pid, r in roads.items():
        assert r is not None
        place = places[pid]
        road = _attrs(r, "grade length_m width_m start_desc end_desc")
        out["roads"][pid] = Row(_attrs(place, "name admin_code") | road, place.geometry)
    for f in facilities:
        plain = _attrs(f, "name code admin_code place_id beds capacity floor_area_m2 opened_year")
        out["facilities"][f.id] = Row(plain | {"type": str(f.type)}, f.point)
    for a in areas:
        plain = _attrs(a, "code name kind parent_code")
        out["admin-areas"][a.code] = Row(plain | {"level": int(a.level)}, a.geometry)
    for d in demand:
        plain = _attrs(d, "code name admin_code population elderly dependents")
        out["demand-points"][d.id] = Row(plain, d.point)
    return out


@pytest.fixture(scope="module")
def expected(ogc_site: OgcSite) -> dict[str, dict[Any, Row]]:
    return expected_rows(ogc_site)


def _norm(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _same(got: Any, want: Any, name: str) -> None:
    got = _norm(got)
    if name == "other_names" and isinstance(got, str):
        got = json.loads(got)
    if isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        assert got is not None and math.isclose(float(got), float(want), rel_tol=1e-12), name
    else:
        assert got == want, name


def _get(url: str, **params: Any) -> httpx.Response:
    return httpx.get(url, params=params or None, timeout=30)


def _items(site: OgcSite, collection: str, **params: Any) -> dict[str, Any]:
    r = _get(f"{site.base}/ogc/collections/{collection}/items", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body: dict[str, Any] = r.json()
    return body


def _walk(site: OgcSite, collection: str, **params: Any) -> list[dict[str, Any]]:
    """All pages of a query, following ``next`` links."""
    pages = [_items(site, collection, **params)]
    while True:
        nxt = [x["href"] for x in pages[-1]["links"] if x["rel"] == "next"]
        if not nxt:
            return pages
        assert len(nxt) == 1
        r = _get(nxt[0])
        assert r.status_code == 200, r.text
        pages.append(r.json())
        assert len(pages) < 1000


def _ids(pages: list[dict[str, Any]]) -> list[Any]:
    return [f["id"] for p in pages for f in p["features"]]


def _read_gdal(site: OgcSite, layer: str, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDAL was built against curl")
        return pyogrio.read_dataframe(
            f"OAPIF:{site.base}/ogc", layer=layer, fid_as_index=True, **options
        )


# --- GDAL as the client --------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("page_size", [None, 7])
def test_gdal_reads_every_collection_completely(
    ogc_site: OgcSite,
    expected: dict[str, dict[Any, Row]],
    collection: str,
    page_size: int | None,
) -> None:
    # A small initial page sees only rows with NULLs: field types must come from the schema.
    options = {} if page_size is None else {"PAGE_SIZE": page_size, "INITIAL_REQUEST_PAGE_SIZE": 5}
    df = _read_gdal(ogc_site, collection, **options)
    want = expected[collection]
    assert len(df) == len(want)
    keys = list(df["id"]) if collection == "admin-areas" else [int(i) for i in df.index]
    assert sorted(keys) == sorted(want)
    assert len(set(keys)) == len(keys)
    records = df.to_dict("records")
    for key, rec in zip(keys, records, strict=True):
        row = want[key]
        for name, value in row.props.items():
            _same(rec[name], value, name)
        geom = rec["geometry"]
        if row.geometry is None:
            assert geom is None
        else:
            assert geom is not None and geom.equals_exact(row.geometry, 1e-8), key
    if collection == "facilities":
        assert str(df["beds"].dtype).startswith(("float", "int", "Int"))
        assert str(df["floor_area_m2"].dtype).startswith("float")


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_gdal_bbox_filter(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]], collection: str
) -> None:
    df = _read_gdal(ogc_site, collection, bbox=BBOX, PAGE_SIZE=6)
    keys = list(df["id"]) if collection == "admin-areas" else [int(i) for i in df.index]
    area = box(*BBOX)
    want = {
        k
        for k, row in expected[collection].items()
        if row.geometry is not None and row.geometry.intersects(area)
    }
    assert want, "the test bbox should select something"
    assert sorted(keys, key=str) == sorted(want, key=str)


# --- documents -----------------------------------------------------------------------------


def test_landing_page_conformance_and_openapi(ogc_site: OgcSite) -> None:
    base = ogc_site.base
    landing = _get(f"{base}/ogc").json()
    rels = {x["rel"]: x for x in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"] == f"{base}/ogc/api"
    assert rels["data"]["href"] == f"{base}/ogc/collections"
    conf = _get(rels["conformance"]["href"]).json()["conformsTo"]
    for cls in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in conf
    api = _get(rels["service-desc"]["href"]).json()
    assert api["openapi"].startswith("3.")
    params = {p["name"]: p for p in api["paths"]["/collections/places/items"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 10_000
    assert {"bbox", "offset", "cursor", "name", "category_code", "admin_code"} <= set(params)
    assert "grade" in {
        p["name"] for p in api["paths"]["/collections/roads/items"]["get"]["parameters"]
    }
    assert _get(f"{base}/ogc", f="json").status_code == 200


def test_collections_describe_extent_from_the_data(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]]
) -> None:
    doc = _get(f"{ogc_site.base}/ogc/collections").json()
    ids = [c["id"] for c in doc["collections"]]
    assert ids == ["places", "place-points", *COLLECTIONS[1:]]
    for c in doc["collections"]:
        one = _get(f"{ogc_site.base}/ogc/collections/{c['id']}").json()
        assert one == c
        if c["id"] == "place-points":
            continue  # the places at their representative points: tested in tests/ogc
        assert c["itemType"] == "feature"
        assert c["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert c["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
        geoms = [r.geometry for r in expected[c["id"]].values() if r.geometry is not None]
        xs1, ys1, xs2, ys2 = zip(*(g.bounds for g in geoms), strict=True)
        want = [min(xs1), min(ys1), max(xs2), max(ys2)]
        got = c["extent"]["spatial"]["bbox"][0]
        assert got == pytest.approx(want, abs=1e-9)
        rels = {x["rel"]: x for x in c["links"]}
        assert rels["items"]["type"] == "application/geo+json"
        schema = _get(rels["describedby"]["href"])
        assert schema.headers["content-type"].startswith("application/schema+json")
        assert "name" in schema.json()["properties"]["properties"]["properties"]
    places = doc["collections"][0]
    years = [r.props["established_year"] for r in expected["places"].values()]
    start = min(y for y in years if y is not None)
    assert places["extent"]["temporal"]["interval"] == [[f"{start}-01-01T00:00:00Z", None]]


# --- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_next_links_walk_everything_once_and_prev_links_walk_back(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]], collection: str
) -> None:
    pages = _walk(ogc_site, collection, limit=4)
    ids = _ids(pages)
    assert ids == sorted(expected[collection])  # key order, no duplicates, no gaps
    assert all(p["numberReturned"] == len(p["features"]) for p in pages)
    assert all(p["numberReturned"] == 4 for p in pages[:-1])
    assert pages[0]["numberMatched"] == len(expected[collection])
    assert all("numberMatched" not in p for p in pages[1:])
    assert not [x for x in pages[0]["links"] if x["rel"] == "prev"]
    # walk back from the last page
    back = [pages[-1]]
    while prev := [x["href"] for x in back[-1]["links"] if x["rel"] == "prev"]:
        back.append(_get(prev[0]).json())
        assert len(back) <= len(pages)
    assert [_ids([p]) for p in reversed(back)] == [_ids([p]) for p in pages]


def test_offset_paging(ogc_site: OgcSite, expected: dict[str, dict[Any, Row]]) -> None:
    ids = sorted(expected["places"])
    page = _items(ogc_site, "places", limit=5, offset=5)
    assert _ids([page]) == ids[5:10]
    links = {x["rel"]: x["href"] for x in page["links"]}
    assert _ids([_get(links["prev"]).json()]) == ids[0:5]
    assert _ids([_get(links["next"]).json()]) == ids[10:15]
    assert _ids([_items(ogc_site, "places", limit=5, offset=10_000)]) == []


def test_limits(ogc_site: OgcSite, expected: dict[str, dict[Any, Row]]) -> None:
    assert _items(ogc_site, "places")["numberReturned"] == 10  # default
    everything = _items(ogc_site, "places", limit=10_000)
    assert everything["numberReturned"] == len(expected["places"])
    assert not [x for x in everything["links"] if x["rel"] == "next"]
    assert _items(ogc_site, "demand-points", limit=1)["numberReturned"] == 1
    assert _items(ogc_site, "places", f="json", limit=3)["numberReturned"] == 3


# --- filters -------------------------------------------------------------------------------

FILTERS = {
    "places": ["name", "category_code", "admin_code", "status", "census_status"],
    "roads": ["grade", "name", "admin_code"],
    "facilities": ["type", "admin_code", "name"],
    "admin-areas": ["level", "parent_code", "name", "kind"],
    "demand-points": ["admin_code", "code", "name"],
}


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_property_filters(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]], collection: str
) -> None:
    rows = expected[collection]
    for prop in FILTERS[collection]:
        values = [r.props[prop] for r in rows.values() if r.props[prop] is not None]
        value = max(set(values), key=values.count)  # the most common value
        want = sorted(k for k, r in rows.items() if r.props[prop] == value)
        got = _ids(_walk(ogc_site, collection, **{prop: value, "limit": 3}))
        assert got == want, (prop, value)
        for f in _items(ogc_site, collection, **{prop: value, "limit": 10_000})["features"]:
            assert f["properties"][prop] == value
    # combined with bbox: the bounding box of each geometry meets the bbox
    area = box(*BBOX)
    prop = FILTERS[collection][0]
    values = [r.props[prop] for r in rows.values() if r.props[prop] is not None]
    value = max(set(values), key=values.count)
    want = sorted(
        k
        for k, r in rows.items()
        if r.props[prop] == value
        and r.geometry is not None
        and box(*r.geometry.bounds).intersects(area)
    )
    bbox = ",".join(str(v) for v in BBOX)
    got = _ids(_walk(ogc_site, collection, **{prop: value, "bbox": bbox, "limit": 2}))
    assert got == want


def test_bbox_returns_exactly_the_features_whose_box_meets_it(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]]
) -> None:
    area = box(*BBOX)
    bbox = ",".join(str(v) for v in BBOX)
    for collection in COLLECTIONS:
        want = sorted(
            k
            for k, r in expected[collection].items()
            if r.geometry is not None and box(*r.geometry.bounds).intersects(area)
        )
        pages = _walk(ogc_site, collection, bbox=bbox, limit=5)
        assert _ids(pages) == want, collection
        assert pages[0]["numberMatched"] == len(want)
    empty = _items(ogc_site, "places", bbox="100,10,100.1,10.1")
    assert empty["features"] == [] and empty["numberReturned"] == 0


# --- single features -----------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_single_feature_matches_the_listing(
    ogc_site: OgcSite, expected: dict[str, dict[Any, Row]], collection: str
) -> None:
    listing = {f["id"]: f for f in _items(ogc_site, collection, limit=10_000)["features"]}
    assert sorted(listing) == sorted(expected[collection])
    for key in list(listing)[:: max(1, len(listing) // 6)]:
        r = _get(f"{ogc_site.base}/ogc/collections/{collection}/items/{key}")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/geo+json")
        one = r.json()
        assert {k: one[k] for k in ("type", "id", "geometry", "properties")} == listing[key]
        row = expected[collection][key]
        if row.geometry is None:
            assert one["geometry"] is None
        else:
            assert shape(one["geometry"]).equals_exact(row.geometry, 1e-8)


# --- bad input -----------------------------------------------------------------------------

BAD = [
    ("/ogc/collections/nope", 404),
    ("/ogc/collections/nope/items", 404),
    ("/ogc/collections/nope/items/1", 404),
    ("/ogc/collections/places/items/999999", 404),
    ("/ogc/collections/places/items/abc", 404),
    ("/ogc/collections/admin-areas/items/000000000000", 404),
    ("/ogc/collections/places/items?limit=0", 400),
    ("/ogc/collections/places/items?limit=10001", 400),
    ("/ogc/collections/places/items?limit=-5", 400),
    ("/ogc/collections/places/items?limit=ten", 400),
    ("/ogc/collections/places/items?offset=-1", 400),
    ("/ogc/collections/places/items?bbox=1,2,3", 400),
    ("/ogc/collections/places/items?bbox=a,b,c,d", 400),
    ("/ogc/collections/places/items?bbox=122,37,121,38", 400),
    ("/ogc/collections/places/items?bbox=122,37,200,38", 400),
    ("/ogc/collections/places/items?bbox=nan,37,122,38", 400),
    ("/ogc/collections/places/items?unknown=1", 400),
    ("/ogc/collections/places/items?grade=主干路", 400),  # a roads filter, not a places one
    ("/ogc/collections/places/items?limit=5&limit=6", 400),
    ("/ogc/collections/places/items?f=xml", 400),
    ("/ogc/collections/places/items?cursor=zz", 400),
    ("/ogc/collections/places/items?cursor=a1x", 400),
    ("/ogc/collections/places/items?cursor=a5&offset=3", 400),
    ("/ogc/collections/admin-areas/items?level=two", 400),
    ("/ogc/collections?foo=bar", 400),
    ("/ogc?f=xml", 400),
    ("/ogc/collections/places/items?name=a%00b", 400),
    ("/ogc/collections/admin-areas/items?cursor=a37%00", 400),
    ("/ogc/collections/admin-areas/items/37%001", 404),
]


@pytest.mark.parametrize(("path", "status"), BAD)
def test_bad_requests_get_json_errors(ogc_site: OgcSite, path: str, status: int) -> None:
    r = httpx.get(ogc_site.base + path, timeout=30)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] and body["message"]
