"""Schemathesis against the whole app's ``/openapi.json`` on a real server: no 5xx.

Every operation present in the app gets a bounded number of generated requests
(``MAX_EXAMPLES``); the server runs on a private copy of the demo database (SQLite).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis

from gazetteer.settings import Settings
from gazetteer.storage import sqlite_path
from tests.api.conformance import server_errors
from tests.server import live_server

MAX_EXAMPLES = 30

pytestmark = pytest.mark.slow


@pytest.fixture
def app_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    """A private copy of the SQLite demo (writes by generated requests stay here)."""
    src = sqlite_path(demo_settings.database_url)
    assert src is not None
    dst = tmp_path / "demo-copy.sqlite"
    shutil.copyfile(src, dst)
    return demo_settings.model_copy(update={"database_url": f"sqlite:///{dst}"})


@pytest.mark.parametrize("demo_settings", ["sqlite"], indirect=True)
def test_no_server_errors(app_settings: Settings) -> None:
    with live_server(app_settings, workers=1) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations, failures = server_errors(schema, base, MAX_EXAMPLES)
        assert len(operations) >= 8, "the app's schema lists too few operations"
        assert not failures, "\n\n".join(failures)
