"""The search request and its answer as typed values, with validation of raw input.

Raw strings from the API or the CLI (``bbox="122.0,37.4,122.2,37.6"``) are parsed here so
that every caller gets the same clear error (:class:`~gazetteer.errors.InvalidInput`,
Chinese with English) for the same mistake.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from gazetteer.errors import InvalidInput
from gazetteer.model import classification
from gazetteer.types import (
    AdminCode,
    BBox,
    check_lon_lat,
    parse_optional_bbox,
    parse_point,
)

MAX_QUERY_CHARS = 100
MAX_LIMIT = 200
DEFAULT_LIMIT = 20
MAX_OFFSET = 10_000
MAX_RADIUS_M = 200_000.0
DEFAULT_RADIUS_M = 1_000.0


class MatchKind(enum.StrEnum):
    """How a hit matched, best first (the order is the ranking order)."""

    EXACT = "exact"
    PREFIX = "prefix"
    SUBSTRING = "substring"
    PINYIN = "pinyin"
    INITIALS = "initials"
    FUZZY = "fuzzy"
    FORMER_NAME = "former-name"
    FILTER = "filter"  # no text given: every name passing the filters


class StatusFilter(enum.StrEnum):
    CURRENT = "current"
    HISTORICAL = "historical"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A validated search request (build it with :func:`make_query`)."""

    text: str = ""
    category_codes: frozenset[str] | None = None  # subcategory codes, None = any
    admin_code: str | None = None  # 12-digit code of any level
    bbox: BBox | None = None
    near: tuple[float, float] | None = None  # lon, lat
    radius_m: float = DEFAULT_RADIUS_M
    status: StatusFilter = StatusFilter.ALL
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int
    name: str
    romanized: str
    category_code: str
    category: str
    admin_code: str
    admin_path: list[str]
    lon: float
    lat: float
    match: MatchKind
    score: float
    matched_name: str  # the name (current or former) that matched
    status: str = "current"
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: list[SearchHit] = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True  # False when the SQL path capped its count


def unknown_admin(code: str) -> InvalidInput:
    """The error for an administrative code the database does not hold."""
    return InvalidInput(f"未知的行政区划代码 (unknown administrative area code): {code}")


def category_codes(code: str | None) -> frozenset[str] | None:
    """A major or subcategory code -> the set of subcategory codes it covers."""
    if code is None or code.strip() == "":
        return None
    code = code.strip()
    subs = classification().subcodes(code)
    if not subs:
        raise InvalidInput(f"未知的地名类别代码 (unknown category code): {code[:20]!r}")
    return frozenset(subs)


def make_query(
    text: str | None = None,
    *,
    category: str | None = None,
    admin: str | None = None,
    bbox: str | BBox | None = None,
    near: str | tuple[float, float] | None = None,
    radius_m: float | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> SearchQuery:
    """Validate raw parameters into a :class:`SearchQuery` (admin codes are checked
    against the database later, by the search itself)."""
    q = (text or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"查询词过长: 最多 {MAX_QUERY_CHARS} 个字符 "
            f"(query too long: at most {MAX_QUERY_CHARS} characters, got {len(q)})"
        )
    if "\x00" in q:
        raise InvalidInput("查询词含有非法字符 (query contains a NUL character)")
    lim = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= lim <= MAX_LIMIT:
        raise InvalidInput(f"limit 应在 1 到 {MAX_LIMIT} 之间 (limit must be 1..{MAX_LIMIT})")
    off = 0 if offset is None else offset
    if not 0 <= off <= MAX_OFFSET:
        raise InvalidInput(f"offset 应在 0 到 {MAX_OFFSET} 之间 (offset must be 0..{MAX_OFFSET})")
    box = (
        parse_optional_bbox(bbox)
        if isinstance(bbox, str) or bbox is None
        else parse_optional_bbox(",".join(str(v) for v in bbox))
    )
    point = parse_point(near) if isinstance(near, str) or near is None else near
    if point is not None and not isinstance(near, str):
        check_lon_lat(point[0], point[1], what="near")
    radius = DEFAULT_RADIUS_M if radius_m is None else float(radius_m)
    if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_M):
        raise InvalidInput(
            f"radius_m 应在 0 到 {MAX_RADIUS_M:.0f} 米之间 "
            f"(radius_m must be in (0, {MAX_RADIUS_M:.0f}])"
        )
    try:
        st = StatusFilter((status or "all").strip().lower())
    except ValueError:
        raise InvalidInput(
            "status 只能是 current、historical 或 all (status must be current, historical or all)"
        ) from None
    code = AdminCode.parse_optional(admin)
    adm = code.value if code is not None else None
    return SearchQuery(
        text=q,
        category_codes=category_codes(category),
        admin_code=adm,
        bbox=box,
        near=point,
        radius_m=radius,
        status=st,
        limit=lim,
        offset=off,
    )
