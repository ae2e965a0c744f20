"""Authentication dependencies: the current staff user from ``Authorization: Bearer``.

Usage in a route::

    from api.auth import CurrentUser, require_role

    @router.post("/things")
    def create(user: Annotated[User, Depends(require_role("reviewer", "admin"))]) -> ...

Without a token the request answers 401 (``NotAuthenticated``); with a valid token but
none of the roles, 403 (``PermissionDenied``). ``admin`` satisfies every role check.
Reads are public and need no dependency; ``OptionalUser`` (the user or None, never a
401) lets a public read show staff more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.deps import EngineDep
from gazetteer.errors import GazetteerError, NotAuthenticated
from gazetteer.model.accounts import User, check_role
from gazetteer.services.accounts import check_token, record_use

log = logging.getLogger(__name__)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _user_of(engine: Engine, token: str | None) -> User:
    with engine.connect() as conn:
        user, stale = check_token(conn, token)
    if stale and token:
        try:  # the last use, best effort: a busy database must not fail a read
            record_use(engine, token)
        except GazetteerError:
            log.info("last use of a token of %s not recorded (database busy)", user.name)
    return user


def current_user(request: Request, engine: EngineDep) -> User:
    """The authenticated user (401 without or with a bad or expired token)."""
    return _user_of(engine, bearer_token(request))


CurrentUser = Annotated[User, Depends(current_user)]


def optional_user(request: Request, engine: EngineDep) -> User | None:
    """The user of a valid token, else None (never a 401): for public reads that show
    staff more (drafts, audit trails, staff names)."""
    token = bearer_token(request)
    if token is None:
        return None
    try:
        return _user_of(engine, token)
    except NotAuthenticated:
        return None


OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency that returns the current user when it has one of ``roles`` (else 403)."""

    def dependency(user: CurrentUser) -> User:
        return check_role(user, *roles)

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


__all__ = [
    "CurrentUser",
    "OptionalUser",
    "User",
    "bearer_token",
    "current_user",
    "optional_user",
    "require_role",
]
