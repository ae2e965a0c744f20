"""Bounds that keep one request from taking the service down.

* :class:`BodyLimit` (ASGI middleware): a request body larger than the limit is a 413
  JSON answer, whether announced by ``Content-Length`` or streamed (chunked). Bodies are
  read in full before the route runs, so a route never sees a partial body. JSON bodies
  have a tighter limit (``json_max_bytes``), which bounds the time FastAPI spends parsing
  one on the event loop (about 10 ms per MB); large uploads (the batch name check's CSV)
  are parsed inside the heavy pool below.
* :class:`HeavyPool`: heavy computations (isochrones, batch checks, scenario comparison,
  what-if, site recommendation) run in threads of their own, ``heavy_workers`` at once,
  never in the thread pool that serves light requests (search, place pages, ``/healthz``);
  at most ``heavy_queue`` wait, further ones are a 503 with ``Retry-After``. Each client
  (by address) may start ``heavy_rate_per_minute`` of them a minute (429 beyond). When the
  client disconnects, the computation is told to stop (:class:`Cancel`) at its next step.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gazetteer.errors import Busy, GazetteerError, RateLimited
from gazetteer.settings import Settings

T = TypeVar("T")

JSON_MAX_BYTES = 1024 * 1024
HEAVY_BUSY = "计算任务繁忙，请稍后重试 (heavy computations are busy; please retry in a few seconds)"
RATE_MESSAGE = (
    "请求过于频繁，请稍后重试 (too many heavy requests from this client; please retry later)"
)


def _too_large(limit: int) -> bytes:
    body = {
        "error": "too_large",
        "message": f"请求体过大，最大{limit}字节 (request body larger than {limit} bytes)",
        "details": [{"field": "body", "problem": f"larger than {limit} bytes"}],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class BodyLimit:
    """ASGI middleware: bodies above ``max_bytes`` (JSON: ``json_max_bytes``) get a 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, json_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_max_bytes = min(json_max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = content_type == b"application/json" or content_type.endswith(b"+json")
        limit = self.json_max_bytes if is_json else self.max_bytes
        length = headers.get(b"content-length")
        if length is not None:
            try:
                announced = int(length)
            except ValueError:
                announced = -1
            if announced > limit:
                await self._reject(send, limit)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        payload = _too_large(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class Cancelled(GazetteerError):
    """The client went away; the computation stopped."""

    code = "cancelled"


class Cancel:
    """Handed to a computation as its ``progress``: ``update`` raises once the client left."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.total: int | None = None

    def update(self, n: int = 1) -> None:
        if self.event.is_set():
            raise Cancelled("客户端已断开 (the client disconnected)")


class RateLimit:
    """Sliding one-minute window of heavy requests per client address."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.seen: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def check(self, client: str) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        with self.lock:
            if len(self.seen) > 10_000:  # forget quiet clients
                self.seen = {k: v for k, v in self.seen.items() if v and v[-1] > now - 60}
            q = self.seen.setdefault(client, deque())
            while q and q[0] <= now - 60:
                q.popleft()
            if len(q) >= self.per_minute:
                raise RateLimited(RATE_MESSAGE, retry_after_s=max(1, int(q[0] + 60 - now) + 1))
            q.append(now)


class HeavyPool:
    """A bounded pool for heavy computations, apart from the light requests' threads."""

    def __init__(self, settings: Settings) -> None:
        self.limiter = anyio.CapacityLimiter(settings.heavy_workers)
        self.max_waiting = settings.heavy_queue
        self.rate = RateLimit(settings.heavy_rate_per_minute)

    async def run(self, request: Request, fn: Callable[[Cancel], T]) -> T:
        """``fn(cancel)`` in the pool; 429 over the client's rate, 503 when the queue is
        full; stopped (at ``fn``'s next ``cancel.update``) when the client disconnects."""
        client = request.client.host if request.client else "?"
        self.rate.check(client)
        limiter = self.limiter
        if limiter.borrowed_tokens >= limiter.total_tokens and (
            limiter.statistics().tasks_waiting >= self.max_waiting
        ):
            raise Busy(HEAVY_BUSY, retry_after_s=10)
        cancel = Cancel()
        result: list[T] = []
        failure: list[BaseException] = []

        async def watch() -> None:
            while not cancel.event.is_set():
                if await request.is_disconnected():
                    cancel.event.set()
                    return
                await anyio.sleep(0.2)

        def work() -> None:
            try:
                cancel.update()  # the client may have left while queued
                result.append(fn(cancel))
            except Exception as exc:  # raised below, outside the task group
                failure.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(watch)
            try:
                await anyio.to_thread.run_sync(work, limiter=limiter)
            finally:
                cancel.event.set()
                tg.cancel_scope.cancel()
        if failure:
            raise failure[0]
        return result[0]


def heavy_pool(request: Request) -> HeavyPool:
    pool: HeavyPool = request.app.state.heavy
    return pool


def install(app: Any, settings: Settings) -> None:
    """The body limit and the heavy pool of ``app``."""
    app.state.heavy = HeavyPool(settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, json_max_bytes=JSON_MAX_BYTES)


__all__ = ["BodyLimit", "Cancel", "Cancelled", "HeavyPool", "RateLimit", "heavy_pool", "install"]
