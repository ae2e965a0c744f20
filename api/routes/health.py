"""Health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ConnectionDep
from gazetteer.services.stats import health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: ConnectionDep) -> dict[str, Any]:
    """Liveness and database check."""
    return health(conn)
