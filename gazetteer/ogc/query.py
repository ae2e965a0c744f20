"""Items requests: raw query parameters → a validated :class:`ItemsQuery`.

Parameters (OGC API – Features Parts 1–3): ``limit``, ``offset``, ``cursor`` (keyset
paging), ``bbox`` with ``bbox-crs``, ``datetime`` (instants, intervals, open ends ``..``),
``filter`` with ``filter-lang`` and ``filter-crs`` (CQL2), ``properties``, ``sortby``,
``crs``, ``f`` and one equality filter per property (Part 3, queryables as query
parameters). A CQL2 JSON filter may also come as a request body (``POST …/items``).
Unknown or repeated parameters and bad values raise :class:`InvalidInput` (a 400).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.errors import InvalidInput
from gazetteer.ogc import crs as crsmod
from gazetteer.ogc.collections import CollectionDef, Property
from gazetteer.ogc.cql2 import compile_filter
from gazetteer.types import INT32_MAX, INT64_MAX, INT64_MIN, BBox, parse_bbox

PropertyValue = str | int | float | None
KeyValue = int | str

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
# Query parameters every items request accepts besides the property filters.
COMMON_PARAMETERS = (
    "bbox",
    "bbox-crs",
    "limit",
    "offset",
    "cursor",
    "f",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "properties",
    "sortby",
    "crs",
)
# Carried unchanged into next/prev links.
CARRIED = ("bbox-crs", "datetime", "filter", "filter-lang", "filter-crs", "properties", "sortby")
FORMATS = ("json", "geojson", "html")


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position: rows ``after`` the key, or rows ``before`` it."""

    direction: Literal["after", "before"]
    key: KeyValue

    def token(self) -> str:
        return ("a" if self.direction == "after" else "b") + str(self.key)


@dataclass(frozen=True, slots=True)
class ItemsQuery:
    """A validated items request for one collection."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: BBox | None = None  # CRS84, whatever bbox-crs was
    cursor: Cursor | None = None
    filters: tuple[tuple[str, PropertyValue], ...] = ()
    datetime: tuple[datetime | None, datetime | None] | None = None
    where: ColumnElement[bool] | None = field(default=None, compare=False)
    properties: tuple[str, ...] | None = None
    sortby: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    crs: crsmod.Crs = crsmod.DEFAULT
    format: str | None = None
    carried: tuple[tuple[str, str], ...] = ()  # raw parameters repeated in links
    raw_bbox: str | None = None

    @property
    def is_first_page(self) -> bool:
        return self.cursor is None and self.offset == 0


def _parse_int(name: str, raw: str, *, lo: int, hi: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidInput(
            f"参数 {name} 必须是整数 (parameter {name} must be an integer): {raw[:40]!r}"
        ) from None
    if not lo <= value <= hi:
        raise InvalidInput(
            f"参数 {name} 超出范围 (parameter {name} out of range): {value}; allowed {lo}..{hi}"
        )
    return value


def _parse_key(c: CollectionDef, raw: str) -> KeyValue:
    if c.key_kind == "integer":
        return _parse_int("cursor", raw, lo=INT64_MIN, hi=INT64_MAX)
    if not raw or len(raw) > 64:
        raise InvalidInput(f"cursor 无效 (invalid cursor): {raw[:40]!r}")
    return raw


def parse_cursor(c: CollectionDef, raw: str) -> Cursor:
    if len(raw) < 2 or raw[0] not in "ab":
        raise InvalidInput(
            f"cursor 无效 (invalid cursor): {raw[:40]!r}; use the next/prev links as given"
        )
    direction: Literal["after", "before"] = "after" if raw[0] == "a" else "before"
    return Cursor(direction, _parse_key(c, raw[1:]))


def _parse_value(prop: Property, raw: str) -> PropertyValue:
    if len(raw) > 200:
        raise InvalidInput(f"参数 {prop.name} 过长 (parameter {prop.name} too long)")
    if prop.kind == "integer":
        return _parse_int(prop.name, raw, lo=-INT32_MAX - 1, hi=INT32_MAX)
    if prop.kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise InvalidInput(
                f"参数 {prop.name} 必须是数字 (parameter {prop.name} must be a number)"
            ) from None
    return raw


# --- datetime -----------------------------------------------------------------------------


def _instant(raw: str, *, end: bool) -> datetime:
    s = raw.strip()
    try:
        if len(s) == 10:
            d = date.fromisoformat(s)
            return datetime.combine(d, time.max if end else time.min)
        v = datetime.fromisoformat(s.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"datetime 无效 (invalid datetime): {raw[:40]!r}; use RFC 3339, e.g. 2018-02-12, "
            "2018-02-12T23:20:50Z, 2000-01-01T00:00:00Z/2010-12-31T23:59:59Z or ../2010-01-01"
        ) from None
    if v.tzinfo is None:
        raise InvalidInput(f"datetime 需要时区 (datetime needs a time zone, e.g. Z): {raw[:40]!r}")
    return v.astimezone(UTC).replace(tzinfo=None)


def parse_datetime(raw: str) -> tuple[datetime | None, datetime | None]:
    """``datetime`` as (start, end) in UTC; None is an open end."""
    if len(raw) > 100:
        raise InvalidInput("datetime 过长 (datetime too long)")
    if "/" not in raw:
        return _instant(raw, end=False), _instant(raw, end=True)
    a, _, b = raw.partition("/")
    lo = None if a.strip() in ("", "..") else _instant(a, end=False)
    hi = None if b.strip() in ("", "..") else _instant(b, end=True)
    if lo is None and hi is None:
        raise InvalidInput("datetime 区间两端不能都开放 (datetime: both ends open)")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInput(f"datetime 起点晚于终点 (datetime start after end): {raw[:60]!r}")
    return lo, hi


def datetime_condition(
    c: CollectionDef, span: tuple[datetime | None, datetime | None]
) -> ColumnElement[bool] | None:
    """Features whose years of validity [start_year, end_year] meet the span (a missing
    start or end year is an open end). None for collections without time."""
    if c.start_year is None:
        return None
    lo, hi = span
    conds: list[ColumnElement[bool]] = []
    if hi is not None:
        conds.append(or_(c.start_year.is_(None), c.start_year <= hi.year))
    if lo is not None and c.end_year is not None:
        conds.append(or_(c.end_year.is_(None), c.end_year >= lo.year))
    return and_(*conds) if conds else None


# --- properties, sortby, bbox -------------------------------------------------------------


def _names(c: CollectionDef, raw: str, what: str) -> list[str]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or len(names) > 50:
        raise InvalidInput(f"{what} 无效 (invalid {what}): {raw[:60]!r}")
    return names


def _properties(c: CollectionDef, raw: str) -> tuple[str, ...]:
    known = {p.name for p in c.output_properties}
    out = _names(c, raw, "properties")
    for n in out:
        if n not in known:
            raise InvalidInput(
                f"未知属性 (unknown property in properties): {n[:40]!r}; "
                f"known: {', '.join(p.name for p in c.output_properties)}"
            )
    return tuple(dict.fromkeys(out))


def _sortby(c: CollectionDef, raw: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for item in _names(c, raw, "sortby"):
        desc = item.startswith("-")
        name = item.lstrip("+-").strip()
        if c.property(name) is None:
            raise InvalidInput(
                f"未知属性 (unknown property in sortby): {name[:40]!r}; "
                f"known: {', '.join(p.name for p in c.properties)}"
            )
        out.append((name, desc))
    return tuple(out)


def _bbox(raw: str, bbox_crs: crsmod.Crs) -> BBox:
    if bbox_crs.is_crs84:
        return parse_bbox(raw)
    try:
        nums = tuple(float(p) for p in raw.split(","))
    except ValueError:
        raise InvalidInput(f"bbox 必须是数字 (bbox must be numbers): {raw[:80]!r}") from None
    if not all(math.isfinite(n) for n in nums):
        raise InvalidInput(f"bbox 必须是有限数 (bbox numbers must be finite): {raw[:80]!r}")
    return crsmod.bbox_to_crs84(nums, bbox_crs)


def _collect(c: CollectionDef, params: Sequence[tuple[str, str]]) -> dict[str, str]:
    seen: dict[str, str] = {}
    allowed = set(COMMON_PARAMETERS) | {p.name for p in c.query_parameters}
    for name, value in params:
        if "\x00" in name or "\x00" in value:
            raise InvalidInput("查询参数含有 NUL 字符 (query parameter contains a NUL character)")
        if name not in allowed:
            raise InvalidInput(
                f"未知的查询参数 (unknown query parameter): {name[:40]!r}; "
                f"allowed for {c.id}: {', '.join(sorted(allowed))}"
            )
        if name in seen:
            raise InvalidInput(f"查询参数重复 (parameter given twice): {name}")
        seen[name] = value
    return seen


def parse_items_query(
    c: CollectionDef, params: Sequence[tuple[str, str]], body_filter: str | None = None
) -> ItemsQuery:
    """Validate raw query parameters (name, value pairs) for an items request;
    ``body_filter`` is a CQL2 JSON filter sent as the body of a POST.

    Unknown parameters, repeated parameters and bad values raise :class:`InvalidInput`
    (OGC API – Features /req/core/query-param-invalid and /query-param-unknown).
    """
    seen = _collect(c, params)
    if body_filter is not None:
        if "filter" in seen or seen.get("filter-lang", "cql2-json") != "cql2-json":
            raise InvalidInput(
                "filter 重复 (filter given twice): a POST body is a CQL2 JSON filter; "
                "send no filter or filter-lang other than cql2-json in the query"
            )
        seen["filter"], seen["filter-lang"] = body_filter, "cql2-json"
    fmt = seen.get("f")
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(
            f"不支持的格式 (unsupported format): f={fmt[:20]!r}; use f=json (GeoJSON) or f=html"
        )
    limit = (
        _parse_int("limit", seen["limit"], lo=1, hi=MAX_LIMIT) if "limit" in seen else DEFAULT_LIMIT
    )
    offset = _parse_int("offset", seen["offset"], lo=0, hi=MAX_OFFSET) if "offset" in seen else 0
    cursor = parse_cursor(c, seen["cursor"]) if "cursor" in seen else None
    if cursor is not None and offset:
        raise InvalidInput("cursor 与 offset 不能同时使用 (use either cursor or offset, not both)")
    bbox_crs = parse_crs_param(seen, "bbox-crs")
    if "bbox-crs" in seen and "bbox" not in seen:
        raise InvalidInput("bbox-crs 需要 bbox (bbox-crs without bbox)")
    bbox = _bbox(seen["bbox"], bbox_crs) if "bbox" in seen else None
    filters = tuple(
        (p.name, _parse_value(p, seen[p.name])) for p in c.query_parameters if p.name in seen
    )
    filter_crs = parse_crs_param(seen, "filter-crs")
    if ("filter-lang" in seen or "filter-crs" in seen) and "filter" not in seen:
        raise InvalidInput("filter-lang/filter-crs 需要 filter (given without filter)")
    where = (
        compile_filter(c, seen["filter"], seen.get("filter-lang"), filter_crs)
        if "filter" in seen
        else None
    )
    sortby = _sortby(c, seen["sortby"]) if "sortby" in seen else ()
    if sortby and cursor is not None:
        raise InvalidInput("sortby 与 cursor 不能同时使用 (sortby pages with offset)")
    return ItemsQuery(
        limit=limit,
        offset=offset,
        bbox=bbox,
        cursor=cursor,
        filters=filters,
        datetime=parse_datetime(seen["datetime"]) if "datetime" in seen else None,
        where=where,
        properties=_properties(c, seen["properties"]) if "properties" in seen else None,
        sortby=sortby,
        crs=parse_crs_param(seen, "crs"),
        format=fmt,
        carried=tuple((k, seen[k]) for k in CARRIED if k in seen),
        raw_bbox=seen.get("bbox"),
    )


def parse_crs_param(seen: dict[str, str], name: str) -> crsmod.Crs:
    return crsmod.parse_crs(seen[name], name) if name in seen else crsmod.DEFAULT


def extra_conditions(c: CollectionDef, q: ItemsQuery) -> list[ColumnElement[bool]]:
    """The datetime and CQL2 conditions of ``q``."""
    out: list[ColumnElement[bool]] = []
    if q.datetime is not None:
        cond = datetime_condition(c, q.datetime)
        if cond is not None:
            out.append(cond)
    if q.where is not None:
        out.append(q.where)
    return out


__all__ = [
    "COMMON_PARAMETERS",
    "DEFAULT_LIMIT",
    "FORMATS",
    "MAX_LIMIT",
    "Cursor",
    "ItemsQuery",
    "KeyValue",
    "PropertyValue",
    "datetime_condition",
    "extra_conditions",
    "parse_cursor",
    "parse_datetime",
    "parse_items_query",
]
