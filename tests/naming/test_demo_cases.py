"""The demo's 2016–2020 naming work appears as completed cases (83 + 17 + 103)."""

from __future__ import annotations

from collections import Counter

from gazetteer.naming.audit import case_trail
from gazetteer.naming.model import CaseKind, CaseState
from gazetteer.services import naming as wf
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings


def test_historic_cases_are_filed(demo_settings: Settings) -> None:
    engine = create_engine_from_settings(demo_settings)
    try:
        with engine.connect() as conn:
            total, cases = wf.list_cases(conn, historic=True, limit=500)
            assert total == 203
            assert Counter(c.kind for c in cases) == {
                CaseKind.NEW_ROAD: 83, CaseKind.ADJUSTMENT: 17, CaseKind.COMPOUND: 103,
            }  # fmt: skip
            # art. 14: compounds (department-approved) are filed, then announced
            assert {(c.kind, c.state) for c in cases} == {
                (CaseKind.NEW_ROAD, CaseState.FILED),
                (CaseKind.ADJUSTMENT, CaseState.FILED),
                (CaseKind.COMPOUND, CaseState.ANNOUNCED),
            }
            for c in cases:
                assert c.approval_date is not None and 2016 <= c.approval_date.year <= 2020
                assert c.filed_on is not None and c.announced_on is not None
                assert (c.filed_on - c.approval_date).days <= 15
                if c.kind is CaseKind.COMPOUND:
                    assert 0 < (c.announced_on - c.filed_on).days <= 15
                assert c.proposal.name in c.notice_text and c.approval_no in c.notice_text  # type: ignore[operator]
                assert c.proposal.place_id is not None
            assert [e.action for e in case_trail(conn, cases[0].id)] == ["historic_import"]
            assert wf.overdue_cases(conn, as_of=cases[0].approval_date) == []  # type: ignore[arg-type]
    finally:
        engine.dispose()
