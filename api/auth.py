"""Authentication dependencies: the current staff user from ``Authorization: Bearer``.

Usage in a route::

    from api.auth import CurrentUser, require_role

    @router.post("/things")
    def create(user: Annotated[User, Depends(require_role("reviewer", "admin"))]) -> ...

Without a token the request answers 401 (``NotAuthenticated``); with a valid token but
none of the roles, 403 (``PermissionDenied``). ``admin`` satisfies every role check.
Reads are public and need no dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from api.deps import EngineDep
from gazetteer.model.accounts import User, check_role
from gazetteer.services.accounts import authenticate


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_user(request: Request, engine: EngineDep) -> User:
    """The authenticated user (401 without or with a bad token)."""
    token = bearer_token(request)
    with engine.connect() as conn:
        return authenticate(conn, token)


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency that returns the current user when it has one of ``roles`` (else 403)."""

    def dependency(user: CurrentUser) -> User:
        return check_role(user, *roles)

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


__all__ = ["CurrentUser", "User", "bearer_token", "current_user", "require_role"]
