"""Health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ConnectionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: ConnectionDep) -> dict[str, Any]:
    """Liveness and database check."""
    conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": conn.dialect.name}
