"""Place-name pinyin: readings for polyphonic characters as read in place names.

Readings come, in order of precedence, from

1. a per-record override given by staff (``reading="cháng huì kǒu"``), validated;
2. phrases of the place-name reading table ``data/place_readings.tsv`` (longest match);
3. single-character entries of that table (泊 bó, 长 cháng, 疃 tuǎn ...), which also win
   over pypinyin's phrase dictionary (pypinyin reads 水泊 shuǐ pō);
4. pypinyin's phrase dictionary (forward maximum matching, as pypinyin itself does) and
   then its per-character default reading.

Steps 2-4 read pypinyin's dictionaries directly instead of calling ``pypinyin.pinyin``:
the result is the same and it is several times faster (pypinyin costs about 40 µs a
name). Syllables use tone marks and ``ü``; neutral tone has no mark.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from gazetteer.errors import InvalidInput
from gazetteer.text._data import raw_place_readings
from gazetteer.text.normalization import HAN_RUN, is_han, normalize


class ReadingError(InvalidInput, ValueError):
    """A per-record reading override is malformed (also a ``ValueError``)."""

    code = "invalid_reading"


# combining tone marks: tone 1-4
_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
_MARK_OF_TONE = {tone: mark for mark, tone in _TONE_MARKS.items()}


@lru_cache(maxsize=4096)
def split_tone(syllable: str) -> tuple[str, int]:
    """Split a toned syllable into its toneless base and tone (0 = neutral).

    ``ü`` stays ``ü``: ``split_tone("lǜ") == ("lü", 4)``.
    """
    tone = 0
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", syllable):
        mark = _TONE_MARKS.get(ch)
        if mark is None:
            kept.append(ch)
        else:
            tone = mark
    return unicodedata.normalize("NFC", "".join(kept)), tone


def strip_tone(syllable: str) -> str:
    """The syllable without its tone mark (``ü`` kept): ``strip_tone("lǚ") == "lü"``."""
    return split_tone(syllable)[0]


def place_tone(base: str, tone: int) -> str:
    """Put tone ``tone`` (1-4, 0 = neutral) on the right vowel of a toneless syllable."""
    if tone == 0:
        return base
    if "a" in base:
        pos = base.index("a")
    elif "e" in base:
        pos = base.index("e")
    elif "ê" in base:
        pos = base.index("ê")
    elif "ou" in base:
        pos = base.index("o")
    else:
        vowels = [i for i, ch in enumerate(base) if ch in "iouü"]
        if vowels:
            pos = vowels[-1]
        else:  # m, n, ng, hm, hng: the mark goes on the nasal
            nasal = [i for i, ch in enumerate(base) if ch in "mn"]
            if not nasal:
                return base
            pos = nasal[0]
    marked = base[pos] + _MARK_OF_TONE[tone]
    return unicodedata.normalize("NFC", base[:pos] + marked + base[pos + 1 :])


@cache
def _pinyin_tables() -> tuple[dict[int, str], dict[str, list[list[str]]]]:
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    return PINYIN_DICT, PHRASES_DICT


def _prefix_lengths(words: Iterable[str]) -> dict[str, int]:
    """First two characters of each phrase -> longest phrase length with that start."""
    out: dict[str, int] = {}
    for word in words:
        if len(word) >= 2:
            key = word[:2]
            out[key] = max(out.get(key, 0), len(word))
    return out


@cache
def _phrase_index() -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """The place-name table's phrases by first character (their lengths, longest first)
    and a prefix index of pypinyin's phrases."""
    _, phrases = _pinyin_tables()
    lengths: dict[str, set[int]] = {}
    for phrase in place_readings():
        if len(phrase) > 1:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
    table = {ch: tuple(sorted(found, reverse=True)) for ch, found in lengths.items()}
    return table, _prefix_lengths(phrases)


@cache
def phrase_starts() -> frozenset[str]:
    """The first two characters of every phrase read as a whole (the place-name table's
    and pypinyin's). Where no two adjacent characters of a run of Han characters are in
    this set, no phrase starts in the run and it is read one character at a time; in a
    run ``a + b`` where no phrase starts inside ``a`` (the pair across the join
    included), ``b`` is read as it is alone (both follow from :func:`_han_run`)."""
    table = (p[:2] for p in place_readings() if len(p) > 1)
    return frozenset(_phrase_index()[1]).union(table)


@cache
def valid_bases() -> frozenset[str]:
    """Every toneless syllable that pypinyin's character dictionary uses."""
    char_dict, _ = _pinyin_tables()
    bases: set[str] = set()
    for readings in char_dict.values():
        for reading in readings.split(","):
            bases.add(strip_tone(reading))
    return frozenset(bases)


@lru_cache(maxsize=4096)
@cache
def place_readings() -> dict[str, tuple[str, ...]]:
    """Place-name reading table: characters or phrase -> toned syllables (one per char)."""
    return {
        text: tuple(canonical_syllable(s) for s in reading)
        for text, reading in raw_place_readings().items()
    }


def canonical_syllable(token: str) -> str:
    """Validate one syllable and return it in canonical tone-mark form.

    Accepts tone marks (``cháng``), tone numbers (``chang2``, 5 or 0 = neutral), ``v`` or
    ``u:`` for ``ü`` and any letter case. Raises :class:`ReadingError` otherwise.
    """
    raw = token.strip().lower().replace("u:", "ü").replace("v", "ü")
    tone_from_digit: int | None = None
    if raw and raw[-1].isdigit():
        digit = int(raw[-1])
        if digit > 5:
            raise ReadingError(f"拼音音节 {token!r} 的声调数字无效 (invalid tone number)")
        tone_from_digit = 0 if digit == 5 else digit
        raw = raw[:-1]
    base, tone = split_tone(raw)
    if tone_from_digit is not None:
        if tone:
            raise ReadingError(
                f"拼音音节 {token!r} 同时有声调符号和数字 (both tone mark and tone number)"
            )
        tone = tone_from_digit
    if base not in valid_bases():
        raise ReadingError(f"{token!r} 不是有效的拼音音节 (not a valid pinyin syllable)")
    canonical = place_tone(base, tone)
    if tone_from_digit is None and unicodedata.normalize("NFC", raw) != canonical:
        raise ReadingError(
            f"拼音音节 {token!r} 的声调标错了位置，应为 {canonical!r} (tone mark misplaced)"
        )
    return canonical


def parse_reading(name: str, reading: str) -> list[str]:
    """Validate a per-record reading against ``name`` and return its canonical syllables.

    The reading is space-separated, one syllable per Han character of the normalised name
    (digits and other non-Han characters take no syllable).
    """
    text = normalize(name)
    tokens = reading.split()
    han_count = sum(1 for ch in text if is_han(ch))
    if len(tokens) != han_count:
        raise ReadingError(
            f"读音 {reading!r} 有 {len(tokens)} 个音节，但 {text!r} 有 {han_count} 个汉字 "
            f"(reading has {len(tokens)} syllables for {han_count} Han characters)"
        )
    return [canonical_syllable(t) for t in tokens]


@cache
def _char_reading(ch: str) -> str:
    """Place-name default of one character: the table's entry, else pypinyin's first."""
    single = place_readings().get(ch)
    if single is not None:
        return single[0]
    readings = _pinyin_tables()[0].get(ord(ch))
    if readings is None:
        return ch
    return readings.split(",", 1)[0]


def _gap(run: str, out: list[str]) -> None:
    """Append readings for a run not covered by a table phrase: pypinyin phrases by
    forward maximum matching, else one character at a time (the table's single
    characters win inside pypinyin phrases too)."""
    table = place_readings()
    phrases = _pinyin_tables()[1]
    prefix = _phrase_index()[1]
    n = len(run)
    j = 0
    while j < n:
        longest = prefix.get(run[j : j + 2], 0)
        if longest:
            for length in range(min(longest, n - j), 1, -1):
                phrase = phrases.get(run[j : j + length])
                if phrase is not None:
                    for k, readings in enumerate(phrase):
                        single = table.get(run[j + k])
                        out.append(single[0] if single is not None else readings[0])
                    j += length
                    break
            else:
                out.append(_char_reading(run[j]))
                j += 1
        else:
            out.append(_char_reading(run[j]))
            j += 1


@lru_cache(maxsize=131072)
def _han_run(run: str) -> tuple[str, ...]:
    """Toned syllables for a run of Han characters, by the precedence in the docstring.

    The table's phrases are found left to right, the longest one starting at a character
    first (what a regex of them, longest first, would find); the gaps between them go to
    :func:`_gap`."""
    out: list[str] = []
    starts = _phrase_index()[0]
    table = place_readings()
    n = len(run)
    gap = j = 0  # gap: where the text not covered by a table phrase starts
    while j < n:
        for length in starts.get(run[j], ()):
            phrase = run[j : j + length]
            if len(phrase) == length and phrase in table:
                if j > gap:
                    _gap(run[gap:j], out)
                out.extend(table[phrase])
                j = gap = j + length
                break
        else:
            j += 1
    if gap < n:
        _gap(run[gap:], out)
    return tuple(out)


def _syllables_normalized(text: str, reading: list[str] | None) -> list[str]:
    if reading is not None:
        it = iter(reading)
        return [next(it) if is_han(ch) else ch for ch in text]
    if HAN_RUN.fullmatch(text):
        return list(_han_run(text))
    result: list[str] = []
    pos = 0
    for match in HAN_RUN.finditer(text):
        result.extend(text[pos : match.start()])
        result.extend(_han_run(match.group()))
        pos = match.end()
    result.extend(text[pos:])
    return result


def syllables(name: str, *, reading: str | None = None, tones: bool = True) -> list[str]:
    """One pinyin syllable per character of the normalised name.

    Non-Han characters (digits, letters, spaces) are kept as they are. ``reading`` is a
    per-record override (space-separated syllables given by staff) that wins over every
    table; it is validated and a :class:`ReadingError` (a ``ValueError``) says what is wrong.

    >>> syllables("长会口")
    ['cháng', 'huì', 'kǒu']
    """
    text = normalize(name)
    parsed = parse_reading(text, reading) if reading is not None else None
    out = _syllables_normalized(text, parsed)
    if not tones:
        return [strip_tone(s) for s in out]
    return out
