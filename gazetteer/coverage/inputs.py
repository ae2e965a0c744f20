"""Checking the inputs of a coverage question: facility types, weight, minutes, area.

Raw strings from the API or the CLI become typed values here, with the same clear error
(:class:`~gazetteer.errors.InvalidInput`) for the same mistake on every path.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Connection, select

from gazetteer.coverage.model import MAX_MINUTES, MIN_MINUTES, CoverageQuery, Weight
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.model import FACILITY_TYPE_NAMES, FacilityType
from gazetteer.network.profiles import get_profile, profile_names
from gazetteer.storage import tables as t
from gazetteer.types import AdminCode, admin_prefix

MAX_SEARCH_MINUTES = 240.0
E = TypeVar("E", bound=enum.StrEnum)

# Chinese names the pages show (and common short forms) for each weight and profile.
WEIGHT_LABELS: dict[Weight, str] = {
    Weight.POPULATION: "总人口",
    Weight.ELDERLY: "老年人口",
    Weight.DEPENDENTS: "分散特困供养对象",
}
_WEIGHT_ALIASES: dict[str, Weight] = {
    "人口": Weight.POPULATION,
    "常住人口": Weight.POPULATION,
    "老年人": Weight.ELDERLY,
    "老人": Weight.ELDERLY,
    "60岁以上老年人": Weight.ELDERLY,
    "特困": Weight.DEPENDENTS,
    "特困供养对象": Weight.DEPENDENTS,
    "特困人员": Weight.DEPENDENTS,
}
PROFILE_LABELS: dict[str, str] = {
    "walking": "步行",
    "elderly_walking": "老年人步行",
    "ebike": "电动自行车",
    "car": "汽车",
}
_PROFILE_ALIASES: dict[str, str] = {
    "老人步行": "elderly_walking",
    "电动车": "ebike",
    "三轮车": "ebike",
    "电动自行车/三轮车": "ebike",
    "驾车": "car",
    "开车": "car",
}
# Short forms of facility type names people type (助餐点 for 老年助餐点 ...).
_FACILITY_ALIASES: dict[str, FacilityType] = {
    "助餐点": FacilityType.ELDERLY_MEAL_POINT,
    "老年餐桌": FacilityType.RURAL_ELDERLY_TABLE,
    "食堂": FacilityType.COMMUNITY_CANTEEN,
    "幸福院": FacilityType.RURAL_HAPPINESS_HOME,
    "日间照料": FacilityType.DAY_CARE_CENTRE,
    "区域养老服务中心": FacilityType.REGIONAL_ELDERCARE_CENTRE,
}


def facility_type_choices() -> str:
    """The valid facility types, Chinese name and code."""
    return "、".join(f"{FACILITY_TYPE_NAMES[f]} ({f.value})" for f in FacilityType)


def weight_choices() -> str:
    return "、".join(f"{WEIGHT_LABELS[w]} ({w.value})" for w in Weight)


def profile_choices() -> str:
    return "、".join(f"{PROFILE_LABELS.get(n, n)} ({n})" for n in profile_names())


def _choice(text: str, choices: type[E], labels: dict[E, str], aliases: dict[str, E]) -> E | None:
    """The member of ``choices`` whose code, Chinese label or alias is ``text``."""
    try:
        return choices(text)
    except ValueError:
        pass
    for member, label in labels.items():
        if text == label:
            return member
    return aliases.get(text)


def facility_type_of(text: str) -> FacilityType:
    """A facility type from its code or its Chinese name (老年助餐点, 助餐点 ...)."""
    part = text.strip()
    hit = _choice(part, FacilityType, FACILITY_TYPE_NAMES, _FACILITY_ALIASES)
    if hit is not None:
        return hit
    raise InvalidInput(
        f"未知设施类型 (unknown facility type): {part}; 可选 (choose from): "
        + facility_type_choices()
    )


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
            ft = facility_type_of(part)
            if ft not in out:
                out.append(ft)
    if not out:
        raise InvalidInput("请指定设施类型 (facility_type is required)")
    return tuple(out)


def parse_weight(value: str | None) -> Weight:
    """A weight from its code or Chinese name (老年人口, 老年人 ...)."""
    text = (value or Weight.POPULATION.value).strip()
    hit = _choice(text, Weight, WEIGHT_LABELS, _WEIGHT_ALIASES)
    if hit is not None:
        return hit
    raise InvalidInput(
        f"未知权重 (unknown weight): {value}; 可选 (choose from): {weight_choices()}"
    )


def parse_profile(value: str | None) -> str:
    """A travel profile from its code or Chinese name (步行, 老年人步行 ...)."""
    text = (value or "walking").strip()
    names = profile_names()
    if text in names:
        return text
    for code, name in PROFILE_LABELS.items():
        if text == name and code in names:
            return code
    hit = _PROFILE_ALIASES.get(text)
    if hit is not None and hit in names:
        return hit
    raise InvalidInput(
        f"未知出行方式 (unknown travel profile): {value}; 可选 (choose from): " + profile_choices()
    )


def resolve_area(conn: Connection, text: str | None) -> str | None:
    """An area code from a code (6, 9 or 12 digits) or an area's name (文登区, 张村镇).

    A name held by several areas is an error listing them with their codes.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.isdigit():
        return AdminCode.parse(value).value
    a = t.admin_areas
    rows = conn.execute(
        select(a.c.code, a.c.name, a.c.level)
        .where(a.c.name == value, a.c.level <= 4)
        .order_by(a.c.code)
    ).all()
    if len(rows) == 1:
        return str(rows[0][0])
    if len(rows) > 1:
        raise InvalidInput(
            f"区划名称不唯一 (area name is ambiguous): {value}; 请用代码 (use a code): "
            + "、".join(f"{r[1]} {r[0]}" for r in rows)
        )
    like = conn.execute(
        select(a.c.code, a.c.name)
        .where(a.c.name.like(f"{value}%"), a.c.level <= 4)
        .order_by(a.c.level, a.c.code)
        .limit(12)
    ).all()
    hint = "；相近 (similar): " + "、".join(f"{r[1]} {r[0]}" for r in like) if like else ""
    raise NotFound(
        f"行政区划不存在 (unknown administrative area): {value}; 可输入区市、镇街名称或 6/9/12 "
        f"位代码 (a county or town name, or a 6/9/12-digit code){hint}"
    )


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
    if query.profile not in profile_names():
        parse_profile(query.profile)  # the error lists the choices in Chinese and English
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
    "PROFILE_LABELS",
    "WEIGHT_LABELS",
    "area_scope",
    "check_minutes",
    "check_query",
    "facility_type_choices",
    "facility_type_of",
    "no_facilities",
    "parse_facility_types",
    "parse_profile",
    "parse_weight",
    "profile_choices",
    "resolve_area",
    "search_limit_s",
    "weight_choices",
]
