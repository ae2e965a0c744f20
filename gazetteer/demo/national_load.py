"""Loading the synthetic national data set (:mod:`gazetteer.demo.national`) in bulk.

Two phases on PostgreSQL, as Nominatim imports and then indexes:

1. *Load*, one write transaction: the classification if missing, the administrative
   frame, then the places through :func:`gazetteer.storage.bulk.places_load` -- the files
   go to ``COPY … FROM STDIN (FORMAT csv)`` as they are, a megabyte at a time, with no
   Python work per row, into ``places`` with its secondary indexes, search triggers and
   constraints set aside; then the rows are checked (foreign keys, unique codes) and the
   transaction commits the rows with the list of build steps still to run
   (``pending_build_steps``). The files are the generator's own, so rows are not
   validated one by one here (``gazetteer import`` is the validating path); the
   database's constraints still hold: unknown categories or area codes, duplicate codes
   or bad geometry fail the load, and a failed load stores nothing.
2. *Index*: :func:`gazetteer.storage.bulk.build_pending` runs the steps (search n-grams,
   aliases, the indexes, statistics), each in its own transaction that also deletes it,
   independent ones side by side on ``jobs`` connections (default 2).
   Interrupted, it resumes with ``gazetteer national index``; until it is done the
   database is not ready (``/readyz`` answers 503) and further bulk loads are refused.

On SQLite everything is one transaction as before (prepared statements, spatial indexes
built once after the rows).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table

from gazetteer.demo.national import ADMIN_COLUMNS, NULL, PLACE_COLUMNS
from gazetteer.storage import bulk
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import is_sqlite, write_transaction

CHUNK_BYTES = 1 << 20
SQLITE_BATCH = 20_000


@dataclass(slots=True)
class LoadReport:
    """What a load wrote and how long each part took (seconds)."""

    areas: int = 0
    places: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        """Places per second until searchable: their rows, checks, indexes and search
        structures (not the frame)."""
        total = sum(self.seconds.get(k, 0.0) for k in ("rows", "checks", "index"))
        return self.places / total if total else 0.0


def count_rows(path: Path) -> int:
    """Data rows of a CSV file written by the generator (no newline inside a field)."""
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def copy_csv(conn: Connection, table: str, columns: Sequence[str], path: Path) -> None:
    r"""``COPY table (columns) FROM`` the CSV file (header, ``\N`` for NULL), streamed
    (PostgreSQL)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    sql = (
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, HEADER true, NULL '{NULL}')"
    )
    with raw.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            copy.write(chunk)


def _sqlite_rows(path: Path, table: Table) -> Iterator[list[list[Any]]]:
    """The CSV's rows as SQLite takes them, ``SQLITE_BATCH`` at a time."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        stamps = [i for i, c in enumerate(header) if c in ("created_at", "updated_at")]
        batch: list[list[Any]] = []
        for row in reader:
            values: list[Any] = [None if v == NULL else v for v in row]
            for i in stamps:
                values[i] = datetime.fromisoformat(values[i])
            batch.append(values)
            if len(batch) >= SQLITE_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _load(conn: Connection, table: Table, columns: Sequence[str], path: Path) -> None:
    geometry = [c for c in columns if c in ("geom", "point", "centre")]
    if is_sqlite(conn):
        for batch in _sqlite_rows(path, table):
            bulk.insert_rows(conn, table, columns, batch, geometry_columns=geometry)
    else:
        copy_csv(conn, table.name, columns, path)


def load_national(
    engine: Engine, folder: Path, *, index: bool = True, jobs: int = bulk.BUILD_JOBS
) -> LoadReport:
    """Load ``admin_areas.csv`` and ``places.csv`` of ``folder`` (module docstring);
    ``index=False`` stops after the load phase (run :func:`index_national` later);
    ``jobs``: connections of the indexing phase.
    Seconds: ``frame``, ``rows`` (the COPY), ``checks`` (constraints of the rows and what
    SQLite builds in the transaction), ``index`` (the indexing phase)."""
    admin, places = folder / "admin_areas.csv", folder / "places.csv"
    report = LoadReport(areas=count_rows(admin), places=count_rows(places))
    with write_transaction(engine) as conn:
        started = time.perf_counter()
        repo.ensure_categories(conn)
        _load(conn, t.admin_areas, ADMIN_COLUMNS, admin)
        report.seconds["frame"] = time.perf_counter() - started
        with bulk.places_load(conn, report.places, [], build_later=True):
            started = time.perf_counter()
            _load(conn, t.places, PLACE_COLUMNS, places)
            report.seconds["rows"] = time.perf_counter() - started
            started = time.perf_counter()
        report.seconds["checks"] = time.perf_counter() - started
    if index:
        report.seconds["index"] = index_national(engine, jobs)
    return report


def index_national(engine: Engine, jobs: int = bulk.BUILD_JOBS) -> float:
    """The indexing phase: run the build steps a load left (none: nothing to do) on
    ``jobs`` connections; seconds."""
    return bulk.build_pending(engine, jobs)[1]


__all__ = ["LoadReport", "copy_csv", "count_rows", "index_national", "load_national"]
