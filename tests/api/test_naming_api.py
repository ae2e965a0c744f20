"""Naming API over real HTTP on both backends: check, roles on every write endpoint, the
full case cycle, batch reports and concurrent approvals (exactly one wins).

One database and one two-worker server per backend for the module (a server start costs
seconds). The tests keep apart by name: each test that writes proposes names of its own,
with a pinyin key no other test uses (梧桐, 松涛, 海棠, 桂香/桂湘), so none of them is a
duplicate or homophone of another test's case or place; the reading tests (check, batch)
use 杏林/杏琳, which no test writes. Only the full case cycle files a case, and approvals
fall due weeks ahead, so its "one filed case, nothing overdue" holds in any order.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

import httpx
import pytest
from openpyxl import load_workbook
from shapely.geometry import LineString, mapping
from sqlalchemy import Engine

from gazetteer.cli import main as cli_main
from gazetteer.services import accounts as auth
from gazetteer.settings import Settings
from gazetteer.types import local_today
from tests.builder import backdate_case
from tests.conftest import backend_per_module, database_with_engine, new_database_settings
from tests.datasets.naming_frame import HUANCUILOU, NEW_ROAD_CYCLE, build_frame
from tests.server import live_server

LINE = LineString([(122.090, 37.530), (122.105, 37.532)])
# staff dates are Weihai's (types.local_today): from 16:00 UTC on, a day ahead of UTC's
START = (local_today() - timedelta(days=40)).isoformat()


backend = backend_per_module  # ``settings``/``engine`` still give the CLI test a fresh database


class Site(NamedTuple):
    base: str
    tokens: dict[str, str]
    ids: dict[str, int]
    engine: Engine  # on the server's database


@pytest.fixture(scope="module")
def server(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    databases = new_database_settings(backend, request, tmp_path_factory.mktemp("naming"))
    with database_with_engine(databases) as (settings, engine):
        ids = build_frame(engine)
        with engine.begin() as conn:
            tokens = {
                "rev": auth.add_user(conn, "zhang", ["reviewer"]).token,
                "rev2": auth.add_user(conn, "li", ["reviewer"]).token,
                "app": auth.add_user(conn, "wang", ["approver"]).token,
                "app2": auth.add_user(conn, "zhao", ["approver"]).token,
                "admin": auth.add_user(conn, "root", ["admin"]).token,
            }
        with live_server(settings, workers=2) as base:
            yield Site(base, tokens, ids, engine)


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_case(c: httpx.Client, token: str, name: str, line: LineString = LINE) -> int:
    r = c.post(
        "/api/v1/naming/cases",
        json={
            "kind": "new_road",
            "name": name,
            "admin_code": HUANCUILOU,
            "geometry": mapping(line),
            "start_desc": "文化路",
            "end_desc": "新威路",
            "width_m": 24,
            "grade": "次干路",
        },
        headers=h(token),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _to_consultation(c: httpx.Client, token: str, case_id: int, engine: Engine) -> None:
    for step in ("submit", "review"):
        r = c.post(f"/api/v1/naming/cases/{case_id}/{step}", headers=h(token))
        assert r.status_code == 200, r.text
    backdate_case(engine, case_id, date.fromisoformat(START))
    r = c.post(
        f"/api/v1/naming/cases/{case_id}/consultation",
        json={"start_date": START},
        headers=h(token),
    )
    assert r.status_code == 200, r.text


def test_check_endpoint_with_real_and_bad_names(server: Site) -> None:
    base, ids = server.base, server.ids
    with httpx.Client(base_url=base, timeout=30) as c:

        def check(name: str, kind: str = "road", **extra: Any) -> dict[str, Any]:
            r = c.post(
                "/api/v1/naming/check",
                json={
                    "name": name,
                    "kind": kind,
                    "admin_code": HUANCUILOU,
                    "geometry": mapping(LINE),
                    **extra,
                },
            )
            assert r.status_code == 200, r.text
            return dict(r.json())

        ok = check("杏林路")
        assert ok["ok"] is True and ok["romanized"] == "Xìnglín Lù" and ok["findings"] == []
        assert (ok["specific"], ok["generic"]) == ("杏林", "路")
        homo = check("文华路")
        assert homo["ok"] is False
        assert homo["findings"][0]["rule"] == "conflict.homophone"
        assert homo["findings"][0]["conflicts"] == [f"place:{ids['文化路']}"]
        assert "第九条" in homo["findings"][0]["article"]
        rules = {
            n: {f["rule"] for f in check(n, k)["findings"]}
            for n, k in [
                ("环球大厦广场", "building"),
                ("皇家御园", "compound"),
                ("维多利亚路", "road"),
                ("路", "road"),
                ("经5路", "road"),
                ("𪚥山路", "road"),
                ("文化路", "road"),
            ]
        }
        assert {"structure.stacked_generic", "content.exaggerated"} <= rules["环球大厦广场"]
        assert "content.feudal" in rules["皇家御园"]
        assert "content.foreign" in rules["维多利亚路"]
        assert "structure.bare_generic" in rules["路"]
        assert "structure.non_chinese" in rules["经5路"]
        assert "content.rare_character" in rules["𪚥山路"]
        assert "conflict.duplicate" in rules["文化路"]
        wide = check("杏林大道", width_m=12)
        assert [f["rule"] for f in wide["findings"]] == ["structure.road_class"] and wide["ok"]
        bad = c.post("/api/v1/naming/check", json={"name": "", "admin_code": "x"})
        assert bad.status_code == 422
        bad = c.post(
            "/api/v1/naming/check",
            json={
                "name": "杏林路",
                "admin_code": HUANCUILOU,
                "geometry": {"type": "Point", "coordinates": ["a"]},
            },
        )
        assert bad.status_code == 400


WRITE_ENDPOINTS = [
    (
        "post",
        "/api/v1/naming/cases",
        "reviewer",
        {"kind": "new_road", "name": "梧桐路", "admin_code": HUANCUILOU},
    ),
    ("patch", "/api/v1/naming/cases/{id}", "reviewer", {"reason": "x"}),
    ("post", "/api/v1/naming/cases/{id}/submit", "reviewer", None),
    ("post", "/api/v1/naming/cases/{id}/review", "reviewer", None),
    ("post", "/api/v1/naming/cases/{id}/consultation", "reviewer", None),
    ("post", "/api/v1/naming/cases/{id}/approve", "approver", {"approval_no": "X"}),
    ("post", "/api/v1/naming/cases/{id}/reject", "approver", {"reason": "x"}),
    ("post", "/api/v1/naming/cases/{id}/withdraw", "reviewer", None),
    ("post", "/api/v1/naming/cases/{id}/announce", "reviewer", None),
    ("post", "/api/v1/naming/cases/{id}/file", "reviewer", None),
    ("post", "/api/v1/naming/words", "admin", {"list_name": "enterprises", "word": "某某置业"}),
]


def test_every_write_endpoint_needs_a_token_and_the_right_role(server: Site) -> None:
    base, tokens = server.base, server.tokens
    wrong = {"reviewer": "app", "approver": "rev", "admin": "rev"}
    with httpx.Client(base_url=base, timeout=30) as c:
        case_id = _new_case(c, tokens["rev"], "梧桐路")
        for method, path, role, body in WRITE_ENDPOINTS:
            url = path.format(id=case_id)
            r = c.request(method, url, json=body)
            assert r.status_code == 401, (url, r.text)
            assert r.headers.get("www-authenticate") == "Bearer"
            r = c.request(method, url, json=body, headers=h("gz_not-a-real-token"))
            assert r.status_code == 401, url
            r = c.request(method, url, json=body, headers=h(tokens[wrong[role]]))
            assert r.status_code == 403, (url, r.text)
            assert r.json()["error"] == "permission_denied"
        # reads are public, but a draft only for staff
        assert c.get(f"/api/v1/naming/cases/{case_id}").status_code == 404
        assert c.get(f"/api/v1/naming/cases/{case_id}", headers=h(tokens["rev"])).status_code == 200
        assert c.get("/api/v1/naming/words").status_code == 200
        # admin may do an admin-only write
        r = c.post(
            "/api/v1/naming/words",
            json={"list_name": "enterprises", "word": "某某置业"},
            headers=h(tokens["admin"]),
        )
        assert r.status_code == 201 and "某某置业" in r.json()["words"]
        chk = c.post(
            "/api/v1/naming/check",
            json={"name": "某某置业小区", "kind": "compound", "admin_code": HUANCUILOU},
        )
        assert "content.enterprise" in {f["rule"] for f in chk.json()["findings"]}


def test_full_case_cycle_over_http(server: Site) -> None:
    base, tokens = server.base, server.tokens
    with httpx.Client(base_url=base, timeout=30) as c:
        cid = _new_case(c, tokens["rev"], "松涛路")
        r = c.patch(
            f"/api/v1/naming/cases/{cid}",
            json={"reason": "以杏树成林寓意"},
            headers=h(tokens["rev"]),
        )
        assert r.status_code == 200 and r.json()["reason"] == "以杏树成林寓意"
        _to_consultation(c, tokens["rev"], cid, server.engine)
        case = c.get(f"/api/v1/naming/cases/{cid}").json()
        assert case["state"] == "public_consultation" and case["findings"] == []
        # the submitter cannot approve, even with the approver role of someone else's token
        r = c.post(
            f"/api/v1/naming/cases/{cid}/approve",
            json={"approval_no": "威政字〔2024〕3号"},
            headers=h(tokens["app"]),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["state"] == "approved" and body["place_id"]
        assert body["notice_due"] == (local_today() + timedelta(days=15)).isoformat()
        notice = c.get(f"/api/v1/naming/cases/{cid}/notice")
        assert notice.status_code == 200 and "松涛路" in notice.text and "Sōngtāo Lù" in notice.text
        assert (
            c.post(
                f"/api/v1/naming/cases/{cid}/approve",
                json={"approval_no": "again"},
                headers=h(tokens["app"]),
            ).status_code
            == 409
        )
        assert (
            c.post(
                f"/api/v1/naming/cases/{cid}/announce", json={}, headers=h(tokens["rev"])
            ).status_code
            == 200
        )
        r = c.post(f"/api/v1/naming/cases/{cid}/file", headers=h(tokens["rev"]))
        assert r.status_code == 200 and r.json()["state"] == "filed"
        assert c.get(f"/api/v1/naming/cases/{cid}/audit").status_code == 401
        trail = c.get(f"/api/v1/naming/cases/{cid}/audit", headers=h(tokens["rev"])).json()
        assert [e["action"] for e in trail] == ["create", "update", *NEW_ROAD_CYCLE]
        assert trail[6]["user"] == "wang" and trail[6]["before"]["state"] == "public_consultation"
        ptrail = c.get(
            f"/api/v1/naming/places/{body['place_id']}/audit", headers=h(tokens["rev"])
        ).json()
        assert ptrail[0]["action"] == "place.new_road" and ptrail[0]["after"]["name"] == "松涛路"
        listed = c.get("/api/v1/naming/cases", params={"state": "filed"}).json()
        assert listed["total"] == 1 and listed["items"][0]["id"] == cid
        assert c.get("/api/v1/naming/cases/overdue").json() == []
        assert c.get("/api/v1/naming/cases/999999").status_code == 404
        # a second application for the granted name is now a duplicate at once
        other = _new_case(
            c, tokens["rev2"], "松涛路", LineString([(122.15, 37.52), (122.16, 37.52)])
        )
        sub = c.post(f"/api/v1/naming/cases/{other}/submit", headers=h(tokens["rev2"])).json()
        assert sub["findings"][0]["rule"] == "conflict.duplicate"
        r = c.post(
            f"/api/v1/naming/cases/{other}/withdraw",
            json={"reason": "重名"},
            headers=h(tokens["rev2"]),
        )
        assert r.json()["state"] == "withdrawn"


def test_submitter_cannot_approve_own_case(server: Site) -> None:
    base = server.base
    with server.engine.begin() as conn:
        both = auth.add_user(conn, "chen", ["reviewer", "approver"]).token
    with httpx.Client(base_url=base, timeout=30) as c:
        cid = _new_case(c, both, "海棠路")
        _to_consultation(c, both, cid, server.engine)
        r = c.post(
            f"/api/v1/naming/cases/{cid}/approve", json={"approval_no": "X"}, headers=h(both)
        )
        assert r.status_code == 403 and "submitter" in r.json()["message"]


def test_concurrent_approvals_exactly_one_wins(server: Site) -> None:
    base, tokens = server.base, server.tokens
    with httpx.Client(base_url=base, timeout=60) as c:
        first = _new_case(c, tokens["rev"], "桂香路")
        second = _new_case(
            c, tokens["rev2"], "桂湘路", LineString([(122.15, 37.52), (122.16, 37.52)])
        )
        for cid in (first, second):
            _to_consultation(
                c, tokens["rev"] if cid == first else tokens["rev2"], cid, server.engine
            )
    barrier = threading.Barrier(6)
    results: list[tuple[int, int, dict[str, Any]]] = []
    lock = threading.Lock()

    def fire(case_id: int, token: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as cc:
            barrier.wait()
            r = cc.post(
                f"/api/v1/naming/cases/{case_id}/approve",
                json={"approval_no": f"N{case_id}"},
                headers=h(token),
            )
            with lock:
                results.append((case_id, r.status_code, r.json()))

    threads = [
        threading.Thread(target=fire, args=(cid, tok))
        for cid in (first, second)
        for tok in (tokens["app"], tokens["app2"], tokens["admin"])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if r[1] == 200]
    assert len(wins) == 1, results
    assert all(code == 409 for _, code, _ in results if code != 200), results
    winner = wins[0][2]
    loser_id = second if wins[0][0] == first else first
    loser_409 = [body for cid, code, body in results if cid == loser_id and code == 409]
    assert any(f"place:{winner['place_id']}" in body.get("conflicts", []) for body in loser_409), (
        loser_409
    )
    with httpx.Client(base_url=base, timeout=30) as c:
        assert c.get(f"/api/v1/naming/cases/{loser_id}").json()["state"] == "public_consultation"


def test_batch_check_csv_and_xlsx(server: Site) -> None:
    base = server.base
    csv_text = "name,kind,admin_code,lon,lat\n" + "".join(
        f"{n},{k},371002001000,122.1,37.53\n"
        for n, k in [
            ("杏林路", "road"),
            ("文华路", "road"),
            ("杏琳路", "road"),
            ("皇家御园", "compound"),
        ]
    )
    with httpx.Client(base_url=base, timeout=60) as c:
        r = c.post(
            "/api/v1/naming/check/batch",
            content=csv_text.encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        lines = r.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("row,name,kind")
        assert len(lines) > 4 and "batch.duplicate" in r.content.decode("utf-8-sig")
        r = c.post(
            "/api/v1/naming/check/batch",
            params={"format": "xlsx"},
            content=csv_text.encode(),
            headers={"Content-Type": "text/csv"},
        )
        ws = load_workbook(io.BytesIO(r.content)).active
        values = [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]
        assert [v[1] for v in values] == ["杏林路", "文华路", "杏琳路", "皇家御园"]
        assert [v[4] for v in values] == ["是", "否", "是", "否"]
        bad = c.post(
            "/api/v1/naming/check/batch",
            content=b"foo,bar\n1,2\n",
            headers={"Content-Type": "text/csv"},
        )
        assert bad.status_code == 400 and bad.json()["error"] == "import_failed"


def test_cli_users_add_prints_token_once_and_check_name(
    settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    build_frame(engine)
    url = settings.database_url
    assert (
        cli_main(
            [
                "--database-url",
                url,
                "users",
                "add",
                "sun",
                "--role",
                "reviewer",
                "--role",
                "approver",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    assert token.startswith("gz_")
    with engine.connect() as conn:
        user = auth.authenticate(conn, token)
        assert user.name == "sun" and user.has_role("approver")
        from sqlalchemy import select

        from gazetteer.storage.tables_naming import api_tokens

        stored = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
        assert token not in stored and auth.hash_token(token) in stored
    assert cli_main(["--database-url", url, "users", "add", "sun", "--role", "reviewer"]) == 1
    assert cli_main(["--database-url", url, "users", "add", "x", "--role", "boss"]) == 1
    where = ["--admin-code", HUANCUILOU, "--lon", "122.1", "--lat", "37.53"]
    assert cli_main(["--database-url", url, "check-name", "文华路", *where]) == 1
    out = capsys.readouterr().out
    assert "conflict.homophone" in out and "第九条" in out
    assert cli_main(["--database-url", url, "check-name", "杏林路", *where]) == 0
    assert cli_main(["--database-url", url, "cases", "overdue"]) == 0
