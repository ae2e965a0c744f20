"""The meal-site subsidy policy, as data and two pure functions.

Subsidies (Weihai civil-affairs bureau, 《威海市城市社区食堂建设指导意见》 /
《威海市农村老年餐桌建设指导意见》, as quoted in the 2020 work report):

* community canteens (社区食堂): one-off construction subsidy by floor area —
  50,000 yuan for ≤ 500 m² (500 included), 100,000 for 500–1,000 m², 200,000 for
  ≥ 1,000 m² (1,000 included) — paid in the opening year; operation subsidy 30,000
  yuan a year for at most 3 years (the opening year and the two after);
* rural elderly tables (农村老年餐桌): 10,000 yuan per site (operation award, paid once
  in the opening year).

Other facility types receive none of these. Facilities without an opening year cannot be
placed in a year and are counted as ``undated``.
"""

from __future__ import annotations

from typing import Any

from gazetteer.model.domain import Facility, FacilityType

CONSTRUCTION_SMALL_YUAN = 50_000  # floor area <= 500 m2
CONSTRUCTION_MEDIUM_YUAN = 100_000  # 500-1000 m2
CONSTRUCTION_LARGE_YUAN = 200_000  # >= 1000 m2
OPERATION_YUAN_PER_YEAR = 30_000
OPERATION_MAX_YEARS = 3
RURAL_TABLE_YUAN = 10_000

#: The policy as the API publishes it beside every subsidy report.
RULES: dict[str, Any] = {
    "construction_yuan": {
        "floor_area_le_500_m2": CONSTRUCTION_SMALL_YUAN,
        "floor_area_500_1000_m2": CONSTRUCTION_MEDIUM_YUAN,
        "floor_area_ge_1000_m2": CONSTRUCTION_LARGE_YUAN,
        "applies_to": "community_canteen",
    },
    "operation_yuan_per_year": OPERATION_YUAN_PER_YEAR,
    "operation_max_years": OPERATION_MAX_YEARS,
    "rural_elderly_table_yuan": RURAL_TABLE_YUAN,
}


def construction_subsidy_yuan(floor_area_m2: float | None) -> int:
    """One-off construction subsidy of a community canteen by its floor area."""
    if floor_area_m2 is None:
        return 0
    if floor_area_m2 <= 500:
        return CONSTRUCTION_SMALL_YUAN
    if floor_area_m2 < 1000:
        return CONSTRUCTION_MEDIUM_YUAN
    return CONSTRUCTION_LARGE_YUAN


def subsidies_by_year(f: Facility) -> dict[int, tuple[int, int, int]]:
    """``{year: (construction, operation, rural table)}`` in yuan for one facility."""
    if f.opened_year is None:
        return {}
    y = f.opened_year
    if f.type == FacilityType.COMMUNITY_CANTEEN:
        out = {y + i: (0, OPERATION_YUAN_PER_YEAR, 0) for i in range(OPERATION_MAX_YEARS)}
        out[y] = (construction_subsidy_yuan(f.floor_area_m2), OPERATION_YUAN_PER_YEAR, 0)
        return out
    if f.type == FacilityType.RURAL_ELDERLY_TABLE:
        return {y: (0, 0, RURAL_TABLE_YUAN)}
    return {}


__all__ = [
    "CONSTRUCTION_LARGE_YUAN",
    "CONSTRUCTION_MEDIUM_YUAN",
    "CONSTRUCTION_SMALL_YUAN",
    "OPERATION_MAX_YEARS",
    "OPERATION_YUAN_PER_YEAR",
    "RULES",
    "RURAL_TABLE_YUAN",
    "construction_subsidy_yuan",
    "subsidies_by_year",
]
