"""place tile key: a sortable Web Mercator tile key of every name's point (PostgreSQL)

Revision ID: 0011_place_tile_key
Revises: 0010_hardening

The public map reads, per block of 2 x 2 tiles, the most important names whose point lies
in the block. Between zooms 11 and 13 a block of a province holds 1,000-25,000 names: too
many to sort after the spatial index, too few to find the first by primary key. So every
place gets ``tile_key``: the Morton (Z-order) code of the WebMercatorQuad tile holding its
point at zoom :data:`KEY_ZOOM` (x and y bits interleaved), a ``GENERATED ... STORED``
column (kept by PostgreSQL itself for every insert, update and ``COPY``, with or without
triggers). A tile of any zoom up to :data:`KEY_ZOOM` is one range of keys, so a block's
names are one range scan of ``ix_places_tile_key`` (key, then category and status in the
index: the names of a rank are found without reading the table). The tile of a point is
computed with the same floating-point steps as ``cartography.label_style.world_xy``, so the
database and the placement agree on the tile of every point, edges included.

SQLite (a city's names) keeps reading a tile through its spatial index: no column there.
Adding the column rewrites ``places``; run ``VACUUM ANALYZE places`` afterwards on a large
database so that the range scans need not visit the table (index-only).
"""

from alembic import op
from sqlalchemy import text

revision = "0011_place_tile_key"
down_revision = "0010_hardening"
branch_labels = None
depends_on = None

KEY_ZOOM = 20  # tiles up to this zoom are one range of keys (the tile matrix set's last)

_MASKS = (  # spreading 32 bits into the even bits of 64: (shift, mask)
    (16, 0x0000FFFF0000FFFF),
    (8, 0x00FF00FF00FF00FF),
    (4, 0x0F0F0F0F0F0F0F0F),
    (2, 0x3333333333333333),
    (1, 0x5555555555555555),
)


def _spread_sql() -> str:
    e = "v"
    for shift, mask in _MASKS:
        e = f"((({e}) | (({e}) << {shift})) & {mask})"
    return e


_N = 1 << KEY_ZOOM


def _pg_up(gis: str, own: str) -> list[str]:
    """The statements, every name in the functions' bodies qualified by its schema:
    ``pg_restore`` runs with an empty ``search_path`` and computes the generated column
    as it loads the rows, so an unqualified ``ST_X`` is not found there."""
    # the tile column/row at KEY_ZOOM, as world_xy computes the pixel (then * 2^Z / 256)
    wx = f"({gis}.ST_X(p) + 180.0) / 360.0 * 256.0"
    tx = f"least(greatest(floor({wx} * {_N} / 256.0), 0), {_N - 1})"
    lat = f"greatest(least({gis}.ST_Y(p), 85.0511), -85.0511)"
    s = f"sin(radians({lat}))"
    wy = f"(0.5 - ln((1 + {s}) / (1 - {s})) / (4 * pi())) * 256.0"
    ty = f"least(greatest(floor({wy} * {_N} / 256.0), 0), {_N - 1})"
    return [
        f"""
        CREATE FUNCTION {own}.gz_spread_bits(v bigint) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT {_spread_sql()} $$
        """,
        f"""
        CREATE FUNCTION {own}.gz_tile_key(p {gis}.geometry) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT {own}.gz_spread_bits(({tx})::bigint)
               | ({own}.gz_spread_bits(({ty})::bigint) << 1)
        $$
        """,
        "ALTER TABLE places ADD COLUMN tile_key bigint "
        f"GENERATED ALWAYS AS ({own}.gz_tile_key(point)) STORED",
        "CREATE INDEX ix_places_tile_key ON places (tile_key, category_code, status, id)",
        "ANALYZE places",
    ]


_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_places_tile_key",
    "ALTER TABLE places DROP COLUMN IF EXISTS tile_key",
    "DROP FUNCTION IF EXISTS gz_tile_key(geometry)",
    "DROP FUNCTION IF EXISTS gz_spread_bits(bigint)",
]


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if not _postgresql():
        return
    bind = op.get_bind()
    gis = bind.execute(
        text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'")
    ).scalar_one()
    own = bind.execute(text("SELECT quote_ident(current_schema())")).scalar_one()
    for stmt in _pg_up(gis, own):
        op.execute(stmt)


def downgrade() -> None:
    if _postgresql():
        for stmt in _PG_DOWN:
            op.execute(stmt)
