"""The API over a real primary and hot standby: reads from the standby, writes to the
primary, read-your-writes, and the faults (standby down and back, primary down).

One cluster and one server for the module; the tests run in order and each leaves both
databases running. The server checks the databases every 0.2 s with a lag limit of 2 s,
so that the faults show within a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from gazetteer.services import accounts as auth
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, versions
from gazetteer.storage.dialect import write_transaction
from tests.datasets.grid_city import TOWN_A1, seed
from tests.replication.cluster import Cluster
from tests.server import live_server

pytestmark = pytest.mark.postgis

MAX_LAG_S = 2.0
DB_HEADER = "x-gazetteer-database"
NEW = {
    "name": "复制测试食堂",
    "type": "community_canteen",
    "admin_code": TOWN_A1,
    "lon": 122.101,
    "lat": 37.501,
    "floor_area_m2": 300,
    "opened_year": 2020,
}


@pytest.fixture(scope="module")
def site(cluster: Cluster) -> Iterator[tuple[str, str]]:
    """(base URL, a reviewer's token) of a server over the primary and the standby."""
    settings = Settings(
        database_url=cluster.primary_url,
        read_database_urls=[cluster.standby_url],
        replica_max_lag_s=MAX_LAG_S,
        replica_check_interval_s=0.2,
    )
    engine = create_engine_from_settings(settings)
    try:
        seed(engine)
        with write_transaction(engine) as conn:
            token = auth.add_user(conn, "repl", ["reviewer"]).token
    finally:
        engine.dispose()
    with live_server(settings) as base:
        yield base, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Seconds until ``check()`` holds (fails after ``timeout_s``)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout_s, f"not within {timeout_s} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - start


def standby_state(base: str, cluster: Cluster) -> str:
    body = httpx.get(f"{base}/healthz", timeout=5).json()
    port = f":{cluster.standby_port}/"
    return str(next(d["state"] for d in body["databases"] if port in d["name"]))


def primary_state(base: str, cluster: Cluster) -> str:
    body = httpx.get(f"{base}/healthz", timeout=5).json()
    port = f":{cluster.primary_port}/"
    return str(next(d["state"] for d in body["databases"] if port in d["name"]))


class Reader:
    """Public reads in a thread while a test breaks things: every status and database."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.seen: list[tuple[int, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while not self.stop.is_set():
                r = client.get(self.urls[i % len(self.urls)])
                self.seen.append((r.status_code, r.headers.get(DB_HEADER, "")))
                i += 1

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def standby_version(cluster: Cluster) -> str:
    """The facilities layer's data version read on the standby (its change counters)."""
    engine = create_engine_from_settings(Settings(database_url=cluster.standby_url))
    try:
        with engine.connect() as conn:
            return versions.layer_version(conn, "facilities")
    finally:
        engine.dispose()


def test_reads_come_from_the_standby_and_writers_read_their_writes(
    site: tuple[str, str], cluster: Cluster
) -> None:
    base, token = site
    health = httpx.get(f"{base}/healthz").json()
    roles = sorted((d["role"], d["state"]) for d in health["databases"])
    assert roles == [("primary", "up"), ("replica", "up")], health
    assert httpx.get(f"{base}/readyz").status_code == 200
    version = standby_version(cluster)

    r = httpx.post(f"{base}/api/v1/facilities", json=NEW, headers=bearer(token))
    assert r.status_code == 201, r.text
    assert r.headers[DB_HEADER] == "primary"
    url = f"{base}/api/v1/facilities/{r.json()['id']}"
    written = r.cookies.get("gz_wlsn")
    assert written, "a write sets the read-your-writes cookie"

    # the writer reads its own write at once: with its token (staff read from the primary)
    mine = httpx.get(url, headers=bearer(token))
    assert mine.status_code == 200 and mine.headers[DB_HEADER] == "primary"
    # ... and as a browser with the cookie only (the primary or a standby that has it)
    with httpx.Client(cookies={"gz_wlsn": written}) as browser:
        assert browser.get(url).status_code == 200
        # once the standby has replayed the write, that browser reads from it again
        wait_for(
            lambda: browser.get(url).headers[DB_HEADER] == "replica",
            MAX_LAG_S + 2,
            "the writer's reads back on the standby",
        )

    # the public reads from the standby, which shows the write within the lag limit
    def on_standby() -> bool:
        got = httpx.get(url)
        assert got.headers[DB_HEADER] == "replica"
        return got.status_code == 200

    assert wait_for(on_standby, MAX_LAG_S, "the write on the standby") < MAX_LAG_S
    # with the row, the standby has replayed the new data version: its caches reload
    assert standby_version(cluster) != version
    search = httpx.get(f"{base}/api/v1/facilities", params={"type": "community_canteen"})
    assert search.status_code == 200 and search.headers[DB_HEADER] == "replica"


def test_standby_down_reads_from_the_primary_then_it_comes_back(
    site: tuple[str, str], cluster: Cluster
) -> None:
    base, _ = site
    urls = [f"{base}/api/v1/facilities?limit=5", f"{base}/healthz"]
    with Reader(urls) as reader:
        wait_for(lambda: len(reader.seen) > 5, 10, "reads before the fault")
        cluster.stop_standby()
        wait_for(lambda: standby_state(base, cluster) == "down", 3, "the standby out")
        n = len(reader.seen)
        wait_for(lambda: len(reader.seen) > n + 5, 10, "reads while the standby is down")
        assert {db for _, db in reader.seen[n:]} == {"primary"}
        cluster.start_standby()
        wait_for(lambda: standby_state(base, cluster) == "up", 10, "the standby back")
        n = len(reader.seen)
        wait_for(lambda: len(reader.seen) > n + 5, 10, "reads after the standby is back")
        assert reader.seen[-1][1] == "replica"
    statuses = [status for status, _ in reader.seen]
    assert statuses and set(statuses) == {200}, [s for s in statuses if s != 200]


def test_primary_down_reads_keep_working_and_writes_are_503(
    site: tuple[str, str], cluster: Cluster
) -> None:
    base, token = site
    url = f"{base}/api/v1/facilities?limit=5"
    staff_write = {**NEW, "name": "停机时食堂"}
    with Reader([url]) as reader:
        wait_for(lambda: len(reader.seen) > 5, 10, "reads before the fault")
        cluster.stop_primary()
        try:
            wait_for(lambda: primary_state(base, cluster) == "down", 3, "the primary out")
            r = httpx.post(f"{base}/api/v1/facilities", json=staff_write, headers=bearer(token))
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["error"] == "database_unavailable" and "主数据库" in body["message"]
            assert "primary database is unavailable" in body["message"]
            assert r.headers["retry-after"]
            # staff requests need the primary (their sessions and tokens are written there)
            staff_read = httpx.get(url, headers=bearer(token))
            assert staff_read.status_code == 503 and "主数据库" in staff_read.json()["message"]
            assert httpx.get(f"{base}/readyz").status_code == 200
            n = len(reader.seen)
            wait_for(lambda: len(reader.seen) > n + 5, 10, "reads while the primary is down")
            assert {db for _, db in reader.seen[n:]} == {"replica"}

            # nothing answers: not ready, and reads are 503 with a message, never 500
            reader.stop.set()
            reader.thread.join(timeout=30)
            cluster.stop_standby()
            wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 503, 3, "not ready")
            r = httpx.get(url)
            assert r.status_code == 503 and r.json()["error"] == "database_unavailable"
            cluster.start_standby()
        finally:
            if not (cluster.primary_dir / "postmaster.pid").exists():
                cluster.start_primary()
            if not (cluster.standby_dir / "postmaster.pid").exists():
                cluster.start_standby()
    statuses = [status for status, _ in reader.seen]
    assert statuses and set(statuses) == {200}, [s for s in statuses if s != 200]
    cluster.wait_until_streaming()
    wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, 5, "ready again")
    wait_for(lambda: standby_state(base, cluster) == "up", 10, "the standby in rotation")
    # nothing of the refused write was kept
    found = httpx.get(url, headers=bearer(token)).json()
    assert "停机时食堂" not in str(found)
    # and writes work again
    r = httpx.post(f"{base}/api/v1/facilities", json=staff_write, headers=bearer(token))
    assert r.status_code == 201, r.text
