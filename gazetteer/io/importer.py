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

Rows that carry an ``id`` keep it (so an export imported into an empty database gives the
same data, links between layers included); rows without one get a new id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from sqlalchemy import Connection, Engine, Table, insert, select

from gazetteer.errors import ImportFailed, InvalidInput
from gazetteer.model import (
    FACILITY_TYPE_NAMES,
    AdminArea,
    AdminLevel,
    BuiltUpArea,
    CensusStatus,
    ChangeReason,
    Compound,
    DemandPoint,
    Facility,
    FacilityType,
    NameHistoryEntry,
    NetworkEdge,
    NetworkNode,
    Place,
    PlaceStatus,
    Road,
    RoadClass,
    classification,
)
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import reset_id_sequence, write_transaction
from gazetteer.storage.geometry import from_db, to_db
from gazetteer.types import SRID

from .layers import GeomKind, Kind, LayerSpec
from .read import SourceRow, detect_format, read_rows, resolve_import_layers

TOLERANCE_DEG = 0.005  # about 450–550 m: boundaries and survey points are approximate
CITY_EXTENT = (121.0, 36.5, 123.0, 37.9)  # Weihai with its islands, lon/lat
WRITE_BATCH = 1000


class ProgressSink(Protocol):
    """Where long work reports its progress (the CLI shows tqdm bars)."""

    def start(self, desc: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def done(self) -> None: ...


class _NoProgress:
    def start(self, desc: str, total: int) -> None:
        return None

    def advance(self, n: int) -> None:
        return None

    def done(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    problem: str
    layer: str = ""
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source} " if self.source else ""
        return (
            f"{where}[{self.layer}] 第 {self.row} 行 (row {self.row}) {self.field}: {self.problem}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "layer": self.layer,
            "field": self.field,
            "problem": self.problem,
            "source": self.source,
        }


@dataclass(slots=True)
class ImportReport:
    path: Path
    format: str
    written: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in self.written.items()]
        verb = "可写入 (would write)" if self.dry_run else "已写入 (written)"
        text = f"{verb}: {', '.join(parts) or '0'}"
        if self.errors:
            text += f"; 跳过无效行 (skipped invalid rows): {len(self.errors)}"
        return text


class _RowInvalid(Exception):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field_name
        self.problem = problem


class _DryRun(Exception):
    pass


# --- value parsing ----------------------------------------------------------------------


def _num_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_value(kind: Kind, value: Any) -> Any:
    """Convert a raw cell to the field's Python type; ``ValueError`` with a message."""
    if value is None:
        if kind == Kind.STR:
            return ""
        if kind == Kind.JSON_LIST:
            return []
        if kind == Kind.BOOL:
            return False
        if kind in (Kind.INT, Kind.FLOAT):
            raise ValueError("必填 (required)")
        return None
    if kind in (Kind.STR, Kind.OPT_STR):
        return _num_text(value) if isinstance(value, (int, float)) else str(value).strip()
    if kind in (Kind.INT, Kind.OPT_INT):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"不是整数 (not an integer): {value!r}")
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                f = float(str(value).strip())
            except ValueError:
                raise ValueError(f"不是整数 (not an integer): {value!r}") from None
            if not f.is_integer():
                raise ValueError(f"不是整数 (not an integer): {value!r}") from None
            return int(f)
    if kind in (Kind.FLOAT, Kind.OPT_FLOAT):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"不是数字 (not a number): {value!r}") from None
    if kind == Kind.BOOL:
        text = str(value).strip().lower()
        if text in ("1", "true", "t", "yes", "y", "是", "1.0"):
            return True
        if text in ("0", "false", "f", "no", "n", "否", "0.0"):
            return False
        raise ValueError(f"不是布尔值 (not true/false): {value!r}")
    if kind == Kind.DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ValueError(
                f"日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD): {value!r}"
            ) from None
    # JSON list
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"不是 JSON 列表 (not a JSON list): {text[:60]!r}") from None
        if not isinstance(data, list):
            raise ValueError("不是 JSON 列表 (not a JSON list)")
        return [str(v) for v in data]
    return [p.strip() for p in re.split(r"[、;；,，]", text) if p.strip()]


def _parse_row(spec: LayerSpec, row: SourceRow) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for f in spec.stored_fields:
        try:
            values[f.name] = parse_value(f.kind, row.values.get(f.name))
        except ValueError as exc:
            errors.append(RowError(row.row, f.name, str(exc), spec.name, row.source))
    return values, errors


# --- validation context -------------------------------------------------------------------


@dataclass(slots=True)
class _Area:
    level: int
    parent: str | None
    geometry: BaseGeometry | None


class Context:
    """What the database (and the rows accepted so far) already hold."""

    def __init__(self, conn: Connection) -> None:
        a = t.admin_areas
        self.areas: dict[str, _Area] = {}
        for r in conn.execute(select(a.c.code, a.c.level, a.c.parent_code, a.c.geom)):
            self.areas[r.code] = _Area(int(r.level), r.parent_code, from_db(r.geom))
        self.db_admin_codes = set(self.areas)
        # category code -> its major category code (the table's own lookups hash the
        # whole table on every call: too slow per row)
        self.majors = {c.code: c.major_code or c.code for c in classification().categories}
        self.place_ids = _ids(conn, t.places.c.id)
        self.place_codes = _ids(conn, t.places.c.code)
        self.road_ids = _ids(conn, t.roads.c.place_id)
        self.compound_ids = _ids(conn, t.compounds.c.place_id)
        self.history_ids = _ids(conn, t.place_history.c.id)
        self.bua_ids = _ids(conn, t.built_up_areas.c.id)
        self.facility_ids = _ids(conn, t.facilities.c.id)
        self.facility_codes = _ids(conn, t.facilities.c.code)
        self.demand_ids = _ids(conn, t.demand_points.c.id)
        self.demand_codes = _ids(conn, t.demand_points.c.code)
        self.node_ids = _ids(conn, t.network_nodes.c.id)
        self.edge_ids = _ids(conn, t.network_edges.c.id)
        self._regions: dict[str, tuple[str, PreparedGeometry, BaseGeometry] | None] = {}
        self._sibling_cache: dict[int, list[tuple[str, PreparedGeometry]]] = {}

    def region(self, code: str) -> tuple[str, PreparedGeometry, BaseGeometry] | None:
        """The nearest area at or above ``code`` that has a polygon (code, prepared, raw)."""
        if code in self._regions:
            return self._regions[code]
        found: tuple[str, PreparedGeometry, BaseGeometry] | None = None
        cur: str | None = code
        seen: set[str] = set()
        while cur is not None and cur in self.areas and cur not in seen:
            seen.add(cur)
            area = self.areas[cur]
            if area.geometry is not None and not area.geometry.is_empty:
                found = (cur, prep(area.geometry), area.geometry)
                break
            cur = area.parent
        self._regions[code] = found
        return found

    def add_area(self, code: str, area: _Area) -> None:
        self.areas[code] = area
        self._regions.clear()
        self._sibling_cache.clear()

    def remove_area(self, code: str) -> None:
        del self.areas[code]
        self._regions.clear()
        self._sibling_cache.clear()

    def _near(
        self, geometry: BaseGeometry, prepared: PreparedGeometry, point: BaseGeometry
    ) -> bool:
        return bool(prepared.covers(point) or geometry.distance(point) <= TOLERANCE_DEG)

    def _others(self, area_code: str) -> list[tuple[str, PreparedGeometry]]:
        """Polygons of the other areas of the same level."""
        level = self.areas[area_code].level
        if level not in self._sibling_cache:
            self._sibling_cache[level] = [
                (c, prep(a.geometry))
                for c, a in self.areas.items()
                if a.level == level and a.geometry is not None
            ]
        return [(c, g) for c, g in self._sibling_cache[level] if c != area_code]

    def _chain(self, code: str) -> list[tuple[str, BaseGeometry]]:
        """``code`` and its ancestors that have a polygon, nearest first."""
        out: list[tuple[str, BaseGeometry]] = []
        cur: str | None = code
        seen: set[str] = set()
        while cur is not None and cur in self.areas and cur not in seen:
            seen.add(cur)
            area = self.areas[cur]
            if area.geometry is not None and not area.geometry.is_empty:
                out.append((cur, area.geometry))
            cur = area.parent
        return out

    def check_inside(self, code: str, point: BaseGeometry, *, marine: bool = False) -> None:
        """Raise unless ``point`` lies in the area ``code`` claims.

        The nearest area at or above ``code`` with a polygon is used, with a tolerance of
        ``TOLERANCE_DEG``. A point outside it is still accepted when an ancestor's polygon
        holds it and no other area of the levels in between does (islands, coast and gaps
        between approximate boundaries): it then belongs to nobody else. Marine features
        (bays, islands, capes, reefs …), seats and areas without any polygon are checked
        against ``CITY_EXTENT``: administrative polygons describe land.
        """
        chain = [] if marine else self._chain(code)
        if not chain:
            x1, y1, x2, y2 = CITY_EXTENT
            if not (x1 <= point.x <= x2 and y1 <= point.y <= y2):
                raise _RowInvalid(
                    "geometry",
                    f"位置 ({point.x:.5f}, {point.y:.5f}) 不在威海市范围内 "
                    f"(outside the city extent {CITY_EXTENT})",
                )
            return
        area_code = chain[0][0]
        for i, (ancestor, _) in enumerate(chain):
            reg = self.region(ancestor)
            assert reg is not None
            if not self._near(reg[2], reg[1], point):
                continue
            owners = [
                c for failed, _ in chain[:i] for c, g in self._others(failed) if g.covers(point)
            ]
            if not owners:
                return
            raise _RowInvalid(
                "geometry",
                f"位置 ({point.x:.5f}, {point.y:.5f}) 在 {owners[0]} 内，不在所属行政区 "
                f"{area_code} 范围内 (inside {owners[0]}, not in the area {area_code} it claims)",
            )
        raise _RowInvalid(
            "geometry",
            f"位置 ({point.x:.5f}, {point.y:.5f}) 不在所属行政区 {area_code} 范围内 "
            f"(outside the administrative area {area_code} it claims)",
        )


def _ids(conn: Connection, column: Any) -> set[Any]:
    return {v for (v,) in conn.execute(select(column).where(column.is_not(None)))}


# --- geometry checks ------------------------------------------------------------------------

_FAMILIES = {
    GeomKind.POINT: ("Point",),
    GeomKind.LINE: ("LineString",),
    GeomKind.MULTIPOLYGON: ("Polygon", "MultiPolygon"),
    GeomKind.ANY: (
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
    ),
}


def _check_geometry(spec: LayerSpec, row: SourceRow, *, required: bool) -> BaseGeometry | None:
    if row.geometry_error:
        raise _RowInvalid("geometry", row.geometry_error)
    g = row.geometry
    if g is None or g.is_empty:
        if required:
            raise _RowInvalid("geometry", "缺少几何 (geometry missing)")
        return None
    if shapely.get_coordinate_dimension(g) > 2:
        g = shapely.force_2d(g)
    if g.geom_type not in _FAMILIES[spec.geometry]:
        raise _RowInvalid(
            "geometry",
            f"几何类型 {g.geom_type} 不符 (wrong geometry type; expected "
            f"{' / '.join(_FAMILIES[spec.geometry])})",
        )
    if not g.is_valid:
        raise _RowInvalid("geometry", f"几何无效 (invalid geometry): {shapely.is_valid_reason(g)}")
    x1, y1, x2, y2 = g.bounds
    if not (-180 <= x1 <= x2 <= 180 and -90 <= y1 <= y2 <= 90):
        raise _RowInvalid(
            "geometry", "坐标超出经纬度范围 (coordinates are not longitude/latitude degrees)"
        )
    if spec.geometry == GeomKind.MULTIPOLYGON and g.geom_type == "Polygon":
        g = MultiPolygon([g])
    return g


def _require(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) in (None, ""):
            raise _RowInvalid(name, "必填字段为空 (required field is empty)")


def _enum(enum_cls: Any, name: str, value: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_cls)
        raise _RowInvalid(name, f"未知取值 (unknown value) {value!r}; allowed: {allowed}") from None


def _nonneg(values: dict[str, Any], *names: str) -> None:
    for name in names:
        v = values.get(name)
        if v is not None and v < 0:
            raise _RowInvalid(name, f"不能为负数 (must not be negative): {v}")


def _unique(
    name: str, value: Any, seen_file: set[Any], seen_db: set[Any], what: str = "代码 code"
) -> None:
    if value is None:
        return
    if value in seen_file:
        raise _RowInvalid(name, f"文件内重复 (duplicate {what} in the file): {value}")
    if value in seen_db:
        raise _RowInvalid(
            name, f"数据库中已存在 (duplicate {what}, already in the database): {value}"
        )


def _known_area(ctx: Context, name: str, code: str) -> None:
    if code not in ctx.areas:
        raise _RowInvalid(name, f"未知行政区划代码 (unknown administrative area code): {code}")


# --- per-layer validation: rows -> prepared objects ------------------------------------------


@dataclass(slots=True)
class Prepared:
    """The accepted rows of one layer, ready to write."""

    spec: LayerSpec
    items: list[Any] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)  # nodes created for edges, snapshots


Validator = Callable[[Context, dict[str, Any], SourceRow, "Prepared", dict[str, set[Any]]], None]

ADMIN_PREFIX = {3: 4, 4: 6, 5: 9}
ADMIN_ZEROS = {2: 4, 3: 6, 4: 9, 5: 12}


def _v_admin(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "code", "name")
    code = v["code"]
    if not re.fullmatch(r"\d{12}", code):
        raise _RowInvalid("code", f"区划代码应为12位数字 (code must be 12 digits): {code}")
    level = v["level"]
    if level not in (2, 3, 4, 5):
        raise _RowInvalid("level", f"级别应为 2–5 (level must be 2..5): {level}")
    if code[ADMIN_ZEROS[level] :].strip("0"):
        raise _RowInvalid("code", f"代码与级别 {level} 不符 (code does not fit level {level})")
    _unique("code", code, seen.setdefault("admin", set()), ctx.db_admin_codes)
    parent = v["parent_code"]
    if parent is not None and parent not in ctx.areas:
        if level == 2:
            parent = None  # the province lies outside the gazetteer
        else:
            raise _RowInvalid(
                "parent_code", f"上级区划不存在 (parent area does not exist): {parent}"
            )
    if level > 2 and parent is None:
        raise _RowInvalid("parent_code", "必填字段为空 (required field is empty)")
    if parent is not None:
        plevel = ctx.areas[parent].level
        if plevel != level - 1:
            raise _RowInvalid(
                "parent_code",
                f"上级区划级别 {plevel} 与本级 {level} 不衔接 (parent level {plevel} "
                f"does not fit level {level})",
            )
        n = ADMIN_PREFIX[level]
        if code[:n] != parent[:n]:
            raise _RowInvalid(
                "code",
                f"代码 {code} 与上级 {parent} 前缀不一致 (code prefix differs from the parent)",
            )
    geometry = _check_geometry(out.spec, row, required=False)
    centre = None
    if v["centre_lon"] is not None and v["centre_lat"] is not None:
        centre = Point(v["centre_lon"], v["centre_lat"])
    if centre is not None:
        # a seat (驻地) may lie outside its own territory (development zones): city extent only
        ctx.check_inside(code, centre, marine=True)
    ctx.add_area(code, _Area(level, parent, geometry))
    seen["admin"].add(code)
    out.items.append(
        AdminArea(
            code=code,
            name=v["name"],
            level=AdminLevel(level),
            parent_code=parent,
            kind=v["kind"],
            geometry=geometry,
            centre=centre,
            ur_code=v["ur_code"],
        )
    )


def _v_place(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    from gazetteer.text import initials, pinyin_key

    _require(v, "name", "category_code", "admin_code")
    if v["category_code"] not in ctx.majors:
        raise _RowInvalid(
            "category_code", f"未知类别代码 (unknown category code): {v['category_code']}"
        )
    _known_area(ctx, "admin_code", v["admin_code"])
    status = _enum(PlaceStatus, "status", v["status"] or "current")
    census = _enum(CensusStatus, "census_status", v["census_status"] or "unchanged")
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.place_ids, "序号 id")
    _unique("code", v["code"], seen.setdefault("code", set()), ctx.place_codes)
    for year in ("established_year", "abolished_year"):
        y = v[year]
        if y is not None and not 0 < y <= 2100:
            raise _RowInvalid(year, f"年份不合理 (implausible year): {y}")
    geometry = _check_geometry(out.spec, row, required=True)
    assert geometry is not None  # required=True
    if v["lon"] is not None and v["lat"] is not None:
        point: BaseGeometry = Point(v["lon"], v["lat"])
    else:
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    # marine features lie off the land polygons; an administrative division's point is its
    # seat (驻地), which may lie outside its own territory
    seat = ctx.majors[v["category_code"]] == "21"
    ctx.check_inside(v["admin_code"], point, marine=seat or v["category_code"].startswith("11"))
    try:
        keys = (pinyin_key(v["name"], v["reading"]), initials(v["name"], v["reading"]))
    except ValueError as exc:  # ReadingError
        raise _RowInvalid("reading", str(exc)) from None
    if v["id"] is not None:
        seen["id"].add(v["id"])
        ctx.place_ids.add(v["id"])
    if v["code"] is not None:
        seen["code"].add(v["code"])
    out.items.append(
        Place(
            id=v["id"],
            code=v["code"],
            name=v["name"],
            specific=v["specific"],
            generic=v["generic"],
            romanized=v["romanized"],
            reading=v["reading"],
            category_code=v["category_code"],
            admin_code=v["admin_code"],
            geometry=geometry,
            point=point,
            meaning=v["meaning"],
            origin=v["origin"],
            history=v["history"],
            description=v["description"],
            other_names=v["other_names"],
            established_year=v["established_year"],
            abolished_year=v["abolished_year"],
            status=status,
            census_status=census,
            source=v["source"],
            version=v["version"] or 1,
        )
    )
    out.extra.append(keys)


def _place_link(ctx: Context, v: dict[str, Any], name: str = "place_id") -> None:
    pid = v[name]
    if pid is not None and pid not in ctx.place_ids:
        raise _RowInvalid(name, f"地名序号不存在 (no place with id {pid})")


def _v_road(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _place_link(ctx, v)
    _unique("place_id", v["place_id"], seen.setdefault("id", set()), ctx.road_ids, "道路 road")
    _nonneg(v, "length_m", "width_m")
    seen["id"].add(v["place_id"])
    out.items.append(
        Road(
            place_id=v["place_id"],
            start_desc=v["start_desc"],
            end_desc=v["end_desc"],
            length_m=v["length_m"],
            width_m=v["width_m"],
            grade=v["grade"],
        )
    )


def _v_compound(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _place_link(ctx, v)
    _unique(
        "place_id", v["place_id"], seen.setdefault("id", set()), ctx.compound_ids, "小区 compound"
    )
    _nonneg(v, "households", "floor_area_m2")
    seen["id"].add(v["place_id"])
    out.items.append(
        Compound(
            place_id=v["place_id"],
            households=v["households"],
            floor_area_m2=v["floor_area_m2"],
            developer=v["developer"],
        )
    )


def _v_history(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "reason")
    _place_link(ctx, v)
    reason = _enum(ChangeReason, "reason", v["reason"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.history_ids, "序号 id")
    if v["valid_from"] and v["valid_to"] and v["valid_from"] > v["valid_to"]:
        raise _RowInvalid("valid_to", "停用日期早于启用日期 (valid_to is before valid_from)")
    geometry = _check_geometry(out.spec, row, required=False)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(
        NameHistoryEntry(
            id=v["id"],
            place_id=v["place_id"],
            name=v["name"],
            romanized=v["romanized"],
            valid_from=v["valid_from"],
            valid_to=v["valid_to"],
            reason=reason,
            note=v["note"],
            version=v["version"],
            geometry=geometry,
        )
    )
    out.extra.append(v["snapshot"])


def _v_bua(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "county_code")
    _known_area(ctx, "county_code", v["county_code"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.bua_ids, "序号 id")
    geometry = _check_geometry(out.spec, row, required=True)
    assert geometry is not None
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(
        BuiltUpArea(id=v["id"], name=v["name"], county_code=v["county_code"], geometry=geometry)
    )


def _facility_type(value: str) -> FacilityType:
    for k, zh in FACILITY_TYPE_NAMES.items():
        if value == zh:
            return k
    result: FacilityType = _enum(FacilityType, "type", value)
    return result


def _v_facility(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "type", "admin_code")
    ftype = _facility_type(v["type"])
    _known_area(ctx, "admin_code", v["admin_code"])
    _place_link(ctx, v)
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.facility_ids, "序号 id")
    _unique("code", v["code"], seen.setdefault("code", set()), ctx.facility_codes)
    _nonneg(v, "beds", "capacity", "floor_area_m2")
    point = _check_geometry(out.spec, row, required=True)
    assert point is not None
    ctx.check_inside(v["admin_code"], point)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    if v["code"] is not None:
        seen["code"].add(v["code"])
    out.items.append(
        Facility(
            id=v["id"],
            code=v["code"],
            name=v["name"],
            type=ftype,
            admin_code=v["admin_code"],
            point=point,
            place_id=v["place_id"],
            beds=v["beds"],
            capacity=v["capacity"],
            floor_area_m2=v["floor_area_m2"],
            operator=v["operator"],
            mode=v["mode"],
            opened_year=v["opened_year"],
            level=v["level"],
            version=v["version"] or 1,
        )
    )


def _v_demand(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "code", "name", "admin_code")
    if not re.fullmatch(r"\d{12}", v["code"]):
        raise _RowInvalid("code", f"村居代码应为12位数字 (code must be 12 digits): {v['code']}")
    _known_area(ctx, "admin_code", v["admin_code"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.demand_ids, "序号 id")
    _unique("code", v["code"], seen.setdefault("code", set()), ctx.demand_codes)
    _nonneg(v, "population", "elderly", "dependents")
    if v["elderly"] > v["population"]:
        raise _RowInvalid("elderly", "老人数多于人口 (more elderly than population)")
    if v["dependents"] > v["population"]:
        raise _RowInvalid("dependents", "供养人员多于人口 (more dependents than population)")
    point = _check_geometry(out.spec, row, required=True)
    assert point is not None
    ctx.check_inside(v["admin_code"], point)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    seen["code"].add(v["code"])
    out.items.append(
        DemandPoint(
            id=v["id"],
            code=v["code"],
            name=v["name"],
            admin_code=v["admin_code"],
            point=point,
            population=v["population"],
            elderly=v["elderly"],
            dependents=v["dependents"],
        )
    )


def _v_node(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.node_ids, "节点号 node id")
    point = _check_geometry(out.spec, row, required=True)
    assert point is not None
    seen["id"].add(v["id"])
    ctx.node_ids.add(v["id"])
    out.items.append(NetworkNode(id=v["id"], point=point))


def _v_edge(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    road_class = _enum(RoadClass, "road_class", v["road_class"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.edge_ids, "序号 id")
    _nonneg(v, "length_m")
    if v["speed_kmh"] is not None and v["speed_kmh"] <= 0:
        raise _RowInvalid("speed_kmh", f"速度应大于0 (speed must be positive): {v['speed_kmh']}")
    line = _check_geometry(out.spec, row, required=True)
    assert line is not None
    coords = list(line.coords)
    # Nodes missing from the database and the file are created at the edge's ends.
    for name, xy in (("source", coords[0]), ("target", coords[-1])):
        if v[name] not in ctx.node_ids:
            ctx.node_ids.add(v[name])
            out.extra.append(NetworkNode(id=v[name], point=Point(xy)))
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(
        NetworkEdge(
            id=v["id"],
            source=v["source"],
            target=v["target"],
            road_class=road_class,
            length_m=v["length_m"],
            speed_kmh=v["speed_kmh"],
            oneway=v["oneway"],
            name=v["name"],
            geometry=line,
        )
    )


VALIDATORS: dict[str, Validator] = {
    "admin_areas": _v_admin,
    "places": _v_place,
    "roads": _v_road,
    "compounds": _v_compound,
    "place_history": _v_history,
    "built_up_areas": _v_bua,
    "facilities": _v_facility,
    "demand_points": _v_demand,
    "network_nodes": _v_node,
    "network_edges": _v_edge,
}


def validate_layer(
    ctx: Context, spec: LayerSpec, rows: Sequence[SourceRow], progress: ProgressSink
) -> tuple[Prepared, list[RowError]]:
    out = Prepared(spec)
    errors: list[RowError] = []
    seen: dict[str, set[Any]] = {}
    parsed: list[tuple[SourceRow, dict[str, Any]]] = []
    for row in rows:
        values, errs = _parse_row(spec, row)
        if errs:
            errors.extend(errs)
        else:
            parsed.append((row, values))
    if spec.name == "admin_areas":
        # parents before children; codes of the file are not "already in the database"
        parsed.sort(key=lambda rv: (rv[1]["level"], rv[1]["code"]))
    validator = VALIDATORS[spec.name]
    progress.start(f"检查 (checking) {spec.name}", len(rows))
    progress.advance(len(rows) - len(parsed))
    for row, values in parsed:
        try:
            validator(ctx, values, row, out, seen)
        except _RowInvalid as exc:
            errors.append(RowError(row.row, exc.field, exc.problem, spec.name, row.source))
        progress.advance(1)
    progress.done()
    errors.sort(key=lambda e: (e.source, e.row, e.field))
    return out, errors


# --- writing --------------------------------------------------------------------------------


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


def _ewkt(geometries: Sequence[BaseGeometry]) -> list[str]:
    """EWKT for many geometries at once (full precision); the geometry columns accept it
    on both backends and it skips the per-row WKB round trip of the column type."""
    texts = shapely.to_wkt(list(geometries), rounding_precision=-1)
    return [f"SRID={SRID};{text}" for text in texts]


def _with_id(row: dict[str, Any], item_id: int | None) -> dict[str, Any]:
    row["id"] = item_id
    return row


def write_layer(conn: Connection, prepared: Prepared, progress: ProgressSink) -> int:
    name = prepared.spec.name
    items = prepared.items
    progress.start(f"写入 (writing) {name}", len(items))
    if name == "admin_areas":
        ordered = sorted(items, key=lambda a: (int(a.level), a.code))
        _insert(conn, t.admin_areas, [repo.admin_row(a) for a in ordered], progress)
    elif name == "places":
        repo.ensure_categories(conn)
        rows = [
            _with_id(repo.place_row(p, pinyin_key=k[0], initials=k[1]), p.id)
            for p, k in zip(items, prepared.extra, strict=True)
        ]
        _insert(conn, t.places, rows, progress)
    elif name == "roads":
        repo.insert_roads(conn, items)
        progress.advance(len(items))
    elif name == "compounds":
        repo.insert_compounds(conn, items)
        progress.advance(len(items))
    elif name == "place_history":
        from gazetteer.text import pinyin_key

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


# --- entry points ---------------------------------------------------------------------------


def import_rows(
    engine: Engine,
    sources: Sequence[tuple[LayerSpec, Sequence[SourceRow]]],
    *,
    report: ImportReport,
    skip_invalid: bool = False,
    progress: ProgressSink | None = None,
) -> ImportReport:
    """Validate and write already-read rows of several layers in one transaction."""
    sink: ProgressSink = progress or _NoProgress()
    try:
        with write_transaction(engine) as conn:
            ctx = Context(conn)
            prepared: list[Prepared] = []
            for spec, rows in sources:
                out, errors = validate_layer(ctx, spec, rows, sink)
                prepared.append(out)
                report.errors.extend(errors)
                report.rejected[spec.name] = len(rows) - len(out.items)
            if report.errors and not skip_invalid:
                raise ImportFailed(
                    f"导入失败，{len(report.errors)} 行有错误，未写入任何数据 "
                    f"(import failed: {len(report.errors)} invalid rows; nothing was written)",
                    details=[e.as_dict() for e in report.errors],
                )
            for out in prepared:
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
) -> ImportReport:
    """Import the layers of ``path`` (all it holds unless ``layers`` names some)."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    specs = resolve_import_layers(path, fmt, layers)
    if not specs:
        raise InvalidInput(f"文件中没有可导入的图层 (no gazetteer layers found in {path.name})")
    sources = [(spec, read_rows(path, fmt, spec)) for spec in specs]
    report = ImportReport(path=path, format=fmt, dry_run=dry_run)
    return import_rows(engine, sources, report=report, skip_invalid=skip_invalid, progress=progress)


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
