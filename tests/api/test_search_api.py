"""GET /api/v1/search over HTTP: a real uvicorn server on both backends, plus the demo."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from tests.conftest import new_database_settings
from tests.datasets import search_names as wf
from tests.server import live_server


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One server per backend for the module (the tests only read)."""
    gen = new_database_settings(str(request.param), request, tmp_path_factory.mktemp("srch"))
    settings = next(gen)
    engine = create_engine_from_settings(settings)
    wf.load(engine)
    engine.dispose()
    with live_server(settings) as url:
        yield url
    next(gen, None)  # runs the cleanup (drops the PostGIS database)


def get(base: str, **params: object) -> httpx.Response:
    return httpx.get(f"{base}/api/v1/search", params=params, timeout=30)  # type: ignore[arg-type]


def test_search_over_http(base_url: str) -> None:
    r = get(base_url, q="威海市")
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"results", "total"}
    first = body["results"][0]
    assert first["name"] == "威海市"
    assert first["match"] == "exact"
    assert set(first) >= {
        "id",
        "name",
        "romanized",
        "category_code",
        "category",
        "admin_code",
        "admin_path",
        "lon",
        "lat",
        "match",
        "score",
    }
    assert first["romanized"] == "Wēihǎi Shì"
    assert first["category"] == "地级行政区"
    assert first["lon"] == pytest.approx(122.1164) and first["lat"] == pytest.approx(37.5131)


@pytest.mark.parametrize(
    ("q", "name", "match"),
    [
        ("whs", "威海市", "initials"),
        ("Wēihǎi Shì", "威海市", "pinyin"),
        ("wei hai shi", "威海市", "pinyin"),
        ("威h", "威海市", "pinyin"),
        ("威海卫", "威海市", "former-name"),
        ("環翠區", "环翠区", "exact"),
        ("刘工岛", "刘公岛", "fuzzy"),
        ("liugondao", "刘公岛", "fuzzy"),
    ],
)
def test_what_people_type(base_url: str, q: str, name: str, match: str) -> None:
    body = get(base_url, q=q).json()
    assert body["results"][0]["name"] == name
    assert body["results"][0]["match"] == match


def test_filters_and_paging_over_http(base_url: str) -> None:
    body = get(base_url, admin="371002", category="23", limit=2).json()
    assert body["total"] == 4  # 文化中路, 文化西路, 海滨北路, 威海港
    assert len(body["results"]) == 2
    more = get(base_url, admin="371002", category="23", limit=2, offset=2).json()
    got = {h["name"] for h in body["results"] + more["results"]}
    assert got == {"文化中路", "文化西路", "海滨北路", "威海港"}
    near = get(base_url, near="122.183,37.501", radius_m=500).json()
    assert [h["name"] for h in near["results"]] == ["刘公岛"]
    assert near["results"][0]["distance_m"] < 500


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"q": "威" * 101}, 400, "too long"),
        ({"q": "a", "bbox": "1,2,3"}, 400, "bbox"),
        ({"q": "a", "bbox": "x,1,2,3"}, 400, "bbox"),
        ({"q": "a", "category": "999"}, 400, "category"),
        ({"q": "a", "admin": "379999"}, 400, "administrative"),
        ({"q": "a", "limit": 0}, 400, "limit"),
        ({"q": "a", "limit": 201}, 400, "limit"),
        ({"q": "a", "limit": "many"}, 422, "limit"),
        ({"q": "a", "offset": -5}, 400, "offset"),
        ({"q": "a", "status": "maybe"}, 400, "status"),
        ({"q": "a", "near": "1"}, 400, "near"),
    ],
)
def test_bad_input_is_a_clear_4xx(
    base_url: str, params: dict[str, object], status: int, needle: str
) -> None:
    r = get(base_url, **params)
    assert r.status_code == status
    body = r.json()
    assert body["error"] == "invalid_input"
    assert needle in body["message"]


# --- the demo (16,744 names) ---------------------------------------------------------------


def test_demo_search(demo_settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(demo_settings)) as client:
        r = client.get("/api/v1/search", params={"q": "环翠"})
        assert r.status_code == 200
        body = r.json()
        assert body["results"][0]["name"] == "环翠区"
        assert body["total"] > 5
        r = client.get("/api/v1/search", params={"q": "whs"})
        assert r.json()["results"][0]["name"] == "威海市"
        r = client.get("/api/v1/search", params={"q": "路", "limit": 200})
        hits = r.json()["results"]
        assert len(hits) == 200 and r.json()["total"] > 200
        kinds = [h["match"] for h in hits]
        order = ["exact", "prefix", "substring", "former-name"]
        assert [order.index(k) for k in kinds if k != "former-name"] == sorted(
            order.index(k) for k in kinds if k != "former-name"
        )
