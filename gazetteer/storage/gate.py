"""Write gates: at most a few write transactions per engine at once.

A writer waiting for the database's write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's
advisory lock) holds a pooled connection while it waits. Without a gate, a burst of
writers behind a held lock takes every connection of the pool and reads queue behind
them. The gate lets ``writers`` transactions in at once (the pool keeps the rest for
reads); a writer that cannot get in within ``timeout_s`` is :class:`~gazetteer.errors.Busy`.

The gate lives beside its engine (a weak mapping, gone with the engine), made by
:mod:`gazetteer.storage.engine` when it creates the engine.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from gazetteer.errors import Busy

WRITE_BUSY = "写入排队已满，请稍后重试 (too many writes waiting; please retry in a few seconds)"


@dataclass(frozen=True, slots=True)
class WriteGate:
    slots: threading.BoundedSemaphore
    timeout_s: float


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def install_write_gate(engine: Engine, *, writers: int, timeout_s: float) -> None:
    """Give ``engine`` a gate of ``writers`` slots with a wait of at most ``timeout_s``."""
    _GATES[engine] = WriteGate(threading.BoundedSemaphore(writers), timeout_s)


@contextmanager
def writing(engine: Engine) -> Iterator[None]:
    """Hold one write slot of ``engine`` (no gate installed: no limit)."""
    gate = _GATES.get(engine)
    if gate is None:
        yield
        return
    if not gate.slots.acquire(timeout=gate.timeout_s):
        raise Busy(WRITE_BUSY)
    try:
        yield
    finally:
        gate.slots.release()


__all__ = ["WRITE_BUSY", "install_write_gate", "writing"]
