"""Staff sign-in: passwords, server-side browser sessions, login throttling (no HTTP here).

* Passwords are hashed with argon2id by ``argon2-cffi`` (its ``PasswordHasher`` defaults,
  RFC 9106 low-memory profile); a hash made with older parameters is re-hashed at the next
  successful sign-in. Nothing here hashes by hand.
* A successful sign-in creates a session: a random cookie value (shown to the caller once,
  stored as its SHA-256 only) and a per-session CSRF token. A session unused for
  ``Settings.session_idle_minutes`` is refused and deleted; ``last_seen_at`` is refreshed at
  most once a minute so that page views do not each write.
* Throttling: every failure is recorded under ``user:NAME`` and ``addr:ADDRESS``. With
  ``login_max_failures`` failures of one account (or ``login_max_failures_per_address`` from
  one address) within ``login_lock_minutes``, sign-ins for it are refused for the rest of
  that window, even with the right password. The message never says which half was wrong.
  The caller (the web page) also waits a little after each failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from gazetteer.errors import InvalidInput, NotAuthenticated
from gazetteer.model.accounts import User
from gazetteer.services.accounts import get_user_by_name, user_from_row
from gazetteer.settings import Settings
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.tables_naming import login_failures, staff_sessions, users
from gazetteer.types import utc_now

LOGIN_FAILED = "用户名或密码错误 (wrong user name or password)"
LOGIN_LOCKED = "登录失败次数过多，请{minutes}分钟后再试 (too many failed sign-ins; try again later)"
SESSION_EXPIRED = "登录已过期，请重新登录 (session expired, please sign in again)"
MIN_PASSWORD = 8
MAX_PASSWORD = 200
TOUCH_EVERY = timedelta(minutes=1)

_hasher = PasswordHasher()


class LoginThrottled(NotAuthenticated):
    """Too many failed sign-ins for the account or the address (answered like a failure)."""


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A live session: the user and the CSRF token the pages must send back."""

    user: User
    csrf_token: str
    session_id: int


@dataclass(frozen=True, slots=True)
class NewSession:
    """A fresh session: ``token`` (the cookie value) exists in plain text only here."""

    session: StaffSession
    token: str


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (checked for length first)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"密码至少{MIN_PASSWORD}个字符 (password must have at least {MIN_PASSWORD} characters)"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"密码过长 (password longer than {MAX_PASSWORD} characters)")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches the stored hash (False for accounts without one)."""
    if not stored:
        # same work as a real check, so a missing account does not answer faster
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password)
        return False
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("gazetteer-dummy-password")


def set_password(conn: Connection, name: str, password: str) -> User:
    """Set (or replace) ``name``'s password; ends the account's browser sessions."""
    user = get_user_by_name(conn, name)
    digest = hash_password(password)
    conn.execute(update(users).where(users.c.id == user.id).values(password_hash=digest))
    conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user.id))
    return user


def disable_user(conn: Connection, name: str) -> User:
    """Disable ``name``: no sign-in, no token, and its sessions end now."""
    user = get_user_by_name(conn, name)
    conn.execute(update(users).where(users.c.id == user.id).values(active=False))
    conn.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user.id))
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _failures(conn: Connection, key: str, since: datetime) -> int:
    q = select(func.count()).where(login_failures.c.key == key, login_failures.c.at >= since)
    return int(conn.execute(q).scalar_one())


def _locked(conn: Connection, name: str, address: str, settings: Settings, now: datetime) -> bool:
    since = now - timedelta(minutes=settings.login_lock_minutes)
    return (
        _failures(conn, f"user:{name[:100]}", since) >= settings.login_max_failures
        or _failures(conn, f"addr:{address[:100]}", since)
        >= settings.login_max_failures_per_address
    )


def login(
    engine: Engine, name: str, password: str, *, address: str, settings: Settings
) -> NewSession:
    """Sign ``name`` in; a new session, or :class:`NotAuthenticated` (the same message for a
    wrong name and a wrong password) / :class:`LoginThrottled` while locked."""
    name = name.strip()
    now = utc_now()
    with write_transaction(engine) as conn:
        if _locked(conn, name, address, settings, now):
            raise LoginThrottled(LOGIN_LOCKED.format(minutes=settings.login_lock_minutes))
        row = conn.execute(select(users).where(users.c.name == name)).first()
        stored = row._mapping["password_hash"] if row is not None else None
        ok = verify_password(stored, password) and row is not None and bool(row.active)
        if not ok or row is None:
            conn.execute(
                insert(login_failures),
                [
                    {"key": f"user:{name[:100]}", "at": now},
                    {"key": f"addr:{address[:100]}", "at": now},
                ],
            )
            # old rows are of no further use
            cutoff = now - timedelta(days=1)
            conn.execute(delete(login_failures).where(login_failures.c.at < cutoff))
        else:
            user = user_from_row(row)
            if _hasher.check_needs_rehash(str(stored)):
                conn.execute(
                    update(users)
                    .where(users.c.id == user.id)
                    .values(password_hash=_hasher.hash(password))
                )
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            sid = conn.execute(
                insert(staff_sessions).returning(staff_sessions.c.id),
                [
                    {
                        "token_hash": _hash(token),
                        "user_id": user.id,
                        "csrf_token": csrf,
                        "address": address[:64],
                        "created_at": now,
                        "last_seen_at": now,
                    }
                ],
            ).scalar_one()
            # idle sessions of anyone are removed as they are found
            idle = now - timedelta(minutes=settings.session_idle_minutes)
            conn.execute(delete(staff_sessions).where(staff_sessions.c.last_seen_at < idle))
            return NewSession(StaffSession(user, csrf, int(sid)), token)
    raise NotAuthenticated(LOGIN_FAILED)


def session_user(engine: Engine, token: str | None, *, settings: Settings) -> StaffSession | None:
    """The live session of cookie value ``token``, or None (absent, unknown, idle, disabled)."""
    if not token or len(token) > 200:
        return None
    s = staff_sessions
    q = (
        select(s.c.id, s.c.csrf_token, s.c.last_seen_at, users)
        .join(users, users.c.id == s.c.user_id)
        .where(s.c.token_hash == _hash(token))
    )
    now = utc_now()
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or not row.active:
        return None
    seen = _aware(row.last_seen_at)
    if now - seen > timedelta(minutes=settings.session_idle_minutes):
        with write_transaction(engine) as conn:
            conn.execute(delete(s).where(s.c.id == row.id))
        return None
    if now - seen > TOUCH_EVERY:
        with write_transaction(engine) as conn:
            conn.execute(update(s).where(s.c.id == row.id).values(last_seen_at=now))
    return StaffSession(user_from_row(row), str(row.csrf_token), int(row.id))


def _aware(value: datetime) -> datetime:
    """Timestamps read back from SQLite have no zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def logout(engine: Engine, token: str | None) -> None:
    """End the session of cookie value ``token`` (nothing when there is none)."""
    if not token:
        return
    with write_transaction(engine) as conn:
        conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == _hash(token)))


def expire_sessions(engine: Engine, name: str) -> int:
    """Mark every session of ``name`` as long idle (tests and admins: 'sign out everywhere'
    keeps the rows until next use)."""
    old = utc_now() - timedelta(days=365)
    with write_transaction(engine) as conn:
        user = get_user_by_name(conn, name)
        res = conn.execute(
            update(staff_sessions)
            .where(staff_sessions.c.user_id == user.id)
            .values(last_seen_at=old)
        )
    return int(res.rowcount or 0)


__all__ = [
    "LOGIN_FAILED",
    "LOGIN_LOCKED",
    "SESSION_EXPIRED",
    "LoginThrottled",
    "NewSession",
    "StaffSession",
    "disable_user",
    "expire_sessions",
    "hash_password",
    "login",
    "logout",
    "session_user",
    "set_password",
    "verify_password",
]
