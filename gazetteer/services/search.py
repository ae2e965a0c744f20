"""Search use case: picks the strategy, keeps the process's index fresh.

Strategy (why two):

* **In-memory index** (:mod:`gazetteer.search.memory`) for a city-sized database on either
  backend (up to ``memory_max_names`` names; the service's setting
  ``search_memory_max_names``, default ``MEMORY_MAX_NAMES`` = 20,000): sub-millisecond
  answers for every kind of query, including one-typo matching, which SQL cannot do
  cheaply for short Chinese names (trigrams of a 3-character name barely overlap after one
  typo, and SQLite's FTS5 trigram tokenizer cannot match 1-2 character queries at all).
  The index costs each worker about 5 KB per name (measured: 1,721 MB of RSS at 290,000
  names against 293-314 MB at 13 million on the SQL strategy), so the default keeps a city
  (Weihai: 16,744 names) in memory and sends anything larger to SQL, where a worker's
  memory no longer grows with the data.
* **SQL** (:mod:`gazetteer.search.sql`) beyond that, i.e. a province or the whole country
  on PostGIS: btree ``text_pattern_ops`` indexes for exact/prefix on names, compact pinyin
  and initials, pg_trgm GIN indexes for substrings and typo candidates (migration 0004).

Statelessness: the index is a cache *derived* from the database, never a source of truth.
The :class:`SearchService` builds it on first use and rebuilds it when the database's
names version changes (:func:`gazetteer.storage.versions.names_version`: counts and
maxima of ``places`` (``updated_at``, ``id``), ``place_history`` and ``admin_areas``).
Every write path of the gazetteer (insert, update with history, delete) changes it, so
any instance behind a load balancer sees another instance's writes within
``check_interval_s`` (default 1 s; 0 = check on every search, as the tests do). The
version check is one small indexed query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from gazetteer.search.index import load_index
from gazetteer.search.memory import MemoryIndex
from gazetteer.search.query import SearchPage, SearchQuery, unknown_admin
from gazetteer.search.sql import sql_search
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import estimated_rows
from gazetteer.storage.versions import names_version

MEMORY_MAX_NAMES = 20_000  # names in memory at most (about 5 KB of worker RSS each)
DEFAULT_CHECK_INTERVAL_S = 1.0


@dataclass
class _Cached:
    index: MemoryIndex | None = None
    token: str | None = None
    checked_at: float = 0.0
    checking: bool = False  # a freshness check is in flight (see SearchService.peek)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flag_lock: threading.Lock = field(default_factory=threading.Lock)


class SearchService:
    """Search over one database: picks the strategy and keeps the in-memory index.

    One per process and database, made where the process starts (the API's lifespan) and
    handed to the search use case. ``build`` reads the index (default
    :func:`~gazetteer.search.index.load_index`; the API wraps it to tune the garbage
    collector for the long-lived index, a choice that belongs to the process)."""

    def __init__(
        self,
        *,
        check_interval_s: float = DEFAULT_CHECK_INTERVAL_S,
        memory_max_names: int = MEMORY_MAX_NAMES,
        build: Callable[[Connection], MemoryIndex] = load_index,
    ) -> None:
        self.check_interval_s = check_interval_s
        self.memory_max_names = memory_max_names
        self.build = build
        self._cache = _Cached()

    def index(self, conn: Connection) -> MemoryIndex | None:
        """The current in-memory index, rebuilt when the data token changed; None when
        the database is too large for memory (then the SQL strategy answers)."""
        c = self._cache
        if c.checked_at and time.monotonic() - c.checked_at < self.check_interval_s:
            return c.index
        with c.lock:
            try:
                if estimated_rows(conn, t.places) > self.memory_max_names:
                    c.index, c.token = None, None
                else:
                    token = names_version(conn)
                    if c.index is None or token != c.token:
                        c.index = self.build(conn)
                        c.token = token
                c.checked_at = time.monotonic()
            finally:
                c.checking = False
            return c.index

    def peek(self) -> MemoryIndex | None:
        """The in-memory index without touching the database (lets an async server answer
        on its event loop), or None when the caller must call :meth:`index` instead.

        Fresh (checked within ``check_interval_s``): the index. Check due: the first
        caller gets None and does the check; callers meanwhile get the index as it was
        (stale by at most the check's duration) instead of queueing behind it.
        """
        c = self._cache
        if c.index is None:
            return None
        if time.monotonic() - c.checked_at < self.check_interval_s:
            return c.index
        with c.flag_lock:
            if c.checking:
                return c.index
            c.checking = True
        return None

    @staticmethod
    def search_index(index: MemoryIndex, query: SearchQuery) -> SearchPage:
        if query.admin_code is not None and query.admin_code not in index.admins:
            raise unknown_admin(query.admin_code)
        return index.search(query)

    def cached(self, query: SearchQuery) -> SearchPage | None:
        """The answer from the in-memory index when it is at hand (:meth:`peek`), without
        the database; None when the caller must call :meth:`search` with a connection."""
        index = self.peek()
        return self.search_index(index, query) if index is not None else None

    def search(self, conn: Connection, query: SearchQuery) -> SearchPage:
        """The answer by the strategy that fits the database (in memory or SQL)."""
        index = self.index(conn)
        if index is not None:
            return self.search_index(index, query)
        return sql_search(conn, query)


def search(
    conn: Connection, query: SearchQuery, *, service: SearchService | None = None
) -> SearchPage:
    """Search the names of the database behind ``conn`` (``service``: the process's
    :class:`SearchService`; without one the index is built for this call alone)."""
    return (service or SearchService(check_interval_s=0.0)).search(conn, query)


__all__ = ["DEFAULT_CHECK_INTERVAL_S", "MEMORY_MAX_NAMES", "SearchService", "search"]
