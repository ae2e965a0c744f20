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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

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


#: days a new token is valid unless told otherwise (``GAZETTEER_TOKEN_DAYS``)
TOKEN_DAYS = 180
#: ``last_used_at`` is written at most this often per token (a read must not write often)
LAST_USED_EVERY = timedelta(minutes=5)


def add_user(
    conn: Connection,
    name: str,
    roles: Sequence[str],
    *,
    display_name: str = "",
    days: int = TOKEN_DAYS,
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
    return NewToken(user=user, token=_issue(conn, user.id, label="initial", days=days))


def _issue(conn: Connection, user_id: int, *, label: str, days: int = TOKEN_DAYS) -> str:
    if not 1 <= days <= 3660:
        raise InvalidInput(f"令牌有效期须为1–3660天 (token validity must be 1-3660 days): {days}")
    token = _new_token_value()
    now = utc_now()
    conn.execute(
        insert(api_tokens),
        [
            {
                "user_id": user_id,
                "token_hash": hash_token(token),
                "label": label,
                "created_at": now,
                "expires_at": now + timedelta(days=days),
            }
        ],
    )
    return token


def issue_token(
    conn: Connection, name: str, *, label: str = "", days: int = TOKEN_DAYS
) -> NewToken:
    """Another token for an existing user (e.g. after a revocation), valid ``days`` days."""
    user = get_user_by_name(conn, name)
    return NewToken(user=user, token=_issue(conn, user.id, label=label, days=days))


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as staff may list it (never its value)."""

    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(conn: Connection, name: str) -> list[TokenInfo]:
    """Every token of ``name`` with its expiry and last use, oldest first."""
    user = get_user_by_name(conn, name)
    t = api_tokens
    rows = conn.execute(
        select(t.c.id, t.c.label, t.c.created_at, t.c.expires_at, t.c.last_used_at, t.c.revoked_at)
        .where(t.c.user_id == user.id)
        .order_by(t.c.id)
    ).all()
    return [TokenInfo(*r) for r in rows]


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
    return check_token(conn, token)[0]


def check_token(conn: Connection, token: str | None) -> tuple[User, bool]:
    """The active user owning a live, unexpired ``token``, and whether its last use is
    older than ``LAST_USED_EVERY`` (then call :func:`record_use`)."""
    if not token:
        raise NotAuthenticated(
            "需要登录令牌 (authentication required: send 'Authorization: Bearer <token>')"
        )
    t = api_tokens
    q = (
        select(users, t.c.expires_at, t.c.last_used_at)
        .join(t, t.c.user_id == users.c.id)
        .where(t.c.token_hash == hash_token(token), t.c.revoked_at.is_(None))
    )
    r = conn.execute(q).first()
    if r is None:
        raise NotAuthenticated("令牌无效或已撤销 (invalid or revoked token)")
    now = utc_now()
    expires = _aware(r.expires_at)
    if expires is not None and expires <= now:
        raise NotAuthenticated("令牌已过期 (token expired; ask for a new one)")
    user = user_from_row(r)
    if not user.active:
        raise NotAuthenticated("账户已停用 (account disabled)")
    last = _aware(r.last_used_at)
    return user, last is None or now - last > LAST_USED_EVERY


def record_use(engine: Engine, token: str) -> None:
    """Write the token's last use (its own short transaction; at most every few minutes
    per token, see :func:`check_token`)."""
    with engine.begin() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == hash_token(token))
            .values(last_used_at=utc_now())
        )


def _aware(stamp: datetime | None) -> datetime | None:
    """SQLite gives naive UTC timestamps back."""
    return stamp.replace(tzinfo=UTC) if stamp is not None and stamp.tzinfo is None else stamp


__all__ = [
    "TOKEN_DAYS",
    "NewToken",
    "TokenInfo",
    "add_user",
    "authenticate",
    "check_token",
    "get_user_by_name",
    "hash_token",
    "issue_token",
    "list_tokens",
    "list_users",
    "parse_roles",
    "record_use",
    "revoke_tokens",
    "user_from_row",
]
