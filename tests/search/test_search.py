"""Name search on both backends and both strategies (in-memory index and SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy import text as sql_text

from gazetteer.errors import InvalidInput
from gazetteer.model import ChangeReason, Place, classification
from gazetteer.search import (
    MatchKind,
    SearchPage,
    analyze,
    fold_latin,
    make_query,
)
from gazetteer.search import sql as search_sql
from gazetteer.search.analyze import match_mixed
from gazetteer.services.caches import Caches
from gazetteer.services.search import MEMORY_MAX_NAMES, SearchService
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage import write_transaction
from gazetteer.storage.tables_search import place_aliases
from gazetteer.text import initials, pinyin_key
from tests.builder import Builder
from tests.datasets import search_names as wf


@pytest.fixture(params=["memory", "sql"])
def strategy(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def service(strategy: str) -> SearchService:
    # memory_max_names=-1 forces the SQL strategy even on a tiny database
    return SearchService(check_interval_s=0, memory_max_names=10**9 if strategy == "memory" else -1)


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    return wf.load(engine)


@pytest.fixture
def conn(engine: Engine, ids: dict[str, int]) -> Iterator[Connection]:
    with engine.connect() as c:
        yield c


def run(service: SearchService, conn: Connection, text: str, **kw: object) -> SearchPage:
    return service.search(conn, make_query(text, **kw))  # type: ignore[arg-type]


def names(page: SearchPage) -> list[str]:
    return [h.name for h in page.results]


# --- characters ----------------------------------------------------------------------


def test_exact_name_first(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "威海市")
    assert page.results[0].name == "威海市"
    assert page.results[0].match is MatchKind.EXACT
    assert page.results[0].admin_path == ["威海市"]


def test_prefix_and_two_character_query(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "威海")
    got = names(page)
    assert got[0] == "威海市"  # the city before the park and the port (level, then length)
    assert {"威海市", "威海港", "威海公园"} <= set(got)
    assert all(h.match is MatchKind.PREFIX for h in page.results if h.name.startswith("威海"))


def test_one_character_query_ranks_prefix_before_substring(
    service: SearchService, conn: Connection
) -> None:
    page = run(service, conn, "海")
    kinds = [h.match for h in page.results if h.match is not MatchKind.FORMER_NAME]
    assert page.results[0].name == "海滨北路"
    assert kinds[0] is MatchKind.PREFIX
    assert MatchKind.SUBSTRING in kinds
    assert page.total >= 5


def test_substring(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "公园")
    assert set(names(page)) == {"威海公园", "环翠楼公园"}
    assert all(h.match is MatchKind.SUBSTRING for h in page.results)


def test_traditional_characters_find_simplified(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "環翠區")
    assert page.results[0].name == "环翠区"
    assert page.results[0].match is MatchKind.EXACT


# --- pinyin, initials, mixed -----------------------------------------------------------


@pytest.mark.parametrize("text", ["weihai", "Wēihǎi Shì", "wei hai shi", "WEIHAISHI", "wei1hai3"])
def test_full_pinyin(service: SearchService, conn: Connection, text: str) -> None:
    page = run(service, conn, text)
    assert page.results[0].name == "威海市"
    assert page.results[0].match is MatchKind.PINYIN


def test_initials(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "whs")
    assert page.results[0].name == "威海市"
    assert page.results[0].match is MatchKind.INITIALS
    assert run(service, conn, "lgd").results[0].name == "刘公岛"


def test_mixed_characters_and_pinyin(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "威h")
    assert page.results[0].name == "威海市"
    assert page.results[0].match is MatchKind.PINYIN
    assert run(service, conn, "刘gong岛").results[0].name == "刘公岛"
    assert run(service, conn, "环cl").results[0].name.startswith("环翠楼")


# --- typos -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刘工岛", "刘公岛"),  # wrong character
        ("环翠楼街", "环翠楼街道"),  # missing character (also a prefix)
        ("文化中中路", "文化中路"),  # extra character
        ("weihaisi", "威海市"),  # wrong pinyin letter
        ("liugondao", "刘公岛"),  # missing pinyin letter
        ("liugongdaoo", "刘公岛"),  # extra pinyin letter
        ("wiehaishi", "威海市"),  # swapped letters
    ],
)
def test_one_typo_still_finds_the_name(
    service: SearchService,
    conn: Connection,
    engine: Engine,
    strategy: str,
    text: str,
    expected: str,
) -> None:
    page = run(service, conn, text)
    assert expected in names(page)[:3], names(page)
    if not expected.startswith(text):
        assert page.results[names(page).index(expected)].match is MatchKind.FUZZY


def test_typo_ranks_after_real_matches(
    service: SearchService, conn: Connection, strategy: str
) -> None:
    page = run(service, conn, "威海市")
    kinds = [h.match for h in page.results]
    assert kinds[0] is MatchKind.EXACT
    if strategy == "sql":  # typos are a fallback on the SQL strategy
        assert MatchKind.FUZZY not in kinds
        return
    assert MatchKind.FUZZY in kinds  # 威海港 is one character away
    first_fuzzy = kinds.index(MatchKind.FUZZY)
    assert all(k is MatchKind.FUZZY for k in kinds[first_fuzzy:])
    scores = [h.score for h in page.results]
    assert scores == sorted(scores, reverse=True)


# --- former names ------------------------------------------------------------------------


def test_former_name_finds_current_place(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "威海卫")
    hit = page.results[0]
    assert hit.name == "威海市"
    assert hit.match is MatchKind.FORMER_NAME
    assert hit.matched_name == "威海卫"
    page = run(service, conn, "文登市")
    assert page.results[0].name == "文登区"
    assert page.results[0].match is MatchKind.FORMER_NAME


def test_alias_from_other_names(service: SearchService, conn: Connection) -> None:
    """Aliases (other_names) are found as former names: by the in-memory index from the
    JSON, by the SQL strategy from place_aliases (kept by triggers)."""
    page = run(service, conn, "刘岛")
    assert page.results[0].name == "刘公岛"
    assert page.results[0].match is MatchKind.FORMER_NAME
    assert page.results[0].matched_name == "刘岛"


def test_alias_change_reaches_both_strategies(engine: Engine, ids: dict[str, int]) -> None:
    """place_aliases follows places.other_names (triggers): a new alias is found at once,
    the dropped one no longer matches as a name."""
    pid = ids["刘公岛"]
    with write_transaction(engine) as c:
        repo.update_place(
            c, pid, {"other_names": ["甲午岛", "甲午岛", " "]}, reason=ChangeReason.CORRECTION
        )
    with engine.connect() as c:
        rows = c.execute(select(place_aliases.c.name).where(place_aliases.c.place_id == pid)).all()
        assert [r[0] for r in rows] == ["甲午岛"]  # de-duplicated, blanks dropped
        for memory_max in (10**9, -1):
            svc = SearchService(check_interval_s=0, memory_max_names=memory_max)
            page = run(svc, c, "甲午岛")
            assert page.results[0].id == pid
            assert page.results[0].match is MatchKind.FORMER_NAME
            # 刘岛 is still one character from 刘公岛, but no longer one of its names
            old = [h for h in run(svc, c, "刘岛").results if h.id == pid]
            assert [h.match for h in old] == [MatchKind.FUZZY]


def _one_edit_variants(s: str) -> set[str]:
    out: set[str] = set()
    for i in range(len(s)):
        out.add(s[:i] + s[i + 1 :])  # missing letter
        out.add(s[:i] + ("x" if s[i] != "x" else "q") + s[i + 1 :])  # wrong letter
    for i in range(len(s) + 1):
        out.add(s[:i] + "x" + s[i:])  # extra letter
    for i in range(len(s) - 1):
        out.add(s[:i] + s[i + 1] + s[i] + s[i + 2 :])  # swapped neighbours
    out.discard(s)
    return out


def test_every_one_letter_pinyin_typo_finds_the_name(
    service: SearchService, conn: Connection
) -> None:
    """A typo at any position: the SQL strategy looks up by the first or the second half
    of the query (one of them survives one edit), the in-memory index by deletions."""
    variants = sorted(_one_edit_variants("liugongdao"))
    assert len(variants) > 30
    for text in variants:
        assert "刘公岛" in names(run(service, conn, text, limit=50)), text


def test_rename_is_seen_at_once(engine: Engine, ids: dict[str, int]) -> None:
    """The per-process index notices another writer's change (data token)."""
    svc = SearchService(check_interval_s=0)
    with engine.connect() as c:
        assert run(svc, c, "文化中路").results[0].name == "文化中路"
    with write_transaction(engine) as c:
        repo.update_place(
            c,
            ids["文化中路"],
            {"name": "文化东路"},
            reason=ChangeReason.RENAMING,
            keys=(pinyin_key("文化东路"), initials("文化东路")),
        )
    with engine.connect() as c:
        page = run(svc, c, "文化东路")
        assert page.results[0].name == "文化东路"
        assert page.results[0].match is MatchKind.EXACT
        old = run(svc, c, "文化中路")
        assert old.results[0].name == "文化东路"
        assert old.results[0].match is MatchKind.FORMER_NAME


# --- filters ---------------------------------------------------------------------------


def test_admin_filter_any_level(service: SearchService, conn: Connection) -> None:
    county = run(service, conn, "", admin="371002")  # 环翠区, short code
    assert "刘公岛" in names(county) and "文登区" not in names(county)
    town = run(service, conn, "", admin=wf.HUANCUILOU)
    assert set(names(town)) == {"环翠楼街道", "文化中路", "威海公园", "环翠楼公园"}
    assert all(h.match is MatchKind.FILTER for h in town.results)
    city = run(service, conn, "", admin=wf.CITY, limit=200)
    assert city.total == len(wf.SEEDS)


@pytest.mark.parametrize("text", ["威", "海", "文化", "路", "wh", "weihai", "whs", "威h", "文h"])
def test_area_search_reads_grams_or_the_area_alike(
    conn: Connection, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """An area's (a category's) names on the SQL strategy: through n-grams or rows, alike.

    They are found through the n-grams joined with the area's ids, or by reading a small
    area's places (``SMALL_AREA``): both give the unfiltered answer restricted to the
    area, each name by the same kind of match,
    with the same total.

    Order is compared by set: among names of equal status, rank and length the n-grams
    break ties by id, the table's rows by name.
    """
    sql = SearchService(check_interval_s=0, memory_max_names=-1)
    everywhere = run(sql, conn, text, limit=200)
    scopes = [("admin", a, "admin_code") for a in (wf.CITY, wf.HUANCUI, wf.HUANCUILOU)]
    scopes += [("admin", wf.WENDENG, "admin_code"), ("category", "23510", "category_code")]
    scopes += [("category", "23", "category_code")]  # a major category: its subcategories
    for key, value, field in scopes:
        prefix = value.rstrip("0") if key == "admin" else value
        pages = []
        for small in (-1, 10**9):  # always through the grams / always the area's rows
            monkeypatch.setattr(search_sql, "SMALL_AREA", small)
            pages.append(run(sql, conn, text, limit=200, **{key: value}))
        by_grams, by_rows = pages
        expected = {
            h.id: h.match for h in everywhere.results if getattr(h, field).startswith(prefix)
        }
        assert {h.id: h.match for h in by_grams.results} == expected, (value, names(by_grams))
        assert {h.id: h.match for h in by_rows.results} == expected, (value, names(by_rows))
        assert by_grams.total == by_rows.total == len(expected), value


POSTGIS_ONLY = [pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.mark.parametrize("backend", POSTGIS_ONLY, indirect=True)
@pytest.mark.parametrize("text", ["威", "海", "山", "路", "wh", "cheng", "whs", "威h"])
def test_category_search_on_the_grams_alone_equals_the_join(
    conn: Connection, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """A category filter (status all or current) is answered from the n-grams, which
    carry the category (migration 0017): the same names, kinds, order and total as
    joining the grams with the category's ids, for every category of the seeds, their
    major categories and each status filter."""
    sql = SearchService(check_interval_s=0, memory_max_names=-1)
    monkeypatch.setattr(search_sql, "SMALL_AREA", -1)  # never the area's rows
    codes = sorted(conn.execute(select(t.places.c.category_code).distinct()).scalars())
    majors = {c[:2] for c in codes if classification().subcodes(c[:2])}
    scopes = [*codes, *sorted(majors)]
    assert len(codes) > 5 and majors
    used: list[bool] = []
    scope_of = search_sql._gram_scope

    def spy(q: Any) -> Any:
        found = scope_of(q)
        used.append(found is not None)
        return found

    monkeypatch.setattr(search_sql, "_gram_scope", spy)
    found = 0
    for status in ("all", "current", "historical"):
        for category in scopes:
            used.clear()
            on_grams = run(sql, conn, text, category=category, status=status, limit=200)
            assert used == [status != "historical"]
            with monkeypatch.context() as joined:
                joined.setattr(search_sql, "_gram_scope", lambda q: None)
                by_join = run(sql, conn, text, category=category, status=status, limit=200)
            got = [(h.id, h.match) for h in on_grams.results]
            assert got == [(h.id, h.match) for h in by_join.results], (category, status)
            assert on_grams.total == by_join.total, (category, status)
            found += len(got)
    assert found > 0


def test_category_major_and_sub(service: SearchService, conn: Connection) -> None:
    roads = run(service, conn, "路", category="23510")
    assert set(names(roads)) == {"文化中路", "文化西路", "海滨北路"}
    transport = run(service, conn, "", category="23", limit=50)
    assert set(names(transport)) == {"文化中路", "文化西路", "海滨北路", "威海港", "荣成市石岛港"}


def test_bbox_near_status(service: SearchService, conn: Connection) -> None:
    page = run(service, conn, "", bbox=wf.RONGCHENG_BOX)
    assert set(names(page)) == {"荣成市", "荣成市石岛港", "成山头"}
    near = run(service, conn, "", near="122.1164,37.5131", radius_m=700)
    assert names(near)[0] == "威海市"  # sorted by distance without text
    assert all(h.distance_m is not None and h.distance_m <= 700 for h in near.results)
    assert "刘公岛" not in names(near)
    hist = run(service, conn, "", status="historical")
    assert names(hist) == ["塔山"]


def test_paging_and_total(service: SearchService, conn: Connection) -> None:
    full = run(service, conn, "", admin=wf.CITY, limit=200)
    first = run(service, conn, "", admin=wf.CITY, limit=5)
    second = run(service, conn, "", admin=wf.CITY, limit=5, offset=5)
    assert first.total == second.total == full.total
    assert names(first) + names(second) == names(full)[:10]


def test_unknown_admin_code(service: SearchService, conn: Connection) -> None:
    with pytest.raises(InvalidInput, match="administrative area code"):
        run(service, conn, "威海", admin="379999")


# --- validation and query analysis (no database) -----------------------------------------


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"text": "威" * 101}, "too long"),
        ({"bbox": "1,2,3"}, "four numbers"),
        ({"bbox": "a,b,c,d"}, "four numbers"),
        ({"bbox": "3,2,1,4"}, "min greater than max"),
        ({"bbox": "0,0,200,1"}, "outside"),
        ({"category": "99"}, "category"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"near": "122"}, "lon,lat"),
        ({"near": "122,37", "radius_m": 0}, "radius_m"),
        ({"status": "gone"}, "status"),
        ({"admin": "37x"}, "digits"),
    ],
)
def test_bad_input(kw: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        make_query(**kw)  # type: ignore[arg-type]


def test_fold_latin_and_analyze() -> None:
    assert fold_latin("Wēihǎi Shì") == "weihaishi"
    assert fold_latin("wei hai shi") == "weihaishi"
    assert fold_latin("Lǜshun") == "lvshun"
    assert fold_latin("Xi'an") == "xian"
    a = analyze("威h")
    assert a.is_mixed and a.units == ("威", "h")
    assert analyze("環翠區").chars == "环翠区"
    assert analyze("whs").is_latin
    assert analyze("w h s").latin == "whs" and analyze("w h s").spaced


def test_match_mixed() -> None:
    syl = ("wei", "hai", "shi")
    assert match_mixed(("威", "h"), "威海市", syl) == 0
    assert match_mixed(("威", "haishi"), "威海市", syl) == 0
    assert match_mixed(("海", "s"), "威海市", syl) == 1
    assert match_mixed(("威", "x"), "威海市", syl) == -1


def test_pinyin_typo_while_typing(engine: Engine, ids: dict[str, int]) -> None:
    """A typo in an unfinished pinyin query still finds the name (memory strategy)."""
    svc = SearchService(check_interval_s=0)
    with engine.connect() as c:
        page = run(svc, c, "wiehai")  # weihai(shi) with two letters swapped
        assert page.results[0].name == "威海市"
        assert page.results[0].match is MatchKind.FUZZY
        assert run(svc, c, "liugomg").results[0].name == "刘公岛"


def test_cli_search_and_place(
    settings: Settings, ids: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    from gazetteer.cli import main

    assert main(["--database-url", settings.database_url, "search", "whs", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "威海市" in out and "[initials]" in out
    assert main(["--database-url", settings.database_url, "search", "--bbox", "1,2"]) == 1
    assert "bbox" in capsys.readouterr().err
    assert main(["--database-url", settings.database_url, "place", str(ids["刘公岛"])]) == 0
    out = capsys.readouterr().out
    assert "标准名称: 刘公岛" in out and "别名、简称: 刘岛" in out


def test_a_character_and_an_initial(engine: Engine, ids: dict[str, int]) -> None:
    """``威h`` on the SQL strategy reads the best names straight from the ``m:`` gram: the
    names :func:`match_mixed` accepts, best first. A name whose digits make one syllable
    of two characters (12号楼: three syllables, four characters) holds the gram ``m:号l``
    but is no match."""
    extra = [
        Place(name=n, category_code="26100", admin_code=wf.HUANCUI, geometry=Point(122.1, 37.5))
        for n in ("12号楼", "3号楼", "号楼小区")
    ]
    with Builder.writing(engine) as b:
        b.places(extra, keys=True)
    sql = SearchService(check_interval_s=0, memory_max_names=-1)
    with engine.connect() as c:
        rows = c.execute(select(t.places.c.name, t.places.c.pinyin_key)).all()
        for text in ("号l", "威h", "环c", "公y", "文h", "海b", "路x"):
            units = analyze(text).units
            every = {n for n, key in rows if match_mixed(units, n, tuple(key.split())) >= 0}
            for limit in (1, 2, 3, 20):
                page = run(sql, c, text, limit=limit)
                assert len(page.results) == min(limit, len(every)), text
                assert set(names(page)) <= every, text
                if len(every) <= limit:  # the page holds every match: counted exactly
                    assert (page.total, page.total_is_exact) == (len(every), True), text
                else:
                    assert page.total >= len(every)
        assert sorted(names(run(sql, c, "号l"))) == ["3号楼", "号楼小区"]


def test_memory_threshold_is_the_services_setting(
    engine: Engine, ids: dict[str, int], tmp_path: Path
) -> None:
    """``search_memory_max_names`` decides the strategy: a database with more names than it
    is searched with SQL (no index held in the worker), one within it from memory."""
    if engine.dialect.name == "postgresql":  # PostgreSQL's row estimate: exact once analysed
        with engine.begin() as c:
            c.execute(sql_text("ANALYZE places"))
    with engine.connect() as c:
        names = c.execute(select(func.count()).select_from(t.places)).scalar_one()
        for limit, in_memory in ((names - 1, False), (names, True)):
            settings = Settings(cache_dir=tmp_path, search_memory_max_names=limit)
            caches = Caches.create(settings)
            try:
                assert (caches.search.index(c) is not None) is in_memory
                assert run(caches.search, c, "刘公岛").results[0].id == ids["刘公岛"]
            finally:
                caches.close()
    assert Settings().search_memory_max_names == MEMORY_MAX_NAMES
