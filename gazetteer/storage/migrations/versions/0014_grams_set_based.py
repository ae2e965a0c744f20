"""search n-grams of a name without a per-name de-duplication (PostgreSQL)

Revision ID: 0014_grams_set_based
Revises: 0013_change_counters

``search_grams_of(name, pinyin_key, initials)`` (migration 0005) returns the distinct
n-grams of a name: a union of six ``generate_series`` scans under ``SELECT DISTINCT``.
Inlined into ``FROM places n, search_grams_of(..)`` that is, for every name, a hash
aggregate rebuilt and six function scans each materialised in a tuple store: about
12 µs a name, the larger part of the n-gram statement of a bulk load (100,000 names, 1.9
million grams). It is now one pass over the character positions: per position an array
of the grams that start there, unnested, with each gram kept only at its first
occurrence, so nothing needs de-duplicating afterwards (about 8 µs a name, measured as
backend CPU; with the rank computed once per name, :mod:`gazetteer.storage.bulk`, the
statement takes 30 % less).

The rows are exactly those of 0005's function, which the tests compare on adversarial
names (repeated characters, ``^`` and ``:`` in names, empty and NULL values, initials
that do not align), in the bulk path and in the per-row and per-statement triggers alike:

* a character (a bigram) at its first position in the name (``strpos``), except ``^``
  (and ``p:``, ``i:``), which 0005 filtered out;
* ``'^' || left(name, 1)`` unless the name holds that bigram itself (only possible with
  ``^`` in the name); ``'^' || left(name, 2)`` cannot equal any other gram (three
  characters starting with ``^``);
* the ``p:`` and ``i:`` prefixes are distinct by length; no gram of one kind can equal a
  gram of another (lengths and the leading ``p:``, ``i:``, ``m:``, ``^``);
* ``m:`` + a character + the next initial: when the character occurs earlier, kept only
  if no earlier occurrence has the same next initial.

Nothing stored changes (same rows), so the migration only replaces the function; the
downgrade puts 0005's back. SQLite has no n-gram table: nothing there.
"""

import importlib

from alembic import op

revision = "0014_grams_set_based"
down_revision = "0013_change_counters"
branch_labels = None
depends_on = None

_0005 = importlib.import_module("gazetteer.storage.migrations.versions.0005_search_scale")

GRAMS_OF = r"""
CREATE OR REPLACE FUNCTION search_grams_of(name text, pinyin_key text, initials text)
RETURNS SETOF text IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
  SELECT g FROM (
    SELECT unnest(ARRAY[
      CASE WHEN i <= char_length(name) AND strpos(name, substr(name, i, 1)) = i
                AND substr(name, i, 1) <> '^' THEN substr(name, i, 1) END,
      CASE WHEN i < char_length(name) AND strpos(name, substr(name, i, 2)) = i
                AND substr(name, i, 2) NOT IN ('p:', 'i:') THEN substr(name, i, 2) END,
      CASE WHEN i = 1 AND char_length(name) >= 1 AND strpos(name, '^' || left(name, 1)) = 0
             THEN '^' || left(name, 1)
           WHEN i = 2 AND char_length(name) >= 2 THEN '^' || left(name, 2) END,
      CASE WHEN i <= 5 THEN 'p:' || nullif(left(replace(pinyin_key, ' ', ''), i),
                                           left(replace(pinyin_key, ' ', ''), i - 1)) END,
      CASE WHEN i <= 3 AND i <= char_length(initials) THEN 'i:' || left(initials, i) END,
      CASE WHEN i < char_length(name) AND char_length(initials) = char_length(name)
                AND (strpos(name, substr(name, i, 1)) = i OR NOT EXISTS (
                  SELECT FROM generate_series(1, i - 1) j
                  WHERE substr(name, j, 1) = substr(name, i, 1)
                    AND substr(initials, j + 1, 1) = substr(initials, i + 1, 1)))
           THEN 'm:' || substr(name, i, 1) || substr(initials, i + 1, 1) END
    ]) AS g
    FROM (SELECT generate_series(1, greatest(char_length(name), 5)) AS i) s
  ) x WHERE g IS NOT NULL
$$
"""
GRAMS_OF_0005 = _0005._GRAMS_OF.format(mixed=_0005._MIXED)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRAMS_OF)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRAMS_OF_0005)
