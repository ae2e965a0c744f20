"""Names written on the map: a priority per name and the zooms at which each label is
drawn without colliding with a more important one.

The placement is computed once per data version, for every zoom of the public map
(:data:`MIN_ZOOM`..:data:`MAX_ZOOM`), by greedy placement in screen space: at each zoom
the labels already placed at the zoom below are kept (distances double with each zoom
while label boxes keep their pixel size, so they still do not collide), then the others
are tried in priority order and kept when their box meets no kept box (a uniform grid of
:data:`CELL_PX` pixels is the spatial index). A label therefore has a *minimum zoom*; the
page asks only for the labels of its view at its zoom (:meth:`LabelIndex.query`), so its
cost depends on the screen, not on the number of names.

Priority: administrative seats first (city, county, town), then the category's rank
(:func:`category_rank`), then the feature's size (the diagonal of its bounding box, so a
large island or bay comes before a rock), then the id. Historical names are placed in a
second pass at each zoom, in the space the current names leave, so showing them never
moves a current name; they are drawn only at the zooms where they fit (a bit mask).

Boxes are in CSS pixels, centred on the name's point, with the text width measured as the
page draws it (CJK characters one em, others :data:`NARROW_EM` em) plus padding; the page
sets each label's size from the box, so what the browser draws is what was placed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, func, select

from gazetteer.model import classification
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import geom_bound
from gazetteer.storage.versions import layer_version

MIN_ZOOM = 7
MAX_ZOOM = 18
CELL_PX = 64.0
GAP_PX = 2.0  # kept free around every box (rounding of marker positions in the browser)
NARROW_EM = 0.6  # width of a Latin letter or digit, in em
PAD_PX = 4  # horizontal padding on each side of the text
MAX_RESULTS = 1500  # labels per request at most (a screen holds far fewer)

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


def world_xy(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates at zoom 0 (256-pixel world)."""
    lat = max(min(lat, 85.0511), -85.0511)
    x = (lon + 180.0) / 360.0 * 256.0
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * 256.0
    return x, y


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
    minzoom: int  # the first zoom at which it is drawn
    historical: bool
    years: str


def _major(code: str) -> str:
    major = classification().major_of(code)
    return major.code if major is not None else code


def priority_key(c: LabelCandidate) -> tuple[int, float, int]:
    """Sort key: category rank, then larger features first, then id."""
    return (category_rank(c.category_code)[0], -c.size, c.id)


def label_text(c: LabelCandidate) -> str:
    return f"{c.name} {c.years}" if c.historical and c.years else c.name


def place_labels(
    candidates: Sequence[LabelCandidate],
    *,
    min_zoom: int = MIN_ZOOM,
    max_zoom: int = MAX_ZOOM,
) -> tuple[list[Label], NDArray[np.int64]]:
    """Greedy placement at every zoom. Returns the labels in priority order (current
    names first) and, per label, a bit mask of the zooms at which it is drawn (bit z);
    a label that fits at no zoom has mask 0."""
    current = sorted((c for c in candidates if not c.historical), key=priority_key)
    former = sorted((c for c in candidates if c.historical), key=priority_key)
    ordered = current + former
    n_cur = len(current)
    sizes: list[tuple[int, int, int, str, int]] = []
    origin: list[tuple[float, float]] = []
    for c in ordered:
        rank, kind, font = category_rank(c.category_code)
        if c.historical:
            kind, font = HISTORICAL, HISTORICAL_FONT_PX
        text = label_text(c)
        sizes.append((text_width_px(text, font), box_height_px(font), font, kind, rank))
        origin.append(world_xy(c.lon, c.lat))
    masks = np.zeros(len(ordered), dtype=np.int64)
    half_w = [sz[0] / 2 + GAP_PX / 2 for sz in sizes]
    half_h = [sz[1] / 2 + GAP_PX / 2 for sz in sizes]
    placed_cur: list[int] = []  # current labels placed so far (kept at every higher zoom)
    waiting = list(range(n_cur))  # current labels not placed yet, in priority order
    prev_former: list[int] = []
    for z in range(min_zoom, max_zoom + 1):
        scale = float(2**z)
        cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

        def box(i: int, scale: float = scale) -> tuple[float, float, float, float]:
            x, y = origin[i][0] * scale, origin[i][1] * scale
            return (x - half_w[i], y - half_h[i], x + half_w[i], y + half_h[i])

        def fits(
            b: tuple[float, float, float, float],
            cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = cells,
        ) -> bool:
            x0, y0, x1, y1 = b
            for cx in range(int(x0 // CELL_PX), int(x1 // CELL_PX) + 1):
                for cy in range(int(y0 // CELL_PX), int(y1 // CELL_PX) + 1):
                    for o in cells.get((cx, cy), ()):
                        if x0 < o[2] and o[0] < x1 and y0 < o[3] and o[1] < y1:
                            return False
            return True

        def add(
            b: tuple[float, float, float, float],
            cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = cells,
        ) -> None:
            x0, y0, x1, y1 = b
            for cx in range(int(x0 // CELL_PX), int(x1 // CELL_PX) + 1):
                for cy in range(int(y0 // CELL_PX), int(y1 // CELL_PX) + 1):
                    cells.setdefault((cx, cy), []).append(b)

        for i in placed_cur:
            add(box(i))
        still: list[int] = []
        for i in waiting:
            b = box(i)
            if fits(b):
                add(b)
                placed_cur.append(i)
                masks[i] = -1 << z  # every zoom from z on (bits above MAX_ZOOM unused)
            else:
                still.append(i)
        waiting = still
        # historical names: in the space left at this zoom, the ones drawn just before first
        here: list[int] = []
        tried = set(prev_former)
        for i in [*prev_former, *(j for j in range(n_cur, len(ordered)) if j not in tried)]:
            b = box(i)
            if fits(b):
                add(b)
                here.append(i)
                masks[i] |= 1 << z
        prev_former = here
    full = (1 << (max_zoom + 1)) - 1
    masks &= full
    labels = []
    for i, c in enumerate(ordered):
        w, h, font, kind, rank = sizes[i]
        m = int(masks[i])
        minzoom = (m & -m).bit_length() - 1 if m else max_zoom + 1
        labels.append(
            Label(
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
                minzoom=minzoom,
                historical=c.historical,
                years=c.years,
            )
        )
    return labels, masks


class LabelIndex:
    """The placed labels of one data version, queried by view and zoom."""

    def __init__(self, labels: Sequence[Label], masks: NDArray[np.int64]) -> None:
        self.labels = list(labels)
        self.masks = np.asarray(masks, dtype=np.int64)
        self.lon = np.array([x.lon for x in labels], dtype=float)
        self.lat = np.array([x.lat for x in labels], dtype=float)
        self.historical = np.array([x.historical for x in labels], dtype=bool)

    def __len__(self) -> int:
        return len(self.labels)

    def query(
        self,
        bbox: tuple[float, float, float, float],
        zoom: int,
        *,
        history: bool = False,
        limit: int = MAX_RESULTS,
    ) -> tuple[list[Label], bool]:
        """Labels drawn at ``zoom`` whose point is in ``bbox`` (priority order; with
        ``history`` the historical names first), and whether the result was cut at
        ``limit``."""
        z = min(max(int(zoom), MIN_ZOOM), MAX_ZOOM)
        w, s, e, n = bbox
        sel = (
            ((self.masks >> z) & 1).astype(bool)
            & (self.lon >= w)
            & (self.lon <= e)
            & (self.lat >= s)
            & (self.lat <= n)
        )
        if history:  # asked for: the (few) historical names first, then the current ones
            idx = np.concatenate(
                [np.flatnonzero(sel & self.historical), np.flatnonzero(sel & ~self.historical)]
            )
        else:
            idx = np.flatnonzero(sel & ~self.historical)
        return [self.labels[i] for i in idx[:limit]], len(idx) > limit


def read_candidates(conn: Connection) -> list[LabelCandidate]:
    """Every name with its point, status and size (one query)."""
    p = t.places
    q = select(
        p.c.id,
        p.c.name,
        p.c.category_code,
        func.ST_X(p.c.point),
        func.ST_Y(p.c.point),
        p.c.status,
        p.c.established_year,
        p.c.abolished_year,
        geom_bound(p.c.geom, "xmin"),
        geom_bound(p.c.geom, "ymin"),
        geom_bound(p.c.geom, "xmax"),
        geom_bound(p.c.geom, "ymax"),
    ).order_by(p.c.id)
    out = []
    for r in conn.execute(q):
        historical = r[5] == "historical"
        years = ""
        if historical and (r[6] is not None or r[7] is not None):
            years = f"{r[6] if r[6] is not None else '?'}–{r[7] if r[7] is not None else '?'}"
        size = 0.0
        if None not in (r[8], r[9], r[10], r[11]):
            size = math.hypot(float(r[10]) - float(r[8]), float(r[11]) - float(r[9]))
        out.append(
            LabelCandidate(
                id=int(r[0]),
                name=r[1],
                category_code=r[2],
                lon=round(float(r[3]), 6),
                lat=round(float(r[4]), 6),
                size=round(size, 6),
                historical=historical,
                years=years,
            )
        )
    return out


def build_index(conn: Connection) -> LabelIndex:
    labels, masks = place_labels(read_candidates(conn))
    return LabelIndex(labels, masks)


class LabelCache:
    """The label index per (database, places version); one per process, the last few
    kept. Concurrent first requests for one version share one build."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: dict[tuple[str, str], LabelIndex] = {}
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str], threading.Lock] = {}

    def get(
        self,
        conn: Connection,
        *,
        build: Callable[[Connection], LabelIndex] = build_index,
    ) -> tuple[LabelIndex, str]:
        """The index of ``conn``'s data and the version it was built for."""
        version = layer_version(conn, "places")
        key = (conn.engine.url.render_as_string(hide_password=True), version)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                return hit, version
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                hit = self._items.get(key)
            if hit is None:
                hit = build(conn)
                with self._lock:
                    self._items[key] = hit
                    while len(self._items) > self.size:
                        self._items.pop(next(iter(self._items)))
                    self._building.pop(key, None)
        return hit, version


__all__ = [
    "ADMIN",
    "HISTORICAL",
    "ISLAND",
    "MAX_RESULTS",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "MOUNTAIN",
    "PLACE",
    "WATER",
    "Label",
    "LabelCache",
    "LabelCandidate",
    "LabelIndex",
    "box_height_px",
    "build_index",
    "category_rank",
    "label_text",
    "place_labels",
    "priority_key",
    "read_candidates",
    "text_width_px",
    "world_xy",
]
