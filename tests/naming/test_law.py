"""One test per rule of the 2022 Regulation (art. 9-14, 25) and the 2024 实施办法 (art. 3-5):
passes, refusals, warnings and exceptions. Pure functions; the workflow parts (exceptions
and reports on the case, the art. 14 order) on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point
from sqlalchemy import Engine

from gazetteer.errors import InvalidInput
from gazetteer.model.accounts import User
from gazetteer.naming import audit
from gazetteer.naming import cases as wfc
from gazetteer.naming.check import name_facts
from gazetteer.naming.model import CaseKind, CaseProposal, CaseState, PlaceKind, Scope, Severity
from gazetteer.naming.rules import (
    RULES,
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
from gazetteer.naming.words import load_word_lists
from gazetteer.services import naming as wf
from gazetteer.settings import Settings
from gazetteer.text.standard_chars import LEVEL_SIZES, standard_table
from tests.builder import backdate_case
from tests.datasets.naming_frame import HUANCUILOU, build_frame

W = load_word_lists()
R = PlaceKind.ROAD


def _content(name: str, kind: PlaceKind = R) -> dict[str, Severity]:
    facts = name_facts(name, kind)
    found = structure_findings(facts, kind, W) + content_findings(facts, W)
    found += script_findings(name) + division_findings(facts, kind, W)
    return {f.rule: f.severity for f in found}


def test_every_finding_cites_article_and_item() -> None:
    for rule in RULES.values():
        if rule.id.startswith("location."):  # data integrity: the code standards
            assert "GB/T 2260" in rule.article, rule.id
            continue
        assert "《地名管理条例》（2022" in rule.article, rule.id
        assert "第九条" in rule.article or "第十条" in rule.article, rule.id
        if rule.id.startswith(("content.", "conflict.")):
            assert "项" in rule.article, rule.id
        if rule.id in ("content.person_name", "content.enterprise"):
            assert "实施办法" in rule.article and "民政部令第71号" in rule.article
    # a rule resting on an undocumented local rule alone is a warning
    for rule in RULES.values():
        if "无文号" in rule.article and "第九条第一款第" not in rule.article.split("；")[0]:
            assert rule.severity is Severity.WARNING, rule.id


# --- art. 9(1) public order and good customs ---------------------------------------------


@pytest.mark.parametrize("name", ["赌城路", "风水宝地小区", "阎王路"])
def test_9_1_gambling_vulgar_superstitious_refused(name: str) -> None:
    assert (
        _content(name, PlaceKind.COMPOUND if "小区" in name else R).get("content.public_order")
        is Severity.ERROR
    )


def test_9_1_word_lists_name_their_source() -> None:
    for list_name in ("public_order", "persons", "famous", "protected"):
        assert all(w.source for w in W.words(list_name)), list_name
    assert _content("转运站路").get("content.public_order") is Severity.WARNING  # judgement


# --- art. 9(2) nature and size; 9(3) script ----------------------------------------------


def test_9_2_generic_must_fit_the_feature() -> None:
    assert _content("杏林小区", R) == {"structure.generic_kind": Severity.ERROR}


def test_9_3_the_shipped_table_is_the_standard() -> None:
    """The library ships the 8,105 characters (the check must not depend on a shared
    folder); the copy equals the reference file where that is present."""
    table = standard_table()
    assert table is not None and len(table) == sum(LEVEL_SIZES) == 8105
    assert [sum(1 for v in table.values() if v == lv) for lv in (1, 2, 3)] == list(LEVEL_SIZES)
    assert table["一"] == 1 and table["𬜬"] == 3
    reference = Path(__file__).resolve().parents[3] / "shared/reference/tongyong_guifan_8105.tsv"
    if reference.is_file():
        lines = [ln.split("\t") for ln in reference.read_text("utf-8").splitlines() if ln]
        levels = [1] * 3500 + [2] * 3000 + [3] * 1605
        assert {cols[1]: lv for cols, lv in zip(lines, levels, strict=True)} == table


def test_9_3_table_characters_are_never_rare_and_traditional_forms_are_findings() -> None:
    assert script_findings("𬜬山路") == []  # 𬜬: level 3 of the table, a place-name character
    assert _content("崮山路") == {} and _content("苘山路") == {}
    # 蔄 (蔄山镇) was replaced by 𬜬 in the table: a finding with the standard form proposed
    old = script_findings("蔄山镇")
    assert [f.rule for f in old] == ["content.nonstandard_character"] and "𬜬" in old[0].message
    found = script_findings("環翠路")
    assert [f.rule for f in found] == ["content.nonstandard_character"]
    assert "“環”应为“环”" in found[0].message and "第（三）项" in found[0].article
    assert [f.rule for f in script_findings("𪚥山路")] == ["content.rare_character"]


# --- art. 9(4) person names and 实施办法 art. 3 --------------------------------------------


def test_9_4_leaders_refused_other_persons_warned() -> None:
    assert _content("毛泽东路")["content.leader_name"] is Severity.ERROR
    assert _content("孙悟空路")["content.person_name"] is Severity.WARNING  # fictional
    assert _content("仲尼路")["content.person_name"] is Severity.WARNING  # courtesy name
    assert _content("鲁迅路")["content.person_name"] is Severity.WARNING  # pen name
    assert "content.person_name" not in _content("龙湖路")


def test_9_4_exception_granted_with_reason() -> None:
    facts = name_facts("世昌大道", R)
    found = content_findings(facts, W)
    assert [f.rule for f in found] == ["content.person_name"]
    granted = apply_exceptions(found, {"content.person_name": "纪念邓世昌，已经市政府同意"})
    assert granted[0].severity is Severity.WARNING and "准予例外" in granted[0].message
    leader = content_findings(name_facts("毛泽东路", R), W)
    assert apply_exceptions(leader, {"content.leader_name": "x"})[0].severity is Severity.ERROR


# --- art. 9(5) foreign names, 9(6) enterprises (实施办法 art. 4) ---------------------------


def test_9_5_foreign_names_refused_but_ordinary_words_only_warned() -> None:
    assert _content("维多利亚路")["content.foreign"] is Severity.ERROR
    assert _content("米兰路")["content.foreign"] is Severity.WARNING  # a plant


def test_9_6_enterprise_names_and_the_art_4_exception() -> None:
    assert _content("万达花园", PlaceKind.COMPOUND)["content.enterprise"] is Severity.ERROR
    lake = content_findings(name_facts("龙湖苑", PlaceKind.COMPOUND), W)
    assert [(f.rule, f.severity) for f in lake] == [("content.enterprise", Severity.WARNING)]
    done = apply_exceptions(lake, {"content.enterprise": "以小区内龙湖（湖泊）得名"})
    assert "龙湖（湖泊）" in done[0].message


# --- art. 9(7) county-level names nationwide ----------------------------------------------


def test_9_7_county_level_names_unique_nationwide() -> None:
    assert [f.rule for f in national_findings(name_facts("荣成市", PlaceKind.TOWN))] == [
        "conflict.national"
    ]
    homo = national_findings(name_facts("荣城市", PlaceKind.TOWN))
    assert [f.rule for f in homo] == ["conflict.national_homophone"]
    assert national_findings(name_facts("海晏路", R)) == []


# --- art. 9(8) scopes ----------------------------------------------------------------------


def test_9_8_scope_that_could_not_be_checked_is_a_warning() -> None:
    town = scope_findings(PlaceKind.TOWN, Scope("all", "全市"), complete=False)
    assert town[0].severity is Severity.WARNING and "同一个省级行政区域" in town[0].message
    road = scope_findings(PlaceKind.ROAD, Scope("bua:1", "环翠建成区"), complete=True)
    assert road == []


# --- art. 9(9) division names, 9(10) facilities --------------------------------------------


def test_9_9_famous_features_not_division_names() -> None:
    assert _content("泰山镇", PlaceKind.TOWN)["content.famous_feature"] is Severity.ERROR
    assert "content.famous_feature" not in _content("泰山路")  # a road is not a division


def test_9_10_facilities_carry_the_local_place_name() -> None:
    facts = name_facts("幸福水库", R)
    assert [f.rule for f in facility_findings(facts, ["环翠区", "张村镇"])] == []  # not facility
    station = name_facts("幸福汽车站", PlaceKind.BUILDING)
    warn = facility_findings(station, ["环翠区", "张村镇"])
    assert [(f.rule, f.severity) for f in warn] == [("content.facility_place", Severity.WARNING)]
    assert facility_findings(name_facts("张村汽车站", PlaceKind.BUILDING), ["张村镇"]) == []


# --- art. 10/25 protection list, art. 11 reports ------------------------------------------


def test_10_25_protected_name_needs_art_11_reports() -> None:
    refused = protection_findings("威海卫", W)
    assert refused[0].severity is Severity.ERROR and "综合评估报告" in refused[0].message
    ok = protection_findings("威海卫", W, ("evaluation", "expert_review"))
    assert ok[0].severity is Severity.WARNING
    assert protection_findings("杏林路", W) == []


# --- over-eager rules ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["经五路", "纬二路", "人民广场路", "王家村路", "海滨北路"])
def test_legitimate_names_pass(name: str) -> None:
    assert _content(name) == {}


def test_unknown_last_word_is_not_missing_generic() -> None:
    assert _content("凤凰埭", PlaceKind.VILLAGE) == {"structure.unknown_generic": Severity.WARNING}
    assert _content("杏林") == {"structure.missing_generic": Severity.ERROR}


# --- workflow: exceptions and reports on the case, art. 14 order ---------------------------


def test_exception_and_reports_recorded_and_compound_filed_before_notice(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    build_frame(engine)
    rev, app = staff["rev"], staff["app"]
    p = CaseProposal(CaseKind.COMPOUND, "龙湖苑", HUANCUILOU, Point(122.1, 37.505))
    case = wf.create_case(engine, p, rev)
    with engine.begin() as conn:
        with pytest.raises(InvalidInput):
            wfc.grant_exception(conn, case.id, "content.leader_name", "理由充分的说明", rev)
        with pytest.raises(InvalidInput):
            wfc.grant_exception(conn, case.id, "content.enterprise", "", rev)
    wf.grant_exception(engine, case.id, "content.enterprise", "以小区内龙湖得名", rev)
    wf.record_report(engine, case.id, "evaluation", "综合评估：可行", rev)
    with engine.connect() as conn:
        assert wfc.case_exceptions(conn, case.id) == {"content.enterprise": "以小区内龙湖得名"}
        assert wfc.case_reports(conn, case.id) == ("evaluation",)
        trail = [e.action for e in audit.case_trail(conn, case.id)]
        assert wfc.EXCEPTION_ACTION in trail and wfc.REPORT_ACTION in trail
        result = wfc.run_checks(conn, wfc.get_case(conn, case.id))
        ent = [f for f in result.findings if f.rule == "content.enterprise"]
        assert ent and "准予例外" in ent[0].message
    wf.submit(engine, case.id, rev)
    wf.start_review(engine, case.id, rev)
    day0 = date(2024, 3, 1)
    backdate_case(engine, case.id, day0)  # step dates follow the case's history
    wf.start_consultation(engine, case.id, rev, settings, start=day0)
    approved = wf.approve(
        engine,
        case.id,
        app,
        settings,
        approval_no="威住建字〔2024〕1号",
        approval_date=day0 + timedelta(days=settings.consultation_days),
    )
    assert approved.notice_due is None  # due 15 days after the filing (art. 14)
    with pytest.raises(Exception):  # noqa: B017 - a department-approved name: file first
        wf.announce(engine, case.id, rev)
    assert approved.approval_date is not None
    on = approved.approval_date + timedelta(days=3)
    filed = wf.file_case(engine, case.id, rev, on=on)
    assert filed.state is CaseState.FILED and filed.notice_due == on + timedelta(days=15)
    done = wf.announce(engine, case.id, rev, on=on + timedelta(days=2))
    assert done.state is CaseState.ANNOUNCED
