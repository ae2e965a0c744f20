"""search n-grams carry their place's category (PostgreSQL)

Revision ID: 0017_grams_category
Revises: 0016_tile_key_lookup

A search filtered by a category (``category=22200``, a quarter of all names) joined the
gram's entries with the category's ids: an index-only scan of ``ix_places_category``
hashed whole, twice (the best names and the total). At 13 million names a category of
1.56 million names took 0.5 s for ``东``. Each ``search_grams`` row now holds the place's
``category_code`` too, in the primary key's ``INCLUDE`` part: a category-filtered search
(status all or current, which the rank tells) walks the gram's entries in rank order in
the index alone and stops at the page, and counts them the same way
(:mod:`gazetteer.search.sql`).

The triggers that write n-grams (``search_grams_refresh`` of 0004, fired on category
changes already because the rank depends on the category; ``places_inserted`` of 0008)
and the bulk build (:mod:`gazetteer.storage.bulk`) write the column. The upgrade derives
every place's n-grams again (what a bulk load's first indexing phase does: about 6
minutes per 13 million names on two cores, plus the key), the downgrade drops the
column.
"""

import importlib

from alembic import op

revision = "0017_grams_category"
down_revision = "0016_tile_key_lookup"
branch_labels = None
depends_on = None

_triggers = importlib.import_module(
    "gazetteer.storage.migrations.versions.0008_bulk_place_triggers"
)

_REFRESH = """
    CREATE OR REPLACE FUNCTION search_grams_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_grams WHERE place_id = OLD.id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_grams ({columns})
        SELECT g, search_rank(NEW.status, NEW.category_code, NEW.name), NEW.id{category}
        FROM search_grams_of(NEW.name, NEW.pinyin_key, NEW.initials) g;
      END IF;
      RETURN NULL;
    END $$
"""
_INSERTED = """
    CREATE OR REPLACE FUNCTION places_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_grams ({columns})
      SELECT g, search_rank(n.status, n.category_code, n.name), n.id{category}
      FROM new_places n, search_grams_of(n.name, n.pinyin_key, n.initials) g
      ORDER BY 1, 2, 3;  -- index order: the b-tree is filled left to right
      INSERT INTO place_aliases (place_id, name)
"""
_INSERTED_END = """;
      RETURN NULL;
    END $$
"""
_KEY = "ALTER TABLE search_grams ADD CONSTRAINT pk_search_grams PRIMARY KEY (gram, rank, place_id)"


def _functions(with_category: bool) -> list[str]:
    names = {
        "columns": "gram, rank, place_id" + (", category_code" if with_category else ""),
        "category": ", NEW.category_code" if with_category else "",
    }
    inserted = dict(names, category=", n.category_code" if with_category else "")
    aliases = _triggers._ALIASES_OF
    return [_REFRESH.format(**names), _INSERTED.format(**inserted) + aliases + _INSERTED_END]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SET LOCAL maintenance_work_mem = '128MB'")
    op.execute("ALTER TABLE search_grams DROP CONSTRAINT pk_search_grams")
    op.execute("TRUNCATE search_grams")
    op.execute("ALTER TABLE search_grams ADD COLUMN category_code varchar(8) NOT NULL")
    for statement in _functions(with_category=True):
        op.execute(statement)
    op.execute(
        "INSERT INTO search_grams (gram, rank, place_id, category_code) "
        "SELECT g, n.rank, n.id, n.category_code FROM (SELECT id, name, pinyin_key, initials, "
        "category_code, search_rank(status, category_code, name) AS rank FROM places OFFSET 0) "
        "n, search_grams_of(n.name, n.pinyin_key, n.initials) g"
    )
    op.execute(f"{_KEY} INCLUDE (category_code)")
    op.execute("ANALYZE search_grams")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _functions(with_category=False):
        op.execute(statement)
    op.execute("ALTER TABLE search_grams DROP CONSTRAINT pk_search_grams")
    op.execute("ALTER TABLE search_grams DROP COLUMN category_code")
    op.execute(_KEY)
