"""The API process's caches: made once in the app's lifespan (:func:`api.main.create_app`)
and handed to the routes through ``api.deps``.

* the library's caches (:class:`gazetteer.services.caches.Caches`: search index, coverage,
  naming reference data, map sheets);
* :class:`LayerCache`: encoded GeoJSON layers of the map pages, an HTTP-level cache;
* the search index is built with the garbage collector tuned for it
  (:func:`load_index_for_server`) and warmed up in the background as the server starts.

Process-wide settings such as the collector's belong to the process, so they are made
here and not inside a library call.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine

from gazetteer.cartography import layers
from gazetteer.cartography.labels import LabelCache
from gazetteer.search.index import load_index
from gazetteer.search.memory import MemoryIndex
from gazetteer.services.search import SearchService
from gazetteer.storage.memo import Throttled

log = logging.getLogger("api.caches")
T = TypeVar("T")


def load_index_for_server(conn: Connection) -> MemoryIndex:
    """:func:`~gazetteer.search.index.load_index` for a long-lived server process.

    The cyclic garbage collector is paused meanwhile: the build allocates hundreds of
    thousands of small containers and none of them forms a cycle, so repeated collections
    would only cost time (several-fold on this step). Afterwards the heap is frozen
    (``gc.freeze``) so that full collections skip the index: without this, every full
    collection walks its million objects and stalls a query for ~10 ms. The index holds no
    reference cycles, so a replaced index is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        index = load_index(conn)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return index


def _warm_up(
    engine: Engine, fill: Callable[[Connection], object], *, name: str, failed: str
) -> None:
    """Fill a cache with ``fill`` in a background thread; a failure is only logged."""

    def run() -> None:
        try:
            with engine.connect() as conn:
                fill(conn)
        except Exception:  # a cache warm-up must never take the server down
            log.warning(failed)

    threading.Thread(target=run, name=name, daemon=True).start()


def warm_up_search(engine: Engine, service: SearchService) -> None:
    """Build the search index in the background as the server starts, so the first
    searches do not wait for it."""
    _warm_up(
        engine,
        service.index,
        name="search-index-warm-up",
        failed="search index warm-up failed; it is built on the first search instead",
    )


def warm_up_labels(engine: Engine, cache: LabelCache) -> None:
    """Place the public map's labels in the background as the server starts (about a
    second per 17,000 names), so the first visitor's names do not wait for it."""
    _warm_up(
        engine,
        cache.get,
        name="map-labels-warm-up",
        failed="map label warm-up failed; labels are placed on the first request instead",
    )


@dataclass(frozen=True, slots=True)
class EncodedLayer:
    """A GeoJSON layer as sent: the body, gzip-compressed, and its ETag."""

    raw: bytes
    gz: bytes
    etag: str


class LayerCache:
    """Encoded GeoJSON layers of one app, reused while their data version is unchanged.

    The layers behind the public map (16,845 names, 54,000 road edges on the demo) cost
    up to a second to read and encode; they change rarely, and a cheap version query
    (:func:`gazetteer.storage.versions.layer_version`) tells when. Per process, so several
    API instances stay independent (each builds its own copy once).
    """

    def __init__(self, max_items: int = 64, version_ttl_s: float = 1.0) -> None:
        self._items: dict[tuple[str, ...], tuple[str, EncodedLayer]] = {}
        self._values: dict[tuple[str, ...], tuple[str, object]] = {}
        self._lock = threading.Lock()
        self._max = max_items
        self._versions: Throttled[tuple[str, str]] = Throttled(version_ttl_s)

    def version(self, conn: Connection, layer: str) -> str:
        """The data version of ``layer`` (:func:`gazetteer.cartography.layers.version`:
        counts and maxima, ~0.3 s over a million names), read at most once per
        ``version_ttl_s`` per database; while one request reads it, the others take the
        last value read."""
        db = conn.engine.url.render_as_string(hide_password=True)
        return self._versions.get((db, layer), lambda: layers.version(conn, layer))

    def value(self, key: tuple[str, ...], version: str, build: Callable[[], T]) -> T:
        """Any value derived from the data (the legend's counts), kept while ``version``
        is unchanged."""
        with self._lock:
            hit = self._values.get(key)
        if hit is not None and hit[0] == version:
            return cast(T, hit[1])
        got = build()
        with self._lock:
            if len(self._values) >= self._max:
                self._values.pop(next(iter(self._values)))
            self._values[key] = (version, got)
        return got

    def get(
        self, key: tuple[str, ...], version: str, build: Callable[[], dict[str, Any]]
    ) -> EncodedLayer:
        """The layer under ``key`` at ``version``, built and encoded when missing."""
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        raw = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        digest = hashlib.sha256(raw).hexdigest()[:20]
        layer = EncodedLayer(raw, gzip.compress(raw, compresslevel=6), f'"{digest}"')
        with self._lock:
            if len(self._items) >= self._max:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (version, layer)
        return layer


__all__ = [
    "EncodedLayer",
    "LayerCache",
    "load_index_for_server",
    "warm_up_labels",
    "warm_up_search",
]
