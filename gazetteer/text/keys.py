"""Keys for duplicate and homophone checks and for pinyin search.

All keys are lower-case ASCII: ``ü`` is written ``v`` (the way it is typed), Arabic digits
and Latin letters are kept (runs of them form one token), other characters are dropped.

* ``pinyin_key``: toneless syllables joined by spaces (文化路 and 文华路: "wen hua lu").
* ``toned_key``: the same with tone numbers, 5 for the neutral tone ("wen2 hua4 lu4").
* ``initials``: first letters of the syllables (威海市 -> "whs"; zh/ch/sh give z/c/s).
* ``homophone_signature``: ``pinyin_key``, optionally with the usual fuzzy-pinyin
  foldings (``fuzzy=True``: zh/ch/sh = z/c/s, n = l, ang/eng/ing = an/en/in) to find
  near-homophones as well.
"""

from __future__ import annotations

from functools import lru_cache

from gazetteer.text.normalization import HAN_RUN, is_han, normalize
from gazetteer.text.pinyin import _han_run, _syllables_normalized, parse_reading, split_tone


@lru_cache(maxsize=4096)
def _toneless(syllable: str) -> tuple[str, int]:
    """(toneless ASCII syllable, tone) of one toned syllable."""
    base, tone = split_tone(syllable)
    return base.replace("ü", "v"), tone


@lru_cache(maxsize=65536)
def _tokens(text: str, reading: tuple[str, ...] | None) -> tuple[tuple[str, int], ...]:
    """(toneless ASCII syllable, tone) per Han char; (run, -1) for ASCII alnum runs."""
    if reading is None and HAN_RUN.fullmatch(text):  # Han only (most names): one per char
        return tuple(map(_toneless, _han_run(text)))
    syls = _syllables_normalized(text, list(reading) if reading is not None else None)
    out: list[tuple[str, int]] = []
    run = ""
    for ch, syl in zip(text, syls, strict=True):
        if is_han(ch):
            if run:
                out.append((run, -1))
                run = ""
            out.append(_toneless(syl))
        elif ch.isascii() and ch.isalnum():
            run += ch.lower()
        elif run:
            out.append((run, -1))
            run = ""
    if run:
        out.append((run, -1))
    return tuple(out)


def _key_tokens(name: str, reading: str | None) -> tuple[tuple[str, int], ...]:
    text = normalize(name)
    parsed = tuple(parse_reading(text, reading)) if reading is not None else None
    return _tokens(text, parsed)


def pinyin_key(name: str, reading: str | None = None) -> str:
    """Toneless syllables joined by spaces: 文化路 -> ``"wen hua lu"``."""
    return " ".join(tok for tok, _ in _key_tokens(name, reading))


def search_keys(name: str, reading: str | None = None) -> tuple[str, str]:
    """``(pinyin_key, initials)`` of a name from one reading of it (what a place row
    stores; an import keys 100,000 names)."""
    if reading is None:
        text = normalize(name)
        if HAN_RUN.fullmatch(text):  # as _tokens reads it, without its cache of names
            bases = [_toneless(syllable)[0] for syllable in _han_run(text)]
            return " ".join(bases), "".join(base[0] for base in bases)
    tokens = _key_tokens(name, reading)
    return (
        " ".join(tok for tok, _ in tokens),
        "".join(tok if tone < 0 else tok[0] for tok, tone in tokens),
    )


def toned_key(name: str, reading: str | None = None) -> str:
    """Syllables with tone numbers (5 = neutral): 文化路 -> ``"wen2 hua4 lu4"``."""
    return " ".join(
        tok if tone < 0 else f"{tok}{tone or 5}" for tok, tone in _key_tokens(name, reading)
    )


def initials(name: str, reading: str | None = None) -> str:
    """First letter of each syllable: 威海市 -> ``"whs"``; digit runs are kept whole."""
    return "".join(tok if tone < 0 else tok[0] for tok, tone in _key_tokens(name, reading))


FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=65536)
def fuzzy_syllable(syllable: str) -> str:
    """A toneless syllable with the fuzzy-pinyin foldings: ``zhang`` -> ``zan``."""
    for long, short in FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in FUZZY_FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


def homophone_signature(name: str, reading: str | None = None, *, fuzzy: bool = False) -> str:
    """A key equal for names that sound alike: 文化路 and 文华路 -> ``"wen hua lu"``.

    With ``fuzzy=True`` common near-homophones fold together too (see the module docstring).
    """
    tokens = _key_tokens(name, reading)
    if not fuzzy:
        return " ".join(tok for tok, _ in tokens)
    return " ".join(tok if tone < 0 else fuzzy_syllable(tok) for tok, tone in tokens)
