"""The in-memory name index: every current and former name of a database, in one process.

Why in memory: a city holds ~17,000 names (~20,000 with former names and aliases); the
whole index costs a few tens of megabytes and answers character, pinyin, initials and
one-typo queries in well under a millisecond, where even an indexed SQL round trip costs
more. The index is *derived* from the database (see :mod:`gazetteer.services.search` for
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

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import OSA

from gazetteer.model import classification
from gazetteer.search.analyze import Analyzed, analyze, match_mixed
from gazetteer.search.query import (
    MatchKind,
    SearchHit,
    SearchPage,
    SearchQuery,
    StatusFilter,
)
from gazetteer.types import admin_prefix, distance_m, lineage

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


@cache
def category_names() -> dict[str, str]:
    """Code -> Chinese name of every category (a plain dict: fast lookups)."""
    return {c.code: c.name for c in classification().categories}


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


def _deletion_index(keys: Iterable[str]) -> dict[str, list[str]]:
    """One-character deletion -> the keys it comes from."""
    out: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        for d in {key[:i] + key[i + 1 :] for i in range(len(key))}:
            out[d].append(key)
    return dict(out)


def _range_keys(keys: list[str], prefix: str) -> list[str]:
    lo = bisect_left(keys, prefix)
    hi = bisect_left(keys, prefix + _HI, lo)
    return keys[lo:hi]


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
        inits = [r[4] for r in raw]

        by_name: dict[str, list[int]] = defaultdict(list)
        by_char: dict[str, list[int]] = defaultdict(list)
        by_py: dict[str, list[int]] = defaultdict(list)
        for i, (name, py) in enumerate(zip(self.entry_name, self.entry_py, strict=True)):
            by_name[name].append(i)
            for ch in set(name):
                by_char[ch].append(i)
            if py:
                by_py[py].append(i)
        self.by_name, self.by_char, self.by_py = dict(by_name), dict(by_char), dict(by_py)
        # character + first letter of the next syllable (威h): candidates of mixed input
        by_pair: dict[str, list[int]] = defaultdict(list)
        for i, (name, syls) in enumerate(zip(self.entry_name, self.entry_syls, strict=True)):
            if len(syls) == len(name):
                for key in {name[j] + syls[j + 1][:1] for j in range(len(name) - 1)}:
                    by_pair[key].append(i)
        self.by_pair = dict(by_pair)
        # deletion indexes over *distinct* strings (many names repeat: 唐家疃 x3)
        self.del_name = _deletion_index(k for k in self.by_name if 2 <= len(k) <= 24)
        self.del_py = _deletion_index(k for k in self.by_py if 4 <= len(k) <= 60)
        self.sorted_names = sorted(self.by_name)
        self.sorted_py = sorted(self.by_py)
        by_ini: dict[str, list[int]] = defaultdict(list)
        for i, ini in enumerate(inits):
            if ini:
                by_ini[ini].append(i)
        self.by_ini = dict(by_ini)
        self.sorted_ini = sorted(self.by_ini)
        self._parents = {a.code: a.parent_code for a in self.admins.values()}
        self._admin_paths: dict[str, list[str]] = {}
        self._char_places: dict[str, int] = {}

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
            recs = [self.admins[c] for c in lineage(code, self._parents)]
            path = [rec.name for rec in recs if rec.level >= 2]
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
        """Rank and page the names matching ``q``.

        Each match class yields its entries in ascending entry order (= static rank), so
        walking the classes in order and taking each place the first time it is seen gives
        the final ranking without sorting everything; the total is a set union.
        """
        keep = self._filter(q)
        text = q.text
        streams: list[tuple[int, Sequence[int]]] = []
        if not text:
            streams.append((C_FILTER, [i for i, f in enumerate(self.entry_former) if not f]))
        else:
            a = analyze(text)
            if a.is_mixed:
                self._mixed(a, streams)
            elif a.has_han or not a.latin:
                self._characters(a.chars, streams)
            else:
                self._latin(a, streams)
        places, ep = self.places, self.entry_place
        if q.near is not None and not text:
            lon0, lat0 = q.near
            ids = self._matching_ids(streams, keep)
            near = sorted(
                ids, key=lambda pid: distance_m(lon0, lat0, places[pid].lon, places[pid].lat)
            )
            first = {pid: i for i, pid in enumerate(ep) if pid in ids and not self.entry_former[i]}
            page = [(C_FILTER, first[pid], pid) for pid in near[q.offset : q.offset + q.limit]]
            return SearchPage(results=[self._hit(*x, q, False) for x in page], total=len(ids))
        need = q.offset + q.limit
        seen: set[int] = set()
        out: list[tuple[int, int, int]] = []
        for cls, entries in streams:
            for i in entries:
                pid = ep[i]
                if pid in seen:
                    continue
                seen.add(pid)
                if keep is not None and not keep(places[pid]):
                    continue
                out.append((cls, i, pid))
                if len(out) >= need:
                    break
            if len(out) >= need:
                break
        total = len(self._matching_ids(streams, keep))
        hits = [self._hit(cls, i, pid, q, bool(text)) for cls, i, pid in out[q.offset :]]
        return SearchPage(results=hits, total=total)

    def _matching_ids(
        self, streams: list[tuple[int, Sequence[int]]], keep: Callable[[PlaceRecord], bool] | None
    ) -> set[int]:
        ids: set[int] = set()
        getter = self.entry_place.__getitem__
        for _, entries in streams:
            ids.update(map(getter, entries))
        if keep is not None:
            places = self.places
            ids = {pid for pid in ids if keep(places[pid])}
        return ids

    def _hit(self, cls: int, entry: int, pid: int, q: SearchQuery, has_text: bool) -> SearchHit:
        n = self.size + 1
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

    def _expand(self, keys: Iterable[str], by: dict[str, list[int]]) -> list[int]:
        out: list[int] = []
        for k in keys:
            out.extend(by[k])
        out.sort()
        return out

    def _characters(self, text: str, streams: list[tuple[int, Sequence[int]]]) -> None:
        streams.append((C_EXACT, self.by_name.get(text, [])))
        streams.append((C_PREFIX, self._expand(_range_keys(self.sorted_names, text), self.by_name)))
        lists = [self.by_char.get(ch) for ch in set(text)]
        found = False
        if text and all(lists):
            rarest = min((x for x in lists if x is not None), key=len)
            if len(text) == 1:
                streams.append((C_SUBSTRING, rarest))
            else:
                names = self.entry_name
                streams.append((C_SUBSTRING, [i for i in rarest if text in names[i]]))
            found = bool(streams[-1][1])
        if len(text) >= 3 or (len(text) == 2 and not found):
            streams.append((C_FUZZY, self._fuzzy(text, self.del_name, self.by_name)))

    def _fuzzy(
        self, key: str, deletions: dict[str, list[str]], by: dict[str, list[int]]
    ) -> list[int]:
        """Entries whose key is within one edit (OSA: wrong, missing, extra, swapped)."""
        cands: set[str] = set(deletions.get(key, ()))  # a character missing in the query
        for d in _deletions(key):
            if d in by:
                cands.add(d)  # an extra character in the query
            cands.update(deletions.get(d, ()))  # a wrong character or a swap
        cands.discard(key)
        return self._expand((c for c in cands if OSA.distance(key, c, score_cutoff=1) <= 1), by)

    def _latin(self, a: Analyzed, streams: list[tuple[int, Sequence[int]]]) -> None:
        key = a.latin
        pinyin = self._expand(_range_keys(self.sorted_py, key), self.by_py)
        streams.append((C_PINYIN, pinyin))
        initials: list[int] = []
        if not a.spaced and len(key) <= 12:
            initials = self._expand(_range_keys(self.sorted_ini, key), self.by_ini)
            streams.append((C_INITIALS, initials))
        if len(key) >= 5 or (len(key) >= 3 and not pinyin and not initials):
            fuzzy = self._fuzzy(key, self.del_py, self.by_py)
            if not fuzzy and not pinyin and not initials and len(key) >= 4:
                fuzzy = self._fuzzy_prefix(key)
            streams.append((C_FUZZY, fuzzy))

    def _fuzzy_prefix(self, key: str) -> list[int]:
        """Names whose compact pinyin *starts* with a one-edit variant of ``key`` (a typo
        while typing: ``wiehai`` -> weihaishi). Only tried when nothing else matched: it
        looks up every variant (about 55 per letter) by bisection."""
        letters = "abcdefghijklmnopqrstuvwxyz"
        variants = {key[:i] + key[i + 1 :] for i in range(len(key))}
        variants |= {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
        for i in range(len(key) + 1):
            for c in letters:
                variants.add(key[:i] + c + key[i:])
                if i < len(key):
                    variants.add(key[:i] + c + key[i + 1 :])
        variants.discard(key)
        keys: set[str] = set()
        for v in variants:
            if len(v) >= 3:
                keys.update(_range_keys(self.sorted_py, v)[:200])
        return self._expand(keys, self.by_py)

    def _mixed(self, a: Analyzed, streams: list[tuple[int, Sequence[int]]]) -> None:
        hans = [u for u in a.units if not u.isascii()]
        lists = [self.by_char.get(ch) for ch in set(hans)]
        if not all(lists):
            return
        rarest = min((x for x in lists if x is not None), key=len)
        units = a.units
        for j in range(len(units) - 1):
            if not units[j].isascii() and units[j + 1].isascii():
                pair = self.by_pair.get(units[j] + units[j + 1][0], [])
                if len(pair) < len(rarest):
                    rarest = pair
        names, syls = self.entry_name, self.entry_syls
        streams.append(
            (C_PINYIN, [i for i in rarest if match_mixed(units, names[i], syls[i]) >= 0])
        )
