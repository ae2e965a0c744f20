"""search at scale: pinyin typo look-ups, mixed-input grams, aliases

Revision ID: 0005
Revises: 0004

* ``place_aliases(place_id, name)``: one row per alias in ``places.other_names`` (JSON
  list), kept by triggers on both backends, so that the SQL search strategy finds aliases
  with index look-ups like former names (the in-memory index reads the JSON itself).
* PostgreSQL only:

  - ``ix_places_pinyin_compact_length`` and ``ix_places_pinyin_compact_reverse``: btrees
    over (length, compact pinyin) and (length, *reversed* compact pinyin). A pinyin query
    of n letters with one typo matches names of n-1..n+1 letters and keeps intact a long
    prefix, a long suffix, or a short prefix and a short suffix (pigeonhole), so its
    candidates are tight btree range scans -- ``length IN (..) AND compact LIKE
    'first%'`` and ``length IN (..) AND reverse(compact) LIKE 'tsal%'`` -- instead of a
    pg_trgm scan, which has poor
    selectivity over pinyin (few distinct syllables: most names share trigrams; p95
    323 ms on a million names). The unused trigram index on compact pinyin is dropped.
  - ``ix_places_name_reverse``: btree over ``reverse(name)``, for character typos early
    in a name (``戴_方社区`` is looked up by its suffix 方社区).
  - ``m:`` grams in ``search_grams``: a character followed by the initial of the next
    one (威海 -> ``m:威h``), the candidates of mixed input such as ``威h``.
  - btree ``text_pattern_ops`` and trigram indexes on alias names.
"""

import sqlalchemy as sa
from alembic import op

from gazetteer.storage.migrate import execute_for_dialect

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_GRAMS_OF = """
CREATE OR REPLACE FUNCTION search_grams_of(name text, pinyin_key text, initials text)
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
    {mixed}
  ) x WHERE g NOT IN ('', '^', 'p:', 'i:')
$$
"""
# a character and the initial of the next one, where initials align with characters
_MIXED = """
    UNION ALL SELECT 'm:' || substr(name, i, 1) || substr(initials, i + 1, 1)
      FROM generate_series(1, char_length(name) - 1) i
      WHERE char_length(initials) = char_length(name)
"""

_PG_UP = [
    "CREATE INDEX IF NOT EXISTS ix_places_pinyin_compact_length "
    "ON places (length(replace(pinyin_key, ' ', '')), "
    "(replace(pinyin_key, ' ', '')) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_places_pinyin_compact_reverse "
    "ON places (length(replace(pinyin_key, ' ', '')), "
    "(reverse(replace(pinyin_key, ' ', ''))) text_pattern_ops)",
    "DROP INDEX IF EXISTS ix_places_pinyin_compact_trgm",
    "CREATE INDEX IF NOT EXISTS ix_places_name_reverse ON places ((reverse(name)) text_pattern_ops)",
    _GRAMS_OF.format(mixed=_MIXED),
    """
    INSERT INTO search_grams (gram, rank, place_id)
    SELECT DISTINCT 'm:' || substr(p.name, i, 1) || substr(p.initials, i + 1, 1),
           search_rank(p.status, p.category_code, p.name), p.id
    FROM places p, generate_series(1, char_length(p.name) - 1) i
    WHERE char_length(p.initials) = char_length(p.name)
    ON CONFLICT DO NOTHING
    """,
    "CREATE INDEX ix_place_aliases_name_pattern ON place_aliases (name text_pattern_ops)",
    "CREATE INDEX ix_place_aliases_name_trgm ON place_aliases USING gin (name gin_trgm_ops)",
    """
    CREATE FUNCTION place_aliases_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM place_aliases WHERE place_id = OLD.id;
      END IF;
      INSERT INTO place_aliases (place_id, name)
      SELECT DISTINCT NEW.id, btrim(a)
      FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(NEW.other_names::jsonb) = 'array'
             THEN NEW.other_names::jsonb ELSE '[]'::jsonb END) a
      WHERE btrim(a) <> '';
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER trg_places_aliases AFTER INSERT OR UPDATE OF other_names ON places
    FOR EACH ROW EXECUTE FUNCTION place_aliases_refresh()
    """,
    """
    INSERT INTO place_aliases (place_id, name)
    SELECT DISTINCT p.id, btrim(a)
    FROM places p, jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(p.other_names::jsonb) = 'array'
           THEN p.other_names::jsonb ELSE '[]'::jsonb END) a
    WHERE btrim(a) <> ''
    """,
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_places_aliases ON places",
    "DROP FUNCTION IF EXISTS place_aliases_refresh()",
    "DELETE FROM search_grams WHERE gram LIKE 'm:%'",
    _GRAMS_OF.format(mixed=""),
    "CREATE INDEX IF NOT EXISTS ix_places_pinyin_compact_trgm "
    "ON places USING gin ((replace(pinyin_key, ' ', '')) gin_trgm_ops)",
    "DROP INDEX IF EXISTS ix_places_pinyin_compact_reverse",
    "DROP INDEX IF EXISTS ix_places_pinyin_compact_length",
    "DROP INDEX IF EXISTS ix_places_name_reverse",
]

_SQLITE_ALIASES = (
    "INSERT INTO place_aliases (place_id, name) "
    "SELECT DISTINCT NEW.id, trim(value) FROM json_each(CASE WHEN json_valid(NEW.other_names) "
    "AND json_type(NEW.other_names) = 'array' THEN NEW.other_names ELSE '[]' END) "
    "WHERE trim(value) <> ''"
)
_SQLITE_UP = [
    f"""
    CREATE TRIGGER trg_places_aliases_insert AFTER INSERT ON places
    BEGIN {_SQLITE_ALIASES}; END
    """,
    f"""
    CREATE TRIGGER trg_places_aliases_update AFTER UPDATE OF other_names ON places
    BEGIN DELETE FROM place_aliases WHERE place_id = OLD.id; {_SQLITE_ALIASES}; END
    """,
    """
    CREATE TRIGGER trg_places_aliases_delete AFTER DELETE ON places
    BEGIN DELETE FROM place_aliases WHERE place_id = OLD.id; END
    """,
    "INSERT INTO place_aliases (place_id, name) "
    "SELECT DISTINCT p.id, trim(j.value) FROM places p, json_each(CASE WHEN "
    "json_valid(p.other_names) AND json_type(p.other_names) = 'array' "
    "THEN p.other_names ELSE '[]' END) j WHERE trim(j.value) <> ''",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trg_places_aliases_insert",
    "DROP TRIGGER IF EXISTS trg_places_aliases_update",
    "DROP TRIGGER IF EXISTS trg_places_aliases_delete",
]


def upgrade() -> None:
    op.create_table(
        "place_aliases",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_aliases_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", "name", name=op.f("pk_place_aliases")),
    )
    op.create_index("ix_place_aliases_name", "place_aliases", ["name"], unique=False)
    execute_for_dialect(_PG_UP, _SQLITE_UP)


def downgrade() -> None:
    execute_for_dialect(_PG_DOWN, _SQLITE_DOWN)
    op.drop_index("ix_place_aliases_name", table_name="place_aliases")
    op.drop_table("place_aliases")
