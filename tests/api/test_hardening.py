"""Hardening: one request must never take the service down (issue 16), on both backends.

One seeded database and one server per backend for the module, with small limits
(body 256 KB, one heavy worker, rate 12 heavy requests a minute) so that each bound is
reached with little data. Tests that need the app in-process (a slow heavy route, a held
lock) build their own.
"""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

import httpx
import pytest
from fastapi import Request
from sqlalchemy import Engine, text

from api.deps import HeavyDep
from api.limits import Cancel, Cancelled
from api.main import create_app
from gazetteer.services import accounts as auth
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.dialect import write_transaction
from tests.conftest import _pg_admin, backend_per_module, new_database_settings
from tests.datasets.grid_city import TOWN_A1, seed
from tests.server import live_server, serve_in_thread

MEAL = "elderly_meal_point"
BODY_LIMIT = 256 * 1024


backend = backend_per_module


class Site(NamedTuple):
    base: str
    token: str
    settings: Settings
    engine: Engine


@pytest.fixture(scope="module")
def site(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    gen = new_database_settings(backend, request, tmp_path_factory.mktemp("hard"))
    settings = next(gen).model_copy(
        update={"max_body_bytes": BODY_LIMIT, "heavy_workers": 1, "heavy_rate_per_minute": 12}
    )
    engine = create_engine_from_settings(settings)
    role = None if settings.is_sqlite else f"gz_app_{uuid.uuid4().hex[:8]}"
    try:
        seed(engine)
        with write_transaction(engine) as conn:
            token = auth.add_user(conn, "planner", ["reviewer"]).token
        served = settings
        if role is not None:
            # the service runs as a role that owns nothing (migration 0009, docs/deploy.md)
            with _pg_admin().connect() as conn:
                conn.execute(text(f"CREATE ROLE {role} LOGIN IN ROLE gazetteer_app"))
            url = settings.database_url.replace("://postgres@", f"://{role}@")
            served = settings.model_copy(update={"database_url": url})
        with live_server(served) as base:
            yield Site(base, token, settings, engine)
    finally:
        engine.dispose()
        next(gen, None)
        if role is not None:
            with _pg_admin().connect() as conn:
                conn.execute(text(f"DROP ROLE IF EXISTS {role}"))


def _batch(n: int, name: str = "杏林路") -> bytes:
    return ("name,kind,admin_code\n" + f"{name},road,{TOWN_A1}\n" * n).encode()


def test_batch_check_report_grows_linearly(site: Site) -> None:
    """4,000 identical rows (the probe's 100 KB upload): each duplicate group is reported
    once, so the report is about as long per row as for 100 rows (was 600 MB, 13 s)."""
    sizes = {}
    for n in (100, 4000):
        t0 = time.monotonic()
        r = httpx.post(
            f"{site.base}/api/v1/naming/check/batch",
            content=_batch(n),
            headers={"Content-Type": "text/csv"},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        sizes[n] = len(r.content)
        assert time.monotonic() - t0 < 20
    assert sizes[4000] < 60 * sizes[100]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 4000
    assert "batch.duplicate" in rows[0]["rules"] and "row:2" in rows[0]["conflicts"]
    assert rows[-1]["conflicts"].endswith("row:1")


def test_body_limit_is_413_json_for_announced_and_streamed_bodies(site: Site) -> None:
    big = b"name,kind,admin_code\n" + b"x" * (BODY_LIMIT + 10)
    url = f"{site.base}/api/v1/naming/check/batch"
    r = httpx.post(url, content=big, headers={"Content-Type": "text/csv"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length
        for _ in range(40):
            yield b"y" * 8192

    r = httpx.post(url, content=chunks(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 413 and "body" in r.text
    # JSON bodies have a tighter limit (parsed on the event loop)
    r = httpx.post(
        f"{site.base}/api/v1/naming/check",
        content=b'{"name": "' + b"a" * (BODY_LIMIT - 100) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code in (413, 422)
    assert httpx.get(f"{site.base}/healthz").status_code == 200


def test_compare_deduplicates_and_caps_ids(site: Site) -> None:
    base, h = site.base, {"Authorization": f"Bearer {site.token}"}
    body = {"name": "甲", "facility_type": [MEAL], "minutes": 5, "add": [], "remove": []}
    r = httpx.post(f"{base}/api/v1/coverage/scenarios", json=body, headers=h, timeout=60)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    url = f"{base}/api/v1/coverage/scenarios/compare"
    r = httpx.get(url, params={"ids": ",".join([str(sid)] * 500)}, timeout=60)
    assert r.status_code == 200, r.text
    assert len(r.json()) == 1
    r = httpx.get(url, params={"ids": ",".join(str(i) for i in range(1, 20))})
    assert r.status_code == 400 and "ids" in r.text
    r = httpx.get(url, params={"ids": str(2**63)})
    assert r.status_code == 400 and "ids" in r.text


def test_isochrone_minutes_are_capped(site: Site) -> None:
    r = httpx.get(
        f"{site.base}/api/v1/coverage/isochrones",
        params=[("facility_type", MEAL)] + [("minutes", m) for m in range(1, 11)],
    )
    assert r.status_code in (400, 422) and "minutes" in r.text
    r = httpx.get(
        f"{site.base}/api/v1/coverage/isochrones",
        params=[("facility_type", MEAL), ("minutes", 5)],
        timeout=60,
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"


def test_heavy_requests_are_rate_limited_per_client(site: Site) -> None:
    """Runs last of the module's heavy tests: it spends the client's quota."""
    url = f"{site.base}/api/v1/coverage/scenarios/compare"
    codes = [httpx.get(url, params={"ids": "999999"}).status_code for _ in range(14)]
    assert 429 in codes and set(codes) <= {404, 429}
    r = httpx.get(url, params={"ids": "999999"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "请求过于频繁" in r.json()["message"]
    # the planners' ranked list and report are heavy too: same pool, same quota
    for path in ("recommended", "report"):
        r = httpx.get(f"{site.base}/api/v1/coverage/{path}", params={"facility_type": MEAL})
        assert r.status_code == 429, (path, r.text[:200])
    assert httpx.get(f"{site.base}/healthz").status_code == 200


# -- in-process app: a slow heavy route, a held lock ------------------------------------


@pytest.fixture
def slow_app(settings: Settings) -> Iterator[tuple[str, dict[str, object]]]:
    """The app with one extra heavy route that works in 20 ms steps for ``s`` seconds."""
    app = create_app(settings.model_copy(update={"heavy_workers": 1, "heavy_queue": 0}))
    seen: dict[str, object] = {}

    @app.get("/test/slow")
    async def slow(request: Request, heavy: HeavyDep, s: float = 3) -> dict[str, str]:
        def work(cancel: Cancel) -> dict[str, str]:
            seen["started"] = True
            end = time.monotonic() + s
            try:
                while time.monotonic() < end:
                    cancel.update()
                    time.sleep(0.02)
            except Cancelled:
                seen["cancelled"] = True
                raise
            seen["finished"] = True
            return {"ok": "yes"}

        return await heavy.run(request, work)

    with serve_in_thread(app) as base:
        yield base, seen


def test_heavy_pool_is_bounded_and_light_requests_answer(
    slow_app: tuple[str, dict[str, object]],
) -> None:
    base, seen = slow_app
    t = threading.Thread(target=lambda: httpx.get(f"{base}/test/slow?s=4", timeout=20))
    t.start()
    time.sleep(1)
    t0 = time.monotonic()
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert time.monotonic() - t0 < 2  # answered while the heavy work runs
    full = httpx.get(f"{base}/test/slow?s=0.1")
    assert full.status_code == 503 and full.headers["retry-after"]
    assert "busy" in full.json()["error"]
    t.join()
    assert seen.get("finished")


def test_heavy_work_stops_when_the_client_disconnects(
    slow_app: tuple[str, dict[str, object]],
) -> None:
    base, seen = slow_app
    host, port = base.removeprefix("http://").split(":")
    # a raw connection, closed once the work has begun (not after a fixed client timeout,
    # which on a busy machine can pass before the request even reaches the pool)
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(f"GET /test/slow?s=30 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        t0 = time.monotonic()
        while "started" not in seen and time.monotonic() < t0 + 20:
            time.sleep(0.02)
        assert seen.get("started")
    # the work (30 s of 20 ms steps) stops at its next step instead of running to the end
    t0 = time.monotonic()
    while "cancelled" not in seen and time.monotonic() < t0 + 20:
        time.sleep(0.05)
    assert seen.get("cancelled") and not seen.get("finished")


def test_held_lock_gives_503_with_retry_after_and_reads_go_on(settings: Settings) -> None:
    """Another writer holds the database: writes answer 503 + Retry-After after the bounded
    wait, in Chinese and English; reads and /healthz keep answering."""
    s = settings.model_copy(update={"lock_timeout_s": 1.0})
    engine = create_engine_from_settings(s)
    seed(engine)
    with write_transaction(engine) as conn:
        token = auth.add_user(conn, "admin", ["admin"]).token
    app = create_app(s)
    holder = create_engine_from_settings(settings)
    with serve_in_thread(app) as base, holder.connect() as raw:
        held = raw.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        held.begin()  # SQLite: takes the write lock
        if not s.is_sqlite:
            held.execute(text("SELECT pg_advisory_xact_lock(1)"))
            held.execute(text("LOCK TABLE naming_words IN ACCESS EXCLUSIVE MODE"))
        t0 = time.monotonic()
        r = httpx.post(
            f"{base}/api/v1/naming/words",
            json={"list_name": "enterprises", "word": "测试"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] and "busy" in r.text and "请稍后重试" in r.text
        assert time.monotonic() - t0 < 10
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{base}/api/v1/search", params={"q": "x"}, timeout=5).status_code < 500
        held.rollback()
    holder.dispose()
    engine.dispose()


def test_bad_input_is_4xx_naming_the_field(site: Site) -> None:
    """Issue 16: these answered 500 (integers >= 2^63 on SQLite, > 2^31-1 on PostgreSQL,
    null for required fields in PATCH, NUL in text on PostgreSQL, unknown place_id)."""
    base, h = site.base, {"Authorization": f"Bearer {site.token}"}
    with httpx.Client(base_url=base, headers=h, timeout=30) as c:
        f = c.get("/api/v1/facilities").json()["items"][0]
        good = {
            "name": "测试点",
            "type": MEAL,
            "admin_code": f["admin_code"],
            "lon": f["lon"],
            "lat": f["lat"],
        }
        for field, value in (
            ("beds", 2**63),
            ("capacity", 2**31),
            ("place_id", 2**63),
            ("name", "食\x00堂"),
            ("operator", "a\x00"),
        ):
            r = c.post("/api/v1/facilities", json={**good, field: value})
            assert r.status_code == 422, (field, r.text)
            assert f"body.{field}" in r.text
        for field in ("name", "lon", "admin_code"):
            r = c.patch(f"/api/v1/facilities/{f['id']}", json={field: None})
            assert r.status_code == 422 and f"body.{field}" in r.text, r.text
        for url, field in (
            (f"/api/v1/facilities?offset={2**63}", "offset"),
            (f"/api/v1/facilities/{2**63}", "facility_id"),
            (f"/api/v1/facilities/{f['id']}?version={2**63}", "version"),
            (f"/api/v1/coverage/scenarios/{2**31}", "scenario_id"),
        ):
            r = c.request("DELETE" if "version" in url else "GET", url)
            assert r.status_code == 422 and field in r.text, (url, r.text)
        r = c.post(
            "/api/v1/naming/cases",
            json={"kind": "rename", "name": "新名路", "admin_code": TOWN_A1, "place_id": 999999},
        )
        assert r.status_code == 400 and "place_id" in r.text, r.text
        r = c.post(
            "/api/v1/naming/cases",
            json={"kind": "rename", "name": "新名路", "admin_code": TOWN_A1, "place_id": 2**63},
        )
        assert r.status_code == 422 and "place_id" in r.text
        r = c.get("/api/v1/naming/cases/overdue", params={"as_of": "-1e-251"})
        assert r.status_code == 422 and "as_of" in r.text


def test_drafts_trails_and_staff_names_need_a_staff_token(site: Site) -> None:
    base, h = site.base, {"Authorization": f"Bearer {site.token}"}
    line = {"type": "LineString", "coordinates": [[122.001, 37.001], [122.004, 37.001]]}
    r = httpx.post(
        f"{base}/api/v1/naming/cases",
        json={"kind": "new_road", "name": "梧桐路", "admin_code": TOWN_A1, "geometry": line},
        headers=h,
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert httpx.get(f"{base}/api/v1/naming/cases/{cid}").status_code == 404
    assert httpx.get(f"{base}/api/v1/naming/cases/{cid}", headers=h).status_code == 200
    public = httpx.get(f"{base}/api/v1/naming/cases").json()
    staff = httpx.get(f"{base}/api/v1/naming/cases", headers=h).json()
    assert cid not in [c["id"] for c in public["items"]]
    assert cid in [c["id"] for c in staff["items"]]
    assert httpx.get(f"{base}/api/v1/naming/cases/{cid}/audit").status_code == 401
    trail = httpx.get(f"{base}/api/v1/naming/cases/{cid}/audit", headers=h)
    assert trail.status_code == 200 and trail.json()[0]["user"] == "planner"
    stamp = trail.json()[0]["at"]  # an RFC 3339 date-time: with its offset
    assert stamp.endswith("Z") or stamp[-6] in "+-", stamp
    assert httpx.get(f"{base}/api/v1/naming/places/1/audit").status_code == 401
    # facility history: who changed it only for staff
    fid = httpx.get(f"{base}/api/v1/facilities").json()["items"][0]["id"]
    r = httpx.patch(f"{base}/api/v1/facilities/{fid}", json={"beds": 7}, headers=h)
    assert r.status_code == 200, r.text
    hist = httpx.get(f"{base}/api/v1/facilities/{fid}/history").json()
    assert hist and {e["changed_by"] for e in hist} == {""}
    hist = httpx.get(f"{base}/api/v1/facilities/{fid}/history", headers=h).json()
    assert "planner" in {e["changed_by"] for e in hist}
    # scenarios: who saved them only for staff
    body = {"name": "乙", "facility_type": [MEAL], "minutes": 5, "add": [], "remove": []}
    r = httpx.post(f"{base}/api/v1/coverage/scenarios", json=body, headers=h, timeout=60)
    sid = r.json()["id"]
    assert httpx.get(f"{base}/api/v1/coverage/scenarios/{sid}").json()["created_by"] == ""
    got = httpx.get(f"{base}/api/v1/coverage/scenarios/{sid}", headers=h).json()
    assert got["created_by"] == "planner"
    assert {s["created_by"] for s in httpx.get(f"{base}/api/v1/coverage/scenarios").json()} == {""}


def test_tokens_expire_record_their_last_use_and_can_be_revoked(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select, update

    from gazetteer.cli import main as cli_main
    from gazetteer.storage.tables_naming import api_tokens

    base = site.base
    with write_transaction(site.engine) as conn:
        old = auth.add_user(conn, "old", ["reviewer"]).token
        gone = auth.add_user(conn, "gone", ["reviewer"]).token
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == auth.hash_token(old))
            .values(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    r = httpx.get(f"{base}/api/v1/naming/cases/1/audit", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and "expired" in r.text
    h = {"Authorization": f"Bearer {gone}"}
    assert httpx.get(f"{base}/api/v1/naming/places/1/audit", headers=h).status_code == 200
    with site.engine.connect() as conn:
        row = conn.execute(
            select(api_tokens.c.expires_at, api_tokens.c.last_used_at).where(
                api_tokens.c.token_hash == auth.hash_token(gone)
            )
        ).one()
    assert row.last_used_at is not None and row.expires_at is not None
    url = site.settings.database_url
    assert cli_main(["--database-url", url, "users", "token", "gone", "--revoke"]) == 0
    assert capsys.readouterr().out == ""  # no new token
    assert httpx.get(f"{base}/api/v1/naming/places/1/audit", headers=h).status_code == 401


def test_ogc_links_never_echo_the_host_header(site: Site, settings: Settings) -> None:
    r = httpx.get(
        f"{site.base}/ogc/collections/facilities/items",
        params={"limit": 1},
        headers={"Host": "evil.example"},
    )
    assert r.status_code == 200, r.text
    assert "evil.example" not in r.text
    assert any(link["rel"] == "next" for link in r.json()["links"])
    public = "https://gis.example.gov.cn/gazetteer"
    app = create_app(settings.model_copy(update={"public_base_url": public}))
    with serve_in_thread(app) as base:
        seed(create_engine_from_settings(settings))
        r = httpx.get(f"{base}/ogc/collections/facilities/items", params={"limit": 1})
        links = [link["href"] for link in r.json()["links"]]
        assert links and all(href.startswith(public + "/ogc/") for href in links), links


CONFORMANCE_EXAMPLES = 3


def test_schemathesis_responses_conform_to_the_schema(site: Site) -> None:
    """Schemathesis with response-schema, status-code and content-type conformance on
    the public reads (a few examples each, so it stays well under a minute)."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from tests.api.conformance import operation_failure

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    schema = schemathesis.openapi.from_url(f"{site.base}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.method.upper() != "GET" or "/map" in operation.path:
            continue
        failure = operation_failure(
            operation, site.base, checks, max_examples=CONFORMANCE_EXAMPLES, chars=400
        )
        if failure is not None:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)
