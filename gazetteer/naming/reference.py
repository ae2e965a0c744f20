"""Per-process cache of the reference data a name check reads but rarely changes.

A single check (``POST /api/v1/naming/check``) used to read the word lists, the built-up
areas and the administrative area of the request from the database every time -- about
five round trips, 2-6 ms each on PostgreSQL under load. These change only when staff add
a word, or when data is imported, so they are cached here per process and per database:

* the word lists (shipped files merged with the ``naming_words`` table),
* the built-up-area polygons, prepared, with an STRtree for the scope lookup,
* the names and centres of the administrative areas (for the county-wide scope label and
  the anchor of a request without geometry).

Statelessness: the cache is *derived* from the database and keyed by a *data token* read
in ONE small query on every check (counts and maxima of ``naming_words``,
``built_up_areas`` -- including the sums of their bounding boxes, so a polygon replaced
under a reused SQLite rowid still changes it -- and ``admin_areas``). Each part is
reloaded only when its own part of the token changes. So a word added through the API or
the CLI on any instance takes effect on the very next check everywhere, and a check run
inside a transaction sees that transaction's own additions (the token query runs on the
caller's connection).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from sqlalchemy import Connection, TextClause, func, select, text

from gazetteer.naming.words import WordLists, load_word_lists
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import geom_bound
from gazetteer.storage.geometry import from_db
from gazetteer.storage.tables_naming import naming_words

Token = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bua:
    """One built-up area with its prepared polygon."""

    id: int
    name: str
    county_code: str
    geometry: BaseGeometry
    prepared: PreparedGeometry


@dataclass(frozen=True, slots=True)
class BuaIndex:
    """The built-up areas of a database and an STRtree over their polygons."""

    areas: tuple[Bua, ...]
    by_id: dict[int, Bua]
    tree: STRtree | None

    @classmethod
    def of(cls, areas: list[Bua]) -> BuaIndex:
        tree = STRtree([b.geometry for b in areas]) if areas else None
        return cls(tuple(areas), {b.id: b for b in areas}, tree)

    def near(self, point: BaseGeometry) -> list[Bua]:
        """The areas whose bounding box holds ``point`` (ordered by id)."""
        if self.tree is None:
            return []
        hits = sorted(int(i) for i in self.tree.query(point))
        return [self.areas[i] for i in hits]


@dataclass(frozen=True, slots=True)
class Reference:
    """One consistent snapshot of the cached reference data."""

    words: WordLists
    buas: BuaIndex
    admin: dict[str, tuple[str, BaseGeometry | None]]


_TOKEN_SQL: dict[str, TextClause] = {}


def _token_sql(conn: Connection) -> TextClause:
    # Compiled once per dialect: the bounding-box construct opts out of SQLAlchemy's
    # statement cache, and this query runs on every check.
    found = _TOKEN_SQL.get(conn.dialect.name)
    if found is not None:
        return found
    w, b, a = naming_words, t.built_up_areas, t.admin_areas
    stmt = select(
        select(func.count()).select_from(w).scalar_subquery(),
        select(func.max(w.c.id)).scalar_subquery(),
        select(func.max(w.c.created_at)).scalar_subquery(),
        select(func.count()).select_from(b).scalar_subquery(),
        select(func.max(b.c.id)).scalar_subquery(),
        select(func.sum(geom_bound(b.c.geom, "xmin"))).select_from(b).scalar_subquery(),
        select(func.sum(geom_bound(b.c.geom, "ymax"))).select_from(b).scalar_subquery(),
        select(func.count()).select_from(a).scalar_subquery(),
    )
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    _TOKEN_SQL[conn.dialect.name] = text(sql)
    return _TOKEN_SQL[conn.dialect.name]


def data_token(conn: Connection) -> tuple[Token, Token, Token]:
    """(words, built-up areas, admin areas) parts of the token, in one query."""
    row = conn.execute(_token_sql(conn)).one()
    v = tuple(str(x) for x in row)
    return v[:3], v[3:7], v[7:]


def load_buas(conn: Connection) -> BuaIndex:
    b = t.built_up_areas
    areas: list[Bua] = []
    for r in conn.execute(select(b.c.id, b.c.name, b.c.county_code, b.c.geom).order_by(b.c.id)):
        g = from_db(r.geom)
        if g is not None:
            areas.append(Bua(int(r.id), str(r.name), str(r.county_code), g, prep(g)))
    return BuaIndex.of(areas)


def load_admin(conn: Connection) -> dict[str, tuple[str, BaseGeometry | None]]:
    a = t.admin_areas
    return {
        str(r.code): (str(r.name), from_db(r.centre))
        for r in conn.execute(select(a.c.code, a.c.name, a.c.centre))
    }


@dataclass(slots=True)
class _Entry:
    token: tuple[Token, Token, Token]
    ref: Reference


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}


def _db_key(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def reference(conn: Connection) -> Reference:
    """The cached reference data of ``conn``'s database, reloaded where the token changed.

    Costs one query when nothing changed. Never holds a lock while waiting on the
    database for the token; reloads are serialised per process.
    """
    token = data_token(conn)
    key = _db_key(conn)
    entry = _entries.get(key)
    if entry is not None and entry.token == token:
        return entry.ref
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry.token == token:
            return entry.ref
        old = entry.ref if entry is not None else None
        same = entry.token if entry is not None else (None, None, None)
        ref = Reference(
            words=old.words if old and same[0] == token[0] else load_word_lists(conn),
            buas=old.buas if old and same[1] == token[1] else load_buas(conn),
            admin=old.admin if old and same[2] == token[2] else load_admin(conn),
        )
        _entries[key] = _Entry(token, ref)
        return ref


def clear() -> None:
    """Forget every cached snapshot (tests, or after an out-of-band restore)."""
    with _lock:
        _entries.clear()


__all__ = ["Bua", "BuaIndex", "Reference", "clear", "data_token", "load_buas", "reference"]
