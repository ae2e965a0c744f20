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
order over the candidates of every tile -- the :data:`TILE_K` most important current names
whose point lies in the tile (and as many historical ones), read with one statement per
tile (:func:`read_tile_candidates`: per rank, ``LIMIT`` over the spatial index or the
primary key). A label is placed when its box meets no placed box of higher priority;
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
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Float, Select, bindparam, case, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from gazetteer.cartography.placement import MAX_HALF_H, MAX_HALF_W, TILE_PX, Box, ZoomPlacement
from gazetteer.errors import InvalidInput
from gazetteer.model import classification
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import BBoxMatch, geom_bound, is_sqlite
from gazetteer.storage.versions import layer_version

MIN_ZOOM = 7  # the public map's zoom range
MAX_ZOOM = 18
TILE_MAX_ZOOM = 20  # labels are placed at every zoom of the tile matrix set
GAP_PX = 2.0  # kept free around every box (rounding of marker positions in the browser)
NARROW_EM = 0.6  # width of a Latin letter or digit, in em
PAD_PX = 4  # horizontal padding on each side of the text
TILE_K = 100  # current (and historical) candidates per tile at most
SIZE_RANK_MAX = 6  # size orders names within ranks 0..6 (areal features) only
MAX_RESULTS = 1500  # labels per /labels request at most (a screen holds far fewer)
MAX_VIEW_TILES = 256  # tiles a /labels view may span at its zoom
_SLACK = 8  # extra rows per statement part: points on a tile edge belong to one tile only

# label kinds: each has its own style on the page
ADMIN = "admin"
WATER = "water"
ISLAND = "island"
MOUNTAIN = "mountain"
PLACE = "place"
HISTORICAL = "historical"

# (category code prefix, rank, kind, font px); the longest matching prefix wins.
_RULES: tuple[tuple[str, int, str, int], ...] = (
    ("213", 0, ADMIN, 18),  # 地级行政区 (city)
    ("214", 1, ADMIN, 16),  # 县级行政区
    ("215", 2, ADMIN, 14),  # 乡级行政区
    ("111", 3, WATER, 13),  # 海湾
    ("112", 3, WATER, 13),  # 海峡水道
    ("115", 3, ISLAND, 13),  # 海岛
    ("221", 4, PLACE, 13),  # 城镇居民点
    ("253", 5, PLACE, 12),  # 风景名胜区
    ("2341", 5, PLACE, 12),  # 航空港
    ("2332", 5, PLACE, 12),  # 火车站
    ("134", 5, MOUNTAIN, 12),  # 山体
    ("131", 6, MOUNTAIN, 12),  # 山峰
    ("116", 6, ISLAND, 12),  # 岬角
    ("121", 6, WATER, 12),  # 河流
    ("122", 6, WATER, 12),  # 湖泊
    ("1242", 6, WATER, 12),  # 水库
    ("2423", 6, WATER, 12),  # 水库
    ("2161", 7, PLACE, 12),  # 村民委员会
    ("2162", 7, PLACE, 12),  # 社区居民委员会
    ("222", 7, PLACE, 12),  # 农村居民点
    ("2211", 8, PLACE, 12),  # 居住小区
    ("217", 8, PLACE, 12),  # 非行政区域
    ("25", 8, PLACE, 12),  # 纪念地旅游景点
    ("23", 9, PLACE, 12),  # 交通运输设施
    ("26", 9, PLACE, 12),  # 建筑物
    ("27", 10, PLACE, 12),  # 单位
    ("2163", 10, PLACE, 12),  # 村民小组
    ("2353", 11, PLACE, 11),  # 公共交通车站
    ("2354", 11, PLACE, 11),  # 停车场
    ("241", 11, PLACE, 11),  # 井
    ("2421", 11, PLACE, 11),  # 池塘
)
_DEFAULT_RULE = (9, PLACE, 12)
HISTORICAL_FONT_PX = 12


def category_rank(category_code: str) -> tuple[int, str, int]:
    """(rank, kind, font px) of a category code: rank 0 is the most important."""
    best: tuple[str, int, str, int] | None = None
    for rule in _RULES:
        if category_code.startswith(rule[0]) and (best is None or len(rule[0]) > len(best[0])):
            best = rule
    return _DEFAULT_RULE if best is None else (best[1], best[2], best[3])


def text_width_px(text: str, font_px: int) -> int:
    """The drawn width of ``text`` plus padding, rounded up to an even number of pixels."""
    em = sum(NARROW_EM if ord(c) < 0x2E80 else 1.0 for c in text)
    w = math.ceil(em * font_px) + 2 * PAD_PX
    return w + (w % 2)


def box_height_px(font_px: int) -> int:
    h = math.ceil(font_px * 1.35)
    return h + (h % 2)


@cache
def _rule_of(category_code: str) -> tuple[int, str, int]:
    return category_rank(category_code)


def world_xy(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates at zoom 0 (256-pixel world)."""
    lat = max(min(lat, 85.0511), -85.0511)
    x = (lon + 180.0) / 360.0 * 256.0
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * 256.0
    return x, y


def tile_lonlat_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a WebMercatorQuad tile."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


@dataclass(frozen=True, slots=True)
class LabelCandidate:
    """A name to write on the map (input of the placement)."""

    id: int
    name: str
    category_code: str
    lon: float
    lat: float
    size: float = 0.0  # bounding-box diagonal in degrees (0 for points)
    historical: bool = False
    years: str = ""  # "1398–1945" for historical names


@dataclass(frozen=True, slots=True)
class Label:
    """One placed label, as the page draws it."""

    id: int
    text: str
    name: str
    category_code: str
    major: str  # major category code (the legend's toggles)
    kind: str
    lon: float
    lat: float
    width: int
    height: int
    font: int
    rank: int
    zoom: int  # the zoom it was placed for
    historical: bool
    years: str


def _major(code: str) -> str:
    major = classification().major_of(code)
    return major.code if major is not None else code


def priority_key(c: LabelCandidate) -> tuple[int, float, int]:
    """Sort key: category rank, then (areal ranks only) larger features first, then id."""
    rank = _rule_of(c.category_code)[0]
    return (rank, -c.size if rank <= SIZE_RANK_MAX else 0.0, c.id)


def label_text(c: LabelCandidate) -> str:
    return f"{c.name} {c.years}" if c.historical and c.years else c.name


def _style(c: LabelCandidate) -> tuple[int, int, int, str, int]:
    """(width, height, font, kind, rank) of a candidate's label."""
    rank, kind, font = _rule_of(c.category_code)
    if c.historical:
        kind, font = HISTORICAL, HISTORICAL_FONT_PX
    return text_width_px(label_text(c), font), box_height_px(font), font, kind, rank


def _box(c: LabelCandidate, zoom: int) -> Box | None:
    """The candidate's box at ``zoom`` (None when wider or taller than a tile may offer)."""
    w, h, _, _, _ = _style(c)
    hw, hh = w / 2 + GAP_PX / 2, h / 2 + GAP_PX / 2
    if hw > MAX_HALF_W or hh > MAX_HALF_H:
        return None
    x, y = world_xy(c.lon, c.lat)
    scale = float(1 << zoom)
    return Box(c.id, priority_key(c), x * scale, y * scale, hw, hh, c)


def _label(c: LabelCandidate, zoom: int) -> Label:
    w, h, font, kind, rank = _style(c)
    return Label(
        id=c.id,
        text=label_text(c),
        name=c.name,
        category_code=c.category_code,
        major=_major(c.category_code),
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
        groups.setdefault(_rule_of(cat.code)[0], []).append(cat.code)
    return tuple((r, tuple(sorted(groups[r]))) for r in sorted(groups))


def _columns() -> tuple[ColumnElement[Any], ...]:
    p = t.places
    return (
        p.c.id,
        p.c.name,
        p.c.category_code,
        func.ST_X(p.c.point).label("lon"),
        func.ST_Y(p.c.point).label("lat"),
        p.c.status,
        p.c.established_year,
        p.c.abolished_year,
        geom_bound(p.c.geom, "xmin").label("x0"),
        geom_bound(p.c.geom, "ymin").label("y0"),
        geom_bound(p.c.geom, "xmax").label("x1"),
        geom_bound(p.c.geom, "ymax").label("y1"),
    )


_BOUNDS = tuple(bindparam(n, type_=Float) for n in ("w", "s", "e", "n"))


def _in_box() -> BBoxMatch:
    return BBoxMatch(t.places.c.point, *_BOUNDS)


@cache
def _all_in_tile() -> Select[tuple[object, ...]]:
    return select(*_columns()).where(_in_box())


@cache
def _tile_statement(k: int) -> Select[tuple[object, ...]]:
    """One statement, its box in bind parameters ``w, s, e, n``: the first ``k`` (+ slack)
    names in priority order whose point lies in the box, by parts with a ``LIMIT`` each so
    that the database reads them through the spatial index or the primary key instead of
    sorting every name of the tile -- the areal ranks 0..SIZE_RANK_MAX together (few rows:
    seats, seas, islands, mountains, towns), each point-like rank by id, and the historical
    names (few) by id."""
    p = t.places
    xmin, ymin = geom_bound(p.c.geom, "xmin"), geom_bound(p.c.geom, "ymin")
    xmax, ymax = geom_bound(p.c.geom, "xmax"), geom_bound(p.c.geom, "ymax")
    size2 = (xmax - xmin) * (xmax - xmin) + (ymax - ymin) * (ymax - ymin)
    groups = _rank_groups()
    areal = [(r, codes) for r, codes in groups if r <= SIZE_RANK_MAX]
    current = p.c.status != "historical"
    rank = case(*((p.c.category_code.in_(codes), r) for r, codes in areal), else_=99)
    parts = [
        select(*_columns())
        .where(p.c.category_code.in_([c for _, codes in areal for c in codes]), current, _in_box())
        .order_by(rank, size2.desc(), p.c.id)
        .limit(k + _SLACK)
    ]
    for r, codes in groups:
        if r > SIZE_RANK_MAX:
            parts.append(
                select(*_columns())
                .where(p.c.category_code.in_(codes), current, _in_box())
                .order_by(p.c.id)
                .limit(k + _SLACK)
            )
    parts.append(
        select(*_columns())
        .where(p.c.status == "historical", _in_box())
        .order_by(p.c.id)
        .limit(k + _SLACK)
    )
    return select(union_all(*(select(q.subquery()) for q in parts)).subquery())


def read_tile_candidates(
    conn: Connection, zoom: int, x: int, y: int, k: int = TILE_K
) -> list[LabelCandidate]:
    """The names tile (x, y) may offer at ``zoom`` (at most ``k`` + slack per rank and
    status; :func:`tile_boxes` keeps the ``k`` first whose point is in the tile).

    PostGIS: one statement of ``LIMIT`` parts (:func:`_tile_statement`; historical names
    are offered by id when a tile holds more than ``k``). SpatiaLite (a city's names; its
    spatial index is a virtual table that costs ~10 ms per lookup, more than the rows): the
    tile's names in one lookup, ordered here."""
    w, s, e, n = tile_lonlat_bounds(zoom, x, y)
    eps = 1e-9
    box = {"w": w - eps, "s": s - eps, "e": e + eps, "n": n + eps}
    if is_sqlite(conn):
        stmt = _all_in_tile()
    else:
        stmt = _tile_statement(k)
        # a prepared statement's generic plan cannot know whether the box is dense (read
        # by id) or sparse (read through the spatial index): one plan per box, always
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    out = []
    for r in conn.execute(stmt, box):
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


class LabelCache:
    """Placed labels per (database, places version, zoom, tile); one per process.

    The placement state of each zoom (candidates read and decisions taken so far) is kept
    for the current version, so a tile next to one already asked for costs little; the
    finished tiles are kept in an LRU of ``max_tiles``. The places version is read at most
    once per ``version_ttl_s``.
    """

    def __init__(self, max_tiles: int = 20_000, version_ttl_s: float = 1.0) -> None:
        self._max = max_tiles
        self._ttl = version_ttl_s
        self._lock = threading.Lock()
        self._tiles: OrderedDict[tuple[str, str, int, int, int], TileLabels] = OrderedDict()
        self._zooms: dict[tuple[str, str, int], ZoomPlacement] = {}
        self._versions: dict[str, tuple[float, str]] = {}

    @staticmethod
    def _db(conn: Connection) -> str:
        return conn.engine.url.render_as_string(hide_password=True)

    def version(self, conn: Connection) -> str:
        """The places version, read at most once per ``version_ttl_s``."""
        db, now = self._db(conn), time.monotonic()
        with self._lock:
            seen = self._versions.get(db)
        if seen is not None and now - seen[0] < self._ttl:
            return seen[1]
        version = layer_version(conn, "places")
        with self._lock:
            self._versions[db] = (now, version)
        return version

    def _placement(self, db: str, version: str, zoom: int) -> ZoomPlacement:
        with self._lock:
            zp = self._zooms.get((db, version, zoom))
            if zp is None:
                for key in [k for k in self._zooms if k[0] == db and k[1] != version]:
                    del self._zooms[key]  # an older version of this database
                zp = self._zooms[(db, version, zoom)] = ZoomPlacement(zoom)
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

        def fetch(tx: int, ty: int) -> tuple[list[Box], list[Box]]:
            return tile_boxes(read_tile_candidates(conn, zoom, tx, ty), zoom, tx, ty)

        zp = self._placement(db, v, zoom)
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
        p = t.places
        ext = conn.execute(
            select(
                func.min(func.ST_X(p.c.point)),
                func.min(func.ST_Y(p.c.point)),
                func.max(func.ST_X(p.c.point)),
                func.max(func.ST_Y(p.c.point)),
            )
        ).one()
        if ext[0] is None:
            return 0
        done = 0
        version = self.version(conn)
        for z in zooms:
            scale = float(1 << z)
            x0, y0 = (int(v * scale // TILE_PX) for v in world_xy(float(ext[0]), float(ext[3])))
            x1, y1 = (int(v * scale // TILE_PX) for v in world_xy(float(ext[2]), float(ext[1])))
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
