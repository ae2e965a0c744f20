"""Known place names inside longer names (1984 rules, rule 14).

An institution, facility or building named after a place writes the place part as a place
name: its own 专名 and 通名 apart (浙江省测绘局 Zhèjiāng Shěng Cèhuìjú, 郑州市玻璃厂
Zhèngzhōu Shì Bōlichǎng), each unit of an administrative chain apart (荣成市石岛镇
Róngchéng Shì Shídǎo Zhèn), and a place part without its 通名 as one word of its own
(青岛啤酒厂 Qīngdǎo Píjiǔchǎng). Recognising the place part needs a list of place names:
``data/known_places.tsv`` (every province, prefecture and county-level division of China
and Weihai's towns) plus the names the local database registers with
:func:`register_local_places`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from gazetteer.text._data import known_place_codes

# 通名 of administrative units, longest first (a chain is split before each of them).
ADMIN_GENERICS: tuple[str, ...] = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "地区",
    "林区",
    "省",
    "市",
    "县",
    "区",
    "镇",
    "乡",
    "旗",
    "盟",
)
_FIRST_CHARS = frozenset(g[0] for g in ADMIN_GENERICS)
# Lower units that may follow a known unit even when they are not on the list themselves
# (a town of the local database that was not registered).
_OPEN_UNITS = ("街道", "镇", "乡")

_local: set[str] = set()
# Called when the known places change (the romanisation registers its cache reset here:
# it imports this module, so this module cannot import it).
_on_change: list[Callable[[], None]] = []


def on_change(hook: Callable[[], None]) -> None:
    """Call ``hook`` whenever :func:`register_local_places` changes the known places."""
    _on_change.append(hook)


def register_local_places(names: Iterable[str], *, replace: bool = False) -> int:
    """Add place names of the local database (towns, sub-districts, villages with their
    通名) to the known places; returns how many were new. ``replace`` drops the names
    registered before (a dataset build registers exactly its own names, so that the
    romanisation does not depend on what the process built earlier). Clears the
    romanisation caches."""
    new = {n.strip() for n in names if n and n.strip()}
    before = len(_local)
    changed = replace and new != _local
    if replace:
        _local.clear()
        before = 0
    _local.update(new)
    added = len(_local) - before
    if added or changed:
        known_full.cache_clear()
        known_bases.cache_clear()
        for hook in _on_change:
            hook()
    return added


def _phrase_across(text: str, j: int, length: int) -> bool:
    """Whether a one-character 通名 at ``j`` starts a word with what follows (中山市场 is
    中山 + 市场, not 中山市 + 场)."""
    if length > 1:
        return False
    from pypinyin.constants import PHRASES_DICT

    return any(
        text[j : j + k] in PHRASES_DICT or text[j : j + k] in _ADMIN_CHAR_WORDS
        for k in (2, 3, 4)
        if j + k <= len(text)
    )


# everyday words that start with an administrative 通名 character (pypinyin's phrase table
# lacks them): 威海市立医院 is 威海 + 市立医院
_ADMIN_CHAR_WORDS = frozenset(
    [
        "市场",
        "市立",
        "市区",
        "市民",
        "市政",
        "市属",
        "区域",
        "区间",
        "区属",
        "县城",
        "县立",
        "县属",
        "省会",
        "省立",
        "省属",
        "镇区",
        "乡村",
        "乡镇",
        "旗舰",
    ]
)


def _strip_admin(name: str) -> str:
    for generic in ADMIN_GENERICS:
        if name.endswith(generic) and len(name) > len(generic):
            return name[: -len(generic)]
    return name


@cache
def known_full() -> frozenset[str]:
    """Every known place name with its 通名 (浙江省, 莘县, 大疃镇 ...)."""
    return frozenset(known_place_codes()) | frozenset(_local)


# 通名 of village and community seats, stripped from local names too (上埠村 -> 上埠)
_SEAT_GENERICS = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")


@cache
def known_bases() -> frozenset[str]:
    """Known place names without their administrative 通名, two characters or more
    (浙江, 郑州, 青岛, 大疃); one-character bases (莘 of 莘县) only count with their 通名.
    Local village and community names count without 村/社区 (上埠村 -> 上埠)."""
    out = {_strip_admin(n) for n in known_full()}
    for name in _local:
        for generic in _SEAT_GENERICS:
            if name.endswith(generic) and len(name) > len(generic):
                out.add(name[: -len(generic)])
                break
    return frozenset(b for b in out if len(b) >= 2)


def admin_chain(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the leading administrative chain of ``text``: a 专名 span then
    its 通名 span, unit after unit, as long as something follows the unit.

    >>> admin_chain("荣成市石岛镇")
    [(0, 2), (2, 3)]
    >>> admin_chain("景德镇市")
    []
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    starts = [j for j in range(1, n - 1) if text[j] in _FIRST_CHARS]
    if not starts:
        return spans  # the common case (roads, villages): nothing to split
    pos = 0
    while pos < n:
        found: tuple[int, int] | None = None
        for j in starts:
            if j <= pos:
                continue
            for generic in ADMIN_GENERICS:
                if not text.startswith(generic, j):
                    continue
                end = j + len(generic)
                if end >= n or _phrase_across(text, j, len(generic)):
                    continue
                unit = text[pos:end]
                if j - pos < 2 and pos > 0:
                    continue  # 乳山市城区街道: 城区 is not 城 + 区 inside a chain
                if unit in known_full() or (spans and generic in _OPEN_UNITS and 2 <= j - pos <= 4):
                    found = (j, end)
                    break
            if found is not None:
                break
        if found is None:
            break
        spans.extend([(pos, found[0]), found])
        pos = found[1]
    return spans


def leading_place(text: str) -> int:
    """Length of the longest known place name (without its 通名) that starts ``text`` and
    leaves at least two characters after it, else 0 (青岛啤酒 -> 2)."""
    bases = known_bases()
    for length in range(min(len(text) - 2, 8), 1, -1):
        if text[:length] in bases:
            return length
    return 0


__all__ = [
    "ADMIN_GENERICS",
    "admin_chain",
    "known_bases",
    "known_full",
    "leading_place",
    "register_local_places",
]
