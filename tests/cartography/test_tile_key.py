"""The database and the placement agree on the tile of every point: ``places.tile_key``
(PostgreSQL, migration 0011) is the Morton code of the point's tile at the key zoom, and a
tile's candidates are exactly the names whose point the placement puts in that tile --
points on tile edges included -- on both backends."""

from __future__ import annotations

import random

from shapely.geometry import Point
from sqlalchemy import Engine, text

from gazetteer.cartography.labels import (
    KEY_ZOOM,
    read_tile_candidates,
    tile_key_range,
    tile_lonlat_bounds,
    world_xy,
)
from gazetteer.cartography.placement import TILE_PX
from gazetteer.model import AdminLevel
from tests.builder import Builder


def _tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    x, y = world_xy(lon, lat)
    return int(x * 2**zoom // TILE_PX), int(y * 2**zoom // TILE_PX)


def _points() -> list[tuple[float, float]]:
    rnd = random.Random(13)
    pts = [(rnd.uniform(121.9, 122.3), rnd.uniform(37.3, 37.6)) for _ in range(150)]
    for z in (11, 13, 16):  # corners and edges of tiles
        x, y = _tile(122.1, 37.5, z)
        w, s, e, n = tile_lonlat_bounds(z, x, y)
        pts += [(w, n), (e, s), (w, (s + n) / 2), ((w + e) / 2, s)]
    return pts


def test_tile_key_range_nests() -> None:
    lo, hi = tile_key_range(0, 0, 0)
    assert (lo, hi) == (0, 4**KEY_ZOOM)
    for z, x, y in ((5, 26, 12), (12, 3437, 1560)):
        plo, phi = tile_key_range(z, x, y)
        kids = [tile_key_range(z + 1, 2 * x + dx, 2 * y + dy) for dx in (0, 1) for dy in (0, 1)]
        assert min(k[0] for k in kids) == plo and max(k[1] for k in kids) == phi
        assert sum(k[1] - k[0] for k in kids) == phi - plo


def test_a_tile_reads_exactly_the_points_the_placement_puts_in_it(engine: Engine) -> None:
    pts = _points()
    with Builder.writing(engine) as b:
        b.admin("371000000000", "威海市", AdminLevel.CITY)
        ids = [
            b.place(f"村{i}", "22200", geometry=Point(lon, lat)) for i, (lon, lat) in enumerate(pts)
        ]
    where = dict(zip(ids, pts, strict=True))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            for pid, key in conn.execute(text("SELECT id, tile_key FROM places")):
                x, y = _tile(*where[pid], KEY_ZOOM)
                assert tile_key_range(KEY_ZOOM, x, y)[0] == key
        for z in (11, 13, 16):
            tiles = {_tile(lon, lat, z) for lon, lat in pts}
            for x, y in tiles:
                got = {c.id for c in read_tile_candidates(conn, z, x, y, k=500)}
                conn.rollback()
                if engine.dialect.name == "postgresql":  # exact; SpatiaLite reads a box
                    assert got == {i for i, p in where.items() if _tile(*p, z) == (x, y)}
                else:
                    assert {i for i, p in where.items() if _tile(*p, z) == (x, y)} <= got
