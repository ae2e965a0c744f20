"""Backups restore: ``deploy/backup/pg-dump.sh`` dumps a seeded database of the test
cluster's primary and ``deploy/backup/restore-check.sh`` restores it into a new database
and checks every table's rows, PostGIS and the schema version (the scripts as shipped)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from gazetteer.storage import tables as t
from tests.builder import Builder
from tests.datasets.grid_city import seed
from tests.replication.cluster import Cluster

pytestmark = pytest.mark.postgis

BACKUP = Path(__file__).resolve().parents[2] / "deploy" / "backup"


def test_a_dump_restores_with_every_row(cluster: Cluster, tmp_path: Path) -> None:
    admin = create_engine(
        cluster.url(cluster.primary_port, "postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "backup_src"'))
    try:
        engine = create_engine_from_settings(
            Settings(database_url=cluster.url(cluster.primary_port, "backup_src"))
        )
        upgrade(engine)
        seed(engine)
        with Builder.writing(engine) as b:
            for i, name in enumerate(("环翠区", "刘公岛", "成山头", "威海卫", "鸡鸣岛")):
                b.place(name, keys=True, id=100 + i)
        with engine.connect() as conn:
            places = conn.execute(select(func.count()).select_from(t.places)).scalar_one()
            edges = conn.execute(select(func.count()).select_from(t.network_edges)).scalar_one()
        engine.dispose()
        assert places > 0 and edges > 0
        env = {
            **os.environ,
            "PGHOST": "127.0.0.1",
            "PGPORT": str(cluster.primary_port),
            "PGUSER": "postgres",
        }
        dumped = subprocess.run(
            [BACKUP / "pg-dump.sh", "backup_src", tmp_path],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        dump = Path(dumped.stdout.strip().splitlines()[-1])
        assert dump.is_file() and dump.name.startswith("backup_src-")
        checked = subprocess.run(
            [BACKUP / "restore-check.sh", dump],
            env={**env, "SCRATCH": "backup_restored", "KEEP": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "restore-check: OK" in checked.stdout
        assert f"public.places {places}" not in checked.stdout  # no diff printed
        restored = create_engine(cluster.url(cluster.primary_port, "backup_restored"))
        with restored.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == places
            same = conn.execute(
                text("SELECT bool_and(ST_IsValid(geom)) FROM network_edges")
            ).scalar_one()
            assert same
        restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "backup_src" WITH (FORCE)'))
            conn.execute(text('DROP DATABASE IF EXISTS "backup_restored" WITH (FORCE)'))
        admin.dispose()
