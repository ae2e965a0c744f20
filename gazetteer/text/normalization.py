"""Text normalisation for Chinese place names.

``normalize`` applies, in order: removal of zero-width and other invisible format
characters, Unicode NFKC (full-width ASCII, ideographic space and compatibility ideographs
become their ordinary forms), collapsing of whitespace runs to one space with the ends
stripped, and traditional -> simplified conversion (zhconv, ``zh-cn``). zhconv is only
called when the text holds a character that zhconv would change on its own, so already
simplified names (nearly all of them) take a fast path.

``is_common_char`` is a *proxy* for the 通用规范汉字表 (2013, 8,105 characters): no
installed package (pypinyin, zhconv, rapidfuzz) ships that table, so a character counts as
common when it is in GB 2312 levels 1-2 (6,763 characters, all inside the 8,105) or in the
small list ``data/common_extra.txt`` of place-name characters that the 2013 table added
(蔄 of 蔄山镇, ...). A few rare characters of the 8,105 therefore report ``False``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from gazetteer.text._data import common_extra

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
)


_PLAIN_HAN = re.compile("[\u4e00-\u9fff]+")
HAN_RUN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]+")


def is_han(ch: str) -> bool:
    """True for one CJK ideograph (basic block, extensions A-G, compatibility, 〇)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x323AF
        or 0xF900 <= cp <= 0xFAFF
        or cp == 0x3007
    )


# standard mainland characters that zhconv's zh-cn tables would still change
_STANDARD = frozenset("乾於甯钜锺渖薹醯矽榘菸捱摺拚吒")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@cache
def _conversion_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(characters that trigger conversion, characters kept as they are).

    zhconv's zh-cn tables also "simplify" characters that are standard in mainland names:
    ``_STANDARD`` (乾 of 乾县, 甯 and 锺 as surnames, 薹, 吒 of 哪吒 ...) and characters whose
    target lies outside the BMP (蔄 of 蔄山镇 -> U+2C72C). Those are kept; every other
    single-character mapping is a traditional character that triggers zhconv.
    """
    import zhconv

    zhconv.loaddict()
    tables: dict[str, dict[str, str]] = zhconv.zhconv.zhcdicts
    trigger: set[str] = set()
    keep: set[str] = set()
    for name in ("zh2Hans", "zh2CN"):
        for key, value in tables[name].items():
            if len(key) != 1 or key == value:
                continue
            if not is_han(key):
                trigger.add(key)
            elif key in _STANDARD or len(value) != 1 or ord(value) > 0xFFFF:
                keep.add(key)
            else:
                trigger.add(key)
    return frozenset(trigger - keep), frozenset(keep)


def _to_simplified(text: str) -> str:
    trigger, keep = _conversion_sets()
    if trigger.isdisjoint(text):
        return text
    import zhconv

    parts: list[str] = []
    start = 0
    for idx, ch in enumerate(text):
        if ch in keep:
            parts.append(zhconv.convert(text[start:idx], "zh-cn"))
            parts.append(ch)
            start = idx + 1
    parts.append(zhconv.convert(text[start:], "zh-cn"))
    return "".join(parts)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    r"""Normalise a place name: invisible chars, NFKC, whitespace, traditional -> simplified.

    >>> normalize(" 環翠區\u200b ")
    '环翠区'
    """
    if _PLAIN_HAN.fullmatch(text):  # NFKC, whitespace and invisibles change nothing
        return _to_simplified(text)
    cleaned = text.translate(_INVISIBLE)
    cleaned = unicodedata.normalize("NFKC", cleaned)
    cleaned = " ".join(cleaned.split())
    return _to_simplified(cleaned)


def is_common_char(ch: str) -> bool:
    """Whether ``ch`` is a common standard character (proxy for the 通用规范汉字表).

    See the module docstring: GB 2312 levels 1-2 plus a short list of additions.
    """
    if len(ch) != 1 or not is_han(ch):
        return False
    return ch in common_extra() or _in_gb2312(ch)
