"""The road network: nodes and edges."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, delete, select

from gazetteer.model import NetworkEdge, NetworkNode, RoadClass
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.storage.repository.rows import from_row, insert_many


def insert_network(
    conn: Connection, nodes: Iterable[NetworkNode], edges: Iterable[NetworkEdge]
) -> tuple[int, int]:
    n = insert_many(conn, t.network_nodes, ({"id": x.id, "geom": to_db(x.point)} for x in nodes))
    e = insert_many(
        conn,
        t.network_edges,
        (
            {
                "source": x.source,
                "target": x.target,
                "road_class": str(x.road_class),
                "length_m": x.length_m,
                "speed_kmh": x.speed_kmh,
                "oneway": x.oneway,
                "name": x.name,
                "geom": to_db(x.geometry),
            }
            for x in edges
        ),
    )
    return n, e


def iter_network_edges(conn: Connection) -> Iterator[NetworkEdge]:
    for r in conn.execute(select(t.network_edges).order_by(t.network_edges.c.id)):
        m = r._mapping
        g = from_db(m["geom"])
        assert g is not None
        yield from_row(
            NetworkEdge,
            r,
            road_class=RoadClass(m["road_class"]),
            oneway=bool(m["oneway"]),
            geometry=g,
        )


def clear_network(conn: Connection) -> None:
    conn.execute(delete(t.network_edges))
    conn.execute(delete(t.network_nodes))


__all__ = ["clear_network", "insert_network", "iter_network_edges"]
