"""Staff sign-in on both backends: password hashing, sessions, CSRF, throttling, idle
expiry, security headers, the OpenAPI bearer scheme, and the CLI's user commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.main import create_app
from api.security import INLINE_SCRIPT_CSP, STRICT_CSP, policy_for
from gazetteer.cli import main as cli_main
from gazetteer.services import accounts as auth
from gazetteer.services import sessions
from gazetteer.settings import Settings
from gazetteer.storage.tables_naming import users

PASSWORD = "correct horse 1"


def _login(client: TestClient, name: str, password: str) -> httpx.Response:
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r: httpx.Response = client.post(
        "/staff/login",
        data={"username": name, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    return r


def _csrf(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert m is not None
    return m.group(1)


def test_sign_in_sessions_csrf_and_throttling(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        token = auth.add_user(conn, "zhang", ["reviewer"]).token
        auth.add_user(conn, "li", ["approver"])
        sessions.set_password(conn, "zhang", PASSWORD)
        sessions.set_password(conn, "li", PASSWORD)
        stored = conn.execute(select(users.c.password_hash).where(users.c.name == "zhang"))
        digest = stored.scalar_one()
    assert digest.startswith("$argon2id$") and PASSWORD not in digest
    assert sessions.verify_password(digest, PASSWORD)
    assert not sessions.verify_password(digest, "wrong")
    assert not sessions.verify_password(None, PASSWORD)

    app_settings = settings.model_copy(
        update={"cache_dir": tmp_path / "cache", "login_max_failures": 3}
    )
    with TestClient(create_app(app_settings)) as client:
        # landing page instead of a JSON 404; strict CSP on it and on staff pages
        home = client.get("/")
        assert home.status_code == 200 and 'href="/staff/login"' in home.text
        assert home.headers["content-security-policy"] == STRICT_CSP
        assert home.headers["x-frame-options"] == "DENY"
        assert home.headers["x-content-type-options"] == "nosniff"
        assert home.headers["referrer-policy"] == "same-origin"
        assert "content-security-policy" not in client.get("/healthz").headers

        assert 'name="csrf-token"' not in client.get("/map/coverage").text
        # pages need a session
        r = client.get("/staff/cases?state=draft", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/staff/login?next=/staff/cases%3Fstate%3Ddraft"

        # wrong name and wrong password: the same message, the form again
        for name, password in (("zhang", "wrong password"), ("nobody", PASSWORD)):
            r = _login(client, name, password)
            assert r.status_code == 200 and "用户名或密码错误" in r.text
        # the login form needs its own CSRF token
        r = client.post(
            "/staff/login", data={"username": "zhang", "password": PASSWORD}, follow_redirects=False
        )
        assert "gz_session" not in r.cookies and "页面已过期" in r.text

        r = _login(client, "zhang", PASSWORD)
        assert r.status_code == 303
        set_cookie = r.headers["set-cookie"]
        assert "gz_session=" in set_cookie and "HttpOnly" in set_cookie
        assert "SameSite=lax" in set_cookie and "Path=/" in set_cookie
        board = client.get("/staff/")
        assert board.status_code == 200 and "工作台" in board.text
        csrf = _csrf(board.text)
        # the planners' workbench of a signed-in user carries the session's CSRF token
        # (its scenario saves go through the cookie) and is never cached
        workbench = client.get("/map/coverage")
        assert workbench.status_code == 200
        assert f'<meta name="csrf-token" content="{csrf}"' in workbench.text
        assert workbench.headers["cache-control"] == "no-store"

        # cookie-authenticated writes need the CSRF token (403 JSON without)
        r = client.post("/api/v1/naming/cases", json={})
        assert r.status_code == 403 and "CSRF" in r.json()["message"]
        r = client.post("/api/v1/naming/cases", json={}, headers={"X-CSRF-Token": "forged"})
        assert r.status_code == 403
        r = client.post("/api/v1/naming/cases", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 422  # authenticated; the body is what is wrong
        assert client.post("/staff/logout", follow_redirects=False).status_code == 403

        # bad input in forms: the form again with a message per field, never a 500
        bad = {
            "csrf_token": csrf,
            "kind": "new_road",
            "name": "杏\x00坛路",
            "admin_code": "12ab",
            "geometry": "[1, 2]",
            "width_m": "wide",
        }
        r = client.post("/staff/cases/new", data=bad)
        assert r.status_code == 200
        for field in ("admin_code", "geometry", "width_m"):
            assert f'id="{field}-err"' in r.text, field
        assert 'value="杏坛路"' in r.text
        r = client.get("/staff/reports", params={"download": "1", "start": "2026-02-30"})
        assert r.status_code == 200 and 'id="start-err"' in r.text
        assert client.get("/staff/cases", params={"q": "x\x00", "page": "2"}).status_code == 200
        assert client.get("/staff/cases/999999").status_code == 404
        r = client.post(
            "/staff/api/check",
            json={"name": "杏坛路", "admin_code": "x", "geometry": {"type": "Point"}},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 200 and r.json()["error"] == "invalid_input"

        # bearer tokens keep working without any CSRF token
        bearer = TestClient(client.app)
        r = bearer.post(
            "/api/v1/naming/cases", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 422
        assert bearer.post("/api/v1/naming/cases", json={}).status_code == 401

        # sign out ends the session on the server
        r = client.post("/staff/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        client.cookies.clear()
        # (a copy of the old cookie no longer works)
        assert client.get("/staff/", follow_redirects=False).status_code == 303

        # throttling: after 3 failures the right password is refused for a while, and the
        # message does not say which half was wrong
        for _ in range(3):
            _login(client, "li", "nope-nope")
        r = _login(client, "li", PASSWORD)
        assert r.status_code == 200 and "登录失败次数过多" in r.text
        assert "gz_session" not in client.cookies

        # idle sessions end
        assert _login(client, "zhang", PASSWORD).status_code == 303
        assert client.get("/staff/").status_code == 200
        assert sessions.expire_sessions(engine, "zhang") == 1
        r = client.get("/staff/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")

        # a disabled account can neither sign in nor use its token
        with engine.begin() as conn:
            sessions.disable_user(conn, "zhang")
        assert "用户名或密码错误" in _login(client, "zhang", PASSWORD).text
        r = bearer.post(
            "/api/v1/naming/cases", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 401

        # the OpenAPI document declares the bearer scheme on the writes, not on reads
        doc = client.get("/openapi.json").json()
        assert doc["openapi"].startswith("3.0")
        assert doc["components"]["securitySchemes"]["bearerAuth"] == {
            "type": "http",
            "scheme": "bearer",
            "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
        }
        assert doc["paths"]["/api/v1/naming/cases"]["post"]["security"] == [{"bearerAuth": []}]
        assert "security" not in doc["paths"]["/api/v1/search"]["get"]
        assert not any(p.startswith("/staff") for p in doc["paths"])


def test_security_policy_by_page() -> None:
    assert policy_for("/staff/cases") == STRICT_CSP
    assert policy_for("/") == STRICT_CSP
    for path in ("/map", "/map/coverage", "/places/12", "/docs", "/redoc"):
        assert policy_for(path) == INLINE_SCRIPT_CSP
    assert "'unsafe-inline'" not in STRICT_CSP.split("script-src")[1].split(";")[0]


def test_cli_users_and_dates(
    settings: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = ["--database-url", settings.database_url]

    def cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        rc = cli_main([*url, *args])
        out = capsys.readouterr()
        return rc, out.out, out.err

    add = ("users", "add", "zhang", "--role", "reviewer", "--password-stdin")
    rc, _, err = cli(*add, stdin="short\n")
    assert rc == 1 and "密码至少" in err
    rc, out, err = cli(*add, stdin=f"{PASSWORD}\n")
    assert rc == 0, err
    assert out.strip().startswith("gz_")  # the token, printed once
    with engine.connect() as conn:
        digest = conn.execute(select(users.c.password_hash).where(users.c.name == "zhang"))
        assert sessions.verify_password(digest.scalar_one(), PASSWORD)
    rc, _, err = cli("users", "passwd", "zhang", "--password-stdin", stdin="another password\n")
    assert rc == 0, err
    with engine.connect() as conn:
        digest = conn.execute(select(users.c.password_hash).where(users.c.name == "zhang"))
        assert sessions.verify_password(digest.scalar_one(), "another password")
    rc, _, err = cli("users", "passwd", "nobody", "--password-stdin", stdin="another password\n")
    assert rc == 1 and "用户不存在" in err
    assert cli("users", "disable", "zhang")[0] == 0
    assert "停用" in cli("users", "list")[1]

    # dates as people type them, and a clear message instead of a traceback
    rc, out, err = cli("cases", "overdue", "--as-of", "2027/01/31")
    assert rc == 0, err
    rc, _, err = cli("cases", "overdue", "--as-of", "31.01.2027x")
    assert rc == 1 and "日期格式" in err
