"""Reading every name of a database into a :class:`~gazetteer.search.memory.MemoryIndex`.

A pure read: no process-wide side effects. (The API, which keeps the index for the life of
the process, pauses and tunes the garbage collector around the build itself, see
``api/main.py``.)
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from gazetteer.search.memory import (
    AdminRecord,
    MemoryIndex,
    NameRecord,
    PlaceRecord,
    category_names,
)
from gazetteer.storage import tables as t
from gazetteer.storage.repository.places import SHOWN_COLUMNS
from gazetteer.text import initials as initials_of
from gazetteer.text import pinyin_key as pinyin_key_of

p = t.places


def load_index(conn: Connection) -> MemoryIndex:
    """Every current and former name and alias of the database, with the admin areas."""
    cats = category_names()
    places: list[PlaceRecord] = []
    aliases: list[NameRecord] = []
    q = select(*SHOWN_COLUMNS, p.c.pinyin_key, p.c.initials, p.c.other_names, p.c.reading)
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


__all__ = ["load_index"]
