"""places' administrative and category indexes cover the search filters (PostgreSQL)

Revision ID: 0015_admin_covering
Revises: 0014_grams_set_based

A search with an administrative filter over n-grams (``东`` in a prefecture of the
national data set) joins the gram's entries (up to 320,000 at 13 million names) with the
places of the area (45,000 in a prefecture). Read through ``ix_places_admin`` those places
are 45,000 visits of the table (44,000 blocks, 200-230 ms); with the id, status and
category in the index (``INCLUDE``) the area is an index-only scan (10-12 ms), and
:mod:`gazetteer.search.sql` asks only for the ids there. A category filter alike:
``ix_places_category`` holds id and status (counting ``dong`` among 12200's names walked
170,000 n-grams and visited each place: 1.1 s). Same names, same keys: every plan that
used the indexes still can. SQLite has no ``INCLUDE``: its index stays as it is.

The planner's statistics of ``admin_code`` and ``name`` grow from 100 to 1,000 histogram
buckets: at 13 million names a county is a sliver of one of 100 buckets, and with the
estimate 25 times too low (1,782 rows for 45,447) a town's search walked the 56,000 names
starting with ``河`` through the name index instead of the town's 300 places (245 ms
against 2 ms). The next ``ANALYZE`` (autovacuum's, or a bulk load's) uses them.
"""

from alembic import op

revision = "0015_admin_covering"
down_revision = "0014_grams_set_based"
branch_labels = None
depends_on = None

_COVERING = (  # index, key, the columns a scoped search reads from it
    ("ix_places_admin", "admin_code", "id, status, category_code"),
    ("ix_places_category", "category_code", "id, status"),
)
_STATISTICS = "ALTER TABLE places ALTER admin_code SET STATISTICS {n}, ALTER name SET STATISTICS {n}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, column, include in _COVERING:
            op.execute(f"DROP INDEX IF EXISTS {name}")
            op.execute(f"CREATE INDEX {name} ON places ({column}) INCLUDE ({include})")
        op.execute(_STATISTICS.format(n=1000))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, column, _ in _COVERING:
            op.execute(f"DROP INDEX IF EXISTS {name}")
            op.execute(f"CREATE INDEX {name} ON places ({column})")
        op.execute(_STATISTICS.format(n=-1))
