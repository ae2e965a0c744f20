"""search index

Revision ID: 0004
Revises: 0003

Indexes for name search (see gazetteer/storage/tables_search.py). The expression indexes
on compact pinyin and the pg_trgm GIN indexes exist on PostgreSQL only.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PG = [
    "CREATE INDEX IF NOT EXISTS ix_places_name_pattern ON places (name text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_places_initials_pattern ON places (initials text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_places_pinyin_compact_pattern "
    "ON places ((replace(pinyin_key, ' ', '')) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_places_name_trgm ON places USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_places_pinyin_compact_trgm "
    "ON places USING gin ((replace(pinyin_key, ' ', '')) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_place_history_name_trgm "
    "ON place_history USING gin (name gin_trgm_ops)",
]
# n-gram table for the SQL search strategy on very large databases: unigrams and bigrams
# of names (1-2 character substrings), '^' + first 1-2 characters (prefixes), 'p:' + the
# first 1-5 letters of compact pinyin, 'i:' + the first 1-3 initials; each row carries the
# place's static rank so that "the best 20 of 30,000 matches" is an index range scan.
# Kept in step with places by a trigger.
_PG_GRAMS = [
    """
    CREATE TABLE search_grams (
        gram text NOT NULL,
        rank integer NOT NULL,
        place_id integer NOT NULL REFERENCES places (id) ON DELETE CASCADE,
        CONSTRAINT pk_search_grams PRIMARY KEY (gram, rank, place_id)
    )
    """,
    "CREATE INDEX ix_search_grams_place ON search_grams (place_id)",
    """
    CREATE FUNCTION search_rank(status text, category_code text, name text)
    RETURNS integer IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
      SELECT (CASE WHEN status = 'current' THEN 0 ELSE 1 END) * 10000000
           + (CASE category_code WHEN '21300' THEN 0 WHEN '21400' THEN 1 WHEN '21500' THEN 2
                WHEN '21610' THEN 3 WHEN '21620' THEN 3 WHEN '21630' THEN 4 ELSE 5 END) * 1000000
           + least(char_length(name), 999) * 1000
    $$
    """,
    """
    CREATE FUNCTION search_grams_of(name text, pinyin_key text, initials text)
    RETURNS SETOF text IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
      SELECT DISTINCT g FROM (
        SELECT substr(name, i, 1) AS g FROM generate_series(1, char_length(name)) i
        UNION ALL SELECT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) i
        UNION ALL SELECT '^' || left(name, 1)
        UNION ALL SELECT '^' || left(name, 2) WHERE char_length(name) >= 2
        UNION ALL SELECT 'p:' || left(replace(pinyin_key, ' ', ''), i)
          FROM generate_series(1, least(5, char_length(replace(pinyin_key, ' ', '')))) i
        UNION ALL SELECT 'i:' || left(initials, i)
          FROM generate_series(1, least(3, char_length(initials))) i
      ) x WHERE g NOT IN ('', '^', 'p:', 'i:')
    $$
    """,
    """
    CREATE FUNCTION search_grams_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_grams WHERE place_id = OLD.id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_grams (gram, rank, place_id)
        SELECT g, search_rank(NEW.status, NEW.category_code, NEW.name), NEW.id
        FROM search_grams_of(NEW.name, NEW.pinyin_key, NEW.initials) g;
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER trg_places_search_grams
    AFTER INSERT OR UPDATE OF name, pinyin_key, initials, status, category_code ON places
    FOR EACH ROW EXECUTE FUNCTION search_grams_refresh()
    """,
    """
    INSERT INTO search_grams (gram, rank, place_id)
    SELECT g, search_rank(p.status, p.category_code, p.name), p.id
    FROM places p, search_grams_of(p.name, p.pinyin_key, p.initials) g
    """,
]
_PG_GRAMS_DROP = [
    "DROP TRIGGER IF EXISTS trg_places_search_grams ON places",
    "DROP FUNCTION IF EXISTS search_grams_refresh()",
    "DROP FUNCTION IF EXISTS search_grams_of(text, text, text)",
    "DROP FUNCTION IF EXISTS search_rank(text, text, text)",
    "DROP TABLE IF EXISTS search_grams",
]
_PG_NAMES = [
    "ix_places_name_pattern",
    "ix_places_initials_pattern",
    "ix_places_pinyin_compact_pattern",
    "ix_places_name_trgm",
    "ix_places_pinyin_compact_trgm",
    "ix_place_history_name_trgm",
]


def upgrade() -> None:
    op.create_index("ix_places_updated_at", "places", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for stmt in _PG + _PG_GRAMS:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in _PG_GRAMS_DROP:
            op.execute(stmt)
        for name in _PG_NAMES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_places_updated_at", table_name="places")
