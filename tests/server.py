"""A real HTTP server for tests: ``uvicorn`` in its own process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from gazetteer.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(asgi: Any, timeout_s: float = 30) -> Iterator[str]:
    """Serve an ASGI app built in this process over HTTP, by uvicorn in a thread (for
    tests that must change the app or watch it from inside; others use live_server)."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def live_server(settings: Settings, *, workers: int = 1, timeout_s: float = 60) -> Iterator[str]:
    """Serve ``settings`` over HTTP; yields the base URL and stops the server after."""
    port = free_port()
    env = dict(os.environ)
    env.update({k.upper(): str(v) for k, v in _env(settings).items()})
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app_from_env",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _env(settings: Settings) -> dict[str, object]:
    data = settings.model_dump()
    return {
        f"gazetteer_{k}": ",".join(v) if isinstance(v, list) else v
        for k, v in data.items()
        if v is not None
    }
