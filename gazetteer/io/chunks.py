"""A large GDAL layer read a chunk at a time, for an import written while it is read.

:func:`table_chunks` gives a single shapefile's or a GeoPackage layer's features as
:class:`~gazetteer.io.sources.RawTable` chunks: every geometry first (so that the
coordinate system is told from all of them, as for a whole read), then the attributes of
a chunk of features at a time, by feature id (GDAL's ``skip_features`` counts the deleted
records of a shapefile's ``.dbf``). :mod:`.read` makes the chunks into source rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gazetteer.errors import InvalidInput

from .layers import LayerSpec
from .sources import RawTable, frame_table, gdal_frame, gdal_layers, shp_files
from .textenc import shapefile_encoding

# (features, field names): read in chunks? (no names: the count alone is being judged)
Usable = Callable[[int, list[str]], bool]


def _gdal_chunks(
    path: Path, layer: str | None, source: str, size: int, usable: Usable, **kw: Any
) -> tuple[RawTable, Iterator[RawTable]] | None:
    """A GDAL layer read a chunk at a time (a large import written while it is read):
    first every geometry (the coordinate system is told from all of them, as for a whole
    read), then ``size`` features' attributes at a time (by feature id) as the chunks are
    taken. The first table has the headers, the CRS, the row numbers and the geometries
    of all features, and no columns. ``None`` when ``usable`` says no to the layer's size
    and fields, or when some feature has no geometry (its position may then come from
    lon/lat or WKT columns): read it whole."""
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer, encoding=kw.get("encoding"))
    except Exception:  # unreadable: the whole read reports it
        return None
    if not usable(int(info["features"]), [str(f) for f in info["fields"]]):
        return None

    def read(**more: Any) -> Any:
        return gdal_frame(path, layer, source, fid_as_index=True, **kw, **more)

    frame = read(columns=[])
    head = frame_table(frame, source, [])
    geometries = head.geometries
    if not len(head) or geometries is None or any(g is None for g in geometries):
        return None
    # by feature id, not skip_features: GDAL's shapefile driver counts the deleted
    # records of a .dbf when it skips, so a chunk after one would repeat a feature
    fids = frame.index.to_numpy()

    def table(start: int) -> RawTable:
        wanted = fids[start : start + size]
        part = read(read_geometry=False, fids=wanted)
        if not np.array_equal(part.index.to_numpy(), wanted):
            raise InvalidInput(f"{source}: 要素编号不一致 (features changed while reading)")
        return RawTable(
            source,
            [str(c) for c in part.columns],
            [part[c].tolist() for c in part.columns],
            list(range(start + 1, start + len(part) + 1)),
            geometries[start : start + len(part)],
            None,
            head.crs,
        )

    first = table(0)
    head.headers = first.headers

    def chunks() -> Iterator[RawTable]:
        yield first
        for start in range(size, len(head), size):
            yield table(start)

    return head, chunks()


def _large(shp: Path, usable: Usable) -> bool:
    """Whether the shapefile has features enough for ``usable``, counted without its
    encoding (its field names are told apart once the encoding is known)."""
    import pyogrio

    try:  # latin-1 decodes any byte: only the count is wanted here
        features = int(pyogrio.read_info(shp, encoding="latin-1")["features"])
    except Exception:  # unreadable: the whole read reports it
        return False
    return usable(features, [])


def table_chunks(
    path: Path, fmt: str, spec: LayerSpec, *, encoding: str | None, size: int, usable: Usable
) -> tuple[RawTable, Iterator[RawTable]] | None:
    """The layer of ``spec`` as chunks of ``size`` features (:func:`_gdal_chunks`), for a
    single shapefile or a GeoPackage's layer; ``None`` for other sources (read whole)."""
    if fmt == "shp":
        files = shp_files(path, spec) if path.exists() else []
        if len(files) != 1:
            return None
        shp = files[0]
        if not _large(shp, usable):  # a small file: not even the encoding's pass twice
            return None
        codec, how = shapefile_encoding(shp, encoding=encoding, layer=spec.name)
        found = _gdal_chunks(shp, None, shp.name, size, usable, encoding=codec)
        if found is not None:
            found[0].notes.append(f"{shp.name}: 编码 encoding {codec} ({how})")
        return found
    if fmt == "gpkg" and path.is_file() and spec.name in gdal_layers(path):
        return _gdal_chunks(path, spec.name, f"{path.name}:{spec.name}", size, usable)
    return None


__all__ = ["Usable", "table_chunks"]
