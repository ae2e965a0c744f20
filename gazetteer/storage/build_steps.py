"""The indexing phase of a bulk load on several connections (what
:func:`gazetteer.storage.bulk.build_pending` runs).

The stored steps (``pending_build_steps``) fall in phases, derived from their statements
(no column says it): 1. the INSERTs of the n-grams (one per id range) and of the aliases,
independent of one another; 2. the indexes, constraints and the trigger, each needing the
rows of phase 1 (the search_grams ones) and independent of one another; 3. ``ANALYZE``. A
phase starts when no step of an earlier one is pending or running (a running step's row
stays until its transaction commits). Within a phase a worker takes a step whose table
lock does not conflict with those of the steps the other workers run -- two ``CREATE
INDEX`` on a table share it (SHARE), the n-grams' primary key takes ACCESS EXCLUSIVE, the
trigger SHARE ROW EXCLUSIVE -- so that workers do not queue inside PostgreSQL behind each
other, and prefers the longest (guessed from the table's size and the kind of build).

A worker claims its step with ``SELECT … FOR UPDATE SKIP LOCKED`` in the step's own
transaction, which also deletes it: no two workers (or processes) run a step, and a step
cut off by a kill stays pending. The workers of one build are threads of one process that
share what runs where; the caller holds the build's advisory lock for them. If a step
fails, the others finish the step they are in and stop; the first error is raised.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("gazetteer.storage.bulk")  # one logger for the whole build

BUILD_JOBS = 2  # connections of an indexing phase by default (the machine's cores)
MAX_BUILD_JOBS = 16
ANY_TABLE = "*"  # a statement the build does not know: it runs alone
_RE, _SUE, _SHARE, _SRE, _AE = (
    "RowExclusive",
    "ShareUpdateExclusive",
    "Share",
    "ShareRowExclusive",
    "AccessExclusive",
)
_CONFLICTS = {  # PostgreSQL's table-lock conflicts, for the modes build statements take
    _RE: {_SHARE, _SRE, _AE},
    _SUE: {_SUE, _SHARE, _SRE, _AE},
    _SHARE: {_RE, _SUE, _SRE, _AE},
    _SRE: {_RE, _SUE, _SHARE, _SRE, _AE},
    _AE: {_RE, _SUE, _SHARE, _SRE, _AE},
}
_TABLE = r'(?:ONLY\s+)?((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)'
_ALTER = rf"ALTER\s+TABLE\s+{_TABLE}\s+"
_INDEX = rf"CREATE\s+(?:UNIQUE\s+)?INDEX\s+\S+\s+ON\s+{_TABLE}"
# pattern, phase, order (lower first), weight (cost per byte of the table), lock
_KINDS: tuple[tuple[re.Pattern[str], int, int, float, str], ...] = (
    (re.compile(rf"INSERT\s+INTO\s+{_TABLE}", re.I), 1, 1, 1.0, _RE),
    # the trigger first: an instant step that would otherwise wait for places' index builds
    (re.compile(rf"{_ALTER}(?:ENABLE|DISABLE)\s+TRIGGER", re.I), 2, 0, 0.0, _SRE),
    # then the longest first (a primary key and a GIN index cost ~3 times a btree of the
    # same table, GiST ~1.5 times: bench/RESULTS.md at 1 M and 13 M names)
    (re.compile(rf"{_ALTER}ADD\s+CONSTRAINT\s", re.I), 2, 1, 3.0, _AE),
    (re.compile(rf"{_INDEX}\s+USING\s+gin\b", re.I), 2, 1, 3.0, _SHARE),
    (re.compile(rf"{_INDEX}\s+USING\s+gist\b", re.I), 2, 1, 1.5, _SHARE),
    (re.compile(_INDEX, re.I), 2, 1, 1.0, _SHARE),
    (re.compile(rf"ANALYZE\s+{_TABLE}", re.I), 3, 1, 1.0, _SUE),
)
# a foreign key takes SHARE ROW EXCLUSIVE on both tables (other constraints: ACCESS EXCLUSIVE)
_REFERENCES = re.compile(rf"\sFOREIGN\s+KEY\s.*\sREFERENCES\s+{_TABLE}", re.I | re.S)


@dataclass(frozen=True, slots=True)
class BuildStep:
    """A pending step with what scheduling needs: its phase, its rank within the phase
    (lower first) and the table locks its statement takes."""

    step: int
    statement: str
    phase: int
    order: int
    weight: float
    locks: tuple[tuple[str, str], ...]  # (table, lock mode)

    def cost(self, sizes: Mapping[str, int]) -> float:
        """A guess of the step's time from the size of the tables it works on."""
        return self.weight * sum(sizes.get(table, 0) for table, _ in self.locks)

    def conflicts(self, other: BuildStep) -> bool:
        return any(
            (table == theirs or ANY_TABLE in (table, theirs)) and their_mode in _CONFLICTS[mode]
            for table, mode in self.locks
            for theirs, their_mode in other.locks
        )


def _table(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"').lower()


def build_step(step: int, statement: str) -> BuildStep:
    """The phase, rank and locks of a stored step (module docstring)."""
    text_ = statement.strip()
    for pattern, phase, order, weight, mode in _KINDS:
        m = pattern.match(text_)
        if m is None:
            continue
        if mode == _AE and (ref := _REFERENCES.search(text_)) is not None:
            locks = ((_table(m.group(1)), _SRE), (_table(ref.group(1)), _SRE))
            return BuildStep(step, statement, phase, order, weight, locks)
        return BuildStep(step, statement, phase, order, weight, ((_table(m.group(1)), mode),))
    return BuildStep(step, statement, 2, 2, 0.0, ((ANY_TABLE, _AE),))


def _choose(
    pending: Sequence[BuildStep],
    running: Iterable[BuildStep],
    sizes: Mapping[str, int] | None = None,
) -> list[BuildStep]:
    """The steps a free worker may start now, best first: of the earliest phase with a step
    pending or running, those not running and not conflicting with a running one; the
    longest first (``sizes``: bytes of each table), so that none is left to run alone."""
    if not pending:
        return []
    busy = list(running)
    phase = min(s.phase for s in pending)
    steps = {s.step for s in busy}
    return sorted(
        (
            s
            for s in pending
            if s.phase == phase and s.step not in steps and not any(s.conflicts(r) for r in busy)
        ),
        key=lambda s: (s.order, -s.cost(sizes or {}), s.step),
    )


@dataclass
class _Build:
    """What the workers of one build share (under ``cond``)."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    running: dict[int, BuildStep] = field(default_factory=dict)
    generation: int = 0  # steps finished (or given up) so far: a waiting worker looks again
    done: int = 0
    stop: bool = False
    errors: list[BaseException] = field(default_factory=list)
    pids: dict[int, int] = field(default_factory=dict)  # worker -> backend
    sizes: dict[str, int] = field(default_factory=dict)  # table -> bytes, as a phase starts
    sizes_phase: int = 0


def _claim(conn: Connection, build: _Build) -> BuildStep | bool | None:
    """In the caller's transaction: lock the best step a worker may start (``FOR UPDATE
    SKIP LOCKED``: never one another worker or process holds) and mark it running. None:
    nothing left; False: nothing startable now."""
    rows = conn.execute(text("SELECT step, statement FROM pending_build_steps")).all()
    pending = [build_step(int(r.step), str(r.statement)) for r in rows]
    if not pending:
        return None
    with build.cond:
        if build.stop:
            return None
        phase = min(s.phase for s in pending)
        if phase != build.sizes_phase:  # the tables the previous phase filled
            build.sizes, build.sizes_phase = _table_sizes(conn), phase
        for candidate in _choose(pending, build.running.values(), build.sizes):
            got = conn.execute(
                text("SELECT step FROM pending_build_steps WHERE step = :s FOR UPDATE SKIP LOCKED"),
                {"s": candidate.step},
            ).one_or_none()
            if got is not None:
                build.running[candidate.step] = candidate
                return candidate
    return False


def _run_steps(engine: Engine, build: _Build, number: int, run: RunStep) -> None:
    """A worker: run steps until none is left or the build stops, each in its own
    transaction that also deletes it (a step that fails or is cut off stays pending)."""
    with engine.connect() as conn:
        build.pids[number] = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        conn.commit()
        while True:
            with build.cond:
                generation = build.generation
            claimed: BuildStep | bool | None = None
            try:
                with conn.begin():
                    claimed = _claim(conn, build)
                    if isinstance(claimed, BuildStep):
                        run(conn, claimed)
            finally:
                if isinstance(claimed, BuildStep):  # after its commit or rollback
                    with build.cond:
                        del build.running[claimed.step]
                        build.generation += 1
                        build.cond.notify_all()
            if claimed is None:
                return
            with build.cond:
                if claimed is False:  # another worker's step has to finish first
                    # (a phase, a lock); at most 2 s, for steps held by another process
                    if not build.stop and build.generation == generation:
                        build.cond.wait(timeout=2.0)
                else:
                    build.done += 1


def _worker(engine: Engine, build: _Build, number: int, run: RunStep) -> None:
    try:
        _run_steps(engine, build, number, run)
    except BaseException as exc:  # the others stop after their current step
        with build.cond:
            if not build.stop:  # not a statement cancelled because the build was stopping
                log.error("build worker %d stopped: %s", number + 1, str(exc).split("\n")[0])
            build.errors.append(exc)
            build.stop = True
            build.cond.notify_all()


def _table_sizes(conn: Connection) -> dict[str, int]:
    """Bytes of each table of the schema (heap): what the steps' time grows with."""
    rows = conn.execute(
        text(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = current_schema()::regnamespace"
        )
    )
    return {str(r[0]): int(r[1]) for r in rows}


def _cancel(conn: Connection, build: _Build) -> None:
    """Interrupted (Ctrl-C): cancel the workers' statements; their steps roll back."""
    with build.cond:
        build.stop = True
        build.cond.notify_all()
        pids = list(build.pids.values())
    with contextlib.suppress(Exception):
        for pid in pids:
            conn.execute(text("SELECT pg_cancel_backend(:p)"), {"p": pid})
        conn.commit()


RunStep = Callable[[Connection, "BuildStep"], None]


def run_workers(engine: Engine, coordinator: Connection, jobs: int, run: RunStep) -> int:
    """Run the pending steps on ``jobs`` connections of ``engine``, ``run`` doing each one
    in the transaction of its claim; ``coordinator`` (the caller's session, which holds the
    advisory lock) cancels the workers' statements if this thread is interrupted. Returns
    the steps run; raises the first worker's error."""
    if not 1 <= jobs <= MAX_BUILD_JOBS:
        raise ValueError(f"jobs must be 1..{MAX_BUILD_JOBS}")
    build = _Build()
    workers = [
        threading.Thread(target=_worker, args=(engine, build, i, run), name=f"build-{i + 1}")
        for i in range(jobs)
    ]
    for w in workers:
        w.start()
    try:
        for w in workers:
            while w.is_alive():  # a timeout, so that Ctrl-C reaches this thread
                w.join(0.5)
    except BaseException:
        _cancel(coordinator, build)
        for w in workers:
            w.join()
        raise
    if build.errors:
        raise build.errors[0]
    return build.done


__all__ = ["ANY_TABLE", "BUILD_JOBS", "MAX_BUILD_JOBS", "BuildStep", "build_step", "run_workers"]
