"""The cache of the reference data a name check reads but rarely changes.

A single check (``POST /api/v1/naming/check``) used to read the word lists, the built-up
areas and the administrative area of the request from the database every time -- about
five round trips, 2-6 ms each on PostgreSQL under load. These change only when staff add
a word, or when data is imported, so a :class:`ReferenceCache` keeps them per database:

* the word lists (shipped files merged with the ``naming_words`` table),
* the built-up-area polygons, prepared, with an STRtree for the scope lookup,
* the names and centres of the administrative areas (for the county-wide scope label and
  the anchor of a request without geometry).

Statelessness: the cache is *derived* from the database and keyed by a version read in
ONE small query on every check (:func:`gazetteer.storage.versions.naming_reference_version`:
counts and maxima of ``naming_words``, ``built_up_areas`` -- including the sums of their
bounding boxes, so a polygon replaced under a reused SQLite rowid still changes it -- and
``admin_areas``). Each part is
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
from sqlalchemy import Connection, select

from gazetteer.naming.words import WordLists, load_word_lists
from gazetteer.storage import tables as t
from gazetteer.storage.engine import database_key
from gazetteer.storage.geometry import from_db
from gazetteer.storage.versions import naming_reference_version


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
    token: tuple[str, str, str]
    ref: Reference


class ReferenceCache:
    """The reference data of each database, reloaded where its version changed.

    One per process (the API makes it in its lifespan and hands it to the naming use
    cases); a check given none makes a private one and reads everything afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def get(self, conn: Connection) -> Reference:
        """The reference data of ``conn``'s database, reloaded where the version changed.

        Costs one query when nothing changed. Never holds a lock while waiting on the
        database for the version; reloads are serialised.
        """
        token = naming_reference_version(conn)
        key = database_key(conn.engine)
        entry = self._entries.get(key)
        if entry is not None and entry.token == token:
            return entry.ref
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.token == token:
                return entry.ref
            old = entry.ref if entry is not None else None
            same = entry.token if entry is not None else (None, None, None)
            ref = Reference(
                words=old.words if old and same[0] == token[0] else load_word_lists(conn),
                buas=old.buas if old and same[1] == token[1] else load_buas(conn),
                admin=old.admin if old and same[2] == token[2] else load_admin(conn),
            )
            self._entries[key] = _Entry(token, ref)
            return ref

    def clear(self) -> None:
        """Forget every snapshot (after an out-of-band restore)."""
        with self._lock:
            self._entries.clear()


__all__ = ["Bua", "BuaIndex", "Reference", "ReferenceCache", "load_buas"]
