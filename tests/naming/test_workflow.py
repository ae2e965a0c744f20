"""The case workflow on both backends: full cycle, roles, history, audit, overdue, 409."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import Engine, select

from gazetteer.errors import Conflict, InvalidInput, PermissionDenied
from gazetteer.model import ChangeReason
from gazetteer.model.accounts import User
from gazetteer.naming import audit
from gazetteer.naming.model import CaseKind, CaseProposal, CaseState
from gazetteer.services import accounts as auth
from gazetteer.services import naming as wf
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from tests.builder import backdate_case
from tests.datasets.naming_frame import HUANCUILOU, NEW_ROAD_CYCLE, build_frame

NEW_LINE = LineString([(122.090, 37.530), (122.105, 37.532)])
DAY0 = date(2024, 3, 1)


def _through_consultation(engine: Engine, settings: Settings, p: CaseProposal, rev: User) -> int:
    case = wf.create_case(engine, p, rev)
    wf.submit(engine, case.id, rev)
    wf.start_review(engine, case.id, rev)
    backdate_case(engine, case.id, DAY0)
    wf.start_consultation(engine, case.id, rev, settings, start=DAY0)
    return case.id


def test_new_road_from_draft_to_filed(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    build_frame(engine)
    rev, app = staff["rev"], staff["app"]
    p = CaseProposal(
        CaseKind.NEW_ROAD,
        "杏林路",
        HUANCUILOU,
        NEW_LINE,
        start_desc="文化路",
        end_desc="新威路",
        width_m=24,
        grade="次干路",
        reason="以杏林命名",
    )
    case_id = _through_consultation(engine, settings, p, rev)
    case = wf.approve(
        engine,
        case_id,
        app,
        settings,
        approval_no="威政字〔2024〕12号",
        approval_date=DAY0 + timedelta(days=settings.consultation_days),
    )
    assert case.state is CaseState.APPROVED
    assert case.romanized == "Xìnglín Lù"
    assert case.notice_due == case.approval_date + timedelta(days=15)  # type: ignore[operator]
    assert "杏林路" in case.notice_text and "Xìnglín Lù" in case.notice_text
    assert "西起" in case.notice_text or "东起" in case.notice_text
    assert "威政字〔2024〕12号" in case.notice_text and "环翠楼街道" in case.notice_text
    with engine.connect() as conn:
        place = repo.get_place(conn, case.proposal.place_id)  # type: ignore[arg-type]
        assert place.name == "杏林路" and place.romanized == "Xìnglín Lù"
        assert place.geometry.equals(NEW_LINE)
        road = repo.get_road(conn, place.id)  # type: ignore[arg-type]
        assert road is not None and 1300 < road.length_m < 1400 and road.width_m == 24
        assert (
            conn.execute(
                select(t.places.c.pinyin_key).where(t.places.c.id == place.id)
            ).scalar_one()
            == "xing lin lu"
        )
    # overdue: nothing announced 16 days after approval
    assert case.approval_date is not None
    later = case.approval_date + timedelta(days=16)
    with engine.connect() as conn:
        items = wf.overdue_cases(conn, as_of=later)
        assert {(i.case_id, i.what) for i in items} == {(case_id, "notice"), (case_id, "filing")}
    wf.announce(engine, case_id, rev, on=case.approval_date)
    done = wf.file_case(engine, case_id, rev, on=case.approval_date)
    assert done.state is CaseState.FILED
    with engine.connect() as conn:
        assert wf.overdue_cases(conn, as_of=later) == []
        trail = audit.case_trail(conn, case_id)
        actions = [e.action for e in trail]
        assert actions == ["create", *NEW_ROAD_CYCLE]
        assert trail[0].user_name == "zhang" and trail[5].user_name == "wang"
        assert trail[5].before["state"] == "public_consultation"  # type: ignore[index]
        assert trail[5].after["state"] == "approved"  # type: ignore[index]
        ptrail = audit.place_trail(conn, place.id)  # type: ignore[arg-type]
        assert ptrail[0].action == "place.new_road" and ptrail[0].after["name"] == "杏林路"  # type: ignore[index]


def test_submit_stores_findings_and_wrong_transitions_conflict(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    build_frame(engine)
    rev = staff["rev"]
    case = wf.create_case(
        engine, CaseProposal(CaseKind.NEW_ROAD, "文华路", HUANCUILOU, NEW_LINE), rev
    )
    with pytest.raises(Conflict):
        wf.start_review(engine, case.id, rev)  # still a draft
    sub = wf.submit(engine, case.id, rev)
    assert sub.state is CaseState.SUBMITTED
    assert [f.rule for f in sub.findings] == ["conflict.homophone"]
    assert sub.findings[0].conflicts and sub.findings[0].conflicts[0].startswith("place:")
    with pytest.raises(Conflict):
        wf.submit(engine, case.id, rev)
    with pytest.raises(PermissionDenied):
        wf.reject(engine, case.id, rev, reason="同音")  # reviewers cannot reject
    rej = wf.reject(engine, case.id, staff["app"], reason="与文化路同音")
    assert rej.state is CaseState.REJECTED


def test_approver_must_differ_from_submitter_and_consultation_must_end(
    engine: Engine, settings: Settings
) -> None:
    build_frame(engine)
    with engine.begin() as conn:
        both = auth.add_user(conn, "chen", ["reviewer", "approver"]).user
        app = auth.add_user(conn, "wang", ["approver"]).user
    p = CaseProposal(CaseKind.NEW_ROAD, "杏林路", HUANCUILOU, NEW_LINE)
    case_id = _through_consultation(engine, settings, p, both)
    with pytest.raises(PermissionDenied):
        wf.approve(
            engine,
            case_id,
            both,
            settings,
            approval_no="X1",
            approval_date=DAY0 + timedelta(days=30),
        )
    if settings.consultation_days:
        with pytest.raises(Conflict):
            wf.approve(engine, case_id, app, settings, approval_no="X1", approval_date=DAY0)
    ok = wf.approve(
        engine, case_id, app, settings, approval_no="X1", approval_date=DAY0 + timedelta(days=30)
    )
    assert ok.approved_by == app.id


def test_competing_homophone_cases_second_gets_conflict_naming_first(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    build_frame(engine)
    rev, rev2, app = staff["rev"], staff["rev2"], staff["app"]
    a = _through_consultation(
        engine, settings, CaseProposal(CaseKind.NEW_ROAD, "杏林路", HUANCUILOU, NEW_LINE), rev
    )
    other = LineString([(122.15, 37.52), (122.16, 37.52)])
    b = _through_consultation(
        engine, settings, CaseProposal(CaseKind.NEW_ROAD, "杏琳路", HUANCUILOU, other), rev2
    )
    when = DAY0 + timedelta(days=30)
    first = wf.approve(engine, a, app, settings, approval_no="A1", approval_date=when)
    with pytest.raises(Conflict) as err:
        wf.approve(engine, b, app, settings, approval_no="B1", approval_date=when)
    assert f"place:{first.proposal.place_id}" in err.value.conflicts
    assert "杏林路" in err.value.message
    with engine.connect() as conn:
        assert wf.get_case(conn, b).state is CaseState.PUBLIC_CONSULTATION


def test_rename_keeps_former_name_and_adjustment_keeps_geometry(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    ids = build_frame(engine)
    rev, app = staff["rev"], staff["app"]
    pid = ids["昆明路"]
    when = DAY0 + timedelta(days=30)
    rn = _through_consultation(
        engine, settings, CaseProposal(CaseKind.RENAME, "松涛路", HUANCUILOU, place_id=pid), rev
    )
    renamed = wf.approve(engine, rn, app, settings, approval_no="R1", approval_date=when)
    assert "更名为“松涛路”" in renamed.notice_text and "昆明路" in renamed.notice_text
    with engine.connect() as conn:
        place = repo.get_place(conn, pid)
        old_geom = place.geometry
        assert place.name == "松涛路" and place.romanized == "Sōngtāo Lù"
        hist = repo.place_history(conn, pid)
        assert [(h.name, h.valid_to, h.reason) for h in hist] == [
            ("昆明路", when, ChangeReason.RENAMING)
        ]
    new_geom = LineString([(122.085, 37.51), (122.115, 37.51)])
    adj = _through_consultation(
        engine,
        settings,
        CaseProposal(
            CaseKind.ADJUSTMENT,
            "",
            HUANCUILOU,
            new_geom,
            place_id=pid,
            start_desc="青岛中路",
            end_desc="统一路",
        ),
        rev,
    )
    done = wf.approve(engine, adj, app, settings, approval_no="J1", approval_date=when)
    assert "起止点调整" in done.notice_text and "东起统一路，西至青岛中路" in done.notice_text
    with engine.connect() as conn:
        place = repo.get_place(conn, pid)
        assert place.geometry.equals(new_geom) and place.name == "松涛路"
        hist = repo.place_history(conn, pid)
        assert hist[-1].reason is ChangeReason.ADJUSTMENT and hist[-1].geometry.equals(old_geom)  # type: ignore[union-attr]
        road = repo.get_road(conn, pid)
        assert road is not None and road.start_desc == "青岛中路" and 2600 < road.length_m < 2700
        trail = [e.action for e in audit.place_trail(conn, pid)]
        assert "place.rename" in trail and "place.adjustment" in trail


def test_compound_case_and_validation(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    build_frame(engine)
    rev, app = staff["rev"], staff["app"]
    with pytest.raises(InvalidInput):
        wf.create_case(
            engine, CaseProposal(CaseKind.NEW_ROAD, "杏林路", HUANCUILOU, Point(122.1, 37.5)), rev
        )
    with pytest.raises(InvalidInput):
        wf.create_case(engine, CaseProposal(CaseKind.RENAME, "杏林路", HUANCUILOU), rev)
    with pytest.raises(PermissionDenied):
        wf.create_case(
            engine, CaseProposal(CaseKind.COMPOUND, "翠竹苑", HUANCUILOU, Point(122.1, 37.5)), app
        )
    cid = _through_consultation(
        engine,
        settings,
        CaseProposal(CaseKind.COMPOUND, "翠竹苑", HUANCUILOU, Point(122.1, 37.505), households=420),
        rev,
    )
    done = wf.approve(
        engine, cid, app, settings, approval_no="C1", approval_date=DAY0 + timedelta(days=30)
    )
    assert "居住小区" in done.notice_text
    with engine.connect() as conn:
        place = repo.get_place(conn, done.proposal.place_id)  # type: ignore[arg-type]
        assert place.category_code == "22110"


def test_step_dates_follow_the_case_history_and_never_lie_ahead(
    engine: Engine, settings: Settings, staff: dict[str, User]
) -> None:
    """Issue 16: a consultation dated 2000-01-01 allowed an immediate approval; approval,
    notice and filing dated 2099-12-31 were accepted."""
    build_frame(engine)
    rev, app = staff["rev"], staff["app"]
    p = CaseProposal(CaseKind.NEW_ROAD, "杏林路", HUANCUILOU, NEW_LINE)
    case = wf.create_case(engine, p, rev)
    wf.submit(engine, case.id, rev)
    wf.start_review(engine, case.id, rev)
    with pytest.raises(InvalidInput, match="start_date"):  # before the review step (today)
        wf.start_consultation(engine, case.id, rev, settings, start=date(2000, 1, 1))
    with pytest.raises(InvalidInput, match="future"):
        wf.start_consultation(engine, case.id, rev, settings, start=date(2099, 12, 31))
    backdate_case(engine, case.id, DAY0)
    wf.start_consultation(engine, case.id, rev, settings, start=DAY0)
    for bad in (date(2099, 12, 31), date(9999, 12, 31)):
        with pytest.raises(InvalidInput, match="approval_date"):
            wf.approve(engine, case.id, app, settings, approval_no="F1", approval_date=bad)
    with pytest.raises(InvalidInput, match="approval_date"):
        wf.approve(
            engine, case.id, app, settings, approval_no="F1", approval_date=DAY0 - timedelta(1)
        )
    approved = DAY0 + timedelta(days=30)
    wf.approve(engine, case.id, app, settings, approval_no="F1", approval_date=approved)
    with pytest.raises(InvalidInput, match="future"):
        wf.announce(engine, case.id, rev, on=date(2099, 12, 31))
    with pytest.raises(InvalidInput, match="before"):
        wf.announce(engine, case.id, rev, on=approved - timedelta(days=1))
    wf.announce(engine, case.id, rev, on=approved + timedelta(days=2))
    with pytest.raises(InvalidInput, match="before"):
        wf.file_case(engine, case.id, rev, on=approved + timedelta(days=1))
    with pytest.raises(InvalidInput, match="future"):
        wf.file_case(engine, case.id, rev, on=date(9999, 1, 1))
    assert wf.file_case(engine, case.id, rev).state is CaseState.FILED
