"""The read routing's parts without a cluster: settings, WAL positions, which requests need
the primary, the choice among standbys, the lag, error kinds; SpatiaLite unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg.errors as pg_errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from api.main import create_app
from api.routing import needs_primary, written_lsn
from gazetteer.settings import Settings
from gazetteer.storage import create_read_engines
from gazetteer.storage.engine import database_key, engine_url
from gazetteer.storage.replicas import (
    DOWN,
    LAGGING,
    UP,
    ReplicaSet,
    failure_kind,
    format_lsn,
    parse_lsn,
)


def test_read_urls_come_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "GAZETTEER_READ_DATABASE_URLS", "postgresql://r1/gz, postgresql+psycopg://r2/gz,"
    )
    assert Settings().read_database_urls == ["postgresql://r1/gz", "postgresql+psycopg://r2/gz"]
    monkeypatch.delenv("GAZETTEER_READ_DATABASE_URLS")
    assert Settings().read_database_urls == []


def test_replicas_need_a_postgresql_primary() -> None:
    from gazetteer.errors import StorageUnavailable

    with pytest.raises(StorageUnavailable, match="PostgreSQL"):
        create_read_engines(
            Settings(database_url="sqlite:///x.sqlite", read_database_urls=["postgresql://r/gz"])
        )
    with pytest.raises(StorageUnavailable, match="PostgreSQL"):
        create_read_engines(
            Settings(database_url="postgresql://p/gz", read_database_urls=["sqlite:///r.sqlite"])
        )


def test_wal_positions_round_trip() -> None:
    assert parse_lsn("0/3000000") == 0x3000000
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    assert written_lsn({"gz_wlsn": "16b374d848"}) == 0x16B374D848
    assert written_lsn({"gz_wlsn": "not-hex"}) is None
    assert written_lsn({}) is None


def _scope(
    method: str, path: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "headers": list(headers)}


def test_writes_staff_and_credentials_go_to_the_primary() -> None:
    assert not needs_primary(_scope("GET", "/api/v1/search"), {})
    assert not needs_primary(_scope("HEAD", "/api/v1/places/1"), {"gz_wlsn": "1"})
    assert not needs_primary(_scope("GET", "/staffing"), {})
    assert needs_primary(_scope("POST", "/api/v1/naming/check"), {})
    assert needs_primary(_scope("GET", "/staff"), {})
    assert needs_primary(_scope("GET", "/staff/cases/3"), {})
    assert needs_primary(_scope("GET", "/api/v1/places/1"), {"gz_session": "x"})
    auth = ((b"authorization", b"Bearer t"),)
    assert needs_primary(_scope("GET", "/api/v1/places/1", auth), {})


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[list[Engine]]:
    made = [create_engine(f"sqlite:///{tmp_path}/{name}.sqlite") for name in ("p", "r1", "r2")]
    yield made
    for e in made:
        e.dispose()


def test_round_robin_over_healthy_standbys_that_have_the_write(engines: list[Engine]) -> None:
    primary, r1, r2 = engines
    rs = ReplicaSet(primary, [r1, r2], max_lag_s=5)
    # caches keyed by database treat the standbys as their primary; the states name each
    assert database_key(r1) == database_key(r2) == database_key(primary)
    assert [s.name for s in rs.states()] == [engine_url(e) for e in (primary, r1, r2)]
    rs._set(primary, state=UP, lsn=100)
    rs._set(r1, state=UP, lsn=100)
    rs._set(r2, state=UP, lsn=90)
    assert {rs.read_engine() for _ in range(4)} == {r1, r2}
    # a client that wrote at 100 reads from the standby that has replayed it
    assert {rs.read_engine(after_lsn=100) for _ in range(4)} == {r1}
    # ... or from the primary when none has
    assert rs.read_engine(after_lsn=101) is primary
    # a standby out of the rotation (down or lagging) is not chosen
    rs.report_failure(r1)
    rs._set(r2, state=LAGGING)
    assert rs.read_engine() is primary
    # the primary down: any standby that answers, even behind
    rs._set(primary, state=DOWN)
    assert rs.read_engine(after_lsn=100) is r2
    assert rs.read_engine(avoid=r2) is primary  # nothing else: the request will say 503
    assert [s.role for s in rs.states()] == ["primary", "replica", "replica"]
    assert rs.readable()
    rs._set(r2, state=DOWN)
    assert not rs.readable()
    rs.close()


def test_lag_is_the_age_of_the_oldest_wal_not_replayed(engines: list[Engine]) -> None:
    primary, r1, _ = engines
    rs = ReplicaSet(primary, [r1])
    rs._history.extend([(10.0, 100), (11.0, 200), (12.0, 300)])
    assert rs._behind(300, now=12.5) == 0.0  # has everything
    assert rs._behind(250, now=12.5) == 0.5  # lacks what the primary wrote at 12.0
    assert rs._behind(150, now=12.5) == 1.5
    assert rs._behind(50, now=12.5) == 2.5
    rs.close()


def test_error_kinds() -> None:
    def wrap(orig: Exception) -> OperationalError:
        return OperationalError("SELECT 1", {}, orig)

    assert failure_kind(wrap(pg_errors.AdminShutdown("terminating connection"))) == "unreachable"
    assert failure_kind(wrap(pg_errors.OperationalError("connection refused"))) == "unreachable"
    assert failure_kind(wrap(pg_errors.ReadOnlySqlTransaction("read-only"))) == "read_only"
    conflict = pg_errors.SerializationFailure("canceling statement due to conflict with recovery")
    assert failure_kind(wrap(conflict)) == "recovery_conflict"
    assert failure_kind(wrap(pg_errors.SerializationFailure("could not serialize"))) is None
    assert failure_kind(ProgrammingError("x", {}, pg_errors.UndefinedTable("no table"))) is None
    assert failure_kind(wrap(sqlite3.OperationalError("no such table: x"))) is None
    assert failure_kind(ValueError("x")) is None


def test_spatialite_has_no_standbys_and_is_ready(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/db.sqlite")
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz")
        assert health.status_code == 200 and "databases" not in health.json()
        assert "x-gazetteer-database" not in health.headers
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
