"""The rendered-sheet cache: data version, file store, and the download route over the
app and over a real HTTP server, on SpatiaLite and on PostGIS.

Evidence that a sheet came from the cache is never a timing: the render function is
wrapped with a counter (in-process app), or the server says ``X-Cache: hit|miss`` and the
cache file keeps its inode (a render replaces the file with a new one).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point
from sqlalchemy import Engine, event, make_url

from api.main import create_app
from api.routes.map_data import etag_matches
from gazetteer.cartography import sheet_data, sheet_render
from gazetteer.cartography.sheet_cache import MAGIC, SheetCache, SheetIndexMemo, SheetKey
from gazetteer.cartography.sheet_grid import sheets_touching
from gazetteer.cli import main
from gazetteer.errors import NotFound
from gazetteer.model import ChangeReason, Facility, FacilityType
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import repository as repo
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.versions import sheet_data_version
from tests.datasets.weihai_maps import build_small_map_db
from tests.server import live_server

PNG = b"\x89PNG\r\n\x1a\n"
# a county sheet of the small database: few names and roads, so the cheapest to render
SHEET = "371083000000"


@pytest.fixture
def small_db(settings: Settings, engine: Engine, weihai_data: Path, tmp_path: Path) -> Settings:
    """The small map database; settings with a cache directory of the test's own."""
    build_small_map_db(engine, weihai_data, per_category=10)
    return settings.model_copy(update={"cache_dir": tmp_path / "cache"})


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the sheets rendered in this process (the route looks ``render_sheet`` up on
    every request, so the wrapper sees every render)."""
    calls: list[str] = []
    real = sheet_render.render_sheet

    def counting(data: sheet_data.SheetData) -> Any:
        calls.append(data.code)
        return real(data)

    monkeypatch.setattr(sheet_render, "render_sheet", counting)
    return calls


@pytest.fixture
def client(small_db: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(small_db)) as c:
        yield c


def _cache_file(settings: Settings, etag: str, fmt: str) -> Path:
    return settings.cache_dir / "sheets" / f"{etag.strip(chr(34))}.{fmt}"


# --- the data version ---------------------------------------------------------------------


def test_data_version_follows_what_a_sheet_draws(small_db: Settings, engine: Engine) -> None:
    def version() -> str:
        with engine.connect() as conn:
            return sheet_data_version(conn)

    v0 = version()
    assert v0 == version()  # stable while nothing changes

    # facilities are not drawn on sheets: adding one leaves the version alone
    with write_transaction(engine) as conn:
        repo.insert_facilities(
            conn,
            [
                Facility(
                    name="新设施",
                    type=FacilityType.ELDERLY_MEAL_POINT,
                    admin_code="371002000000",
                    point=Point(122.1, 37.5),
                )
            ],
        )
    assert version() == v0

    # a renamed place (through the repository, as every write path does)
    with write_transaction(engine) as conn:
        first = next(iter(repo.iter_places(conn)))
        assert first.id is not None
        repo.update_place(conn, first.id, {"name": "改名测试"}, reason=ChangeReason.RENAMING)
    v1 = version()
    assert v1 != v0

    # the road network re-imported with the same ids and count but one edge longer
    with write_transaction(engine) as conn:
        edges = list(repo.iter_network_edges(conn))
        nodes = list(_nodes(conn))
        repo.clear_network(conn)
        changed = [replace(edges[0], length_m=edges[0].length_m + 500.0), *edges[1:]]
        repo.insert_network(conn, nodes, changed)
    v2 = version()
    assert v2 != v1


def _nodes(conn: Any) -> Iterator[Any]:
    from sqlalchemy import func, select

    from gazetteer.model import NetworkNode
    from gazetteer.storage import tables as t

    n = t.network_nodes
    for nid, x, y in conn.execute(select(n.c.id, func.ST_X(n.c.geom), func.ST_Y(n.c.geom))):
        yield NetworkNode(int(nid), Point(float(x), float(y)))


# --- the route, in process ----------------------------------------------------------------


def test_second_request_is_served_from_the_cache_and_304s(
    client: TestClient, small_db: Settings, render_calls: list[str]
) -> None:
    url = f"/api/v1/map/sheets/{SHEET}.png"
    first = client.get(url)
    assert first.status_code == 200 and first.content[:8] == PNG
    assert first.headers["x-cache"] == "miss" and render_calls == [SHEET]
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    assert first.headers["content-disposition"] == f'attachment; filename="{SHEET}.png"'
    path = _cache_file(small_db, etag, "png")
    inode = path.stat().st_ino

    second = client.get(url)
    assert second.status_code == 200 and second.headers["x-cache"] == "hit"
    assert second.content == first.content and second.headers["etag"] == etag
    assert render_calls == [SHEET]  # not rendered again
    assert path.stat().st_ino == inode  # the same file, not rewritten

    for inm in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        nm = client.get(url, headers={"If-None-Match": inm})
        assert nm.status_code == 304 and nm.content == b"", inm
        assert nm.headers["etag"] == etag and nm.headers["cache-control"] == "no-cache"
    stale = client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert render_calls == [SHEET]

    # the format is part of the key: the PDF is its own entry (rendered once)
    pdf = client.get(f"/api/v1/map/sheets/{SHEET}.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert pdf.headers["etag"] != etag and pdf.headers["x-cache"] == "miss"
    assert client.get(f"/api/v1/map/sheets/{SHEET}.pdf").headers["x-cache"] == "hit"
    assert render_calls == [SHEET, SHEET]
    # the sheet number is matched case-insensitively and keyed by its canonical form
    assert client.get(url.lower()).headers["etag"] == etag

    # bad requests are still refused before anything is rendered or cached
    bad = client.get(f"/api/v1/map/sheets/{SHEET}.svg")
    assert bad.status_code == 400 and "svg" in bad.json()["message"]
    assert client.get("/api/v1/map/sheets/J51E001001.png").status_code == 404
    assert render_calls == [SHEET, SHEET]


def test_a_data_change_gives_a_new_key_and_renders_again(
    client: TestClient, small_db: Settings, engine: Engine, render_calls: list[str]
) -> None:
    url = f"/api/v1/map/sheets/{SHEET}.png"
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["x-cache"] == "miss"
    with write_transaction(engine) as conn:
        place = next(p for p in repo.iter_places(conn) if p.admin_code.startswith("371083"))
        assert place.id is not None
        repo.update_place(conn, place.id, {"name": "新改地名"}, reason=ChangeReason.RENAMING)

    again = client.get(url, headers={"If-None-Match": etag})  # the old ETag is stale now
    assert again.status_code == 200 and again.content[:8] == PNG
    assert again.headers["etag"] != etag and again.headers["x-cache"] == "miss"
    assert render_calls == [SHEET, SHEET]
    assert _cache_file(small_db, again.headers["etag"], "png").is_file()
    assert client.get(url).headers["x-cache"] == "hit"
    assert render_calls == [SHEET, SHEET]


# --- the route over a real HTTP server ----------------------------------------------------


def test_real_server_renders_once_for_concurrent_requests_and_never_serves_a_bad_file(
    small_db: Settings,
) -> None:
    n = 4
    with live_server(small_db) as base:
        url = f"{base}/api/v1/map/sheets/{SHEET}.png"
        start = threading.Barrier(n)

        def fetch(_: int) -> httpx.Response:
            start.wait()
            return httpx.get(url, timeout=300)

        with ThreadPoolExecutor(n) as pool:
            responses = list(pool.map(fetch, range(n)))
        assert [r.status_code for r in responses] == [200] * n
        assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * (n - 1) + ["miss"]
        body = responses[0].content
        assert body[:8] == PNG and all(r.content == body for r in responses)
        etag = responses[0].headers["etag"]
        assert {r.headers["etag"] for r in responses} == {etag}
        path = _cache_file(small_db, etag, "png")
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left

        nm = httpx.get(url, headers={"If-None-Match": etag})
        assert nm.status_code == 304 and nm.content == b"" and nm.headers["etag"] == etag

        # a file cut short (a crash or a full disk mid-write) is dropped and rendered again
        blob = path.read_bytes()
        path.write_bytes(blob[: len(blob) // 2])
        cut = httpx.get(url, timeout=300)
        assert cut.status_code == 200 and cut.headers["x-cache"] == "miss"
        assert cut.content == body  # PNG output is deterministic: the same sheet again
        assert path.read_bytes()[: len(MAGIC)] == MAGIC and path.stat().st_size == len(blob)

        # so is a file of the right length with one byte changed
        damaged = bytearray(path.read_bytes())
        damaged[-100] ^= 0xFF
        path.write_bytes(bytes(damaged))
        flipped = httpx.get(url, timeout=300)
        assert flipped.status_code == 200 and flipped.headers["x-cache"] == "miss"
        assert flipped.content == body
        assert httpx.get(url, timeout=300).headers["x-cache"] == "hit"


# --- the file store on its own -----------------------------------------------------------


def _key(n: int) -> SheetKey:
    return SheetKey("sqlite:///x", "grid", f"J51E0150{n:02d}", "png", 110, "v1", "r1")


def _store(cache: SheetCache, key: SheetKey, data: bytes) -> None:
    assert cache.get(key, lambda: data) == (data, False)


def test_concurrent_callers_of_one_key_render_once(tmp_path: Path) -> None:
    cache = SheetCache(tmp_path / "sheets", max_bytes=10**6)
    key = _key(1)
    n = 5
    release = threading.Event()
    renders: list[int] = []

    def render() -> bytes:
        renders.append(1)
        # hold the render until every other caller has missed the file and is waiting
        assert release.wait(timeout=60)
        return b"sheet bytes"

    results: list[tuple[bytes, bool]] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(key, render))) for _ in range(n)
    ]
    for th in threads:
        th.start()
    _wait_until(lambda: cache.in_flight(key) == n)
    release.set()
    for th in threads:
        th.join(timeout=60)
    assert renders == [1]
    assert sorted(hit for _, hit in results) == [False] + [True] * (n - 1)
    assert {data for data, _ in results} == {b"sheet bytes"}
    assert cache.in_flight(key) == 0 and cache.stats().renders == 1


def _wait_until(cond: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(6000):
        if cond():
            return
        done.wait(0.01)
    raise AssertionError("condition never met")


def test_store_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = SheetCache(tmp_path / "sheets", max_bytes=2_500)
    keys = [_key(i) for i in range(3)]
    _store(cache, keys[0], b"a" * 1000)
    _store(cache, keys[1], b"b" * 1000)
    # make the order explicit rather than depending on the clock's resolution
    os.utime(cache.path(keys[0]), (1_000_000, 1_000_000))
    os.utime(cache.path(keys[1]), (2_000_000, 2_000_000))
    assert cache.read(keys[0]) == b"a" * 1000  # a hit makes key 0 the most recent
    _store(cache, keys[2], b"c" * 1000)  # now 3 files > 2,500 bytes: key 1 goes
    assert cache.read(keys[1]) is None
    assert cache.read(keys[0]) == b"a" * 1000 and cache.read(keys[2]) == b"c" * 1000
    assert cache.stats().evicted == 1
    # a temporary file left by a crash is removed once stale, a fresh one is left alone
    stale = cache.directory / ".tmp-crashed.part"
    fresh = cache.directory / ".tmp-writing.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (1_000_000, 1_000_000))
    cache.prune()
    assert not stale.exists() and fresh.exists()


def test_an_unwritable_cache_still_serves_the_sheet(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    cache = SheetCache(blocker / "sheets", max_bytes=10**6)
    assert cache.get(_key(1), lambda: b"png") == (b"png", False)
    assert cache.get(_key(1), lambda: b"png") == (b"png", False)  # rendered again, no error


def test_key_digest_covers_every_field() -> None:
    base = _key(1)
    variants = [
        replace(base, database="postgresql+psycopg://h/db"),
        replace(base, kind="county"),
        replace(base, number="J51E015002"),
        replace(base, fmt="pdf"),
        replace(base, dpi=300),
        replace(base, data_version="v2"),
        replace(base, renderer="r2"),
    ]
    digests = {base.digest, *(v.digest for v in variants)}
    assert len(digests) == len(variants) + 1


def test_if_none_match_parsing() -> None:
    assert etag_matches('"a"', '"a"') and etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"') and etag_matches("*", '"a"')
    assert not etag_matches(None, '"a"') and not etag_matches('"ab"', '"a"')
    assert not etag_matches("", '"a"')


# --- the remembered sheet index -------------------------------------------------------------


@pytest.fixture
def grid_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the sheet-set computations (``sheet_set``) and the GB/T 13989 grid laid over
    a boundary (``sheets_touching``, also used by a county sheet's own index)."""
    calls = {"sheet_set": 0, "sheets_touching": 0}
    real_set, real_touching = sheet_data.sheet_set, sheets_touching  # sheet_data's own

    def counting_set(conn: Any) -> Any:
        calls["sheet_set"] += 1
        return real_set(conn)

    def counting_touching(geometry: Any) -> Any:
        calls["sheets_touching"] += 1
        return real_touching(geometry)

    monkeypatch.setattr(sheet_data, "sheet_set", counting_set)
    monkeypatch.setattr(sheet_data, "sheets_touching", counting_touching)
    return calls


@contextmanager
def _statements(database_url: str) -> Iterator[list[str]]:
    """SQL statements sent to ``database_url`` by any engine in this process (the app's
    own included), without SQLite's ``BEGIN``."""
    seen: list[str] = []

    database = make_url(database_url).database

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if conn.engine.url.database == database and statement.strip().upper() != "BEGIN":
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_warm_requests_read_only_the_data_version(
    client: TestClient,
    small_db: Settings,
    engine: Engine,
    render_calls: list[str],
    grid_calls: dict[str, int],
) -> None:
    png, pdf = (f"/api/v1/map/sheets/{SHEET}.{fmt}" for fmt in ("png", "pdf"))
    first = client.get(png)
    assert first.headers["x-cache"] == "miss" and grid_calls["sheet_set"] == 1
    assert client.get(pdf).headers["x-cache"] == "miss"
    assert grid_calls["sheet_set"] == 1  # the second sheet found in the remembered index
    for key in grid_calls:
        grid_calls[key] = 0

    with _statements(small_db.database_url) as statements:
        for url in (png, pdf, png.lower()):
            r = client.get(url)
            assert r.status_code == 200 and r.headers["x-cache"] == "hit"
        nm = client.get(png, headers={"If-None-Match": first.headers["etag"]})
        assert nm.status_code == 304
        assert client.get("/api/v1/map/sheets/J51E001001.png").status_code == 404
    assert grid_calls == {"sheet_set": 0, "sheets_touching": 0}  # no grid recomputed
    # one statement per request, the data version's
    with _statements(small_db.database_url) as direct, engine.connect() as conn:
        sheet_data_version(conn)
    assert len(direct) == 1 and statements == direct * 5

    # a data change is a new data version: the index is computed again, once
    with write_transaction(engine) as conn:
        place = next(p for p in repo.iter_places(conn) if p.admin_code.startswith("371083"))
        assert place.id is not None
        repo.update_place(conn, place.id, {"name": "索引测试"}, reason=ChangeReason.RENAMING)
    changed = client.get(png)
    assert changed.headers["x-cache"] == "miss" and grid_calls["sheet_set"] == 1
    assert client.get(png).headers["x-cache"] == "hit" and grid_calls["sheet_set"] == 1
    assert render_calls == [SHEET, SHEET, SHEET]


def test_index_memo_is_bounded_and_keyed_by_database_and_version(
    small_db: Settings, engine: Engine, grid_calls: dict[str, int]
) -> None:
    memo = SheetIndexMemo(size=2)
    with engine.connect() as conn:
        v1 = memo.get(conn, "v1")
        assert memo.get(conn, "v1") is v1 and grid_calls["sheet_set"] == 1
        assert v1.find(SHEET.lower()).kind == "county"
        assert v1.find(" j51e015009 ").number == "J51E015009"
        with pytest.raises(NotFound):
            v1.find("J51E001001")
        assert [r.number for r in v1.refs] == [r.number for r in sheet_data.sheet_set(conn)]
        grid_calls["sheet_set"] = 0

        memo.get(conn, "v2")
        memo.get(conn, "v1")  # v1 used last: v2 is the oldest now
        memo.get(conn, "v3")  # over the bound of 2: v2 goes
        assert grid_calls["sheet_set"] == 2
        memo.get(conn, "v1")
        memo.get(conn, "v3")
        assert grid_calls["sheet_set"] == 2
        memo.get(conn, "v2")
        assert grid_calls["sheet_set"] == 3

    # the same data version string on another database is another entry
    option = "?timeout=20" if small_db.is_sqlite else "?connect_timeout=20"
    other = small_db.model_copy(update={"database_url": small_db.database_url + option})
    other_engine = create_engine_from_settings(other)
    try:
        with other_engine.connect() as conn:
            memo.get(conn, "v1")
    finally:
        other_engine.dispose()
    assert grid_calls["sheet_set"] == 4


# --- gazetteer sheets through the cache ------------------------------------------------------


def test_cli_reuses_the_cache_and_no_cache_renders_again(
    small_db: Settings,
    render_calls: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GAZETTEER_CACHE_DIR", str(small_db.cache_dir))
    grid = "J51E015009"
    files = ["J51E015009.pdf", "J51E015009.png", "county-371083.pdf", "county-371083.png"]

    def run(out: Path, *extra: str) -> tuple[str, dict[str, bytes]]:
        args = ["--database-url", small_db.database_url, "sheets", "--out", str(out)]
        assert main([*args, "--quiet", "--only", grid, SHEET, *extra]) == 0
        written = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        assert list(written) == files
        return capsys.readouterr().out, written

    said, first = run(tmp_path / "run1")
    assert "2 幅 (sheets): 0 幅取自缓存 (from cache), 2 幅重新绘制 (rendered)" in said
    assert "已生成 4 个文件 (files written)" in said
    assert sorted(render_calls) == sorted([grid, SHEET])
    assert first["county-371083.png"][:8] == PNG and first["J51E015009.pdf"][:5] == b"%PDF-"
    cached = sorted(p.name for p in (small_db.cache_dir / "sheets").iterdir())
    assert len(cached) == 4 and all(name.endswith((".png", ".pdf")) for name in cached)

    said, second = run(tmp_path / "run2")
    assert "2 幅 (sheets): 2 幅取自缓存 (from cache), 0 幅重新绘制 (rendered)" in said
    assert second == first  # byte for byte, PDFs (with their creation date) included
    assert len(render_calls) == 2

    # the API keys sheets the same way: it serves the file the command wrote
    with TestClient(create_app(small_db)) as client:
        r = client.get(f"/api/v1/map/sheets/{SHEET}.png")
        assert r.headers["x-cache"] == "hit" and r.content == first["county-371083.png"]
    assert len(render_calls) == 2

    said, third = run(tmp_path / "run3", "--no-cache")
    assert "0 幅取自缓存 (from cache), 2 幅重新绘制 (rendered)" in said and "--no-cache" in said
    assert sorted(render_calls) == sorted([grid, SHEET] * 2)
    assert third["county-371083.png"] == first["county-371083.png"]  # PNG is deterministic
    assert third["J51E015009.pdf"][:5] == b"%PDF-"
