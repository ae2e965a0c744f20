"""Chinese text for place names: normalisation, place-name pinyin, romanisation, keys.

Public API:

* ``normalize(text)``: NFKC, whitespace, invisible characters, traditional -> simplified.
* ``is_han(ch)``, ``is_common_char(ch)`` (GB 2312 proxy for the 通用规范汉字表).
* ``syllables(name, *, reading=None, tones=True)``: one pinyin syllable per character, with
  the place-name reading table and a validated per-record ``reading`` override.
* ``parse_reading(name, reading)``, ``ReadingError`` (a ``ValueError``).
* ``split_generic(name)``, ``parse_name(name)``, ``NameParts``: 专名 / 通名.
* ``romanize(name, *, kind=None, reading=None, tones=True)``, ``sign_form(...)``,
  ``NameKind``: GB/T 16159 romanisation.
* ``pinyin_key``, ``toned_key``, ``initials``, ``homophone_signature``: search keys;
  ``search_keys(name)``: ``(pinyin_key, initials)`` at once.
* ``chinese_to_arabic(text)``: 一 ... 九十九 -> 1 ... 99.
* ``strip_tone(syllable)``.

Data files (``data/*.tsv``, ``data/*.txt``) are read on first use, never at import.
"""

from gazetteer.text.keys import (
    homophone_signature,
    initials,
    pinyin_key,
    search_keys,
    toned_key,
)
from gazetteer.text.names import NameParts, parse_name, split_generic
from gazetteer.text.normalization import is_common_char, is_han, normalize
from gazetteer.text.numerals import chinese_to_arabic
from gazetteer.text.pinyin import ReadingError, parse_reading, strip_tone, syllables
from gazetteer.text.romanization import NameKind, romanize, sign_form

__all__ = [
    "NameKind",
    "NameParts",
    "ReadingError",
    "chinese_to_arabic",
    "homophone_signature",
    "initials",
    "is_common_char",
    "is_han",
    "normalize",
    "parse_name",
    "parse_reading",
    "pinyin_key",
    "romanize",
    "search_keys",
    "sign_form",
    "split_generic",
    "strip_tone",
    "syllables",
    "toned_key",
]
