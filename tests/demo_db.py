"""Building (or reusing) the demo database for the ``demo_settings`` fixture.

SQLite: the demo is built once per seed into a file shared by the pytest-xdist workers
of the session (guarded by an exclusive ``flock``); each worker copies it. PostGIS: one database per
session is cloned from the migrated template and the demo is built into it; it is dropped
at the end.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from gazetteer.demo import build_demo
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings

SEED = Settings().demo_seed


def demo_database(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    if backend == "sqlite":
        # one directory per test session, shared by the pytest-xdist workers of that session
        base = tmp_path_factory.getbasetemp()
        shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo-cache"
        shared.mkdir(parents=True, exist_ok=True)
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
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
        shutil.copyfile(cached, path)
        yield Settings(database_url=f"sqlite:///{path}")
        return

    from tests.conftest import _pg_admin, _pg_url

    tmpl: str = request.getfixturevalue("postgis_template")
    name = f"gz_demo_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"'))
    settings = Settings(database_url=_pg_url(name))
    engine = create_engine_from_settings(settings)
    try:
        build_demo(engine, seed=SEED)
    finally:
        engine.dispose()
    yield settings
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
