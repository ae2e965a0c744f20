"""The sheet render pool: a bound on renders at once, and cached sheets never waiting.

Over a real HTTP server (uvicorn in a thread of the test process, so the render function
can be instrumented): :class:`RenderProbe` wraps ``sheet_render.render_sheet``, counts
the renders running at once (and the peak) and can hold them on an ``Event``. Nothing
here asserts a duration; what runs concurrently is observed through the probe and the
cache's own counts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from api.main import create_app
from gazetteer.cartography import sheet_data, sheet_render
from gazetteer.cartography.sheet_cache import SheetCache, SheetKey
from gazetteer.settings import Settings
from tests.datasets.weihai_maps import build_small_map_db
from tests.server import serve_in_thread

PNG = b"\x89PNG\r\n\x1a\n"
CACHED = "371083000000"  # the cheapest county sheet of the small database
OTHERS = ("371002000000", "371082000000", "371003000000")  # the other county sheets


class RenderProbe:
    """Stands in for ``sheet_render.render_sheet``: the real render, counted, and held
    while ``gate`` is clear."""

    def __init__(self, real: Callable[[sheet_data.SheetData], Any]) -> None:
        self.real = real
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.entered: list[str] = []

    def __call__(self, data: sheet_data.SheetData) -> Any:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.entered.append(data.code)
        try:
            assert self.gate.wait(timeout=300), "render held too long"
            return self.real(data)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[RenderProbe]:
    p = RenderProbe(sheet_render.render_sheet)
    monkeypatch.setattr(sheet_render, "render_sheet", p)
    yield p
    p.gate.set()  # never leave a render pool thread waiting


@pytest.fixture
def small_db(settings: Settings, engine: Engine, weihai_data: Path, tmp_path: Path) -> Settings:
    build_small_map_db(engine, weihai_data, per_category=10)
    return settings.model_copy(update={"cache_dir": tmp_path / "cache"})


def _thread_tokens(app: FastAPI, tokens: int) -> Any:
    """``app`` with AnyIO's thread pool (where sync routes, dependencies and
    ``run_in_threadpool`` run) limited to ``tokens`` threads."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = tokens
        await app(scope, receive, send)

    return asgi


def _wait_until(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not cond():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def _cache(app: FastAPI) -> SheetCache | None:
    cache: SheetCache | None = app.state.caches.sheets if hasattr(app.state, "caches") else None
    return cache


def _pending(app: FastAPI) -> int:
    cache = _cache(app)
    return cache.pending_renders() if cache is not None else 0


@pytest.mark.parametrize("limit", [1, 3])
def test_renders_at_once_stay_within_the_limit(
    small_db: Settings, probe: RenderProbe, limit: int
) -> None:
    """Three different missing sheets asked for at the same time: all are served, and no
    more than ``limit`` render at any moment. With the limit at 3 the same probe sees all
    three at once (so it would see a broken bound of 1)."""
    app = create_app(small_db.model_copy(update={"sheet_render_limit": limit}))
    probe.gate.clear()  # hold every render until all three requests are queued
    with serve_in_thread(app) as base, ThreadPoolExecutor(len(OTHERS)) as pool:
        urls = [f"{base}/api/v1/map/sheets/{code}.png" for code in OTHERS]
        futures = [pool.submit(httpx.get, url, timeout=300) for url in urls]
        _wait_until(
            lambda: _pending(app) == len(OTHERS) and len(probe.entered) == limit,
            f"3 renders queued, {limit} started",
        )
        assert probe.active == limit
        probe.gate.set()
        responses = [f.result() for f in futures]
    assert [r.status_code for r in responses] == [200] * len(OTHERS)
    assert [r.headers["x-cache"] for r in responses] == ["miss"] * len(OTHERS)
    assert all(r.content[:8] == PNG for r in responses)
    assert sorted(probe.entered) == sorted(OTHERS)
    assert probe.peak == limit and probe.active == 0


def test_cached_sheets_and_other_routes_never_wait_for_renders(
    small_db: Settings, probe: RenderProbe
) -> None:
    """One sheet rendering (held), another waiting for the bound of 1, and AnyIO's thread
    pool cut to ONE thread: a cached sheet, a revalidation and a sync route are still
    answered at once, because waiting for a render holds no thread."""
    app = create_app(small_db.model_copy(update={"sheet_render_limit": 1}))
    with serve_in_thread(_thread_tokens(app, 1)) as base, ThreadPoolExecutor(2) as pool:
        cached_url = f"{base}/api/v1/map/sheets/{CACHED}.png"
        first = httpx.get(cached_url, timeout=300)
        assert first.status_code == 200 and first.headers["x-cache"] == "miss"
        probe.entered.clear()

        probe.gate.clear()
        slow = [
            pool.submit(httpx.get, f"{base}/api/v1/map/sheets/{code}.png", timeout=300)
            for code in OTHERS[:2]
        ]
        _wait_until(
            lambda: _pending(app) == 2 and len(probe.entered) == 1,
            "one render held and one queued behind it",
        )

        hit = httpx.get(cached_url, timeout=60)
        assert hit.status_code == 200 and hit.headers["x-cache"] == "hit"
        assert hit.content == first.content
        nm = httpx.get(cached_url, headers={"If-None-Match": first.headers["etag"]}, timeout=60)
        assert nm.status_code == 304
        listed = httpx.get(f"{base}/api/v1/map/sheets", timeout=60)
        assert listed.status_code == 200 and listed.json()["county_sheets"] == 4
        # all of that while the render was still held and the other still queued
        assert probe.active == 1 and len(probe.entered) == 1
        assert not any(f.done() for f in slow) and _pending(app) == 2

        probe.gate.set()
        served = [f.result() for f in slow]
    assert [r.status_code for r in served] == [200, 200]
    assert [r.headers["x-cache"] for r in served] == ["miss", "miss"]
    assert probe.peak == 1 and sorted(probe.entered) == sorted(OTHERS[:2])


# --- the pool on its own (no database) ------------------------------------------------------


def _key(n: int) -> SheetKey:
    return SheetKey("sqlite:///x", "grid", f"J51E0150{n:02d}", "png", 110, "v1", "r1")


def test_pool_bounds_renders_and_reads_do_not_wait(tmp_path: Path) -> None:
    cache = SheetCache(tmp_path / "sheets", max_bytes=10**6, max_renders=2)
    cache.store(_key(0), b"cached")
    gate = threading.Event()
    lock = threading.Lock()
    running: list[int] = []
    peak = [0]

    def render(n: int) -> Callable[[], bytes]:
        def run() -> bytes:
            with lock:
                running.append(n)
                peak[0] = max(peak[0], len(running))
            try:
                assert gate.wait(timeout=60)
                return f"sheet {n}".encode()
            finally:
                with lock:
                    running.remove(n)

        return run

    tickets = [cache.submit(_key(n), render(n)) for n in range(1, 6)]  # never blocks
    again = cache.submit(_key(1), render(1))  # joins the render of key 1
    assert [t.owner for t in tickets] == [True] * 5 and not again.owner
    _wait_until(lambda: len(running) == 2, "two renders started")
    assert cache.pending_renders() == 5 and cache.in_flight(_key(1)) == 2
    # a cached sheet is read while both render slots are taken
    assert cache.cached(_key(0)) == b"cached"
    assert cache.get(_key(0), render(99)) == (b"cached", True)

    gate.set()
    results = [t.outcome(t.future.result(timeout=60)) for t in tickets]
    assert results == [(f"sheet {n}".encode(), False) for n in range(1, 6)]
    assert again.outcome(again.future.result(timeout=60)) == (b"sheet 1", True)
    for t in (*tickets, again):
        t.release()
    assert peak[0] == 2
    assert cache.read(_key(3)) == b"sheet 3"
    _wait_until(lambda: cache.pending_renders() == 0, "finished jobs forgotten")
    assert cache.stats().renders == 5
    cache.close()


def test_a_failed_render_raises_and_is_retried(tmp_path: Path) -> None:
    cache = SheetCache(tmp_path / "sheets", max_bytes=10**6, max_renders=1)

    def broken() -> bytes:
        raise RuntimeError("no font")

    with pytest.raises(RuntimeError, match="no font"):
        cache.get(_key(1), broken)
    _wait_until(lambda: cache.pending_renders() == 0, "failed job forgotten")
    assert cache.get(_key(1), lambda: b"ok") == (b"ok", False)
    cache.close()
