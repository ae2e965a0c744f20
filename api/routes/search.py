"""``GET /api/v1/search``: find names by characters, pinyin, initials, typos, former names.

Parameters are validated by :func:`gazetteer.search.make_query`, so that every mistake
gets the same clear 400 answer (``InvalidInput``) as on the CLI.

The endpoint is ``async`` on purpose: when this process's in-memory index is at hand
(:meth:`SearchService.peek`, the usual case), a search is pure CPU work of well under a
millisecond and is answered on the event loop -- no thread hop, no connection checkout.
Otherwise (the once-a-second freshness check, an index rebuild, the SQL strategy) it runs
in the thread pool with a connection of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine

from api.schemas_places import SearchResponse
from gazetteer.search import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    SearchPage,
    SearchQuery,
    make_query,
)
from gazetteer.services.search import service_for

log = logging.getLogger("api.search")


def _warm_index(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            service_for(conn).index(conn)
    except Exception:  # a cache warm-up must never take the server down
        log.warning("search index warm-up failed; it is built on the first search instead")


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Build this process's search index in the background as the server starts, so the
    first searches do not wait for it (runs inside the app's lifespan: the engine exists)."""
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        threading.Thread(
            target=_warm_index, args=(engine,), name="search-index-warm-up", daemon=True
        ).start()
    yield


router = APIRouter(prefix="/api/v1", tags=["search"], lifespan=_warm_up)


def _search_with_connection(engine: Engine, query: SearchQuery) -> SearchPage:
    with engine.connect() as conn:
        return service_for(conn).search(conn, query)


@router.get("/search", response_model=SearchResponse)
async def search_names(
    request: Request,
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
    engine: Engine = request.app.state.engine
    service = service_for(engine)
    index = service.peek()
    if index is not None:
        page = service.search_index(index, query)
    else:
        page = await run_in_threadpool(_search_with_connection, engine, query)
    body = SearchResponse.from_domain(page)
    return Response(body.model_dump_json(), media_type="application/json")
