"""Reading exchange files (GeoJSON, GeoPackage, Shapefile, CSV, Excel) into source rows.

Columns are matched by any spelling the exporters use (field name, Chinese header,
Shapefile name; case-insensitive); unknown columns are ignored. Row numbers are the ones a
person sees: the sheet/line row for CSV and Excel (the header is row 1), the feature
number (from 1) for GeoJSON, GeoPackage and Shapefile.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from gazetteer.errors import InvalidInput

from .layers import FORMER_LABELS, LAYERS, LayerSpec, layer

GEOMETRY_COLUMNS = ("wkt", "geometry", "geom", "空间范围(wkt)", "几何(wkt)")
LON_COLUMNS = ("lon", "经度", "longitude", "x")
LAT_COLUMNS = ("lat", "纬度", "latitude", "y")
SUFFIX_FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".csv": "csv",
    ".xlsx": "xlsx",
}


@dataclass(slots=True)
class SourceRow:
    """One row of a file: values by canonical field name, geometry, where it came from."""

    row: int
    values: dict[str, Any]
    geometry: BaseGeometry | None
    geometry_error: str | None = None
    source: str = ""


def detect_format(path: Path, fmt: str | None) -> str:
    if not path.exists():
        raise InvalidInput(f"文件不存在 (file not found): {path}")
    if fmt:
        fmt = fmt.lower()
        if fmt not in ("geojson", "gpkg", "shp", "csv", "xlsx"):
            raise InvalidInput(
                f"不支持的格式 (unsupported format): {fmt}; use geojson, gpkg, shp, csv, xlsx"
            )
        return fmt
    if path.is_dir():
        for pattern, found_fmt in (("*.shp", "shp"), ("*.geojson", "geojson"), ("*.csv", "csv")):
            if any(path.glob(pattern)):
                return found_fmt
        raise InvalidInput(
            f"文件夹中没有可导入的文件 (no .shp, .geojson or .csv files in folder): {path}"
        )
    found = SUFFIX_FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            f"无法识别的文件类型 (unknown file type) {path.name}; give --format "
            "geojson|gpkg|shp|csv|xlsx"
        )
    return found


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _map_values(spec: LayerSpec, raw: dict[str, Any]) -> dict[str, Any]:
    names = spec.field_map()
    out: dict[str, Any] = {}
    for key, value in raw.items():
        canonical = names.get(str(key).strip().lower())
        if canonical is not None and canonical not in out:
            out[canonical] = None if _blank(value) else value
    return out


def _lookup(raw: dict[str, Any], candidates: Iterable[str]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for c in candidates:
        if c in lowered and not _blank(lowered[c]):
            return lowered[c]
    return None


def _geometry_from_table(raw: dict[str, Any]) -> tuple[BaseGeometry | None, str | None]:
    text = _lookup(raw, GEOMETRY_COLUMNS)
    if text is not None:
        try:
            return shapely.from_wkt(str(text)), None
        except Exception as exc:  # shapely raises GEOSException subclasses
            return None, f"WKT 无法解析 (cannot parse WKT): {str(exc)[:120]}"
    lon, lat = _lookup(raw, LON_COLUMNS), _lookup(raw, LAT_COLUMNS)
    if lon is None or lat is None:
        return None, None
    try:
        return Point(float(lon), float(lat)), None
    except (TypeError, ValueError):
        return None, f"经纬度不是数字 (lon/lat not numeric): {lon!r}, {lat!r}"


# --- per format ---------------------------------------------------------------------------


def _read_geojson(path: Path, spec: LayerSpec) -> list[SourceRow]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"GeoJSON 无法读取 (cannot read GeoJSON) {path.name}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput(f"不是 GeoJSON FeatureCollection (not a FeatureCollection): {path}")
    rows = []
    for i, feat in enumerate(doc.get("features") or [], start=1):
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        geometry, error = None, None
        gj = feat.get("geometry") if isinstance(feat, dict) else None
        if gj is not None:
            try:
                geometry = shape(gj)
            except Exception as exc:  # malformed geometry member
                error = f"几何无法解析 (cannot parse geometry): {str(exc)[:120]}"
        rows.append(SourceRow(i, _map_values(spec, props), geometry, error, path.name))
    return rows


def _frame_rows(frame: Any, spec: LayerSpec, source: str, start: int) -> list[SourceRow]:
    crs = frame.crs
    if crs is not None and crs.to_epsg() not in (4490, 4326, None):
        frame = frame.to_crs(4490)
    cols = [c for c in frame.columns if c != frame.geometry.name]
    geoms = list(frame.geometry)
    rows = []
    records = frame[cols].to_dict(orient="records")
    for i, (raw, g) in enumerate(zip(records, geoms, strict=True), start=start):
        geometry = None if g is None or g.is_empty else g
        rows.append(SourceRow(i, _map_values(spec, raw), geometry, None, source))
    return rows


def _read_gdal(path: Path, spec: LayerSpec, layer_name: str | None) -> list[SourceRow]:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer_name)
    except Exception as exc:  # pyogrio.errors.DataSourceError / DataLayerError
        raise InvalidInput(
            f"无法读取 (cannot read) {path.name}{f' layer {layer_name}' if layer_name else ''}: "
            f"{str(exc)[:200]}"
        ) from exc
    return _frame_rows(frame, spec, path.name, 1)


def gpkg_layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InvalidInput(f"无法读取 GeoPackage (cannot read) {path.name}: {exc}") from exc


def shp_files(path: Path, spec: LayerSpec) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.glob("*.shp") if p.stem == spec.name or p.stem.startswith(spec.name + "_")
    )


def _read_shp(path: Path, spec: LayerSpec) -> list[SourceRow]:
    import pyogrio

    rows: list[SourceRow] = []
    for shp in shp_files(path, spec):
        try:
            frame = pyogrio.read_dataframe(shp, encoding="UTF-8")
        except Exception as exc:
            raise InvalidInput(f"无法读取 Shapefile (cannot read) {shp.name}: {exc}") from exc
        rows.extend(_frame_rows(frame, spec, shp.name, 1))
    return rows


def _read_csv(path: Path, spec: LayerSpec) -> list[SourceRow]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise InvalidInput(f"CSV 没有表头 (CSV has no header row): {path.name}")
            rows = []
            for i, raw in enumerate(reader, start=2):
                geometry, error = _geometry_from_table(raw)
                rows.append(SourceRow(i, _map_values(spec, raw), geometry, error, path.name))
            return rows
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"CSV 不是 UTF-8 编码 (CSV is not UTF-8): {path.name}") from exc
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式错误 (malformed CSV) {path.name}: {exc}") from exc


def xlsx_sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise InvalidInput(
            f"无法读取 Excel 文件 (cannot read workbook) {path.name}: {exc}"
        ) from exc
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _unlabel(spec: LayerSpec, values: dict[str, Any]) -> dict[str, Any]:
    for f in spec.fields:
        if f.labels and isinstance(values.get(f.name), str):
            back = {**FORMER_LABELS, **{zh: v for v, zh in f.labels}}
            values[f.name] = back.get(values[f.name].strip(), values[f.name])
    return values


def _read_xlsx(path: Path, spec: LayerSpec) -> list[SourceRow]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InvalidInput(
            f"无法读取 Excel 文件 (cannot read workbook) {path.name}: {exc}"
        ) from exc
    try:
        names = [n for n in wb.sheetnames if n in (spec.zh, spec.name)]
        if not names and len(wb.sheetnames) == 1:
            names = list(wb.sheetnames)
        if not names:
            raise InvalidInput(
                f"Excel 中没有工作表 {spec.zh} (no sheet named {spec.zh} or {spec.name})"
            )
        ws = wb[names[0]]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return []
        keys = ["" if h is None else str(h) for h in header]
        rows = []
        for i, values in enumerate(it, start=2):
            if all(_blank(v) for v in values):
                continue
            raw = dict(zip(keys, values, strict=False))
            geometry, error = _geometry_from_table(raw)
            mapped = _unlabel(spec, _map_values(spec, raw))
            rows.append(SourceRow(i, mapped, geometry, error, f"{path.name}:{names[0]}"))
        return rows
    finally:
        wb.close()


def read_rows(path: Path, fmt: str, spec: LayerSpec) -> list[SourceRow]:
    """All rows of ``spec`` in the file (or folder of per-layer files) at ``path``."""
    if path.is_dir() and fmt in ("geojson", "csv"):
        path = _folder_file(path, fmt, spec)
    if fmt == "geojson":
        return _read_geojson(path, spec)
    if fmt == "gpkg":
        return _read_gdal(path, spec, spec.name)
    if fmt == "shp":
        return _read_shp(path, spec)
    if fmt == "csv":
        return _read_csv(path, spec)
    return _read_xlsx(path, spec)


def _folder_file(folder: Path, fmt: str, spec: LayerSpec) -> Path:
    for ext in (".geojson", ".json") if fmt == "geojson" else (".csv",):
        candidate = folder / f"{spec.name}{ext}"
        if candidate.exists():
            return candidate
    raise InvalidInput(f"文件夹中没有图层 {spec.name} (no file for layer {spec.name} in {folder})")


def layers_in(path: Path, fmt: str) -> list[LayerSpec]:
    """The gazetteer layers a file holds, guessed from layer/sheet/file names."""
    if path.is_dir() and fmt in ("geojson", "csv"):
        found = []
        for spec in LAYERS:
            try:
                _folder_file(path, fmt, spec)
            except InvalidInput:
                continue
            found.append(spec)
        return found
    if fmt == "gpkg":
        present = set(gpkg_layers(path))
        return [s for s in LAYERS if s.name in present]
    if fmt == "xlsx":
        sheets = set(xlsx_sheets(path))
        found = [s for s in LAYERS if s.zh in sheets or s.name in sheets]
        if found:
            return found
    if fmt == "shp" and path.is_dir():
        return [s for s in LAYERS if shp_files(path, s)]
    stem = path.stem
    if fmt == "geojson":
        try:
            with path.open(encoding="utf-8-sig") as fh:
                head = fh.read(200)
            if head.startswith('{"type":"FeatureCollection","name":'):
                stem = json.loads(head.split(",")[1].split(":", 1)[1])
        except (OSError, ValueError, IndexError):
            pass
    for spec in LAYERS:
        if stem == spec.name or stem.startswith(spec.name + "_") or stem == spec.zh:
            return [spec]
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


__all__ = ["SourceRow", "detect_format", "layers_in", "read_rows", "resolve_import_layers"]
