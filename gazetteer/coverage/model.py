"""Typed inputs and results of the coverage use cases (no HTTP, no tables)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from gazetteer.model import FacilityType

MIN_MINUTES = 1
MAX_MINUTES = 120
DEFAULT_MINUTES = 15.0


class Weight(enum.StrEnum):
    POPULATION = "population"  # 人口
    ELDERLY = "elderly"  # 60岁以上老年人
    DEPENDENTS = "dependents"  # 分散特困供养对象


@dataclass(frozen=True, slots=True)
class CoverageQuery:
    facility_types: tuple[FacilityType, ...]
    minutes: float = DEFAULT_MINUTES
    profile: str = "walking"
    weight: Weight = Weight.POPULATION
    admin: str | None = None  # limit demand to this area (6-, 9- or 12-digit code)
    gaps_limit: int = 100
    search_minutes: float | None = None  # how far to look for minutes_to_nearest of gaps


@dataclass(frozen=True, slots=True)
class NewSite:
    lon: float
    lat: float
    name: str = ""


@dataclass(frozen=True, slots=True)
class MovedSite:
    id: int
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class WhatIfChanges:
    add: tuple[NewSite, ...] = ()
    remove: tuple[int, ...] = ()
    move: tuple[MovedSite, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove or self.move)


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    admin_code: str
    name: str
    covered_share: float
    covered: float
    total: float


@dataclass(frozen=True, slots=True)
class Gap:
    id: int
    code: str
    name: str
    admin_code: str
    lon: float
    lat: float
    weight: float
    minutes_to_nearest: float | None  # None: farther than the search limit
    nearest_facility_id: int | None


@dataclass(frozen=True, slots=True)
class PointTime:
    """One demand point's time to its nearest facility (``None``: beyond the limit)."""

    id: int
    admin_code: str
    weight: float
    minutes_to_nearest: float | None
    nearest_facility_id: int | None
    covered: bool


@dataclass(frozen=True, slots=True)
class CoverageResult:
    covered_share: float
    covered: float
    total: float
    by_area: list[AreaCoverage]
    gaps: list[Gap]
    points: list[PointTime]
    facility_count: int
    minutes: float
    profile: str
    weight: Weight
    facility_types: tuple[FacilityType, ...]
    admin: str | None = None


@dataclass(frozen=True, slots=True)
class WhatIfResult:
    baseline: CoverageResult
    scenario: CoverageResult
    covered_change: float
    share_change: float
    newly_covered: list[int]  # demand point ids
    newly_uncovered: list[int]


@dataclass(frozen=True, slots=True)
class Isochrone:
    facility_id: int | None
    name: str
    facility_type: str
    minutes: float
    geometry: BaseGeometry  # (Multi)Polygon, lon/lat


@dataclass(frozen=True, slots=True)
class Candidate:
    lon: float
    lat: float
    name: str = ""
    source: str = "list"  # demand / node / list
    ref: int | None = None  # demand point id or node id


@dataclass(frozen=True, slots=True)
class Pick:
    rank: int
    candidate: Candidate
    gain: float  # weight newly covered by this pick (greedy order)
    covered_after: float
    share_after: float


@dataclass(frozen=True, slots=True)
class Recommendation:
    k: int
    candidates: int
    weight: Weight
    baseline_covered: float
    total: float
    greedy: list[Pick]
    greedy_gain: float
    exact: list[Pick] | None
    exact_gain: float | None
    exact_status: str  # optimal / time_limit / skipped / infeasible
    mip_gap: float | None  # solver's own relative gap when not proven optimal
    greedy_gap: float | None  # (exact - greedy) / exact
    minutes: float
    profile: str


@dataclass(frozen=True, slots=True)
class SetCover:
    target_share: float
    reachable_share: float  # the best share all candidates together reach
    greedy: list[Pick]
    exact: list[Pick] | None
    exact_status: str
    baseline_covered: float
    total: float


@dataclass(frozen=True, slots=True)
class Scenario:
    id: int
    name: str
    description: str
    query: CoverageQuery
    changes: WhatIfChanges
    summary: dict[str, float] = field(default_factory=dict)
    created_by: str = ""
    created_at: str = ""
