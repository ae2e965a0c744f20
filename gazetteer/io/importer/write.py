"""Writing the accepted rows of each layer (explicit ids kept, new ones after them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Table, insert

from gazetteer.io.importer.report import ProgressSink
from gazetteer.io.importer.validators import Prepared
from gazetteer.model import Place
from gazetteer.storage import bulk
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import is_sqlite, reset_id_sequence
from gazetteer.storage.geometry import to_db
from gazetteer.text import pinyin_key
from gazetteer.types import SRID, utc_now

WRITE_BATCH = 1000
BULK_BATCH = 20_000  # rows per executemany on SQLite (progress and memory)
COPY_CHUNK = 5_000  # rows made at a time inside PostgreSQL's COPY


def _insert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], progress: ProgressSink
) -> None:
    """Insert rows with explicit ids first, then the rest (new ids follow the largest)."""
    with_id = [r for r in rows if r.get("id") is not None]
    without = [r for r in rows if r.get("id") is None]
    for r in without:
        r.pop("id", None)
    for group in (with_id, without):
        for i in range(0, len(group), WRITE_BATCH):
            chunk = group[i : i + WRITE_BATCH]
            conn.execute(insert(table), chunk)
            progress.advance(len(chunk))
        if group is with_id and with_id and "id" in table.c:
            reset_id_sequence(conn, table)


def _insert_places(
    conn: Connection, items: list[Place], keys: list[tuple[str, str]], progress: ProgressSink
) -> None:
    """Places in bulk (COPY / one prepared statement; geometries as EWKT): an import of a
    census export writes 100,000 of them. On PostgreSQL the rows are made chunk by chunk
    inside one ``COPY``, so the server stores a chunk while the next one is made."""
    stamp = utc_now()
    names = list(repo.place_values(items[0], stamp=stamp)) if items else []
    explicit = [p.id for p in items if p.id is not None]
    sqlite = is_sqlite(conn)
    with bulk.places_load(conn, len(items), explicit):
        for with_id in (True, False):
            idx = [i for i, p in enumerate(items) if (p.id is not None) == with_id]
            cols = (["id"] if with_id else []) + names + ["geom", "point"]
            size = BULK_BATCH if sqlite else COPY_CHUNK
            chunks = _place_rows(items, keys, idx, with_id, stamp, size, progress)
            if sqlite:
                for chunk in chunks:
                    bulk.insert_rows(conn, t.places, cols, chunk, geometry_columns=_GEOMETRIES)
            elif idx:
                bulk.copy_rows(conn, t.places, cols, (r for chunk in chunks for r in chunk))
            if with_id and idx:
                reset_id_sequence(conn, t.places)


_GEOMETRIES = ("geom", "point")


def _place_rows(
    items: list[Place],
    keys: list[tuple[str, str]],
    idx: list[int],
    with_id: bool,
    stamp: datetime,
    size: int,
    progress: ProgressSink,
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``items[idx]`` in chunks of ``size`` (values in the columns'
    order, then the geometries as EWKT); progress advances as each chunk is taken."""
    for start in range(0, len(idx), size):
        part = [items[i] for i in idx[start : start + size]]
        geoms = bulk.ewkt([p.geometry for p in part])
        points = bulk.ewkt([repo.place_point(p) for p in part])
        rows = []
        for i, p, g, pt in zip(idx[start : start + size], part, geoms, points, strict=True):
            v = repo.place_values(p, pinyin_key=keys[i][0], initials=keys[i][1], stamp=stamp)
            rows.append(((p.id,) if with_id else ()) + tuple(v.values()) + (g, pt))
        yield rows
        progress.advance(len(rows))


def _ewkt(geometries: Sequence[BaseGeometry]) -> list[str]:
    """EWKT for many geometries at once (full precision); the geometry columns accept it
    on both backends and it skips the per-row WKB round trip of the column type."""
    texts = shapely.to_wkt(list(geometries), rounding_precision=-1)
    return [f"SRID={SRID};{text}" for text in texts]


def _with_id(row: dict[str, Any], item_id: int | None) -> dict[str, Any]:
    row["id"] = item_id
    return row


def write_layer(conn: Connection, prepared: Prepared, progress: ProgressSink) -> int:
    """Write one layer's accepted rows; returns how many."""
    name = prepared.spec.name
    items = prepared.items
    progress.start(f"写入 (writing) {name}", len(items))
    if name == "admin_areas":
        ordered = sorted(items, key=lambda a: (int(a.level), a.code))
        _insert(conn, t.admin_areas, [repo.admin_row(a) for a in ordered], progress)
    elif name == "places":
        repo.ensure_categories(conn)
        _insert_places(conn, items, prepared.extra, progress)
    elif name == "roads":
        repo.insert_roads(conn, items)
        progress.advance(len(items))
    elif name == "compounds":
        repo.insert_compounds(conn, items)
        progress.advance(len(items))
    elif name == "place_history":
        rows = []
        for h, snapshot in zip(items, prepared.extra, strict=True):
            row = _with_id(repo.history_row(h, pinyin_key=pinyin_key(h.name)), h.id)
            row["snapshot"] = snapshot
            rows.append(row)
        _insert(conn, t.place_history, rows, progress)
    elif name == "built_up_areas":
        rows = [
            {"id": a.id, "name": a.name, "county_code": a.county_code, "geom": to_db(a.geometry)}
            for a in items
        ]
        _insert(conn, t.built_up_areas, rows, progress)
    elif name == "facilities":
        _insert(conn, t.facilities, [_with_id(repo.facility_row(f), f.id) for f in items], progress)
    elif name == "demand_points":
        _insert(
            conn, t.demand_points, [_with_id(repo.demand_row(d), d.id) for d in items], progress
        )
    elif name == "network_nodes":
        texts = _ewkt([n.point for n in items])
        _insert(
            conn,
            t.network_nodes,
            [{"id": n.id, "geom": g} for n, g in zip(items, texts, strict=True)],
            progress,
        )
    elif name == "network_edges":
        if prepared.extra:
            texts = _ewkt([n.point for n in prepared.extra])
            conn.execute(
                insert(t.network_nodes),
                [{"id": n.id, "geom": g} for n, g in zip(prepared.extra, texts, strict=True)],
            )
        texts = _ewkt([e.geometry for e in items])
        rows = [
            {
                "id": e.id,
                "source": e.source,
                "target": e.target,
                "road_class": str(e.road_class),
                "length_m": e.length_m,
                "speed_kmh": e.speed_kmh,
                "oneway": e.oneway,
                "name": e.name,
                "geom": g,
            }
            for e, g in zip(items, texts, strict=True)
        ]
        _insert(conn, t.network_edges, rows, progress)
    progress.done()
    return len(items)


__all__ = ["WRITE_BATCH", "write_layer"]
