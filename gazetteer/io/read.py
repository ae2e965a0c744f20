"""Reading exchange files into source rows: formats, columns, coordinates.

:mod:`.sources` opens a file as plain tables; :mod:`.mapping` says which column is which
field; :mod:`.crs` turns the coordinates into CGCS2000 longitude/latitude. This module
puts the three together into :class:`SourceRow` objects for the validator. Row numbers
are the ones a person sees: the sheet/line row for CSV and Excel (the header is row 1 in
our own files), the feature number (from 1) for the GDAL formats and GeoJSON.

Geometry comes from the file's geometry column (GDAL formats, GeoJSON), else a WKT column,
else ``lon``/``lat`` (degrees, also degrees-minutes-seconds), else ``x``/``y`` columns.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, select

from gazetteer.errors import InvalidInput
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db

from . import crs as crsmod
from .chunks import table_chunks
from .layers import LAYERS, LayerSpec, layer
from .mapping import (
    AdminNames,
    ColumnPlan,
    MappingTable,
    fits_layer,
    load_mapping,
    normalise_columns,
    plan_columns,
)
from .sources import (
    GDAL_FORMATS,
    RawTable,
    csv_headers,
    gdal_layers,
    geojson_name,
    read_tables,
    shp_files,
    xlsx_layer_guess,
    xlsx_sheets,
)
from .textenc import codec_name

CITY_EXTENT = (121.0, 36.5, 123.0, 37.9)  # Weihai with its islands, lon/lat
SUFFIX_FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "shp",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".kml": "kml",
    ".kmz": "kml",
    ".gdb": "gdb",
}
FORMAT_NAMES = ("geojson", "gpkg", "gdb", "shp", "csv", "xlsx", "kml")

Hint = Callable[[Callable[[float, float], bool]], str]


@dataclass(slots=True)
class SourceRow:
    """One row of a file: values by canonical field name, geometry, where it came from.

    ``problems`` are (field, message) pairs found while reading (an unknown area name,
    a code Excel turned into a number); ``hint`` names the likely cause when the point
    lands outside its area (see :func:`gazetteer.io.crs.diagnose`).
    """

    row: int
    values: dict[str, Any]
    geometry: BaseGeometry | None
    geometry_error: str | None = None
    source: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)
    hint: Hint | None = None


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read: forced encoding, user mapping, forced CRS, GCJ-02, the area."""

    encoding: str | None = None
    mapping: MappingTable | None = None
    crs: CRS | None = None
    from_gcj02: bool = False
    extent: tuple[float, float, float, float] = CITY_EXTENT
    admin: AdminNames | None = None


@dataclass(slots=True)
class RowChunks:
    """The rows of a large layer, made a chunk at a time as ``chunks`` is taken (once):
    a large import writes the first rows while the file's next ones are read."""

    total: int
    chunks: Iterator[list[SourceRow]]

    def __len__(self) -> int:
        return self.total


Rows = Sequence[SourceRow] | RowChunks


@dataclass(slots=True)
class LayerRead:
    rows: list[SourceRow] | RowChunks
    notes: list[str]


def read_options(
    engine: Engine,
    *,
    encoding: str | None = None,
    mapping: Path | None = None,
    crs: str | None = None,
    from_gcj02: bool = False,
) -> ReadOptions:
    """Options with what the database knows: area names (for name paths) and the extent
    the data must fall in (for telling zones and axes apart)."""
    a = t.admin_areas
    with engine.connect() as conn:
        rows = conn.execute(select(a.c.code, a.c.name, a.c.parent_code, a.c.level)).all()
        top = min((int(r.level) for r in rows), default=None)
        shapes = [from_db(g) for (g,) in conn.execute(select(a.c.geom).where(a.c.level == top))]
        boxes = [g.bounds for g in shapes if g is not None]
    extent = CITY_EXTENT
    if boxes:
        extent = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    if encoding is not None:
        codec_name(encoding)  # an unknown name is an error before anything is read
    return ReadOptions(
        encoding=encoding,
        mapping=load_mapping(Path(mapping)) if mapping is not None else None,
        crs=crsmod.parse_crs(crs) if crs else None,
        from_gcj02=from_gcj02,
        extent=extent,
        admin=AdminNames((r.code, r.name, r.parent_code) for r in rows),
    )


def detect_format(path: Path, fmt: str | None) -> str:
    if not path.exists():
        raise InvalidInput(f"文件不存在 (file not found): {path}")
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMAT_NAMES:
            raise InvalidInput(
                f"不支持的格式 (unsupported format): {fmt}; use {', '.join(FORMAT_NAMES)}"
            )
        return fmt
    if path.is_dir():
        if path.suffix.lower() == ".gdb":
            return "gdb"
        for pattern, found_fmt in (
            ("*.shp", "shp"),
            ("*.SHP", "shp"),
            ("*.geojson", "geojson"),
            ("*.csv", "csv"),
        ):
            if any(path.glob(pattern)):
                return found_fmt
        raise InvalidInput(
            f"文件夹中没有可导入的文件 (no .shp, .geojson or .csv files in folder): {path}"
        )
    name = path.name.lower()
    found = SUFFIX_FORMATS.get(path.suffix.lower())
    if name.endswith(".gdb.zip"):
        found = "gdb"
    if found is None:
        raise InvalidInput(
            f"无法识别的文件类型 (unknown file type) {path.name}; give --format "
            + "|".join(FORMAT_NAMES)
        )
    return found


# --- which layers a file holds ----------------------------------------------------------------


def _guess(headers: Sequence[Any]) -> list[LayerSpec]:
    found = [s for s in LAYERS if fits_layer(s, headers)]
    return found[:1] if len(found) > 1 and found[0].name == "places" else found


def _gdal_headers(path: Path, layer_name: str | None) -> list[str]:
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer_name)
    except Exception:  # unreadable: the read reports it
        return []
    return [str(f) for f in info["fields"]]


def layers_in(path: Path, fmt: str) -> list[LayerSpec]:
    """The gazetteer layers a file holds, from layer/sheet/file names or its columns."""
    if path.is_dir() and fmt in ("geojson", "csv"):
        found = []
        for spec in LAYERS:
            try:
                _folder_file(path, fmt, spec)
            except InvalidInput:
                continue
            found.append(spec)
        return found
    if fmt in ("gpkg", *GDAL_FORMATS):
        names = gdal_layers(path)
        present = set(names)
        named = [s for s in LAYERS if s.name in present or s.zh in present]
        if named or fmt == "gpkg":
            return named
        for n in names:
            guessed = _guess(_gdal_headers(path, n))
            if guessed:
                return guessed
        return _unknown(path)
    if fmt == "xlsx":
        sheets = set(xlsx_sheets(path))
        found = [s for s in LAYERS if s.zh in sheets or s.name in sheets]
        if found:
            return found
        guessed = xlsx_layer_guess(path, LAYERS)
        if guessed:
            return guessed[:1] if guessed[0].name == "places" else guessed
    if fmt == "shp" and path.is_dir():
        named = [s for s in LAYERS if any(p.stem.startswith(s.name) for p in shp_files(path, s))]
        if named:
            return named
        every = sorted(path.glob("*.shp"))
        if len(every) == 1:
            path = every[0]
    stem = path.stem
    if fmt == "geojson":
        stem = geojson_name(path) or stem
    for spec in LAYERS:
        if stem == spec.name or stem.startswith(spec.name + "_") or stem == spec.zh:
            return [spec]
    headers: list[str] = []
    if fmt == "shp" and path.is_file():
        headers = _gdal_headers(path, None)
    elif fmt == "csv" and path.is_file():
        headers = csv_headers(path, None)
    guessed = _guess(headers)
    if guessed:
        return guessed
    return _unknown(path)


def _unknown(path: Path) -> list[LayerSpec]:
    names = ", ".join(s.name for s in LAYERS)
    raise InvalidInput(
        f"无法判断图层，请用 --layer 指定 (cannot tell the layer of {path.name}; "
        f"give --layer, one of {names})"
    )


def resolve_import_layers(path: Path, fmt: str, names: list[str] | None) -> list[LayerSpec]:
    if not names or "all" in names:
        return layers_in(path, fmt)
    wanted = {layer(n).name for n in names}
    return [s for s in LAYERS if s.name in wanted]


def _folder_file(folder: Path, fmt: str, spec: LayerSpec) -> Path:
    for ext in (".geojson", ".json") if fmt == "geojson" else (".csv",):
        candidate = folder / f"{spec.name}{ext}"
        if candidate.exists():
            return candidate
    raise InvalidInput(f"文件夹中没有图层 {spec.name} (no file for layer {spec.name} in {folder})")


# --- values and geometry ----------------------------------------------------------------------


def _float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(str(value).strip().replace(",", ""))


@dataclass(slots=True)
class _Geo:
    geoms: list[BaseGeometry | None]
    errors: list[str | None]
    origin: list[tuple[float, float] | None]  # first vertex in file coordinates


def _table_geometry(table: RawTable, plan: ColumnPlan, values: list[dict[str, Any]]) -> _Geo:
    n = len(table)
    geoms: list[BaseGeometry | None] = [None] * n
    errors: list[str | None] = [None] * n
    if table.geometries is not None:
        geoms = list(table.geometries)
        if table.geometry_errors is not None:
            errors = list(table.geometry_errors)
    if plan.has("wkt"):
        for i, v in enumerate(values):
            text = v.get("wkt")
            if text is None or geoms[i] is not None:
                continue
            try:
                g = shapely.from_wkt(str(text))
                geoms[i] = None if g is None or g.is_empty else g
            except Exception as exc:  # shapely raises GEOSException subclasses
                errors[i] = f"WKT 无法解析 (cannot parse WKT): {str(exc)[:120]}"
    pairs = [("lon", "lat"), ("x", "y")]
    for a, b in pairs:
        if not (plan.has(a) and plan.has(b)):
            continue
        for i, v in enumerate(values):
            if geoms[i] is not None or errors[i] is not None:
                continue
            va, vb = v.get(a), v.get(b)
            if va is None or vb is None:
                continue
            try:
                if a == "lon":
                    x, y = crsmod.parse_degrees(va), crsmod.parse_degrees(vb)
                else:
                    x, y = _float(va), _float(vb)
            except (TypeError, ValueError) as exc:
                errors[i] = f"坐标不是数字 (coordinates not numeric): {va!r}, {vb!r} ({exc})"
                continue
            if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
                errors[i] = f"坐标不是数字 (coordinates not numeric): {va!r}, {vb!r}"
                continue
            geoms[i] = shapely.Point(x, y)
    origin: list[tuple[float, float] | None] = [None] * n
    arr = np.array(geoms, dtype=object)
    coords, index = shapely.get_coordinates(arr, return_index=True)
    if len(index):
        first = np.unique(index, return_index=True)
        for gi, ci in zip(first[0].tolist(), first[1].tolist(), strict=True):
            origin[gi] = (float(coords[ci, 0]), float(coords[ci, 1]))
    return _Geo(geoms, errors, origin)


def _is_identity(system: crsmod.CoordSystem) -> bool:
    return (
        system.kind == "degrees"
        and system.datum in ("cgcs2000", "wgs84")
        and not system.swapped
        and not system.from_gcj02
    )


def _convert(geo: _Geo, values: list[dict[str, Any]], system: crsmod.CoordSystem) -> None:
    """Geometries and lon/lat fields to CGCS2000 degrees, in place."""
    for v in values:  # degrees as offices write them (122°07′12.3″) -> numbers
        for key in ("lon", "lat"):
            if isinstance(v.get(key), str):
                with contextlib.suppress(ValueError):  # the validator reports the field
                    v[key] = crsmod.parse_degrees(v[key])
    if _is_identity(system):
        return

    def op(xy: Any) -> Any:
        lon, lat = system.to_lonlat(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    arr = np.array(geo.geoms, dtype=object)
    present = np.array([g is not None for g in geo.geoms], dtype=bool)
    if present.any():
        converted = shapely.transform(arr[present], op)
        for i, g in zip(np.flatnonzero(present).tolist(), converted, strict=True):
            geo.geoms[i] = g
    # the representative point of places (lon/lat fields) is in the file's system too
    idx = [i for i, v in enumerate(values) if v.get("lon") is not None and v.get("lat") is not None]
    if not idx:
        return
    xs, ys = [], []
    keep = []
    for i in idx:
        try:
            x = crsmod.parse_degrees(values[i]["lon"])
            y = crsmod.parse_degrees(values[i]["lat"])
        except ValueError:
            continue
        if x is None or y is None:
            continue
        if system.kind != "degrees" and abs(x) <= 180 and abs(y) <= 90:
            continue  # degree columns beside projected geometry: already lon/lat
        xs.append(x)
        ys.append(y)
        keep.append(i)
    if not keep:
        return
    lon, lat = system.to_lonlat(np.array(xs), np.array(ys))
    for i, lo, la in zip(keep, lon.tolist(), lat.tolist(), strict=True):
        values[i]["lon"], values[i]["lat"] = lo, la


def _system(geo: _Geo, table: RawTable, options: ReadOptions) -> crsmod.CoordSystem:
    if options.crs is not None:
        return crsmod.forced(options.crs, from_gcj02=options.from_gcj02)
    pts = [o for o in geo.origin if o is not None]
    xs = np.array([p[0] for p in pts], float)
    ys = np.array([p[1] for p in pts], float)
    declared = table.crs
    if declared is not None and declared.to_epsg() in (4490, 4326) and len(xs):
        # declared degrees: still check the axis order (tables written lat, lon)
        declared = None
    return crsmod.detect(
        xs, ys, declared=declared, extent=options.extent, from_gcj02=options.from_gcj02
    )


def _column_notes(table: RawTable, plan: ColumnPlan) -> list[str]:
    notes = list(table.notes)
    notes.append(f"{table.source}: 列的对应 (columns) →")
    notes.extend(f"    {line}" for line in plan.describe())
    return notes


def read_table_rows(
    table: RawTable, spec: LayerSpec, options: ReadOptions
) -> tuple[list[SourceRow], list[str]]:
    """Source rows of one table, with the notes ``--dry-run`` prints."""
    plan = plan_columns(spec, table.headers, options.mapping)
    notes = _column_notes(table, plan)
    rows, system, located = _source_rows(table, spec, options, plan)
    if located:
        notes.append(f"{table.source}: 坐标 (coordinates) {system.describe()}")
    return rows, notes


def _source_rows(
    table: RawTable,
    spec: LayerSpec,
    options: ReadOptions,
    plan: ColumnPlan,
    system: crsmod.CoordSystem | None = None,
) -> tuple[list[SourceRow], crsmod.CoordSystem, bool]:
    """The rows of ``table``, their coordinates converted from ``system`` (told from the
    table's values when not given); and whether any row has a position."""
    cols = plan.columns(table.columns, len(table))
    problems = normalise_columns(spec, cols, options.admin)
    keys = list(cols)
    values = [dict(zip(keys, row, strict=True)) for row in zip(*cols.values(), strict=True)]
    if not keys:
        values = [{} for _ in range(len(table))]
    geo = _table_geometry(table, plan, values)
    if system is None:
        system = _system(geo, table, options)
    _convert(geo, values, system)
    rows = [
        SourceRow(
            table.rows[i],
            v,
            geo.geoms[i],
            geo.errors[i],
            table.source,
            problems.get(i, []),
            None if origin is None else partial(_hint, system, origin),
        )
        for i, (v, origin) in enumerate(zip(values, geo.origin, strict=True))
    ]
    return rows, system, any(o is not None for o in geo.origin)


def _hint(
    system: crsmod.CoordSystem, origin: tuple[float, float], inside: Callable[[float, float], bool]
) -> str:
    return crsmod.diagnose(system, origin[0], origin[1], inside)


CHUNK_ROWS = 5_000  # features read at a time by a chunked read


def _read_chunked(
    path: Path, fmt: str, spec: LayerSpec, opts: ReadOptions, at_least: int
) -> LayerRead | None:
    """A layer of at least ``at_least`` features whose rows carry no ids, read
    :data:`CHUNK_ROWS` at a time (:func:`~gazetteer.io.sources.table_chunks`), with the
    same columns, coordinate system and notes as a whole read; ``None``: read it whole."""

    def usable(features: int, fields: list[str]) -> bool:
        return features >= at_least and not plan_columns(spec, fields, opts.mapping).has("id")

    found = table_chunks(path, fmt, spec, encoding=opts.encoding, size=CHUNK_ROWS, usable=usable)
    if found is None:
        return None
    head, tables = found
    plan = plan_columns(spec, head.headers, opts.mapping)
    notes = _column_notes(head, plan)
    # every feature has its geometry (table_chunks): no value columns needed to tell
    geo = _table_geometry(head, plan, [{} for _ in range(len(head))])
    system = _system(geo, head, opts)
    notes.append(f"{head.source}: 坐标 (coordinates) {system.describe()}")

    def rows() -> Iterator[list[SourceRow]]:
        for table in tables:
            yield _source_rows(table, spec, opts, plan, system)[0]

    return LayerRead(RowChunks(len(head), rows()), notes)


def read_layer(
    path: Path,
    fmt: str,
    spec: LayerSpec,
    options: ReadOptions | None = None,
    *,
    chunked_from: int | None = None,
) -> LayerRead:
    """All rows of ``spec`` in the file (or folder of per-layer files) at ``path``.

    With ``chunked_from``, a shapefile or GeoPackage layer of at least that many features
    (and no id column) is read a chunk at a time as its rows are taken
    (:class:`RowChunks`); the caller takes them while the file is still open."""
    opts = options or ReadOptions()
    if chunked_from is not None:
        chunked = _read_chunked(path, fmt, spec, opts, chunked_from)
        if chunked is not None:
            return chunked
    if path.is_dir() and fmt in ("geojson", "csv"):
        path = _folder_file(path, fmt, spec)
    tables = read_tables(path, fmt, spec, encoding=opts.encoding, mapping=opts.mapping)
    rows: list[SourceRow] = []
    notes: list[str] = []
    for table in tables:
        part, told = read_table_rows(table, spec, opts)
        rows.extend(part)
        notes.extend(told)
    return LayerRead(rows, notes)


def read_rows(
    path: Path, fmt: str, spec: LayerSpec, options: ReadOptions | None = None
) -> list[SourceRow]:
    rows = read_layer(path, fmt, spec, options).rows
    assert isinstance(rows, list)  # no chunked_from: read whole
    return rows


__all__ = [
    "CITY_EXTENT",
    "FORMAT_NAMES",
    "LayerRead",
    "ReadOptions",
    "RowChunks",
    "Rows",
    "SourceRow",
    "detect_format",
    "fits_layer",
    "layers_in",
    "read_layer",
    "read_rows",
    "resolve_import_layers",
]
