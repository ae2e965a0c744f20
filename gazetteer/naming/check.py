"""Checking a candidate name: scope resolution, candidate lookup, all rules.

Two sources of existing names implement :class:`NameSource`:

* :class:`DbNameSource` asks the database for the few rows that can conflict (by name,
  pinyin key and near-homophone keys, all indexed; places and cases in one query), then
  keeps those inside the scope; this is what a single check uses
  (``POST /api/v1/naming/check``). Word lists, built-up areas and admin areas come from
  the process's :class:`~gazetteer.naming.reference.ReferenceCache` when the caller
  hands one in (one version query per check), so a check costs two round trips.
* :class:`MemoryNameSource` loads the names of the relevant categories once and answers
  from dictionaries; the batch check uses it (one load, then microseconds per name).

Uniqueness scopes (《地名管理条例》 art. 9): roads, compounds and buildings — the built-up
area that contains the feature (a feature outside every built-up area is compared
county-wide); village/community seats — the county; towns — the whole dataset. Pending
cases (submitted, under review, in consultation) count as existing names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Connection,
    Integer,
    Row,
    String,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from gazetteer.errors import InvalidInput
from gazetteer.naming.conflicts import Candidate, conflict_findings, near_keys
from gazetteer.naming.model import (
    GRANTED_STATES,
    PENDING_STATES,
    CheckRequest,
    CheckResult,
    PlaceKind,
    Scope,
)
from gazetteer.naming.reference import Bua, Reference, ReferenceCache
from gazetteer.naming.rules import (
    NameFacts,
    apply_exceptions,
    content_findings,
    division_findings,
    facility_findings,
    national_findings,
    protection_findings,
    scope_findings,
    script_findings,
    structure_findings,
)
from gazetteer.naming.words import WordLists
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db
from gazetteer.storage.tables_naming import naming_cases
from gazetteer.text import normalize, parse_name, pinyin_key, romanize, toned_key
from gazetteer.types import COUNTY_OR_BELOW, AdminCode

# Categories compared within each kind's scope (gazetteer/model/data/classification.csv).
URBAN_CATEGORIES = ("23510", "22110", "22100", "26100", "26310")
SCOPE_CATEGORIES: dict[PlaceKind, tuple[str, ...]] = {
    PlaceKind.ROAD: URBAN_CATEGORIES,
    PlaceKind.COMPOUND: URBAN_CATEGORIES,
    PlaceKind.BUILDING: URBAN_CATEGORIES,
    PlaceKind.VILLAGE: ("21610", "21620", "22200"),
    PlaceKind.TOWN: ("21500",),
}
# The category a new place of each kind gets when a case is approved.
KIND_CATEGORY: dict[PlaceKind, str] = {
    PlaceKind.ROAD: "23510",
    PlaceKind.COMPOUND: "22110",
    PlaceKind.BUILDING: "26100",
    PlaceKind.VILLAGE: "22200",
    PlaceKind.TOWN: "21500",
}
BUA_KINDS = frozenset({PlaceKind.ROAD, PlaceKind.COMPOUND, PlaceKind.BUILDING})


def anchor_point(geometry: BaseGeometry) -> BaseGeometry:
    """The point that places a feature in a built-up area (a line's midpoint)."""
    if isinstance(geometry, (LineString, MultiLineString)) and geometry.length > 0:
        return geometry.interpolate(0.5, normalized=True)
    return geometry.representative_point()


@dataclass(frozen=True, slots=True)
class NameLookup:
    """What a check asks a name source for: the existing names of ``kind`` inside ``scope``
    spelled as one of ``names`` or with a pinyin key in ``keys``, leaving out the place and
    the case being checked (a rename does not conflict with itself)."""

    scope: Scope
    kind: PlaceKind
    names: Sequence[str]
    keys: Sequence[str]
    exclude_place_id: int | None = None
    exclude_case_id: int | None = None


class NameSource(Protocol):
    def scope_for(
        self, kind: PlaceKind, admin_code: str, geometry: BaseGeometry | None
    ) -> Scope: ...

    def candidates(self, q: NameLookup) -> list[Candidate]: ...


@lru_cache(maxsize=65536)
def _keys(name: str) -> tuple[str, str]:
    return pinyin_key(name), toned_key(name)


def _candidate(ref: str, name: str, key: str, what: str) -> Candidate:
    parts = parse_name(name)
    return Candidate(
        ref=ref,
        name=name,
        pinyin_key=key or _keys(name)[0],
        toned_key=_keys(name)[1],
        specific=parts.specific + parts.ordinal,
        generic=parts.generic,
        what=what,
    )


class _ScopeMixin:
    """Scope resolution shared by the sources (needs ``_buas`` and ``_admin``)."""

    def _buas_near(self, point: BaseGeometry) -> list[Bua]:
        raise NotImplementedError

    def _admin_info(self, code: str) -> tuple[str, BaseGeometry | None]:
        raise NotImplementedError

    def scope_for(self, kind: PlaceKind, admin_code: str, geometry: BaseGeometry | None) -> Scope:
        county = AdminCode.parse(admin_code, lengths=COUNTY_OR_BELOW).county.value
        if kind is PlaceKind.TOWN:
            return Scope("all", "全市")
        if kind in BUA_KINDS:
            anchor = anchor_point(geometry) if geometry is not None else None
            if anchor is None:
                _, centre = self._admin_info(admin_code)
                anchor = centre
            if anchor is not None:
                for bua in self._buas_near(anchor):
                    if bua.prepared.intersects(anchor):
                        return Scope(f"bua:{bua.id}", f"{bua.name}建成区", bua.county_code, bua.id)
        county_name, _ = self._admin_info(county)
        return Scope(f"county:{county[:6]}", county_name or f"县级区划{county[:6]}", county)

    def _in_scope(
        self, scope: Scope, admin_code: str, point: BaseGeometry | None, bua: Bua | None
    ) -> bool:
        if scope.key == "all":
            return True
        if bua is not None:
            return point is not None and bua.prepared.intersects(point)
        return admin_code[:6] == (scope.county_code or "")[:6]


class DbNameSource(_ScopeMixin):
    """Candidates straight from the database, through the indexes (single checks).

    The rarely changing reference data (built-up areas, administrative areas) comes from
    the reference cache, validated by one version query; the names and pending cases that
    can conflict come from one further query.
    """

    def __init__(
        self, conn: Connection, *, include_pending: bool = True, ref: Reference | None = None
    ) -> None:
        self.conn = conn
        self.include_pending = include_pending
        self.ref = ref if ref is not None else ReferenceCache().get(conn)

    def _buas_near(self, point: BaseGeometry) -> list[Bua]:
        return self.ref.buas.near(point)

    def _bua(self, bua_id: int) -> Bua | None:
        return self.ref.buas.by_id.get(bua_id)

    def _admin_info(self, code: str) -> tuple[str, BaseGeometry | None]:
        return self.ref.admin.get(code, ("", None))

    def candidates(self, q: NameLookup) -> list[Candidate]:
        p, c = t.places, naming_cases
        # One round trip: the places on the pinyin-key b-tree (an exact duplicate and the
        # sibling names have their keys in ``keys`` too) UNION ALL the cases by name or
        # key. Name, status and category of places are filtered here: given them in SQL,
        # SQLite's planner picks the status index and PostgreSQL the name trigram index,
        # both far slower.
        all_keys = sorted({*q.keys, *(_keys(n)[0] for n in q.names)})
        wanted = (PENDING_STATES | GRANTED_STATES) if self.include_pending else GRANTED_STATES
        states = sorted(str(s) for s in wanted)
        no_text = type_coerce(null(), String())
        places_q = select(
            literal("p", String()).label("src"),
            p.c.id,
            p.c.name,
            p.c.pinyin_key,
            p.c.admin_code,
            p.c.point,
            p.c.category_code.label("category_or_scope"),
            p.c.status.label("status_or_state"),
            no_text.label("number"),
            type_coerce(null(), Integer()).label("place_id"),
        ).where(p.c.pinyin_key.in_(all_keys))
        cases_q = select(
            literal("c", String()).label("src"),
            c.c.id,
            c.c.name,
            c.c.pinyin_key,
            c.c.admin_code,
            type_coerce(null(), p.c.point.type).label("point"),
            c.c.scope_key,
            c.c.state,
            c.c.number,
            c.c.place_id,
        ).where(
            c.c.state.in_(states),
            or_(c.c.name.in_(list(q.names)), c.c.pinyin_key.in_(list(q.keys))),
        )
        place_rows: dict[int, Row[Any]] = {}
        case_rows: list[Row[Any]] = []
        for r in self.conn.execute(union_all(places_q, cases_q)):
            if r.src == "c":
                case_rows.append(r)
            elif r.status_or_state == "current":
                place_rows[int(r.id)] = r
        cats = set(SCOPE_CATEGORIES[q.kind])
        bua = self._bua(q.scope.built_up_area_id) if q.scope.built_up_area_id else None
        out: list[Candidate] = []
        seen_places: set[int] = set()
        for r in sorted(place_rows.values(), key=lambda r: int(r.id)):
            if r.id == q.exclude_place_id or r.category_or_scope not in cats:
                continue
            if not self._in_scope(q.scope, r.admin_code, from_db(r.point), bua):
                continue
            seen_places.add(int(r.id))
            out.append(_candidate(f"place:{r.id}", r.name, "", "已有地名"))
        pending = {str(s) for s in PENDING_STATES}
        granted = {str(s) for s in GRANTED_STATES}
        for r in sorted(case_rows, key=lambda r: int(r.id)):
            if r.id == q.exclude_case_id or (r.place_id is not None and r.place_id in seen_places):
                continue
            if r.place_id is not None and r.place_id == q.exclude_place_id:
                continue
            if r.status_or_state in granted and r.place_id is not None:
                continue  # the granted name already lives in ``places`` (compared above)
            if not _case_in_scope(q.scope, r.category_or_scope, r.admin_code):
                continue
            what = "在审案件" if r.status_or_state in pending else "已批准案件"
            out.append(_candidate(f"case:{r.number}", r.name, r.pinyin_key, what))
        return out


def _case_in_scope(scope: Scope, case_scope_key: str, case_admin: str) -> bool:
    if scope.key == "all" or case_scope_key == scope.key:
        return True
    if scope.built_up_area_id is None and scope.county_code:
        return case_admin[:6] == scope.county_code[:6]
    return False


@dataclass(slots=True)
class _MemPlace:
    id: int
    name: str
    key: str
    admin_code: str
    point: BaseGeometry | None
    category: str


class MemoryNameSource(_ScopeMixin):
    """All names of the urban, village and town categories loaded once (batch checks)."""

    def __init__(self, conn: Connection, *, references: ReferenceCache | None = None) -> None:
        p = t.places
        cats = sorted({c for cs in SCOPE_CATEGORIES.values() for c in cs})
        self.by_name: dict[str, list[_MemPlace]] = defaultdict(list)
        self.by_key: dict[str, list[_MemPlace]] = defaultdict(list)
        q = select(
            p.c.id, p.c.name, p.c.pinyin_key, p.c.admin_code, p.c.point, p.c.category_code
        ).where(p.c.status == "current", p.c.category_code.in_(cats))
        for r in conn.execute(q):
            mp = _MemPlace(
                r.id, r.name, r.pinyin_key, r.admin_code, from_db(r.point), r.category_code
            )
            self.by_name[mp.name].append(mp)
            self.by_key[mp.key].append(mp)
        # Built-up areas and admin areas from the reference cache (same as single
        # checks, so a batch and a single check of one name resolve the same scope).
        ref = (references or ReferenceCache()).get(conn)
        self.buas: list[Bua] = list(ref.buas.areas)
        self.admin: dict[str, tuple[str, BaseGeometry | None]] = ref.admin
        c = naming_cases
        self.cases = [
            r
            for r in conn.execute(
                select(
                    c.c.id,
                    c.c.number,
                    c.c.name,
                    c.c.pinyin_key,
                    c.c.scope_key,
                    c.c.admin_code,
                    c.c.place_id,
                ).where(c.c.state.in_([str(s) for s in PENDING_STATES]))
            )
        ]

    def _buas_near(self, point: BaseGeometry) -> list[Bua]:
        return [
            b
            for b in self.buas
            if b.geometry.bounds[0] <= point.x <= b.geometry.bounds[2]
            and b.geometry.bounds[1] <= point.y <= b.geometry.bounds[3]
        ]

    def _admin_info(self, code: str) -> tuple[str, BaseGeometry | None]:
        if code in self.admin:
            return self.admin[code]
        return "", None

    def candidates(self, q: NameLookup) -> list[Candidate]:
        cats = set(SCOPE_CATEGORIES[q.kind])
        bua = next((b for b in self.buas if b.id == q.scope.built_up_area_id), None)
        found: dict[int, _MemPlace] = {}
        for n in q.names:
            for mp in self.by_name.get(n, ()):
                found[mp.id] = mp
        for k in q.keys:
            for mp in self.by_key.get(k, ()):
                found[mp.id] = mp
        out = [
            _candidate(f"place:{mp.id}", mp.name, mp.key, "已有地名")
            for mp in sorted(found.values(), key=lambda m: m.id)
            if mp.id != q.exclude_place_id
            and mp.category in cats
            and self._in_scope(q.scope, mp.admin_code, mp.point, bua)
        ]
        name_set, key_set = set(q.names), set(q.keys)
        for r in self.cases:
            asked = r.name in name_set or r.pinyin_key in key_set
            if r.id == q.exclude_case_id or not asked:
                continue
            if _case_in_scope(q.scope, r.scope_key, r.admin_code):
                out.append(_candidate(f"case:{r.number}", r.name, r.pinyin_key, "在审案件"))
        return out


def name_facts(name: str, kind: PlaceKind) -> NameFacts:
    text = normalize(name)
    if not text:
        raise InvalidInput("名称不能为空 (the name is empty)")
    if len(text) > 60:
        raise InvalidInput("名称过长，不能超过60个字符 (the name is longer than 60 characters)")
    parts = parse_name(text)
    joined = kind is PlaceKind.VILLAGE
    try:
        roman = romanize(text, kind="village" if joined else None)
    except ValueError:
        roman = ""
    pk, tk = _keys(text)
    return NameFacts(text, parts, roman, pk, tk)


def check_with_source(source: NameSource, request: CheckRequest, words: WordLists) -> CheckResult:
    """Every rule for ``request`` against ``source``."""
    facts = name_facts(request.name, request.kind)
    scope = source.scope_for(request.kind, request.admin_code, request.geometry)
    findings = structure_findings(
        facts, request.kind, words, width_m=request.width_m, grade=request.grade
    )
    findings += script_findings(request.name)
    findings += content_findings(facts, words)
    findings += division_findings(facts, request.kind, words)
    findings += national_findings(facts)
    findings += facility_findings(facts, _local_names(source, request.admin_code))
    if request.former_name:
        findings += protection_findings(request.former_name, words, request.records)
    keys = near_keys(facts.pinyin_key) if facts.pinyin_key else []
    names = [facts.name]
    if facts.specific:
        names += [facts.specific + g for g in _sibling_generics(request.kind)]
    cands = source.candidates(
        NameLookup(
            scope,
            request.kind,
            names,
            keys,
            exclude_place_id=request.exclude_place_id,
            exclude_case_id=request.exclude_case_id,
        )
    )
    findings += conflict_findings(facts, cands, scope)
    findings += scope_findings(request.kind, scope, complete=_scope_complete(request.kind, scope))
    if request.exceptions:
        findings = apply_exceptions(findings, dict(request.exceptions))
    return CheckResult(
        name=request.name,
        normalized=facts.name,
        romanized=facts.romanized,
        specific=facts.specific,
        generic=facts.generic,
        pinyin_key=facts.pinyin_key,
        toned_key=facts.toned_key,
        scope=scope,
        findings=tuple(findings),
    )


def _local_names(source: NameSource, admin_code: str) -> list[str]:
    """Names of the county and town the feature lies in (art. 9(10))."""
    info = getattr(source, "_admin_info", None)
    if info is None or not admin_code:
        return []
    out = []
    for code in {admin_code[:6], admin_code[:9]}:
        name, _ = info(code)
        if name:
            out.append(name)
    return out


def _scope_complete(kind: PlaceKind, scope: Scope) -> bool:
    """Whether the database holds the whole scope the Regulation names (art. 9(8)): a town
    must be unique in the province, and the database holds one city."""
    if kind is PlaceKind.TOWN:
        return False
    return not scope.label.startswith("县级区划")


_SIBLINGS: dict[PlaceKind, tuple[str, ...]] = {
    PlaceKind.ROAD: ("路", "街", "大道", "大街", "巷", "大路", "胡同", "支路", "小区", "花园"),
    PlaceKind.COMPOUND: ("小区", "花园", "苑", "园", "家园", "山庄", "新村", "公寓", "路", "街"),
    PlaceKind.BUILDING: ("大厦", "大楼", "公寓", "中心", "广场"),
    PlaceKind.VILLAGE: ("村", "庄", "社区"),
    PlaceKind.TOWN: ("镇", "乡", "街道"),
}


def _sibling_generics(kind: PlaceKind) -> tuple[str, ...]:
    return _SIBLINGS[kind]


def check_name(
    conn: Connection,
    request: CheckRequest,
    *,
    words: WordLists | None = None,
    include_pending: bool = True,
    references: ReferenceCache | None = None,
) -> CheckResult:
    """Check one candidate name against the database (see the module docstring).

    ``include_pending=False`` compares only with granted names (used at approval time, so
    that of two competing pending cases the first approved wins). ``references``: the
    process's reference cache (without one, the reference data are read afresh).
    """
    ref = (references or ReferenceCache()).get(conn)
    source = DbNameSource(conn, include_pending=include_pending, ref=ref)
    return check_with_source(source, request, words or ref.words)


def check_names(
    conn: Connection,
    requests: Iterable[CheckRequest],
    *,
    words: WordLists | None = None,
    references: ReferenceCache | None = None,
) -> list[CheckResult]:
    """Check many names with one load of the existing names (batch check)."""
    refs = references or ReferenceCache()
    source = MemoryNameSource(conn, references=refs)
    wl = words or refs.get(conn).words
    return [check_with_source(source, r, wl) for r in requests]


__all__ = [
    "KIND_CATEGORY",
    "SCOPE_CATEGORIES",
    "DbNameSource",
    "MemoryNameSource",
    "NameLookup",
    "NameSource",
    "anchor_point",
    "check_name",
    "check_names",
    "check_with_source",
    "name_facts",
]
