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

from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, get_args

from gazetteer.text._data import generics
from gazetteer.text.names import DIRECTIONS, NameParts, _parse_text
from gazetteer.text.normalization import HAN_RUN, is_han, normalize
from gazetteer.text.numerals import NUMERAL_CHARS
from gazetteer.text.pinyin import (
    ReadingError,
    _syllables_normalized,
    parse_reading,
    place_readings,
    strip_tone,
)
from gazetteer.text.places import admin_chain, leading_place, on_change

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


_INSTITUTION_CLASSES = frozenset({"org", "facility"})
# transport 通名 that name an institution rather than a way (桥, 港, 站 stay 专名 + 通名)
_INSTITUTION_GENERICS = frozenset({"机场", "航空港", "客运站", "客运中心", "汽车站", "火车站"})


@cache
def _word_set() -> frozenset[str]:
    """Words for segmenting institution names (GB/T 16159 writes words apart): jieba's
    dictionary (PyPI jieba, MIT; only its word list is used, ~0.7 s to load once) and
    pypinyin's phrases."""
    from pypinyin.constants import PHRASES_DICT

    words = {w for w in PHRASES_DICT if 2 <= len(w) <= 6}
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a dependency
        return frozenset(words)
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            if 2 <= len(word) <= 6:
                words.add(word)
    return frozenset(words)


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Words of ``text[start:end]`` (GB/T 16159: words are written apart) by forward
    maximum matching on pypinyin's phrase dictionary; a single character joins the word
    before it (or, at the start, the word after it)."""
    phrases = _word_set()
    spans: list[tuple[int, int]] = []
    i = start
    while i < end:
        step = 1
        for length in range(min(6, end - i), 1, -1):
            if text[i : i + length] in phrases:
                step = length
                break
        spans.append((i, i + step))
        i += step
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and (b - a == 1 or merged[-1][1] - merged[-1][0] == 1):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


# Words in which 儿 is a full syllable, not 儿化 (幼儿园 Yòu'éryuán, 儿童公园 Értóng Gōngyuán).
_ER_WORDS = (
    *("幼儿", "少儿", "女儿", "男儿", "婴儿", "孤儿"),
    *("健儿", "育儿", "托儿", "妇儿", "儿童", "儿女"),
)


def _erhua(text: str, syls: list[str]) -> list[str]:
    """Rule 12: a written 儿 after a syllable is the 儿化 ``r`` (盆儿胡同 Pénr Hútong),
    unless the place-name reading table reads it as a syllable (台儿庄 Tái'érzhuāng)."""
    if "儿" not in text:
        return syls
    covered: set[int] = set()
    for phrase in place_readings():
        if "儿" in phrase and len(phrase) > 1:
            pos = text.find(phrase)
            while pos >= 0:
                covered.update(range(pos, pos + len(phrase)))
                pos = text.find(phrase, pos + 1)
    out = list(syls)
    for i, ch in enumerate(text):
        if ch == "儿" and i > 0 and is_han(text[i - 1]) and i not in covered:
            if any(text.startswith(w, i - 1) or text.startswith(w, i) for w in _ER_WORDS):
                continue
            if strip_tone(out[i]) == "er":
                out[i] = "r"
    return out


def _ordinal_words(text: str, syls: list[str], parts: NameParts, at: int) -> str:
    digits = str(parts.ordinal_value)
    if parts.ordinal.startswith("第"):
        # 第九弄 Dì-9 Lòng (rule 7)
        return _join(syls[at : at + 1]) + "-" + digits
    return digits


def _specific_words(text: str, syls: list[str], start: int, end: int) -> list[str]:
    """Words of a 专名: a leading 第 + numeral is its own word (rule 6: 第二松花江 Dì'èr
    Sōnghuā Jiāng) and a final direction + 里 quarter word is written apart (rule 10:
    天宁寺西里一巷 Tiānníngsì Xīlǐ 1 Xiàng)."""
    if end - start >= 3 and text[start] == "第":
        run = start + 1
        while run < end and text[run] in NUMERAL_CHARS:
            run += 1
        if run > start + 1 and end - run >= 2:
            return [_join(syls[start:run]), *_specific_words(text, syls, run, end)]
    if end - start >= 4 and text[end - 1] == "里" and text[end - 2] in DIRECTIONS:
        return [*_words(text, syls, start, end - 2), _join(syls[end - 2 : end])]
    return _words(text, syls, start, end)


def _generic_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Words of a multi-syllable 通名: a shorter 通名 at its end is a word of its own
    (有限公司 Yǒuxiàn Gōngsī); otherwise the 通名 is one word (服务站 Fúwùzhàn)."""
    table = generics()
    for cut in range(start + 2, end - 1):
        if text[cut:end] in table and len(text[cut:end]) >= 2:
            return [(start, cut), (cut, end)]
    return [(start, end)]


def _institution_words(text: str, syls: list[str], parts: NameParts) -> list[str]:
    """Rule 14: the name of an institution or facility. A known place at the start is a
    word of its own (青岛啤酒厂 Qīngdǎo Píjiǔchǎng); the rest is written word by word and a
    one-syllable 通名 joins the word before it (测绘局 Cèhuìjú, 玻璃厂 Bōlichǎng)."""
    spec_end = len(parts.specific)
    words: list[str] = []
    pos = leading_place(text[:spec_end] + "\0\0") if spec_end >= 2 else 0
    if pos and spec_end - pos == 1:
        pos = 0  # 东方红小学: a single character left is not a word of its own
    if pos:
        words.append(_join(syls[:pos]))
    if not HAN_RUN.fullmatch(text, pos, len(text)):
        return words + _words(text, syls, pos, len(text))
    spans = _word_spans(text, pos, spec_end) if spec_end > pos else []
    generic_spans = _generic_spans(text, spec_end, len(text))
    if len(parts.generic) == 1 and spans:
        last = spans.pop()
        generic_spans = [(last[0], len(text))]
    return words + [_join(syls[a:b]) for a, b in spans + generic_spans]


def _tail_words(text: str, syls: list[str], kind: str | None) -> list[str]:
    parts: NameParts = _parse_text(text, fused_ok=kind != "split")
    joined = (
        kind in ("village", "joined")
        or parts.fused
        or not parts.generic
        or (not parts.specific and not parts.ordinal)
        or (kind is None and parts.generic_class == "settlement")
    )
    institution = (
        parts.generic_class in _INSTITUTION_CLASSES or parts.generic in _INSTITUTION_GENERICS
    )
    if (
        joined
        and institution
        and kind is None
        and parts.generic == text
        and HAN_RUN.fullmatch(text)
    ):
        # a bare institution 通名 after a place chain (浙江省人民政府 … Rénmín Zhèngfǔ)
        return [_join(syls[a:b]) for a, b in _generic_spans(text, 0, len(text))]
    if joined:
        return _words(text, syls, 0, len(text))
    institution = (
        parts.generic_class in _INSTITUTION_CLASSES or parts.generic in _INSTITUTION_GENERICS
    )
    if kind is None and institution and not parts.ordinal:
        return _institution_words(text, syls, parts)
    spec_end = len(parts.specific)
    gen_start = spec_end + len(parts.ordinal)
    words = _specific_words(text, syls, 0, spec_end)
    if parts.ordinal:
        digits = _ordinal_words(text, syls, parts, spec_end)
        if (
            len(parts.specific) == 1
            and is_han(parts.specific)
            and (parts.specific not in DIRECTIONS)
            and not parts.ordinal.startswith("第")
        ):
            words[-1] += digits
        else:
            words.append(digits)
    words.extend(_words(text, syls, gen_start, len(text)))
    return words


@lru_cache(maxsize=65536)
def _romanize(text: str, kind: str | None, reading: tuple[str, ...] | None, tones: bool) -> str:
    syls = _syllables_normalized(text, list(reading) if reading is not None else None)
    syls = _erhua(text, syls)
    if not tones:
        syls = [strip_tone(s) for s in syls]
    words: list[str] = []
    pos = 0
    if kind != "joined":
        for a, b in admin_chain(text):
            words.append(_join(syls[a:b]))
            pos = b
    words.extend(_tail_words(text[pos:], syls[pos:], kind))
    return " ".join(words)


def clear_caches() -> None:
    """Forget cached romanisations (after :func:`register_local_places`)."""
    _romanize.cache_clear()
    _parse_text.cache_clear()


on_change(clear_caches)


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
