"""Name search: characters, full pinyin, initials, mixed input, typos, former names,
filters (category, administrative area, bbox, distance, status) and ranking.

Public API:

* ``make_query(...)`` -> :class:`SearchQuery` (validates raw parameters with the value
  types of :mod:`gazetteer.types`, raises :class:`~gazetteer.errors.InvalidInput`);
* :class:`MemoryIndex` (the in-memory strategy) and ``sql.sql_search`` (the SQL one); the
  search use case that picks between them and keeps the index is
  :class:`gazetteer.services.search.SearchService`;
* :class:`MatchKind` -- exact > prefix > substring > pinyin > initials > fuzzy, and
  ``former-name`` for hits through a former name or alias.
"""

from gazetteer.search.analyze import analyze, fold_latin
from gazetteer.search.memory import MemoryIndex
from gazetteer.search.query import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MatchKind,
    SearchHit,
    SearchPage,
    SearchQuery,
    StatusFilter,
    make_query,
)

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MatchKind",
    "MemoryIndex",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "StatusFilter",
    "analyze",
    "fold_latin",
    "make_query",
]
