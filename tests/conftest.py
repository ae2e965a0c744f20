"""Shared fixtures: the same tests run on SpatiaLite and on PostGIS.

``backend`` is parametrised over ``sqlite`` and ``postgis``. PostGIS tests connect to
``GAZETTEER_TEST_POSTGRES_URL`` (default: postgres on 127.0.0.1:5432, trust auth) and each
test gets a fresh database cloned from a migrated template. Without a PostGIS server
the PostGIS cases skip locally with the reason; under ``CI=true`` any skip of a PostGIS
test fails the run (see ``pytest_sessionfinish``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from tests.server import live_server

PG_ADMIN_URL = os.environ.get(
    "GAZETTEER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WEIHAI_DATA = SHARED / "data" / "weihai"
POSTGIS_SKIP_PREFIX = "PostGIS unavailable"


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def _pg_admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    """A migrated template database; yields its name or skips with the reason."""
    name = f"gz_tmpl_{uuid.uuid4().hex[:10]}"
    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            available = conn.execute(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
            ).scalar_one()
            if not available:
                pytest.skip(f"{POSTGIS_SKIP_PREFIX}: the postgis extension is not installed")
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except pytest.skip.Exception:
        raise
    except Exception as exc:
        pytest.skip(f"{POSTGIS_SKIP_PREFIX}: {exc.__class__.__name__}: {exc}")
    engine = create_engine_from_settings(Settings(database_url=_pg_url(name)))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.sqlite"
    engine = create_engine_from_settings(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def empty_site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over HTTP on an empty database, one per module: for what does not depend on
    data (the API document, the documentation pages)."""
    db = tmp_path_factory.mktemp("empty") / "db.sqlite"
    shutil.copyfile(sqlite_template, db)
    with live_server(Settings(database_url=f"sqlite:///{db}")) as url:
        yield url


def new_database_settings(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Settings]:
    """Settings pointing at a fresh, migrated, empty database of ``backend``."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copyfile(template, path)
        yield Settings(database_url=f"sqlite:///{path}")
        return
    tmpl: str = request.getfixturevalue("postgis_template")
    name = f"gz_t_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"'))
    try:
        yield Settings(database_url=_pg_url(name))
    finally:  # also when the caller closes the generator instead of exhausting it
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_with_engine(databases: Iterator[Settings]) -> Iterator[tuple[Settings, Engine]]:
    """The settings of the database ``databases`` yields (:func:`new_database_settings`,
    ``tests.demo_db.demo_database``) with an engine on it; after, the engine is disposed and
    the generator's cleanup runs (a PostGIS database is dropped)."""
    settings = next(databases)
    engine = create_engine_from_settings(settings)
    try:
        yield settings, engine
    finally:
        engine.dispose()
        next(databases, None)


BACKENDS = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_per_module(request: pytest.FixtureRequest) -> str:
    """``backend`` for a module whose fixtures start one server per backend (a start costs
    seconds): the module sets ``backend = backend_per_module``, so ``settings``/``engine``
    follow it too, and the parameter puts each backend's tests in one xdist group
    (``GROUPED`` below)."""
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated, empty database on each backend."""
    yield from new_database_settings(backend, request, tmp_path)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = create_engine_from_settings(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def weihai_data() -> Path:
    if not WEIHAI_DATA.is_dir():
        pytest.skip(f"reference data not present at {WEIHAI_DATA}")
    return WEIHAI_DATA


@pytest.fixture(scope="session", autouse=True)
def _cache_dir_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Derived files (rendered sheets) of every app, server and CLI the tests start go to a
    temporary folder, not the checkout's ``var/cache`` (the default); a test that needs a
    cache of its own still passes ``cache_dir``."""
    if "GAZETTEER_CACHE_DIR" in os.environ:
        yield
        return
    os.environ["GAZETTEER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    try:
        yield
    finally:
        os.environ.pop("GAZETTEER_CACHE_DIR", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a skipped PostGIS test is a failure: PostGIS must really be exercised."""
    from tests.demo_db import drop_postgis_demo_templates

    drop_postgis_demo_templates()
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = [
        r
        for r in reporter.stats.get("skipped", [])
        if POSTGIS_SKIP_PREFIX in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        reporter.write_line(
            f"CI: {len(skipped)} PostGIS test(s) skipped; PostGIS must run in CI", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# The slowest tests first (nodeid prefixes, in this order): with pytest-xdist the workers
# then finish together instead of one running a minute-long test alone at the end.
RUN_FIRST = (
    "tests/io/test_demo_export.py::test_demo_round_trips_through_geojson[postgis]",
    "tests/api/test_schemathesis.py",
    "tests/demo/test_demo.py::test_cli_builds_the_same_data_from_the_same_seed",
    "tests/io/test_demo_export.py",
    "tests/browser/",
    "tests/demo/test_demo.py",
    "tests/naming/test_audit_log.py::test_demo_force_replaces_a_database_whose_log_has_entries",
    "tests/api/ogc/test_ogc_demo.py",
    "tests/api/test_naming_api.py",
    "tests/io/test_cli_io.py",
)
# Modules whose module- or session-scoped fixtures start a server or load a dataset: their
# tests stay together on one xdist worker (per backend) so those fixtures are set up once.
GROUPED = (
    "tests/browser/",
    "tests/api/ogc/test_ogc_api.py",
    "tests/ogc/test_ogc_parts.py",
    "tests/api/test_search_api.py",
    "tests/api/test_coverage_api.py",
    "tests/api/test_facilities_api.py",
    "tests/api/test_naming_api.py",
    "tests/replication/",
)
BACKEND_FIXTURES = ("backend", "demo_settings", "ogc_site", "base_url")


def _rank(item: pytest.Item) -> int:
    for i, prefix in enumerate(RUN_FIRST):
        if item.nodeid.startswith(prefix):
            return i
    return len(RUN_FIRST)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    # before the other hooks: xdist reads the xdist_group marks in its own
    for item in items:
        group = next((g for g in GROUPED if item.nodeid.startswith(g)), None)
        if group is None:
            continue
        params = getattr(item, "callspec", None)
        backend = next(
            (
                str(params.params[f])
                for f in BACKEND_FIXTURES
                if params is not None and f in params.params
            ),
            "",
        )
        item.add_marker(pytest.mark.xdist_group(f"{group}{backend}"))
    yield
    # after the others: pytest's grouping by parametrised fixtures is kept within a rank
    items.sort(key=_rank)


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def demo_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A database holding the full Weihai demo (built once per backend per session).

    Read-only: tests that change data use ``settings``/``engine`` instead.
    """
    from tests.demo_db import demo_database

    yield from demo_database(str(request.param), request, tmp_path_factory)
