"""CQL2 filters (OGC API – Features Part 3) as SQLAlchemy expressions over the tables.

Parsing is pygeofilter's (``cql2_text`` and ``cql2_json``, a maintained parser); the
translation of its AST into SQL is ours, because pygeofilter's SQLAlchemy backend expects
one mapped class per layer and GeoAlchemy2's PostGIS functions, while our collections are
joins over two dialects with the differences in :mod:`gazetteer.storage.dialect`.

Supported: ``AND``/``OR``/``NOT``, comparisons, ``LIKE`` (``%`` and ``_``),
``BETWEEN``, ``IN``, ``IS NULL``, ``CASEI``/``LOWER``, spatial ``S_INTERSECTS``,
``S_WITHIN``, ``S_CONTAINS``, ``S_DISJOINT``, ``S_TOUCHES``, ``S_CROSSES``, ``S_OVERLAPS``,
``S_EQUALS`` and ``S_DWITHIN(geometry, <geometry>, <metres>[, meters])`` (distance on the
ellipsoid), the 15 temporal functions of CQL2 on instants and intervals
(:mod:`gazetteer.ogc.temporal`) and comparisons on the date queryables (``established``,
``abolished``, ``opened``: 1 January of the year column). Geometry literals are in
``filter-crs`` (CRS84 by default; EPSG:4490/4326 in latitude, longitude order; EPSG:4550
northing, easting) and are transformed to CRS84 here. Anything else — an unknown
property, a wrong literal type, a syntax error — is an :class:`InvalidInput` saying where.

pygeofilter 0.4 quirks handled before parsing: CQL2 JSON ``{"bbox": [...]}`` is turned
into a polygon (pygeofilter reads the numbers in the wrong order); ``S_DWITHIN``, which its
CQL2 grammars lack, and the temporal functions, which it reads only partly, become
function calls.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import box, shape
from sqlalchemy import and_, false, func, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import InvalidInput
from gazetteer.ogc import crs as crsmod
from gazetteer.ogc.collections import GEOMETRY_QUERYABLE, CollectionDef, Property
from gazetteer.ogc.temporal import Temporal, rewrite_json, rewrite_text, temporal_call
from gazetteer.storage.dialect import (
    bbox_match,
    dwithin_metres,
    indexed_relation,
    spatial_relation,
)

MAX_FILTER_LENGTH = 20_000
# cql-text: the name the Part 3 drafts gave CQL2 text; GDAL's OAPIF driver sends it.
LANGS = ("cql2-text", "cql2-json", "cql-text")
METRE_UNITS = {"m", "meter", "meters", "metre", "metres"}
_DWITHIN = re.compile(r"\bS_DWITHIN\s*\(", re.IGNORECASE)
_SPATIAL = {
    ast.GeometryIntersects: "Intersects",
    ast.GeometryDisjoint: "Disjoint",
    ast.GeometryContains: "Contains",
    ast.GeometryWithin: "Within",
    ast.GeometryTouches: "Touches",
    ast.GeometryCrosses: "Crosses",
    ast.GeometryOverlaps: "Overlaps",
    ast.GeometryEquals: "Equals",
}
_CONVERSE = {"Within": "Contains", "Contains": "Within"}
_INDEXED = {"Intersects", "Within", "Contains", "Touches", "Crosses", "Overlaps", "Equals"}


def _bad(msg: str) -> InvalidInput:
    return InvalidInput(f"filter 无效 (invalid filter): {msg}")


# --- parsing ------------------------------------------------------------------------------


def _mark_dwithin(text: str) -> str:
    """``S_DWITHIN(...)`` → ``S_DWITHIN(...) = TRUE`` (a function call the grammar reads)."""
    out: list[str] = []
    pos = 0
    for m in _DWITHIN.finditer(text):
        if text.count("'", 0, m.start()) % 2:
            continue  # inside a string literal
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[pos:i] + " = TRUE")
        pos = i
    out.append(text[pos:])
    return "".join(out)


def _rewrite_text(text: str) -> str:
    return rewrite_text(_mark_dwithin(text))


def _fix_json(node: Any) -> Any:
    if isinstance(node, list):
        return [_fix_json(n) for n in node]
    if not isinstance(node, dict):
        return node
    temporal = rewrite_json(node, _fix_json)
    if temporal is not None:
        return temporal
    if set(node) == {"bbox"} and isinstance(node["bbox"], list) and len(node["bbox"]) == 4:
        x1, y1, x2, y2 = node["bbox"]
        return box(x1, y1, x2, y2).__geo_interface__
    if str(node.get("op", "")).lower() == "s_dwithin":
        args = _fix_json(node.get("args", []))
        return {"op": "=", "args": [{"function": {"name": "s_dwithin", "arguments": args}}, True]}
    return {k: _fix_json(v) for k, v in node.items()}


def _where(e: UnexpectedInput, text: str) -> str:
    col = getattr(e, "column", None)
    pos = getattr(e, "pos_in_stream", None)
    near = text[max(0, (pos or 0) - 10) : (pos or 0) + 10] if pos is not None else ""
    expected: list[str] = []
    if isinstance(e, UnexpectedToken):
        expected = sorted(str(x) for x in e.expected)[:8]
    elif isinstance(e, UnexpectedCharacters):
        expected = sorted(str(x) for x in (e.allowed or ()))[:8]
    hint = f"; expected one of {', '.join(expected)}" if expected else ""
    return f"syntax error at column {col} (near {near!r}){hint}"


def parse_filter(text: str, lang: str | None) -> Any:
    """The pygeofilter AST of a filter in ``cql2-text`` (default) or ``cql2-json``."""
    lang = lang or "cql2-text"
    if lang not in LANGS:
        raise InvalidInput(
            f"不支持的 filter-lang (unsupported filter-lang): {lang[:30]!r}; use cql2-text or "
            "cql2-json"
        )
    if len(text) > MAX_FILTER_LENGTH:
        raise _bad(f"longer than {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        raise _bad("empty")
    if lang == "cql2-json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise _bad(f"JSON syntax error at line {e.lineno} column {e.colno}: {e.msg}") from None
        try:
            return parse_json(_fix_json(doc))
        except Exception as e:  # pygeofilter raises bare Exceptions for some input
            raise _bad(f"not CQL2 JSON: {str(e)[:200]}") from None
    try:
        return parse_text(_rewrite_text(text))
    except UnexpectedInput as e:
        raise _bad(_where(e, text)) from None
    except Exception as e:  # pygeofilter raises bare Exceptions for some input
        first = (str(e).splitlines() or [""])[0]
        raise _bad(f"not CQL2 text: {first[:200]}") from None


# --- translation --------------------------------------------------------------------------


class _Translator:
    def __init__(self, c: CollectionDef, crs: crsmod.Crs) -> None:
        self.c = c
        self.crs = crs
        self.temporal = Temporal(c, self.prop)

    # values
    def prop(self, node: Any) -> Property:
        if not isinstance(node, ast.Attribute):
            raise _bad(f"expected a property name, got {node!r:.80}")
        p = self.c.property(node.name)
        if p is None:
            names = ", ".join([GEOMETRY_QUERYABLE, *(q.name for q in self.c.properties)])
            raise _bad(f"未知属性 (unknown property) {node.name!r:.60}; queryables: {names}")
        return p

    def scalar(self, node: Any, like: Property | None) -> ColumnElement[Any] | Any:
        if isinstance(node, ast.Attribute):
            p = self.prop(node)
            if p.kind == "interval":
                raise _bad(f"{p.name} is an interval: compare it with the T_ functions")
            return p.column
        if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei"):
            (arg,) = node.arguments
            if isinstance(arg, str):
                return arg.lower()  # Python's lower: SQLite's lower() is ASCII-only
            return func.lower(self.scalar(arg, like))
        if isinstance(node, (ast.Node, values.Geometry, values.Envelope, values.Interval)):
            raise _bad(f"not supported here: {node!r:.80}")
        if like is not None:
            self.check_type(like, node)
        return node

    @staticmethod
    def check_type(p: Property, v: Any) -> None:
        numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
        if p.kind in ("integer", "number") and not numeric:
            raise _bad(f"属性 {p.name} 是数值 (property {p.name} is a number), got {v!r:.40}")
        if p.kind == "string" and not isinstance(v, str):
            raise _bad(f"属性 {p.name} 是字符串 (property {p.name} is a string), got {v!r:.40}")
        if p.kind == "integer" and numeric and not -(2**31) <= v < 2**31:
            raise _bad(f"{v} out of range for {p.name}")
        if isinstance(v, float) and not math.isfinite(v):
            raise _bad("numbers must be finite")

    # predicates
    def __call__(self, node: Any) -> ColumnElement[bool]:
        if isinstance(node, ast.And):
            return and_(self(node.lhs), self(node.rhs))
        if isinstance(node, ast.Or):
            return or_(self(node.lhs), self(node.rhs))
        if isinstance(node, ast.Not):
            return not_(self(node.sub_node))
        if isinstance(node, ast.Include):
            return false() if node.not_ else true()
        call = temporal_call(node)
        if call is not None:
            return self.temporal(*call)
        if _is_dwithin(node):
            return self.dwithin(node.lhs.arguments)
        if isinstance(node, ast.Comparison):
            return self.comparison(node)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.Between):
            p = self.prop(node.lhs)
            e = p.column.between(self.scalar(node.low, p), self.scalar(node.high, p))
            return not_(e) if node.not_ else e
        if isinstance(node, ast.In):
            p = self.prop(node.lhs)
            e = p.column.in_([self.scalar(v, p) for v in node.sub_nodes])
            return not_(e) if node.not_ else e
        if isinstance(node, ast.IsNull):
            col = self.prop(node.lhs).column
            return col.is_not(None) if node.not_ else col.is_(None)
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self.spatial(node)
        if isinstance(node, ast.BBox):
            return self.spatial(
                ast.GeometryIntersects(
                    node.lhs, values.Geometry(box(node.minx, node.miny, node.maxx, node.maxy))
                )
            )
        if isinstance(node, ast.DistanceWithin):
            return self.dwithin([node.lhs, node.rhs, node.distance, ast.Attribute(node.units)])
        raise _bad(f"不支持的表达式 (unsupported expression): {node!r:.120}")

    def comparison(self, node: Any) -> ColumnElement[bool]:
        op = node.op.value
        if isinstance(node.lhs, ast.Attribute) and not isinstance(node.rhs, ast.Node):
            p = self.prop(node.lhs)
            if p.kind == "date":
                return _date_compare(p.column, op, _instant(node.rhs, p))
            if p.kind == "interval":
                raise _bad(f"{p.name} is an interval: compare it with the T_ functions")
        left = self.scalar(node.lhs, None)
        prop = self.prop(node.lhs) if isinstance(node.lhs, ast.Attribute) else None
        right = self.scalar(node.rhs, prop)
        ops: dict[str, Any] = {
            "=": lambda a, b: a == b,
            "<>": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }
        if op not in ops:
            raise _bad(f"unsupported comparison {op}")
        result: ColumnElement[bool] = ops[op](left, right)
        return result

    def like(self, node: Any) -> ColumnElement[bool]:
        if isinstance(node.lhs, ast.Function):
            left = self.scalar(node.lhs, None)
        else:
            p = self.prop(node.lhs)
            if p.kind != "string":
                raise _bad(f"LIKE needs a string property; {p.name} is {p.kind}")
            left = p.column
        pattern = node.pattern
        if isinstance(pattern, ast.Function):
            pattern = self.scalar(pattern, None)
        elif not isinstance(pattern, str):
            raise _bad("LIKE needs a string pattern")
        e = left.like(pattern, escape="\\")
        return not_(e) if node.not_ else e

    def geometry_literal(self, node: Any) -> Any:
        if isinstance(node, values.Geometry):
            try:
                g = shape(node.geometry) if isinstance(node.geometry, dict) else node.geometry
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise _bad(f"invalid geometry: {e}") from None
        elif isinstance(node, values.Envelope):
            g = box(node.x1, node.y1, node.x2, node.y2)
        elif isinstance(node, ast.Function) and node.name.lower() == "bbox":
            nums = node.arguments
            if len(nums) != 4:
                raise _bad("BBOX needs 4 numbers")
            g = box(*nums)
        else:
            raise _bad(f"expected a geometry literal, got {node!r:.80}")
        if g.is_empty:
            raise _bad("empty geometry")
        if not g.is_valid:
            raise _bad("invalid geometry (e.g. a self-intersecting polygon)")
        if not self.crs.is_crs84:
            g = crsmod.geometry_to_crs84(g, self.crs)
        x1, y1, x2, y2 = g.bounds
        if not all(map(math.isfinite, g.bounds)) or not (
            -180 <= x1 <= x2 <= 180 and -90 <= y1 <= y2 <= 90
        ):
            where = "CRS84" if self.crs.is_crs84 else f"filter-crs {self.crs.uri}"
            raise _bad(f"geometry coordinates must be longitude/latitude (CRS84) or in {where}")
        return g

    def geometry_attribute(self, node: Any) -> None:
        if not (isinstance(node, ast.Attribute) and node.name == GEOMETRY_QUERYABLE):
            raise _bad(
                f"spatial predicates compare the property {GEOMETRY_QUERYABLE!r} with a "
                f"geometry literal; got {node!r:.60}"
            )

    def spatial(self, node: Any) -> ColumnElement[bool]:
        relation = _SPATIAL[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if isinstance(rhs, ast.Attribute) and not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
            relation = _CONVERSE.get(relation, relation)
        self.geometry_attribute(lhs)
        g = self.geometry_literal(rhs)
        if relation in _INDEXED:
            index = bbox_match(self.c.bbox_filter_table, g.bounds, self.c.geometry_column)
            return indexed_relation(self.c.geometry, relation, g.wkt, index)
        return spatial_relation(self.c.geometry, relation, g.wkt)

    def dwithin(self, args: list[Any]) -> ColumnElement[bool]:
        if len(args) not in (3, 4):
            raise _bad("S_DWITHIN(geometry, <geometry>, <distance>[, meters])")
        self.geometry_attribute(args[0])
        g = self.geometry_literal(args[1])
        dist = args[2]
        if isinstance(dist, bool) or not isinstance(dist, (int, float)):
            raise _bad("S_DWITHIN distance must be a number of metres")
        if not 0 <= dist <= 1_000_000:
            raise _bad("S_DWITHIN distance must be 0..1000000 metres")
        if len(args) == 4:
            unit = args[3].name if isinstance(args[3], ast.Attribute) else str(args[3])
            if unit.lower() not in METRE_UNITS:
                raise _bad(f"S_DWITHIN unit must be metres, got {unit!r:.20}")
        x1, y1, x2, y2 = g.bounds
        dlat = dist / 110_000 * 1.05 + 1e-6
        dlon = dlat / max(0.1, math.cos(math.radians(max(abs(y1), abs(y2)))))
        grown = (max(-180, x1 - dlon), max(-90, y1 - dlat), min(180, x2 + dlon), min(90, y2 + dlat))
        index = bbox_match(self.c.bbox_filter_table, grown, self.c.geometry_column)
        return and_(index, dwithin_metres(self.c.geometry, g.wkt, float(dist)))


def _is_dwithin(node: Any) -> bool:
    return (
        isinstance(node, ast.Equal)
        and isinstance(node.lhs, ast.Function)
        and node.lhs.name.lower() == "s_dwithin"
        and node.rhs is True
    )


def _instant(v: Any, p: Property) -> datetime:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    raise _bad(f"属性 {p.name} 是日期 (property {p.name} is a date), got {v!r:.40}")


def _date_compare(year: ColumnElement[Any], op: str, d: datetime) -> ColumnElement[bool]:
    """Compare 1 January of ``year`` (a year column) with the instant ``d``."""
    y = d.year
    jan1 = (d.month, d.day, d.hour, d.minute, d.second, d.microsecond) == (1, 1, 0, 0, 0, 0)
    if op == "=":
        return year == y if jan1 else false()
    if op == "<>":
        return year != y if jan1 else year.is_not(None)
    if op == "<":
        return year < y if jan1 else year <= y
    if op == "<=":
        return year <= y
    if op == ">":
        return year > y
    if op == ">=":
        return year >= y if jan1 else year > y
    raise _bad(f"unsupported comparison {op}")


def to_sql(c: CollectionDef, tree: Any, crs: crsmod.Crs = crsmod.DEFAULT) -> ColumnElement[bool]:
    """The SQL condition of a parsed filter over collection ``c`` (geometry literals in
    ``crs``)."""
    try:
        return _Translator(c, crs)(tree)
    except RecursionError:
        raise _bad("nested too deeply") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
        # a tree the grammar allows but no SQL means (e.g. CASEI with two arguments)
        raise _bad(f"不支持的表达式 (unsupported expression): {type(e).__name__}") from None


def compile_filter(
    c: CollectionDef, text: str, lang: str | None, crs: crsmod.Crs = crsmod.DEFAULT
) -> ColumnElement[bool]:
    """Parse and translate a filter; :class:`InvalidInput` saying where when it is wrong."""
    return to_sql(c, parse_filter(text, lang), crs)


__all__ = ["LANGS", "compile_filter", "parse_filter", "to_sql"]
