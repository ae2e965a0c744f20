"""Indexes of the search area, on the shared metadata (created by migration 0004).

* ``ix_places_updated_at``: keeps the search index's freshness token (``max(updated_at)``)
  an index lookup on both backends.
* PostgreSQL only (``ddl_if``): the SQL search strategy for very large databases uses
  btree ``text_pattern_ops`` indexes for exact/prefix matching on ``name``, compact pinyin
  (``replace(pinyin_key, ' ', '')``) and ``initials``, and pg_trgm GIN indexes for
  substrings and typo candidates on ``name`` and compact pinyin. SQLite answers from the
  in-memory index (see :mod:`gazetteer.search.service`) and needs none of them.
"""

from __future__ import annotations

from sqlalchemy import Index, func

from gazetteer.storage.tables import metadata, places

COMPACT_PINYIN = func.replace(places.c.pinyin_key, " ", "")

ix_places_updated_at = Index("ix_places_updated_at", places.c.updated_at)

ix_places_name_pattern = Index(
    "ix_places_name_pattern", places.c.name, postgresql_ops={"name": "text_pattern_ops"}
).ddl_if(dialect="postgresql")
ix_places_initials_pattern = Index(
    "ix_places_initials_pattern",
    places.c.initials,
    postgresql_ops={"initials": "text_pattern_ops"},
).ddl_if(dialect="postgresql")
ix_places_name_trgm = Index(
    "ix_places_name_trgm",
    places.c.name,
    postgresql_using="gin",
    postgresql_ops={"name": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

__all__ = [
    "COMPACT_PINYIN",
    "ix_places_initials_pattern",
    "ix_places_name_pattern",
    "ix_places_name_trgm",
    "ix_places_updated_at",
    "metadata",
]
