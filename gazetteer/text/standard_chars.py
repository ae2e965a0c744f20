"""The character standard of place names: the 《通用规范汉字表》 (State Council, 2013).

《地名管理条例》(2022) art. 9(3) asks for the national common script and no rare characters.
Its character standard is the 通用规范汉字表 (8,105 characters in three levels; several
level-3 characters exist only for place names). A character in the table is never a rare
character; a character outside it is a finding, with the standard form proposed when it is
a traditional or variant form (never converted silently).

The table ships with the library (``data/tongyong_guifan_8105.txt``: the characters in the
table's order, one level per line; a public national standard, so the check works wherever
the service runs). ``GAZETTEER_CHAR_TABLE`` may name another copy in the reference layout
(lines ``U+XXXX<TAB>character<TAB>pinyin``, the table's order). Only when no copy can be read
is :func:`standard_table` ``None``; callers then fall back to the GB 2312 proxy
(:func:`gazetteer.text.is_common_char`) and say so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gazetteer.text.normalization import is_han

PACKAGED = Path(__file__).with_name("data") / "tongyong_guifan_8105.txt"
TABLE_CITATION = "《通用规范汉字表》（国发〔2013〕23号）"
LEVEL_SIZES = (3500, 3000, 1605)


def _read_tsv(path: Path) -> dict[str, int]:
    """A copy in the reference layout: ``U+XXXX<TAB>character<TAB>…``, in the table's order."""
    table: dict[str, int] = {}
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        cols = line.split("\t")
        if len(cols) >= 2 and cols[1]:
            table[cols[1]] = 1 if i < 3500 else 2 if i < 6500 else 3
    return table


def _read_packaged(path: Path) -> dict[str, int]:
    """The shipped copy: one line of characters per level (``#`` lines are comments)."""
    lines = [ln.strip() for ln in path.read_text("utf-8").splitlines()]
    levels = [ln for ln in lines if ln and not ln.startswith("#")]
    return {ch: level for level, chars in enumerate(levels, start=1) for ch in chars}


@cache
def standard_table() -> dict[str, int] | None:
    """Character -> level (1-3) of the 通用规范汉字表, or ``None`` when no copy is readable."""
    env = os.environ.get("GAZETTEER_CHAR_TABLE")
    if env and Path(env).is_file():
        table = _read_tsv(Path(env))
        if table:
            return table
    if PACKAGED.is_file():
        return _read_packaged(PACKAGED) or None
    return None


@dataclass(frozen=True, slots=True)
class NonStandard:
    """A character outside the table: ``standard`` is the proposed standard form ('' when
    none is known, i.e. a rare character)."""

    char: str
    standard: str


def standard_form(ch: str) -> str:
    """The simplified/standard form zhconv proposes for ``ch`` (``ch`` itself if none)."""
    import zhconv

    out = str(zhconv.convert(ch, "zh-cn"))
    return out if len(out) == 1 else ch


def nonstandard_chars(text: str) -> list[NonStandard] | None:
    """Han characters of ``text`` outside the 通用规范汉字表 (each once), or ``None`` when
    the table is not available."""
    table = standard_table()
    if table is None:
        return None
    out: list[NonStandard] = []
    seen: set[str] = set()
    for ch in text:
        if ch in seen or not is_han(ch) or ch in table:
            continue
        seen.add(ch)
        std = standard_form(ch)
        out.append(NonStandard(ch, std if std != ch and std in table else ""))
    return out


__all__ = [
    "LEVEL_SIZES",
    "TABLE_CITATION",
    "NonStandard",
    "nonstandard_chars",
    "standard_form",
    "standard_table",
]
