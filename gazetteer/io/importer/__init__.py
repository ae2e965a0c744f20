"""Import exchange files into the database, validating every row, all or nothing.

The whole import is one write transaction: either every layer of the file is written, or
nothing is (a failed or killed import leaves the database as it was; SQLite rolls the
journal back on the next open, PostgreSQL aborts the transaction of a dead connection).

Each row is checked before anything is written: required fields, types, known category
and administrative codes, duplicate codes/ids within the file and against the database,
geometry present, valid, of the layer's type and inside the administrative area it
claims (the nearest enclosing area that has a polygon, with a tolerance of
``TOLERANCE_DEG``; without any polygon, inside ``CITY_EXTENT``). Errors name the row, the
field and the problem (Chinese + English). With ``skip_invalid`` the good rows are
written and the rest reported; otherwise :class:`~gazetteer.errors.ImportFailed` carries
the row errors (``details``: a list of ``{"row", "layer", "field", "problem", "source"}``).

A large places layer without ids is written to PostgreSQL while it is checked (a writer
thread copies each accepted chunk; :class:`~gazetteer.io.importer.write.PlaceStream`),
still in the one transaction.

Rows that carry an ``id`` keep it (so an export imported into an empty database gives the
same data, links between layers included); rows without one get a new id.

Modules: ``report`` (row errors, the report, progress), ``parse`` (cells to values),
``context`` (what the database holds), ``validators`` (one per layer), ``write``; the
entry points :func:`import_file` and :func:`import_rows` are here.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.io.importer.context import CITY_EXTENT, TOLERANCE_DEG, Context
from gazetteer.io.importer.parse import parse_value
from gazetteer.io.importer.report import ImportReport, NoProgress, ProgressSink, RowError
from gazetteer.io.importer.validators import Prepared, validate_layer
from gazetteer.io.importer.write import PlaceStream, write_layer
from gazetteer.io.layers import LayerSpec
from gazetteer.io.read import (
    Rows,
    detect_format,
    read_layer,
    read_options,
    resolve_import_layers,
)
from gazetteer.io.sources import opened
from gazetteer.storage import bulk
from gazetteer.storage.dialect import write_transaction


class _DryRun(Exception):
    """Rolls a dry run's transaction back."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a large import -- for the *process owner*.

    An import holds every row of the file until it commits: a few million small
    containers (rows, values, domain objects), none of them in a reference cycle. Each
    full collection walks all of them and frees nothing; on 100,000 places they took a
    quarter of the importer's CPU time. Reference counting still frees everything, and the
    collector's previous state is restored afterwards.

    The collector is process-wide, so :func:`import_file` and :func:`import_rows` never
    touch it themselves (a server importing on one thread must not change how every other
    thread's memory is managed): the command line's ``gazetteer import`` wraps its call in
    this, as the API wraps the search index's build (``api.caches``).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_rows(
    engine: Engine,
    sources: Sequence[tuple[LayerSpec, Rows]],
    *,
    report: ImportReport,
    skip_invalid: bool = False,
    progress: ProgressSink | None = None,
) -> ImportReport:
    """Validate and write already-read rows of several layers in one transaction."""
    sink: ProgressSink = progress or NoProgress()
    try:
        with write_transaction(engine) as conn:
            ctx = Context(conn)
            prepared: list[Prepared] = []
            stream = None
            if len(sources) == 1 and PlaceStream.wanted(conn, *sources[0]):
                # written while checked (PostgreSQL): the server works on one chunk
                # while the next is checked; a refusal below rolls it all back
                stream = PlaceStream(conn, len(sources[0][1]))
                stream.start()
            try:
                for spec, rows in sources:
                    flush = stream.feed if stream is not None else None
                    out, errors = validate_layer(ctx, spec, rows, sink, flush)
                    prepared.append(out)
                    report.errors.extend(errors)
                    report.rejected[spec.name] = len(rows) - len(out.items)
                if report.errors and not skip_invalid:
                    raise ImportFailed(
                        f"导入失败，{len(report.errors)} 行有错误，未写入任何数据 "
                        f"(import failed: {len(report.errors)} invalid rows; nothing was written)",
                        details=[e.as_dict() for e in report.errors],
                    )
            except BaseException:
                if stream is not None:
                    stream.close(None, sink)
                raise
            for out in prepared:
                if stream is not None:
                    report.written[out.spec.name] = stream.close(out, sink)
                else:
                    report.written[out.spec.name] = write_layer(conn, out, sink)
            if report.dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return report


def import_file(
    engine: Engine,
    path: Path,
    *,
    fmt: str | None = None,
    layers: list[str] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressSink | None = None,
    encoding: str | None = None,
    mapping: Path | None = None,
    crs: str | None = None,
    from_gcj02: bool = False,
) -> ImportReport:
    """Import the layers of ``path`` (all it holds unless ``layers`` names some).

    ``encoding`` forces the text encoding, ``mapping`` adds a column-mapping table,
    ``crs`` forces the coordinate system, ``from_gcj02`` converts GCJ-02 coordinates
    (see :mod:`gazetteer.io.read`).
    """
    path = Path(path)
    fmt = detect_format(path, fmt)
    options = read_options(
        engine, encoding=encoding, mapping=mapping, crs=crs, from_gcj02=from_gcj02
    )
    with opened(path, fmt) as (real, real_fmt):
        fmt = real_fmt or fmt
        specs = resolve_import_layers(real, fmt, layers)
        if not specs:
            raise InvalidInput(f"文件中没有可导入的图层 (no gazetteer layers found in {path.name})")
        report = ImportReport(path=path, format=fmt, dry_run=dry_run)
        # a large places file into PostgreSQL is read while its first rows are written
        # (PlaceStream, the only writer that takes rows before all are checked): the rows
        # come a chunk at a time, taken inside this block
        chunked = engine.dialect.name == "postgresql" and [s.name for s in specs] == ["places"]
        sources: list[tuple[LayerSpec, Rows]] = []
        for spec in specs:
            part = read_layer(
                real, fmt, spec, options, chunked_from=bulk.DEFER_MIN if chunked else None
            )
            report.notes.extend(part.notes)
            sources.append((spec, part.rows))
        return import_rows(
            engine, sources, report=report, skip_invalid=skip_invalid, progress=progress
        )


__all__ = [
    "CITY_EXTENT",
    "TOLERANCE_DEG",
    "ImportReport",
    "ProgressSink",
    "RowError",
    "import_file",
    "import_rows",
    "parse_value",
]
