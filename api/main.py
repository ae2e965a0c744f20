"""FastAPI application factory: ``create_app(settings)``.

The engine is opened in the lifespan and disposed at shutdown; nothing happens at import
time. Routers live in ``api/routes/``, one per resource.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import ROUTERS
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine_from_settings(settings)
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="威海市地名信息服务 Weihai Gazetteer API",
        version="0.1.0",
        description=(
            "Search, details, OGC API - Features, naming review and 15-minute service-circle "
            "coverage for Weihai's standardised place names. Coordinates: CGCS2000 (EPSG:4490), "
            "GeoJSON in longitude/latitude order."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


def create_app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (settings from ``GAZETTEER_*``)."""
    return create_app(Settings())
