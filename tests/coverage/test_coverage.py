"""Coverage on hand-made networks stored in the database (both backends): agreement with
an independent networkx computation, the laws, what-if, recommendation, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine

from gazetteer.coverage import (
    Candidate,
    CoverageQuery,
    MovedSite,
    NewSite,
    Weight,
    WhatIfChanges,
)
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FacilityType
from gazetteer.network import get_profile
from gazetteer.services.coverage import (
    compare_scenarios,
    coverage,
    facility_isochrones,
    list_scenarios,
    recommend,
    save_scenario,
    set_cover,
    what_if,
)
from gazetteer.storage import repository as repo
from gazetteer.storage.dialect import write_transaction
from tests.datasets.grid_city import COUNTY_A, TOWN_A1, admin_areas, facilities_at, lonlat, seed
from tests.network.reference import reference_times_s

MEAL = FacilityType.ELDERLY_MEAL_POINT


def q(minutes: float = 5, profile: str = "walking", **kw: object) -> CoverageQuery:
    return CoverageQuery((MEAL,), minutes=minutes, profile=profile, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["walking", "elderly_walking", "car", "ebike"])
def test_times_agree_with_networkx(engine: Engine, profile: str) -> None:
    nodes, edges, dps, fs = seed(
        engine, facilities_m=((150, 120), (800, 700), (420, 830)), oneway_share=0.3
    )
    res = coverage(engine, q(minutes=120, profile=profile, search_minutes=240, gaps_limit=0))
    ref = reference_times_s(
        nodes,
        edges,
        get_profile(profile),
        [(f.point.x, f.point.y) for f in fs],
        [(d.point.x, d.point.y) for d in dps],
    )
    got = {p.id: p.minutes_to_nearest for p in res.points}
    for i, r in enumerate(ref):
        mine = got[i + 1]
        if np.isinf(r) or r / 60 > 240:
            assert mine is None
        else:
            assert mine == pytest.approx(r / 60, abs=2e-3), f"demand {i + 1}"


def test_nearest_facility_is_reported(engine: Engine) -> None:
    nodes, edges, dps, fs = seed(engine, facilities_m=((0, 0), (900, 900), (100, 800)))
    res = coverage(engine, q(minutes=60, search_minutes=60))
    walk = get_profile("walking")
    demand = [(d.point.x, d.point.y) for d in dps]
    each = [reference_times_s(nodes, edges, walk, [(f.point.x, f.point.y)], demand) for f in fs]
    for p in res.points:
        assert p.nearest_facility_id is not None and p.minutes_to_nearest is not None
        # the reported facility is reached in the reported time, and none is faster
        assert each[p.nearest_facility_id - 1][p.id - 1] / 60 == pytest.approx(
            p.minutes_to_nearest, abs=2e-3
        )
        assert min(e[p.id - 1] for e in each) / 60 == pytest.approx(p.minutes_to_nearest, abs=2e-3)


def test_laws(engine: Engine) -> None:
    seed(engine)
    shares = [coverage(engine, q(minutes=m)).covered for m in (1, 3, 5, 8, 12, 20)]
    assert shares == sorted(shares), "more minutes never covers less"
    base = coverage(engine, q(minutes=5))
    assert base.gaps, "the fixture leaves gaps"
    for gap in base.gaps[:5]:
        r = what_if(engine, q(minutes=5), WhatIfChanges(add=(NewSite(gap.lon, gap.lat),)))
        assert r.scenario.covered >= r.baseline.covered, "adding never covers less"
        assert gap.id in r.newly_covered, "a facility at an uncovered point covers it"
        assert not r.newly_uncovered
    # weights add up
    assert base.total == pytest.approx(sum(a.total for a in base.by_area))
    assert base.covered == pytest.approx(sum(a.covered for a in base.by_area))
    ranked = [g.weight for g in base.gaps]
    assert ranked == sorted(ranked, reverse=True)


def test_what_if_remove_and_move(engine: Engine) -> None:
    seed(engine, facilities_m=((150, 120), (800, 700)))
    base = coverage(engine, q(minutes=5))
    r = what_if(engine, q(minutes=5), WhatIfChanges(remove=(2,)))
    only_first = coverage(engine, q(minutes=5))
    assert r.baseline.covered == pytest.approx(base.covered)
    assert r.scenario.covered <= base.covered
    assert r.newly_uncovered and not r.newly_covered
    assert all(p.nearest_facility_id in (1, None) for p in r.scenario.points)
    lon, lat = lonlat(800, 700)
    moved = what_if(
        engine,
        q(minutes=5),
        WhatIfChanges(move=(MovedSite(2, lon, lat),)),
    )
    assert moved.scenario.covered == pytest.approx(base.covered)  # moved onto itself
    assert only_first.covered == base.covered  # nothing was saved
    with pytest.raises(NotFound):
        what_if(engine, q(), WhatIfChanges(remove=(999,)))
    with pytest.raises(InvalidInput, match="outside the network"):
        what_if(engine, q(), WhatIfChanges(add=(NewSite(*lonlat(90_000, 0)),)))


def test_admin_filter_and_weights(engine: Engine) -> None:
    seed(engine)
    city = coverage(engine, q(minutes=8))
    county = coverage(engine, q(minutes=8, admin=COUNTY_A[:6]))
    assert county.total < city.total
    assert {a.admin_code for a in county.by_area} <= {"371002001000", "371002002000"}
    town = coverage(engine, q(minutes=8, admin=TOWN_A1))
    assert town.total == pytest.approx(
        next(a.total for a in county.by_area if a.admin_code == TOWN_A1)
    )
    eld = coverage(engine, q(minutes=8, weight=Weight.ELDERLY))
    assert eld.total < city.total
    with pytest.raises(NotFound, match="unknown administrative area"):
        coverage(engine, q(admin="371099"))
    with pytest.raises(InvalidInput):
        coverage(engine, q(admin="abc"))


def test_bad_input(engine: Engine) -> None:
    seed(engine)
    with pytest.raises(InvalidInput, match="minutes"):
        coverage(engine, q(minutes=0))
    with pytest.raises(InvalidInput, match="minutes"):
        coverage(engine, q(minutes=121))
    with pytest.raises(InvalidInput, match="no facilities"):
        coverage(engine, CoverageQuery((FacilityType.FUNERAL_HOME,)))
    with pytest.raises(InvalidInput, match="unknown travel profile"):
        coverage(engine, q(profile="rocket"))
    from gazetteer.coverage import parse_facility_types

    with pytest.raises(InvalidInput, match="unknown facility type"):
        parse_facility_types(["canteen_of_dreams"])


def test_empty_network_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="no facilities"):
        coverage(engine, q())
    with write_transaction(engine) as conn:
        repo.insert_admin_areas(conn, admin_areas())
        repo.insert_facilities(conn, facilities_at([(0, 0)]))
    with pytest.raises(InvalidInput, match="no road network"):
        coverage(engine, q())


def test_isochrones_contain_what_they_cover(engine: Engine) -> None:
    _n, _e, dps, _fs = seed(engine, facilities_m=((450, 450),))
    iso = facility_isochrones(engine, facility_types=[MEAL], minutes=(3, 6))
    assert [i.minutes for i in iso] == [3, 6]
    small, big = iso[0].geometry, iso[1].geometry
    assert big.area > small.area and big.buffer(1e-9).contains(small)
    res = coverage(engine, q(minutes=6, search_minutes=6))
    covered = [dps[p.id - 1].point for p in res.points if p.covered]
    assert covered
    for pt in covered:  # covered demand lies within the polygon (access leg <= buffer)
        assert big.buffer(0.0015).contains(Point(pt))
    # a 6-minute walk reaches ~450 m of road, far from a 450 m circle's corners
    assert not big.contains(Point(lonlat(0, 0)))


def test_scenarios_saved_and_compared(engine: Engine) -> None:
    seed(engine)
    base = coverage(engine, q(minutes=5))
    g = base.gaps[0]
    s1 = save_scenario(
        engine, "东片新增", q(minutes=5), WhatIfChanges(add=(NewSite(g.lon, g.lat),))
    )
    s2 = save_scenario(engine, "撤并", q(minutes=5), WhatIfChanges(remove=(1,)))
    assert [s.name for s in list_scenarios(engine)] == ["东片新增", "撤并"]
    assert s1.summary["covered"] > s1.summary["baseline_covered"]
    both = compare_scenarios(engine, [s1.id, s2.id])
    assert both[0][1].covered_change > 0 > both[1][1].covered_change
    with pytest.raises(NotFound):
        compare_scenarios(engine, [999])


def _brute_force_best(engine: Engine, k: int, cands: list[tuple[float, float]]) -> float:
    best = 0.0
    base = coverage(engine, q(minutes=4)).covered
    for combo in itertools.combinations(cands, k):
        r = what_if(engine, q(minutes=4), WhatIfChanges(add=tuple(NewSite(*c) for c in combo)))
        best = max(best, r.scenario.covered - base)
    return best


def test_recommendation_greedy_exact_and_brute_force(engine: Engine) -> None:
    _n, _e, dps, _f = seed(engine, n_demand=14)
    rec = recommend(engine, q(minutes=4), 2)
    assert rec.exact_status == "optimal"
    assert rec.exact_gain is not None and rec.exact_gain >= rec.greedy_gain - 1e-9
    assert rec.greedy_gap is not None and 0 <= rec.greedy_gap <= 1
    cands = [(d.point.x, d.point.y) for d in dps]
    assert rec.exact_gain == pytest.approx(_brute_force_best(engine, 2, cands))
    # greedy gains never increase, and the first pick is the best single site
    gains = [p.gain for p in rec.greedy]
    assert gains == sorted(gains, reverse=True)
    assert gains[0] == pytest.approx(_brute_force_best(engine, 1, cands))
    # applying the greedy picks really gains what was promised
    r = what_if(
        engine,
        q(minutes=4),
        WhatIfChanges(add=tuple(NewSite(p.candidate.lon, p.candidate.lat) for p in rec.greedy)),
    )
    assert r.covered_change == pytest.approx(rec.greedy_gain)


def test_recommendation_from_nodes_and_list(engine: Engine) -> None:
    seed(engine)
    by_nodes = recommend(engine, q(minutes=4), 3, source="nodes")
    assert by_nodes.candidates > 0 and by_nodes.greedy
    assert all(p.candidate.source == "node" for p in by_nodes.greedy)
    lst = [Candidate(*lonlat(300, 300)), Candidate(*lonlat(600, 200))]
    r = recommend(engine, q(minutes=4), 1, source="list", candidates=lst)
    assert r.candidates == 2 and len(r.greedy) == 1
    with pytest.raises(InvalidInput):
        recommend(engine, q(minutes=4), 0)
    with pytest.raises(InvalidInput, match="empty"):
        recommend(engine, q(minutes=4), 1, source="list", candidates=[])


def test_set_cover(engine: Engine) -> None:
    seed(engine)
    base = coverage(engine, q(minutes=4))
    target = min(0.95, base.covered_share + 0.3)
    sc = set_cover(engine, q(minutes=4), target)
    assert sc.exact is not None and sc.exact_status == "optimal"
    assert 0 < len(sc.exact) <= len(sc.greedy)
    assert sc.greedy[-1].share_after >= target - 1e-9
    r = what_if(
        engine,
        q(minutes=4),
        WhatIfChanges(add=tuple(NewSite(p.candidate.lon, p.candidate.lat) for p in sc.exact)),
    )
    assert r.scenario.covered_share >= target - 1e-9
    with pytest.raises(InvalidInput, match="cannot be reached"):
        set_cover(engine, q(minutes=1), 1.0, source="list", candidates=[Candidate(*lonlat(0, 0))])
