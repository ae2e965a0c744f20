"""What the benchmarks share: the results file, a demo database, an API server process.

A benchmark script imports this module as a sibling (``python bench/bench_x.py`` puts
``bench/`` first on the path), after it has put the repository root on the path.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from gazetteer.demo import build_demo
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from tests.server import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")
PG_URL = os.environ.get(
    "GAZETTEER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def write_section(heading: str, block: str) -> None:
    """Replace the section ``heading`` of bench/RESULTS.md with ``block`` (or append it)."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if heading in current:
        start = current.index(heading)
        nxt = current.find("\n## ", start + len(heading))
        current = current[:start] + block + (current[nxt + 1 :] if nxt >= 0 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(current, encoding="utf-8")


def timings_ms(fn: Callable[[], object], rounds: int) -> list[float]:
    """The wall time of each of ``rounds`` calls of ``fn``, in milliseconds."""
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def med(rows: list[dict[str, float]], key: str) -> float:
    """The median of ``key`` over ``rows`` (one dict of figures per run)."""
    return statistics.median(r[key] for r in rows)


def demo_settings(database_url: str | None, tmp: Path) -> Settings:
    """The settings of ``database_url``, or of a demo database built in ``tmp``."""
    if database_url:
        return Settings(database_url=database_url)
    settings = Settings(database_url=f"sqlite:///{tmp}/demo.sqlite")
    print("building the demo ...", flush=True)
    engine = create_engine_from_settings(settings)
    build_demo(engine, seed=settings.demo_seed)
    engine.dispose()
    return settings


@contextmanager
def scratch(backend: str, tmp: Path, prefix: str) -> Iterator[Engine]:
    """A migrated, empty database of ``backend`` (a file in ``tmp``, or a PostGIS database
    named from ``prefix``); dropped afterwards."""
    admin = None
    if backend == "SpatiaLite":
        url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.sqlite'}"
    else:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{PG_URL.rpartition('/')[0]}/{name}"
    engine = create_engine_from_settings(Settings(database_url=url))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def local_page(browser: Any, base: str, pages: Mapping[str, str]) -> Iterator[Any]:
    """A new 1280×800 Playwright page (cache off) that loads only from ``base`` and data:
    URLs; a URL ending in a key of ``pages`` is answered with that HTML. The context is
    closed on leaving; any other request aborts the run."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        html = next((h for path, h in pages.items() if url.endswith(path)), None)
        if html is not None:
            r.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif url.startswith(base) or url.startswith("data:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    yield page
    context.close()
    if outside:
        raise SystemExit(f"outside requests: {outside[:5]}")


def wait_ready(
    base: str, proc: subprocess.Popen[bytes], timeout_s: float, what: str, path: str = "/readyz"
) -> None:
    """Until ``base`` answers ``path`` 200 (fails if ``proc`` exits or time runs out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.3)


@contextmanager
def api_server(
    env: Mapping[str, str],
    workers: int,
    *,
    port: int = 0,
    ready: str = "/readyz",
    timeout_s: float = 90,
) -> Iterator[str]:
    """The API under uvicorn, ``env`` added to this environment, in its own process group
    (stopped with its workers after); yields its base URL once ``ready`` answers."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "api.main:create_app_from_env", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, process_group=0)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, timeout_s, "server", ready)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
