"""Splitting a place name into 专名 (specific part) and 通名 (generic part).

The 通名 is the longest entry of ``data/generics.tsv`` that ends the name. For road
通名 (路, 街, 巷, 大街 ...) two attachments are recognised, following the 1984 rules:

* a one-syllable direction/position modifier (东西南北中上下前后) joins the 通名 when the
  specific part left before it has two or more characters: 文化中路 -> 文化 + 中路,
  景山后街 -> 景山 + 后街. With one character left it stays in the 专名 (山东路 is 山东 +
  路, not 山 + 东路); with none left it is the 专名 itself (南小街 -> 南 + 小街).
* an ordinal (一 ... 九十九 or Arabic digits) right before the 通名: 经五路 (经, 五, 路),
  大川淀一巷 (大川淀, 一, 巷), 二马路 (-, 二, 马路). Only well-formed numerals count
  (三八路 and 五一路 keep their numbers as words) and ``data/not_ordinals.txt`` lists words
  such as 统一 whose last character is not an ordinal.

``split_generic`` returns the ordinal with the 专名, as the rules' own examples write it
(经五路 Jīng5 Lù); ``parse_name`` gives the three parts separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from gazetteer.text._data import fused_names, generics, generics_by_last_char, not_ordinals
from gazetteer.text.normalization import normalize
from gazetteer.text.numerals import NUMERAL_CHARS, chinese_to_arabic

DIRECTIONS = frozenset("东西南北中上下前后")
# One-syllable modifiers that join a road 通名 (1984 rules, rule 2: 景山后街 Jǐngshān Hòujiē,
# 造币左路 Zàobì Zuǒlù, 清波门直街 Qīngbōmén Zhíjiē, 东直门外南后街 Dōngzhíménwài
# Nánhòujiē). 内/外 are not among them: they join the 专名 (朝阳门内大街 Cháoyángménnèi Dàjiē).
ROAD_MODIFIERS = frozenset("东西南北中上下前后左右直横正")
# One-syllable modifiers of a one-character water 通名 (rule 2: 潮白新河 Cháobái Xīnhé).
WATER_MODIFIERS = frozenset("新老")


@dataclass(frozen=True, slots=True)
class NameParts:
    """A normalised name as 专名 + ordinal + 通名 (``specific + ordinal + generic == name``).

    ``generic_class`` is the class of the 通名 in ``data/generics.tsv`` ('road', 'admin',
    'settlement', 'residential', 'area', 'water', 'terrain', 'transport', 'facility', 'org')
    or ``None`` when no 通名 was found. ``fused`` is true for names listed in
    ``data/fused_names.txt`` (威海, 石岛 ...) that are written as one word.
    """

    specific: str
    ordinal: str
    generic: str
    generic_class: str | None
    fused: bool = False

    @property
    def ordinal_value(self) -> int | None:
        """The ordinal as a number (经五路 -> 5), or ``None``."""
        if not self.ordinal:
            return None
        ordinal = self.ordinal.removeprefix("第")
        if ordinal.isascii() and ordinal.isdigit():
            return int(ordinal)
        return chinese_to_arabic(ordinal)


def _find_generic(text: str) -> str:
    """The longest 通名 ending ``text``, unless a shorter one leaves a fused name as the
    专名 (渤海湾 is 渤海 + 湾, not 渤 + 海湾)."""
    if not text:
        return ""
    candidates = generics_by_last_char().get(text[-1], ())
    n = len(text)
    found = ""
    for word in candidates:
        length = len(word)
        if length <= n and text.endswith(word):
            if not found:
                found = word
            elif text[: n - length] in fused_names():
                return word
    return found


def _trailing_ordinal(specific: str) -> str:
    end = len(specific)
    start = end
    if specific[end - 1 : end].isdigit() and specific[end - 1].isascii():
        while start > 0 and specific[start - 1].isascii() and specific[start - 1].isdigit():
            start -= 1
        return specific[start:]
    while start > 0 and specific[start - 1] in NUMERAL_CHARS:
        start -= 1
    run = specific[start:]
    if not run:
        return ""
    blocked = not_ordinals()
    # 东四十二条 is 东四 + 12 (rule 7), not 东 + 42: a listed word ending inside the run
    # (东四, 西四) keeps its numeral and the ordinal is what follows it.
    for k in range(1, len(run)):
        head = specific[: start + k]
        if any(head.endswith(b) for b in blocked) and chinese_to_arabic(run[k:]) is not None:
            return run[k:]
    if chinese_to_arabic(run) is None:
        return ""
    if start > 0:
        if specific[start - 1] == "第":
            # 第九弄 Dì-9 Lòng (rule 7): a leading 第 belongs to the ordinal
            return "第" + run if start == 1 else ""
        for back in range(1, 3):
            if start - back >= 0 and specific[start - back : end] in blocked:
                return ""
    return run


@lru_cache(maxsize=65536)
def _parse_text(text: str, *, fused_ok: bool = True) -> NameParts:
    """``parse_name`` for an already normalised text."""
    if fused_ok and text in fused_names():
        return NameParts(text, "", "", None, fused=True)
    generic = _find_generic(text)
    if not generic:
        return NameParts(text, "", "", None)
    cls = generics()[generic]
    specific = text[: len(text) - len(generic)]
    ordinal = ""
    if cls == "road" and specific:
        ordinal = _trailing_ordinal(specific)
        if ordinal:
            specific = specific[: len(specific) - len(ordinal)]
        else:
            while len(specific) >= 3 and specific[-1] in ROAD_MODIFIERS:
                generic = specific[-1] + generic
                specific = specific[:-1]
            if len(specific) == 2 and specific[0] == "小" and specific[1] in DIRECTIONS:
                # 小南街 Xiǎo Nánjiē (rule 2): 小 is the 专名, 南 modifies the 通名
                generic = specific[1] + generic
                specific = specific[:1]
    elif (
        cls == "water"
        and len(generic) == 1
        and len(specific) >= 3
        and specific[-1] in WATER_MODIFIERS
    ):
        generic = specific[-1] + generic
        specific = specific[:-1]
    return NameParts(specific, ordinal, generic, cls)


def parse_name(name: str) -> NameParts:
    """Split a (normalised) name into 专名, ordinal and 通名; see the module docstring.

    >>> parse_name("文化中路")
    NameParts(specific='文化', ordinal='', generic='中路', generic_class='road', fused=False)
    """
    return _parse_text(normalize(name))


def split_generic(name: str) -> tuple[str, str]:
    """(专名, 通名) of a name; the 通名 is ``""`` when none is found.

    >>> split_generic("文化中路")
    ('文化', '中路')
    >>> split_generic("环翠楼街道")
    ('环翠楼', '街道')
    """
    parts = parse_name(name)
    return parts.specific + parts.ordinal, parts.generic
