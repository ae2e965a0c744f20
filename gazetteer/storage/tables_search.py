"""Tables and indexes of the search area, on the shared metadata (migrations 0004, 0005).

* ``place_aliases(place_id, name)``: the aliases of ``places.other_names`` (a JSON list)
  as rows, kept by triggers on both backends (migration 0005), searched like former names.
* ``ix_places_updated_at``: keeps the search index's freshness token (``max(updated_at)``)
  an index lookup on both backends.
* PostgreSQL only (``ddl_if``): the SQL search strategy for very large databases uses
  btree ``text_pattern_ops`` indexes for exact/prefix matching on ``name``, compact pinyin
  (``replace(pinyin_key, ' ', '')``), reversed compact pinyin (suffixes, for one-typo
  look-ups) and ``initials``, and pg_trgm GIN indexes for substrings of ``name``.
  SQLite answers from the in-memory index (see :mod:`gazetteer.services.search`).
* PostgreSQL only: the ``search_grams(gram, rank, place_id, category_code)`` n-gram table
  (the category since migration 0017, for category filters; unigrams and
  bigrams of names, ``^``-prefixed first 1-2 characters, ``p:`` compact-pinyin prefixes up
  to 5 letters, ``i:`` initials prefixes up to 3, ``m:`` a character and the next
  character's initial for mixed input), kept in step with ``places`` by the
  trigger ``trg_places_search_grams``; each row carries the place's static rank
  (``search_rank(status, category_code, name)``) so that the best 20 of 30,000 matches of
  a one-character query are an index range scan. ``gram`` is in the ``"C"`` collation
  (migration 0012: only compared for equality; its key sorts bytes when a bulk load
  builds it). It is written in SQL in the migration
  (functions, trigger) and read through a lightweight ``table()`` in
  ``gazetteer.search.sql``, so it is not part of ``metadata``.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, Text, func

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
# one row per alias in places.other_names, kept by triggers (migration 0005)
place_aliases = Table(
    "place_aliases",
    metadata,
    Column(
        "place_id",
        Integer,
        ForeignKey("places.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", Text, primary_key=True),
    Index("ix_place_aliases_name", "name"),
)

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
    "place_aliases",
]
