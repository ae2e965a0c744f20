"""Tables of the coverage area, on the shared metadata."""

from __future__ import annotations

from gazetteer.storage.tables import metadata

__all__ = ["metadata"]
