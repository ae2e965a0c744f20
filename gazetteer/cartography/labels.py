"""Names written on the map: a priority per name, and which names each map tile writes at
its zoom so that no two labels overlap -- computed per tile, on demand.

Priority: administrative seats first (city, county, town), then the category's rank
(:func:`category_rank`), then -- within the ranks of areal features (seats, seas, islands,
mountains, towns, scenic areas; ranks 0..:data:`SIZE_RANK_MAX`) -- the feature's size (the
diagonal of its bounding box, so a large island or bay comes before a rock), then the id.
Within the point-like ranks (villages, buildings, units, stops ...) the id decides, so that
the database can hand out a tile's most important names from an index without sorting
every name of the tile.

Placement (:mod:`gazetteer.cartography.placement`): at each zoom, greedy in that priority
order over the candidates of every block of 2 x 2 tiles (the tile of the zoom below) --
the :data:`BLOCK_K` most important current names whose point lies in the block (and as
many historical ones), read with one statement per block (:func:`read_tile_candidates`:
per rank, ``LIMIT`` over one range of the points' tile key ``places.tile_key`` on
PostGIS; a cold tile reads about four blocks instead of nine tiles). SpatiaLite reads every
name of a box (a city's worth), so there the unit is the tile and its :data:`TILE_K` names.
A label is placed when its box meets no placed box of higher priority;
the decision is local (it follows only overlapping higher-priority labels into the
neighbouring tiles), so neighbouring tiles agree on every label near their common edge.
The cost of a tile depends on the tile and its neighbours, never on the number of names.
Historical names are placed in a second pass in the space the current names leave, so
showing them never moves a current name.

Boxes are in CSS pixels, centred on the name's point, with the text width measured as the
page draws it (CJK characters one em, others :data:`NARROW_EM` em) plus padding; the page
sets each label's size from the box, so what the browser draws is what was placed.
Results are kept per process in a :class:`LabelCache`, keyed by database, data version
(read at most once a second) and tile.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    column,
    func,
    null,
    select,
    table,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.cartography.label_style import (
    ADMIN,
    HISTORICAL,
    ISLAND,
    MOUNTAIN,
    PLACE,
    SIZE_RANK_MAX,
    WATER,
    Label,
    LabelCandidate,
    box_height_px,
    category_rank,
    label_style,
    label_text,
    major_of,
    priority_key,
    rule_of,
    text_width_px,
    tile_lonlat_bounds,
    world_xy,
)
from gazetteer.cartography.placement import MAX_HALF_H, MAX_HALF_W, TILE_PX, Box, ZoomPlacement
from gazetteer.errors import InvalidInput
from gazetteer.model import classification
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import BBoxMatch, geom_bound, is_sqlite
from gazetteer.storage.memo import Throttled
from gazetteer.storage.repository import points_extent
from gazetteer.storage.versions import layer_version

MIN_ZOOM = 7  # the public map's zoom range
MAX_ZOOM = 18
TILE_MAX_ZOOM = 20  # labels are placed at every zoom of the tile matrix set
GAP_PX = 2.0  # kept free around every box (rounding of marker positions in the browser)
TILE_K = 100  # current (and historical) candidates per tile at most (in memory, zoom 0)
BLOCK_K = 4 * TILE_K  # ... per block of 2 x 2 tiles (the tile of the zoom below), as read
MAX_BLOCKS = 4096  # blocks kept per zoom
MAX_RESULTS = 1500  # labels per /labels request at most (a screen holds far fewer)
MAX_VIEW_TILES = 256  # tiles a /labels view may span at its zoom
_SLACK = 8  # extra rows per statement part: points on a tile edge belong to one tile only


def _box(c: LabelCandidate, zoom: int) -> Box | None:
    """The candidate's box at ``zoom`` (None when wider or taller than a tile may offer)."""
    w, h, _, _, _ = label_style(c)
    hw, hh = w / 2 + GAP_PX / 2, h / 2 + GAP_PX / 2
    if hw > MAX_HALF_W or hh > MAX_HALF_H:
        return None
    x, y = world_xy(c.lon, c.lat)
    scale = float(1 << zoom)
    return Box(c.id, priority_key(c), x * scale, y * scale, hw, hh, c)


def _label(c: LabelCandidate, zoom: int) -> Label:
    w, h, font, kind, rank = label_style(c)
    return Label(
        id=c.id,
        text=label_text(c),
        name=c.name,
        category_code=c.category_code,
        major=major_of(c.category_code),
        kind=kind,
        lon=c.lon,
        lat=c.lat,
        width=w,
        height=h,
        font=font,
        rank=rank,
        zoom=zoom,
        historical=c.historical,
        years=c.years,
    )


def tile_boxes(
    candidates: Sequence[LabelCandidate], zoom: int, x: int, y: int, k: int = TILE_K
) -> tuple[list[Box], list[Box]]:
    """What tile (x, y) offers at ``zoom``: the ``k`` most important current and historical
    candidates whose point lies in the tile (by the same pixel arithmetic as the placement),
    as boxes in priority order."""
    cur: list[Box] = []
    hist: list[Box] = []
    for c in sorted(candidates, key=priority_key):
        b = _box(c, zoom)
        if b is None or (int(b.x // TILE_PX), int(b.y // TILE_PX)) != (x, y):
            continue
        out = hist if c.historical else cur
        if len(out) < k:
            out.append(b)
    return cur, hist


def block_boxes(
    candidates: Sequence[LabelCandidate], zoom: int, bx: int, by: int, k: int
) -> dict[tuple[int, int], tuple[list[Box], list[Box]]]:
    """What the four tiles of block (bx, by) -- the tile of zoom ``zoom - 1`` -- offer at
    ``zoom``: the ``k`` most important current and historical candidates whose point lies
    in the block, as boxes in priority order, split by tile."""
    out: dict[tuple[int, int], tuple[list[Box], list[Box]]] = {}
    taken = [0, 0]
    for c in sorted(candidates, key=priority_key):
        if taken[c.historical] >= k:  # (before measuring the text: most rows end here)
            continue
        b = _box(c, zoom)
        if b is None or (int(b.x // (2 * TILE_PX)), int(b.y // (2 * TILE_PX))) != (bx, by):
            continue
        taken[c.historical] += 1
        tile = out.setdefault((int(b.x // TILE_PX), int(b.y // TILE_PX)), ([], []))
        tile[c.historical].append(b)
    return out


def place_in_memory(
    candidates: Sequence[LabelCandidate],
    zoom: int,
    tiles: Sequence[tuple[int, int]],
    *,
    k: int = TILE_K,
    placement: ZoomPlacement | None = None,
) -> dict[tuple[int, int], tuple[list[Label], list[Label]]]:
    """The labels of ``tiles`` at ``zoom`` over an in-memory list (tests, small data)."""
    zp = placement or ZoomPlacement(zoom)

    def fetch(x: int, y: int) -> tuple[list[Box], list[Box]]:
        return tile_boxes(candidates, zoom, x, y, k)

    out = {}
    for x, y in tiles:
        cur, hist = zp.tile(fetch, x, y)
        out[(x, y)] = ([_label(b.item, zoom) for b in cur], [_label(b.item, zoom) for b in hist])
    return out


# --- reading candidates ------------------------------------------------------------------


@cache
def _rank_groups() -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The category codes of each rank, most important rank first."""
    groups: dict[int, list[str]] = {}
    for cat in classification().categories:
        groups.setdefault(rule_of(cat.code)[0], []).append(cat.code)
    return tuple((r, tuple(sorted(groups[r]))) for r in sorted(groups))


def _columns(size: bool = True) -> tuple[ColumnElement[Any], ...]:
    """What a candidate needs; without ``size`` (the point-like ranks, ordered by id) the
    bounding box of the geometry is not read."""
    p = t.places
    if size:
        bounds = [geom_bound(p.c.geom, side) for side in ("xmin", "ymin", "xmax", "ymax")]
    else:
        bounds = [cast(null(), Float) for _ in range(4)]
    return (
        p.c.id,
        p.c.name,
        p.c.category_code,
        func.ST_X(p.c.point).label("lon"),
        func.ST_Y(p.c.point).label("lat"),
        p.c.status,
        p.c.established_year,
        p.c.abolished_year,
        bounds[0].label("x0"),
        bounds[1].label("y0"),
        bounds[2].label("x1"),
        bounds[3].label("y1"),
    )


_BOUNDS = tuple(bindparam(n, type_=Float) for n in ("w", "s", "e", "n"))


def _in_box() -> BBoxMatch:
    return BBoxMatch(t.places.c.point, *_BOUNDS)


@cache
def _all_in_tile() -> Select[tuple[object, ...]]:
    return select(*_columns()).where(_in_box())


KEY_ZOOM = 20  # the zoom of places.tile_key (migration 0011): tiles up to it are one key range

# places as the key index sees it (PostgreSQL): ids found without reading the table
_keyed = table(
    "places",
    column("id", Integer),
    column("tile_key", BigInteger),
    column("category_code", String),
    column("status", String),
).alias("tk")


def tile_key_range(zoom: int, x: int, y: int) -> tuple[int, int]:
    """The ``places.tile_key`` values of the points in tile (x, y) at ``zoom``
    (``lo <= key < hi``): the Morton code of the tile, shifted to :data:`KEY_ZOOM`."""
    code = 0
    for i in range(zoom):
        code |= ((x >> i) & 1) << (2 * i) | ((y >> i) & 1) << (2 * i + 1)
    shift = 2 * (KEY_ZOOM - zoom)
    return code << shift, (code + 1) << shift


def _keyed_ids(*where: ColumnElement[bool], k: int | None) -> Select[tuple[object, ...]]:
    lo, hi = bindparam("lo", type_=BigInteger), bindparam("hi", type_=BigInteger)
    q = select(_keyed.c.id).where(_keyed.c.tile_key >= lo, _keyed.c.tile_key < hi, *where)
    return q if k is None else q.order_by(_keyed.c.id).limit(k)


@cache
def _tile_statement(k: int) -> Select[tuple[object, ...]]:
    """One statement, its tile in bind parameters ``lo, hi`` (:func:`tile_key_range`): the
    first ``k`` (+ slack) names in priority order whose point lies in the tile, by parts
    with a ``LIMIT`` each, every part's ids found in one range of ``ix_places_tile_key``
    (key, category, status, id: no table row is read to choose them) or, in a dense tile,
    in primary-key order -- the areal ranks 0..SIZE_RANK_MAX together (few rows: seats,
    seas, islands, mountains, towns; ordered by size after reading them), each point-like
    rank by id, and the historical names (few) by id. Only the chosen rows are read."""
    p = t.places
    xmin, ymin = geom_bound(p.c.geom, "xmin"), geom_bound(p.c.geom, "ymin")
    xmax, ymax = geom_bound(p.c.geom, "xmax"), geom_bound(p.c.geom, "ymax")
    size2 = (xmax - xmin) * (xmax - xmin) + (ymax - ymin) * (ymax - ymin)
    groups = _rank_groups()
    areal = [(r, codes) for r, codes in groups if r <= SIZE_RANK_MAX]
    current = _keyed.c.status != "historical"
    rank = case(*((p.c.category_code.in_(codes), r) for r, codes in areal), else_=99)
    areal_codes = [c for _, codes in areal for c in codes]
    areal_ids = _keyed_ids(_keyed.c.category_code.in_(areal_codes), current, k=None)

    def rows(ids: Select[tuple[object, ...]], size: bool) -> Select[tuple[object, ...]]:
        chosen = ids.subquery()
        return select(*_columns(size)).select_from(p.join(chosen, chosen.c.id == p.c.id))

    # current names in priority order: the areal ranks, then each point-like rank; the
    # outer LIMIT stops there, so the later ranks of a dense block are never read
    current_parts = [
        select(*_columns())
        .where(p.c.id.in_(areal_ids))
        .order_by(rank, size2.desc(), p.c.id)
        .limit(k + _SLACK)
    ] + [
        rows(_keyed_ids(_keyed.c.category_code.in_(codes), current, k=k + _SLACK), False)
        for r, codes in groups
        if r > SIZE_RANK_MAX
    ]
    current_names = select(
        union_all(*(select(q.subquery()) for q in current_parts)).subquery()
    ).limit(k + _SLACK)
    hist = rows(_keyed_ids(_keyed.c.status == "historical", k=k + _SLACK), True)
    parts = [current_names, hist]
    return select(union_all(*(select(q.subquery()) for q in parts)).subquery())


def read_tile_candidates(
    conn: Connection, zoom: int, x: int, y: int, k: int = TILE_K
) -> list[LabelCandidate]:
    """The names tile (x, y) may offer at ``zoom`` (at most ``k`` + slack per rank and
    status; :func:`tile_boxes` keeps the ``k`` first whose point is in the tile).

    PostGIS: one statement of ``LIMIT`` parts over the tile's key range
    (:func:`_tile_statement`; historical names are offered by id when a tile holds more
    than ``k``). SpatiaLite (a city's names; its
    spatial index is a virtual table that costs ~10 ms per lookup, more than the rows): the
    tile's names in one lookup, ordered here."""
    params: dict[str, float | int]
    if is_sqlite(conn):
        w, s, e, n = tile_lonlat_bounds(zoom, x, y)
        eps = 1e-9
        params = {"w": w - eps, "s": s - eps, "e": e + eps, "n": n + eps}
        stmt = _all_in_tile()
    else:
        lo, hi = tile_key_range(zoom, x, y)
        params = {"lo": lo, "hi": hi}
        stmt = _tile_statement(k)
        # a prepared statement's generic plan cannot know whether the key range is dense
        # (read by id) or sparse (read from the key index): one plan per range, always
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    out = []
    for r in conn.execute(stmt, params):
        historical = r.status == "historical"
        years = ""
        if historical and (r.established_year is not None or r.abolished_year is not None):
            a = r.established_year if r.established_year is not None else "?"
            b = r.abolished_year if r.abolished_year is not None else "?"
            years = f"{a}–{b}"
        size = 0.0
        if None not in (r.x0, r.y0, r.x1, r.y1):
            size = math.hypot(float(r.x1) - float(r.x0), float(r.y1) - float(r.y0))
        out.append(
            LabelCandidate(
                id=int(r.id),
                name=r.name,
                category_code=r.category_code,
                lon=round(float(r.lon), 6),
                lat=round(float(r.lat), 6),
                size=size,
                historical=historical,
                years=years,
            )
        )
    return out


# --- the per-process cache ----------------------------------------------------------------

TileLabels = tuple[list[Label], list[Label]]  # (current, historical), priority order
BlockBoxes = dict[tuple[int, int], tuple[list[Box], list[Box]]]


class LabelCache:
    """Placed labels per (database, places version, zoom, tile); one per process.

    The placement state of each zoom (candidates read and decisions taken so far) is kept
    for the current version, so a tile next to one already asked for costs little; the
    finished tiles are kept in an LRU of ``max_tiles``. The places version is read at most
    once per ``version_ttl_s``.
    """

    def __init__(self, max_tiles: int = 20_000, version_ttl_s: float = 1.0) -> None:
        self._max = max_tiles
        self._lock = threading.Lock()
        self._tiles: OrderedDict[tuple[str, str, int, int, int], TileLabels] = OrderedDict()
        self._zooms: dict[tuple[str, str, int], ZoomPlacement] = {}
        # candidates read per block of 2 x 2 tiles, split by tile (used under the zoom's lock)
        self._blocks: dict[tuple[str, str, int], dict[tuple[int, int], BlockBoxes]] = {}
        self._versions: Throttled[str] = Throttled(version_ttl_s)

    @staticmethod
    def _db(conn: Connection) -> str:
        return conn.engine.url.render_as_string(hide_password=True)

    def version(self, conn: Connection) -> str:
        """The places version, read at most once per ``version_ttl_s``."""
        return self._versions.get(self._db(conn), lambda: layer_version(conn, "places"))

    def _placement(self, db: str, version: str, zoom: int) -> ZoomPlacement:
        with self._lock:
            zp = self._zooms.get((db, version, zoom))
            if zp is None:
                for key in [k for k in self._zooms if k[0] == db and k[1] != version]:
                    del self._zooms[key]  # an older version of this database
                    del self._blocks[key]
                zp = self._zooms[(db, version, zoom)] = ZoomPlacement(zoom)
                self._blocks[(db, version, zoom)] = {}
            return zp

    def tile(
        self, conn: Connection, zoom: int, x: int, y: int, *, version: str | None = None
    ) -> TileLabels:
        """The current and historical labels written by tile (x, y) at ``zoom``."""
        db = self._db(conn)
        v = version if version is not None else self.version(conn)
        key = (db, v, zoom, x, y)
        with self._lock:
            hit = self._tiles.get(key)
            if hit is not None:
                self._tiles.move_to_end(key)
                return hit

        zp = self._placement(db, v, zoom)
        blocks = self._blocks[(db, v, zoom)]

        per_tile = zoom == 0 or is_sqlite(conn)  # SpatiaLite reads every name of a box

        def fetch(tx: int, ty: int) -> tuple[list[Box], list[Box]]:
            if per_tile:
                return tile_boxes(read_tile_candidates(conn, zoom, tx, ty), zoom, tx, ty)
            block = (tx // 2, ty // 2)
            if block not in blocks:
                if len(blocks) > MAX_BLOCKS:
                    blocks.clear()
                cands = read_tile_candidates(conn, zoom - 1, *block, k=BLOCK_K)
                blocks[block] = block_boxes(cands, zoom, *block, BLOCK_K)
            return blocks[block].get((tx, ty), ([], []))

        with zp.lock:
            cur, hist = zp.tile(fetch, x, y)
        got = ([_label(b.item, zoom) for b in cur], [_label(b.item, zoom) for b in hist])
        with self._lock:
            self._tiles[key] = got
            while len(self._tiles) > self._max:
                self._tiles.popitem(last=False)
        return got

    def view(
        self,
        conn: Connection,
        bbox: tuple[float, float, float, float],
        zoom: int,
        *,
        history: bool = False,
        limit: int = MAX_RESULTS,
    ) -> tuple[list[Label], bool]:
        """Labels drawn at ``zoom`` whose point is in ``bbox`` (priority order; with
        ``history`` the historical names first), and whether the result was cut at
        ``limit``. The view may span at most :data:`MAX_VIEW_TILES` tiles of its zoom."""
        z = min(max(int(zoom), MIN_ZOOM), MAX_ZOOM)
        w, s, e, n = bbox
        scale = float(1 << z)
        x0, y0 = (int(v * scale // TILE_PX) for v in world_xy(w, n))
        x1, y1 = (int(v * scale // TILE_PX) for v in world_xy(e, s))
        count = (x1 - x0 + 1) * (y1 - y0 + 1)
        if count > MAX_VIEW_TILES:
            raise InvalidInput(
                f"视野过大 (the view spans {count} tiles at zoom {z}; at most {MAX_VIEW_TILES}): "
                "zoom in or use the vector tiles"
            )
        version = self.version(conn)
        cur: list[Label] = []
        hist: list[Label] = []
        for tx in range(x0, x1 + 1):
            for ty in range(y0, y1 + 1):
                c, h = self.tile(conn, z, tx, ty, version=version)
                cur += c
                hist += h

        def inside(lab: Label) -> bool:
            return w <= lab.lon <= e and s <= lab.lat <= n

        def order(lab: Label) -> tuple[int, float, int]:
            return (lab.rank, 0.0, lab.id)

        found = sorted(filter(inside, cur), key=order)
        if history:
            found = sorted(filter(inside, hist), key=order) + found
        return found[:limit], len(found) > limit

    def warm(
        self, conn: Connection, zooms: Sequence[int] = (7, 8, 9, 10), max_tiles: int = 256
    ) -> int:
        """Place the labels of the low zooms over the names' extent (server start)."""
        ext = points_extent(conn)
        if ext is None:
            return 0
        done = 0
        version = self.version(conn)
        for z in zooms:
            scale = float(1 << z)
            x0, y0 = (int(v * scale // TILE_PX) for v in world_xy(ext[0], ext[3]))
            x1, y1 = (int(v * scale // TILE_PX) for v in world_xy(ext[2], ext[1]))
            for tx in range(x0, x1 + 1):
                for ty in range(y0, y1 + 1):
                    if done >= max_tiles:
                        return done
                    self.tile(conn, z, tx, ty, version=version)
                    done += 1
        return done

    def get(self, conn: Connection) -> int:
        """Warm-up as the server starts (:meth:`warm`)."""
        return self.warm(conn)


__all__ = [
    "ADMIN",
    "HISTORICAL",
    "ISLAND",
    "MAX_RESULTS",
    "MAX_VIEW_TILES",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "MOUNTAIN",
    "PLACE",
    "TILE_K",
    "WATER",
    "Label",
    "LabelCache",
    "LabelCandidate",
    "TileLabels",
    "block_boxes",
    "box_height_px",
    "category_rank",
    "label_text",
    "place_in_memory",
    "priority_key",
    "read_tile_candidates",
    "text_width_px",
    "tile_boxes",
    "tile_lonlat_bounds",
    "world_xy",
]
