"""Facilities: list, read, history, subsidies (public); create, update, delete (staff).

Writes need the ``reviewer`` or ``admin`` role (``Authorization: Bearer <token>``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import OptionalUser, User, require_role
from api.deps import CachesDep, ConnectionDep, EngineDep, RecordId
from api.params import only_params
from api.schemas_coverage import (
    FacilityCreate,
    FacilityHistoryPublic,
    FacilityList,
    FacilityPublic,
    FacilityUpdate,
    SubsidyReportPublic,
)
from gazetteer.coverage.inputs import parse_facility_types
from gazetteer.errors import InvalidInput
from gazetteer.model import Facility
from gazetteer.model.subsidies import RULES as SUBSIDY_RULES
from gazetteer.services import facilities as uc
from gazetteer.types import INT32_MAX, parse_point

router = APIRouter(prefix="/api/v1/facilities", tags=["facilities"])
Staff = Annotated[User, Depends(require_role("reviewer", "admin"))]


class FacilityNearby(FacilityPublic):
    """A facility with, when the list was asked ``near`` a point, how far it is."""

    distance_m: float | None = None  # straight line
    walk_m: float | None = None  # over the road network (walking)
    walk_minutes: float | None = None
    route: list[tuple[float, float]] | None = None  # lon/lat from the point to the facility


class FacilityListNear(FacilityList):
    items: list[FacilityNearby]  # type: ignore[assignment]
    near: tuple[float, float] | None = None
    radius_m: float | None = None


def _nearby(f: Facility) -> FacilityNearby:
    return FacilityNearby(**FacilityPublic.of(f).model_dump())


LIST_PARAMS = ("type", "admin", "limit", "offset", "near", "radius_m")


@router.get("", response_model=FacilityListNear)
def list_facilities(
    request: Request,
    conn: ConnectionDep,
    caches: CachesDep,
    type: Annotated[list[str] | None, Query(description="facility type(s)")] = None,
    admin: Annotated[str | None, Query(description="6-, 9- or 12-digit area code")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
    near: Annotated[
        str | None,
        Query(
            description="lon,lat: only facilities within radius_m, nearest first by walking "
            "time over the road network (with distance, minutes and route)"
        ),
    ] = None,
    radius_m: Annotated[
        float, Query(gt=0, le=uc.MAX_NEAR_RADIUS_M, description="with near: straight-line radius")
    ] = 1000.0,
) -> FacilityListNear:
    """Facilities, optionally by type and area, or near a point (sorted by distance).
    Unknown query parameters are refused (400)."""
    only_params(request, LIST_PARAMS)
    types = list(parse_facility_types(type)) if type else None
    point = parse_point(near, what="near")
    if point is None:
        if "radius_m" in request.query_params:
            raise InvalidInput("radius_m 需与 near 一起使用 (radius_m needs near=lon,lat)")
        items, total = uc.list_facilities(
            conn, types=types, admin=admin, limit=limit, offset=offset
        )
        return FacilityListNear(
            items=[_nearby(f) for f in items], total=total, limit=limit, offset=offset
        )
    if admin:
        raise InvalidInput("near 不能与 admin 同用 (near cannot be combined with admin)")
    found = uc.nearby_facilities(
        conn, point[0], point[1], radius_m=radius_m, types=types, cache=caches.coverage
    )
    page = found[offset : offset + limit]
    return FacilityListNear(
        items=[
            _nearby(n.facility).model_copy(
                update={
                    "distance_m": n.distance_m,
                    "walk_m": n.walk_m,
                    "walk_minutes": n.walk_minutes,
                    "route": list(n.route) or None,
                }
            )
            for n in page
        ],
        total=len(found),
        limit=limit,
        offset=offset,
        near=point,
        radius_m=radius_m,
    )


@router.get("/subsidies", response_model=SubsidyReportPublic)
def subsidies(
    conn: ConnectionDep,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    district: Annotated[str | None, Query(description="county-level code, 6 or 12 digits")] = None,
) -> SubsidyReportPublic:
    """Meal-site subsidies (construction, operation, rural elderly tables) by district and year."""
    return SubsidyReportPublic.of(
        uc.subsidy_report(conn, year=year, district=district), SUBSIDY_RULES
    )


@router.get("/{facility_id}", response_model=FacilityPublic)
def get_facility(facility_id: RecordId, conn: ConnectionDep) -> FacilityPublic:
    return FacilityPublic.of(uc.get_facility(conn, facility_id))


@router.get("/{facility_id}/history", response_model=list[FacilityHistoryPublic])
def facility_history(
    facility_id: RecordId, conn: ConnectionDep, user: OptionalUser
) -> list[FacilityHistoryPublic]:
    """Every former state of the facility (also after deletion); who made each change
    (``changed_by``) only with a staff token, empty for the public."""
    entries = uc.facility_history_entries(conn, facility_id)
    if not entries:
        uc.get_facility(conn, facility_id)  # 404 for an unknown id
    if user is None:
        entries = [replace(h, changed_by="") for h in entries]
    return [FacilityHistoryPublic.copy_of(h) for h in entries]


@router.post("", response_model=FacilityPublic, status_code=201)
def create_facility(body: FacilityCreate, engine: EngineDep, user: Staff) -> FacilityPublic:
    return FacilityPublic.of(uc.create_facility(engine, body.model_dump(), user=user.name))


@router.patch("/{facility_id}", response_model=FacilityPublic)
def update_facility(
    facility_id: RecordId, body: FacilityUpdate, engine: EngineDep, user: Staff
) -> FacilityPublic:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "note"})
    f = uc.update_facility(
        engine,
        facility_id,
        changes,
        user=user.name,
        expected_version=body.version,
        note=body.note,
    )
    return FacilityPublic.of(f)


@router.delete("/{facility_id}", status_code=204)
def delete_facility(
    facility_id: RecordId,
    engine: EngineDep,
    user: Staff,
    version: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    note: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    uc.delete_facility(engine, facility_id, user=user.name, expected_version=version, note=note)
    return Response(status_code=204)
