"""Loading the road graph from the database, and the cache of loaded graphs.

The API stays stateless: any instance can rebuild the graph from the database, and the
cache (:class:`GraphCache`) is only an optimisation keyed by ``(database, version)`` where
the version is read from the data itself (:func:`gazetteer.storage.versions.network_version`:
edge and node counts, maximum ids, total length), so a changed network is picked up on
the next request.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from gazetteer.errors import InvalidInput
from gazetteer.network.graph import RoadGraph, graph_from_arrays
from gazetteer.storage import tables as t
from gazetteer.storage.engine import database_key
from gazetteer.storage.memo import Memo
from gazetteer.storage.versions import network_version

CACHE_SIZE = 4


def load_graph(conn: Connection, *, version: str | None = None) -> RoadGraph:
    """Read ``network_nodes``/``network_edges`` into a :class:`RoadGraph`."""
    n = t.network_nodes
    e = t.network_edges
    nodes = conn.execute(
        select(n.c.id, func.ST_X(n.c.geom), func.ST_Y(n.c.geom)).order_by(n.c.id)
    ).all()
    if not nodes:
        raise InvalidInput(
            "数据库中没有路网 (the database holds no road network); import one with "
            "`gazetteer network import FILE` or build the demo with `gazetteer demo`"
        )
    node_arr = np.array([tuple(r) for r in nodes], dtype=float)
    rows = conn.execute(
        select(
            e.c.id,
            e.c.source,
            e.c.target,
            e.c.road_class,
            e.c.length_m,
            e.c.speed_kmh,
            e.c.oneway,
            func.ST_AsBinary(e.c.geom),
        ).order_by(e.c.id)
    ).all()
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(8)]
    wkb = [bytes(b) for b in cols[7]]
    geoms = shapely.from_wkb(wkb) if wkb else np.zeros(0, dtype=object)
    return graph_from_arrays(
        node_ids=node_arr[:, 0].astype(np.int64),
        node_lonlat=node_arr[:, 1:3],
        edge_ids=np.array(cols[0], dtype=np.int64),
        edge_source=np.array(cols[1], dtype=np.int64),
        edge_target=np.array(cols[2], dtype=np.int64),
        edge_class=[str(c) for c in cols[3]],
        edge_length_m=np.array(cols[4], dtype=float),
        edge_speed_kmh=np.array([np.nan if s is None else s for s in cols[5]], dtype=float),
        edge_oneway=np.array([bool(x) for x in cols[6]], dtype=bool),
        edge_geoms_lonlat=np.asarray(geoms, dtype=object),
        version=version or "",
    )


class GraphCache:
    """Road graphs by (database, network version), the most recent ``size`` kept.

    One per process, made where the process starts (the API's lifespan, a CLI command)
    and handed to the code that loads graphs; a changed network gives a new version, so
    the next call loads the new graph."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._graphs: Memo[tuple[str, str], RoadGraph] = Memo(size)

    def get(self, conn: Connection, *, version: str | None = None) -> RoadGraph:
        """The graph of ``conn``'s database (``version``: the network version the caller
        has just read, to save the query)."""
        seen = network_version(conn) if version is None else version
        return self._graphs.get_or_make(
            (database_key(conn.engine), seen), lambda: load_graph(conn, version=seen)
        )

    def clear(self) -> None:
        self._graphs.clear()


__all__ = ["GraphCache", "load_graph"]
