"""Loading the road graph from the database, with a cache keyed by the dataset version.

The API stays stateless: any instance can rebuild the graph from the database, and the
cache is only an optimisation keyed by ``(database, version)`` where the version is read
from the data itself (edge and node counts and maximum ids), so a changed network is
picked up on the next request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, Join, func, select, true

from gazetteer.errors import InvalidInput
from gazetteer.network.graph import RoadGraph, graph_from_arrays
from gazetteer.storage import tables as t

CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, str], RoadGraph] = OrderedDict()
_cache_lock = threading.Lock()


def network_version_from() -> Join:
    """The fingerprint's aggregates as a join of one-row derived tables (five columns), so
    callers can read it in the same statement as other fingerprints (format the row with
    :func:`format_network_version`)."""
    e = t.network_edges
    n = t.network_nodes
    edges = select(
        func.count().label("ec"),
        func.max(e.c.id).label("emax"),
        func.sum(e.c.length_m).label("elen"),
    ).subquery("nv_e")
    nodes = select(func.count().label("nc"), func.max(n.c.id).label("nmax")).subquery("nv_n")
    return edges.join(nodes, true())


def format_network_version(ec: Any, emax: Any, elen: Any, nc: Any, nmax: Any) -> str:
    return f"e{ec}:{emax}:{round(float(elen or 0), 1)}/n{nc}:{nmax}"


def network_version(conn: Connection) -> str:
    """A cheap fingerprint of the stored network (one statement)."""
    return format_network_version(*conn.execute(select(network_version_from())).one())


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


def _engine_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def cached_graph(
    engine: Engine, conn: Connection | None = None, *, version: str | None = None
) -> RoadGraph:
    """The graph of ``engine``'s database, loaded once per network version (``version``:
    the :func:`network_version` the caller has just read, to save the query)."""
    if conn is None:
        with engine.connect() as c:
            return cached_graph(engine, c, version=version)
    if version is None:
        version = network_version(conn)
    key = (_engine_key(engine), version)
    with _cache_lock:
        graph = _cache.get(key)
        if graph is not None:
            _cache.move_to_end(key)
            return graph
    graph = load_graph(conn, version=version)
    with _cache_lock:
        _cache[key] = graph
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return graph


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


__all__ = [
    "cached_graph",
    "clear_cache",
    "format_network_version",
    "load_graph",
    "network_version",
    "network_version_from",
]
