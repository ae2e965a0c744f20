"""Facilities: list, read, history, subsidies (public); create, update, delete (staff).

Writes need the ``reviewer`` or ``admin`` role (``Authorization: Bearer <token>``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import OptionalUser, User, require_role
from api.deps import ConnectionDep, EngineDep, RecordId
from api.schemas_coverage import (
    FacilityCreate,
    FacilityHistoryPublic,
    FacilityList,
    FacilityPublic,
    FacilityUpdate,
    SubsidyReportPublic,
)
from gazetteer.coverage.inputs import parse_facility_types
from gazetteer.model.subsidies import RULES as SUBSIDY_RULES
from gazetteer.services import facilities as uc
from gazetteer.types import INT32_MAX

router = APIRouter(prefix="/api/v1/facilities", tags=["facilities"])
Staff = Annotated[User, Depends(require_role("reviewer", "admin"))]


@router.get("", response_model=FacilityList)
def list_facilities(
    conn: ConnectionDep,
    type: Annotated[list[str] | None, Query(description="facility type(s)")] = None,
    admin: Annotated[str | None, Query(description="6-, 9- or 12-digit area code")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> FacilityList:
    """Facilities, optionally by type and area."""
    types = list(parse_facility_types(type)) if type else None
    items, total = uc.list_facilities(conn, types=types, admin=admin, limit=limit, offset=offset)
    return FacilityList(
        items=[FacilityPublic.of(f) for f in items], total=total, limit=limit, offset=offset
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
    return [FacilityHistoryPublic.of(h) for h in entries]


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
