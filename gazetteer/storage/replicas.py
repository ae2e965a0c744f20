"""Read replicas: PostgreSQL hot standbys beside the primary, their health, and which
database answers a read.

The primary (``GAZETTEER_DATABASE_URL``) takes every write; the hot standbys
(``GAZETTEER_READ_DATABASE_URLS``) are fed by PostgreSQL's own streaming replication and
answer reads. A :class:`ReplicaSet` holds one engine per database and a thread that asks
each of them, every ``interval_s``, where it stands:

* the primary: ``pg_current_wal_lsn()`` (kept as a short history of positions and times);
* a standby: ``pg_is_in_recovery()`` and ``pg_last_wal_replay_lsn()``. Its lag is how long
  ago the primary reached the oldest position the standby has not replayed yet (0 when it
  has replayed everything the primary had written). A quiet primary writes nothing, so a
  standby is never "behind" by the age of the last transaction, only by WAL it lacks. With
  the primary down, a standby that has replayed all it received is not behind.

A standby that does not answer, or lags more than ``max_lag_s``, leaves the rotation and
comes back at the first check that finds it healthy again; a request that fails on it
(:meth:`ReplicaSet.report_failure`) takes it out at once. :meth:`ReplicaSet.read_engine`
picks the healthy standbys in turn (round robin); a client that has just written asks
for one that has replayed its write (``after_lsn``), else gets the primary; with the
primary down, any reachable standby answers.

Caches keyed by data versions (:mod:`gazetteer.storage.versions`) stay right with
replicas because a request uses one database for all its statements: the version and the
rows it keys are read from the same server, version first, and a server's data only moves
forward. Two standbys at different positions give two versions, so a cache entry is
rebuilt from the standby that answered, never labelled with another server's version.
Caches also keyed by the database (road graphs, sheets) key a standby by its primary
(:func:`~gazetteer.storage.engine.same_database`): same database, told apart by version.

A SpatiaLite file or a PostgreSQL primary alone is a set without standbys: no thread, every
read goes to the primary, as before.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from gazetteer.storage.engine import engine_url, same_database

log = logging.getLogger(__name__)

UP = "up"  # answers and is close enough: in the rotation
LAGGING = "lagging"  # answers but is further behind than max_lag_s
DOWN = "down"  # does not answer (or just failed a request)
UNKNOWN = "unknown"  # not checked (no standbys: nothing is checked)

FailureKind = Literal["unreachable", "read_only", "recovery_conflict"]

# one statement for either role: where the server stands in the WAL
_WHERE = text(
    "SELECT pg_is_in_recovery(),"
    " (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_lsn() END)::text,"
    " pg_last_wal_receive_lsn()::text"
)
_CHECK_TIMEOUT_MS = 2000
# PostgreSQL states of a connection that is gone or refused (class 08, admin/crash shutdown,
# "the database system is starting up / shutting down")
_GONE_STATES = {"57P01", "57P02", "57P03"}


def parse_lsn(value: str) -> int:
    """A WAL position ``16/B374D848`` as an integer."""
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """What the last check found about one database."""

    name: str  # the URL without password
    role: str  # "primary" or "replica": what the server says (pg_is_in_recovery)
    state: str = UNKNOWN
    lag_s: float | None = None
    lsn: int | None = None  # primary: current WAL position; standby: replayed position
    error: str | None = None
    checked_at: float | None = None  # seconds since the epoch

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "state": self.state,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "lsn": None if self.lsn is None else format_lsn(self.lsn),
            "error": self.error,
            "checked_at": self.checked_at,
        }


def failure_kind(exc: BaseException) -> FailureKind | None:
    """Why a PostgreSQL statement failed, when another database could answer instead:
    the server is gone or refuses connections, it is a standby and the statement wrote,
    or a standby cancelled the query to replay WAL. None for anything else."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if not type(orig).__module__.startswith("psycopg"):
        return None  # SQLite and others: their errors keep their meaning
    state = getattr(orig, "sqlstate", None)
    if state == "25006":  # read_only_sql_transaction
        return "read_only"
    if state == "40001" and "recovery" in str(orig):
        return "recovery_conflict"
    if exc.connection_invalidated or state in _GONE_STATES:
        return "unreachable"
    if state is None or state.startswith("08"):
        # psycopg's OperationalError without a state: the connection failed or broke
        return "unreachable" if type(orig).__name__ == "OperationalError" else None
    return None


_WROTE: ContextVar[list[bool] | None] = ContextVar("gazetteer_wrote", default=None)


@contextmanager
def watching_writes() -> Iterator[list[bool]]:
    """A flag (``flag[0]``) that becomes true when a transaction on a primary of a
    :class:`ReplicaSet` commits in this context (threads started from it included)."""
    flag = [False]
    token = _WROTE.set(flag)
    try:
        yield flag
    finally:
        _WROTE.reset(token)


def _on_commit(_conn: Any) -> None:
    flag = _WROTE.get()
    if flag is not None:
        flag[0] = True


class ReplicaSet:
    """The primary and its hot standbys, with their health (see the module docstring)."""

    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[Engine] = (),
        *,
        max_lag_s: float = 5.0,
        interval_s: float = 1.0,
    ) -> None:
        self.primary = primary
        self.replicas = tuple(replicas)
        self.max_lag_s = max_lag_s
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self._states: dict[Engine, DatabaseState] = {
            primary: DatabaseState(engine_url(primary), "primary"),
            **{e: DatabaseState(engine_url(e), "replica") for e in self.replicas},
        }
        for engine in self.replicas:
            same_database(engine, primary)
        # (monotonic time, primary WAL position) of recent checks, oldest first
        self._history: deque[tuple[float, int]] = deque()
        self._history_s = max(60.0, 4 * max_lag_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.replicas:
            event.listen(primary, "commit", _on_commit)

    @property
    def has_replicas(self) -> bool:
        return bool(self.replicas)

    # --- the health check -------------------------------------------------------------

    def start(self) -> None:
        """Check once now, then every ``interval_s`` in a daemon thread (standbys only)."""
        if not self.replicas or self._thread is not None:
            return
        self.check()
        self._thread = threading.Thread(target=self._run, name="replica-health", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the check and close the standbys' connections (the primary is the
        caller's)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.replicas:
            event.remove(self.primary, "commit", _on_commit)
        for engine in self.replicas:
            engine.dispose()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # the check must outlive any surprise
                log.exception("replica health check failed")

    def check(self) -> None:
        """Ask every database where it stands and update the states."""
        primary_lsn = self._check_primary()
        for engine in self.replicas:
            self._check_replica(engine, primary_lsn)

    def _ask(self, engine: Engine) -> tuple[bool, int, int | None]:
        with engine.begin() as conn:
            conn.execute(text(f"SET LOCAL statement_timeout = {_CHECK_TIMEOUT_MS}"))
            in_recovery, lsn, received = conn.execute(_WHERE).one()
        return bool(in_recovery), parse_lsn(lsn), parse_lsn(received) if received else None

    def _check_primary(self) -> int | None:
        now = time.monotonic()
        try:
            in_recovery, lsn, _ = self._ask(self.primary)
        except Exception as exc:
            self._set(self.primary, state=DOWN, error=_short(exc), lag_s=None)
            return None
        if not in_recovery:
            self._history.append((now, lsn))
            while len(self._history) > 1 and self._history[0][0] < now - self._history_s:
                self._history.popleft()
        role = "replica" if in_recovery else "primary"
        self._set(self.primary, role=role, state=UP, lsn=lsn, lag_s=0.0, error=None)
        return None if in_recovery else lsn

    def _check_replica(self, engine: Engine, primary_lsn: int | None) -> None:
        try:
            in_recovery, lsn, received = self._ask(engine)
        except Exception as exc:
            self._set(engine, state=DOWN, error=_short(exc), lag_s=None)
            return
        if not in_recovery:
            lag = 0.0  # a promoted standby, or the primary itself behind a pooler
        elif primary_lsn is not None:
            lag = self._behind(lsn, time.monotonic())
        else:  # the primary is down: behind only by what it received and not replayed
            lag = 0.0 if received is None or lsn >= received else self._replay_age(engine)
        state = UP if lag <= self.max_lag_s else LAGGING
        role = "replica" if in_recovery else "primary"
        self._set(engine, role=role, state=state, lsn=lsn, lag_s=lag, error=None)

    def _behind(self, replayed: int, now: float) -> float:
        """Seconds since the primary reached the oldest position not yet replayed."""
        for at, lsn in self._history:
            if lsn > replayed:
                return max(0.0, now - at)
        return 0.0

    def _replay_age(self, engine: Engine) -> float:
        with engine.connect() as conn:
            age = conn.execute(
                text("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
            ).scalar()
        return float(age or 0.0)

    def _set(self, engine: Engine, **changes: Any) -> None:
        with self._lock:
            before = self._states[engine]
            after = replace(before, checked_at=time.time(), **changes)
            self._states[engine] = after
        if before.state != after.state:
            level = logging.INFO if after.state == UP else logging.WARNING
            detail = after.error or f"lag {after.lag_s}"
            log.log(
                level, "database %s: %s -> %s (%s)", after.name, before.state, after.state, detail
            )

    def report_failure(self, engine: Engine, error: str = "a request failed") -> None:
        """Take ``engine`` out of the rotation until the next check finds it healthy."""
        if engine in self._states:
            self._set(engine, state=DOWN, error=error)

    # --- choosing a database ------------------------------------------------------------

    def read_engine(self, *, after_lsn: int | None = None, avoid: Engine | None = None) -> Engine:
        """The database for a read: a healthy standby in turn (one that has replayed
        ``after_lsn`` when given), else the primary, else (primary down) any standby that
        answers. ``avoid``: one that just failed this request."""
        if not self.replicas:
            return self.primary
        with self._lock:
            states = dict(self._states)
        fresh = [
            e
            for e in self.replicas
            if e is not avoid
            and states[e].state == UP
            and (after_lsn is None or (states[e].lsn or 0) >= after_lsn)
        ]
        if fresh:
            return fresh[next(self._turn) % len(fresh)]
        if avoid is not self.primary and states[self.primary].state != DOWN:
            return self.primary
        reachable = [e for e in self.replicas if e is not avoid and states[e].state != DOWN]
        if reachable:
            return reachable[next(self._turn) % len(reachable)]
        return self.primary

    def is_replica(self, engine: Engine) -> bool:
        return engine is not self.primary

    def primary_lsn(self) -> int | None:
        """The primary's WAL position now (after a write commits: what a standby must
        have replayed to show it), or None when it cannot be read."""
        try:
            with self.primary.connect() as conn:
                value = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        except Exception as exc:
            log.warning("primary WAL position unknown: %s", _short(exc))
            return None
        return parse_lsn(str(value))

    def states(self) -> list[DatabaseState]:
        """The primary's state, then each standby's."""
        with self._lock:
            return [self._states[self.primary], *(self._states[e] for e in self.replicas)]

    def readable(self) -> bool:
        """Whether some database can answer reads: from the last check with standbys,
        else by asking the primary now."""
        if self.replicas:
            return any(s.state in (UP, LAGGING) for s in self.states())
        try:
            with self.primary.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("database unreachable: %s", _short(exc))
            return False
        return True


def _short(exc: BaseException) -> str:
    """The first line of an error (no statement, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0][:200] if lines else type(orig).__name__


__all__ = [
    "DOWN",
    "LAGGING",
    "UNKNOWN",
    "UP",
    "DatabaseState",
    "ReplicaSet",
    "failure_kind",
    "format_lsn",
    "parse_lsn",
    "watching_writes",
]
