"""Engine creation for SpatiaLite (embedded default) and PostGIS.

SpatiaLite needs ``mod_spatialite`` loaded into every SQLite connection. Python builds
differ: some ``sqlite3`` modules cannot load extensions at all (no
``Connection.enable_load_extension``), so the loader uses the standard library where it can
and falls back to ``pysqlite3`` (the ``pysqlite3-binary`` wheel) otherwise. When neither
works, :class:`~gazetteer.errors.StorageUnavailable` says what to install.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from gazetteer.errors import Busy, InvalidInput, StorageUnavailable
from gazetteer.settings import Settings
from gazetteer.storage import append_only, gate

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "无法加载 SpatiaLite 扩展 mod_spatialite (cannot load mod_spatialite). "
    "Install it with `apt-get install libsqlite3-mod-spatialite` (Debian/Ubuntu), "
    "or set GAZETTEER_SPATIALITE_MODULE to the full path of mod_spatialite.so; "
    "if your Python's sqlite3 cannot load extensions, `pip install pysqlite3-binary`."
)

# SRIDs the schema needs in SpatiaLite's spatial_ref_sys.
_SRIDS = (4326, 4490, 4550)


def sqlite_module() -> ModuleType:
    """The DB-API module to use for SQLite: one that can load extensions."""
    probe = sqlite3.connect(":memory:")
    try:
        if hasattr(probe, "enable_load_extension"):
            return sqlite3
    finally:
        probe.close()
    try:
        return importlib.import_module("pysqlite3.dbapi2")
    except ImportError as exc:
        raise StorageUnavailable(INSTALL_HINT) from exc


def _spatialite_candidates(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    return ["mod_spatialite", "mod_spatialite.so", "libspatialite"]


def _load_spatialite(dbapi_conn: Any, explicit: str | None) -> None:
    # mod_spatialite brings the system GEOS/PROJ/SQLite libraries into the process; if the
    # GDAL/GEOS copies inside the pyogrio and shapely wheels are loaded after them, their
    # symbols clash (segfaults writing GeoPackage). Loading the wheels first avoids it.
    import pyogrio  # noqa: F401
    import shapely  # noqa: F401

    dbapi_conn.enable_load_extension(True)
    errors = []
    for candidate in _spatialite_candidates(explicit):
        try:
            dbapi_conn.load_extension(candidate)
            break
        except Exception as exc:  # the driver raises its own OperationalError class
            errors.append(f"{candidate}: {exc}")
    else:
        raise StorageUnavailable(INSTALL_HINT, details=errors)
    dbapi_conn.enable_load_extension(False)


def _init_sqlite_connection(
    dbapi_conn: Any, explicit: str | None, busy_timeout_ms: int = 5000
) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
    dbapi_conn.isolation_level = None
    _load_spatialite(dbapi_conn, explicit)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("SELECT count(*) FROM sqlite_master WHERE name='spatial_ref_sys'")
    if cur.fetchone()[0] == 0:
        # InitSpatialMetaData(1, ...) runs in a transaction of its own.
        cur.execute("SELECT InitSpatialMetaData(1, 'NONE')")
        for srid in _SRIDS:
            cur.execute("SELECT InsertEpsgSrid(?)", (srid,))
    cur.close()


# longest wait for a new PostgreSQL connection (an unreachable host, not a refused port)
CONNECT_TIMEOUT_S = 3.0
# write transactions at once per engine; the other connections of the pool stay for reads
WRITERS = 5
BUSY_MESSAGE = "数据库正忙，请稍后重试 (the database is busy; please retry in a few seconds)"
# PostgreSQL: lock_not_available, query_canceled (lock_timeout / statement_timeout)
_PG_BUSY_STATES = {"55P03", "57014"}


def _is_lock_wait(error: BaseException) -> bool:
    """A bounded wait for a lock (or a statement) ran out: SQLite's ``database is locked``
    after ``busy_timeout``, PostgreSQL's ``lock_timeout``/``statement_timeout``."""
    if getattr(error, "sqlstate", None) in _PG_BUSY_STATES:
        return True
    said = str(error).lower()
    return "database is locked" in said or "database table is locked" in said


UNSTORABLE_MESSAGE = (
    "数值超出范围或文本含有非法字符 (a value is out of the database's range or text "
    "contains a NUL character)"
)


def _is_unstorable(error: BaseException | None) -> bool:
    """An integer too large for the column or a NUL in text (PostgreSQL)."""
    if isinstance(error, OverflowError):
        return True
    if getattr(error, "sqlstate", None) in ("22003", "22P05", "22021"):
        return True
    said = str(error)
    return "NUL (0x00)" in said or "too large to convert" in said


def _translate_errors(engine: Engine) -> Engine:
    """Database errors with a domain meaning become domain errors (API status, CLI message).

    Only the append-only guards of migrations 0006 and 0007 so far: a change to a row of
    the naming audit log, the place-name history or the facility history is a bug or
    foreign SQL, so the statement is logged as an error too.
    """

    @event.listens_for(engine, "handle_error")
    def _on_error(ctx: ExceptionContext) -> None:
        if isinstance(ctx.sqlalchemy_exception, OperationalError) and _is_lock_wait(
            ctx.original_exception
        ):
            log.warning("lock wait bounded: %s", ctx.original_exception)
            raise Busy(BUSY_MESSAGE) from ctx.sqlalchemy_exception
        if _is_unstorable(ctx.original_exception):
            # a safety net: request schemas bound every value; this catches what slips by
            log.warning("unstorable value: %s", ctx.original_exception)
            raise InvalidInput(UNSTORABLE_MESSAGE) from ctx.original_exception
        if not isinstance(ctx.sqlalchemy_exception, IntegrityError):
            return
        domain = append_only.violation(ctx.original_exception)
        if domain is not None:
            log.error("rejected by the append-only guard: %s", ctx.statement)
            raise domain from ctx.sqlalchemy_exception

    return engine


def create_sqlite_engine(
    url: str,
    *,
    spatialite_module: str | None = None,
    echo: bool = False,
    lock_timeout_s: float = 5.0,
    pool_timeout_s: float = 10.0,
) -> Engine:
    """An engine on a SpatiaLite file; creates the parent folder of the file."""
    parsed = make_url(url)
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    module = sqlite_module()
    engine = create_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        module=module,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": lock_timeout_s},
        **(
            {"poolclass": NullPool}
            if database in ("", ":memory:")
            else {"pool_size": 10, "max_overflow": 20, "pool_timeout": pool_timeout_s}
        ),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _init_sqlite_connection(dbapi_conn, spatialite_module, int(lock_timeout_s * 1000))

    gate.install_write_gate(engine, writers=WRITERS, timeout_s=lock_timeout_s)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # ``execution_options(sqlite_begin="BEGIN IMMEDIATE")`` takes the write lock at once,
        # which serialises concurrent writers (see dialect.write_lock).
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    return _translate_errors(engine)


def create_postgis_engine(
    url: str,
    *,
    echo: bool = False,
    lock_timeout_s: float = 5.0,
    statement_timeout_s: float = 120.0,
    pool_timeout_s: float = 10.0,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> Engine:
    """An engine on PostGIS whose waits are bounded: ``lock_timeout`` (row, table and
    advisory locks) and ``statement_timeout`` on every connection, and the pool's own
    timeout; a wait that runs out is :class:`Busy`. A server that does not answer a new
    connection within ``connect_timeout_s`` counts as down (a replica leaves the rotation,
    see :mod:`gazetteer.storage.replicas`)."""
    bounds = (
        f"SET lock_timeout = {int(lock_timeout_s * 1000)}",
        f"SET statement_timeout = {int(statement_timeout_s * 1000)}",
    )
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=pool_timeout_s,
        connect_args={"connect_timeout": max(1, round(connect_timeout_s))},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # SET once per new connection rather than the start-up "options" parameter, which
        # pgbouncer (deploy/pgbouncer.ini, session pooling) cannot pass on
        with dbapi_conn.cursor() as cur:
            for statement in bounds:
                cur.execute(statement)
        dbapi_conn.commit()

    gate.install_write_gate(engine, writers=WRITERS, timeout_s=lock_timeout_s)
    return _translate_errors(engine)


class _EngineOptions(TypedDict):
    echo: bool
    lock_timeout_s: float
    pool_timeout_s: float


def _engine_options(settings: Settings) -> _EngineOptions:
    """What both kinds of engine take from the settings: SQL echo and the bounded waits."""
    return {
        "echo": settings.sql_echo,
        "lock_timeout_s": settings.lock_timeout_s,
        "pool_timeout_s": settings.pool_timeout_s,
    }


def create_engine_from_settings(settings: Settings) -> Engine:
    """The engine for ``settings.database_url`` (SpatiaLite or PostGIS)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        return create_sqlite_engine(
            url, spatialite_module=settings.spatialite_module, **_engine_options(settings)
        )
    if url.startswith("postgresql"):
        return _postgis_engine_for(url, settings)
    raise StorageUnavailable(
        f"不支持的数据库地址 (unsupported database URL): {make_url(url).drivername}; "
        "use sqlite:///path or postgresql+psycopg://user@host/db"
    )


def _postgis_engine_for(url: str, settings: Settings) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_postgis_engine(
        url, statement_timeout_s=settings.statement_timeout_s, **_engine_options(settings)
    )


def create_read_engines(settings: Settings) -> list[Engine]:
    """One engine per hot standby of ``settings.read_database_urls`` (PostgreSQL only: a
    SpatiaLite file has no replicas)."""
    if settings.read_database_urls and not settings.database_url.startswith("postgresql"):
        raise StorageUnavailable(
            "只读副本仅支持 PostgreSQL (read replicas need a PostgreSQL primary)"
        )
    engines = []
    for url in settings.read_database_urls:
        if not url.startswith("postgresql"):
            raise StorageUnavailable(
                f"只读副本须为 PostgreSQL 地址 (a read replica must be a PostgreSQL URL): "
                f"{make_url(url).drivername}"
            )
        engines.append(_postgis_engine_for(url, settings))
    return engines


# hot standbys -> the key of their primary's database (made by replicas.ReplicaSet)
_SAME_DATABASE: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def database_key(engine: Engine) -> str:
    """The database behind ``engine`` (URL without password): what caches are keyed by,
    so two databases never share an entry. A hot standby has its primary's key
    (:func:`same_database`): it holds the same database, and the data version beside the
    key tells its contents apart, so a road graph or a sheet read from either is one
    entry."""
    alias = _SAME_DATABASE.get(engine)
    return alias if alias is not None else engine_url(engine)


def engine_url(engine: Engine) -> str:
    """The URL of ``engine`` without its password."""
    return engine.url.render_as_string(hide_password=True)


def same_database(standby: Engine, primary: Engine) -> None:
    """``standby`` replicates ``primary``: caches key both by the primary's database."""
    _SAME_DATABASE[standby] = database_key(primary)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for other databases."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


__all__ = [
    "INSTALL_HINT",
    "create_engine_from_settings",
    "create_postgis_engine",
    "create_read_engines",
    "create_sqlite_engine",
    "database_key",
    "engine_url",
    "same_database",
    "sqlite_module",
    "sqlite_path",
]
