"""Export the gazetteer layers to GeoJSON, GeoPackage, Shapefile, CSV and Excel.

* GeoJSON (RFC 7946): longitude/latitude order, no ``crs`` member (the RFC's CRS84).
  Coordinates are stored in CGCS2000 (EPSG:4490), which for mapping purposes coincides
  with WGS 84 to well under a metre, so they are written unchanged. Written by this module
  (not GDAL) so that the output is byte-identical for the same data and keeps every digit.
* GeoPackage: one layer per table, EPSG:4490, written with pyogrio (GDAL). GeoPackage files
  carry timestamps, so two exports compare by content, not bytes.
* Shapefile: one ``.shp`` per layer and geometry family (``places_point``,
  ``places_line``, ``places_polygon``) since a Shapefile holds one geometry type; UTF-8
  with a ``.cpg``; field names shortened to ≤10 characters (see ``LayerSpec`` / docs/io.md).
  dBASE text fields hold at most 254 bytes, so long texts are cut (GDAL warns).
* CSV and Excel go through :mod:`gazetteer.io.office`: by default for people (UTF-8
  with BOM, Chinese headers and labels, codes kept as text, 是/否), with
  ``headers="en"`` for programs (field names, stored values); a ``wkt`` column with the
  full-precision geometry and ``lon``/``lat`` of the representative point. CSV is
  byte-identical for the same data. Excel: one sheet per layer (the places sheet is the
  地名成果表, one row per name with the census fields), frozen header with autofilter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Unpack

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from gazetteer.errors import InvalidInput

from . import office
from .layers import LAYERS, Field, GeomKind, Kind, LayerSpec, layer
from .office import Column, ColumnKind, Headers
from .records import LayerData, Record, read_layer

FORMATS = ("geojson", "gpkg", "shp", "csv", "xlsx")
EXTENSIONS = {"geojson": ".geojson", "gpkg": ".gpkg", "shp": ".shp", "csv": ".csv", "xlsx": ".xlsx"}
XLSX_CELL_LIMIT = office.XLSX_CELL_LIMIT
EPSG = "EPSG:4490"

Progress = Callable[[str], None]


@dataclass(slots=True)
class ExportResult:
    format: str
    files: list[Path]
    counts: dict[str, int] = field(default_factory=dict)


def resolve_layers(names: Sequence[str]) -> list[LayerSpec]:
    """Layer specs for names (``all`` = every layer), in dependency order."""
    if not names or "all" in names:
        return list(LAYERS)
    wanted = {layer(n).name for n in names}
    return [s for s in LAYERS if s.name in wanted]


# --- values -------------------------------------------------------------------------------


def text_value(kind: Kind, value: Any) -> str:
    """A value as text (CSV, Excel WKT-side): None -> ""."""
    if value is None:
        return ""
    if kind == Kind.JSON_LIST:
        return json.dumps(list(value), ensure_ascii=False)
    if kind == Kind.BOOL:
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def json_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == Kind.DATE:
        return value.isoformat()
    if kind == Kind.JSON_LIST:
        return json.dumps(list(value), ensure_ascii=False)
    if kind == Kind.BOOL:
        return bool(value)
    if kind in (Kind.FLOAT, Kind.OPT_FLOAT):
        return float(value)
    if kind in (Kind.INT, Kind.OPT_INT):
        return int(value)
    return value


def wkt(geometry: BaseGeometry | None) -> str:
    return "" if geometry is None else str(shapely.to_wkt(geometry, rounding_precision=-1))


def rep_point(geometry: BaseGeometry | None) -> tuple[float | None, float | None]:
    if geometry is None or geometry.is_empty:
        return None, None
    pt = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    return float(pt.x), float(pt.y)


# --- GeoJSON ------------------------------------------------------------------------------


def write_geojson(data: LayerData, path: Path) -> Path:
    fields = data.spec.fields
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"type":"FeatureCollection","name":')
        fh.write(json.dumps(data.spec.name))
        fh.write(',"features":[')
        for i, rec in enumerate(data.records):
            props = {f.name: json_value(f.kind, rec.values.get(f.name)) for f in fields}
            feature = {
                "type": "Feature",
                "properties": props,
                "geometry": None if rec.geometry is None else mapping(rec.geometry),
            }
            fh.write("\n" if i == 0 else ",\n")
            fh.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        fh.write("\n]}\n")
    return path


# --- CSV ----------------------------------------------------------------------------------

WKT_HEADER = "空间范围(WKT)"
LON_HEADER = "经度"
LAT_HEADER = "纬度"
_VALUE_KINDS = {
    Kind.INT: ColumnKind.NUMBER,
    Kind.OPT_INT: ColumnKind.NUMBER,
    Kind.FLOAT: ColumnKind.NUMBER,
    Kind.OPT_FLOAT: ColumnKind.NUMBER,
    Kind.BOOL: ColumnKind.BOOL,
}


def _column_kind(f: Field) -> ColumnKind:
    if f.kind == Kind.BOOL:
        return ColumnKind.BOOL  # 是/否 written by the table writer itself
    if f.labels:
        return ColumnKind.TEXT  # an enumeration (even a numeric one): its Chinese label
    return _VALUE_KINDS.get(f.kind, ColumnKind.TEXT)


def layer_columns(spec: LayerSpec) -> list[Column]:
    """The table columns of a layer: its fields, then WKT (and lon/lat of the
    representative point for layers without their own lon/lat fields)."""
    cols = [Column(f.name, f.zh, f.name, _column_kind(f), dict(f.labels)) for f in spec.fields]
    cols.append(Column("wkt", WKT_HEADER, "wkt"))
    if spec.csv_lonlat:
        cols += [
            Column("lon", LON_HEADER, "lon", ColumnKind.NUMBER),
            Column("lat", LAT_HEADER, "lat", ColumnKind.NUMBER),
        ]
    return cols


def csv_header(spec: LayerSpec, headers: Headers = "en") -> list[str]:
    return [c.header(headers) for c in layer_columns(spec)]


def _table_rows(data: LayerData, *, wkt_limit: int | None = None) -> Iterator[dict[str, Any]]:
    for rec in data.records:
        row = dict(rec.values)
        text = wkt(rec.geometry)
        row["wkt"] = text if wkt_limit is None or len(text) <= wkt_limit else None
        if data.spec.csv_lonlat:
            row["lon"], row["lat"] = rep_point(rec.geometry)
        yield row


def write_csv(data: LayerData, path: Path, **fmt: Unpack[office.CsvFormat]) -> Path:
    office.write_csv(path, layer_columns(data.spec), _table_rows(data), **fmt)
    return path


# --- GeoPackage and Shapefile (GDAL through pyogrio) --------------------------------------

GDAL_TYPES = {
    GeomKind.ANY: "Unknown",
    GeomKind.POINT: "Point",
    GeomKind.LINE: "LineString",
    GeomKind.MULTIPOLYGON: "MultiPolygon",
}


def _frame(spec: LayerSpec, records: Sequence[Record], *, shapefile: bool = False) -> Any:
    import geopandas as gpd
    import pandas as pd

    columns: dict[str, Any] = {}
    for f in spec.fields:
        values = [rec.values.get(f.name) for rec in records]
        name = f.shp if shapefile else f.name
        if f.kind in (Kind.INT, Kind.OPT_INT):
            columns[name] = pd.array(values, dtype="Int64")
        elif f.kind in (Kind.FLOAT, Kind.OPT_FLOAT):
            columns[name] = pd.array(
                [math.nan if v is None else float(v) for v in values], dtype="float64"
            )
        elif f.kind == Kind.BOOL:
            columns[name] = (
                pd.array([int(bool(v)) for v in values], dtype="Int64")
                if shapefile
                else pd.array([bool(v) for v in values], dtype="bool")
            )
        elif f.kind in (Kind.JSON_LIST, Kind.DATE):
            columns[name] = pd.array(
                [None if v is None else text_value(f.kind, v) for v in values], dtype="object"
            )
        else:
            columns[name] = pd.array(values, dtype="object")
    geometry = [rec.geometry for rec in records]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=EPSG)


def write_gpkg(datas: Sequence[LayerData], path: Path, progress: Progress | None = None) -> Path:
    import pyogrio

    if path.exists():
        path.unlink()
    for data in datas:
        if progress:
            progress(f"write {data.spec.name}")
        frame = _frame(data.spec, data.records)
        pyogrio.write_dataframe(
            frame,
            path,
            layer=data.spec.name,
            driver="GPKG",
            geometry_type=GDAL_TYPES[data.spec.geometry],
            promote_to_multi=False,
        )
    return path


def geometry_family(geometry: BaseGeometry | None) -> str:
    if geometry is None:
        return "nogeom"
    kind = geometry.geom_type
    if kind in ("Point", "MultiPoint"):
        return "point"
    if kind in ("LineString", "MultiLineString"):
        return "line"
    return "polygon"


SHP_TYPES = {"point": "Point", "line": "LineString", "polygon": "Polygon", "nogeom": "Point"}


def write_shp(data: LayerData, folder: Path) -> list[Path]:
    import pyogrio

    spec = data.spec
    groups: dict[str, list[Record]] = {}
    if spec.geometry == GeomKind.ANY:
        for rec in data.records:
            groups.setdefault(geometry_family(rec.geometry), []).append(rec)
        if not groups:
            groups["point"] = []
        names = {fam: f"{spec.name}_{fam}" for fam in groups}
    else:
        fam = {GeomKind.POINT: "point", GeomKind.LINE: "line"}.get(spec.geometry, "polygon")
        groups[fam] = data.records
        names = {fam: spec.name}
    out = []
    for fam in sorted(groups):
        path = folder / f"{names[fam]}.shp"
        for old in folder.glob(f"{names[fam]}.*"):
            old.unlink()
        frame = _frame(spec, groups[fam], shapefile=True)
        pyogrio.write_dataframe(
            frame,
            path,
            driver="ESRI Shapefile",
            encoding="UTF-8",
            geometry_type=SHP_TYPES[fam],
            promote_to_multi=False,
        )
        out.append(path)
    return out


# --- Excel ------------------------------------------------------------------------------


def write_xlsx(
    datas: Sequence[LayerData],
    path: Path,
    progress: Progress | None = None,
    *,
    headers: Headers = "zh",
) -> Path:
    """One sheet per layer (the places sheet is the 地名成果表); geometry as WKT in the
    last columns, left empty when longer than an Excel cell holds."""
    tables = []
    for data in datas:
        if progress:
            progress(f"write {data.spec.name}")
        rows = list(_table_rows(data, wkt_limit=XLSX_CELL_LIMIT))
        tables.append(
            office.Table(data.spec.zh, layer_columns(data.spec), rows, en_title=data.spec.name)
        )
    office.write_xlsx(path, tables, headers=headers)
    return path


# --- entry point ----------------------------------------------------------------------------


def _target(fmt: str, out: Path, specs: Sequence[LayerSpec]) -> tuple[Path | None, Path]:
    """(single file or None, folder) for an export."""
    ext = EXTENSIONS[fmt]
    if fmt in ("gpkg", "xlsx"):
        if out.suffix.lower() == ext:
            return out, out.parent
        return out / f"weihai_gazetteer{ext}", out
    if fmt == "shp":
        if out.suffix.lower() == ext:
            raise InvalidInput(
                "Shapefile 导出写入一个文件夹 (Shapefile export writes a folder): "
                f"give a folder instead of {out}"
            )
        return None, out
    if out.suffix.lower() == ext or (fmt == "geojson" and out.suffix.lower() == ".json"):
        if len(specs) != 1:
            raise InvalidInput(
                f"导出多个图层需给出文件夹 (several layers need a folder, not {out.name})"
            )
        return out, out.parent
    return None, out


def export_layers(
    engine: Engine,
    *,
    fmt: str,
    layers: Sequence[str],
    out: Path,
    progress: Progress | None = None,
    headers: Headers = "zh",
    encoding: str = "utf-8",
    bom: bool = True,
) -> ExportResult:
    """Export ``layers`` (names or ``all``) in ``fmt`` to ``out`` (file or folder).

    ``headers`` (CSV and Excel): ``zh`` for people — Chinese headers and labels, codes
    kept as text, 是/否; ``en`` for programs — field names and stored values.
    ``encoding``/``bom`` (CSV): UTF-8 with BOM by default, ``gbk``/``gb18030`` on request.
    """
    fmt = fmt.lower()
    if headers not in ("zh", "en"):
        raise InvalidInput(f"--headers 应为 zh 或 en (headers must be zh or en): {headers}")
    if fmt not in FORMATS:
        raise InvalidInput(f"不支持的格式 (unsupported format): {fmt}; use {', '.join(FORMATS)}")
    specs = resolve_layers(layers)
    single, folder = _target(fmt, Path(out), specs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"无法创建输出文件夹 (cannot create folder {folder}): {exc}") from exc
    result = ExportResult(fmt, [])
    with engine.connect() as conn:
        datas = []
        for spec in specs:
            if progress:
                progress(f"read {spec.name}")
            data = read_layer(conn, spec)
            result.counts[spec.name] = len(data.records)
            datas.append(data)
    try:
        if fmt == "gpkg":
            assert single is not None
            result.files.append(write_gpkg(datas, single, progress))
        elif fmt == "xlsx":
            assert single is not None
            result.files.append(write_xlsx(datas, single, progress, headers=headers))
        else:
            for data in datas:
                if progress:
                    progress(f"write {data.spec.name}")
                if fmt == "shp":
                    result.files.extend(write_shp(data, folder))
                    continue
                path = single or folder / f"{data.spec.name}{EXTENSIONS[fmt]}"
                if fmt == "geojson":
                    result.files.append(write_geojson(data, path))
                else:
                    result.files.append(
                        write_csv(data, path, headers=headers, encoding=encoding, bom=bom)
                    )
    except OSError as exc:
        raise InvalidInput(f"无法写入 (cannot write) {out}: {exc}") from exc
    return result


__all__ = ["FORMATS", "ExportResult", "export_layers", "resolve_layers"]
