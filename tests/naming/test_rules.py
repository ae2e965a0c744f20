"""Naming rules with real Weihai names and realistic bad names, on both backends."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import Engine

from gazetteer.naming import check_name, check_names
from gazetteer.naming.conflicts import fuzzy_key, near_keys
from gazetteer.naming.model import CheckRequest, PlaceKind, Severity
from gazetteer.naming.words import add_word
from tests.datasets.naming_frame import HUANCUILOU, WENDENG, ZHANGCUN, build_frame

CITY_LINE = LineString([(122.09, 37.53), (122.10, 37.535)])


def _rules(
    engine: Engine, name: str, kind: PlaceKind = PlaceKind.ROAD, **kw: object
) -> dict[str, Severity]:
    admin = str(kw.pop("admin", HUANCUILOU))
    geom = kw.pop("geometry", CITY_LINE)
    with engine.connect() as conn:
        res = check_name(conn, CheckRequest(name, kind, admin, geom, **kw))  # type: ignore[arg-type]
    return {f.rule: f.severity for f in res.findings}


@pytest.fixture
def frame(engine: Engine) -> dict[str, int]:
    return build_frame(engine)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("环球大厦广场", PlaceKind.BUILDING, {"structure.stacked_generic", "content.exaggerated"}),
        ("皇家御园", PlaceKind.COMPOUND, {"content.feudal"}),
        ("维多利亚路", PlaceKind.ROAD, {"content.foreign"}),
        ("路", PlaceKind.ROAD, {"structure.bare_generic"}),
        ("经5路", PlaceKind.ROAD, {"structure.non_chinese"}),
        ("ABC路", PlaceKind.ROAD, {"structure.non_chinese"}),
        ("𪚥山路", PlaceKind.ROAD, {"content.rare_character"}),
        ("三路", PlaceKind.ROAD, {"structure.bare_ordinal"}),
        ("第三路", PlaceKind.ROAD, {"structure.bare_ordinal"}),
        ("毛泽东路", PlaceKind.ROAD, {"content.leader_name"}),
        ("万达花园", PlaceKind.COMPOUND, {"content.enterprise"}),
        ("中华世界城小区", PlaceKind.COMPOUND, {"content.exaggerated"}),
        ("杏林小区", PlaceKind.ROAD, {"structure.generic_kind"}),
        ("杏林", PlaceKind.ROAD, {"structure.missing_generic"}),
    ],
)
def test_bad_names_are_errors(
    engine: Engine, frame: dict[str, int], name: str, kind: PlaceKind, expected: set[str]
) -> None:
    found = _rules(engine, name, kind)
    assert expected <= set(found), found
    assert all(found[r] is Severity.ERROR for r in expected)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("杏林路", PlaceKind.ROAD), ("文化中路", PlaceKind.ROAD), ("松涛苑", PlaceKind.COMPOUND),
     ("统一东路", PlaceKind.ROAD), ("经五路", PlaceKind.ROAD), ("海悦大厦", PlaceKind.BUILDING)],
)  # fmt: skip
def test_good_names_pass(engine: Engine, frame: dict[str, int], name: str, kind: PlaceKind) -> None:
    assert _rules(engine, name, kind) == {}


def test_duplicates_and_homophones_in_the_built_up_area(
    engine: Engine, frame: dict[str, int]
) -> None:
    found = _rules(engine, "文华路")
    assert found == {"conflict.homophone": Severity.ERROR}
    assert _rules(engine, "文化路") == {"conflict.duplicate": Severity.ERROR}
    assert _rules(engine, "新薇路") == {"conflict.homophone_same_tone": Severity.ERROR}
    assert _rules(engine, "文化街") == {"conflict.same_specific": Severity.WARNING}
    assert _rules(engine, "新韦路") == {"conflict.homophone": Severity.ERROR}
    # 昆明路 exists: 坤明路 is the same syllables with the same tones
    assert _rules(engine, "坤明路") == {"conflict.homophone_same_tone": Severity.ERROR}
    # near homophone: 新威 (xin wei) vs 星威 (xing wei)
    assert _rules(engine, "星威路") == {"conflict.near_homophone": Severity.WARNING}


def test_scopes(engine: Engine, frame: dict[str, int]) -> None:
    with engine.connect() as conn:
        city = check_name(conn, CheckRequest("文华路", PlaceKind.ROAD, HUANCUILOU, CITY_LINE))
        assert city.scope.key.startswith("bua:") and city.scope.label == "威海市区建成区"
        # 文登's own built-up area has 文化路 too: the conflict there is that one
        wd_line = LineString([(122.04, 37.20), (122.05, 37.20)])
        wd = check_name(conn, CheckRequest("文华路", PlaceKind.ROAD, WENDENG, wd_line))
        assert wd.scope.label == "文登城区建成区"
        assert wd.findings[0].conflicts == (f"place:{frame['文化路@文登']}",)
        # a road outside every built-up area is checked county-wide (环翠区)
        rural = LineString([(121.95, 37.35), (121.96, 37.35)])
        out = check_name(conn, CheckRequest("文华路", PlaceKind.ROAD, ZHANGCUN, rural))
        assert out.scope.key == "county:371002"
        assert out.findings[0].conflicts == (f"place:{frame['文化路']}",)
        # no geometry: the admin area's centre places it (张村镇 centre is outside)
        nogeo = check_name(conn, CheckRequest("文华路", PlaceKind.ROAD, HUANCUILOU))
        assert nogeo.scope.key.startswith("bua:")
        town = check_name(conn, CheckRequest("文华镇", PlaceKind.TOWN, HUANCUILOU))
        assert town.scope.key == "all" and town.ok


def test_road_class_table(engine: Engine, frame: dict[str, int]) -> None:
    assert _rules(engine, "杏林大道", width_m=16) == {"structure.road_class": Severity.WARNING}
    assert _rules(engine, "杏林大道", width_m=40, grade="主干路") == {}
    assert _rules(engine, "杏林巷", width_m=30) == {"structure.road_class": Severity.WARNING}


def test_staff_can_extend_word_lists(engine: Engine, frame: dict[str, int]) -> None:
    assert _rules(engine, "海天置业花园", PlaceKind.COMPOUND) == {}
    with engine.begin() as conn:
        add_word(conn, "enterprises", "海天置业")
    assert _rules(engine, "海天置业花园", PlaceKind.COMPOUND) == {
        "content.enterprise": Severity.ERROR
    }


def test_batch_matches_single_checks(engine: Engine, frame: dict[str, int]) -> None:
    names = ["文华路", "杏林路", "环球大厦广场", "文化街", "星威路", "𪚥山路"]
    reqs = [CheckRequest(n, PlaceKind.ROAD, HUANCUILOU, Point(122.1, 37.53)) for n in names]
    with engine.connect() as conn:
        single = [check_name(conn, r) for r in reqs]
        many = check_names(conn, reqs)
    assert [[f.rule for f in r.findings] for r in single] == [
        [f.rule for f in r.findings] for r in many
    ]


def test_fuzzy_keys() -> None:
    assert fuzzy_key("xing wei lu") == fuzzy_key("xin wei lu")
    assert "zhang lu" in near_keys("zang lu") and "xin wei lu" in near_keys("xing wei lu")
