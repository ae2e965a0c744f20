"""The per-process reference cache of single checks follows the database, on both backends.

Each write goes through a *separate engine* (another API instance, or the CLI), so the
only way the check can see it is the data token.
"""

from __future__ import annotations

from shapely.geometry import LineString, MultiPolygon, Polygon
from sqlalchemy import Connection, Engine

from gazetteer.model import BuiltUpArea
from gazetteer.naming import check_name as check_once
from gazetteer.naming.model import CheckRequest, CheckResult, PlaceKind
from gazetteer.naming.reference import ReferenceCache
from gazetteer.naming.words import add_word
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import repository as repo
from tests.datasets.naming_frame import ZHANGCUN, build_frame

CACHE = ReferenceCache()  # one cache for the module, as one API process keeps


def check_name(conn: Connection, request: CheckRequest) -> CheckResult:
    return check_once(conn, request, references=CACHE)


RURAL = LineString([(121.95, 37.35), (121.96, 37.35)])  # outside both frame areas


def test_word_added_elsewhere_applies_to_next_check(engine: Engine, settings: Settings) -> None:
    build_frame(engine)
    with engine.connect() as conn:
        warm = check_name(conn, CheckRequest("蓝湾置业花园", PlaceKind.COMPOUND, ZHANGCUN, RURAL))
    assert warm.ok  # the cache now holds the lists without the word
    other = create_engine_from_settings(settings)
    try:
        with other.begin() as conn:
            add_word(conn, "enterprises", "蓝湾置业")
    finally:
        other.dispose()
    with engine.connect() as conn:
        res = check_name(conn, CheckRequest("蓝湾置业花园", PlaceKind.COMPOUND, ZHANGCUN, RURAL))
    assert [f.rule for f in res.findings] == ["content.enterprise"]


def test_uncommitted_word_is_seen_only_inside_its_transaction(engine: Engine) -> None:
    build_frame(engine)
    req = CheckRequest("蓝湾置业花园", PlaceKind.COMPOUND, ZHANGCUN, RURAL)
    conn = engine.connect()
    try:
        trans = conn.begin()
        add_word(conn, "enterprises", "蓝湾置业")
        assert not check_name(conn, req).ok  # the transaction sees its own word
        trans.rollback()
        assert check_name(conn, req).ok  # rolled back: the cached lists must not keep it
    finally:
        conn.close()


def test_built_up_area_added_elsewhere_changes_the_scope(
    engine: Engine, settings: Settings
) -> None:
    build_frame(engine)
    with engine.connect() as conn:
        before = check_name(conn, CheckRequest("张村路", PlaceKind.ROAD, ZHANGCUN, RURAL))
    assert before.scope.key == "county:371002"
    area = MultiPolygon(
        [Polygon([(121.90, 37.30), (122.00, 37.30), (122.00, 37.40), (121.90, 37.40)])]
    )
    other = create_engine_from_settings(settings)
    try:
        with other.begin() as conn:
            repo.insert_built_up_areas(conn, [BuiltUpArea("张村城区", "371002000000", area)])
    finally:
        other.dispose()
    with engine.connect() as conn:
        after = check_name(conn, CheckRequest("张村路", PlaceKind.ROAD, ZHANGCUN, RURAL))
    assert after.scope.key.startswith("bua:") and after.scope.label == "张村城区建成区"
