"""The only exception -> HTTP status table.

Routes raise domain errors (``gazetteer.errors``), never bare ``HTTPException``. Every
error body is JSON: ``{"error": code, "message": user-safe text, "details": ...}``.
Unexpected errors give a generic 500 body and a logged traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gazetteer import errors as e

log = logging.getLogger("api")

STATUS: dict[type[e.GazetteerError], int] = {
    e.NotFound: 404,
    e.InvalidInput: 400,
    e.ImportFailed: 400,
    e.Conflict: 409,
    e.AppendOnlyViolation: 409,
    e.NotAuthenticated: 401,
    e.PermissionDenied: 403,
    e.StorageUnavailable: 503,
    e.Busy: 503,
    e.TooLarge: 413,
    e.RateLimited: 429,
}
BUSY_MESSAGE = "服务繁忙，请稍后重试 (the service is busy; please retry in a few seconds)"


def status_for(exc: e.GazetteerError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        out.append({"field": ".".join(loc), "problem": str(err.get("msg", ""))})
    return out


def domain_response(exc: e.GazetteerError) -> JSONResponse:
    """The JSON answer to a domain error (also used outside the handlers: the read
    routing middleware, :mod:`api.routing`, answers a lost database with it)."""
    body = error_body(exc.code, exc.message, exc.details)
    if isinstance(exc, e.Conflict) and exc.conflicts:
        body["conflicts"] = exc.conflicts
    headers: dict[str, str] | None = None
    if isinstance(exc, e.NotAuthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, e.Busy | e.RateLimited | e.DatabaseUnavailable):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse(body, status_code=status_for(exc), headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(e.GazetteerError)
    async def _domain(request: Request, exc: e.GazetteerError) -> JSONResponse:
        return domain_response(exc)

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("no pooled connection in time on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("busy", BUSY_MESSAGE), status_code=503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
        return JSONResponse(
            error_body("invalid_input", f"请求参数有误 (invalid request): {summary}", details),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "未找到 (not found)" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(
            error_body("http_error", message), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "服务器内部错误 (internal server error)"),
            status_code=500,
        )
