"""The CLI turns bad input into a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gazetteer.settings import Settings


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gazetteer.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_unmigrated_database_is_explained(tmp_path: Path) -> None:
    res = run_cli("--database-url", f"sqlite:///{tmp_path / 'empty.sqlite'}", "stats")
    assert res.returncode == 1
    assert "gazetteer migrate" in res.stderr
    assert "Traceback" not in res.stderr


def test_unreachable_database_is_explained() -> None:
    res = run_cli("--database-url", "postgresql+psycopg://postgres@127.0.0.1:1/none", "stats")
    assert res.returncode == 1
    assert "数据库错误" in res.stderr and "Traceback" not in res.stderr


def test_unsupported_url_is_explained() -> None:
    res = run_cli("--database-url", "mysql://x@localhost/y", "stats")
    assert res.returncode == 1
    assert "unsupported database URL" in res.stderr


def test_migrate_then_stats_on_empty_database(settings: Settings) -> None:
    assert run_cli("--database-url", settings.database_url, "migrate").returncode == 0
    res = run_cli("--database-url", settings.database_url, "stats", "--json")
    assert res.returncode == 0, res.stderr
    stats = json.loads(res.stdout)
    assert stats["names"] == 0 and stats["network_edges"] == 0


def test_a_closed_output_pipe_ends_quietly(settings: Settings) -> None:
    """``gazetteer … | head``: when the reader has gone the command stops with the status a
    shell gives a tool ended by the pipe (141), not a traceback."""
    assert run_cli("--database-url", settings.database_url, "migrate").returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: every write fails with EPIPE
    try:
        command = ["stats", "--json"]
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "gazetteer.cli",
                "--database-url",
                settings.database_url,
                *command,
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert res.returncode == 141, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr
