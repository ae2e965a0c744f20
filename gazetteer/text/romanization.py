"""Romanisation of place names by GB/T 16159-2012 §6.2.2 and the 1984 place-name rules.

* 专名 and 通名 are separate words, each capitalised: 威海市 Wēihǎi Shì, 泰山 Tài Shān.
* One-syllable modifiers join their part (文化中路 Wénhuà Zhōnglù, 西辽河 Xīliáo Hé).
* Natural villages, fused names and names without a 通名 are one word: ``kind="village"``
  (or ``"joined"``) forces this; by default it applies to names whose 通名 is of the
  'settlement' class (王村 Wángcūn, 孙家疃 Sūnjiātuǎn) and to ``data/fused_names.txt``.
  ``kind="split"`` always separates the 通名 (酒仙桥 the bridge vs the fused district).
* Street ordinals are Arabic digits, written as their own word (大川淀一巷 Dàchuāndiàn 1
  Xiàng, 北二巷 Běi 2 Xiàng, 二马路 2 Mǎlù), except after a one-character 专名 that is not
  a direction, where the rules' own example joins them (经五路 Jīng5 Lù).
* An apostrophe goes before a non-initial syllable that starts with a, o or e, also in
  words made by joining (西安路 Xī'ān Lù, 王家岸村 Wángjiā'àncūn).
* Tone marks are optional (``tones=False``); ``sign_form`` gives the all-capitals,
  toneless form used on signs (WENHUA ZHONGLU). ``ü`` is kept (吕 Lǚ, LÜ on signs).

Multi-syllable 通名 are written as one word (风景名胜区 Fēngjǐngmíngshèngqū).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

from gazetteer.text.names import DIRECTIONS, NameParts, _parse_text
from gazetteer.text.normalization import HAN_RUN, is_han, normalize
from gazetteer.text.pinyin import (
    ReadingError,
    _syllables_normalized,
    parse_reading,
    strip_tone,
)

NameKind = Literal["village", "joined", "split"]
_KINDS: frozenset[str] = frozenset(get_args(NameKind))


_AOE = frozenset("aāáǎàoōóǒòeēéěè")


def _join(syls: list[str]) -> str:
    """One capitalised word from syllables, with the apostrophe before a/o/e."""
    word = syls[0]
    for syl in syls[1:]:
        word += ("'" + syl) if syl[0] in _AOE else syl
    return word[:1].upper() + word[1:]


def _words(text: str, syls: list[str], start: int, end: int) -> list[str]:
    """Words for ``text[start:end]``: each Han run is one word, other runs separate."""
    if start >= end:
        return []
    if HAN_RUN.fullmatch(text, start, end):
        return [_join(syls[start:end])]
    words: list[str] = []
    pos = start
    for match in HAN_RUN.finditer(text, start, end):
        words.extend(text[pos : match.start()].split())
        words.append(_join(syls[match.start() : match.end()]))
        pos = match.end()
    words.extend(text[pos:end].split())
    return words


@lru_cache(maxsize=65536)
def _romanize(text: str, kind: str | None, reading: tuple[str, ...] | None, tones: bool) -> str:
    syls = _syllables_normalized(text, list(reading) if reading is not None else None)
    if not tones:
        syls = [strip_tone(s) for s in syls]
    parts: NameParts = _parse_text(text, fused_ok=kind != "split")
    joined = (
        kind in ("village", "joined")
        or parts.fused
        or not parts.generic
        or (not parts.specific and not parts.ordinal)
        or (kind is None and parts.generic_class == "settlement")
    )
    if joined:
        return " ".join(_words(text, syls, 0, len(text)))
    spec_end = len(parts.specific)
    gen_start = spec_end + len(parts.ordinal)
    words = _words(text, syls, 0, spec_end)
    if parts.ordinal:
        digits = str(parts.ordinal_value)
        if (
            len(parts.specific) == 1
            and is_han(parts.specific)
            and (parts.specific not in DIRECTIONS)
        ):
            words[-1] += digits
        else:
            words.append(digits)
    words.extend(_words(text, syls, gen_start, len(text)))
    return " ".join(words)


def romanize(
    name: str,
    *,
    kind: NameKind | None = None,
    reading: str | None = None,
    tones: bool = True,
) -> str:
    """The Hanyu Pinyin form of a place name (see the module docstring for the rules).

    ``reading`` is a per-record override of the syllables (one per Han character) that
    wins over the reading tables; an invalid one raises :class:`ReadingError` (a
    ``ValueError``), as does an unknown ``kind``.

    >>> romanize("文化中路")
    'Wénhuà Zhōnglù'
    >>> romanize("经五路", tones=False)
    'Jing5 Lu'
    """
    if kind is not None and kind not in _KINDS:
        raise ReadingError(f"未知的地名类型 {kind!r} (unknown kind; use one of {sorted(_KINDS)})")
    text = normalize(name)
    parsed = tuple(parse_reading(text, reading)) if reading is not None else None
    return _romanize(text, kind, parsed, tones)


def sign_form(name: str, *, kind: NameKind | None = None, reading: str | None = None) -> str:
    """The all-capitals, toneless form for signs: 文化中路 -> ``"WENHUA ZHONGLU"``."""
    return romanize(name, kind=kind, reading=reading, tones=False).upper()
