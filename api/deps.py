"""Dependencies: settings, engine and caches from the app state, one connection per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Engine

from api.caches import LayerCache
from api.limits import HeavyPool, heavy_pool
from gazetteer.services.caches import Caches
from gazetteer.settings import Settings
from gazetteer.types import INT32_MAX


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_caches(request: Request) -> Caches:
    caches: Caches = request.app.state.caches
    return caches


def get_layers(request: Request) -> LayerCache:
    layers: LayerCache = request.app.state.layers
    return layers


def get_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A read connection for the request (use cases open their own write transactions)."""
    with engine.connect() as conn:
        yield conn


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ConnectionDep = Annotated[Connection, Depends(get_connection)]
CachesDep = Annotated[Caches, Depends(get_caches)]
LayersDep = Annotated[LayerCache, Depends(get_layers)]
HeavyDep = Annotated[HeavyPool, Depends(heavy_pool)]


# Path ids of stored records: integers the databases can hold (a larger or negative id is a
# 422 with a clear message, not an overflow inside the driver).
RecordId = Annotated[int, Path(ge=1, le=INT32_MAX, description="record id")]
