"""Opening the files offices hold, as plain tables: headers, columns, geometries, CRS.

Formats (the importer's ``--format`` names):

* ``gpkg`` GeoPackage, ``gdb`` Esri File Geodatabase (a ``.gdb`` folder, GDAL's
  OpenFileGDB driver), ``kml`` KML/KMZ (GDAL's LIBKML driver: one layer per folder, the
  placemark ``Name``/``description`` and ExtendedData as columns), read with pyogrio;
* ``shp`` Shapefile (a ``.shp``, a folder of them, or a ``.zip`` holding either), its
  text decoded by :mod:`.textenc` (``.cpg``, else detected; undecodable text refused);
* ``geojson`` (RFC 7946, or an old-style ``crs`` member naming a projected CRS);
* ``csv`` with a header row: UTF-8 (BOM or not), GBK or GB18030; comma, semicolon or
  tab separated; Excel's ``="0123"`` text protection removed;
* ``xlsx``: our export, or a 地名成果表 as offices fill it in — title rows above the
  header, header cells merged across two rows (``坐标`` over ``东经``/``北纬``), a numbering
  row (1, 2, 3 …) under the header, cells merged down over several records (a township
  written once for its villages), signature lines (填表人/审核人) at the foot, and the
  records spread over several sheets. The header row is the row among the first 30 whose
  cells match the most fields (:mod:`.mapping`).

Every table keeps the row numbers a person sees (sheet rows; feature numbers from 1).
Zip archives are unpacked into a temporary folder by :func:`opened` (members with
absolute or parent paths, and archives over ``MAX_UNZIPPED_BYTES``, are refused).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pyproj import CRS
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gazetteer.errors import InvalidInput

from .layers import LayerSpec
from .mapping import MappingTable, fits_layer, plan_columns
from .office import unprotect
from .textenc import decode_text_file, shapefile_encoding

GDAL_FORMATS = ("gpkg", "gdb", "kml")
FORMATS = ("geojson", "gpkg", "gdb", "shp", "csv", "xlsx", "kml")
MAX_UNZIPPED_BYTES = 4 * 1024**3
HEADER_SEARCH_ROWS = 30


@dataclass(slots=True)
class RawTable:
    """One table of a file, column-oriented."""

    source: str  # shown in messages: "places.shp", "成果表.xlsx:居民点"
    headers: list[str]
    columns: list[list[Any]]
    rows: list[int]  # the row numbers a person sees
    geometries: list[BaseGeometry | None] | None = None  # the file's own geometry column
    geometry_errors: list[str | None] | None = None
    crs: CRS | None = None  # what the file declares for its geometries
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


# --- archives -----------------------------------------------------------------------------


def _safe_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    total = 0
    members = []
    for info in archive.infolist():
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise InvalidInput(f"压缩包中有不安全的路径 (unsafe path in the zip): {info.filename}")
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise InvalidInput("压缩包解压后过大 (the zip unpacks to more than 4 GB)")
        members.append(info)
    return members


def _zip_target(folder: Path) -> tuple[Path, str]:
    """What an unpacked archive holds: a .gdb folder, else its shapefiles (or their folder)."""
    gdbs = sorted(p for p in folder.rglob("*.gdb") if p.is_dir())
    if gdbs:
        return gdbs[0], "gdb"
    shps = sorted(folder.rglob("*.shp")) + sorted(folder.rglob("*.SHP"))
    if shps:
        parents = {p.parent for p in shps}
        if len(parents) > 1:
            raise InvalidInput(
                "压缩包中的 Shapefile 分在多个文件夹 (shapefiles in several folders)"
            )
        return (shps[0] if len(shps) == 1 else shps[0].parent), "shp"
    for fmt, patterns in (
        ("gpkg", ("*.gpkg",)),
        ("geojson", ("*.geojson", "*.json")),
        ("csv", ("*.csv",)),
        ("kml", ("*.kml",)),
        ("xlsx", ("*.xlsx",)),
    ):
        found = sorted(p for pat in patterns for p in folder.rglob(pat))
        if len(found) == 1:
            return found[0], fmt
    raise InvalidInput(
        "压缩包中没有可导入的数据 (no shapefile, .gdb or single data file in the zip)"
    )


@contextmanager
def opened(path: Path, fmt: str | None) -> Iterator[tuple[Path, str | None]]:
    """``(path, fmt)`` ready to read: a ``.zip`` is unpacked into a temporary folder."""
    if path.is_file() and path.suffix.lower() == ".zip" and fmt in (None, "shp", "gdb"):
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise InvalidInput(f"压缩包无法打开 (cannot open the zip) {path.name}: {exc}") from exc
        with archive, tempfile.TemporaryDirectory(prefix="gazetteer-zip-") as tmp:
            members = _safe_members(archive)
            try:
                archive.extractall(tmp, members)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InvalidInput(f"压缩包已损坏 (damaged zip) {path.name}: {exc}") from exc
            target, found = _zip_target(Path(tmp))
            yield target, fmt or found
        return
    yield path, fmt


# --- GDAL formats ---------------------------------------------------------------------------


def gdal_layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio.errors.DataSourceError
        raise InvalidInput(f"无法读取 (cannot read) {path.name}: {str(exc)[:200]}") from exc


def frame_table(frame: Any, source: str, notes: list[str]) -> RawTable:
    import shapely

    geo = frame.geometry.name if hasattr(frame, "geometry") else None
    headers = [str(c) for c in frame.columns if c != geo]
    columns = [frame[c].tolist() for c in frame.columns if c != geo]
    geoms: list[BaseGeometry | None] | None = None
    if geo is not None:
        arr = frame.geometry.values
        empty = shapely.is_empty(arr) | shapely.is_missing(arr)
        geoms = [None if e else g for g, e in zip(arr, empty, strict=True)]
    crs = CRS.from_user_input(frame.crs) if getattr(frame, "crs", None) is not None else None
    rows = list(range(1, len(frame) + 1))
    return RawTable(source, headers, columns, rows, geoms, None, crs, notes)


def gdal_frame(path: Path, layer: str | None, source: str, **kw: Any) -> Any:
    """``pyogrio.read_dataframe``; what it cannot read is a clear error."""
    import pyogrio

    try:
        return pyogrio.read_dataframe(path, layer=layer, **kw)
    except UnicodeDecodeError as exc:  # pyogrio decodes text with the codec given
        raise InvalidInput(f"{source}: 文本无法解码 (undecodable text): {exc}") from exc
    except Exception as exc:  # pyogrio.errors.DataSourceError / DataLayerError
        where = f" layer {layer}" if layer else ""
        raise InvalidInput(f"无法读取 (cannot read) {path.name}{where}: {str(exc)[:200]}") from exc


def _read_gdal_layer(path: Path, layer: str | None, source: str, **kw: Any) -> RawTable:
    return frame_table(gdal_frame(path, layer, source, **kw), source, [])


def _gdal_tables(path: Path, spec: LayerSpec) -> list[RawTable]:
    names = gdal_layers(path)
    wanted = [n for n in names if n in (spec.name, spec.zh)]
    if not wanted:
        wanted = names  # a file of other layer names (KML folders, a census .gdb): all
    tables = [_read_gdal_layer(path, n, f"{path.name}:{n}") for n in wanted]
    if path.suffix.lower() in (".kml", ".kmz"):
        for table in tables:  # the Placemark's XML id ("places.1", "0A1B…"), not ours
            table.headers = ["kml_id" if h == "id" else h for h in table.headers]
    return tables


def shp_files(path: Path, spec: LayerSpec) -> list[Path]:
    if path.is_file():
        return [path]
    found = sorted(
        p
        for p in list(path.glob("*.shp")) + list(path.glob("*.SHP"))
        if p.stem == spec.name or p.stem.startswith(spec.name + "_")
    )
    if not found:
        every = sorted(list(path.glob("*.shp")) + list(path.glob("*.SHP")))
        if len(every) == 1:
            found = every
    return found


def _shp_tables(path: Path, spec: LayerSpec, encoding: str | None) -> list[RawTable]:
    out = []
    for shp in shp_files(path, spec):
        codec, how = shapefile_encoding(shp, encoding=encoding, layer=spec.name)
        table = _read_gdal_layer(shp, None, shp.name, encoding=codec)
        table.notes.append(f"{shp.name}: 编码 encoding {codec} ({how})")
        out.append(table)
    return out


# --- GeoJSON --------------------------------------------------------------------------------


def _geojson_crs(doc: dict[str, Any]) -> CRS | None:
    member = doc.get("crs")
    if not isinstance(member, dict):
        return None
    name = (member.get("properties") or {}).get("name")
    if not name:
        return None
    try:
        crs = CRS.from_user_input(str(name))
    except Exception:  # pyproj CRSError
        raise InvalidInput(f"GeoJSON 的 crs 无法识别 (unknown crs member): {name}") from None
    return crs


def _geojson_table(path: Path, encoding: str | None) -> RawTable:
    text, _ = decode_text_file(path, encoding=encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"GeoJSON 无法读取 (cannot read GeoJSON) {path.name}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput(f"不是 GeoJSON FeatureCollection (not a FeatureCollection): {path}")
    feats = doc.get("features") or []
    props = [(f.get("properties") or {}) if isinstance(f, dict) else {} for f in feats]
    headers: list[str] = []
    seen: set[str] = set()
    for p in props:
        for k in p:
            if k not in seen:
                seen.add(k)
                headers.append(k)
    columns = [[p.get(h) for p in props] for h in headers]
    geoms: list[BaseGeometry | None] = []
    errors: list[str | None] = []
    for f in feats:
        gj = f.get("geometry") if isinstance(f, dict) else None
        if gj is None:
            geoms.append(None)
            errors.append(None)
            continue
        try:
            g = shape(gj)
            geoms.append(None if g.is_empty else g)
            errors.append(None)
        except Exception as exc:  # malformed geometry member
            geoms.append(None)
            errors.append(f"几何无法解析 (cannot parse geometry): {str(exc)[:120]}")
    rows = list(range(1, len(feats) + 1))
    return RawTable(path.name, headers, columns, rows, geoms, errors, _geojson_crs(doc))


def geojson_name(path: Path) -> str | None:
    """The ``name`` member our exports write first (without parsing the whole file)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(200).decode("utf-8", errors="ignore").lstrip("\ufeff")
    except OSError:
        return None
    m = re.match(r'\{"type":"FeatureCollection","name":"([^"]+)"', head)
    return m.group(1) if m else None


# --- CSV ------------------------------------------------------------------------------------


def _dialect(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_table(path: Path, encoding: str | None, layer: str = "") -> RawTable:
    text, codec = decode_text_file(path, encoding=encoding, layer=layer)
    csv.field_size_limit(sys.maxsize)
    delimiter = _dialect(text.split("\n", 1)[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式错误 (malformed CSV) {path.name}: {exc}") from exc
    if not records or not any(h.strip() for h in records[0]):
        raise InvalidInput(f"CSV 没有表头 (CSV has no header row): {path.name}")
    headers = [unprotect(h).strip() for h in records[0]]
    width = len(headers)
    body = [(i, r) for i, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    columns = [[unprotect(r[j]) if j < len(r) else None for _, r in body] for j in range(width)]
    notes = [f"{path.name}: 编码 encoding {codec}"]
    return RawTable(path.name, headers, columns, [i for i, _ in body], notes=notes)


def csv_headers(path: Path, encoding: str | None) -> list[str]:
    return _csv_table(path, encoding).headers


# --- Excel ----------------------------------------------------------------------------------

_FOOTER = re.compile(r"^\s*(填表|审核|制表|负责人|单位负责|填报|日期|说明|注[:：]|备注[:：])")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _sheet_merges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet title -> merged ranges (row0, col0, row1, col1; 0-based, inclusive).

    Read from the workbook's XML: openpyxl's read-only mode (needed for large sheets)
    does not report merged cells.
    """
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            wb = z.read("xl/workbook.xml").decode("utf-8")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            targets = {}
            for rel in re.findall(r"<Relationship [^>]*>", rels):
                id_m = re.search(r'Id="([^"]+)"', rel)
                target_m = re.search(r'Target="([^"]+)"', rel)
                if id_m and target_m:
                    targets[id_m.group(1)] = target_m.group(1)
            for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
                target = targets.get(rid, "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                try:
                    xml = z.read(member)
                except KeyError:
                    continue
                tail = xml[xml.rfind(b"<mergeCells") :] if b"<mergeCells" in xml else b""
                out[_xml_unescape(name)] = [
                    (int(r0) - 1, _col_index(c0), int(r1) - 1, _col_index(c1))
                    for c0, r0, c1, r1 in _MERGE.findall(tail)
                ]
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _fill_merges(grid: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> None:
    for r0, c0, r1, c1 in merges:
        if r0 >= len(grid):
            continue
        row0 = grid[r0]
        value = row0[c0] if c0 < len(row0) else None
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and not v.strip())
        or (isinstance(v, float) and math.isnan(v))
    )


def _is_numbering(row: Sequence[Any]) -> bool:
    """A 栏次 row under the header: 1, 2, 3 … (or (1), (2) …)."""
    vals = [v for v in row if not _blank(v)]
    if len(vals) < 3:
        return False
    nums = []
    for v in vals:
        m = re.fullmatch(r"[(（]?(\d+)[)）]?", str(v).strip().removesuffix(".0"))
        if not m:
            return False
        nums.append(int(m.group(1)))
    return nums == list(range(nums[0], nums[0] + len(nums)))


def _is_footer(row: Sequence[Any]) -> bool:
    vals = [v for v in row if not _blank(v)]
    return bool(vals) and all(isinstance(v, str) and _FOOTER.match(v) for v in vals)


def find_header(
    grid: list[list[Any]], spec: LayerSpec, user: MappingTable | None
) -> tuple[int, list[str], int] | None:
    """(header row index, labels, first data row index) in a sheet, or None."""
    best, best_score = -1, 1
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if sum(1 for v in row if isinstance(v, str) and v.strip()) < 2:
            continue
        score = plan_columns(spec, row, user).score()
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return None
    upper = grid[best]
    labels = ["" if _blank(v) else str(v).strip() for v in upper]
    start = best + 1
    if start < len(grid):
        lower = grid[start]
        texts = [v for v in lower if not _blank(v)]
        if texts and all(isinstance(v, str) for v in texts) and not _is_numbering(lower):
            combined = list(labels) + [""] * max(0, len(lower) - len(labels))
            for j, v in enumerate(lower):
                if not _blank(v) and (j >= len(upper) or upper[j] != v):
                    combined[j] = str(v).strip()
            if plan_columns(spec, combined, user).score() > best_score:
                labels, start = combined, start + 1
    if start < len(grid) and _is_numbering(grid[start]):
        start += 1
    return best, labels, start


def _unreadable_workbook(path: Path, exc: Exception) -> InvalidInput:
    return InvalidInput(f"无法读取 Excel 文件 (cannot read workbook) {path.name}: {exc}")


def xlsx_sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise _unreadable_workbook(path, exc) from exc
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _xlsx_grid(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def xlsx_tables(
    path: Path, spec: LayerSpec, user: MappingTable | None, *, any_sheet: bool
) -> list[RawTable]:
    """The sheets of ``spec``: those named for it, else (``any_sheet``) every sheet whose
    header matches the layer's fields."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable_workbook(path, exc) from exc
    merges = _sheet_merges(path)
    out = []
    try:
        named = [n for n in wb.sheetnames if n in (spec.zh, spec.name)]
        candidates = named or (list(wb.sheetnames) if any_sheet else [])
        for name in candidates:
            grid = _xlsx_grid(wb[name])
            _fill_merges(grid, merges.get(name, []))
            found = find_header(grid, spec, user)
            if found is None:
                if named:
                    raise InvalidInput(f"工作表 {name} 没有可识别的表头 (no header row found)")
                continue
            _, labels, start = found
            body = [
                (i + 1, r)
                for i, r in enumerate(grid[start:], start=start)
                if not all(_blank(v) for v in r) and not _is_footer(r)
            ]
            width = len(labels)
            columns = [[r[j] if j < len(r) else None for _, r in body] for j in range(width)]
            columns = [[unprotect(v) if isinstance(v, str) else v for v in c] for c in columns]
            rows = [i for i, _ in body]
            out.append(RawTable(f"{path.name}:{name}", labels, columns, rows))
    finally:
        wb.close()
    if not out:
        raise InvalidInput(
            f"Excel 中没有图层 {spec.zh} 的工作表或可识别的表头 (no sheet named {spec.zh} "
            f"or {spec.name}, and no sheet whose header matches the layer)"
        )
    return out


def xlsx_layer_guess(path: Path, specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """Layers whose fields a sheet header matches (a census workbook with sheet names of
    its own)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable_workbook(path, exc) from exc
    found: list[LayerSpec] = []
    try:
        for name in wb.sheetnames:
            grid = [
                list(r)
                for r in wb[name].iter_rows(max_row=HEADER_SEARCH_ROWS + 2, values_only=True)
            ]
            for spec in specs:
                hit = find_header(grid, spec, None)
                if hit is not None and fits_layer(spec, hit[1]) and spec not in found:
                    found.append(spec)
    finally:
        wb.close()
    return found


# --- entry ----------------------------------------------------------------------------------


def read_tables(
    path: Path,
    fmt: str,
    spec: LayerSpec,
    *,
    encoding: str | None = None,
    mapping: MappingTable | None = None,
    any_sheet: bool = True,
) -> list[RawTable]:
    """The tables of ``spec`` in the file (or folder) at ``path``."""
    if fmt == "geojson":
        return [_geojson_table(path, encoding)]
    if fmt == "csv":
        return [_csv_table(path, encoding, spec.name)]
    if fmt == "shp":
        return _shp_tables(path, spec, encoding)
    if fmt == "xlsx":
        return xlsx_tables(path, spec, mapping, any_sheet=any_sheet)
    if fmt == "gpkg":
        names = gdal_layers(path)
        if spec.name not in names:
            raise InvalidInput(f"GeoPackage 中没有图层 {spec.name} (no layer {spec.name})")
        return [_read_gdal_layer(path, spec.name, f"{path.name}:{spec.name}")]
    if fmt in GDAL_FORMATS:
        return _gdal_tables(path, spec)
    raise InvalidInput(f"不支持的格式 (unsupported format): {fmt}")


__all__ = [
    "FORMATS",
    "RawTable",
    "csv_headers",
    "find_header",
    "frame_table",
    "gdal_frame",
    "gdal_layers",
    "geojson_name",
    "opened",
    "read_tables",
    "shp_files",
    "xlsx_sheets",
    "xlsx_tables",
]
