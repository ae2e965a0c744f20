"""Building (or reusing) the demo database for the ``demo_settings`` fixture.

The full demo takes 20-35 s to build, so it is built once per backend per test run and
shared by every consumer, including the pytest-xdist workers of the run:

SQLite: built into a file in a directory shared by the workers of the run (guarded by
an exclusive ``flock``); each consumer gets its own copy.

PostGIS: built once into a database named after a hash of the code that decides its
content (``gazetteer/**`` and the seed), guarded by ``pg_advisory_lock`` on the admin
connection; each consumer gets ``CREATE DATABASE ... TEMPLATE`` of it. The build goes
into a work database renamed only once complete, so the template is never half-built.
The template is dropped when the pytest process (each xdist worker) that used it ends;
a worker that still needs it afterwards rebuilds it under the same lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from gazetteer.demo import build_demo
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings

SEED = Settings().demo_seed
PACKAGE = Path(__file__).resolve().parents[1] / "gazetteer"
# one key for every pytest process that builds the PostGIS demo template
_LOCK_KEY = 0x6A7A_6465_6D6F  # "jzdemo"


@cache
def content_key() -> str:
    """Hash of the seed and every file of the gazetteer package (code, data, migrations)."""
    digest = hashlib.sha256(str(SEED).encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by the pytest-xdist workers of this run (per run, not across)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo-cache"
    shared.mkdir(parents=True, exist_ok=True)
    return shared


def sqlite_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's SQLite demo file, built on first use. Read it or copy it; never write it."""
    shared = _shared_dir(tmp_path_factory)
    cached = shared / f"demo-{SEED}.sqlite"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not cached.exists():
                work = shared / f"building-{uuid.uuid4().hex[:8]}.sqlite"
                engine = create_engine_from_settings(Settings(database_url=f"sqlite:///{work}"))
                build_demo(engine, seed=SEED)
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                engine.dispose()
                work.rename(cached)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return cached


def postgis_demo_template_name() -> str:
    return f"gz_demo_tmpl_{content_key()}"


def _exists(conn: Connection, name: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    return found.first() is not None


def clone_postgis_demo(request: pytest.FixtureRequest, name: str) -> None:
    """Create database ``name`` as a copy of the demo template (built first if absent)."""
    from tests.conftest import _pg_admin, _pg_url

    tmpl = postgis_demo_template_name()
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                # a builder holds the lock for its whole build: any work database seen
                # while we hold it was left by a run that was killed mid-build
                stale = conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE 'gz_demo_build_%'")
                ).scalars()
                for old in list(stale):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
                if not _exists(conn, tmpl):
                    migrated: str = request.getfixturevalue("postgis_template")
                    work = f"gz_demo_build_{uuid.uuid4().hex[:10]}"
                    conn.execute(text(f'CREATE DATABASE "{work}" TEMPLATE "{migrated}"'))
                    try:
                        engine = create_engine_from_settings(Settings(database_url=_pg_url(work)))
                        try:
                            build_demo(engine, seed=SEED)
                        finally:
                            engine.dispose()
                        conn.execute(text(f'ALTER DATABASE "{work}" RENAME TO "{tmpl}"'))
                    except BaseException:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{work}" WITH (FORCE)'))
                        raise
                # FILE_COPY: one checkpoint and a file copy, much faster than WAL_LOG for
                # a database of this size
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}" STRATEGY FILE_COPY'))
                _used_here.add(tmpl)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    finally:
        admin.dispose()


_used_here: set[str] = set()


def drop_postgis_demo_templates() -> None:
    """Drop the demo template(s) this process used (at the end of its session)."""
    if not _used_here:
        return
    from tests.conftest import _pg_admin

    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                for tmpl in sorted(_used_here):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{tmpl}" WITH (FORCE)'))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    finally:
        admin.dispose()
        _used_here.clear()


def demo_database(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings for a private copy of the demo database on ``backend``."""
    if backend == "sqlite":
        cached = sqlite_demo_file(tmp_path_factory)
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
        shutil.copyfile(cached, path)
        yield Settings(database_url=f"sqlite:///{path}")
        return

    from tests.conftest import _pg_admin, _pg_url

    name = f"gz_demo_{uuid.uuid4().hex[:10]}"
    clone_postgis_demo(request, name)
    yield Settings(database_url=_pg_url(name))
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
