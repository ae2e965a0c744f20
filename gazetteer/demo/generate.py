"""The deterministic Weihai demo data set, generated in memory from a seed.

The figures of the source report (counts of names, history, facilities) are fixed in
:mod:`gazetteer.demo.state`; :func:`generate` runs the steps in order and
:func:`compute_keys` adds romanisation and search keys.
"""

from __future__ import annotations

from gazetteer.demo.places import fill_places
from gazetteer.demo.state import DemoData, Generator
from gazetteer.text import initials, pinyin_key, romanize, split_generic
from gazetteer.text.places import register_local_places


def generate(seed: int) -> DemoData:
    """The whole demo dataset for ``seed`` (pure; no database)."""
    g = Generator(seed)
    g.frame()
    g.villages_and_demand()
    fill_places(g)
    return g.data


def compute_keys(data: DemoData) -> None:
    """Romanisation, 专名/通名 and search keys for every place and former name."""
    cache: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
    # the dataset's own towns, sub-districts and villages are known places (1984 rules, rule 14:
    # 大疃镇养老服务中心 Dàtuǎn Zhèn Yǎnglǎo Fúwù Zhōngxīn)
    register_local_places(
        (p.name for p in data.places if p.category_code.startswith(("215", "216", "222"))),
        replace=True,
    )
    for p in data.places:
        kind = p.reading or ""
        p.reading = None
        key = (p.name, kind)
        if key not in cache:
            spec, gen = split_generic(p.name)
            rom = romanize(p.name, kind="village") if kind == "village" else romanize(p.name)
            cache[key] = (spec, gen, rom, pinyin_key(p.name), initials(p.name))
        p.specific, p.generic, p.romanized, pk, ini = cache[key]
        data.keys.append((pk, ini))
    data.history_keys = [pinyin_key(h.name) for h in data.history]
    data.history_romanized = [romanize(h.name) for h in data.history]


__all__ = ["compute_keys", "generate"]
