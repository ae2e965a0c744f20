"""The administrative frame of Weihai and an approximate map of its land.

The city, county-level and town codes and names are public facts (NBS statistical division
codes, 2023 vintage). The number of villages and communities per town follows the same
public list. Town seats are approximate (rounded, some placed by hand). ``data/land.json``
is the project's own coarse approximation of the land: county outlines simplified to
about 1 km, a mainland polygon shrunk by about 1.2 km (every generated point lies inside
it, so nothing falls into the sea) and small outlines of the larger islands.

Town polygons are Voronoi cells of the town seats clipped to the county outline that
hosts them; the development zones (which have no legal boundary) are the union of their
towns' cells, carved out of 环翠区 and 文登区.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

CITY_CODE = "371000000000"
CITY_NAME = "威海市"


@dataclass(frozen=True, slots=True)
class County:
    code6: str
    name: str
    kind: str  # 区 / 县级市 / 功能区
    host: str  # code6 of the outline it lies in


COUNTIES: tuple[County, ...] = (
    County("371002", "环翠区", "区", "371002"),
    County("371003", "文登区", "区", "371003"),
    County("371071", "威海火炬高技术产业开发区", "功能区", "371002"),
    County("371072", "威海经济技术开发区", "功能区", "371002"),
    County("371073", "威海临港经济技术开发区", "功能区", "371003"),
    County("371082", "荣成市", "县级市", "371082"),
    County("371083", "乳山市", "县级市", "371083"),
)


@dataclass(frozen=True, slots=True)
class Town:
    code9: str
    name: str
    lon: float
    lat: float
    villages: int  # villages and communities in the public list
    communities: int  # of which communities (codes 001-199)
    host: str  # code6 of the county outline the town lies in

    @property
    def code(self) -> str:
        return self.code9 + "000"

    @property
    def county6(self) -> str:
        return self.code9[:6]

    @property
    def is_subdistrict(self) -> bool:
        return self.name.endswith("街道") or self.name.endswith("办事处")


# code9, name, seat lon, seat lat, villages+communities, communities, host outline
_TOWNS: tuple[tuple[str, str, float, float, int, int, str], ...] = (
    ("371002001", "环翠楼街道", 122.101, 37.496, 17, 17, "371002"),
    ("371002002", "鲸园街道", 122.129, 37.514, 16, 16, "371002"),
    ("371002003", "竹岛街道", 122.126, 37.476, 28, 28, "371002"),
    ("371002011", "孙家疃街道", 122.150, 37.528, 8, 8, "371002"),
    ("371002012", "嵩山街道", 122.130, 37.418, 15, 9, "371002"),
    ("371002100", "张村镇", 122.033, 37.482, 21, 17, "371002"),
    ("371002101", "羊亭镇", 122.034, 37.423, 29, 4, "371002"),
    ("371002102", "温泉镇", 122.163, 37.375, 32, 13, "371002"),
    ("371002109", "桥头镇", 121.985, 37.335, 52, 1, "371002"),
    ("371003001", "龙山路街道", 122.055, 37.200, 22, 10, "371003"),
    ("371003002", "天福路街道", 122.070, 37.188, 22, 15, "371003"),
    ("371003003", "环山路街道", 122.045, 37.180, 21, 14, "371003"),
    ("371003100", "文登营镇", 122.113, 37.219, 72, 1, "371003"),
    ("371003101", "大水泊镇", 122.251, 37.185, 89, 0, "371003"),
    ("371003102", "张家产镇", 122.100, 37.099, 64, 0, "371003"),
    ("371003103", "高村镇", 122.192, 37.080, 46, 0, "371003"),
    ("371003104", "泽库镇", 122.056, 36.950, 23, 0, "371003"),
    ("371003105", "侯家镇", 122.088, 37.020, 38, 0, "371003"),
    ("371003106", "宋村镇", 122.010, 37.073, 53, 0, "371003"),
    ("371003107", "泽头镇", 121.889, 37.051, 47, 0, "371003"),
    ("371003108", "小观镇", 121.866, 36.985, 40, 5, "371003"),
    ("371003109", "葛家镇", 121.851, 37.159, 68, 0, "371003"),
    ("371003110", "米山镇", 121.946, 37.171, 44, 0, "371003"),
    ("371003111", "界石镇", 121.869, 37.276, 65, 0, "371003"),
    ("371003400", "开发区办事处", 122.020, 37.165, 7, 7, "371003"),
    ("371071004", "怡园街道", 122.060, 37.510, 39, 37, "371002"),
    ("371071007", "田和街道", 122.075, 37.492, 24, 24, "371002"),
    ("371071108", "初村镇", 121.975, 37.445, 40, 2, "371002"),
    ("371072008", "皇冠街道", 122.150, 37.455, 19, 19, "371002"),
    ("371072009", "凤林街道", 122.175, 37.440, 12, 12, "371002"),
    ("371072010", "西苑街道", 122.115, 37.445, 13, 13, "371002"),
    ("371072103", "崮山镇", 122.265, 37.420, 16, 2, "371002"),
    ("371072105", "泊于镇", 122.300, 37.370, 21, 4, "371002"),
    ("371073107", "草庙子镇", 122.010, 37.370, 37, 6, "371002"),
    ("371073112", "汪疃镇", 121.940, 37.300, 59, 1, "371003"),
    ("371073113", "苘山镇", 121.990, 37.235, 71, 6, "371003"),
    ("371082001", "宁津街道", 122.495, 36.987, 46, 1, "371082"),
    ("371082002", "港湾街道", 122.421, 36.887, 13, 10, "371082"),
    ("371082003", "桃园街道", 122.448, 36.932, 17, 2, "371082"),
    ("371082004", "王连街道", 122.365, 36.982, 31, 0, "371082"),
    ("371082005", "东山街道", 122.439, 36.970, 28, 0, "371082"),
    ("371082006", "斥山街道", 122.396, 36.924, 33, 7, "371082"),
    ("371082007", "崖头街道", 122.441, 37.155, 30, 26, "371082"),
    ("371082008", "城西街道", 122.400, 37.160, 32, 1, "371082"),
    ("371082009", "寻山街道", 122.521, 37.175, 31, 2, "371082"),
    ("371082010", "崂山街道", 122.418, 37.101, 21, 2, "371082"),
    ("371082101", "俚岛镇", 122.582, 37.225, 72, 1, "371082"),
    ("371082102", "成山镇", 122.548, 37.363, 52, 3, "371082"),
    ("371082103", "埠柳镇", 122.431, 37.338, 36, 0, "371082"),
    ("371082104", "港西镇", 122.423, 37.382, 22, 1, "371082"),
    ("371082105", "夏庄镇", 122.452, 37.232, 30, 0, "371082"),
    ("371082106", "崖西镇", 122.368, 37.250, 45, 0, "371082"),
    ("371082107", "荫子镇", 122.348, 37.216, 39, 0, "371082"),
    ("371082108", "滕家镇", 122.349, 37.053, 41, 0, "371082"),
    ("371082109", "大疃镇", 122.303, 37.116, 45, 0, "371082"),
    ("371082110", "上庄镇", 122.288, 37.005, 42, 0, "371082"),
    ("371082111", "虎山镇", 122.236, 36.956, 47, 2, "371082"),
    ("371082112", "人和镇", 122.300, 36.891, 86, 2, "371082"),
    ("371083001", "城区街道", 121.535, 36.925, 45, 21, "371083"),
    ("371083100", "夏村镇", 121.560, 36.900, 46, 0, "371083"),
    ("371083101", "乳山口镇", 121.505, 36.871, 37, 1, "371083"),
    ("371083102", "海阳所镇", 121.615, 36.818, 42, 2, "371083"),
    ("371083103", "白沙滩镇", 121.652, 36.845, 59, 14, "371083"),
    ("371083104", "大孤山镇", 121.631, 36.918, 36, 0, "371083"),
    ("371083105", "南黄镇", 121.789, 36.973, 33, 0, "371083"),
    ("371083106", "冯家镇", 121.684, 37.033, 53, 0, "371083"),
    ("371083107", "下初镇", 121.605, 37.033, 37, 0, "371083"),
    ("371083108", "午极镇", 121.481, 37.066, 35, 0, "371083"),
    ("371083109", "育黎镇", 121.431, 37.018, 42, 0, "371083"),
    ("371083110", "崖子镇", 121.306, 37.086, 58, 0, "371083"),
    ("371083111", "诸往镇", 121.375, 36.978, 49, 0, "371083"),
    ("371083112", "乳山寨镇", 121.451, 36.886, 44, 0, "371083"),
    ("371083114", "徐家镇", 121.761, 36.912, 23, 0, "371083"),
)

TOWNS: tuple[Town, ...] = tuple(Town(*row) for row in _TOWNS)


@dataclass(frozen=True, slots=True)
class BuiltUpSpec:
    name: str
    county6: str
    lon: float
    lat: float
    rx: float  # half-width in degrees
    ry: float  # half-height in degrees
    towns: tuple[str, ...]  # code9 of the sub-districts whose communities lie inside


BUILT_UP: tuple[BuiltUpSpec, ...] = (
    BuiltUpSpec(
        "威海中心城区",
        "371002",
        122.105,
        37.478,
        0.085,
        0.048,
        (
            "371002001",
            "371002002",
            "371002003",
            "371002011",
            "371071004",
            "371071007",
            "371072008",
            "371072009",
            "371072010",
        ),
    ),
    BuiltUpSpec(
        "文登城区",
        "371003",
        122.055,
        37.190,
        0.040,
        0.028,
        ("371003001", "371003002", "371003003", "371003400"),
    ),
    BuiltUpSpec("荣成城区", "371082", 122.440, 37.160, 0.036, 0.026, ("371082007", "371082008")),
    BuiltUpSpec("乳山城区", "371083", 121.540, 36.915, 0.032, 0.024, ("371083001",)),
    BuiltUpSpec(
        "石岛城区", "371082", 122.415, 36.905, 0.028, 0.024, ("371082002", "371082003", "371082006")
    ),
)

# Well-known island names, matched to the nearest island outline.
ISLAND_NAMES: tuple[tuple[str, float, float], ...] = (
    ("刘公岛", 122.18, 37.505),
    ("南黄岛", 121.62, 36.72),
    ("宫家岛", 121.49, 36.73),
    ("鸡鸣岛", 122.48, 37.45),
    ("苏山岛", 122.26, 36.75),
    ("杨家葫芦岛", 122.03, 36.86),
    ("镆铘岛", 122.58, 36.97),
    ("褚岛", 122.08, 37.57),
    ("双岛", 121.99, 37.53),
    ("海驴岛", 122.67, 37.45),
    ("日岛", 122.215, 37.495),
    ("黄岛", 122.167, 37.526),
)


@dataclass(frozen=True, slots=True)
class Island:
    point: Point
    polygon: Polygon
    area_km2: float


@dataclass(frozen=True, slots=True)
class Land:
    counties: dict[str, MultiPolygon]  # code6 of the four outlines -> simplified outline
    land: Polygon  # mainland shrunk by ~1.2 km: every generated point lies inside
    islands: tuple[Island, ...]


@cache
def land() -> Land:
    raw = json.loads(resources.files("gazetteer.demo").joinpath("data/land.json").read_text())
    counties = {
        code: MultiPolygon([Polygon(rings[0], rings[1:]) for rings in polys])
        for code, polys in raw["counties"].items()
    }
    mainland = Polygon(raw["land"][0])
    islands = tuple(
        Island(Point(i["point"]), Polygon(i["ring"]), float(i["area_km2"])) for i in raw["islands"]
    )
    shapely.prepare(mainland)
    return Land(counties=counties, land=mainland, islands=islands)


def snap_to_land(lon: float, lat: float, *, inset: float = 0.004) -> tuple[float, float]:
    """The point itself when on land, otherwise the nearest point ``inset`` degrees inland."""
    poly = land().land
    if shapely.contains_xy(poly, lon, lat):
        return lon, lat
    inner = _shrunk(inset)
    p = nearest_points(inner, Point(lon, lat))[0]
    return round(p.x, 5), round(p.y, 5)


@cache
def _shrunk(inset: float) -> BaseGeometry:
    return land().land.buffer(-inset)


def town_polygons() -> dict[str, BaseGeometry]:
    """Voronoi cells of the town seats clipped to their host county outline (code9 -> cell)."""
    lnd = land()
    cells: dict[str, BaseGeometry] = {}
    for host, outline in sorted(lnd.counties.items()):
        towns = [t for t in TOWNS if t.host == host]
        seats = MultiPoint([snap_to_land(t.lon, t.lat) for t in towns])
        vor = shapely.voronoi_polygons(seats, extend_to=outline.envelope, ordered=True)
        for town, cell in zip(towns, vor.geoms, strict=True):
            clipped = cell.intersection(outline)
            cells[town.code9] = shapely.make_valid(clipped)
    return cells


def as_multipolygon(g: BaseGeometry) -> MultiPolygon:
    if isinstance(g, MultiPolygon):
        return g
    if isinstance(g, Polygon):
        return MultiPolygon([g])
    polys = [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)]
    return MultiPolygon(polys)


def built_up_polygons() -> list[tuple[BuiltUpSpec, Polygon]]:
    """Each built-up area: an ellipse around the seat clipped to land (largest part)."""
    lnd = land()
    out = []
    for spec in BUILT_UP:
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        ring = np.column_stack([spec.lon + spec.rx * np.cos(t), spec.lat + spec.ry * np.sin(t)])
        ellipse = Polygon(ring)
        clipped = ellipse.intersection(lnd.land.buffer(-0.003))
        parts = [clipped] if isinstance(clipped, Polygon) else list(clipped.geoms)
        best = max((p for p in parts if isinstance(p, Polygon)), key=lambda p: p.area)
        out.append((spec, shapely.set_precision(best, 1e-5)))
    return out
