"""``GET /api/v1/search``: find names by characters, pinyin, initials, typos, former names.

Parameters are validated by :func:`gazetteer.search.make_query`, so that every mistake
gets the same clear 400 answer (``InvalidInput``) as on the CLI.

The endpoint is ``async`` on purpose: when this process's in-memory index is at hand
(:meth:`SearchService.cached`, the usual case), a search is pure CPU work of well under a
millisecond and is answered on the event loop -- no thread hop, no connection checkout.
Otherwise (the once-a-second freshness check, an index rebuild, the SQL strategy) the
search use case runs in the thread pool with a connection of its own. The service, made
in the app's lifespan, picks the strategy.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine

from api.deps import CachesDep, EngineDep
from api.schemas_places import SearchResponse
from gazetteer.search import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    SearchPage,
    SearchQuery,
    make_query,
)
from gazetteer.services.search import SearchService

router = APIRouter(prefix="/api/v1", tags=["search"])


def _search_with_connection(
    engine: Engine, service: SearchService, query: SearchQuery
) -> SearchPage:
    with engine.connect() as conn:
        return service.search(conn, query)


@router.get("/search", response_model=SearchResponse)
async def search_names(
    engine: EngineDep,
    caches: CachesDep,
    q: Annotated[
        str | None,
        Query(
            description=(
                f"名称、全拼（可带声调或空格）、首字母或混合输入，最多 {MAX_QUERY_CHARS} 字 "
                "(characters, full pinyin with or without tones/spaces, initials, or mixed)"
            ),
            examples=["威海", "weihai", "Wēihǎi Shì", "whs", "威h"],
        ),
    ] = None,
    category: Annotated[
        str | None, Query(description="major or subcategory code, e.g. 23 or 23510")
    ] = None,
    admin: Annotated[
        str | None,
        Query(description="administrative area code of any level (all names inside it)"),
    ] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    near: Annotated[str | None, Query(description="lon,lat")] = None,
    radius_m: Annotated[
        float | None, Query(description="radius around `near` in metres (default 1000)")
    ] = None,
    status: Annotated[
        str | None, Query(description="current, historical or all (default all)")
    ] = None,
    limit: Annotated[int | None, Query(description=f"1..{MAX_LIMIT}, default 20")] = None,
    offset: Annotated[int | None, Query(description="0..10000, default 0")] = None,
) -> Response:
    """Search standardised names; results ranked exact > prefix > substring > pinyin >
    initials > fuzzy, then higher administrative level and current names first."""
    query = make_query(
        q,
        category=category,
        admin=admin,
        bbox=bbox,
        near=near,
        radius_m=radius_m,
        status=status,
        limit=limit,
        offset=offset,
    )
    service = caches.search
    page = service.cached(query)
    if page is None:
        page = await run_in_threadpool(_search_with_connection, engine, service, query)
    body = SearchResponse.from_domain(page)
    return Response(body.model_dump_json(), media_type="application/json")
