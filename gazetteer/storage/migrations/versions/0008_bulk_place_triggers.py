"""search keys of inserted places kept per statement, not per row (PostgreSQL)

Revision ID: 0008_bulk
Revises: 0007

The search n-grams (``search_grams``) and alias rows (``place_aliases``) of a new place
were written by row-level triggers: one PL/pgSQL call and one small INSERT per place. An
import of a census export (100,000 places in one transaction) spent four fifths of its
time there. Inserts now fire one statement-level trigger per INSERT statement that
fills both tables from the statement's transition table (``REFERENCING NEW TABLE``) in
one set-based INSERT each; updates keep the row-level triggers (PostgreSQL allows no
column list with transition tables, and updates come one place at a time). The grams
are inserted in index order, and the foreign key from ``search_grams`` to ``places`` (a
row lock and a look-up per gram, some twenty per place) gives way to a statement-level
delete trigger that removes the grams of deleted places, as ``ON DELETE CASCADE`` did.
The result is the same rows as before. SQLite keeps its row triggers (plain SQL there,
and it has no ``search_grams``).
"""

from alembic import op

revision = "0008_bulk"
down_revision = "0007"
branch_labels = None
depends_on = None

_ALIASES_OF = """
    SELECT DISTINCT n.id, btrim(a)
    FROM new_places n, jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(n.other_names::jsonb) = 'array'
           THEN n.other_names::jsonb ELSE '[]'::jsonb END) a
    WHERE btrim(a) <> ''
"""

_UP = [
    """
    CREATE FUNCTION places_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_grams (gram, rank, place_id)
      SELECT g, search_rank(n.status, n.category_code, n.name), n.id
      FROM new_places n, search_grams_of(n.name, n.pinyin_key, n.initials) g
      ORDER BY 1, 2, 3;  -- index order: the b-tree is filled left to right
      INSERT INTO place_aliases (place_id, name)
    """
    + _ALIASES_OF
    + """;
      RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS trg_places_search_grams ON places",
    """
    CREATE TRIGGER trg_places_search_grams
    AFTER UPDATE OF name, pinyin_key, initials, status, category_code ON places
    FOR EACH ROW EXECUTE FUNCTION search_grams_refresh()
    """,
    "DROP TRIGGER IF EXISTS trg_places_aliases ON places",
    """
    CREATE TRIGGER trg_places_aliases AFTER UPDATE OF other_names ON places
    FOR EACH ROW EXECUTE FUNCTION place_aliases_refresh()
    """,
    """
    CREATE TRIGGER trg_places_inserted AFTER INSERT ON places
    REFERENCING NEW TABLE AS new_places
    FOR EACH STATEMENT EXECUTE FUNCTION places_inserted()
    """,
    """
    CREATE FUNCTION places_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM search_grams g USING old_places o WHERE g.place_id = o.id;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER trg_places_deleted AFTER DELETE ON places
    REFERENCING OLD TABLE AS old_places
    FOR EACH STATEMENT EXECUTE FUNCTION places_deleted()
    """,
    "ALTER TABLE search_grams DROP CONSTRAINT IF EXISTS search_grams_place_id_fkey",
]

_DOWN = [
    "DELETE FROM search_grams g WHERE NOT EXISTS (SELECT 1 FROM places p WHERE p.id = g.place_id)",
    "ALTER TABLE search_grams ADD CONSTRAINT search_grams_place_id_fkey FOREIGN KEY (place_id) "
    "REFERENCES places (id) ON DELETE CASCADE",
    "DROP TRIGGER IF EXISTS trg_places_deleted ON places",
    "DROP FUNCTION IF EXISTS places_deleted()",
    "DROP TRIGGER IF EXISTS trg_places_inserted ON places",
    "DROP FUNCTION IF EXISTS places_inserted()",
    "DROP TRIGGER IF EXISTS trg_places_search_grams ON places",
    """
    CREATE TRIGGER trg_places_search_grams
    AFTER INSERT OR UPDATE OF name, pinyin_key, initials, status, category_code ON places
    FOR EACH ROW EXECUTE FUNCTION search_grams_refresh()
    """,
    "DROP TRIGGER IF EXISTS trg_places_aliases ON places",
    """
    CREATE TRIGGER trg_places_aliases AFTER INSERT OR UPDATE OF other_names ON places
    FOR EACH ROW EXECUTE FUNCTION place_aliases_refresh()
    """,
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for stmt in _UP:
        op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for stmt in _DOWN:
        op.execute(stmt)
