"""One router per resource; ``ROUTERS`` is the list the app includes."""

from fastapi import APIRouter

from api.routes import health, ogc

ROUTERS: list[APIRouter] = [health.router, ogc.router]
