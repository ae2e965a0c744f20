"""What-if against a memoised baseline (both backends): the answer is the one a fresh
computation gives, repeated calls agree, and changed data is picked up."""

from __future__ import annotations

import dataclasses

import pytest
from shapely.geometry import Point
from sqlalchemy import Engine, update

from gazetteer.coverage import CoverageCache, CoverageQuery, NewSite, WhatIfChanges
from gazetteer.coverage.model import CoverageResult, WhatIfResult
from gazetteer.model import FacilityType
from gazetteer.services import coverage as svc
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.versions import coverage_versions, demand_version, network_version
from tests.datasets.grid_city import COUNTY_A, facilities_at, seed

MEAL = FacilityType.ELDERLY_MEAL_POINT
CACHE = CoverageCache()  # one cache for the whole module, as one API process keeps


def coverage(engine: Engine, query: CoverageQuery) -> CoverageResult:
    return svc.coverage(engine, query, cache=CACHE)


def what_if(engine: Engine, query: CoverageQuery, changes: WhatIfChanges) -> WhatIfResult:
    return svc.what_if(engine, query, changes, cache=CACHE)


def q(admin: str | None = None) -> CoverageQuery:
    return CoverageQuery((MEAL,), minutes=5, admin=admin)


def test_one_statement_fingerprints_match_the_separate_ones(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        assert coverage_versions(conn) == (network_version(conn), demand_version(conn))


@pytest.mark.parametrize("admin", [None, COUNTY_A[:6]])
def test_added_site_equals_storing_it(engine: Engine, admin: str | None) -> None:
    seed(engine)
    gap = coverage(engine, q(admin)).gaps[0]
    change = WhatIfChanges(add=(NewSite(gap.lon, gap.lat),))
    first = what_if(engine, q(admin), change)
    again = what_if(engine, q(admin), change)  # baseline and its summary memoised
    assert again == first
    assert first.baseline == coverage(engine, q(admin))
    assert gap.id in first.newly_covered
    with write_transaction(engine) as conn:
        site = facilities_at([(0, 0)])[0]
        site = dataclasses.replace(site, code="FNEW", point=Point(gap.lon, gap.lat))
        repo.insert_facilities(conn, [site])
    stored = coverage(engine, q(admin))
    assert stored.covered == pytest.approx(first.scenario.covered, abs=1e-9)
    assert stored.by_area == first.scenario.by_area
    assert [g.id for g in stored.gaps] == [g.id for g in first.scenario.gaps]
    for a, b in zip(stored.points, first.scenario.points, strict=True):
        assert a.id == b.id and a.covered == b.covered
        assert a.minutes_to_nearest == pytest.approx(b.minutes_to_nearest, abs=1e-9)
    # the stored site is now part of the baseline
    assert what_if(engine, q(admin), change).baseline == stored


def test_memoised_baseline_follows_changed_names_and_demand(engine: Engine) -> None:
    seed(engine)
    gap = coverage(engine, q()).gaps[0]
    change = WhatIfChanges(add=(NewSite(gap.lon, gap.lat),))
    before = what_if(engine, q(), change)
    code = before.baseline.by_area[0].admin_code
    with write_transaction(engine) as conn:
        conn.execute(update(t.admin_areas).where(t.admin_areas.c.code == code).values(name="新名"))
    renamed = what_if(engine, q(), change)
    assert renamed.baseline.by_area[0].name == "新名"
    assert renamed.scenario.by_area[0].name == "新名"
    with write_transaction(engine) as conn:
        conn.execute(
            update(t.demand_points)
            .where(t.demand_points.c.id == gap.id)
            .values(population=t.demand_points.c.population + 1000)
        )
    more = what_if(engine, q(), change)
    assert more.baseline.total == pytest.approx(before.baseline.total + 1000)
    assert more.baseline == coverage(engine, q())
