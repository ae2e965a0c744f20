"""15-minute service circles: coverage, gaps, isochrones, what-if, scenarios, recommendation.

Reads are public; saving a scenario needs the ``reviewer`` or ``admin`` role.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from shapely.geometry import mapping
from sqlalchemy import Engine

from api.auth import User, require_role
from api.deps import CachesDep, EngineDep, RecordId
from api.schemas_coverage import (
    CoveragePublic,
    DrillPublic,
    PickRowPublic,
    RecommendationPublic,
    RecommendedPublic,
    RecommendRequest,
    ScenarioComparison,
    ScenarioCreate,
    ScenarioPublic,
    SetCoverPublic,
    WhatIfPublic,
    WhatIfRequest,
)
from gazetteer.coverage.inputs import (
    check_minutes,
    parse_facility_types,
    parse_profile,
    parse_weight,
    resolve_area,
)
from gazetteer.coverage.model import Candidate, CoverageQuery
from gazetteer.coverage.report import report_title, write_report_xlsx
from gazetteer.errors import InvalidInput
from gazetteer.services import coverage as svc

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"])
Staff = Annotated[User, Depends(require_role("reviewer", "admin"))]

FacilityTypes = Annotated[
    list[str],
    Query(description="facility type(s): repeat the parameter or separate with commas"),
]


def _query(
    facility_type: list[str],
    minutes: float,
    profile: str,
    weight: str,
    admin: str | None,
    gaps_limit: int = 100,
) -> CoverageQuery:
    return CoverageQuery(
        facility_types=parse_facility_types(facility_type),
        minutes=check_minutes(minutes),
        profile=profile,
        weight=parse_weight(weight),
        admin=admin or None,
        gaps_limit=gaps_limit,
    )


@router.get("", response_model=CoveragePublic, response_model_exclude_none=False)
def coverage(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    minutes: Annotated[float, Query(description="1-120")] = 15,
    profile: Annotated[str, Query(description="walking, elderly_walking, ebike, car")] = "walking",
    weight: Annotated[str, Query(description="population, elderly, dependents")] = "population",
    admin: Annotated[str | None, Query(description="limit to an area (6/9/12 digits)")] = None,
    gaps_limit: Annotated[int, Query(ge=0, le=10000)] = 100,
    include_points: Annotated[bool, Query(description="every demand point's time")] = False,
) -> CoveragePublic:
    """Share of the weight within ``minutes`` of a facility, by area, with ranked gaps."""
    q = _query(facility_type, minutes, profile, weight, admin, gaps_limit)
    return CoveragePublic.of(
        svc.coverage(engine, q, with_points=include_points, cache=caches.coverage),
        include_points=include_points,
    )


@router.get("/isochrones")
def isochrones(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: Annotated[list[str] | None, Query()] = None,
    facility_id: Annotated[list[int] | None, Query()] = None,
    minutes: Annotated[list[float] | None, Query(description="default 5, 10, 15")] = None,
    profile: str = "walking",
) -> JSONResponse:
    """GeoJSON service areas per facility, shaped from the reachable roads."""
    types = parse_facility_types(facility_type) if facility_type else ()
    items = svc.facility_isochrones(
        engine,
        facility_types=types,
        facility_ids=facility_id or (),
        minutes=minutes or (5, 10, 15),
        profile=profile,
        cache=caches.coverage,
    )
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": mapping(i.geometry),
            "properties": {
                "facility_id": i.facility_id,
                "name": i.name,
                "facility_type": i.facility_type,
                "minutes": i.minutes,
                "profile": profile,
            },
        }
        for i in items
    ]
    return JSONResponse(
        {"type": "FeatureCollection", "features": features},
        media_type="application/geo+json",
    )


@router.post("/what-if", response_model=WhatIfPublic)
def what_if(body: WhatIfRequest, engine: EngineDep, caches: CachesDep) -> WhatIfPublic:
    """Coverage with facilities added, removed or moved, and the difference (nothing saved)."""
    check_minutes(body.minutes)
    return WhatIfPublic.of(
        svc.what_if(engine, body.query(), body.changes(), with_points=False, cache=caches.coverage)
    )


@router.get("/scenarios", response_model=list[ScenarioPublic])
def list_scenarios(engine: EngineDep) -> list[ScenarioPublic]:
    return [ScenarioPublic.of(s) for s in svc.list_scenarios(engine)]


@router.post("/scenarios", response_model=ScenarioPublic, status_code=201)
def save_scenario(
    body: ScenarioCreate, engine: EngineDep, caches: CachesDep, user: Staff
) -> ScenarioPublic:
    """Save a what-if scenario (computed now) for later comparison."""
    check_minutes(body.minutes)
    s = svc.save_scenario(
        engine,
        body.name,
        body.query(),
        body.changes(),
        description=body.description,
        user=user.name,
        cache=caches.coverage,
    )
    return ScenarioPublic.of(s)


@router.get("/scenarios/compare", response_model=list[ScenarioComparison])
def compare(
    engine: EngineDep,
    caches: CachesDep,
    ids: Annotated[list[str], Query(description="scenario ids (repeat or comma-separated)")],
) -> list[ScenarioComparison]:
    """Saved scenarios recomputed on the current data, side by side."""
    try:
        id_list = [int(x) for v in ids for x in v.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput("方案编号须为整数 (scenario ids must be integers)") from None
    out = []
    for s, r in svc.compare_scenarios(engine, id_list, cache=caches.coverage):
        out.append(
            ScenarioComparison(
                scenario=ScenarioPublic.of(s),
                baseline_covered_share=r.baseline.covered_share,
                covered_share=r.scenario.covered_share,
                covered=r.scenario.covered,
                total=r.scenario.total,
                covered_change=r.covered_change,
                newly_covered=len(r.newly_covered),
                by_area=ScenarioComparison.areas_of(r),
            )
        )
    return out


@router.get("/scenarios/{scenario_id}", response_model=ScenarioPublic)
def get_scenario(scenario_id: RecordId, engine: EngineDep) -> ScenarioPublic:
    return ScenarioPublic.of(svc.get_scenario(engine, scenario_id))


@router.get("/recommend", response_model=RecommendationPublic)
def recommend(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    minutes: float = 15,
    profile: str = "walking",
    weight: str = "population",
    admin: str | None = None,
    candidates: Annotated[str, Query(description="demand or nodes")] = "demand",
    exact: bool = True,
    time_limit_s: Annotated[float, Query(gt=0, le=60)] = 10,
) -> RecommendationPublic:
    """The k new sites covering the most uncovered weight: greedy, exact (HiGHS), gap."""
    if candidates not in ("demand", "nodes"):
        raise InvalidInput(
            "候选来源须为 demand 或 nodes (candidates must be demand or nodes; "
            "POST a list to /api/v1/coverage/recommend)"
        )
    q = _query(facility_type, minutes, profile, weight, admin)
    r = svc.recommend(
        engine,
        q,
        k,
        source=candidates,
        exact=exact,
        time_limit_s=time_limit_s,
        cache=caches.coverage,
    )
    return RecommendationPublic.of(r)


@router.post("/recommend", response_model=RecommendationPublic)
def recommend_from_list(
    body: RecommendRequest, engine: EngineDep, caches: CachesDep
) -> RecommendationPublic:
    """As GET, choosing among a supplied candidate list."""
    q = _query(body.facility_type, body.minutes, body.profile, body.weight, body.admin)
    cands = [Candidate(c.lon, c.lat, c.name, "list", i) for i, c in enumerate(body.candidates)]
    r = svc.recommend(
        engine,
        q,
        body.k,
        source="list",
        candidates=cands,
        exact=body.exact,
        time_limit_s=body.time_limit_s,
        cache=caches.coverage,
    )
    return RecommendationPublic.of(r)


@router.get("/set-cover", response_model=SetCoverPublic)
def set_cover(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    target_share: Annotated[float, Query(gt=0, le=1)] = 0.9,
    minutes: float = 15,
    profile: str = "walking",
    weight: str = "population",
    admin: str | None = None,
    candidates: str = "demand",
    exact: bool = True,
    time_limit_s: Annotated[float, Query(gt=0, le=60)] = 10,
) -> SetCoverPublic:
    """The fewest new sites lifting coverage to ``target_share``."""
    if candidates not in ("demand", "nodes"):
        raise InvalidInput("候选来源须为 demand 或 nodes (candidates must be demand or nodes)")
    q = _query(facility_type, minutes, profile, weight, admin)
    s = svc.set_cover(
        engine,
        q,
        target_share,
        source=candidates,
        exact=exact,
        time_limit_s=time_limit_s,
        cache=caches.coverage,
    )
    return SetCoverPublic.of(s)


# --- the planners' workbench ----------------------------------------------------------------

Minutes = Annotated[float, Query(description="1-120")]
Profile = Annotated[str, Query(description="walking, elderly_walking, ebike, car (or 步行 …)")]
WeightQ = Annotated[str, Query(description="population, elderly, dependents (or 老年人口 …)")]
AdminQ = Annotated[
    str | None, Query(description="area: 6/9/12-digit code or a name (文登区, 张村镇)")
]


def _workbench_query(
    engine: Engine,
    facility_type: list[str],
    minutes: float,
    profile: str,
    weight: str,
    admin: str | None,
    gaps_limit: int = 100,
) -> CoverageQuery:
    """The question, every part checked (names accepted) before any work."""
    types = parse_facility_types(facility_type)
    mins = check_minutes(minutes)
    prof = parse_profile(profile)
    w = parse_weight(weight)
    code = None
    if admin:
        with engine.connect() as conn:
            code = resolve_area(conn, admin)
    return CoverageQuery(types, mins, prof, w, code, gaps_limit)


@router.get("/drill", response_model=DrillPublic)
def drill(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    minutes: Minutes = 15,
    profile: Profile = "walking",
    weight: WeightQ = "population",
    admin: AdminQ = None,
    gaps_limit: Annotated[int, Query(ge=0, le=10000)] = 100,
    include_points: Annotated[bool, Query(description="every village's minutes")] = False,
) -> DrillPublic:
    """Coverage of an area one level down (city → counties → towns → villages), with the
    covered and total weight, share and uncovered villages of each row, the way back up
    and the gap villages by weight."""
    q = _workbench_query(engine, facility_type, minutes, profile, weight, admin, gaps_limit)
    d = svc.drill(engine, q, with_points=include_points, cache=caches.coverage)
    return DrillPublic.of(d, include_points=include_points)


@router.get("/recommended", response_model=RecommendedPublic)
def recommended(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    minutes: Minutes = 15,
    profile: Profile = "walking",
    weight: WeightQ = "population",
    admin: AdminQ = None,
) -> RecommendedPublic:
    """The recommended sites as a ranked list: where each is (nearest named place, village,
    town), the weight it newly covers and the running total (greedy order)."""
    q = _workbench_query(engine, facility_type, minutes, profile, weight, admin)
    r = svc.recommend(engine, q, k, exact=False, cache=caches.coverage)
    rows = svc.pick_rows(engine, r, cache=caches.coverage)
    return RecommendedPublic(
        baseline_covered=r.baseline_covered,
        total=r.total,
        sites=[PickRowPublic.copy_of(p) for p in rows],
    )


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    ascii_name = "coverage-report" + filename[filename.rfind(".") :]
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(filename)}"
        },
    )


@router.get(
    "/report",
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "application/pdf": {},
            },
            "description": "the report workbook (xlsx) or the printed map (pdf)",
        }
    },
)
def coverage_report(
    engine: EngineDep,
    caches: CachesDep,
    facility_type: FacilityTypes,
    minutes: Minutes = 15,
    profile: Profile = "walking",
    weight: WeightQ = "population",
    admin: AdminQ = None,
    format: Annotated[Literal["xlsx", "pdf"], Query(description="xlsx or pdf")] = "xlsx",
    k: Annotated[int, Query(ge=0, le=50, description="add k recommended sites")] = 0,
    scenario: Annotated[
        list[str] | None, Query(description="saved scenario ids for 方案对比")
    ] = None,
    headers: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:
    """The coverage report: a workbook (按区市, 按镇街, 缺口村居, 推荐选址, 方案对比) or an
    A3 landscape PDF map with title, legend, scale bar, north arrow, date and table."""
    q = _workbench_query(engine, facility_type, minutes, profile, weight, admin)
    try:
        ids = [int(x) for v in scenario or [] for x in v.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput("方案编号须为整数 (scenario ids must be integers)") from None
    rep = svc.report(
        engine, q, k=k, scenario_ids=ids if format == "xlsx" else (), cache=caches.coverage
    )
    title = report_title(rep)
    if format == "pdf":
        body = svc.report_pdf(engine, rep, cache=caches.coverage)
        return _attachment(body, "application/pdf", f"{title}.pdf")
    buf = io.BytesIO()
    write_report_xlsx(buf, rep, headers=headers)
    return _attachment(
        buf.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{title}.xlsx",
    )
