"""15-minute service circles: coverage, gaps, isochrones, what-if, scenarios, recommendation.

Reads are public; saving a scenario needs the ``reviewer`` or ``admin`` role.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from api.auth import OptionalUser, User, require_role
from api.deps import CachesDep, EngineDep, HeavyDep, RecordId
from api.limits import Cancel
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
from gazetteer.coverage.isochrones import feature_collection
from gazetteer.coverage.model import Candidate, CoverageQuery
from gazetteer.coverage.report import report_title, write_report_xlsx
from gazetteer.errors import InvalidInput
from gazetteer.services import coverage as svc
from gazetteer.types import INT32_MAX

T = TypeVar("T")

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"])
# Bounds on one request's work (each minute value is a full service-area computation; each
# compared scenario a full what-if).
MAX_MINUTE_VALUES = 4
MAX_COMPARE_IDS = 10
MAX_FACILITY_IDS = 200
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
    *,
    names: Engine | None = None,
) -> CoverageQuery:
    """The question, every part checked before any work. With ``names`` (the workbench's
    endpoints) the profile and the area may also be given by name (步行, 文登区), the area
    looked up in that database; elsewhere both are taken as given."""
    types = parse_facility_types(facility_type)
    mins = check_minutes(minutes)
    prof = profile if names is None else parse_profile(profile)
    w = parse_weight(weight)
    code = admin or None
    if code is not None and names is not None:
        with names.connect() as conn:
            code = resolve_area(conn, code)
    return CoverageQuery(types, mins, prof, w, code, gaps_limit)


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


@router.get("/isochrones", responses={200: {"content": {"application/geo+json": {}}}})
async def isochrones(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
    facility_type: Annotated[list[str] | None, Query()] = None,
    facility_id: Annotated[
        list[Annotated[int, Query(ge=1, le=INT32_MAX)]] | None,
        Query(max_length=MAX_FACILITY_IDS),
    ] = None,
    minutes: Annotated[
        list[float] | None,
        Query(description="default 5, 10, 15; at most 4 values", max_length=MAX_MINUTE_VALUES),
    ] = None,
    profile: str = "walking",
) -> JSONResponse:
    """GeoJSON service areas per facility, shaped from the reachable roads."""
    types = parse_facility_types(facility_type) if facility_type else ()
    if minutes and len(set(minutes)) > MAX_MINUTE_VALUES:
        raise InvalidInput(
            f"最多{MAX_MINUTE_VALUES}个分钟数 (at most {MAX_MINUTE_VALUES} minute values)",
            details=[{"field": "query.minutes", "problem": "too many values"}],
        )

    def work(cancel: Cancel) -> list[Any]:
        return svc.facility_isochrones(
            engine,
            facility_types=types,
            facility_ids=sorted(set(facility_id or ())),
            minutes=minutes or (5, 10, 15),
            profile=profile,
            progress=cancel,
            cache=caches.coverage,
        )

    items = await heavy.run(request, work)
    return JSONResponse(feature_collection(items, profile), media_type="application/geo+json")


@router.post("/what-if", response_model=WhatIfPublic)
async def what_if(
    request: Request, body: WhatIfRequest, engine: EngineDep, caches: CachesDep, heavy: HeavyDep
) -> WhatIfPublic:
    """Coverage with facilities added, removed or moved, and the difference (nothing saved)."""
    check_minutes(body.minutes)
    query, changes = body.query(), body.changes()
    result = await heavy.run(
        request,
        lambda _c: svc.what_if(engine, query, changes, with_points=False, cache=caches.coverage),
    )
    return WhatIfPublic.of(result)


def _shown(s: Any, user: User | None) -> ScenarioPublic:
    """A scenario; who saved it (``created_by``) only for staff."""
    public = ScenarioPublic.of(s)
    return public if user is not None else public.model_copy(update={"created_by": ""})


@router.get("/scenarios", response_model=list[ScenarioPublic])
def list_scenarios(engine: EngineDep, user: OptionalUser) -> list[ScenarioPublic]:
    """Saved scenarios (``created_by`` only with a staff token)."""
    return [_shown(s, user) for s in svc.list_scenarios(engine)]


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
async def compare(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
    user: OptionalUser,
    ids: Annotated[
        list[str],
        Query(description="scenario ids (repeat or comma-separated; at most 10 different)"),
    ],
) -> list[ScenarioComparison]:
    """Saved scenarios recomputed on the current data, side by side (each id once)."""
    id_list: list[int] = []
    for v in ids:
        for x in v.split(","):
            if not x.strip():
                continue
            if not x.strip().isdigit() or not 1 <= int(x) <= INT32_MAX:
                raise InvalidInput(
                    "方案编号须为正整数 (scenario ids must be positive integers)",
                    details=[{"field": "query.ids", "problem": f"not a scenario id: {x[:20]!r}"}],
                )
            if int(x) not in id_list:
                id_list.append(int(x))
    if len(id_list) > MAX_COMPARE_IDS:
        raise InvalidInput(
            f"最多比较{MAX_COMPARE_IDS}个方案 (at most {MAX_COMPARE_IDS} scenarios at once)",
            details=[{"field": "query.ids", "problem": "too many ids"}],
        )
    pairs = await heavy.run(
        request, lambda _c: svc.compare_scenarios(engine, id_list, cache=caches.coverage)
    )
    out = []
    for s, r in pairs:
        out.append(
            ScenarioComparison(
                scenario=_shown(s, user),
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
def get_scenario(scenario_id: RecordId, engine: EngineDep, user: OptionalUser) -> ScenarioPublic:
    return _shown(svc.get_scenario(engine, scenario_id), user)


@router.get("/recommend", response_model=RecommendationPublic)
async def recommend(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
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
    solve = partial(svc.recommend, engine, q, k, source=candidates, exact=exact)
    return RecommendationPublic.of(await _solve(request, heavy, caches, solve, time_limit_s))


@router.post("/recommend", response_model=RecommendationPublic)
async def recommend_from_list(
    request: Request,
    body: RecommendRequest,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
) -> RecommendationPublic:
    """As GET, choosing among a supplied candidate list."""
    q = _query(body.facility_type, body.minutes, body.profile, body.weight, body.admin)
    cands = [Candidate(c.lon, c.lat, c.name, "list", i) for i, c in enumerate(body.candidates)]
    solve = partial(
        svc.recommend, engine, q, body.k, source="list", candidates=cands, exact=body.exact
    )
    return RecommendationPublic.of(await _solve(request, heavy, caches, solve, body.time_limit_s))


@router.get("/set-cover", response_model=SetCoverPublic)
async def set_cover(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
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
    solve = partial(svc.set_cover, engine, q, target_share, source=candidates, exact=exact)
    return SetCoverPublic.of(await _solve(request, heavy, caches, solve, time_limit_s))


async def _solve(
    request: Request,
    heavy: HeavyDep,
    caches: CachesDep,
    solve: Callable[..., T],
    time_limit_s: float,
) -> T:
    """A site search (``svc.recommend`` or ``svc.set_cover`` with its problem bound) run in
    the heavy-work pool, reporting progress, on the shared coverage cache."""
    return await heavy.run(
        request, lambda c: solve(time_limit_s=time_limit_s, progress=c, cache=caches.coverage)
    )


# --- the planners' workbench ----------------------------------------------------------------

Minutes = Annotated[float, Query(description="1-120")]
Profile = Annotated[str, Query(description="walking, elderly_walking, ebike, car (or 步行 …)")]
WeightQ = Annotated[str, Query(description="population, elderly, dependents (or 老年人口 …)")]
AdminQ = Annotated[
    str | None, Query(description="area: 6/9/12-digit code or a name (文登区, 张村镇)")
]


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
    q = _query(facility_type, minutes, profile, weight, admin, gaps_limit, names=engine)
    d = svc.drill(engine, q, with_points=include_points, cache=caches.coverage)
    return DrillPublic.of(d, include_points=include_points)


@router.get("/recommended", response_model=RecommendedPublic)
async def recommended(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
    facility_type: FacilityTypes,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    minutes: Minutes = 15,
    profile: Profile = "walking",
    weight: WeightQ = "population",
    admin: AdminQ = None,
) -> RecommendedPublic:
    """The recommended sites as a ranked list: where each is (nearest named place, village,
    town), the weight it newly covers and the running total (greedy order)."""
    q = _query(facility_type, minutes, profile, weight, admin, names=engine)

    def work(c: Cancel) -> tuple[Any, Any]:
        r = svc.recommend(engine, q, k, exact=False, progress=c, cache=caches.coverage)
        return r, svc.pick_rows(engine, r, cache=caches.coverage)

    # a heavy computation: in the bounded pool, rate-limited, stopped when the client leaves
    r, rows = await heavy.run(request, work)
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
async def coverage_report(
    request: Request,
    engine: EngineDep,
    caches: CachesDep,
    heavy: HeavyDep,
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
    q = _query(facility_type, minutes, profile, weight, admin, names=engine)
    try:
        ids = [int(x) for v in scenario or [] for x in v.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput("方案编号须为整数 (scenario ids must be integers)") from None

    def work(c: Cancel) -> tuple[str, bytes]:
        rep = svc.report(
            engine, q, k=k, scenario_ids=ids if format == "xlsx" else (), cache=caches.coverage
        )
        c.update()
        if format == "pdf":
            return report_title(rep), svc.report_pdf(engine, rep, cache=caches.coverage)
        buf = io.BytesIO()
        write_report_xlsx(buf, rep, headers=headers)
        return report_title(rep), buf.getvalue()

    # the whole city's tables or a rendered A3 map: in the bounded pool like other heavy work
    title, body = await heavy.run(request, work)
    if format == "pdf":
        return _attachment(body, "application/pdf", f"{title}.pdf")
    return _attachment(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{title}.xlsx"
    )
