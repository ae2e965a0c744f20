"""How a name is written on the map: its priority (category rank, size, id), its kind and
font, the size of its box in CSS pixels; the Web Mercator pixel and tile arithmetic the
placement and the page share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from gazetteer.model import classification

NARROW_EM = 0.6  # width of a Latin letter or digit, in em
PAD_PX = 4  # horizontal padding on each side of the text
SIZE_RANK_MAX = 6  # size orders names within ranks 0..6 (areal features) only

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
def rule_of(category_code: str) -> tuple[int, str, int]:
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


def major_of(code: str) -> str:
    major = classification().major_of(code)
    return major.code if major is not None else code


def priority_key(c: LabelCandidate) -> tuple[int, float, int]:
    """Sort key: category rank, then (areal ranks only) larger features first, then id."""
    rank = rule_of(c.category_code)[0]
    return (rank, -c.size if rank <= SIZE_RANK_MAX else 0.0, c.id)


def label_text(c: LabelCandidate) -> str:
    return f"{c.name} {c.years}" if c.historical and c.years else c.name


def label_style(c: LabelCandidate) -> tuple[int, int, int, str, int]:
    """(width, height, font, kind, rank) of a candidate's label."""
    rank, kind, font = rule_of(c.category_code)
    if c.historical:
        kind, font = HISTORICAL, HISTORICAL_FONT_PX
    return text_width_px(label_text(c), font), box_height_px(font), font, kind, rank


__all__ = [
    "ADMIN",
    "HISTORICAL",
    "HISTORICAL_FONT_PX",
    "ISLAND",
    "MOUNTAIN",
    "NARROW_EM",
    "PAD_PX",
    "PLACE",
    "SIZE_RANK_MAX",
    "WATER",
    "Label",
    "LabelCandidate",
    "box_height_px",
    "category_rank",
    "label_style",
    "label_text",
    "major_of",
    "priority_key",
    "rule_of",
    "text_width_px",
    "tile_lonlat_bounds",
    "world_xy",
]
