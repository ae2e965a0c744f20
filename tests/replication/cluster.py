"""A real PostgreSQL primary and hot standby on loopback ports, for tests and benchmarks.

Debian's PostgreSQL 15 binaries (``initdb``, ``pg_ctl``, ``pg_basebackup``) run as the
``postgres`` OS user (``runuser`` when the caller is root, as the test suite is) in a
temporary folder that user owns. The primary has ``wal_level=replica``; the standby is a
``pg_basebackup -R`` copy (streaming replication, ``hot_standby``). PostGIS and the schema
are made on the primary before the copy, so the standby has them from the start; later
changes arrive by replication only.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from tests.server import free_port

PG_BIN = Path(os.environ.get("GAZETTEER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
DBNAME = "gazetteer"

PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
wal_retrieve_retry_interval = 200ms
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 100
log_min_messages = warning
"""


def missing() -> str | None:
    """Why a cluster cannot be made here (None when it can)."""
    for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} not found (apt-get install postgresql-15)"
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return f"no {OS_USER} OS user"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != OS_USER:
        return f"must run as root or as {OS_USER} to start PostgreSQL clusters"
    return None


def _as_postgres(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(c) for c in cmd]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", OS_USER, "--", *argv]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr or done.stdout}")
    return done


@dataclass
class Cluster:
    """A primary and one hot standby in ``root`` (see the module docstring)."""

    root: Path
    primary_port: int = field(default_factory=free_port)
    standby_port: int = field(default_factory=free_port)

    @property
    def primary_dir(self) -> Path:
        return self.root / "primary"

    @property
    def standby_dir(self) -> Path:
        return self.root / "standby"

    def url(self, port: int, dbname: str = DBNAME) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{dbname}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def _pg_ctl(self, data: Path, action: str, *extra: str) -> None:
        log = self.root / f"{data.name}.log"
        _as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            data,
            "-l",
            log,
            "-w",
            "-t",
            "60",
            action,
            *extra,
            cwd=self.root,
        )

    def start_primary(self) -> None:
        self._pg_ctl(self.primary_dir, "start")

    def stop_primary(self) -> None:
        self._pg_ctl(self.primary_dir, "stop", "-m", "fast")

    def start_standby(self) -> None:
        self._pg_ctl(self.standby_dir, "start")

    def stop_standby(self) -> None:
        self._pg_ctl(self.standby_dir, "stop", "-m", "fast")

    def _new_data_dir(self, data: Path, conf: str, tool: str, options: tuple[str, ...]) -> None:
        """``tool`` (initdb or pg_basebackup) writes the data folder ``data`` as the postgres
        user, without fsync; then ``conf`` is appended to its postgresql.conf."""
        _as_postgres(PG_BIN / tool, "-D", data, "-U", OS_USER, *options, "--no-sync", cwd=self.root)
        with (data / "postgresql.conf").open("a") as f:
            f.write(conf)

    def create(self) -> None:
        """initdb, the primary's settings, PostGIS and the schema, then the standby."""
        self._new_data_dir(
            self.primary_dir,
            PRIMARY_CONF.format(port=self.primary_port, sockets=self.root),
            "initdb",
            ("--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
        )
        with (self.primary_dir / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.start_primary()
        admin = create_engine(self.url(self.primary_port, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{DBNAME}"'))
        admin.dispose()
        engine = create_engine_from_settings(Settings(database_url=self.primary_url))
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        upgrade(engine)
        engine.dispose()
        self._new_data_dir(
            self.standby_dir,
            f"port = {self.standby_port}\n",
            "pg_basebackup",
            ("-h", "127.0.0.1", "-p", str(self.primary_port), "-R", "-X", "stream", "-c", "fast"),
        )
        self.start_standby()
        self.wait_until_streaming()

    def wait_until_streaming(self, timeout_s: float = 30) -> None:
        """Until the primary sees its standby streaming."""
        engine = create_engine(self.url(self.primary_port, "postgres"))
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                with engine.connect() as conn:
                    n = conn.execute(
                        text("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                    ).scalar_one()
                if n:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby does not stream")
                time.sleep(0.1)
        finally:
            engine.dispose()

    def destroy(self) -> None:
        for data in (self.standby_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    self._pg_ctl(data, "stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def make_cluster() -> Cluster:
    """A running primary and standby in a new temporary folder owned by ``postgres``."""
    root = Path(tempfile.mkdtemp(prefix="gz-repl-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    primary = free_port()
    standby = free_port()
    while standby == primary:
        standby = free_port()
    cluster = Cluster(root, primary, standby)
    try:
        cluster.create()
    except BaseException:
        cluster.destroy()
        raise
    return cluster


__all__ = ["Cluster", "make_cluster", "missing"]
