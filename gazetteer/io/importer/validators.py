"""Per-layer validation: rows to prepared domain objects, or row errors.

Each validator checks one row of its layer -- required fields, known codes, duplicates in
the file and in the database, the geometry (present, valid, of the layer's type, inside
the area it claims) -- and appends the object to write.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from gazetteer import model as m
from gazetteer.io.importer.context import Area, Context
from gazetteer.io.importer.parse import parse_rows
from gazetteer.io.importer.report import ProgressSink, RowError, RowInvalid
from gazetteer.io.layers import GeomKind, LayerSpec
from gazetteer.io.read import RowChunks, Rows, SourceRow
from gazetteer.io.validation import is_marine_or_seat, place_point
from gazetteer.text import search_keys
from gazetteer.types import AdminCode

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


_TYPE_NAMES = np.array(
    [
        "Point",
        "LineString",
        "LinearRing",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
    ]
)


def check_geometries(spec: LayerSpec, rows: Sequence[SourceRow]) -> list[BaseGeometry | str | None]:
    """Per row: its geometry ready to store, ``None`` when it has none, or the problem.

    The checks -- read, of the layer's type, valid, in longitude/latitude degrees -- run
    over all rows at once (array operations); a row reports the first that fails.
    """
    out: list[BaseGeometry | str | None] = [r.geometry_error or r.geometry for r in rows]
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [None if r.geometry_error else r.geometry for r in rows]
    at = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    for i in np.flatnonzero(shapely.is_empty(geoms)).tolist():
        out[i] = None
    g = geoms[at]
    flat = shapely.get_coordinate_dimension(g) > 2
    if flat.any():
        g[flat] = shapely.force_2d(g[flat])
    types = _TYPE_NAMES[shapely.get_type_id(g)]
    families = _FAMILIES[spec.geometry]
    right_type = np.isin(types, families)
    valid = shapely.is_valid(g)
    x1, y1, x2, y2 = shapely.bounds(g).T
    degrees = (x1 >= -180) & (x1 <= x2) & (x2 <= 180) & (y1 >= -90) & (y1 <= y2) & (y2 <= 90)
    wrap = spec.geometry == GeomKind.MULTIPOLYGON
    ok = right_type & valid & degrees
    for i, gi in zip(at[ok].tolist(), g[ok], strict=True):
        out[i] = MultiPolygon([gi]) if wrap and gi.geom_type == "Polygon" else gi
    for k in np.flatnonzero(~ok).tolist():
        gi = g[k]
        if not right_type[k]:
            problem = (
                f"几何类型 {gi.geom_type} 不符 (wrong geometry type; expected "
                f"{' / '.join(families)})"
            )
        elif not valid[k]:
            problem = f"几何无效 (invalid geometry): {shapely.is_valid_reason(gi)}"
        else:
            problem = "坐标超出经纬度范围 (coordinates are not longitude/latitude degrees)"
        out[int(at[k])] = problem
    return out


def _check_geometry(out: Prepared, row: SourceRow, *, required: bool) -> BaseGeometry | None:
    """The row's geometry as :func:`check_geometries` found it, or the row error."""
    g = out.geometries[id(row)]
    if isinstance(g, str):
        raise RowInvalid("geometry", g)
    if g is None and required:
        raise RowInvalid("geometry", "缺少几何 (geometry missing)")
    return g


def _require(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) in (None, ""):
            raise RowInvalid(name, "必填字段为空 (required field is empty)")


def _enum(enum_cls: Any, name: str, value: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_cls)
        raise RowInvalid(name, f"未知取值 (unknown value) {value!r}; allowed: {allowed}") from None


def _nonneg(values: dict[str, Any], *names: str) -> None:
    for name in names:
        v = values.get(name)
        if v is not None and v < 0:
            raise RowInvalid(name, f"不能为负数 (must not be negative): {v}")


def _unique(
    name: str, value: Any, seen_file: set[Any], seen_db: set[Any], what: str = "代码 code"
) -> None:
    if value is None:
        return
    if value in seen_file:
        raise RowInvalid(name, f"文件内重复 (duplicate {what} in the file): {value}")
    if value in seen_db:
        raise RowInvalid(
            name, f"数据库中已存在 (duplicate {what}, already in the database): {value}"
        )


T = TypeVar("T")
_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}  # per model class, for every row


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _build(cls: type[T], v: dict[str, Any], **checked: Any) -> T:
    """A ``cls`` from the row's values of its fields' names, with the ``checked`` ones
    (enums, geometry, defaults the validator settled) in their place."""
    args = {name: v[name] for name in _field_names(cls) if name in v}
    args.update(checked)
    return cls(**args)


def _known_area(ctx: Context, name: str, code: str) -> None:
    if code not in ctx.areas:
        raise RowInvalid(name, f"未知行政区划代码 (unknown administrative area code): {code}")


# --- per-layer validation: rows -> prepared objects ------------------------------------------


@dataclass(slots=True)
class Prepared:
    """The accepted rows of one layer, ready to write."""

    spec: LayerSpec
    items: list[Any] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)  # nodes created for edges, snapshots
    # id(row) -> its checked geometry, None or the problem (check_geometries)
    geometries: dict[int, BaseGeometry | str | None] = field(default_factory=dict)


Validator = Callable[[Context, dict[str, Any], SourceRow, "Prepared", dict[str, set[Any]]], None]


def _v_admin(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "code", "name")
    code = v["code"]
    if not re.fullmatch(r"\d{12}", code):
        raise RowInvalid("code", f"区划代码应为12位数字 (code must be 12 digits): {code}")
    level = v["level"]
    if level not in (2, 3, 4, 5):
        raise RowInvalid("level", f"级别应为 2–5 (level must be 2..5): {level}")
    if not AdminCode(code).fits_level(level):
        raise RowInvalid("code", f"代码与级别 {level} 不符 (code does not fit level {level})")
    _unique("code", code, seen.setdefault("admin", set()), ctx.db_admin_codes)
    parent = v["parent_code"]
    if parent is not None and parent not in ctx.areas:
        if level == 2:
            parent = None  # the province lies outside the gazetteer
        else:
            raise RowInvalid(
                "parent_code", f"上级区划不存在 (parent area does not exist): {parent}"
            )
    if level > 2 and parent is None:
        raise RowInvalid("parent_code", "必填字段为空 (required field is empty)")
    if parent is not None:
        plevel = ctx.areas[parent].level
        if plevel != level - 1:
            raise RowInvalid(
                "parent_code",
                f"上级区划级别 {plevel} 与本级 {level} 不衔接 (parent level {plevel} "
                f"does not fit level {level})",
            )
        if AdminCode(code).prefix(level - 1) != AdminCode(parent).prefix(level - 1):
            raise RowInvalid(
                "code",
                f"代码 {code} 与上级 {parent} 前缀不一致 (code prefix differs from the parent)",
            )
    geometry = _check_geometry(out, row, required=False)
    centre = None
    if v["centre_lon"] is not None and v["centre_lat"] is not None:
        centre = Point(v["centre_lon"], v["centre_lat"])
    if centre is not None:
        # a seat (驻地) may lie outside its own territory (development zones): city extent only
        ctx.check_inside(code, centre, marine=True)
    ctx.add_area(code, Area(level, parent, geometry))
    seen["admin"].add(code)
    out.items.append(
        _build(
            m.AdminArea,
            v,
            level=m.AdminLevel(level),
            parent_code=parent,
            geometry=geometry,
            centre=centre,
        )
    )


def _v_place(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "category_code", "admin_code")
    if v["category_code"] not in ctx.majors:
        raise RowInvalid(
            "category_code", f"未知类别代码 (unknown category code): {v['category_code']}"
        )
    _known_area(ctx, "admin_code", v["admin_code"])
    status = _enum(m.PlaceStatus, "status", v["status"] or "current")
    census = _enum(m.CensusStatus, "census_status", v["census_status"] or "unchanged")
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.place_ids, "序号 id")
    _unique("code", v["code"], seen.setdefault("code", set()), ctx.place_codes)
    for year in ("established_year", "abolished_year"):
        y = v[year]
        if y is not None and not 0 < y <= 2100:
            raise RowInvalid(year, f"年份不合理 (implausible year): {y}")
    geometry = _check_geometry(out, row, required=True)
    assert geometry is not None  # required=True
    given = Point(v["lon"], v["lat"]) if v["lon"] is not None and v["lat"] is not None else None
    point = place_point(geometry, given)
    # marine features lie off the land polygons; an administrative division's point is its
    # seat (驻地), which may lie outside its own territory
    marine = is_marine_or_seat(v["category_code"], ctx.majors[v["category_code"]])
    ctx.check_inside(v["admin_code"], point, marine=marine)
    try:
        keys = search_keys(v["name"], v["reading"])
    except ValueError as exc:  # ReadingError
        raise RowInvalid("reading", str(exc)) from None
    if v["id"] is not None:
        seen["id"].add(v["id"])
        ctx.place_ids.add(v["id"])
    if v["code"] is not None:
        seen["code"].add(v["code"])
    out.items.append(
        _build(
            m.Place,
            v,
            geometry=geometry,
            point=point,
            status=status,
            census_status=census,
            version=v["version"] or 1,
        )
    )
    out.extra.append(keys)


def _place_link(ctx: Context, v: dict[str, Any], name: str = "place_id") -> None:
    pid = v[name]
    if pid is not None and pid not in ctx.place_ids:
        raise RowInvalid(name, f"地名序号不存在 (no place with id {pid})")


def _place_extension(
    model: type[Any], known: Callable[[Context], set[Any]], what: str, *numbers: str
) -> Validator:
    """The validator of a layer that adds fields to a place (a road, a compound): at most
    one row per place, and ``numbers`` not negative."""

    def validate(
        ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
    ) -> None:
        _place_link(ctx, v)
        _unique("place_id", v["place_id"], seen.setdefault("id", set()), known(ctx), what)
        _nonneg(v, *numbers)
        seen["id"].add(v["place_id"])
        out.items.append(_build(model, v))

    return validate


def _v_history(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "reason")
    _place_link(ctx, v)
    reason = _enum(m.ChangeReason, "reason", v["reason"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.history_ids, "序号 id")
    if v["valid_from"] and v["valid_to"] and v["valid_from"] > v["valid_to"]:
        raise RowInvalid("valid_to", "停用日期早于启用日期 (valid_to is before valid_from)")
    geometry = _check_geometry(out, row, required=False)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(_build(m.NameHistoryEntry, v, reason=reason, geometry=geometry))
    out.extra.append(v["snapshot"])


def _v_bua(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "name", "county_code")
    _known_area(ctx, "county_code", v["county_code"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.bua_ids, "序号 id")
    geometry = _check_geometry(out, row, required=True)
    assert geometry is not None
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(_build(m.BuiltUpArea, v, geometry=geometry))


def _facility_type(value: str) -> m.FacilityType:
    for k, zh in m.FACILITY_TYPE_NAMES.items():
        if value == zh:
            return k
    result: m.FacilityType = _enum(m.FacilityType, "type", value)
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
    point = _check_geometry(out, row, required=True)
    assert point is not None
    ctx.check_inside(v["admin_code"], point)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    if v["code"] is not None:
        seen["code"].add(v["code"])
    out.items.append(_build(m.Facility, v, type=ftype, point=point, version=v["version"] or 1))


def _v_demand(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _require(v, "code", "name", "admin_code")
    if not re.fullmatch(r"\d{12}", v["code"]):
        raise RowInvalid("code", f"村居代码应为12位数字 (code must be 12 digits): {v['code']}")
    _known_area(ctx, "admin_code", v["admin_code"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.demand_ids, "序号 id")
    _unique("code", v["code"], seen.setdefault("code", set()), ctx.demand_codes)
    _nonneg(v, "population", "elderly", "dependents")
    if v["elderly"] > v["population"]:
        raise RowInvalid("elderly", "老人数多于人口 (more elderly than population)")
    if v["dependents"] > v["population"]:
        raise RowInvalid("dependents", "供养人员多于人口 (more dependents than population)")
    point = _check_geometry(out, row, required=True)
    assert point is not None
    ctx.check_inside(v["admin_code"], point)
    if v["id"] is not None:
        seen["id"].add(v["id"])
    seen["code"].add(v["code"])
    out.items.append(_build(m.DemandPoint, v, point=point))


def _v_node(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.node_ids, "节点号 node id")
    point = _check_geometry(out, row, required=True)
    assert point is not None
    seen["id"].add(v["id"])
    ctx.node_ids.add(v["id"])
    out.items.append(_build(m.NetworkNode, v, point=point))


def _v_edge(
    ctx: Context, v: dict[str, Any], row: SourceRow, out: Prepared, seen: dict[str, set[Any]]
) -> None:
    road_class = _enum(m.RoadClass, "road_class", v["road_class"])
    _unique("id", v["id"], seen.setdefault("id", set()), ctx.edge_ids, "序号 id")
    _nonneg(v, "length_m")
    if v["speed_kmh"] is not None and v["speed_kmh"] <= 0:
        raise RowInvalid("speed_kmh", f"速度应大于0 (speed must be positive): {v['speed_kmh']}")
    line = _check_geometry(out, row, required=True)
    assert line is not None
    coords = list(line.coords)
    # Nodes missing from the database and the file are created at the edge's ends.
    for name, xy in (("source", coords[0]), ("target", coords[-1])):
        if v[name] not in ctx.node_ids:
            ctx.node_ids.add(v[name])
            out.extra.append(m.NetworkNode(id=v[name], point=Point(xy)))
    if v["id"] is not None:
        seen["id"].add(v["id"])
    out.items.append(_build(m.NetworkEdge, v, road_class=road_class, geometry=line))


VALIDATORS: dict[str, Validator] = {
    "admin_areas": _v_admin,
    "places": _v_place,
    "roads": _place_extension(m.Road, lambda ctx: ctx.road_ids, "道路 road", "length_m", "width_m"),
    "compounds": _place_extension(
        m.Compound, lambda ctx: ctx.compound_ids, "小区 compound", "households", "floor_area_m2"
    ),
    "place_history": _v_history,
    "built_up_areas": _v_bua,
    "facilities": _v_facility,
    "demand_points": _v_demand,
    "network_nodes": _v_node,
    "network_edges": _v_edge,
}


def _inside_test(ctx: Context, code: str) -> Callable[[float, float], bool]:
    """Whether a point at (lon, lat) would pass the area check of ``code`` (for hints)."""

    def inside(lon: float, lat: float) -> bool:
        try:
            ctx.check_inside(code, Point(lon, lat))
        except RowInvalid:
            return False
        return True

    return inside


FLUSH_EVERY = 5_000  # rows checked between two calls of validate_layer's ``flush``


def validate_layer(
    ctx: Context,
    spec: LayerSpec,
    rows: Rows,
    progress: ProgressSink,
    flush: Callable[[Prepared], None] | None = None,
) -> tuple[Prepared, list[RowError]]:
    """The layer's rows checked: what to write, and the row errors. ``flush`` (if given)
    is called with what has been accepted so far every ``FLUSH_EVERY`` rows, so that the
    caller can write those while the rest are checked."""
    out = Prepared(spec)
    seen: dict[str, set[Any]] = {}
    errors: list[RowError] = []
    validator = VALIDATORS[spec.name]
    progress.start(f"检查 (checking) {spec.name}", len(rows))
    n = 0
    # rows read a chunk at a time are checked (and flushed) as they come
    for block in rows.chunks if isinstance(rows, RowChunks) else [rows]:
        parsed, failed = parse_rows(spec, block)
        errors.extend(failed)
        checked = check_geometries(spec, [row for row, _ in parsed])
        # by id(row): the block's rows are alive while it is checked
        out.geometries = {id(row): g for (row, _), g in zip(parsed, checked, strict=True)}
        if spec.name == "admin_areas":
            # parents before children; codes of the file are not "already in the database"
            parsed.sort(key=lambda rv: (rv[1]["level"], rv[1]["code"]))
        progress.advance(len(block) - len(parsed))
        for row, values in parsed:
            n += 1
            if flush is not None and n % FLUSH_EVERY == 0:
                flush(out)
            try:
                validator(ctx, values, row, out, seen)
            except RowInvalid as exc:
                problem = exc.problem
                if exc.field == "geometry" and row.hint is not None and values.get("admin_code"):
                    problem += row.hint(_inside_test(ctx, values["admin_code"]))
                errors.append(RowError(row.row, exc.field, problem, spec.name, row.source))
            progress.advance(1)
    progress.done()
    errors.sort(key=lambda e: (e.source, e.row, e.field))
    return out, errors


__all__ = ["FLUSH_EVERY", "VALIDATORS", "Prepared", "Validator", "validate_layer"]
