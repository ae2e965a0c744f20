"""Staff accounts and bearer tokens: the use cases (a pure library: no HTTP here).

Public users read without an account. Staff have one or more roles
(:mod:`gazetteer.model.accounts`).

Tokens are random (``secrets.token_urlsafe``), shown once when created, and stored only as
their SHA-256 hex digest, so a copy of the database does not leak usable credentials.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from gazetteer.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from gazetteer.model.accounts import Role, User
from gazetteer.storage.tables_naming import api_tokens, users
from gazetteer.types import utc_now

TOKEN_PREFIX = "gz_"


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly created token: ``token`` is the only time the plain value exists."""

    user: User
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    out: set[Role] = set()
    for v in values:
        for part in str(v).split(","):
            part = part.strip().lower()
            if not part:
                continue
            try:
                out.add(Role(part))
            except ValueError:
                raise InvalidInput(
                    f"未知角色 (unknown role): {part}; 可选 (choose from) "
                    + ", ".join(r.value for r in Role)
                ) from None
    if not out:
        raise InvalidInput("至少需要一个角色 (at least one role is required)")
    return frozenset(out)


def user_from_row(r: Row[Any]) -> User:
    m = r._mapping
    return User(
        id=int(m["id"]),
        name=str(m["name"]),
        roles=frozenset(Role(x) for x in str(m["roles"]).split(",") if x),
        display_name=str(m["display_name"] or ""),
        active=bool(m["active"]),
    )


def _new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def add_user(
    conn: Connection, name: str, roles: Sequence[str], *, display_name: str = ""
) -> NewToken:
    """Create a user with ``roles`` and a first token; returns the plain token once."""
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput("用户名不能为空且不超过60字符 (user name must be 1-60 characters)")
    role_set = parse_roles(roles)
    exists = conn.execute(select(users.c.id).where(users.c.name == name)).first()
    if exists is not None:
        raise Conflict(f"用户已存在 (user already exists): {name}")
    uid = conn.execute(
        insert(users).returning(users.c.id),
        [
            {
                "name": name,
                "display_name": display_name,
                "roles": ",".join(sorted(r.value for r in role_set)),
                "active": True,
                "created_at": utc_now(),
            }
        ],
    ).scalar_one()
    user = User(id=int(uid), name=name, roles=role_set, display_name=display_name)
    return NewToken(user=user, token=_issue(conn, user.id, label="initial"))


def _issue(conn: Connection, user_id: int, *, label: str) -> str:
    token = _new_token_value()
    conn.execute(
        insert(api_tokens),
        [
            {
                "user_id": user_id,
                "token_hash": hash_token(token),
                "label": label,
                "created_at": utc_now(),
            }
        ],
    )
    return token


def issue_token(conn: Connection, name: str, *, label: str = "") -> NewToken:
    """Another token for an existing user (e.g. after a revocation)."""
    user = get_user_by_name(conn, name)
    return NewToken(user=user, token=_issue(conn, user.id, label=label))


def revoke_tokens(conn: Connection, name: str) -> int:
    """Revoke every live token of ``name``; returns how many were revoked."""
    user = get_user_by_name(conn, name)
    res = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return int(res.rowcount or 0)


def get_user_by_name(conn: Connection, name: str) -> User:
    r = conn.execute(select(users).where(users.c.name == name)).first()
    if r is None:
        raise NotFound(f"用户不存在 (no such user): {name}")
    return user_from_row(r)


def list_users(conn: Connection) -> list[User]:
    return [user_from_row(r) for r in conn.execute(select(users).order_by(users.c.id))]


def authenticate(conn: Connection, token: str | None) -> User:
    """The active user owning ``token``; :class:`NotAuthenticated` otherwise."""
    if not token:
        raise NotAuthenticated(
            "需要登录令牌 (authentication required: send 'Authorization: Bearer <token>')"
        )
    q = (
        select(users)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == hash_token(token), api_tokens.c.revoked_at.is_(None))
    )
    r = conn.execute(q).first()
    if r is None:
        raise NotAuthenticated("令牌无效或已撤销 (invalid or revoked token)")
    user = user_from_row(r)
    if not user.active:
        raise NotAuthenticated("账户已停用 (account disabled)")
    return user


__all__ = [
    "NewToken",
    "add_user",
    "authenticate",
    "get_user_by_name",
    "hash_token",
    "issue_token",
    "list_users",
    "parse_roles",
    "revoke_tokens",
    "user_from_row",
]
