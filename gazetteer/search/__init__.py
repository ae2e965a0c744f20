"""Name search: characters, full pinyin, initials, mixed input, typos, former names,
filters (category, administrative area, bbox, distance, status) and ranking.

Public API:

* ``make_query(...)`` -> :class:`SearchQuery` (validates raw parameters, raises
  :class:`~gazetteer.errors.InvalidInput`), ``parse_bbox``, ``parse_point``;
* ``search(conn, query)`` -> :class:`SearchPage` of :class:`SearchHit`;
* :class:`SearchService` (strategy and per-process index cache), :class:`MemoryIndex`,
  ``load_index(conn)``;
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
    admin_prefix,
    distance_m,
    make_query,
    parse_bbox,
    parse_point,
)
from gazetteer.search.service import SearchService, data_token, load_index, search, service_for

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MatchKind",
    "MemoryIndex",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "SearchService",
    "StatusFilter",
    "admin_prefix",
    "analyze",
    "data_token",
    "distance_m",
    "fold_latin",
    "load_index",
    "make_query",
    "parse_bbox",
    "parse_point",
    "search",
    "service_for",
]
