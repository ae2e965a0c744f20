"""Facilities over real HTTP on both backends: public reads, staff writes, history, subsidies.

One seeded database and server per backend for the module (a server start costs seconds).
The tests keep out of each other's way: the CRUD test deletes the one facility it creates
and reads only that facility's history, every write of the bad-input test is rejected, so
the list and subsidy totals of ``test_list_and_subsidies`` see only its own facilities (and
the seeded meal points, which are neither canteens nor rural tables) in any order.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gazetteer.services import accounts as auth
from gazetteer.storage.dialect import write_transaction
from tests.conftest import backend_per_module, database_with_engine, new_database_settings
from tests.datasets.grid_city import TOWN_A1, seed
from tests.server import live_server

backend = backend_per_module


@pytest.fixture(scope="module")
def api(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    databases = new_database_settings(backend, request, tmp_path_factory.mktemp("facilities"))
    with database_with_engine(databases) as (settings, engine):
        seed(engine)
        with write_transaction(engine) as conn:
            tokens = {
                "reviewer": auth.add_user(conn, "rev", ["reviewer"]).token,
                "approver": auth.add_user(conn, "app", ["approver"]).token,
                "admin": auth.add_user(conn, "boss", ["admin"]).token,
            }
        with live_server(settings) as base:
            yield base, tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


NEW = {
    "name": "幸福社区食堂",
    "type": "community_canteen",
    "admin_code": TOWN_A1,
    "lon": 122.101,
    "lat": 37.501,
    "floor_area_m2": 600,
    "opened_year": 2019,
}


def test_facility_crud_with_roles_and_history(api: tuple[str, dict[str, str]]) -> None:
    base, tok = api
    url = f"{base}/api/v1/facilities"
    assert httpx.post(url, json=NEW).status_code == 401
    r = httpx.post(url, json=NEW, headers=bearer(tok["approver"]))
    assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    r = httpx.post(url, json=NEW, headers=bearer(tok["reviewer"]))
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["type_name"] == "社区食堂" and f["version"] == 1
    fid = f["id"]
    assert httpx.patch(f"{url}/{fid}", json={"name": "x"}).status_code == 401
    r = httpx.patch(
        f"{url}/{fid}",
        json={"name": "幸福社区长者食堂", "version": 1, "note": "更名"},
        headers=bearer(tok["admin"]),
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = httpx.patch(
        f"{url}/{fid}", json={"capacity": 80, "version": 1}, headers=bearer(tok["reviewer"])
    )
    assert stale.status_code == 409
    assert httpx.get(f"{url}/{fid}").json()["name"] == "幸福社区长者食堂"
    assert httpx.delete(f"{url}/{fid}").status_code == 401
    assert httpx.delete(f"{url}/{fid}", headers=bearer(tok["approver"])).status_code == 403
    assert httpx.delete(f"{url}/{fid}", headers=bearer(tok["reviewer"])).status_code == 204
    assert httpx.get(f"{url}/{fid}").status_code == 404
    hist = httpx.get(f"{url}/{fid}/history").json()
    assert {h["changed_by"] for h in hist} == {""}  # staff names only for staff
    hist = httpx.get(f"{url}/{fid}/history", headers=bearer(tok["reviewer"])).json()
    assert [h["action"] for h in hist] == ["create", "update", "delete"]
    assert hist[1]["snapshot"]["name"] == "幸福社区食堂" and hist[1]["note"] == "更名"
    assert hist[2]["changed_by"] == "rev"


def test_facility_bad_input(api: tuple[str, dict[str, str]]) -> None:
    base, tok = api
    url = f"{base}/api/v1/facilities"
    h = bearer(tok["reviewer"])
    r = httpx.post(url, json={**NEW, "type": "spa"}, headers=h)
    assert r.status_code == 400 and "unknown facility type" in r.json()["message"]
    r = httpx.post(url, json={**NEW, "admin_code": "371099999999"}, headers=h)
    assert r.status_code == 400 and "unknown administrative area" in r.json()["message"]
    r = httpx.post(url, json={**NEW, "place_id": 12345}, headers=h)
    assert r.status_code == 400
    r = httpx.post(url, json={**NEW, "lon": 500}, headers=h)
    assert r.status_code == 422
    assert httpx.get(f"{url}/99999").status_code == 404
    assert httpx.get(url, params={"type": "nope"}).status_code == 400
    assert httpx.get(url, params={"admin": "3710"}).status_code == 400


def test_list_and_subsidies(api: tuple[str, dict[str, str]]) -> None:
    base, tok = api
    url = f"{base}/api/v1/facilities"
    h = bearer(tok["admin"])
    for area, year, t in ((400, 2019, "community_canteen"), (1000, 2020, "community_canteen")):
        body = {**NEW, "floor_area_m2": area, "opened_year": year, "type": t}
        assert httpx.post(url, json=body, headers=h).status_code == 201
    body = {**NEW, "type": "rural_elderly_table", "opened_year": 2020, "name": "村老年餐桌"}
    assert httpx.post(url, json=body, headers=h).status_code == 201
    body = {**NEW, "type": "community_canteen", "opened_year": None, "name": "无年份"}
    assert httpx.post(url, json=body, headers=h).status_code == 201
    lst = httpx.get(url, params={"type": "community_canteen", "admin": "371002"}).json()
    assert lst["total"] == 3
    rep = httpx.get(f"{url}/subsidies").json()
    by_year = {r["year"]: r for r in rep["rows"]}
    # 2019: one canteen built (<=500 m2: 50,000) + operation 30,000
    assert by_year[2019]["construction_yuan"] == 50_000
    assert by_year[2019]["operation_yuan"] == 30_000
    # 2020: second canteen (1,000 m2: 200,000), two canteens operating, one rural table
    assert by_year[2020]["construction_yuan"] == 200_000
    assert by_year[2020]["operation_yuan"] == 60_000
    assert by_year[2020]["rural_table_yuan"] == 10_000
    assert by_year[2021]["operation_yuan"] == 60_000
    assert by_year[2022]["operation_yuan"] == 30_000  # the first canteen's 3 years are over
    assert 2023 not in by_year
    assert rep["undated"] == 1
    assert rep["total_yuan"] == 50_000 + 200_000 + 6 * 30_000 + 10_000
    assert all(r["district_code"] == "371002000000" for r in rep["rows"])
    assert all(r["district_name"] == "环翠区" for r in rep["rows"])
    one = httpx.get(f"{url}/subsidies", params={"year": 2020, "district": "371002"}).json()
    assert [r["year"] for r in one["rows"]] == [2020]
    assert httpx.get(f"{url}/subsidies", params={"district": "371099"}).status_code == 404


def test_facilities_near_a_point_sorted_by_walking_time(api: tuple[str, dict[str, str]]) -> None:
    from tests.datasets.grid_city import lonlat

    base, _tok = api
    url = f"{base}/api/v1/facilities"
    lon, lat = lonlat(700, 650)  # close to the second seeded meal point (800, 700)
    r = httpx.get(
        url, params={"near": f"{lon},{lat}", "radius_m": 3000, "type": "elderly_meal_point"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    items = body["items"]
    assert body["total"] == len(items) == 2 and body["near"] == [lon, lat]
    walk = [i["walk_minutes"] for i in items]
    assert walk == sorted(walk) and walk[0] is not None
    assert items[0]["distance_m"] < items[1]["distance_m"]
    assert items[0]["walk_m"] >= items[0]["distance_m"] * 0.99  # never shorter than straight
    route = items[0]["route"]
    assert route[0] == pytest.approx([lon, lat], abs=1e-5) and len(route) >= 2
    # a small radius keeps only the nearest
    near = httpx.get(url, params={"near": f"{lon},{lat}", "radius_m": 300}).json()
    assert [i["id"] for i in near["items"]] == [items[0]["id"]]
    # refused, not ignored
    bads: list[dict[str, str | int]] = [
        {"near": f"{lon},{lat}", "radius": 5},  # unknown parameter
        {"nearby": f"{lon},{lat}"},
        {"radius_m": 100},  # radius without near
        {"near": "x,y"},
        {"near": f"{lon},{lat}", "radius_m": 10**6},
    ]
    for bad in bads:
        r = httpx.get(url, params=bad)
        assert r.status_code in (400, 422), (bad, r.text)
    r = httpx.get(url, params={"colour": "red"})
    assert r.status_code == 400 and "unknown query parameter" in r.json()["message"]
    assert httpx.get(url, params={"limit": 5}).status_code == 200
