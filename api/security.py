"""Security headers on every HTML response (pure ASGI middleware).

Staff pages and the landing page get the strict policy of the sign-in contract
(``docs/architecture.md``; no inline script anywhere: their scripts are files under
``/static/app/``). The folium pages (``/map``, ``/map/coverage``, ``/places/{id}``) and
FastAPI's documentation pages (``/docs``, ``/redoc``) are generated with inline
``<script>`` blocks; they get the same policy except that ``script-src`` also allows
``'unsafe-inline'`` -- still no outside host, no framing, no plugin. Non-HTML answers
(JSON, GeoJSON, files) carry ``X-Content-Type-Options`` only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
INLINE_SCRIPT_CSP = STRICT_CSP.replace("script-src 'self';", "script-src 'self' 'unsafe-inline';")
# Pages generated with inline scripts (folium, FastAPI's Swagger UI and ReDoc pages).
INLINE_SCRIPT_PATHS = ("/map", "/places/", "/docs", "/redoc")
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


def policy_for(path: str) -> str:
    """The Content-Security-Policy of an HTML page at ``path``."""
    if any(path == p.rstrip("/") or path.startswith(p) for p in INLINE_SCRIPT_PATHS):
        return INLINE_SCRIPT_CSP
    return STRICT_CSP


class SecurityHeaders:
    """Adds CSP, ``X-Content-Type-Options``, ``X-Frame-Options`` and ``Referrer-Policy``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html"):
                    extra = [*COMMON, (b"content-security-policy", policy_for(path).encode())]
                else:
                    extra = [COMMON[0]]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["INLINE_SCRIPT_CSP", "STRICT_CSP", "SecurityHeaders", "policy_for"]
