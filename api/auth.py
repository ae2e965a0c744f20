"""Authentication dependencies: the staff user from a bearer token or a browser session.

Usage in a route::

    from api.auth import CurrentUser, OptionalUser, require_role

    @router.post("/things")
    def create(user: Annotated[User, Depends(require_role("reviewer", "admin"))]) -> ...

``current_user`` accepts ``Authorization: Bearer <token>`` (API clients, no CSRF) or the
``gz_session`` cookie of a signed-in browser (``/staff/login``). With the cookie, every
state-changing request (POST/PUT/PATCH/DELETE) must carry the session's CSRF token as
header ``X-CSRF-Token`` or as form field ``csrf_token`` (url-encoded forms); without it
the answer is 403. Without credentials the request answers 401 (``NotAuthenticated``);
with valid ones but none of the roles, 403 (``PermissionDenied``). ``admin`` satisfies
every role check. Tokens expire (``GAZETTEER_TOKEN_DAYS``) and record their last use.
``OptionalUser`` is the user or None and never raises 401: public reads use it to show
staff more (drafts, audit trails, staff names).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.deps import EngineDep, SettingsDep
from gazetteer.errors import GazetteerError, NotAuthenticated, PermissionDenied
from gazetteer.model.accounts import User, check_role
from gazetteer.services.accounts import check_token, record_use
from gazetteer.services.sessions import StaffSession, session_user

log = logging.getLogger(__name__)

SESSION_COOKIE = "gz_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Declares the bearer scheme in /openapi.json (securitySchemes + security on each operation
# that takes a user), so that /docs can authorise; the header itself is read below.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="令牌 (token) from `gazetteer users add` / `gazetteer users token`",
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
CSRF_REFUSED = "CSRF 令牌缺失或无效，请刷新页面后重试 (missing or invalid CSRF token)"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def sent_csrf_token(request: Request) -> str:
    """The CSRF token the request carries (header, else url-encoded form field), or ''."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [])
        return values[0] if values else ""
    return ""


async def check_csrf(request: Request, session: StaffSession) -> None:
    """403 unless a state-changing request carries ``session``'s CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = await sent_csrf_token(request)
    if not sent or not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise PermissionDenied(CSRF_REFUSED)


async def browser_session(
    request: Request, engine: EngineDep, settings: SettingsDep
) -> StaffSession | None:
    """The live staff session of the request's cookie, or None (no CSRF check here)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    cached: StaffSession | None = getattr(request.state, "staff_session", None)
    if cached is not None:
        return cached
    found = await run_in_threadpool(session_user, engine, cookie, settings=settings)
    request.state.staff_session = found
    return found


async def optional_user(
    request: Request, engine: EngineDep, settings: SettingsDep, _bearer: BearerCredentials
) -> User | None:
    """The user of a valid bearer token or session (CSRF checked for writes), else None."""
    token = bearer_token(request)
    if token:
        try:
            return await run_in_threadpool(_user_of, engine, token)
        except NotAuthenticated:
            return None
    session = await browser_session(request, engine, settings)
    if session is None:
        return None
    await check_csrf(request, session)
    return session.user


def _user_of(engine: Engine, token: str | None) -> User:
    """The user of a bearer token (401 when missing, unknown, revoked or expired); its last
    use is recorded at most once per interval, best effort."""
    with engine.connect() as conn:
        user, stale = check_token(conn, token)
    if stale and token:
        try:  # the last use, best effort: a busy database must not fail a read
            record_use(engine, token)
        except GazetteerError:
            log.info("last use of a token of %s not recorded (database busy)", user.name)
    return user


async def current_user(
    request: Request, engine: EngineDep, settings: SettingsDep, _bearer: BearerCredentials
) -> User:
    """The authenticated user (401 without or with bad credentials; 403 for a cookie
    request that changes state without the CSRF token)."""
    token = bearer_token(request)
    if token or not request.cookies.get(SESSION_COOKIE):
        return await run_in_threadpool(_user_of, engine, token)
    session = await browser_session(request, engine, settings)
    if session is None:
        raise NotAuthenticated("登录已过期，请重新登录 (session expired, please sign in again)")
    await check_csrf(request, session)
    return session.user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency that returns the current user when it has one of ``roles`` (else 403)."""

    def dependency(user: CurrentUser) -> User:
        return check_role(user, *roles)

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CurrentUser",
    "OptionalUser",
    "User",
    "bearer_token",
    "browser_session",
    "check_csrf",
    "current_user",
    "optional_user",
    "require_role",
]
