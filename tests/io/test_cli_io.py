"""The import/export CLI through subprocesses: messages, exit codes, and a killed import."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
from sqlalchemy import Engine, func, select

from gazetteer.io.export import csv_header
from gazetteer.io.layers import NETWORK_EDGES
from gazetteer.settings import Settings
from gazetteer.storage import tables as t
from tests.datasets.exchange import write_sample


def _run(settings: Settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GAZETTEER_DATABASE_URL=settings.database_url)
    return subprocess.run(
        [sys.executable, "-m", "gazetteer.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_cli_export_and_import(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    write_sample(engine)
    out = tmp_path / "g.gpkg"
    r = _run(settings, "export", "--format", "gpkg", "--layer", "all", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "places: 4" in r.stdout and out.exists()
    r = _run(settings, "export", "-f", "shp", "-l", "places", "-o", str(tmp_path / "shp"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "shp" / "places_point.cpg").exists()

    # importing the same file again: every row is a duplicate; report, exit 1, nothing written
    r = _run(settings, "import", str(out), "--layer", "facilities")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "第 1 行 (row 1) | facilities | id" in r.stderr
    assert "nothing was written" in r.stderr

    r = _run(settings, "import", str(out), "--layer", "facilities", "--dry-run", "--skip-invalid")
    assert r.returncode == 0, r.stderr
    assert "dry run" in r.stdout


def test_cli_bad_input_gives_messages_not_tracebacks(settings: Settings, tmp_path: Path) -> None:
    cases = [
        ("import", str(tmp_path / "nope.gpkg")),
        ("import", "admin", str(tmp_path / "nope.csv")),
        ("import", "admin"),
        ("export", "--format", "shp", "--out", str(tmp_path / "x.shp")),
        ("export", "--format", "csv", "--layer", "nosuchlayer", "--out", str(tmp_path)),
        ("import", str(tmp_path), "--format", "gpkg"),
    ]
    for args in cases:
        r = _run(settings, *args)
        assert r.returncode != 0, args
        assert "Traceback" not in r.stderr, (args, r.stderr)
        assert "错误 (error)" in r.stderr, (args, r.stderr)
    r = _run(settings, "export", "--format", "kml", "--out", str(tmp_path))
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_killed_import_leaves_the_database_as_it_was(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    write_sample(engine)
    before = {tb.name: _count(engine, tb) for tb in (t.places, t.network_nodes, t.network_edges)}
    path = tmp_path / "network_edges.csv"
    n = 30000
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(csv_header(NETWORK_EDGES))
        for i in range(n):
            x = 122.0 + (i % 300) * 0.0005
            y = 37.3 + (i // 300) * 0.0005
            w.writerow(
                [
                    "",
                    100 + i,
                    100 + i + 1,
                    "residential",
                    "44.1",
                    "",
                    "false",
                    "",
                    f"LINESTRING ({x} {y}, {x + 0.0005} {y})",
                ]
            )
    env = dict(os.environ, GAZETTEER_DATABASE_URL=settings.database_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gazetteer.cli", "import", str(path)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 240
    while b"(writing) network_edges" not in seen:
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, f"import ended before writing: {seen.decode(errors='replace')[-2000:]}"
        seen += chunk
        assert time.monotonic() < deadline
    time.sleep(0.3)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    engine.dispose()
    after = {tb.name: _count(engine, tb) for tb in (t.places, t.network_nodes, t.network_edges)}
    assert after == before

    # and the database is usable: the same import then succeeds in full
    r = _run(settings, "import", str(path), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    assert _count(engine, t.network_edges) == before["network_edges"] + n
