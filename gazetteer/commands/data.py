"""CLI commands for the data area (filled in by that area)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """No commands yet."""
