"""Health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ConnectionDep, ReplicasDep
from gazetteer.services.stats import health, readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: ConnectionDep, replicas: ReplicasDep) -> dict[str, Any]:
    """Liveness and database check; with read replicas, each database's role
    (primary/replica), state (up, lagging, down) and replication lag."""
    return health(conn, replicas)


@router.get("/readyz")
def readyz(replicas: ReplicasDep) -> dict[str, Any]:
    """Readiness for a load balancer: 200 when this instance can serve reads (a database
    answers), 503 otherwise."""
    return readiness(replicas)
