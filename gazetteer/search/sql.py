"""The SQL search strategy, for databases too large for the in-memory index (PostGIS with
a province's or the country's names).

One query per match class, each using an index (migration 0004) and each limited to
``offset + limit`` rows in static rank order; the classes are merged in Python exactly
like the in-memory index ranks them (class, former name after current, status,
administrative level, name length, name). Classes:

* exact ``name = q`` and prefix ``name LIKE 'q%'`` (btree ``text_pattern_ops``);
* substring ``name LIKE '%q%'`` (pg_trgm GIN for 3+ characters);
* pinyin: compact pinyin ``replace(pinyin_key, ' ', '') LIKE 'key%'`` (expression
  btree), initials ``initials LIKE 'key%'``;
* mixed input (``威h``): the ``m:`` gram of a character and the next initial (or a
  character bigram) gives candidates in rank order, confirmed against the stored
  ``pinyin_key``;
* fuzzy: for pinyin, names of n-1..n+1 letters sharing a long prefix, a long suffix,
  or a short prefix and a short suffix with the query (one typo leaves one of these
  intact; btree range scans over (length, compact pinyin) and (length, reversed compact
  pinyin)); for characters, one-character-wildcard ``LIKE`` patterns, looked up by the
  longer side of the wildcard; both confirmed by OSA distance <= 1 -- a *fallback* at
  this scale, run only when no better class matched (the in-memory index always adds
  them);
* former names and aliases: the same on ``place_history.name`` and
  ``place_aliases.name`` (reported as former-name matches, as the in-memory index does).

``total`` is counted up to ``COUNT_CAP`` (then ``total_is_exact`` is False), so a
one-character query over a million names does not count every row.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import pairwise
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union,
    union_all,
)

from gazetteer.search.analyze import analyze, match_mixed
from gazetteer.search.memory import (
    C_EXACT,
    C_FUZZY,
    C_INITIALS,
    C_PINYIN,
    C_PREFIX,
    C_SUBSTRING,
    CLASS_ORDER,
    CLASS_SCORE,
    FORMER_PENALTY,
    OTHER_PROMINENCE,
    PROMINENCE,
    category_names,
)
from gazetteer.search.query import (
    MatchKind,
    SearchHit,
    SearchPage,
    SearchQuery,
    StatusFilter,
    unknown_admin,
)
from gazetteer.storage import bbox_match
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import (
    gram_search_available,
    like_escape,
    serial_plans,
    suffix_match,
)
from gazetteer.storage.repository.places import SHOWN_COLUMNS
from gazetteer.storage.tables_search import place_aliases
from gazetteer.types import admin_prefix, distance_m, lineage

COUNT_CAP = 10_000
FUZZY_CANDIDATES = 200
PINYIN_TYPO_CANDIDATES = 5_000
MIXED_CANDIDATES = 2_000
SMALL_AREA = 10_000  # places of an area read without n-grams (see _small_area)

p = t.places
# former names and aliases: one relation (PostgreSQL and SQLite push the conditions
# down into both branches, so each uses its own name index)
h = union_all(
    select(t.place_history.c.place_id, t.place_history.c.name),
    select(place_aliases.c.place_id, place_aliases.c.name),
).subquery("former_names")
# literal arguments (not bind parameters) so that the expression matches the expression
# indexes of migration 0004 and the planner uses them
COMPACT = func.replace(p.c.pinyin_key, literal_column("' '"), literal_column("''"))
# the n-gram table of migration 0004 (PostgreSQL only, kept by a trigger)
G = table(
    "search_grams", column("gram"), column("rank"), column("place_id"), column("category_code")
)
CURRENT_RANKS = 10_000_000  # search_rank() of a current name is below this (migration 0004)
GRAM_PINYIN_LETTERS = 5  # 'p:' grams hold compact-pinyin prefixes up to this length
GRAM_INITIALS = 3  # 'i:' grams hold initials prefixes up to this length
# one syllable of pinyin_key per character of the name (match_mixed's condition)
ALIGNED = func.char_length(p.c.pinyin_key) - func.char_length(COMPACT) + 1 == func.char_length(
    p.c.name
)


def _prominence() -> ColumnElement[Any]:
    return case(
        *[(p.c.category_code == code, rank) for code, rank in PROMINENCE.items()],
        else_=OTHER_PROMINENCE,
    )


def _filters(conn: Connection, q: SearchQuery) -> list[ColumnElement[bool]]:
    """The conditions of ``q`` on places (status, categories, area, box, distance)."""
    out: list[ColumnElement[bool]] = []
    if q.status is not StatusFilter.ALL:
        out.append(p.c.status == str(q.status))
    if q.category_codes is not None:
        out.append(p.c.category_code.in_(sorted(q.category_codes)))
    if q.admin_code is not None:
        a = t.admin_areas
        level = conn.execute(select(a.c.level).where(a.c.code == q.admin_code)).scalar()
        if level is None:
            raise unknown_admin(q.admin_code)
        # the area's codes as a range of 12-digit codes (what ``LIKE 'prefix%'`` matches,
        # since every code is 12 digits): a range scan of ix_places_admin in any collation,
        # where LIKE needs the "C" collation or text_pattern_ops to use the index
        prefix = admin_prefix(q.admin_code, int(level))
        out.append(p.c.admin_code.between(prefix.ljust(12, "0"), prefix.ljust(12, "9")))
    if q.bbox is not None:
        out.append(bbox_match(p, q.bbox, "point"))
    if q.near is not None:
        lon0, lat0 = q.near
        dlat = q.radius_m / 110_540.0
        dlon = q.radius_m / (111_320.0 * max(0.01, math.cos(math.radians(lat0))))
        out.append(bbox_match(p, (lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat), "point"))
        # equirectangular distance: portable arithmetic, exact enough within 200 km
        kx = 111_320.0 * math.cos(math.radians(lat0))
        dx = (func.ST_X(p.c.point) - lon0) * kx
        dy = (func.ST_Y(p.c.point) - lat0) * 110_540.0
        out.append(dx * dx + dy * dy <= q.radius_m * q.radius_m)
    return out


def _ranked(
    where: ColumnElement[bool],
    former: bool,
    k: int,
    filters: Sequence[Any],
    extra: Sequence[ColumnElement[Any]] = (),
) -> Select[Any]:
    cols = (
        p.c.id,
        h.c.name if former else p.c.name,
        literal(1 if former else 0),
        *extra,
    )
    stmt = select(*cols)
    if former:
        stmt = stmt.select_from(h.join(p, p.c.id == h.c.place_id))
    return (
        stmt.where(where, *filters)
        .order_by(
            p.c.status != "current",
            _prominence(),
            func.length(p.c.name),
            p.c.name,
            p.c.id,
        )
        .limit(k)
    )


def sql_search(conn: Connection, q: SearchQuery) -> SearchPage:
    serial_plans(conn)
    filters = _filters(conn, q)
    # an area's or a category's names are found through their ids (see _gram_ranked)
    scoped = q.admin_code is not None or q.category_codes is not None
    # a category (and status) alone is told by the n-grams themselves (migration 0017)
    on_grams = _gram_scope(q)
    gram_ranked = partial(_gram_ranked, scoped=scoped, on_grams=on_grams)
    gram_ids = partial(_gram_ids, scoped=scoped, on_grams=on_grams)
    k = q.offset + q.limit
    best: dict[int, tuple[int, int, int, str]] = {}  # id -> (class, former, order, name)
    counter = 0

    def run(stmt: Select[Any], cls: int, check: Any = None) -> None:
        """Rows (id, name, former, *extra) in rank order; ``check(row)`` confirms each."""
        run_rows(conn.execute(stmt), cls, check)

    def run_rows(rows: Any, cls: int, check: Any = None) -> None:
        nonlocal counter
        for row in rows:
            pid, name, former = row[0], row[1], row[2]
            if check is not None and not check(row):
                continue
            counter += 1
            key = (cls, int(former), counter, name)
            old = best.get(int(pid))
            if old is None or key[:2] < old[:2]:
                best[int(pid)] = key

    counts: list[Select[Any]] = []  # id selects whose union is the total
    estimated = False  # the total is an estimate (then total_is_exact is False)
    grams = gram_search_available(conn) and not (scoped and _small_area(conn, filters))
    text = q.text
    if not text:
        run(_ranked(literal(True) == literal(True), False, k, filters), C_EXACT)
        counts.append(_ids(literal(True) == literal(True), filters))
    else:
        a = analyze(text)
        if a.is_mixed:
            units = a.units
            pk_col = p.c.pinyin_key

            def check(row: Any) -> bool:
                return match_mixed(units, row[1], tuple((row[3] or "").split())) >= 0

            if grams and _one_initial(units):
                # 威h: where syllables align with characters the gram is the match itself,
                # so the best k are a range scan; the total, when more than a page, is
                # the gram's count, an estimate (it would include 12号楼 for 号l: a run of
                # digits is one syllable of several characters, which match_mixed refuses)
                gram = _mixed_gram(units)
                aligned = gram_ranked(gram, k + 1, [*filters, ALIGNED], (pk_col,), on_grams=None)
                run(aligned, C_PINYIN, check)
                if len(best) > k:  # else the page holds every match
                    counts.append(gram_ids(gram, filters))
                    estimated = True
            else:
                if grams:
                    gram = _mixed_gram(units)
                    stmt = gram_ranked(gram, MIXED_CANDIDATES, filters, (pk_col,))
                else:
                    hans = "".join(u for u in units if not u.isascii())
                    cond = p.c.name.like(f"%{like_escape(hans[:1])}%", escape="\\")
                    stmt = _ranked(cond, False, MIXED_CANDIDATES, filters, (pk_col,))
                run(stmt, C_PINYIN, check)
        elif a.latin and not a.has_han:
            key = a.latin
            if grams and len(key) <= GRAM_PINYIN_LETTERS:
                run(gram_ranked("p:" + key, k, filters), C_PINYIN)
                counts.append(gram_ids("p:" + key, filters))
            else:
                py_prefix = COMPACT.like(like_escape(key) + "%", escape="\\")
                run(_ranked(py_prefix, False, k, filters), C_PINYIN)
                counts.append(_ids(py_prefix, filters))
            if not a.spaced and len(key) <= 12:
                if grams and len(key) <= GRAM_INITIALS:
                    run(gram_ranked("i:" + key, k, filters), C_INITIALS)
                    counts.append(gram_ids("i:" + key, filters))
                else:
                    ini = p.c.initials.like(like_escape(key) + "%", escape="\\")
                    run(_ranked(ini, False, k, filters), C_INITIALS)
                    counts.append(_ids(ini, filters))
            # typos are a fallback at this scale (the in-memory index always adds them):
            # looked for only when nothing better matched
            if not best and len(key) >= 3:
                typo = _pinyin_one_edit(key)
                run(
                    _ranked(typo, False, PINYIN_TYPO_CANDIDATES, filters, (COMPACT,)),
                    C_FUZZY,
                    lambda row: OSA.distance(key, row[3] or "", score_cutoff=1) <= 1,
                )
        else:
            chars = a.chars
            esc = like_escape(chars)
            parts = [(_ranked(p.c.name == chars, False, k, filters), C_EXACT)]
            if grams and 1 <= len(chars) <= 2:
                # 1-2 characters match tens of thousands of names in a big database: the
                # n-gram table hands out the best k in rank order and counts cheaply
                parts.append((gram_ranked("^" + chars, k, filters), C_PREFIX))
                parts.append((gram_ranked(chars, k, filters), C_SUBSTRING))
                counts.append(gram_ids(chars, filters))
            else:
                prefix = p.c.name.like(esc + "%", escape="\\")
                parts.append((_ranked(prefix, False, k, filters), C_PREFIX))
                sub = p.c.name.like(f"%{esc}%", escape="\\")
                parts.append((_ranked(sub, False, k, filters), C_SUBSTRING))
                counts.append(_ids(sub, filters))
            # former names (place_history) and aliases (place_aliases)
            hsub = h.c.name.like(f"%{esc}%", escape="\\")
            parts.append((_ranked(h.c.name == chars, True, k, filters), C_EXACT))
            hprefix = h.c.name.like(esc + "%", escape="\\")
            parts.append((_ranked(hprefix, True, k, filters), C_PREFIX))
            parts.append((_ranked(hsub, True, k, filters), C_SUBSTRING))
            for row, cls in _part_rows(conn, parts, together=grams):
                run_rows([row], cls)
            counts.append(
                select(p.c.id).select_from(h.join(p, p.c.id == h.c.place_id)).where(hsub, *filters)
            )
            if not best and len(chars) >= 2:
                run(
                    _ranked(_one_edit(chars), False, FUZZY_CANDIDATES, filters),
                    C_FUZZY,
                    lambda row: OSA.distance(chars, row[1], score_cutoff=1) <= 1,
                )
    total, exact = _count(conn, counts, len(best))
    exact = exact and not estimated
    ordered = sorted(best.items(), key=lambda kv: kv[1][:3])
    page_ids = ordered[q.offset : q.offset + q.limit]
    return SearchPage(
        results=_hits(conn, page_ids, q, bool(text)), total=total, total_is_exact=exact
    )


def _one_edit(text: str) -> ColumnElement[bool]:
    """Names within one edit of ``text``, as index-friendly conditions.

    Trigrams barely overlap between short Chinese names after one typo (刘工岛 / 刘公岛
    share one of seven), so the variants are spelled out instead: ``LIKE`` patterns with a
    one-character wildcard ``_`` at each position (a wrong or a missing character) and an
    ``IN`` list of deletions and adjacent swaps (an extra character, a swap). A pattern
    whose wildcard comes early is looked up by the text after it (a suffix: btree over
    ``reverse(name)``, migration 0005): a one-character prefix such as ``戴_方社区`` would
    make PostgreSQL read every name starting with 戴 (7,600 of a million), and the
    planner misjudges such ranges as tiny, so that pattern is checked on ``name || ''``,
    which no index matches.
    """
    esc = [like_escape(c) for c in text]
    variants: set[tuple[int, int]] = set()  # (characters before, index after) the wildcard
    for i in range(len(text) + 1):
        variants.add((i, i))  # missing character
    for i in range(len(text)):
        variants.add((i, i + 1))  # wrong character
    conds: list[ColumnElement[bool]] = []
    for before, after in sorted(variants):
        pattern = "".join(esc[:before]) + "_" + "".join(esc[after:])
        if before >= len(text) - after or not text[after:]:
            conds.append(p.c.name.like(pattern, escape="\\"))
        else:
            unindexed = p.c.name.concat("").like(pattern, escape="\\")
            conds.append(and_(suffix_match(p.c.name, text[after:]), unindexed))
    exact = {text[:i] + text[i + 1 :] for i in range(len(text))}  # extra character
    exact |= {
        text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(len(text) - 1)
    }  # swapped neighbours
    conds.append(p.c.name.in_(sorted(x for x in exact if x)))
    return or_(*conds)


def _pinyin_one_edit(key: str) -> ColumnElement[bool]:
    """Candidates for compact pinyin within one edit of ``key`` (n letters).

    Such a name has n-1..n+1 letters, and one edit (a wrong, missing or extra letter, or
    two swapped neighbours) touches query positions i..i+1 at most. With t = n // 3 it
    leaves intact the long prefix ``key[:n-t-1]`` (edit at i >= n-t-1), or the long suffix
    ``key[t+1:]`` (edit within the first t+1 letters), or else both the short prefix
    ``key[:t]`` and the short suffix ``key[n-t:]``. Halves would not do: name suffixes
    are mostly generics (``xiaoqu``, ``gongyuan``), so a half-length suffix matches
    thousands of names in a big database. Prefixes and suffixes are btree range scans
    on PostgreSQL (migration 0005); the caller confirms the distance.
    """
    n = len(key)
    t = n // 3
    lengths = func.length(COMPACT).in_([n - 1, n, n + 1])

    def prefix(s: str) -> ColumnElement[bool]:
        return COMPACT.like(like_escape(s) + "%", escape="\\")

    return or_(
        and_(lengths, prefix(key[: n - t - 1])),
        and_(lengths, suffix_match(COMPACT, key[t + 1 :])),
        and_(lengths, prefix(key[:t]), suffix_match(COMPACT, key[n - t :])),
    )


def _one_initial(units: Sequence[str]) -> bool:
    """A character and then one letter or digit (``威h``): the ``m:`` gram of the two is
    exactly what :func:`match_mixed` accepts, for names whose syllables align with
    their characters (:data:`ALIGNED`)."""
    return len(units) == 2 and not units[0].isascii() and len(units[1]) == 1


def _mixed_gram(units: Sequence[str]) -> str:
    """The most selective ``search_grams`` key for mixed input: a character followed by
    a Latin run (``m:`` + character + initial), else two characters, else a character."""
    for u, v in pairwise(units):
        if not u.isascii() and v.isascii():
            return "m:" + u + v[0]
    for u, v in pairwise(units):
        if not u.isascii() and not v.isascii():
            return u + v
    return next(u for u in units if not u.isascii())


def _part_rows(
    conn: Connection, parts: Sequence[tuple[Select[Any], int]], *, together: bool
) -> Iterator[tuple[Any, int]]:
    """The rows of ranked selects with their class, select by select; ``together`` (on
    PostgreSQL) in one statement, one round trip instead of one each."""
    if together:
        for row in conn.execute(_together([stmt for stmt, _ in parts])):
            yield row[1:], parts[row[0]][1]
    else:
        for stmt, cls in parts:
            for row in conn.execute(stmt):
                yield row, cls


def _together(stmts: Sequence[Select[Any]]) -> Select[Any]:
    """Ranked selects (id, name, former) as one statement: rows (part, id, name, former),
    part by part, each part in its own order (numbered as its subquery hands them out)."""
    parts = []
    for i, stmt in enumerate(stmts):
        sq = stmt.subquery()
        rn = func.row_number().over().label("rn")
        parts.append(select(literal(i).label("part"), rn, sq.c[0], sq.c[1], sq.c[2]))
    u = union_all(*parts).subquery()
    return select(u.c.part, u.c[2], u.c[3], u.c[4]).order_by(u.c.part, u.c.rn)


def _count(conn: Connection, selects: list[Select[Any]], found: int) -> tuple[int, bool]:
    if not selects:
        return found, True
    # each part limited in a subquery of its own (SQLite cannot LIMIT inside a UNION)
    parts = [sel.limit(COUNT_CAP + 1).subquery() for sel in selects]
    inner = union(*[select(sq.c[0]) for sq in parts]).subquery()
    n = int(conn.execute(select(func.count()).select_from(inner)).scalar_one())
    exact = n <= COUNT_CAP
    return max(min(n, COUNT_CAP), found), exact


def _ids(where: ColumnElement[bool], filters: Sequence[Any]) -> Select[Any]:
    return select(p.c.id).where(where, *filters)


def _gram_scope(q: SearchQuery) -> list[ColumnElement[bool]] | None:
    """The filters of ``q`` as conditions on ``search_grams`` alone, where they can be: a
    category filter with status all or current (each n-gram holds its place's category,
    migration 0017, and a current name ranks below :data:`CURRENT_RANKS`), nothing else.
    Then the best names and the total of a large category are one walk of the gram's
    entries in the primary key (which includes the category), not the category's ids
    (1.5 million at 13 million names) hashed against them. ``None``: the filters need the
    places."""
    if q.category_codes is None or q.status is StatusFilter.HISTORICAL:
        return None
    if q.admin_code is not None or q.bbox is not None or q.near is not None:
        return None
    out: list[ColumnElement[bool]] = [G.c.category_code.in_(sorted(q.category_codes))]
    if q.status is StatusFilter.CURRENT:
        out.append(G.c.rank < CURRENT_RANKS)
    return out


def _gram_ranked(
    gram: str,
    k: int,
    filters: Sequence[Any],
    extra: Sequence[ColumnElement[Any]] = (),
    *,
    scoped: bool = False,
    on_grams: Sequence[ColumnElement[bool]] | None = None,
) -> Select[Any]:
    """Places holding ``gram``, best static rank first (an index range scan).

    ``scoped`` (the filters hold an area or categories): the gram's entries are matched
    with the ids of the scope's places first (:func:`_in_scope`) and only the best ``k``
    are read from the table. Walking the gram in rank order and visiting each place would
    read the whole gram for a small area; joining whole places would read the area's rows
    (45,000 in a prefecture at 13 million names: 200 ms of table reads for 20 names).

    ``on_grams`` (:func:`_gram_scope`): ``filters`` as conditions on the n-grams, which
    then stand for them."""
    if on_grams is None and not scoped:
        return (
            select(p.c.id, p.c.name, literal(0), *extra)
            .select_from(G.join(p, p.c.id == G.c.place_id))
            .where(G.c.gram == gram, *filters)
            .order_by(G.c.rank, G.c.place_id)
            .limit(k)
        )
    scope = [_in_scope(filters)] if on_grams is None else on_grams
    best = (
        select(G.c.place_id, G.c.rank)
        .where(G.c.gram == gram, *scope)
        .order_by(G.c.rank, G.c.place_id)
        .limit(k)
        .subquery("best")
    )
    return (
        select(p.c.id, p.c.name, literal(0), *extra)
        .select_from(best.join(p, p.c.id == best.c.place_id))
        .order_by(best.c.rank, best.c.place_id)
    )


def _small_area(conn: Connection, filters: Sequence[Any]) -> bool:
    """Whether the places meeting ``filters`` (an area or categories) are few enough to be
    read one by one (``name LIKE``, the strategy without n-grams): a town or a county is a
    few thousand rows, where each gram of a common character (``河``: 320,000 entries
    at 13 million names) would be read whole. Counted up to the limit, index-only."""
    few = select(p.c.id).where(*filters).limit(SMALL_AREA + 1).subquery()
    return int(conn.execute(select(func.count()).select_from(few)).scalar_one()) <= SMALL_AREA


def _in_scope(filters: Sequence[Any]) -> ColumnElement[bool]:
    """``search_grams.place_id`` among the places meeting ``filters``: for an area or
    categories an index-only scan of ``ix_places_admin`` or ``ix_places_category`` (they
    hold id and status, migration 0015) that the planner hashes against the gram's
    entries."""
    return G.c.place_id.in_(select(p.c.id).where(*filters).correlate(None))


def _gram_ids(
    gram: str,
    filters: Sequence[Any],
    *,
    scoped: bool = False,
    on_grams: Sequence[ColumnElement[bool]] | None = None,
) -> Select[Any]:
    if on_grams is not None:
        return select(G.c.place_id).where(G.c.gram == gram, *on_grams)
    if not filters:
        return select(G.c.place_id).where(G.c.gram == gram)
    if scoped:
        return select(G.c.place_id).where(G.c.gram == gram, _in_scope(filters))
    return (
        select(G.c.place_id)
        .select_from(G.join(p, p.c.id == G.c.place_id))
        .where(G.c.gram == gram, *filters)
    )


def _hits(
    conn: Connection,
    page: list[tuple[int, tuple[int, int, int, str]]],
    q: SearchQuery,
    has_text: bool,
) -> list[SearchHit]:
    if not page:
        return []
    ids = [pid for pid, _ in page]
    rows = {int(r[0]): r for r in conn.execute(select(*SHOWN_COLUMNS).where(p.c.id.in_(ids)))}
    paths = _admin_paths(conn, {rows[i][4] for i in ids if i in rows})
    cats = category_names()
    out = []
    for rank, (pid, (cls, former, _, matched)) in enumerate(page):
        r = rows.get(pid)
        if r is None:
            continue
        lon, lat = float(r[6]), float(r[7])
        kind = (
            MatchKind.FILTER
            if not has_text
            else (MatchKind.FORMER_NAME if former else CLASS_ORDER[cls])
        )
        score = 1.0 if not has_text else CLASS_SCORE[cls] - (FORMER_PENALTY if former else 0.0)
        out.append(
            SearchHit(
                id=pid,
                name=r[1],
                romanized=r[2] or "",
                category_code=r[3],
                category=cats.get(r[3], ""),
                admin_code=r[4],
                admin_path=paths.get(r[4], []),
                lon=lon,
                lat=lat,
                match=kind,
                score=round(score - rank * 1e-4, 4),
                matched_name=matched,
                status=r[5],
                distance_m=(
                    round(distance_m(q.near[0], q.near[1], lon, lat), 1)
                    if q.near is not None
                    else None
                ),
            )
        )
    return out


def _admin_paths(conn: Connection, codes: set[str]) -> dict[str, list[str]]:
    tree = repo.admin_ancestry(conn, codes)
    parents = {k: v[1] for k, v in tree.items()}
    return {
        code: [tree[c][0].name for c in lineage(code, parents) if tree[c][0].level >= 2]
        for code in codes
    }


__all__ = ["COUNT_CAP", "sql_search"]
