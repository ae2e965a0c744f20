"""Every per-process cache of the library, made once and handed down.

The library keeps no cache in module globals: each cache is an object, and a process
makes one :class:`Caches` where it starts -- the API in its lifespan (after tipg's
``main.py``), a CLI command once per run -- and passes its parts to the use cases
(``cache=``, ``service=``, ``references=``). A use case given none works from a private,
empty one, so library calls never share state behind the caller's back.

Each cache is derived from the database and keyed by a data version read from the data
itself (:mod:`gazetteer.storage.versions`), so several processes over one database stay
consistent without talking to each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from gazetteer.cartography.labels import LabelCache
from gazetteer.cartography.sheet_cache import SheetCache, sheet_cache_for
from gazetteer.coverage.data import CoverageCache
from gazetteer.naming.reference import ReferenceCache
from gazetteer.ogc.tiles import TileCache
from gazetteer.search.index import load_index
from gazetteer.search.memory import MemoryIndex
from gazetteer.services.search import SearchService
from gazetteer.settings import Settings


@dataclass
class Caches:
    """The caches of one process."""

    search: SearchService  # the in-memory name index (and the strategy choice)
    coverage: CoverageCache  # road graphs, snapped demand, facility baselines
    naming: ReferenceCache  # word lists, built-up areas, admin areas of the name check
    sheets: SheetCache  # rendered map sheets on disk, the render pool, the sheet index
    tiles: TileCache  # encoded vector tiles of the OGC collections
    labels: LabelCache = field(default_factory=LabelCache)  # map label placement per version

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        build_index: Callable[[Connection], MemoryIndex] = load_index,
    ) -> Caches:
        """The caches for ``settings`` (``build_index``: how the search index is read;
        the API passes one that tunes the garbage collector for a long-lived index)."""
        return cls(
            search=SearchService(
                build=build_index, memory_max_names=settings.search_memory_max_names
            ),
            coverage=CoverageCache(),
            naming=ReferenceCache(),
            sheets=sheet_cache_for(
                settings.cache_dir,
                max_mb=settings.cache_max_mb,
                max_renders=settings.sheet_render_limit,
            ),
            tiles=TileCache(),
        )

    def close(self) -> None:
        """Stop the threads the caches own (the sheet render pool)."""
        self.sheets.close()


__all__ = ["Caches"]
