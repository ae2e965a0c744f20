"""Typed settings for the gazetteer, built once and passed in.

No other module reads the environment: the CLI and the API build a :class:`Settings`
(from ``GAZETTEER_*`` variables or explicitly in tests) and hand it down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var/weihai.sqlite")
DEFAULT_CACHE_DIR = Path("var/cache")
# The checkout's node_modules (package.json at the project root; ./dev setup runs npm ci).
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[1] / "node_modules"


class Settings(BaseSettings):
    """Configuration of one gazetteer deployment."""

    model_config = SettingsConfigDict(env_prefix="GAZETTEER_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="sqlite:///path for SpatiaLite, postgresql+psycopg://... for PostGIS",
    )
    read_database_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="PostgreSQL hot standbys for reads (comma-separated in the environment); "
        "the primary, database_url, takes every write",
    )
    replica_max_lag_s: float = Field(
        default=5.0, gt=0, description="a replica further behind the primary leaves the rotation"
    )
    replica_check_interval_s: float = Field(
        default=1.0, gt=0, description="seconds between health checks of the databases"
    )
    read_your_writes_s: float = Field(
        default=60.0,
        ge=0,
        description="longest time a client that wrote reads from the primary (until a replica "
        "has replayed its write)",
    )
    demo_seed: int = Field(default=20201231, description="seed of the deterministic demo")
    spatialite_module: str | None = Field(
        default=None,
        description="path or name of mod_spatialite; found automatically when unset",
    )
    sql_echo: bool = False
    tile_url: str | None = Field(
        default=None, description="optional base-map tile URL template (offline by default)"
    )
    tile_attribution: str = ""
    tile_gcj02: bool = Field(
        default=False, description="true when the tile provider uses the GCJ-02 offset"
    )
    assets_dir: Path = Field(
        default=DEFAULT_ASSETS_DIR,
        description="node_modules folder with the pages' browser packages (npm ci, ./dev setup)",
    )
    cache_dir: Path = Field(
        default=DEFAULT_CACHE_DIR,
        description="folder for derived files (rendered map sheets in sheets/); safe to delete",
    )
    cache_max_mb: int = Field(
        default=512, ge=1, description="size bound of the sheet cache; least recently used go first"
    )
    sheet_render_limit: int = Field(
        default=2, ge=1, description="map sheets rendered at once per API process; others queue"
    )
    consultation_days: int = Field(default=10, ge=0, le=90)
    filing_due_days: int = 15
    notice_due_days: int = 15
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="staff browser sessions end after this idle time"
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins per account before a brief lock"
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="failed sign-ins per client address before a brief lock"
    )
    login_lock_minutes: int = Field(
        default=15, ge=1, description="window of the failure counts and length of the lock"
    )
    # Hardening: bounds that keep one request from taking the service down.
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="largest request body; larger is a 413"
    )
    heavy_workers: int = Field(
        default=2, ge=1, description="heavy computations (isochrones, batch checks…) at once"
    )
    heavy_queue: int = Field(
        default=8, ge=0, description="heavy requests waiting for a worker; more is a 503"
    )
    heavy_rate_per_minute: int = Field(
        default=30, ge=0, description="heavy requests per client and minute (0: no limit)"
    )
    lock_timeout_s: float = Field(
        default=5.0, gt=0, description="longest wait for a database lock; then a 503"
    )
    statement_timeout_s: float = Field(
        default=120.0, gt=0, description="longest PostgreSQL statement of the service"
    )
    pool_timeout_s: float = Field(
        default=10.0, gt=0, description="longest wait for a pooled connection; then a 503"
    )
    public_base_url: str | None = Field(
        default=None,
        description="public URL of the service (https://host/prefix) for links in answers; "
        "unset: links use the server's own address, never the request's Host header",
    )
    token_days: int = Field(default=180, ge=1, description="days a new staff token is valid")
    search_memory_max_names: int = Field(
        default=20_000,
        ge=0,
        description="names up to which search answers from an in-memory index (about 5 KB "
        "of worker memory per name); above it from the database's indexes",
    )

    @field_validator("read_database_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
