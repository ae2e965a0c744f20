"""Search use case: picks the strategy, keeps the per-process index fresh.

Strategy (why two):

* **In-memory index** (:mod:`gazetteer.search.memory`) for a city-sized database on either
  backend (up to ``MEMORY_MAX_NAMES`` names, default 300,000): sub-millisecond answers for
  every kind of query, including one-typo matching, which SQL cannot do cheaply for short
  Chinese names (trigrams of a 3-character name barely overlap after one typo, and
  SQLite's FTS5 trigram tokenizer cannot match 1-2 character queries at all).
* **SQL** (:mod:`gazetteer.search.sql`) beyond that, i.e. a province or the whole country
  on PostGIS: btree ``text_pattern_ops`` indexes for exact/prefix on names, compact pinyin
  and initials, pg_trgm GIN indexes for substrings and typo candidates (migration 0004).

Statelessness: the index is a cache *derived* from the database, never a source of truth.
Each process builds it lazily on first use and rebuilds it when the database's *data
token* changes -- counts and maxima of ``places`` (``updated_at``, ``id``),
``place_history`` and ``admin_areas``. Every write path of the gazetteer (insert, update
with history, delete) changes the token, so any instance behind a load balancer sees
another instance's writes within ``check_interval_s`` (default 1 s; 0 = check on every
search, as the tests do). The token check is one small indexed query.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, ScalarSelect, func, select

from gazetteer.errors import InvalidInput
from gazetteer.search.memory import (
    AdminRecord,
    MemoryIndex,
    NameRecord,
    PlaceRecord,
    category_names,
)
from gazetteer.search.query import SearchPage, SearchQuery
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import estimated_rows
from gazetteer.text import initials as initials_of
from gazetteer.text import pinyin_key as pinyin_key_of

MEMORY_MAX_NAMES = 300_000
DEFAULT_CHECK_INTERVAL_S = 1.0


def data_token_columns() -> list[ScalarSelect[Any]]:
    """The token's aggregates as scalar subqueries, so other caches (the map sheets) can
    read them in the same statement as their own fingerprints."""
    p, h, a = t.places, t.place_history, t.admin_areas
    return [
        select(func.count()).select_from(p).scalar_subquery(),
        select(func.max(p.c.updated_at)).scalar_subquery(),
        select(func.max(p.c.id)).scalar_subquery(),
        select(func.count()).select_from(h).scalar_subquery(),
        select(func.max(h.c.id)).scalar_subquery(),
        select(func.count()).select_from(a).scalar_subquery(),
    ]


def data_token(conn: Connection) -> tuple[Any, ...]:
    """A value that changes whenever names, their history or the admin areas change."""
    row = conn.execute(select(*data_token_columns())).one()
    return tuple(str(v) for v in row)


def load_index(conn: Connection) -> MemoryIndex:
    """Read every name of the database into a :class:`MemoryIndex`.

    The cyclic garbage collector is paused meanwhile: the build allocates hundreds of
    thousands of small containers and none of them forms a cycle, so repeated collections
    would only cost time (several-fold on this step). Afterwards the heap is frozen
    (``gc.freeze``) so that full collections skip the index; the index holds no
    reference cycles, so a replaced index is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        index = _load_index(conn)
    finally:
        if enabled:
            gc.enable()
    # Move the (long-lived, acyclic) index out of the collector's sight: without this,
    # every full collection walks its million objects and stalls a query for ~10 ms.
    gc.freeze()
    return index


def _load_index(conn: Connection) -> MemoryIndex:
    cats = category_names()
    p = t.places
    places: list[PlaceRecord] = []
    aliases: list[NameRecord] = []
    q = select(
        p.c.id,
        p.c.name,
        p.c.romanized,
        p.c.category_code,
        p.c.admin_code,
        p.c.status,
        func.ST_X(p.c.point),
        func.ST_Y(p.c.point),
        p.c.pinyin_key,
        p.c.initials,
        p.c.other_names,
        p.c.reading,
    )
    for r in conn.execute(q):
        (pid, name, rom, cat, adm, status, lon, lat, pk, ini, other, reading) = r
        if not pk:
            pk = pinyin_key_of(name, reading)
            ini = initials_of(name, reading)
        places.append(
            PlaceRecord(
                id=int(pid),
                name=name,
                romanized=rom or "",
                category_code=cat,
                category=cats.get(cat, ""),
                admin_code=adm,
                status=status,
                lon=float(lon) if lon is not None else 0.0,
                lat=float(lat) if lat is not None else 0.0,
                pinyin_key=pk,
                initials=ini or _initials_from_key(pk),
            )
        )
        try:
            names = json.loads(other or "[]")
        except ValueError:
            names = []
        for alias in names if isinstance(names, list) else []:
            if isinstance(alias, str) and alias.strip():
                # aliases match by characters (their pinyin is not stored)
                aliases.append(NameRecord(int(pid), alias.strip(), "", ""))
    h = t.place_history
    for pid, name, pk in conn.execute(select(h.c.place_id, h.c.name, h.c.pinyin_key)):
        aliases.append(_name_record(int(pid), name, pk or ""))
    a = t.admin_areas
    admins = [
        AdminRecord(code=c, name=n, level=int(lv), parent_code=pc)
        for c, n, lv, pc in conn.execute(select(a.c.code, a.c.name, a.c.level, a.c.parent_code))
    ]
    return MemoryIndex(places, aliases, admins)


def _name_record(place_id: int, name: str, pk: str) -> NameRecord:
    if not pk:
        try:
            pk = pinyin_key_of(name)
        except Exception:  # a malformed stored name must not break the whole index
            pk = ""
    return NameRecord(place_id=place_id, name=name, pinyin_key=pk, initials=_initials_from_key(pk))


def _initials_from_key(pinyin_key: str) -> str:
    """``"wei hai shi"`` -> ``"whs"`` (digit runs kept whole, as ``text.initials`` does)."""
    return "".join(tok if tok[0].isdigit() else tok[0] for tok in pinyin_key.split())


@dataclass
class _Cached:
    index: MemoryIndex | None = None
    token: tuple[Any, ...] | None = None
    checked_at: float = 0.0
    checking: bool = False  # a freshness check is in flight (see SearchService.peek)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flag_lock: threading.Lock = field(default_factory=threading.Lock)


class SearchService:
    """Search over one database; holds the per-process index cache."""

    def __init__(
        self,
        *,
        check_interval_s: float = DEFAULT_CHECK_INTERVAL_S,
        memory_max_names: int = MEMORY_MAX_NAMES,
    ) -> None:
        self.check_interval_s = check_interval_s
        self.memory_max_names = memory_max_names
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
                    token = data_token(conn)
                    if c.index is None or token != c.token:
                        c.index = load_index(conn)
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

    def search(self, conn: Connection, query: SearchQuery) -> SearchPage:
        index = self.index(conn)
        if index is not None:
            return self.search_index(index, query)
        from gazetteer.search.sql import sql_search

        return sql_search(conn, query)


def unknown_admin(code: str) -> InvalidInput:
    return InvalidInput(f"未知的行政区划代码 (unknown administrative area code): {code}")


_SERVICES: dict[str, SearchService] = {}
_SERVICES_LOCK = threading.Lock()


def service_for(conn: Connection | Engine) -> SearchService:
    """The process-wide service of the database behind ``conn`` (created on first use)."""
    engine = conn.engine if isinstance(conn, Connection) else conn
    key = engine.url.render_as_string(hide_password=True)
    svc = _SERVICES.get(key)
    if svc is None:
        with _SERVICES_LOCK:
            svc = _SERVICES.setdefault(key, SearchService())
    return svc


def search(conn: Connection, query: SearchQuery) -> SearchPage:
    """Search the names of the database behind ``conn``."""
    return service_for(conn).search(conn, query)
