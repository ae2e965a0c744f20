"""The deterministic Weihai demo dataset (being built)."""

from __future__ import annotations

from typing import Any

from gazetteer.errors import GazetteerError
from gazetteer.settings import Settings


def ensure_demo(settings: Settings, *, seed: int | None, force: bool, progress: bool) -> Any:
    raise GazetteerError("the demo builder is not available yet")
