"""Lazy loaders for the data files under ``gazetteer/text/data/`` (nothing is read at import)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources


def _lines(filename: str) -> Iterator[str]:
    text = resources.files("gazetteer.text").joinpath("data").joinpath(filename).read_text("utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


@cache
def raw_place_readings() -> dict[str, tuple[str, ...]]:
    """Place-name reading table as written: characters or phrase -> syllables (one per
    character; :func:`gazetteer.text.pinyin.place_readings` checks and canonicalises them)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _lines("place_readings.tsv"):
        cols = line.split("\t")
        text, reading = cols[0], cols[1].split()
        if len(reading) != len(text):
            raise RuntimeError(f"place_readings.tsv: {text!r} has {len(reading)} syllables")
        table[text] = tuple(reading)
    return table


@cache
def generics() -> dict[str, str]:
    """通名 -> class ('road', 'admin', 'settlement', ...)."""
    out: dict[str, str] = {}
    for line in _lines("generics.tsv"):
        word, cls = line.split("\t")[:2]
        out[word] = cls
    return out


@cache
def generics_by_last_char() -> dict[str, tuple[str, ...]]:
    """Last character -> the 通名 ending in it, longest first."""
    out: dict[str, list[str]] = {}
    for word in generics():
        out.setdefault(word[-1], []).append(word)
    return {ch: tuple(sorted(ws, key=len, reverse=True)) for ch, ws in out.items()}


@cache
def fused_names() -> frozenset[str]:
    return frozenset(_lines("fused_names.txt"))


@cache
def not_ordinals() -> frozenset[str]:
    return frozenset(_lines("not_ordinals.txt"))


@cache
def common_extra() -> frozenset[str]:
    return frozenset(_lines("common_extra.txt"))


@cache
def place_reading_sources() -> dict[str, str]:
    """Place-name reading table: text -> its source code (column 3; see the file header)."""
    out: dict[str, str] = {}
    for line in _lines("place_readings.tsv"):
        cols = line.split("\t")
        out[cols[0]] = cols[2].strip() if len(cols) > 2 else ""
    return out


@cache
def known_place_codes() -> dict[str, str]:
    """Known place names (provinces, prefectures, counties, Weihai towns) -> code."""
    out: dict[str, str] = {}
    for line in _lines("known_places.tsv"):
        cols = line.split("\t")
        out.setdefault(cols[0], cols[1] if len(cols) > 1 else "")
    return out
