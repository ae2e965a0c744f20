"""Absolute links in answers (OGC ``self``/``next``/``collection`` links and the like).

Links are built from ``GAZETTEER_PUBLIC_BASE_URL`` when it is set, else from the address
the server listens on -- never from the request's ``Host`` header, which the client chooses.
"""

from __future__ import annotations

from fastapi import Request

from gazetteer.settings import Settings


def base_url(request: Request) -> str:
    """The base of absolute links: ``GAZETTEER_PUBLIC_BASE_URL`` when set, else the address
    the server listens on (scheme, host, port, root path) — never the request's ``Host``
    header, which a client chooses (``Host: evil.example`` must not reach the links)."""
    settings: Settings = request.app.state.settings
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    return _origin(request) + str(request.scope.get("root_path", "")).rstrip("/")


def _origin(request: Request) -> str:
    host, port = request.scope.get("server") or ("127.0.0.1", 8000)
    scheme = request.url.scheme
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = f"[{host}]" if ":" in str(host) else str(host)
    if port is not None and port != default:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def self_url(request: Request) -> str:
    """The URL of the request on the base of :func:`_base`."""
    query = request.url.query
    path = request.url.path  # with the root path
    root = request.scope.get("root_path", "").rstrip("/")
    if root and path.startswith(root):
        path = path[len(root) :]
    return base_url(request) + path + (f"?{query}" if query else "")


__all__ = ["base_url", "self_url"]
