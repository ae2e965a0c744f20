"""HTTP API over the gazetteer library (FastAPI)."""

from api.main import create_app

__all__ = ["create_app"]
