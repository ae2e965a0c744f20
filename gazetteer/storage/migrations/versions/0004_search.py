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
        for stmt in _PG:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_NAMES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_places_updated_at", table_name="places")
