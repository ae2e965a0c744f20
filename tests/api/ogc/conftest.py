"""The OGC data set (``tests/datasets/ogc_sample.py``) on both backends, served by a real
uvicorn process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gazetteer.settings import Settings
from tests.conftest import new_database_settings
from tests.datasets.ogc_sample import build_dataset
from tests.server import live_server


@dataclass(frozen=True)
class OgcSite:
    settings: Settings
    base: str  # http://127.0.0.1:PORT
    backend: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def ogc_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OgcSite]:
    """The small dataset on each backend behind a live server."""
    backend = str(request.param)
    tmp: Path = tmp_path_factory.mktemp(f"ogc-{backend}")
    gen = new_database_settings(backend, request, tmp)
    settings = next(gen)
    try:
        build_dataset(settings)
        with live_server(settings) as base:
            yield OgcSite(settings=settings, base=base, backend=backend)
    finally:
        gen.close()  # type: ignore[attr-defined]
