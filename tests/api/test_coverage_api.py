"""Coverage endpoints over real HTTP on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gazetteer.services import accounts as auth
from gazetteer.storage.dialect import write_transaction
from tests.conftest import backend_per_module, database_with_engine, new_database_settings
from tests.datasets.grid_city import lonlat, seed
from tests.server import live_server

MEAL = "elderly_meal_point"


backend = backend_per_module


@pytest.fixture(scope="module")
def api(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """One seeded database and server per backend for the module (a server start costs
    seconds). The tests only read, except the saved scenarios of the what-if test, which
    no other test looks at."""
    databases = new_database_settings(backend, request, tmp_path_factory.mktemp("cov"))
    with database_with_engine(databases) as (settings, engine):
        seed(engine)
        with write_transaction(engine) as conn:
            token = auth.add_user(conn, "planner", ["reviewer"]).token
        with live_server(settings) as base:
            yield base, token


def test_coverage_and_gaps(api: tuple[str, str]) -> None:
    base, _ = api
    r = httpx.get(f"{base}/api/v1/coverage", params={"facility_type": MEAL, "minutes": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"covered_share", "covered", "total", "by_area", "gaps"}
    assert 0 < body["covered_share"] < 1
    assert body["covered"] == pytest.approx(sum(a["covered"] for a in body["by_area"]))
    assert {a["name"] for a in body["by_area"]} == {"环翠区", "文登区"}
    gap = body["gaps"][0]
    assert set(gap) >= {"id", "name", "admin_code", "lon", "lat", "weight", "minutes_to_nearest"}
    assert gap["minutes_to_nearest"] is None or gap["minutes_to_nearest"] > 5
    more = httpx.get(
        f"{base}/api/v1/coverage",
        params={"facility_type": MEAL, "minutes": 10, "include_points": "true"},
    ).json()
    assert more["covered"] >= body["covered"]
    assert len(more["points"]) == 60
    several = httpx.get(
        f"{base}/api/v1/coverage",
        params=[("facility_type", MEAL), ("facility_type", "community_canteen"), ("minutes", 5)],
    )
    assert several.status_code == 200
    town = httpx.get(
        f"{base}/api/v1/coverage",
        params={"facility_type": MEAL, "admin": "371002", "weight": "elderly"},
    ).json()
    assert {a["admin_code"] for a in town["by_area"]} == {"371002001000", "371002002000"}


BAD_INPUT: list[tuple[dict[str, object], int, str]] = [
    ({"facility_type": "spaceport"}, 400, "unknown facility type"),
    ({"facility_type": MEAL, "minutes": 0}, 400, "minutes"),
    ({"facility_type": MEAL, "minutes": 121}, 400, "minutes"),
    ({"facility_type": MEAL, "minutes": "abc"}, 422, "minutes"),
    ({"facility_type": MEAL, "admin": "371099"}, 404, "unknown administrative area"),
    ({"facility_type": MEAL, "profile": "rocket"}, 400, "unknown travel profile"),
    ({"facility_type": MEAL, "weight": "cats"}, 400, "unknown weight"),
    ({"facility_type": "funeral_home"}, 400, "no facilities"),
    ({}, 422, "facility_type"),
]


def test_coverage_bad_input(api: tuple[str, str]) -> None:
    base, _ = api
    for params, status, words in BAD_INPUT:
        r = httpx.get(f"{base}/api/v1/coverage", params=params)  # type: ignore[arg-type]
        assert r.status_code == status, (params, r.text)
        assert words in r.json()["message"], params


def test_isochrones_geojson(api: tuple[str, str]) -> None:
    base, _ = api
    r = httpx.get(f"{base}/api/v1/coverage/isochrones", params={"facility_type": MEAL})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 6
    assert {f["properties"]["minutes"] for f in fc["features"]} == {5, 10, 15}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 122 < lon < 123 and 37 < lat < 38  # RFC 7946 order
    one = httpx.get(
        f"{base}/api/v1/coverage/isochrones", params={"facility_id": 1, "minutes": [3]}
    ).json()
    assert len(one["features"]) == 1
    bad = httpx.get(f"{base}/api/v1/coverage/isochrones", params={"facility_id": 999})
    assert bad.status_code == 404
    bad = httpx.get(
        f"{base}/api/v1/coverage/isochrones", params={"facility_type": MEAL, "minutes": 500}
    )
    assert bad.status_code == 400


def test_what_if_and_scenarios(api: tuple[str, str]) -> None:
    base, token = api
    cov = httpx.get(f"{base}/api/v1/coverage", params={"facility_type": MEAL, "minutes": 5})
    gap = cov.json()["gaps"][0]
    body = {
        "facility_type": [MEAL],
        "minutes": 5,
        "add": [{"lon": gap["lon"], "lat": gap["lat"], "name": "新助餐点"}],
        "remove": [2],
    }
    r = httpx.post(f"{base}/api/v1/coverage/what-if", json=body)
    assert r.status_code == 200, r.text
    w = r.json()
    assert gap["id"] in w["newly_covered"]
    assert w["covered_change"] == pytest.approx(w["scenario"]["covered"] - w["baseline"]["covered"])
    # nothing was saved
    again = httpx.get(f"{base}/api/v1/coverage", params={"facility_type": MEAL, "minutes": 5})
    assert again.json()["covered"] == cov.json()["covered"]
    far = {**body, "add": [dict(zip(("lon", "lat"), lonlat(80_000, 0), strict=True))]}
    r = httpx.post(f"{base}/api/v1/coverage/what-if", json=far)
    assert r.status_code == 400 and "outside the network" in r.json()["message"]
    r = httpx.post(f"{base}/api/v1/coverage/what-if", json={**body, "remove": [999]})
    assert r.status_code == 404
    # scenarios need a staff token
    sc = {**body, "name": "方案甲"}
    assert httpx.post(f"{base}/api/v1/coverage/scenarios", json=sc).status_code == 401
    r = httpx.post(
        f"{base}/api/v1/coverage/scenarios",
        json=sc,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r2 = httpx.post(
        f"{base}/api/v1/coverage/scenarios",
        json={**sc, "name": "方案乙", "remove": []},
        headers={"Authorization": f"Bearer {token}"},
    )
    cmp = httpx.get(
        f"{base}/api/v1/coverage/scenarios/compare", params={"ids": f"{sid},{r2.json()['id']}"}
    ).json()
    assert [c["scenario"]["name"] for c in cmp] == ["方案甲", "方案乙"]
    assert cmp[1]["covered"] >= cmp[0]["covered"]
    assert httpx.get(f"{base}/api/v1/coverage/scenarios/999").status_code == 404


def test_recommend_and_set_cover(api: tuple[str, str]) -> None:
    base, _ = api
    r = httpx.get(
        f"{base}/api/v1/coverage/recommend",
        params={"facility_type": MEAL, "k": 3, "minutes": 5},
    )
    assert r.status_code == 200, r.text
    rec = r.json()
    assert len(rec["greedy"]) == 3 and rec["exact_status"] == "optimal"
    assert rec["exact_gain"] >= rec["greedy_gain"] - 1e-9
    assert 0 <= rec["greedy_gap"] <= 1
    lst = httpx.post(
        f"{base}/api/v1/coverage/recommend",
        json={
            "facility_type": [MEAL],
            "k": 1,
            "minutes": 5,
            "candidates": [dict(zip(("lon", "lat"), lonlat(500, 500), strict=True))],
        },
    )
    assert lst.status_code == 200 and lst.json()["candidates"] == 1
    sc = httpx.get(
        f"{base}/api/v1/coverage/set-cover",
        params={"facility_type": MEAL, "minutes": 5, "target_share": 0.8},
    )
    assert sc.status_code == 200, sc.text
    assert sc.json()["sites_exact"] <= sc.json()["sites_greedy"]
    bad = httpx.get(f"{base}/api/v1/coverage/recommend", params={"facility_type": MEAL, "k": 0})
    assert bad.status_code == 422
    bad = httpx.get(
        f"{base}/api/v1/coverage/recommend",
        params={"facility_type": MEAL, "candidates": "moon"},
    )
    assert bad.status_code == 400
