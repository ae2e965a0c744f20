"""One router per resource; ``ROUTERS`` is the list the app includes."""

from fastapi import APIRouter

from api.routes import (
    coverage,
    facilities,
    health,
    map_data,
    naming,
    ogc,
    ogc_tiles,
    pages,
    places,
    search,
    staff,
    staff_cases,
)

ROUTERS: list[APIRouter] = [
    health.router,
    ogc.router,
    ogc_tiles.router,
    search.router,
    places.router,
    map_data.router,
    pages.router,
    facilities.router,
    coverage.router,
    naming.router,
    staff.router,
    staff_cases.router,
]
