"""Writing the accepted rows of each layer (explicit ids kept, new ones after them)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Table, func, insert, select

from gazetteer.io.importer.report import ProgressSink
from gazetteer.io.importer.validators import Prepared
from gazetteer.io.layers import LayerSpec
from gazetteer.io.read import RowChunks, Rows
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
    progress: ProgressSink | None = None,
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
        if progress is not None:
            progress.advance(len(rows))


class PlaceStream:
    """A large places layer written while it is checked (PostgreSQL).

    The validator hands over what it has accepted every few thousand rows
    (:func:`~gazetteer.io.importer.validators.validate_layer`'s ``flush``); a writer
    thread copies each chunk and, when the load sets the search structures aside
    (:func:`gazetteer.storage.bulk.places_load`), derives its n-grams, while Python
    checks the next chunk: the server's share of the import (parsing the ``COPY``,
    storing the rows, computing the n-grams) runs on the machine's other core. The
    connection is the import's own, used by the thread alone between :meth:`start` and
    :meth:`close` (the validators read nothing from the database). Everything stays in
    the import's transaction: a refused or killed import leaves nothing, as before.

    Only for a layer whose rows carry no ids (new ids follow in the order of the rows, as
    :func:`_insert_places` gives them).
    """

    def __init__(self, conn: Connection, expected: int) -> None:
        self.conn = conn
        self.expected = expected
        self.sent = 0
        self.written = 0
        self.error: BaseException | None = None
        self.stamp = utc_now()
        self.columns: list[str] = []
        self.chunks: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="place-stream", daemon=True)
        self.stopping = False  # the import failed: the thread writes nothing more
        self.load: AbstractContextManager[bool] | None = None
        self.deferred = False

    @staticmethod
    def wanted(conn: Connection, spec: LayerSpec, rows: Rows) -> bool:
        """A large places layer on PostgreSQL without ids (rows read in chunks have no
        id column)."""
        return (
            spec.name == "places"
            and not is_sqlite(conn)
            and len(rows) >= bulk.DEFER_MIN
            and (isinstance(rows, RowChunks) or all(r.values.get("id") in (None, "") for r in rows))
        )

    def start(self) -> None:
        repo.ensure_categories(self.conn)
        self.load = bulk.places_load(self.conn, self.expected, [], grams_streamed=True)
        self.deferred = self.load.__enter__()
        self.thread.start()

    def feed(self, out: Prepared) -> None:
        """Hand over what ``out`` accepted since the last call, as rows to copy (made
        here, so that the thread only waits on the server)."""
        if self.error is not None:
            raise self.error
        items, keys = out.items[self.sent :], out.extra[self.sent :]
        self.sent = len(out.items)
        if not items:
            return
        if not self.columns:
            self.columns = [*repo.place_values(items[0], stamp=self.stamp), "geom", "point"]
        idx = list(range(len(items)))
        for rows in _place_rows(items, keys, idx, False, self.stamp, len(items)):
            self.chunks.put(rows)

    def _run(self) -> None:
        while (job := self.chunks.get()) is not None:
            if self.error is None and not self.stopping:  # else drain (and write nothing)
                try:
                    self._write(job)
                except BaseException as exc:  # raised again in the main thread
                    self.error = exc

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        last = self.conn.execute(select(func.coalesce(func.max(t.places.c.id), 0))).scalar_one()
        bulk.copy_rows(self.conn, t.places, self.columns, rows)
        if self.deferred:
            bulk.grams_after(self.conn, int(last))
        self.written += len(rows)

    def close(self, out: Prepared | None, progress: ProgressSink) -> int:
        """Write the rest of ``out`` and finish the load (indexes, checks). With ``None``
        (the import failed) only stop the thread: the transaction is rolled back."""
        assert self.load is not None
        self.stopping = out is None
        try:
            if out is not None:
                progress.start(f"写入 (writing) {out.spec.name}", len(out.items))
                self.feed(out)
        finally:
            self.chunks.put(None)
            self.thread.join()
        failure = self.error or (None if out is not None else RuntimeError("import failed"))
        if failure is not None:  # places_load restores nothing: the rollback does
            self.load.__exit__(type(failure), failure, failure.__traceback__)
            if out is not None:
                raise failure
            return 0
        self.load.__exit__(None, None, None)
        progress.advance(self.written)
        progress.done()
        return self.written


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


__all__ = ["WRITE_BATCH", "PlaceStream", "write_layer"]
