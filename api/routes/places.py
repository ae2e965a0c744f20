"""Details and navigation: a place with its history, its 地名成果表 card, reverse lookup,
the administrative tree and the classification tree."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnectionDep, RecordId
from api.schemas_places import (
    AdminNodePublic,
    CategoryNodePublic,
    CategoryTreePublic,
    PlacePublic,
    ReversePublic,
)
from gazetteer.io.card import CARD_TITLE, card_xlsx
from gazetteer.services.places import admin_node, category_tree, place_details, reverse
from maps.pages import card_html

router = APIRouter(prefix="/api/v1", tags=["places"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/places/{place_id}", response_model=PlacePublic)
def get_place(place_id: RecordId, conn: ConnectionDep) -> PlacePublic:
    """The full record: every former name and geometry with dates and reasons, category
    path, administrative path and the nearest names."""
    return PlacePublic.from_domain(place_details(conn, place_id))


@router.get(
    "/places/{place_id}/card",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}, XLSX: {}}}},
)
def get_card(
    place_id: RecordId,
    conn: ConnectionDep,
    format: Annotated[
        Literal["html", "xlsx"], Query(description="html (default) or xlsx")
    ] = "html",
) -> Response:
    """The 地名成果表 (census result table) of one name: printable HTML or Excel."""
    details = place_details(conn, place_id)
    if format == "xlsx":
        filename = f"{CARD_TITLE}-{details.place.name}.xlsx"
        return Response(
            card_xlsx(details),
            media_type=XLSX,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="card-{place_id}.xlsx"; '
                    f"filename*=UTF-8''{quote(filename)}"
                )
            },
        )
    return HTMLResponse(card_html(details))


@router.get("/reverse", response_model=ReversePublic)
def reverse_lookup(
    conn: ConnectionDep,
    lon: Annotated[float, Query(description="longitude (CGCS2000)")],
    lat: Annotated[float, Query(description="latitude (CGCS2000)")],
    limit: Annotated[int, Query(description="nearest names to return, 1..50")] = 5,
    status: Annotated[
        str, Query(description="current (default): current names only; all: also historical")
    ] = "current",
) -> ReversePublic:
    """The administrative areas containing the point and the nearest names (current names
    unless ``status=all``)."""
    return ReversePublic.from_domain(reverse(conn, lon, lat, limit=limit, status=status))


@router.get("/admin/{code}", response_model=AdminNodePublic)
def get_admin(code: str, conn: ConnectionDep) -> AdminNodePublic:
    """An administrative area (any level) with its ancestors and children."""
    return AdminNodePublic.from_domain(admin_node(conn, code))


@router.get("/categories", response_model=CategoryTreePublic)
def get_categories(conn: ConnectionDep) -> CategoryTreePublic:
    """The classification tree (major categories and subcategories) with name counts."""
    tree = [CategoryNodePublic.from_domain(c) for c in category_tree(conn)]
    return CategoryTreePublic(categories=tree, total=sum(c.count for c in tree))
