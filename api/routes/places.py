"""Details and navigation: a place with its history, its 地名成果表 card, reverse lookup,
the administrative tree and the classification tree."""

from __future__ import annotations

import html
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
from gazetteer.services.places import (
    CARD_TITLE,
    PlaceDetails,
    admin_node,
    card_rows,
    card_xlsx,
    category_tree,
    place_details,
    reverse,
)

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
    return HTMLResponse(render_card(details))


def render_card(d: PlaceDetails) -> str:
    rows = "\n".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in card_rows(d)
    )
    name = html.escape(d.place.name)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{CARD_TITLE} · {name}</title>
<style>
  body {{ font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; margin: 2em auto;
         max-width: 48em; color: #000; }}
  h1 {{ text-align: center; font-size: 1.6em; letter-spacing: 0.3em; }}
  .sub {{ text-align: center; margin-bottom: 1em; }}
  table {{ border-collapse: collapse; width: 100%; }}
  th, td {{ border: 1px solid #000; padding: 0.4em 0.6em; vertical-align: top; }}
  th {{ width: 9em; white-space: nowrap; text-align: left; background: #f3f3f3; }}
  td {{ white-space: pre-wrap; }}
  .foot {{ margin-top: 1em; font-size: 0.9em; }}
  @media print {{ body {{ margin: 0; }} th {{ background: none; }} .noprint {{ display: none; }} }}
</style>
</head>
<body>
<h1>{CARD_TITLE}</h1>
<div class="sub">{name}　{html.escape(d.place.romanized)}</div>
<table>
{rows}
</table>
<p class="foot">坐标系：CGCS2000（EPSG:4490）。威海市地名信息服务 Weihai Gazetteer.</p>
<p class="noprint"><a href="?format=xlsx">下载 Excel (.xlsx)</a>
 · <button onclick="window.print()">打印 Print</button></p>
</body>
</html>
"""


@router.get("/reverse", response_model=ReversePublic)
def reverse_lookup(
    conn: ConnectionDep,
    lon: Annotated[float, Query(description="longitude (CGCS2000)")],
    lat: Annotated[float, Query(description="latitude (CGCS2000)")],
    limit: Annotated[int, Query(description="nearest names to return, 1..50")] = 5,
) -> ReversePublic:
    """The administrative areas containing the point and the nearest names."""
    return ReversePublic.from_domain(reverse(conn, lon, lat, limit=limit))


@router.get("/admin/{code}", response_model=AdminNodePublic)
def get_admin(code: str, conn: ConnectionDep) -> AdminNodePublic:
    """An administrative area (any level) with its ancestors and children."""
    return AdminNodePublic.from_domain(admin_node(conn, code))


@router.get("/categories", response_model=CategoryTreePublic)
def get_categories(conn: ConnectionDep) -> CategoryTreePublic:
    """The classification tree (major categories and subcategories) with name counts."""
    tree = [CategoryNodePublic.from_domain(c) for c in category_tree(conn)]
    return CategoryTreePublic(categories=tree, total=sum(c.count for c in tree))
