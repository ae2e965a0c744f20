"""The replicated PostgreSQL of these tests: one real primary and hot standby per session
(per xdist worker: the tests of this folder stay on one worker, ``tests/conftest.py``).

They never skip under CI: without PostgreSQL's binaries they skip locally with the
PostGIS prefix, which ``pytest_sessionfinish`` turns into a failure under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import POSTGIS_SKIP_PREFIX
from tests.replication.cluster import Cluster, make_cluster, missing


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    why = missing()
    if why:
        pytest.skip(f"{POSTGIS_SKIP_PREFIX}: {why}")
    made = make_cluster()
    try:
        yield made
    finally:
        made.destroy()
