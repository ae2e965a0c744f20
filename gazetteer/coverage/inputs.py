"""Checking the inputs of a coverage question: facility types, weight, minutes, area.

Raw strings from the API or the CLI become typed values here, with the same clear error
(:class:`~gazetteer.errors.InvalidInput`) for the same mistake on every path.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from gazetteer.coverage.model import MAX_MINUTES, MIN_MINUTES, CoverageQuery, Weight
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FACILITY_TYPE_NAMES, FacilityType
from gazetteer.network.profiles import get_profile
from gazetteer.storage import tables as t
from gazetteer.types import AdminCode, admin_prefix

MAX_SEARCH_MINUTES = 240.0


def parse_facility_types(values: Sequence[str] | str | None) -> tuple[FacilityType, ...]:
    """Facility types from names (comma-separated or repeated); unknown ones are an error."""
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    out: list[FacilityType] = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                ft = FacilityType(part)
            except ValueError:
                raise InvalidInput(
                    f"未知设施类型 (unknown facility type): {part}; 可选 (choose from): "
                    + ", ".join(f.value for f in FacilityType)
                ) from None
            if ft not in out:
                out.append(ft)
    if not out:
        raise InvalidInput("请指定设施类型 (facility_type is required)")
    return tuple(out)


def parse_weight(value: str | None) -> Weight:
    try:
        return Weight(value or Weight.POPULATION)
    except ValueError:
        raise InvalidInput(
            f"未知权重 (unknown weight): {value}; 可选 (choose from): "
            + ", ".join(w.value for w in Weight)
        ) from None


def check_minutes(minutes: float) -> float:
    if not (MIN_MINUTES <= float(minutes) <= MAX_MINUTES) or minutes != minutes:
        raise InvalidInput(
            f"分钟数须在 {MIN_MINUTES}–{MAX_MINUTES} 之间 "
            f"(minutes must be between {MIN_MINUTES} and {MAX_MINUTES}): {minutes}"
        )
    return float(minutes)


def area_scope(conn: Connection, code: str) -> tuple[str, int]:
    """The digits every demand point of the area ``code`` starts with, and its level."""
    full = AdminCode.parse(code).value
    row = conn.execute(
        select(t.admin_areas.c.code, t.admin_areas.c.level).where(t.admin_areas.c.code == full)
    ).first()
    if row is None:
        raise NotFound(f"行政区划代码不存在 (unknown administrative area code): {code}")
    level = int(row[1])
    return admin_prefix(full, level), level


def check_query(conn: Connection, query: CoverageQuery) -> tuple[str, int]:
    """Check every part of ``query``; the demand area's code prefix and level (the whole
    data set: ``("", 2)``)."""
    if not query.facility_types:
        raise InvalidInput("请指定设施类型 (facility_type is required)")
    check_minutes(query.minutes)
    get_profile(query.profile)
    if not (0 <= query.gaps_limit <= 100_000):
        raise InvalidInput("gaps_limit must be between 0 and 100000")
    if query.admin:
        return area_scope(conn, query.admin)
    return "", 2


def search_limit_s(query: CoverageQuery) -> float:
    """How far (seconds) to search for a demand point's nearest facility."""
    m = query.search_minutes
    if m is None:
        m = min(MAX_SEARCH_MINUTES, max(query.minutes * 3, query.minutes + 30))
    return max(float(m), query.minutes) * 60.0


def no_facilities(types: Sequence[FacilityType]) -> InvalidInput:
    names = ", ".join(f"{FACILITY_TYPE_NAMES[x]} {x.value}" for x in types)
    return InvalidInput(f"没有该类型的设施 (no facilities of the requested type): {names}")


__all__ = [
    "MAX_SEARCH_MINUTES",
    "area_scope",
    "check_minutes",
    "check_query",
    "no_facilities",
    "parse_facility_types",
    "parse_weight",
    "search_limit_s",
]
