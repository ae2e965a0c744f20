"""Request and response models of the facilities and coverage endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas_base import DomainModel, RequestModel
from gazetteer.coverage.inputs import parse_facility_types, parse_weight
from gazetteer.coverage.model import (
    AreaCoverage,
    Candidate,
    CoverageQuery,
    CoverageResult,
    Gap,
    MovedSite,
    NewSite,
    Pick,
    PointTime,
    Recommendation,
    Scenario,
    SetCover,
    WhatIfChanges,
    WhatIfResult,
)
from gazetteer.coverage.workbench import LEVEL_NAMES, AreaRow, Drill, PickRow, VillageRow
from gazetteer.model import FACILITY_TYPE_NAMES, Facility
from gazetteer.services.facilities import HistoryEntry, SubsidyReport

# --- facilities --------------------------------------------------------------------------


class FacilityPublic(DomainModel):
    id: int
    code: str | None
    name: str
    type: str
    type_name: str
    place_id: int | None
    admin_code: str
    lon: float
    lat: float
    beds: int | None
    capacity: int | None
    floor_area_m2: float | None
    operator: str
    mode: str
    level: str
    opened_year: int | None
    version: int

    @classmethod
    def of(cls, f: Facility) -> FacilityPublic:
        return cls.copy_of(
            f,
            id=int(f.id or 0),
            type=f.type.value,
            type_name=FACILITY_TYPE_NAMES[f.type],
            lon=f.point.x,
            lat=f.point.y,
        )


class FacilityList(BaseModel):
    items: list[FacilityPublic]
    total: int
    limit: int
    offset: int


class FacilityCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    type: str
    admin_code: str = Field(min_length=12, max_length=12)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    code: str | None = Field(default=None, max_length=24)
    place_id: int | None = None
    beds: int | None = Field(default=None, ge=0)
    capacity: int | None = Field(default=None, ge=0)
    floor_area_m2: float | None = Field(default=None, ge=0)
    operator: str = Field(default="", max_length=100)
    mode: str = Field(default="", max_length=40)
    level: str = Field(default="", max_length=20)
    opened_year: int | None = Field(default=None, ge=1900, le=2100)


class FacilityUpdate(RequestModel):
    NOT_NULL = frozenset(("name", "type", "admin_code", "lon", "lat", "operator", "mode", "level"))
    name: str | None = Field(default=None, min_length=1, max_length=100)
    type: str | None = None
    admin_code: str | None = Field(default=None, min_length=12, max_length=12)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    code: str | None = Field(default=None, max_length=24)
    place_id: int | None = None
    beds: int | None = Field(default=None, ge=0)
    capacity: int | None = Field(default=None, ge=0)
    floor_area_m2: float | None = Field(default=None, ge=0)
    operator: str | None = Field(default=None, max_length=100)
    mode: str | None = Field(default=None, max_length=40)
    level: str | None = Field(default=None, max_length=20)
    opened_year: int | None = Field(default=None, ge=1900, le=2100)
    version: int | None = Field(default=None, description="the version you read (optional)")
    note: str = Field(default="", max_length=500, description="why (kept in the history)")


class FacilityHistoryPublic(DomainModel, mirrors=HistoryEntry):
    pass


class SubsidyRowPublic(DomainModel):
    district_code: str
    district_name: str
    year: int
    construction_yuan: int
    operation_yuan: int
    rural_table_yuan: int
    total_yuan: int
    sites: int


class SubsidyReportPublic(DomainModel):
    rows: list[SubsidyRowPublic]
    total_yuan: int
    undated: int
    rules: dict[str, Any]

    @classmethod
    def of(cls, r: SubsidyReport, rules: dict[str, Any]) -> SubsidyReportPublic:
        return cls.copy_of(r, rows=[SubsidyRowPublic.copy_of(x) for x in r.rows], rules=rules)


# --- coverage ----------------------------------------------------------------------------


class AreaCoveragePublic(DomainModel, mirrors=AreaCoverage):
    pass


class GapPublic(DomainModel, mirrors=Gap):
    minutes_to_nearest: float | None = Field(description="null: farther than the search limit")


class PointTimePublic(DomainModel, mirrors=PointTime):
    pass


class CoveragePublic(DomainModel):
    covered_share: float
    covered: float
    total: float
    by_area: list[AreaCoveragePublic]
    gaps: list[GapPublic]
    points: list[PointTimePublic] | None = None
    facility_count: int
    facility_types: list[str]
    minutes: float
    profile: str
    weight: str
    admin: str | None

    @classmethod
    def of(cls, r: CoverageResult, *, include_points: bool = False) -> CoveragePublic:
        return cls.copy_of(
            r,
            by_area=[AreaCoveragePublic.copy_of(a) for a in r.by_area],
            gaps=[GapPublic.copy_of(g) for g in r.gaps],
            points=[PointTimePublic.copy_of(p) for p in r.points] if include_points else None,
            facility_types=[x.value for x in r.facility_types],
            weight=r.weight.value,
        )


class NewSiteIn(RequestModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name: str = Field(default="", max_length=100)


class MovedSiteIn(RequestModel):
    id: int
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class WhatIfRequest(RequestModel):
    facility_type: list[str] = Field(min_length=1)
    minutes: float = 15
    profile: str = "walking"
    weight: str = "population"
    admin: str | None = None
    gaps_limit: int = Field(default=100, ge=0, le=10000)
    add: list[NewSiteIn] = Field(default_factory=list, max_length=1000)
    remove: list[int] = Field(default_factory=list, max_length=10000)
    move: list[MovedSiteIn] = Field(default_factory=list, max_length=1000)

    def query(self) -> CoverageQuery:
        return CoverageQuery(
            facility_types=parse_facility_types(self.facility_type),
            minutes=self.minutes,
            profile=self.profile,
            weight=parse_weight(self.weight),
            admin=self.admin,
            gaps_limit=self.gaps_limit,
        )

    def changes(self) -> WhatIfChanges:
        return WhatIfChanges(
            add=tuple(NewSite(a.lon, a.lat, a.name) for a in self.add),
            remove=tuple(self.remove),
            move=tuple(MovedSite(m.id, m.lon, m.lat) for m in self.move),
        )


class WhatIfPublic(DomainModel, mirrors=WhatIfResult):
    baseline: CoveragePublic
    scenario: CoveragePublic

    @classmethod
    def of(cls, r: WhatIfResult) -> WhatIfPublic:
        return cls.copy_of(
            r, baseline=CoveragePublic.of(r.baseline), scenario=CoveragePublic.of(r.scenario)
        )


class ScenarioCreate(WhatIfRequest):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)


class ScenarioPublic(DomainModel):
    id: int
    name: str
    description: str
    facility_type: list[str]
    minutes: float
    profile: str
    weight: str
    admin: str | None
    add: list[NewSiteIn]
    remove: list[int]
    move: list[MovedSiteIn]
    summary: dict[str, float]
    created_by: str
    created_at: str

    @classmethod
    def of(cls, s: Scenario) -> ScenarioPublic:
        return cls.copy_of(
            s,
            facility_type=[x.value for x in s.query.facility_types],
            minutes=s.query.minutes,
            profile=s.query.profile,
            weight=s.query.weight.value,
            admin=s.query.admin,
            add=[NewSiteIn(lon=a.lon, lat=a.lat, name=a.name) for a in s.changes.add],
            remove=list(s.changes.remove),
            move=[MovedSiteIn(id=m.id, lon=m.lon, lat=m.lat) for m in s.changes.move],
        )


class AreaChangePublic(BaseModel):
    """One area before and after a scenario."""

    admin_code: str
    name: str
    baseline_covered: float
    covered: float
    total: float
    baseline_covered_share: float
    covered_share: float


class ScenarioComparison(BaseModel):
    scenario: ScenarioPublic
    baseline_covered_share: float
    covered_share: float
    covered: float
    total: float
    covered_change: float
    newly_covered: int
    by_area: list[AreaChangePublic] = Field(default_factory=list)

    @staticmethod
    def areas_of(r: WhatIfResult) -> list[AreaChangePublic]:
        before = {a.admin_code: a for a in r.baseline.by_area}
        out = []
        for a in r.scenario.by_area:
            b = before.get(a.admin_code)
            out.append(
                AreaChangePublic(
                    admin_code=a.admin_code,
                    name=a.name,
                    baseline_covered=b.covered if b else 0.0,
                    covered=a.covered,
                    total=a.total,
                    baseline_covered_share=b.covered_share if b else 0.0,
                    covered_share=a.covered_share,
                )
            )
        return out


class CandidateIn(NewSiteIn):
    """A candidate site, given like a new site of a what-if."""


class CandidatePublic(DomainModel, mirrors=Candidate):
    pass


class PickPublic(DomainModel, mirrors=Pick):
    candidate: CandidatePublic

    @classmethod
    def of(cls, p: Pick) -> PickPublic:
        return cls.copy_of(p, candidate=CandidatePublic.copy_of(p.candidate))


class RecommendationPublic(DomainModel):
    k: int
    candidates: int
    weight: str
    minutes: float
    profile: str
    baseline_covered: float
    total: float
    greedy: list[PickPublic]
    greedy_gain: float
    exact: list[PickPublic] | None
    exact_gain: float | None
    exact_status: str
    mip_gap: float | None
    greedy_gap: float | None = Field(description="(exact - greedy) / exact")

    @classmethod
    def of(cls, r: Recommendation) -> RecommendationPublic:
        return cls.copy_of(
            r,
            weight=r.weight.value,
            greedy=[PickPublic.of(p) for p in r.greedy],
            exact=None if r.exact is None else [PickPublic.of(p) for p in r.exact],
        )


class RecommendRequest(RequestModel):
    facility_type: list[str] = Field(min_length=1)
    k: int = Field(default=10, ge=1, le=200)
    minutes: float = 15
    profile: str = "walking"
    weight: str = "population"
    admin: str | None = None
    candidates: list[CandidateIn] = Field(min_length=1, max_length=20000)
    exact: bool = True
    time_limit_s: float = Field(default=10, gt=0, le=60)


class SetCoverPublic(DomainModel):
    target_share: float
    reachable_share: float
    sites_greedy: int
    sites_exact: int | None
    greedy: list[PickPublic]
    exact: list[PickPublic] | None
    exact_status: str
    baseline_covered: float
    total: float

    @classmethod
    def of(cls, s: SetCover) -> SetCoverPublic:
        return cls.copy_of(
            s,
            sites_greedy=len(s.greedy),
            sites_exact=None if s.exact is None else len(s.exact),
            greedy=[PickPublic.of(p) for p in s.greedy],
            exact=None if s.exact is None else [PickPublic.of(p) for p in s.exact],
        )


# --- the planners' workbench ----------------------------------------------------------------


class AreaRefPublic(DomainModel):
    code: str
    name: str
    level: int


class AreaRowPublic(DomainModel, mirrors=AreaRow):
    pass


class VillagePublic(DomainModel, mirrors=VillageRow):
    pass


class PointMinutesPublic(BaseModel):
    id: int
    minutes_to_nearest: float | None
    covered: bool


class DrillPublic(DomainModel):
    """Coverage of an area one level down (counties, towns or villages), the way back up
    (``path``, from the city) and the gap villages."""

    area: AreaRefPublic
    path: list[AreaRefPublic]
    child_level: int
    child_level_name: str
    covered: float
    total: float
    covered_share: float
    villages: int
    uncovered_villages: int
    facility_count: int
    facility_types: list[str]
    minutes: float
    profile: str
    weight: str
    areas: list[AreaRowPublic]
    village_rows: list[VillagePublic]
    gaps: list[VillagePublic]
    gaps_total: int
    points: list[PointMinutesPublic] | None = Field(
        default=None, description="every village of the area (include_points=true)"
    )

    @classmethod
    def of(cls, d: Drill, *, include_points: bool = False) -> DrillPublic:
        return cls.copy_of(
            d,
            area=AreaRefPublic.copy_of(d.area),
            path=[AreaRefPublic.copy_of(a) for a in d.path],
            child_level_name=LEVEL_NAMES.get(d.child_level, ""),
            facility_types=[x.value for x in d.query.facility_types],
            minutes=d.query.minutes,
            profile=d.query.profile,
            weight=d.query.weight.value,
            areas=[AreaRowPublic.copy_of(a) for a in d.areas],
            village_rows=[VillagePublic.copy_of(v) for v in d.village_rows],
            gaps=[VillagePublic.copy_of(v) for v in d.gaps],
            points=[
                PointMinutesPublic(id=i, minutes_to_nearest=m, covered=c) for i, m, c in d.points
            ]
            if include_points
            else None,
        )


class PickRowPublic(DomainModel, mirrors=PickRow):
    pass


class RecommendedPublic(BaseModel):
    """The recommended sites as a ranked list (greedy order: each adds the most)."""

    baseline_covered: float
    total: float
    sites: list[PickRowPublic]
