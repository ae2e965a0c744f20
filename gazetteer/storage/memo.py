"""A small thread-safe LRU mapping: the per-process caches keep what they derive from the
data under keys holding the data version (road graphs, sheet indexes, snapped demand,
coverage baselines), so only the most recent few stay in memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """The ``size`` most recently used values by key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value under ``key``, made (outside the lock) when missing: two callers
        missing together both make it, and either result is right."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Throttled(Generic[K]):
    """Values (data versions) read at most once per ``ttl_s`` per key: a map asks for dozens
    of tiles at once, and on SQLite a version is an aggregate over a table (on PostgreSQL
    a lookup of change counters, still a round trip per tile saved). One caller reads it;
    the others asking meanwhile keep the value read last (never a stampede of the same
    read)."""

    def __init__(self, ttl_s: float = 1.0) -> None:
        self.ttl_s = ttl_s
        self._seen: dict[K, tuple[float, str]] = {}
        self._reading: set[K] = set()
        self._lock = threading.Lock()

    def get(self, key: K, read: Callable[[], str]) -> str:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and (now - seen[0] < self.ttl_s or key in self._reading):
                return seen[1]
            self._reading.add(key)
        try:
            value = read()
        finally:
            with self._lock:
                self._reading.discard(key)
        with self._lock:
            self._seen[key] = (time.monotonic(), value)
        return value


__all__ = ["Memo", "Throttled"]
