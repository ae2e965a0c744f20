"""Import of official administrative data: NBS statistical division codes plus boundaries.

The CSV has the columns of ``weihai_admin_2023.csv`` (code, name, level, parent_code,
ur_code_2016, lon_wgs84_2016, lat_wgs84_2016; other columns are ignored). The optional
boundary GeoJSON holds (Multi)Polygons with a 12-digit ``code`` (or 6-digit ``adcode``)
property; WGS 84 coordinates are taken as CGCS2000 (the difference is well under a metre).
A city whose parent (the province) is not in the gazetteer is stored without a parent.
Rows go through the same validation and the same single transaction as every import.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from gazetteer.errors import InvalidInput
from gazetteer.types import AdminCode

from .importer import ImportReport, ProgressSink, import_rows
from .layers import ADMIN_AREAS
from .read import SourceRow

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")


def admin_kind(name: str, level: int) -> str:
    """The kind of area (市/区/县级市/功能区/街道/镇/乡/居委会/村委会) from its name."""
    if level == 2:
        return "地级市"
    if level == 3:
        if "开发区" in name or "园区" in name or "产业" in name:
            return "功能区"
        if name.endswith("区"):
            return "区"
        if name.endswith("市"):
            return "县级市"
        return "县"
    if level == 4:
        for suffix in ("街道", "镇", "乡"):
            if name.endswith(suffix):
                return suffix
        return "功能区"
    if "居委会" in name or "居民委员会" in name or name.endswith("社区"):
        return "居委会"
    return "村委会"


def read_boundaries(path: Path) -> dict[str, tuple[BaseGeometry | None, str | None]]:
    """Code -> (geometry, parse error) from a boundary GeoJSON."""
    if not path.exists():
        raise InvalidInput(f"文件不存在 (file not found): {path}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"边界文件无法读取 (cannot read boundaries) {path.name}: {exc}") from exc
    out: dict[str, tuple[BaseGeometry | None, str | None]] = {}
    for feat in doc.get("features") or []:
        props = feat.get("properties") or {}
        code = str(props.get("code") or "").strip()
        if not code and props.get("adcode"):
            code = AdminCode.parse(str(props["adcode"])).value
        if not code:
            continue
        try:
            out[code] = (shape(feat["geometry"]), None)
        except Exception as exc:  # malformed geometry member
            out[code] = (None, f"边界几何无法解析 (cannot parse boundary): {str(exc)[:120]}")
    return out


def read_admin_csv(path: Path, boundaries: Path | None = None) -> list[SourceRow]:
    if not path.exists():
        raise InvalidInput(f"文件不存在 (file not found): {path}")
    shapes = read_boundaries(boundaries) if boundaries is not None else {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    f"CSV 缺少列 (missing columns) {', '.join(missing)} in {path.name}"
                )
            rows = []
            for i, raw in enumerate(reader, start=2):
                code = (raw.get("code") or "").strip()
                name = (raw.get("name") or "").strip()
                try:
                    level = int(raw.get("level") or 0)
                except ValueError:
                    level = 0
                values: dict[str, Any] = {
                    "code": code or None,
                    "name": name or None,
                    "level": raw.get("level") or None,
                    "kind": admin_kind(name, level),
                    "parent_code": (raw.get("parent_code") or "").strip() or None,
                    "ur_code": (raw.get("ur_code_2016") or raw.get("ur_code") or "").strip()
                    or None,
                    "centre_lon": (raw.get("lon_wgs84_2016") or raw.get("centre_lon") or None),
                    "centre_lat": (raw.get("lat_wgs84_2016") or raw.get("centre_lat") or None),
                }
                geometry, error = shapes.pop(code, (None, None))
                rows.append(SourceRow(i, values, geometry, error, path.name))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"CSV 不是 UTF-8 编码 (CSV is not UTF-8): {path.name}") from exc
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式错误 (malformed CSV) {path.name}: {exc}") from exc
    if shapes:
        raise InvalidInput(
            "边界文件中有 CSV 里没有的区划代码 (boundary codes not in the CSV): "
            + ", ".join(sorted(shapes))
        )
    return rows


def import_admin(
    engine: Engine,
    csv_path: Path,
    *,
    boundaries: Path | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressSink | None = None,
) -> ImportReport:
    """Import an NBS administrative-division CSV (and boundary polygons) in one transaction."""
    rows = read_admin_csv(Path(csv_path), Path(boundaries) if boundaries else None)
    report = ImportReport(path=Path(csv_path), format="nbs-csv", dry_run=dry_run)
    return import_rows(
        engine, [(ADMIN_AREAS, rows)], report=report, skip_invalid=skip_invalid, progress=progress
    )


__all__ = ["admin_kind", "import_admin", "read_admin_csv", "read_boundaries"]
