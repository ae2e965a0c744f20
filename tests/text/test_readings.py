"""The place-name readings table (gazetteer/text/data/place_readings.tsv): every entry
names its source, and the table wins over pypinyin for every place it lists."""

from __future__ import annotations

import random

import pytest
from pypinyin import Style, pinyin

from gazetteer.text import romanize, syllables
from gazetteer.text._data import place_reading_sources, raw_place_readings
from gazetteer.text.pinyin import phrase_starts, place_readings

SOURCES = {"XH7", "XH7-surname", "SYB", "LOCAL"} | {f"R84-{n}" for n in range(1, 15)}


def test_every_entry_has_a_known_source() -> None:
    sources = place_reading_sources()
    assert set(sources) == set(raw_place_readings())
    bad = {text: src for text, src in sources.items() if src not in SOURCES}
    assert not bad


def _pypinyin(text: str) -> list[str]:
    return [r[0] for r in pinyin(text, style=Style.TONE)]


def test_the_table_wins_where_pypinyin_differs() -> None:
    table = place_readings()
    differing = [t for t, reading in table.items() if _pypinyin(t) != list(reading)]
    assert len(differing) >= 60  # pypinyin reads many of these places wrongly
    for text in differing:
        assert syllables(text) == list(table[text]), text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("六安市", "Lù'ān Shì"),
        ("丽水市", "Líshuǐ Shì"),
        ("蚌埠市", "Bèngbù Shì"),
        ("番禺区", "Pānyú Qū"),
        ("铅山县", "Yánshān Xiàn"),
        ("乐亭县", "Làotíng Xiàn"),
        ("莘县", "Shēn Xiàn"),
        ("单县", "Shàn Xiàn"),
        ("东阿县", "Dōng'ē Xiàn"),
        ("临朐县", "Línqú Xiàn"),
        ("茌平区", "Chípíng Qū"),
        ("洪洞县", "Hóngtóng Xiàn"),
        ("涡阳县", "Guōyáng Xiàn"),
        ("大城县", "Dàchéng Xiàn"),
        ("蔚县", "Yù Xiàn"),
        ("叶县", "Shè Xiàn"),
        ("应县", "Yìng Xiàn"),
        ("冠县", "Guàn Xiàn"),
        ("荥阳市", "Xíngyáng Shì"),
        ("荥经县", "Yíngjīng Xiàn"),
        ("黄埔区", "Huángpǔ Qū"),
        ("大埔县", "Dàbù Xiàn"),
        ("珲春市", "Húnchūn Shì"),
        ("宕昌县", "Tànchāng Xiàn"),
        ("柞水县", "Zhàshuǐ Xiàn"),
        ("华阴市", "Huàyīn Shì"),
        ("济南市", "Jǐnán Shì"),
        ("长子县", "Zhǎngzǐ Xiàn"),
        ("牟平区", "Mùpíng Qū"),
    ],
)
def test_county_names_read_as_places(name: str, expected: str) -> None:
    assert romanize(name) == expected


def test_a_run_without_phrase_starts_reads_one_character_at_a_time() -> None:
    starts = phrase_starts()
    assert "朝阳" in starts and "长安" in starts  # pypinyin phrases, read as a whole
    rng = random.Random(5)
    pool = "东西南北中大小新长朝阳乐行重山水河村庄营路街桥王李张家"
    checked = 0
    for _ in range(2000):
        run = "".join(rng.choice(pool) for _ in range(rng.randint(2, 5)))
        if all(run[i : i + 2] not in starts for i in range(len(run) - 1)):
            assert syllables(run) == [syllables(ch)[0] for ch in run], run
            checked += 1
    assert checked > 100
