"""Dependencies: settings, engine and caches from the app state, one connection per request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from api.caches import LayerCache
from api.limits import HeavyPool, heavy_pool
from gazetteer.services.caches import Caches
from gazetteer.settings import Settings
from gazetteer.storage.replicas import ReplicaSet, failure_kind
from gazetteer.types import INT32_MAX

log = logging.getLogger(__name__)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# where api.routing.ReadRouting puts the database chosen for the request
ENGINE_SCOPE_KEY = "gazetteer.engine"


def get_engine(request: Request) -> Engine:
    """The request's database: the one the read routing chose (a standby for a public
    read when there are standbys), else the primary."""
    engine: Engine | None = request.scope.get(ENGINE_SCOPE_KEY)
    if engine is None:
        engine = request.app.state.engine
    return engine


def get_replicas(request: Request) -> ReplicaSet:
    replicas: ReplicaSet = request.app.state.replicas
    return replicas


def get_caches(request: Request) -> Caches:
    caches: Caches = request.app.state.caches
    return caches


def get_layers(request: Request) -> LayerCache:
    layers: LayerCache = request.app.state.layers
    return layers


def get_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A read connection for the request (use cases open their own write transactions).

    It is closed after the answer is sent: a database that went away meanwhile (a standby
    stopped) makes the closing rollback fail, which must not break an answer already given.
    """
    conn = engine.connect()
    try:
        yield conn
    finally:
        try:
            conn.close()
        except DBAPIError as exc:
            if failure_kind(exc) != "unreachable":
                raise
            log.info("read connection lost after the answer: %s", exc.orig)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ConnectionDep = Annotated[Connection, Depends(get_connection)]
CachesDep = Annotated[Caches, Depends(get_caches)]
LayersDep = Annotated[LayerCache, Depends(get_layers)]
ReplicasDep = Annotated[ReplicaSet, Depends(get_replicas)]
HeavyDep = Annotated[HeavyPool, Depends(heavy_pool)]


# Path ids of stored records: integers the databases can hold (a larger or negative id is a
# 422 with a clear message, not an overflow inside the driver).
RecordId = Annotated[int, Path(ge=1, le=INT32_MAX, description="record id")]
