"""Details, card, reverse, admin tree and categories over HTTP on both backends."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.main import create_app
from gazetteer.settings import Settings
from tests.datasets import search_names as wf
from tests.server import live_server


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    return wf.load(engine)


@pytest.fixture
def client(settings: Settings, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def test_place_details_with_history(client: TestClient, ids: dict[str, int]) -> None:
    r = client.get(f"/api/v1/places/{ids['威海市']}")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "威海市"
    assert body["geometry"] == {"type": "Point", "coordinates": [122.1164, 37.5131]}
    assert [c["code"] for c in body["categories"]] == ["21", "21300"]
    assert [a["name"] for a in body["admin_path"]] == ["威海市"]
    history = body["history"]
    assert [h["name"] for h in history] == ["威海卫", "威海卫市"]
    assert history[0]["valid_from"] == "1398-01-01" and history[0]["valid_to"] == "1945-08-15"
    assert history[0]["reason"] == "renaming"
    assert history[0]["geometry"]["type"] == "Point"
    assert body["neighbours"] and body["neighbours"][0]["id"] != ids["威海市"]
    dists = [n["distance_m"] for n in body["neighbours"]]
    assert dists == sorted(dists)

    road = client.get(f"/api/v1/places/{ids['文化中路']}").json()
    assert [a["name"] for a in road["admin_path"]] == ["威海市", "环翠区", "环翠楼街道"]
    assert road["categories"][0]["name"] == "交通运输设施"


def test_unknown_place_is_404(client: TestClient) -> None:
    r = client.get("/api/v1/places/999999")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    for pid in (0, -1, 2**40):  # outside the id range: a validation error, never a 500
        r = client.get(f"/api/v1/places/{pid}")
        assert r.status_code == 422, pid
        assert r.json()["error"] == "invalid_input"
    assert client.get("/api/v1/places/abc").status_code == 422


def test_card_html_and_xlsx(client: TestClient, ids: dict[str, int]) -> None:
    pid = ids["威海市"]
    r = client.get(f"/api/v1/places/{pid}/card")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "地名成果表" in html and "威海市" in html and "Wēihǎi Shì" in html
    assert "威海卫（1398-01-01—1945-08-15，更名）" in html
    assert "@media print" in html

    r = client.get(f"/api/v1/places/{pid}/card", params={"format": "xlsx"})
    assert r.status_code == 200
    assert "spreadsheetml" in r.headers["content-type"]
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["标准名称"] == "威海市"
    assert rows["罗马字母拼写"] == "Wēihǎi Shì"
    assert "威海卫" in rows["曾用名"]
    assert client.get(f"/api/v1/places/{pid}/card", params={"format": "pdf"}).status_code == 422


def test_reverse(client: TestClient) -> None:
    r = client.get("/api/v1/reverse", params={"lon": 122.112, "lat": 37.511})
    assert r.status_code == 200
    body = r.json()
    assert [a["name"] for a in body["areas"]] == ["威海市", "环翠区", "环翠楼街道"]
    assert body["nearest"][0]["name"] == "文化中路"
    rongcheng = client.get("/api/v1/reverse", params={"lon": 122.5, "lat": 37.2}).json()
    assert [a["name"] for a in rongcheng["areas"]] == ["威海市", "荣成市"]
    for params in ({"lon": 200, "lat": 37}, {"lon": 122, "lat": 37, "limit": 0}):
        bad = client.get("/api/v1/reverse", params=params)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"


def test_admin_tree(client: TestClient) -> None:
    r = client.get("/api/v1/admin/371002")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "环翠区" and body["level"] == 3
    assert [a["name"] for a in body["ancestors"]] == ["威海市"]
    assert [c["name"] for c in body["children"]] == ["环翠楼街道"]
    assert body["place_count"] == 10
    city = client.get(f"/api/v1/admin/{wf.CITY}").json()
    assert {c["code"] for c in city["children"]} == {
        wf.HUANCUI,
        wf.WENDENG,
        wf.RONGCHENG,
        wf.RUSHAN,
    }
    assert city["ancestors"] == [] and city["place_count"] == len(wf.SEEDS)
    assert client.get("/api/v1/admin/379999").status_code == 404
    bad = client.get("/api/v1/admin/abc")
    assert bad.status_code == 400 and "digits" in bad.json()["message"]


def test_categories_tree(client: TestClient) -> None:
    body = client.get("/api/v1/categories").json()
    majors = body["categories"]
    assert len(majors) == 10
    assert sum(len(m["children"]) for m in majors) == 65
    assert body["total"] == len(wf.SEEDS)
    transport = next(m for m in majors if m["code"] == "23")
    assert transport["count"] == 5
    roads = next(c for c in transport["children"] if c["code"] == "23510")
    assert roads["count"] == 3


def test_real_server_details(settings: Settings, ids: dict[str, int]) -> None:
    with live_server(settings) as base:
        r = httpx.get(f"{base}/api/v1/places/{ids['刘公岛']}", timeout=30)
        assert r.status_code == 200 and r.json()["other_names"] == ["刘岛"]
        r = httpx.get(f"{base}/api/v1/places/{ids['刘公岛']}/card?format=xlsx", timeout=30)
        assert r.status_code == 200 and r.content[:2] == b"PK"


def test_demo_details(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings)) as client:
        hit = client.get("/api/v1/search", params={"q": "威海市"}).json()["results"][0]
        body = client.get(f"/api/v1/places/{hit['id']}").json()
        assert body["name"] == "威海市"
        cats = client.get("/api/v1/categories").json()
        assert cats["total"] >= 16744
        rev = client.get("/api/v1/reverse", params={"lon": hit["lon"], "lat": hit["lat"]}).json()
        assert rev["areas"] and rev["areas"][0]["name"] == "威海市"
