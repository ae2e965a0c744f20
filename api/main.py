"""FastAPI application factory: ``create_app(settings)``.

The engine is opened in the lifespan and disposed at shutdown; nothing happens at import
time. Routers live in ``api/routes/``, one per resource.

The service description at ``/openapi.json`` is OpenAPI 3.0.3 (the OGC ``oas30``
conformance class): ``app.openapi()`` converts FastAPI's 3.1 document with
:func:`api.openapi30.to_openapi30`, and the app serves it, with the Swagger UI at ``/docs``
and ReDoc at ``/redoc``, from its own routes so that the response carries the OpenAPI media
type that the OGC landing page's ``service-desc`` link announces.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response

from api import errors
from api.openapi30 import to_openapi30
from api.routes import ROUTERS
from api.routes.ogc import OPENAPI_JSON
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"


class GazetteerAPI(FastAPI):
    """FastAPI whose ``openapi()`` is the OpenAPI 3.0.3 form of FastAPI's 3.1 document.

    ``FastAPI.openapi()`` builds the 3.1 document once (again only when routes change) and
    keeps it in ``openapi_schema``; its 3.0 conversion is kept beside it.
    """

    _openapi30: tuple[dict[str, Any], dict[str, Any]] | None = None

    def openapi(self) -> dict[str, Any]:
        source = super().openapi()
        cached = self._openapi30
        if cached is None or cached[0] is not source:
            cached = (source, to_openapi30(source))
            self._openapi30 = cached
        return cached[1]


def _add_openapi_routes(app: FastAPI) -> None:
    """``/openapi.json`` (3.0, OpenAPI media type), ``/docs`` and ``/redoc``: FastAPI's own
    routes for these (turned off in :func:`create_app`) answer ``application/json``."""

    async def openapi_json(request: Request) -> Response:
        schema = app.openapi()
        root_path = request.scope.get("root_path", "").rstrip("/")
        if root_path and root_path not in {s.get("url") for s in schema.get("servers", [])}:
            schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
        body = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
        return Response(content=body.encode("utf-8"), media_type=OPENAPI_JSON)

    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root_path + OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root_path + OAUTH2_REDIRECT_URL,
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(openapi_url=root_path + OPENAPI_URL, title=f"{app.title} - ReDoc")

    app.add_route(OPENAPI_URL, openapi_json, include_in_schema=False)
    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine_from_settings(settings)
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = GazetteerAPI(
        title="威海市地名信息服务 Weihai Gazetteer API",
        version="0.1.0",
        description=(
            "Search, details, OGC API - Features, naming review and 15-minute service-circle "
            "coverage for Weihai's standardised place names. Coordinates: CGCS2000 (EPSG:4490), "
            "GeoJSON in longitude/latitude order."
        ),
        lifespan=lifespan,
        openapi_url=None,  # served by _add_openapi_routes
    )
    app.state.settings = settings
    errors.install(app)
    _add_openapi_routes(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


def create_app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (settings from ``GAZETTEER_*``)."""
    return create_app(Settings())
