"""Word lists of the naming rules: shipped data files plus staff additions in the database.

The files under ``gazetteer/naming/data`` hold one entry a line (``word[<TAB>severity
[<TAB>note]]``, ``#`` starts a comment). Staff extend the lists without touching code
through the ``naming_words`` table (``gazetteer naming-words add LIST WORD`` or
``POST /api/v1/naming/words``). :func:`load_word_lists` merges both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Connection, insert, select

from gazetteer.errors import InvalidInput
from gazetteer.naming.model import Severity
from gazetteer.storage.tables_naming import naming_words
from gazetteer.types import utc_now

WORD_LISTS: dict[str, str] = {
    "exaggerated": "夸大词语",
    "feudal": "封建色彩词语",
    "foreign": "外国人名地名和外语词",
    "leaders": "国家领导人姓名",
    "enterprises": "企业名称和商标",
    "stacked_generics": "叠加通名",
    "persons": "人名（本名、字号、别名、化名、文艺作品人物）",
    "public_order": "违背公序良俗的词语（赌博、低俗、迷信）",
    "famous": "国内著名自然地理实体和历史文化遗产遗址",
    "protected": "地名保护名录",
}


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    severity: Severity = Severity.ERROR
    note: str = ""
    source: str = ""  # the document the entry rests on (column 4 or the file's ``#@source``)


@dataclass(frozen=True, slots=True)
class RoadGenericRule:
    """Width/grade constraints of one road 通名 (``data/road_generics.tsv``)."""

    generic: str
    min_width_m: float | None
    max_width_m: float | None
    grades: frozenset[str]
    note: str


@dataclass(frozen=True, slots=True)
class WordLists:
    lists: dict[str, tuple[Word, ...]]
    road_generics: dict[str, RoadGenericRule]

    def words(self, name: str) -> tuple[Word, ...]:
        return self.lists.get(name, ())

    def plain(self, name: str) -> frozenset[str]:
        return frozenset(w.word for w in self.words(name))


def _read(name: str) -> str:
    return resources.files("gazetteer.naming").joinpath("data", name).read_text("utf-8")


def _parse_words(text: str) -> tuple[Word, ...]:
    out: list[Word] = []
    default_source = ""
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if line.startswith("#@source"):
            default_source = line.removeprefix("#@source").strip()
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        word = cells[0].strip()
        sev = Severity(cells[1].strip()) if len(cells) > 1 and cells[1].strip() else Severity.ERROR
        note = cells[2].strip() if len(cells) > 2 else ""
        source = cells[3].strip() if len(cells) > 3 and cells[3].strip() else default_source
        out.append(Word(word, sev, note, source))
    return tuple(out)


def _float(cell: str) -> float | None:
    cell = cell.strip()
    return float(cell) if cell else None


@cache
def _file_lists() -> WordLists:
    lists = {name: _parse_words(_read(f"{name}.txt")) for name in WORD_LISTS}
    rules: dict[str, RoadGenericRule] = {}
    for raw in _read("road_generics.tsv").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = (raw.split("\t") + [""] * 5)[:5]
        rules[cells[0].strip()] = RoadGenericRule(
            generic=cells[0].strip(),
            min_width_m=_float(cells[1]),
            max_width_m=_float(cells[2]),
            grades=frozenset(g for g in cells[3].split(",") if g.strip()),
            note=cells[4].strip(),
        )
    return WordLists(lists, rules)


def load_word_lists(conn: Connection | None = None) -> WordLists:
    """The shipped lists merged with the database additions (when ``conn`` is given)."""
    base = _file_lists()
    if conn is None:
        return base
    rows = conn.execute(
        select(naming_words.c.list_name, naming_words.c.word, naming_words.c.note)
    ).all()
    if not rows:
        return base
    merged = {k: list(v) for k, v in base.lists.items()}
    for list_name, word, note in rows:
        if list_name in merged and word not in {w.word for w in merged[list_name]}:
            merged[list_name].append(Word(word, Severity.ERROR, note or ""))
    return WordLists({k: tuple(v) for k, v in merged.items()}, base.road_generics)


def add_word(conn: Connection, list_name: str, word: str, *, note: str = "") -> Word:
    """Add ``word`` to a list (database side); duplicates are ignored."""
    if list_name not in WORD_LISTS:
        raise InvalidInput(
            f"未知词表 (unknown word list): {list_name}; 可选 (choose from) "
            + ", ".join(WORD_LISTS)
        )
    word = word.strip()
    if not word or len(word) > 60 or any(c.isspace() for c in word):
        raise InvalidInput("词语须为1-60个字符且不含空白 (word must be 1-60 chars, no spaces)")
    existing = load_word_lists(conn).plain(list_name)
    if word not in existing:
        conn.execute(
            insert(naming_words),
            [
                {
                    "list_name": list_name,
                    "word": word,
                    "note": note,
                    "created_at": utc_now(),
                }
            ],
        )
    return Word(word, Severity.ERROR, note)


__all__ = [
    "WORD_LISTS",
    "RoadGenericRule",
    "Word",
    "WordLists",
    "add_word",
    "load_word_lists",
]
