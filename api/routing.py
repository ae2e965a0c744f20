"""Which database answers a request (pure ASGI middleware), and a lost database as a 503.

With read replicas (``GAZETTEER_READ_DATABASE_URLS``, :class:`ReplicaSet`):

* ``GET``/``HEAD`` requests of the public go to a healthy standby, in turn;
* every other method, the staff pages (``/staff…``, whose sessions are written on every
  request) and requests with staff credentials (a session cookie or a bearer token) go to
  the primary: staff read their own writes at once, and their few requests cost the
  primary little;
* read-your-writes for any browser: after a request that committed on the primary, the
  answer sets the cookie ``gz_wlsn`` (the primary's WAL position after the commit, for
  ``read_your_writes_s``); that client's reads go to a standby only once it has replayed
  that position, to the primary until then. The cookie grants nothing: it only chooses
  which database answers that client (a forged one sends its reads to the primary for at
  most its lifetime).

The chosen engine is put in the request's scope (:data:`ENGINE_SCOPE_KEY`) and
``api.deps.get_engine`` hands it to the routes, so one request reads from one database
only (why caches stay right: :mod:`gazetteer.storage.replicas`).

Faults: a read that fails because its standby is gone (or the standby cancelled it to
replay WAL, or it tried to write) before anything was sent is run once more on another
database, and the standby leaves the rotation at once. A request that fails because the
database is gone and cannot be retried answers 503 with a clear message
(:class:`~gazetteer.errors.DatabaseUnavailable`), never a 500; without standbys (SpatiaLite,
a lone primary) that translation is the only thing this middleware does.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie

import anyio
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import SESSION_COOKIE
from api.deps import ENGINE_SCOPE_KEY
from api.errors import domain_response
from gazetteer.errors import DatabaseUnavailable
from gazetteer.storage.replicas import ReplicaSet, failure_kind, watching_writes

log = logging.getLogger(__name__)

WRITE_LSN_COOKIE = "gz_wlsn"
READ_METHODS = frozenset({"GET", "HEAD"})
PRIMARY_PATHS = ("/staff",)
DATABASE_HEADER = b"x-gazetteer-database"

PRIMARY_DOWN = (
    "主数据库暂时不可用，请稍后重试；未完成的修改不会部分保存 (the primary database is "
    "unavailable; please retry in a moment — an unfinished change is never partly saved)"
)
PRIMARY_READ_ONLY = (
    "主数据库当前只读（可能正在切换），请稍后重试 (the primary database is read-only, "
    "perhaps during a switch-over; please retry in a moment)"
)
NO_DATABASE = "数据库暂时不可用，请稍后重试 (no database is reachable; please retry in a moment)"


def _cookies(scope: Scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


def _has_authorization(scope: Scope) -> bool:
    return any(k == b"authorization" for k, _ in scope.get("headers", []))


def written_lsn(cookies: dict[str, str]) -> int | None:
    """The WAL position of the client's last write (``gz_wlsn``), if it sent one."""
    value = cookies.get(WRITE_LSN_COOKIE, "")
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def needs_primary(scope: Scope, cookies: dict[str, str]) -> bool:
    """A write, a staff page or a staff request: the primary answers."""
    path = str(scope.get("path", ""))
    return (
        scope["method"] not in READ_METHODS
        or any(path == p or path.startswith(p + "/") for p in PRIMARY_PATHS)
        or SESSION_COOKIE in cookies
        or _has_authorization(scope)
    )


class ReadRouting:
    """Chooses the database per request; retries a read once; a lost database is a 503."""

    def __init__(self, app: ASGIApp, *, read_your_writes_s: float = 60.0) -> None:
        self.app = app
        self.read_your_writes_s = read_your_writes_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = getattr(scope.get("app"), "state", None)
        replicas: ReplicaSet | None = getattr(state, "replicas", None)
        if scope["type"] != "http" or replicas is None:
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        after = written_lsn(cookies)
        public_read = replicas.has_replicas and not needs_primary(scope, cookies)
        engine = replicas.read_engine(after_lsn=after) if public_read else replicas.primary
        started = False
        current = engine  # the database of the run that answers

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if replicas.has_replicas:
                    message = await self._headers(message, replicas, current, wrote[0])
            await send(message)

        with watching_writes() as wrote:
            try:
                await self.app({**scope, ENGINE_SCOPE_KEY: engine}, receive, sending)
                return
            except Exception as exc:
                kind = failure_kind(_unwrap(exc))
                if kind is None or started:
                    raise
                first = exc
            primary_only = replicas.has_replicas and not public_read
            if not public_read:
                await self._unavailable(kind, first, scope, send, primary_only=primary_only)
                return
            if kind == "unreachable":
                replicas.report_failure(engine)
            other = (
                replicas.primary
                if kind == "read_only"
                else replicas.read_engine(after_lsn=after, avoid=engine)
            )
            log.warning(
                "%s %s: %s on one database, retried on another",
                scope["method"],
                scope.get("path"),
                kind,
            )
            current = other
            try:
                await self.app({**scope, ENGINE_SCOPE_KEY: other}, _replay(receive), sending)
            except Exception as exc:
                again = failure_kind(_unwrap(exc))
                if again is None or started:
                    raise
                if again == "unreachable":
                    replicas.report_failure(other)
                await self._unavailable(again, exc, scope, send, primary_only=False)

    async def _headers(
        self, message: Message, replicas: ReplicaSet, engine: Engine, wrote: bool
    ) -> Message:
        headers = list(message.get("headers", []))
        role = b"replica" if replicas.is_replica(engine) else b"primary"
        headers.append((DATABASE_HEADER, role))
        if wrote and int(message["status"]) < 400 and self.read_your_writes_s > 0:
            lsn = await anyio.to_thread.run_sync(replicas.primary_lsn)
            if lsn is not None:
                cookie = (
                    f"{WRITE_LSN_COOKIE}={lsn:x}; Max-Age={round(self.read_your_writes_s)}; "
                    "Path=/; HttpOnly; SameSite=Lax"
                )
                headers.append((b"set-cookie", cookie.encode("latin-1")))
        return {**message, "headers": headers}

    @staticmethod
    async def _unavailable(
        kind: str, exc: Exception, scope: Scope, send: Send, *, primary_only: bool
    ) -> None:
        """503: the primary is read-only or gone (a write, a staff request), or no
        database answered a read."""
        if kind == "read_only":
            message = PRIMARY_READ_ONLY
        elif primary_only or scope["method"] not in READ_METHODS:
            message = PRIMARY_DOWN
        else:
            message = NO_DATABASE
        log.warning(
            "%s %s: database unavailable (%s): %s",
            scope["method"],
            scope.get("path"),
            kind,
            _unwrap(exc),
        )
        response = domain_response(DatabaseUnavailable(message))
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _replay(receive: Receive) -> Receive:
    """``receive`` for a second run of a GET/HEAD: its (empty) body once more, then the
    client's own messages (a disconnect)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return again


def _unwrap(exc: BaseException) -> BaseException:
    """The one error inside exception groups (task groups wrap what they raise)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


__all__ = [
    "DATABASE_HEADER",
    "ENGINE_SCOPE_KEY",
    "WRITE_LSN_COOKIE",
    "ReadRouting",
    "needs_primary",
    "written_lsn",
]
