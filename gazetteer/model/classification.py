"""The place-name classification: 10 major categories and 65 subcategories.

Held as data (``data/classification.csv``), after GB/T 18521-2001 as applied in the Second
National Place-Name Census: first digit 1 = natural features, 2 = human features; subcategory
codes are padded to five digits as in the national place-name database (e.g. 21770 区片).
The exact official code table is not public (see ``shared/reference`` §1.3, §7); the
Weihai grouping into 10 major categories / 65 subcategories follows the source report.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Category:
    """A major category (``major_code is None``) or a subcategory."""

    code: str
    name: str
    name_en: str
    major_code: str | None

    @property
    def is_major(self) -> bool:
        return self.major_code is None


@dataclass(frozen=True)
class Classification:
    """The whole code table with lookups."""

    categories: tuple[Category, ...]
    _by_code: dict[str, Category] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Built once: lookups run per row in imports and per result in search.
        object.__setattr__(self, "_by_code", {c.code: c for c in self.categories})

    @property
    def majors(self) -> list[Category]:
        return [c for c in self.categories if c.is_major]

    @property
    def subcategories(self) -> list[Category]:
        return [c for c in self.categories if not c.is_major]

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def major_of(self, code: str) -> Category | None:
        """The major category of a code (itself when it is a major code)."""
        cat = self.get(code)
        if cat is None:
            return None
        return cat if cat.major_code is None else self.get(cat.major_code)

    def subcodes(self, code: str) -> list[str]:
        """All subcategory codes under ``code`` (or ``[code]`` for a subcategory)."""
        cat = self.get(code)
        if cat is None:
            return []
        if not cat.is_major:
            return [cat.code]
        return [c.code for c in self.subcategories if c.major_code == cat.code]


@cache
def classification() -> Classification:
    """The classification table shipped with the package."""
    text = (
        resources.files("gazetteer.model")
        .joinpath("data/classification.csv")
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(text.splitlines())
    cats = tuple(
        Category(
            code=r["code"],
            name=r["name"],
            name_en=r["name_en"],
            major_code=r["major_code"] or None,
        )
        for r in rows
    )
    return Classification(cats)
