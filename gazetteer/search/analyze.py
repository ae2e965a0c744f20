"""What the person typed: characters, pinyin (with or without tones and spaces), initials,
or a mix of characters and pinyin (``威h``).

Latin input is folded to a compact key the way names are keyed in ``places.pinyin_key``
without its spaces: lower case, tone marks and tone digits removed, ``ü`` written ``v``,
spaces and apostrophes dropped (``Wēihǎi Shì`` / ``wei hai shi`` / ``wei1hai3`` ->
``weihaishi``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gazetteer.text import is_han, normalize

_TONE_DIGIT = re.compile(r"(?<=[a-zv])[1-5]")
_SEPARATORS = re.compile(r"[\s'’·\-_.,，、]+")


@dataclass(frozen=True, slots=True)
class Analyzed:
    """A query after normalisation.

    ``chars``: the normalised text (traditional -> simplified) used for character matching.
    ``latin``: compact pinyin key of a purely Latin query ('' otherwise).
    ``spaced``: True when the Latin query had separators (then it is not read as initials).
    ``units``: for mixed queries, the sequence of Han characters and Latin runs.
    """

    chars: str
    latin: str
    spaced: bool
    units: tuple[str, ...]

    @property
    def has_han(self) -> bool:
        return any(is_han(c) for c in self.chars)

    @property
    def is_latin(self) -> bool:
        return bool(self.latin) and not self.has_han

    @property
    def is_mixed(self) -> bool:
        return self.has_han and any(u.isascii() for u in self.units)


def fold_latin(text: str) -> str:
    """Compact pinyin key of Latin text: ``Wēihǎi Shì`` -> ``weihaishi``."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    decomposed = decomposed.replace("u\u0308", "v").replace("ü", "v")
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    bare = _SEPARATORS.sub("", bare)
    bare = _TONE_DIGIT.sub("", bare)
    return "".join(ch for ch in bare if ch.isascii() and ch.isalnum())


def analyze(text: str) -> Analyzed:
    chars = normalize(text)
    # drop separators inside Chinese text (威海 市 -> 威海市)
    if any(is_han(c) for c in chars):
        units: list[str] = []
        run = ""
        for ch in chars:
            if is_han(ch):
                if run:
                    folded = fold_latin(run)
                    if folded:
                        units.append(folded)
                    run = ""
                units.append(ch)
            elif ch.isspace() or ch in "'’·-":
                continue
            else:
                run += ch
        if run:
            folded = fold_latin(run)
            if folded:
                units.append(folded)
        compact_chars = "".join(c for c in chars if not c.isspace())
        return Analyzed(chars=compact_chars, latin="", spaced=False, units=tuple(units))
    latin = fold_latin(chars)
    spaced = bool(_SEPARATORS.search(chars.strip()))
    return Analyzed(chars=chars, latin=latin, spaced=spaced, units=(latin,) if latin else ())


def match_mixed(units: tuple[str, ...], name: str, syllables: tuple[str, ...]) -> int:
    """Where ``units`` (Han characters and Latin runs) match ``name`` consecutively.

    A Han unit must equal the name's character; a Latin run covers one or more following
    syllables, each written in full or by its initial (the last one may be a prefix, as
    while typing). Returns the start position of the first match, -1 if none.
    """
    n = len(name)
    if len(syllables) != n:
        return -1

    def run_from(ui: int, pos: int) -> bool:
        if ui == len(units):
            return True
        unit = units[ui]
        if not unit.isascii():
            return pos < n and name[pos] == unit and run_from(ui + 1, pos + 1)
        return latin_from(ui, unit, pos)

    def latin_from(ui: int, rest: str, pos: int) -> bool:
        if not rest:
            return run_from(ui + 1, pos)
        if pos >= n:
            return False
        syl = syllables[pos]
        if not syl:
            return False
        if rest.startswith(syl) and latin_from(ui, rest[len(syl) :], pos + 1):
            return True
        if rest[0] == syl[0] and latin_from(ui, rest[1:], pos + 1):
            return True
        # the last syllable typed partially
        return ui == len(units) - 1 and syl.startswith(rest)

    first = units[0] if units else ""
    if first and not first.isascii():  # starts only where the first character occurs
        start = name.find(first)
        while start >= 0:
            if run_from(0, start):
                return start
            start = name.find(first, start + 1)
        return -1
    for start in range(n):
        if run_from(0, start):
            return start
    return -1
