"""The generated tile key interleaves its bits through a lookup table (PostgreSQL)

Revision ID: 0016_tile_key_lookup
Revises: 0015_admin_covering

``places.tile_key`` (migration 0011) is computed for every row a ``COPY`` stores. 0012's
PL/pgSQL body spreads the bits of the tile column and row with the five shift-and-mask
steps written as one expression; PL/pgSQL evaluates it without common subexpressions, so
each of the 32 copies of the innermost term is computed again: about 380 integer
operations per key, 2.0 µs a call (1,000,000 keys: 2.0 s; a 13-million-name load 26 s of
its COPY). Here the spread comes from a 1,024-entry table of the spread 10-bit values,
four look-ups per key: 0.9 µs. Same keys (``tests/storage/test_bulk_build.py`` compares
them with 0011's function on 2,000 random points and the edges), same signature, so the
generated column and its index stay as they are.
"""

import importlib

from alembic import op

revision = "0016_tile_key_lookup"
down_revision = "0015_admin_covering"
branch_labels = None
depends_on = None

_bulk = importlib.import_module("gazetteer.storage.migrations.versions.0012_bulk_build")
_tile = importlib.import_module("gazetteer.storage.migrations.versions.0011_place_tile_key")

_HALF = 10  # bits spread by one look-up; the key's column and row have 2 × 10 (KEY_ZOOM 20)


def _spread(v: int) -> int:
    return sum(1 << (2 * i) for i in range(_HALF) if v >> i & 1)


def _tile_key_lookup(gis: str, own: str) -> str:
    assert _tile.KEY_ZOOM == 2 * _HALF
    table = "('{" + ",".join(str(_spread(v)) for v in range(1 << _HALF)) + "}'::bigint[])"
    low = (1 << _HALF) - 1
    key = (
        f"{table}[(x & {low}) + 1] | ({table}[(x >> {_HALF}) + 1] << {2 * _HALF})"
        f" | ({table}[(y & {low}) + 1] << 1) | ({table}[(y >> {_HALF}) + 1] << {2 * _HALF + 1})"
    )
    return str(_bulk._tile_key_plpgsql(gis, own, key))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_tile_key_lookup(*_bulk._schemas()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_bulk._tile_key_plpgsql(*_bulk._schemas()))
