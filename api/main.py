"""FastAPI application factory: ``create_app(settings)``.

The engine, the read replicas' set (:mod:`gazetteer.storage.replicas`, with its health
check) and every cache of the process (:mod:`api.caches`) are made in the lifespan and
closed at shutdown; :mod:`api.routing` chooses the database of each request. Nothing
happens at import time. Routers live in ``api/routes/``, one per resource, and reach the
engine and the caches through ``api.deps``.

The service description at ``/openapi.json`` is OpenAPI 3.0.3 (the OGC ``oas30``
conformance class): ``app.openapi()`` converts FastAPI's 3.1 document with
:func:`api.openapi30.to_openapi30`, and the app serves it, with the Swagger UI at ``/docs``
and ReDoc at ``/redoc``, from its own routes so that the response carries the OpenAPI media
type that the OGC landing page's ``service-desc`` link announces.

The two documentation pages work on a closed network: their scripts, style sheet and icon
are the files that the ``fastapi-offline`` package (a PyPI dependency) ships, served by the
app under ``/static/docs/`` instead of FastAPI's CDN defaults. Two more things would still
reach the internet and are turned off: Google Fonts on FastAPI's ReDoc page, and the
Redocly logo that ReDoc's script loads from its CDN (the script is served with that one
URL replaced by a blank image). The Swagger UI's online validator badge (an image from
swagger.io) is off too, although FastAPI's ``BaseLayout`` does not show it today.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api import errors, limits, staff
from api.caches import LayerCache, load_index_for_server, warm_up_labels, warm_up_search
from api.openapi30 import to_openapi30
from api.routes import ROUTERS
from api.routes.ogc import OPENAPI_JSON
from api.routing import ReadRouting
from api.schemas_base import ERROR_RESPONSES
from api.security import SecurityHeaders
from gazetteer.services.caches import Caches
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, create_read_engines
from gazetteer.storage.replicas import ReplicaSet

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
# The documentation pages' own assets (Swagger UI 5, ReDoc 2), from the fastapi-offline wheel.
DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_STATIC_URL = "/static/docs"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"
# No online validator badge (an image from validator.swagger.io, shown by the Swagger UI's
# StandaloneLayout on any host but localhost), whatever layout FastAPI picks.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}
# ReDoc's side menu always shows this image (no option turns it off).
REDOCLY_LOGO_URL = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE_URL = (
    b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
)


@functools.cache
def redoc_js() -> bytes:
    """ReDoc's standalone script with its one outside image replaced (read once)."""
    return (DOCS_ASSETS_DIR / REDOC_JS).read_bytes().replace(REDOCLY_LOGO_URL, BLANK_IMAGE_URL)


class GazetteerAPI(FastAPI):
    """FastAPI whose ``openapi()`` is the OpenAPI 3.0.3 form of FastAPI's 3.1 document.

    ``FastAPI.openapi()`` builds the 3.1 document once (again only when routes change) and
    keeps it in ``openapi_schema``; its 3.0 conversion is kept beside it.
    """

    _openapi30: tuple[dict[str, Any], dict[str, Any]] | None = None

    def openapi(self) -> dict[str, Any]:
        source = super().openapi()
        _errors_as_json(source)
        cached = self._openapi30
        if cached is None or cached[0] is not source:
            cached = (source, to_openapi30(source))
            self._openapi30 = cached
        return cached[1]


def _errors_as_json(doc: dict[str, Any]) -> None:
    """Error answers are JSON on every operation, HTML pages and plain-text ones included
    (FastAPI documents them in the operation's own media type)."""
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for code, response in op.get("responses", {}).items():
                content = response.get("content")
                if str(code)[0] in "45" and content and "application/json" not in content:
                    response["content"] = {"application/json": next(iter(content.values()))}


def _roots(request: Request) -> tuple[str, str]:
    """The path the app is mounted under (behind a proxy) and its documentation assets."""
    root_path = str(request.scope.get("root_path", "")).rstrip("/")
    return root_path, root_path + DOCS_STATIC_URL


def _add_openapi_routes(app: FastAPI) -> None:
    """``/openapi.json`` (3.0, OpenAPI media type), ``/docs`` and ``/redoc``: FastAPI's own
    routes for these (turned off in :func:`create_app`) answer ``application/json`` and
    load the pages' scripts from a CDN; these load them from ``DOCS_STATIC_URL``."""

    async def openapi_json(request: Request) -> Response:
        schema = app.openapi()
        root_path, _ = _roots(request)
        if root_path and root_path not in {s.get("url") for s in schema.get("servers", [])}:
            schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
        body = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
        return Response(content=body.encode("utf-8"), media_type=OPENAPI_JSON)

    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path, static = _roots(request)
        return get_swagger_ui_html(
            openapi_url=root_path + OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root_path + OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{static}/{SWAGGER_JS}",
            swagger_css_url=f"{static}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{static}/{FAVICON}",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root_path, static = _roots(request)
        return get_redoc_html(
            openapi_url=root_path + OPENAPI_URL,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{static}/{REDOC_JS}",
            redoc_favicon_url=f"{static}/{FAVICON}",
            with_google_fonts=False,
        )

    app.add_route(OPENAPI_URL, openapi_json, include_in_schema=False)
    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)

    async def redoc_script(request: Request) -> Response:
        return Response(
            redoc_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    # before the mount, which would serve the file as shipped
    app.add_route(f"{DOCS_STATIC_URL}/{REDOC_JS}", redoc_script, include_in_schema=False)
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-static")


def create_app(settings: Settings) -> FastAPI:
    """The application for ``settings`` (the engine and caches are made at startup)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine_from_settings(settings)
        replicas = ReplicaSet(
            engine,
            create_read_engines(settings),
            max_lag_s=settings.replica_max_lag_s,
            interval_s=settings.replica_check_interval_s,
        )
        replicas.start()
        caches = Caches.create(settings, build_index=load_index_for_server)
        app.state.engine = engine
        app.state.replicas = replicas
        app.state.caches = caches
        app.state.layers = LayerCache()
        warm = replicas.read_engine()  # a standby when one is healthy
        warm_up_search(warm, caches.search)
        warm_up_labels(warm, caches.labels)
        try:
            yield
        finally:
            caches.close()
            replicas.close()
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
    staff.install(app)
    # inside the security headers, so that its 503 answers carry them too
    app.add_middleware(ReadRouting, read_your_writes_s=settings.read_your_writes_s)
    app.add_middleware(SecurityHeaders)
    limits.install(app, settings)
    _add_openapi_routes(app)
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    return app


def create_app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (settings from ``GAZETTEER_*``)."""
    return create_app(Settings())
