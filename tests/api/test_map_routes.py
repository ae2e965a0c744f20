"""The map pages, GeoJSON layers, static assets and sheet downloads over the real app,
on SpatiaLite and on PostGIS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.main import create_app
from gazetteer.model import classification
from gazetteer.settings import Settings
from tests.builder import Builder
from tests.datasets.weihai_maps import build_small_map_db


@pytest.fixture
def site(
    settings: Settings, engine: Engine, weihai_data: Path, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, int]]]:
    ids = build_small_map_db(engine, weihai_data, per_category=20)
    cached = settings.model_copy(update={"cache_dir": tmp_path / "cache"})  # not var/cache
    with TestClient(create_app(cached)) as client:
        yield client, ids


def test_layers(site: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = site
    total = 0
    for major in classification().majors:
        r = client.get("/api/v1/map/places.geojson", params={"category": major.code})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/geo+json")
        fc = r.json()
        assert fc["type"] == "FeatureCollection"
        for f in fc["features"]:
            major_of = classification().major_of(f["properties"]["category_code"])
            assert major_of is not None and major_of.code == major.code
            lon, lat = f["geometry"]["coordinates"]
            assert 121 < lon < 123 and 36 < lat < 38
        total += len(fc["features"])
    assert total == ids["places"]  # every name is reachable through the layers
    assert len(client.get("/api/v1/map/places.geojson").json()["features"]) == total
    gz = client.get("/api/v1/map/places.geojson", headers={"Accept-Encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip"

    bad = client.get("/api/v1/map/places.geojson", params={"category": "99"})
    assert bad.status_code == 400 and "99" in bad.json()["message"]

    s = client.get(f"/api/v1/map/places/{ids['city']}/summary").json()
    assert s["name"] == "威海市" and s["romanized"] == "Wēihǎi Shì"
    assert s["major_category"] == "行政区域" and s["meaning"]
    assert client.get("/api/v1/map/places/99999999/summary").status_code == 404

    fac = client.get("/api/v1/map/facilities.geojson", params={"type": "elderly_meal_point"})
    types = {f["properties"]["type"] for f in fac.json()["features"]}
    assert types == {"elderly_meal_point"}
    assert client.get("/api/v1/map/facilities.geojson", params={"type": "spa"}).status_code == 400

    counties = client.get("/api/v1/map/admin.geojson", params={"level": 3}).json()
    assert sorted(f["properties"]["name"] for f in counties["features"]) == sorted(
        ["环翠区", "文登区", "荣成市", "乳山市"]
    )
    assert client.get("/api/v1/map/admin.geojson", params={"level": 9}).status_code == 422
    roads = client.get("/api/v1/map/roads.geojson").json()["features"]
    assert roads and all(f["geometry"]["type"] == "LineString" for f in roads)
    demand = client.get("/api/v1/map/demand.geojson").json()["features"]
    assert demand and {"population", "elderly", "dependents"} <= set(demand[0]["properties"])


def test_layers_are_cached_until_the_data_change(
    site: tuple[TestClient, dict[str, int]], engine: Engine
) -> None:
    from shapely.geometry import Point

    from gazetteer.storage.dialect import write_transaction

    client, _ids = site
    url = "/api/v1/map/places.geojson?category=25"
    first = client.get(url)
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    before = len(first.json()["features"])
    with write_transaction(engine) as conn:
        Builder(conn).place("新建公园", "25200", "371002000000", Point(122.1, 37.5))
    time.sleep(1.1)  # the layers' data version is read at most once a second
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    names = [f["properties"]["name"] for f in again.json()["features"]]
    assert len(names) == before + 1 and "新建公园" in names


def test_pages(site: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = site
    for path in ("/map", "/map/coverage"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "://" not in r.text.replace("http-equiv", "")
    page = client.get(f"/places/{ids['road']}").text
    assert "文化中路" in page and "Wénhuà Zhōnglù" in page
    assert "建设路" in page and "1995-01-01" in page and "更名" in page  # the timeline
    assert f'href="/api/v1/places/{ids["road"]}/card"' in page
    assert "环翠区" in page  # administrative path
    missing = client.get("/places/99999999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    for path in ("/places/99999999999999999999", "/api/v1/map/places/-1/summary"):
        assert client.get(path).status_code == 422  # refused before the database

    js = client.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/static/vendor/leaflet/images/layers.png").status_code == 200
    assert client.get("/static/app/gazetteer.css").status_code == 200
    assert client.get("/static/vendor/leaflet/../../../../etc/passwd").status_code == 404
    assert client.get("/static/app/..%2Frender.py").status_code == 404


def test_missing_assets_give_a_clear_503(settings: Settings) -> None:
    broken = settings.model_copy(update={"assets_dir": Path("/nonexistent")})
    with TestClient(create_app(broken)) as client:
        r = client.get("/map")
    assert r.status_code == 503
    assert "npm ci" in r.json()["message"]


def test_an_empty_database_still_gets_pages(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/map").status_code == 200
        assert client.get("/map/coverage").status_code == 200
        assert client.get("/api/v1/map/places.geojson").json()["features"] == []
        r = client.get("/api/v1/map/sheets")
        assert r.status_code == 404 and "boundary" in r.json()["message"]


def test_sheet_list_and_download(site: tuple[TestClient, dict[str, int]]) -> None:
    client, _ids = site
    body = client.get("/api/v1/map/sheets").json()
    # the small DB carries the real city boundary: 29 grid sheets, plus 4 counties
    assert body["grid_sheets"] == 29 and body["county_sheets"] == 4
    first = body["sheets"][0]
    assert first["number"].startswith("J51E") and first["png"].endswith(".png")
    png = client.get(first["png"])
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/api/v1/map/sheets/J51E015009.svg").status_code == 400
    assert client.get("/api/v1/map/sheets/J51E001001.png").status_code == 404
    assert client.get("/api/v1/map/sheets/XYZ.png").status_code == 404


def test_labels_and_land(site: tuple[TestClient, dict[str, int]]) -> None:
    from shapely.geometry import Point, shape

    client, _ids = site
    url = "/api/v1/map/labels"
    city = client.get(url, params={"bbox": "121,36.5,123,37.8", "zoom": 8})
    assert city.status_code == 200, city.text
    body = city.json()
    assert body["labels"] and body["labels"][0]["name"] == "威海市"  # the city seat first
    assert body["count"] == len(body["labels"]) and not body["truncated"]
    near = client.get(url, params={"bbox": "122.0,37.4,122.2,37.55", "zoom": 13}).json()
    assert len(near["labels"]) > len(body["labels"])
    assert all(x["zoom"] == 13 and not x["historical"] for x in near["labels"])
    # a view is answered from the tiles of its zoom: a whole city at zoom 16 is too many
    assert client.get(url, params={"bbox": "121,36.5,123,37.8", "zoom": 16}).status_code == 400
    one = near["labels"][0]
    assert {"id", "text", "kind", "major", "lon", "lat", "w", "h", "font"} <= set(one)
    small = client.get(url, params={"bbox": "122.1,37.45,122.15,37.5", "zoom": 16}).json()
    assert all(122.1 <= x["lon"] <= 122.15 and 37.45 <= x["lat"] <= 37.5 for x in small["labels"])
    for bad in (
        {"bbox": "1,2,3", "zoom": 10},
        {"bbox": "121,36,123,38"},
        {"bbox": "121,36,123,38", "zoom": 10, "z": 3},
    ):
        r = client.get(url, params=bad)
        assert r.status_code in (400, 422), bad
    land = client.get("/api/v1/map/land.geojson").json()["features"]
    assert len(land) == 1
    liugong = Point(122.1817, 37.5054)  # 刘公岛: an island of 环翠区
    assert shape(land[0]["geometry"]).contains(liugong)
    assert client.get("/api/v1/map/land.geojson", params={"x": 1}).status_code == 400
