"""The in-memory name index: every current and former name of a database, in one process.

Why in memory: a city holds ~17,000 names (~20,000 with former names and aliases); the
whole index costs a few tens of megabytes and answers character, pinyin, initials and
one-typo queries in well under a millisecond, where even an indexed SQL round trip costs
more. The index is *derived* from the database (see :mod:`gazetteer.search.service` for
how it is rebuilt when the data change), so API instances stay stateless.

Layout. Every name (current name, former name from ``place_history``, alias from
``other_names``) is an *entry*. Entries are numbered in static rank order -- current
names before former names, current places before historical ones, higher administrative
level first (city > county > town > village > other features), shorter names first -- so
an entry number doubles as its tie-break rank and every posting list is already sorted.

* exact name -> entries (dict); names sorted for prefix ranges (bisect);
* character -> entries containing it; a substring query scans the rarest character's
  list and checks ``q in name``;
* compact pinyin (``weihaishi``) and initials (``whs``) sorted for prefix ranges;
* typo candidates from a symmetric deletion index (SymSpell-style, edit distance 1) on
  names and on compact pinyin: a query and its one-character deletions are looked up, so
  a wrong, missing or extra character (and an adjacent swap) is found without scanning;
  candidates are confirmed with rapidfuzz's OSA distance.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from gazetteer.search.analyze import Analyzed, analyze, match_mixed
from gazetteer.search.query import (
    MatchKind,
    SearchHit,
    SearchPage,
    SearchQuery,
    StatusFilter,
    admin_prefix,
    distance_m,
)

# ranking classes, best first
CLASS_ORDER = (
    MatchKind.EXACT,
    MatchKind.PREFIX,
    MatchKind.SUBSTRING,
    MatchKind.PINYIN,
    MatchKind.INITIALS,
    MatchKind.FUZZY,
)
C_EXACT, C_PREFIX, C_SUBSTRING, C_PINYIN, C_INITIALS, C_FUZZY = range(6)
C_FILTER = 0
CLASS_SCORE = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
FORMER_PENALTY = 0.05

# subcategory -> prominence (0 = most prominent); other features come after villages
PROMINENCE = {"21300": 0, "21400": 1, "21500": 2, "21610": 3, "21620": 3, "21630": 4}
OTHER_PROMINENCE = 5

_HI = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """What the index keeps of one place (a storage-independent row)."""

    id: int
    name: str
    romanized: str
    category_code: str
    category: str
    admin_code: str
    status: str
    lon: float
    lat: float
    pinyin_key: str  # spaced toneless syllables
    initials: str


@dataclass(frozen=True, slots=True)
class NameRecord:
    """A former name or alias of a place."""

    place_id: int
    name: str
    pinyin_key: str
    initials: str


@dataclass(frozen=True, slots=True)
class AdminRecord:
    code: str
    name: str
    level: int
    parent_code: str | None


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


def _prefix_range(keys: list[str], prefix: str) -> tuple[int, int]:
    lo = bisect_left(keys, prefix)
    hi = bisect_left(keys, prefix + _HI, lo)
    return lo, hi


class MemoryIndex:
    """An immutable search index over one snapshot of the database."""

    def __init__(
        self,
        places: Iterable[PlaceRecord],
        names: Iterable[NameRecord],
        admins: Iterable[AdminRecord],
    ) -> None:
        self.places: dict[int, PlaceRecord] = {p.id: p for p in places}
        self.admins: dict[str, AdminRecord] = {a.code: a for a in admins}
        raw: list[tuple[tuple[int, int, int, int, str, int], int, str, str, str, bool]] = []
        for p in self.places.values():
            rank = self._static_rank(p, former=False, name=p.name)
            raw.append((rank, p.id, p.name, p.pinyin_key, p.initials, False))
        for n in names:
            place = self.places.get(n.place_id)
            if place is None or not n.name or n.name == place.name:
                continue
            rank = self._static_rank(place, former=True, name=n.name)
            raw.append((rank, n.place_id, n.name, n.pinyin_key, n.initials, True))
        raw.sort(key=lambda r: r[0])
        self.entry_place: list[int] = [r[1] for r in raw]
        self.entry_name: list[str] = [r[2] for r in raw]
        self.entry_former: list[bool] = [r[5] for r in raw]
        self.entry_syls: list[tuple[str, ...]] = [tuple(r[3].split()) for r in raw]
        self.entry_py: list[str] = ["".join(s) for s in self.entry_syls]

        self.by_name: dict[str, list[int]] = {}
        self.by_char: dict[str, list[int]] = {}
        self.by_py: dict[str, list[int]] = {}
        self.del_name: dict[str, list[int]] = {}
        self.del_py: dict[str, list[int]] = {}
        for i, (name, py) in enumerate(zip(self.entry_name, self.entry_py, strict=True)):
            self.by_name.setdefault(name, []).append(i)
            for ch in set(name):
                self.by_char.setdefault(ch, []).append(i)
            if py:
                self.by_py.setdefault(py, []).append(i)
            if 2 <= len(name) <= 24:
                for d in _deletions(name):
                    self.del_name.setdefault(d, []).append(i)
            if 4 <= len(py) <= 60:
                for d in _deletions(py):
                    self.del_py.setdefault(d, []).append(i)
        order = sorted(range(len(raw)), key=lambda i: self.entry_name[i])
        self.sorted_names = [self.entry_name[i] for i in order]
        self.sorted_names_ix = order
        order = sorted(range(len(raw)), key=lambda i: self.entry_py[i])
        self.sorted_py = [self.entry_py[i] for i in order]
        self.sorted_py_ix = order
        inits = [r[4] for r in raw]
        order = sorted(range(len(raw)), key=lambda i: inits[i])
        self.sorted_ini = [inits[i] for i in order]
        self.sorted_ini_ix = order
        self._admin_paths: dict[str, list[str]] = {}

    def _static_rank(
        self, p: PlaceRecord, *, former: bool, name: str
    ) -> tuple[int, int, int, int, str, int]:
        prominence = PROMINENCE.get(p.category_code, OTHER_PROMINENCE)
        return (int(former), int(p.status != "current"), prominence, len(name), name, p.id)

    @property
    def size(self) -> int:
        return len(self.entry_name)

    # --- administrative areas --------------------------------------------------------

    def admin_path(self, code: str) -> list[str]:
        """Names from the city down to the area ``code`` (cached)."""
        path = self._admin_paths.get(code)
        if path is None:
            names: list[str] = []
            seen: set[str] = set()
            cur: str | None = code
            while cur is not None and cur in self.admins and cur not in seen:
                seen.add(cur)
                rec = self.admins[cur]
                if rec.level >= 2:
                    names.append(rec.name)
                cur = rec.parent_code
            path = names[::-1]
            self._admin_paths[code] = path
        return path

    # --- search -----------------------------------------------------------------------

    def _filter(self, q: SearchQuery) -> Callable[[PlaceRecord], bool] | None:
        tests: list[Callable[[PlaceRecord], bool]] = []
        if q.status is not StatusFilter.ALL:
            wanted = str(q.status)
            tests.append(lambda p: p.status == wanted)
        if q.category_codes is not None:
            cats = q.category_codes
            tests.append(lambda p: p.category_code in cats)
        if q.admin_code is not None:
            area = self.admins[q.admin_code]
            prefix = admin_prefix(area.code, area.level)
            tests.append(lambda p: p.admin_code.startswith(prefix))
        if q.bbox is not None:
            x1, y1, x2, y2 = q.bbox
            tests.append(lambda p: x1 <= p.lon <= x2 and y1 <= p.lat <= y2)
        if q.near is not None:
            lon0, lat0 = q.near
            radius = q.radius_m
            tests.append(lambda p: distance_m(lon0, lat0, p.lon, p.lat) <= radius)
        if not tests:
            return None
        if len(tests) == 1:
            return tests[0]
        return lambda p: all(t(p) for t in tests)

    def search(self, q: SearchQuery) -> SearchPage:
        keep = self._filter(q)
        best: dict[int, int] = {}  # place id -> class * N + entry (smaller is better)
        n = self.size + 1
        places = self.places
        entry_place = self.entry_place

        def add(entries: Iterable[int], cls: int) -> None:
            base = cls * n
            for i in entries:
                pid = entry_place[i]
                key = base + i
                old = best.get(pid)
                if old is None:
                    if keep is not None and not keep(places[pid]):
                        best[pid] = -1
                        continue
                    best[pid] = key
                elif old > key:
                    best[pid] = key

        text = q.text
        if not text:
            self._browse(q, keep, best)
        else:
            a = analyze(text)
            if a.is_mixed:
                self._mixed(a, add)
            elif a.has_han:
                self._characters(a.chars, add, best)
            elif a.latin:
                self._latin(a, add, best)
            else:  # digits or other symbols only: plain substring on names
                self._characters(a.chars, add, best)
        matched = [(k, pid) for pid, k in best.items() if k >= 0]
        total = len(matched)
        if q.near is not None and not text:
            lon0, lat0 = q.near
            matched.sort(
                key=lambda kp: distance_m(lon0, lat0, places[kp[1]].lon, places[kp[1]].lat)
            )
            page = matched[q.offset : q.offset + q.limit]
        else:
            page = heapq.nsmallest(q.offset + q.limit, matched)[q.offset :]
        hits = [self._hit(key, pid, n, q, bool(text)) for key, pid in page]
        return SearchPage(results=hits, total=total)

    def _hit(self, key: int, pid: int, n: int, q: SearchQuery, has_text: bool) -> SearchHit:
        cls, entry = divmod(key, n)
        p = self.places[pid]
        former = self.entry_former[entry]
        if not has_text:
            kind = MatchKind.FILTER
            score = 1.0
        else:
            kind = MatchKind.FORMER_NAME if former else CLASS_ORDER[cls]
            score = CLASS_SCORE[cls] - (FORMER_PENALTY if former else 0.0)
            score -= min(entry / max(n, 1), 1.0) * 0.04  # tie-break by static rank
        dist = distance_m(q.near[0], q.near[1], p.lon, p.lat) if q.near is not None else None
        return SearchHit(
            id=p.id,
            name=p.name,
            romanized=p.romanized,
            category_code=p.category_code,
            category=p.category,
            admin_code=p.admin_code,
            admin_path=self.admin_path(p.admin_code),
            lon=p.lon,
            lat=p.lat,
            match=kind,
            score=round(score, 4),
            matched_name=self.entry_name[entry],
            status=p.status,
            distance_m=round(dist, 1) if dist is not None else None,
        )

    def _browse(
        self, q: SearchQuery, keep: Callable[[PlaceRecord], bool] | None, best: dict[int, int]
    ) -> None:
        for i, pid in enumerate(self.entry_place):
            if self.entry_former[i] or pid in best:
                continue
            best[pid] = i if keep is None or keep(self.places[pid]) else -1

    def _characters(
        self, text: str, add: Callable[[Iterable[int], int], None], best: dict[int, int]
    ) -> None:
        add(self.by_name.get(text, ()), C_EXACT)
        lo, hi = _prefix_range(self.sorted_names, text)
        add(self.sorted_names_ix[lo:hi], C_PREFIX)
        # substring: scan the rarest character's entries
        lists = [self.by_char.get(ch) for ch in set(text)]
        if all(lists):
            rarest = min((x for x in lists if x is not None), key=len)
            if len(text) == 1:
                add(rarest, C_SUBSTRING)
            else:
                names = self.entry_name
                add((i for i in rarest if text in names[i]), C_SUBSTRING)
        if len(text) >= 3 or not best:
            self._fuzzy_names(text, add)

    def _fuzzy_names(self, text: str, add: Callable[[Iterable[int], int], None]) -> None:
        if len(text) < 2:
            return
        cands: set[int] = set(self.del_name.get(text, ()))  # a character missing in q
        for d in _deletions(text):
            cands.update(self.by_name.get(d, ()))  # an extra character in q
            cands.update(self.del_name.get(d, ()))  # a wrong character / a swap
        names = self.entry_name
        add(
            sorted(i for i in cands if OSA.distance(text, names[i], score_cutoff=1) <= 1),
            C_FUZZY,
        )

    def _latin(
        self, a: Analyzed, add: Callable[[Iterable[int], int], None], best: dict[int, int]
    ) -> None:
        key = a.latin
        add(self.by_py.get(key, ()), C_PINYIN)
        lo, hi = _prefix_range(self.sorted_py, key)
        add(self.sorted_py_ix[lo:hi], C_PINYIN)
        if not a.spaced and len(key) <= 12:
            lo, hi = _prefix_range(self.sorted_ini, key)
            add(self.sorted_ini_ix[lo:hi], C_INITIALS)
        if len(key) >= 5 or (len(key) >= 3 and not best):
            cands: set[int] = set(self.del_py.get(key, ()))
            for d in _deletions(key):
                cands.update(self.by_py.get(d, ()))
                cands.update(self.del_py.get(d, ()))
            pys = self.entry_py
            add(
                sorted(i for i in cands if OSA.distance(key, pys[i], score_cutoff=1) <= 1),
                C_FUZZY,
            )

    def _mixed(self, a: Analyzed, add: Callable[[Iterable[int], int], None]) -> None:
        hans = [u for u in a.units if not u.isascii()]
        lists = [self.by_char.get(ch) for ch in set(hans)]
        if not all(lists):
            return
        rarest = min((x for x in lists if x is not None), key=len)
        names, syls = self.entry_name, self.entry_syls
        units = a.units
        add((i for i in rarest if match_mixed(units, names[i], syls[i]) >= 0), C_PINYIN)
