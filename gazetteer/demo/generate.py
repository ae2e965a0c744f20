"""Generate the whole demo dataset in memory, deterministically from a seed.

Nothing here touches the database: :func:`generate` returns a :class:`DemoData` whose
lists reference each other by index; :mod:`gazetteer.demo.build` writes it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.network import (
    MX,
    MY,
    Network,
    add_grid,
    connect,
    edge_arrays,
)
from gazetteer.model import (
    AdminArea,
    AdminLevel,
    BuiltUpArea,
    ChangeReason,
    Facility,
    FacilityType,
    Place,
    PlaceStatus,
)
from gazetteer.text import initials, pinyin_key, romanize, split_generic

CURRENT_NAMES = 16_744
HISTORICAL_NAMES = 101
STANDARDISED = 75
ADDED = 5_093
ROADS_NAMED = 83
ROADS_ADJUSTED = 17
COMPOUNDS_NAMED = 103
TARGET_POPULATION = 2_906_000
SOURCE = "威海市第二次全国地名普查成果（演示数据，按种子生成）"
BASE_TIME = datetime(2018, 6, 30, 9, 0, tzinfo=UTC)

# Fixed numbers of names per subcategory; 23510, 22110 (partly), 27600, 27610, the
# administrative ones and the facilities come from the generators; 22200 fills the rest.
PLAN: dict[str, tuple[int, str]] = {
    "11100": (24, "sea"),
    "11200": (8, "sea"),
    "11600": (40, "coast"),
    "11700": (60, "sea"),
    "11800": (40, "coast"),
    "12100": (160, "river"),
    "12200": (16, "pool"),
    "12500": (30, "rural"),
    "13100": (420, "rural"),
    "13400": (260, "rural"),
    "21630": (160, "village"),
    "21730": (40, "zone"),
    "21740": (6, "coast"),
    "21760": (60, "zone"),
    "21770": (120, "urban"),
    "21780": (8, "zone"),
    "22100": (160, "urban"),
    "22300": (40, "rural"),
    "22400": (60, "rural"),
    "23120": (30, "coast"),
    "23150": (10, "coast"),
    "23210": (12, "highway"),
    "23213": (40, "highway"),
    "23214": (160, "highway"),
    "23220": (20, "urban"),
    "23310": (4, "highway"),
    "23320": (6, "urban"),
    "23410": (1, "rural"),
    "23530": (500, "urban"),
    "23540": (100, "urban"),
    "23610": (420, "village"),
    "23670": (15, "coast"),
    "24100": (50, "village"),
    "24210": (150, "pool"),
    "24230": (240, "pool"),
    "24300": (60, "village"),
    "24400": (80, "village"),
    "24600": (60, "rural"),
    "24700": (40, "rural"),
    "25110": (60, "urban"),
    "25120": (40, "rural"),
    "25200": (120, "park"),
    "25300": (40, "zone"),
    "25400": (20, "coast"),
    "26100": (380, "urban"),
    "26210": (80, "urban"),
    "26310": (60, "urban"),
    "26320": (40, "urban"),
    "26500": (150, "urban"),
    "26600": (10, "rural"),
    "27100": (150, "urban"),
    "27200": (60, "urban"),
    "27300": (600, "urban"),
    "27400": (600, "urban"),
    "27600": (40, "urban"),
}
COMPOUNDS = 1_150

# name-making per subcategory: (specific maker kind, generics)
GENERICS: dict[str, tuple[str, ...]] = {
    "11100": ("湾",),
    "11200": ("水道", "门"),
    "11600": ("角", "嘴", "头"),
    "11700": ("礁", "石"),
    "11800": ("滩", "海滩"),
    "12100": ("河", "河", "溪"),
    "12200": ("湖", "湖"),
    "12500": ("泉",),
    "13100": ("顶", "山", "峰", "岭"),
    "13400": ("山", "山", "岭"),
    "21630": ("村民小组",),
    "21730": ("工业园", "产业园", "开发区"),
    "21740": ("口岸",),
    "21760": ("林场", "渔场", "果园"),
    "21770": ("片区",),
    "21780": ("自然保护区",),
    "22100": ("新村", "片区", "屯"),
    "22300": ("矿", "采石场"),
    "22400": ("农场", "林场", "牧场"),
    "23120": ("港", "渔港"),
    "23150": ("渡口",),
    "23210": ("高速公路", "公路"),
    "23213": ("线",),
    "23214": ("线",),
    "23220": ("汽车站",),
    "23310": ("铁路",),
    "23320": ("站",),
    "23410": ("机场",),
    "23530": ("公交站",),
    "23540": ("停车场",),
    "23610": ("桥", "大桥"),
    "23670": ("灯塔",),
    "24100": ("井",),
    "24210": ("塘", "湾"),
    "24230": ("水库",),
    "24300": ("扬水站", "渠"),
    "24400": ("坝", "闸", "堤"),
    "24600": ("变电站", "风电场"),
    "24700": ("通信基站", "电视塔"),
    "25110": ("纪念馆", "烈士陵园", "纪念碑"),
    "25120": ("寺", "庙", "观"),
    "25200": ("公园", "游园"),
    "25300": ("风景区", "景区"),
    "25400": ("海水浴场",),
    "26100": ("大厦", "大楼", "中心"),
    "26210": ("亭", "碑", "塔"),
    "26310": ("广场",),
    "26320": ("体育场", "体育馆"),
    "26500": ("市场", "农贸市场"),
    "26600": ("城堡", "炮台"),
    "27100": ("人民政府", "便民服务中心"),
    "27200": ("协会", "商会"),
    "27300": ("小学", "中学", "卫生院", "医院", "幼儿园"),
    "27400": ("有限公司", "水产公司", "食品有限公司"),
    "27600": ("民政服务站", "社会工作服务站"),
}

# Well-known names: (name, subcategory, lon, lat, kind) -- positions approximate.
LANDMARKS: tuple[tuple[str, str, float, float], ...] = (
    ("成山头", "11600", 122.69, 37.39),
    ("环翠楼", "26210", 122.105, 37.505),
    ("幸福门", "26100", 122.14, 37.52),
    ("乳山口", "11100", 121.52, 36.82),
    ("石岛湾", "11100", 122.44, 36.85),
    ("威海湾", "11100", 122.17, 37.49),
    ("昆嵛山", "13400", 121.77, 37.26),
    ("泰礴顶", "13100", 121.75, 37.25),
    ("母猪河", "12100", 121.96, 37.25),
    ("黄垒河", "12100", 121.62, 37.12),
    ("乳山河", "12100", 121.50, 37.03),
    ("米山水库", "24230", 121.93, 37.16),
    ("龙角山水库", "24230", 121.72, 37.05),
    ("石岛", "22100", 122.42, 36.89),
    ("天鹅湖", "12200", 122.55, 37.34),
    ("那香海", "25300", 122.37, 37.41),
    ("华夏城", "25300", 122.05, 37.45),
    ("仙姑顶", "13100", 122.03, 37.44),
    ("圣经山", "13100", 121.96, 37.28),
    ("赤山", "13100", 122.40, 36.91),
    ("赤山法华院", "25120", 122.40, 36.915),
    ("槎山", "13400", 122.36, 36.89),
    ("伟德山", "13400", 122.33, 37.07),
    ("马石山", "13400", 121.58, 37.03),
    ("大乳山", "25300", 121.46, 36.80),
    ("威海港", "23120", 122.14, 37.50),
    ("石岛港", "23120", 122.43, 36.88),
    ("龙眼港", "23120", 122.54, 37.06),
    ("乳山港", "23120", 121.53, 36.82),
    ("威海大水泊国际机场", "23410", 122.23, 37.19),
    ("威海站", "23320", 122.06, 37.43),
    ("文登站", "23320", 122.04, 37.20),
    ("荣成站", "23320", 122.42, 37.17),
    ("乳山站", "23320", 121.53, 36.93),
    ("威海公园", "25200", 122.16, 37.52),
    ("幸福公园", "25200", 122.14, 37.51),
    ("威海国际海水浴场", "25400", 122.06, 37.52),
    ("甲午战争博物院", "25110", 122.18165, 37.50543),
    ("天福山起义纪念馆", "25110", 122.02, 37.23),
    ("郭永怀纪念馆", "25110", 122.40, 37.25),
    ("圣水观", "25120", 122.04, 37.34),
    ("无染寺", "25120", 121.75, 37.27),
    ("定远舰景区", "25300", 122.13, 37.52),
    ("环翠楼公园", "25200", 122.105, 37.503),
    ("成山头风景名胜区", "25300", 122.68, 37.39),
    ("荣成天鹅湖自然保护区", "21780", 122.54, 37.35),
    ("昆嵛山国家级自然保护区", "21780", 121.76, 37.25),
)

HISTORICAL_REAL: tuple[tuple[str, str, float, float, int, int, str], ...] = (
    # name, subcategory, lon, lat, established, abolished, note
    (
        "威海卫",
        "21300",
        122.12,
        37.50,
        1398,
        1945,
        "明洪武三十一年设卫，1945年建威海卫市，后改威海市。",
    ),
    ("文登县", "21400", 122.06, 37.19, 586, 1988, "隋开皇年间置县，1988年撤县设市，2014年改区。"),
    ("荣成县", "21400", 122.44, 37.16, 1735, 1988, "清雍正十三年置县，1988年撤县设市。"),
    ("乳山县", "21400", 121.54, 36.92, 1945, 1993, "1945年置县，1993年撤县设市。"),
    ("文登市", "21400", 122.05, 37.20, 1988, 2014, "1988年撤县设市，2014年撤市设区。"),
    ("双岛街道", "21500", 121.99, 37.49, 2000, 2021, "原属火炬高技术产业开发区，后撤并。"),
    ("蔄山镇", "21500", 121.99, 37.27, 1984, 2014, "原属临港区，镇域并入相邻乡镇。"),
    ("黄岚办事处", "21500", 121.97, 37.33, 2012, 2021, "临港区黄岚办事处，后撤销。"),
    ("埠口港管理委员会", "21500", 122.25, 37.10, 2009, 2019, "原属文登区，后撤销。"),
    ("石岛镇", "21500", 122.42, 36.88, 1956, 2002, "2002年撤镇设石岛管理区及街道。"),
    ("崖头镇", "21500", 122.44, 37.16, 1984, 2001, "2001年撤镇设崖头街道。"),
    ("初村镇（旧）", "21500", 121.97, 37.45, 1984, 2003, "2003年划入火炬高技术产业开发区。"),
)

FACILITY_COUNTS: dict[FacilityType, int] = {
    FacilityType.ELDERCARE_INSTITUTION: 158,
    FacilityType.REGIONAL_ELDERCARE_CENTRE: 14,
    FacilityType.TOWN_ELDERCARE_CENTRE: 19,
    FacilityType.COMMUNITY_ELDERCARE_CENTRE: 40,
    FacilityType.DAY_CARE_CENTRE: 287,
    FacilityType.RURAL_HAPPINESS_HOME: 430,
    FacilityType.HOME_CARE_ORGANISATION: 72,
    FacilityType.COMMUNITY_CANTEEN: 46,
    FacilityType.ELDERLY_MEAL_POINT: 453,
    FacilityType.RURAL_ELDERLY_TABLE: 120,
    FacilityType.PUBLIC_CEMETERY: 5,
    FacilityType.FUNERAL_HOME: 4,
    FacilityType.MARRIAGE_REGISTRY: 4,
    FacilityType.SOCIAL_ASSISTANCE_CENTRE: 5,
}
CIVIL_AFFAIRS_SITES = {
    FacilityType.PUBLIC_CEMETERY,
    FacilityType.FUNERAL_HOME,
    FacilityType.MARRIAGE_REGISTRY,
    FacilityType.SOCIAL_ASSISTANCE_CENTRE,
}
CANTEEN_MODES = ("养老机构延伸型", "社区养老设施内设型", "独立运营型")
TABLE_MODES = ("村集体自办", "中心厨房配送", "邻里互助")
ELDERCARE_MODES = ("公办公营", "公建民营", "民办民营")

_CGCS_TO_METRIC = Transformer.from_crs(4490, 4550, always_xy=True)


@dataclass
class RoadInfo:
    place: int  # index into DemoData.places
    start_desc: str
    end_desc: str
    length_m: float
    width_m: float
    grade: str


@dataclass
class CompoundInfo:
    place: int
    households: int
    floor_area_m2: float
    developer: str


@dataclass
class HistoryInfo:
    place: int
    name: str
    valid_from: date | None
    valid_to: date | None
    reason: ChangeReason
    geometry: BaseGeometry | None = None
    note: str = ""


@dataclass
class FacilityInfo:
    facility: Facility
    place: int


@dataclass
class DemandInfo:
    code: str
    name: str
    town_code: str
    point: Point
    population: int
    elderly: int
    dependents: int


@dataclass
class PlaceKeys:
    pinyin_key: str
    initials: str


@dataclass
class DemoData:
    seed: int
    admin: list[AdminArea] = field(default_factory=list)
    built_up: list[BuiltUpArea] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)
    roads: list[RoadInfo] = field(default_factory=list)
    compounds: list[CompoundInfo] = field(default_factory=list)
    history: list[HistoryInfo] = field(default_factory=list)
    history_keys: list[str] = field(default_factory=list)
    history_romanized: list[str] = field(default_factory=list)
    facilities: list[FacilityInfo] = field(default_factory=list)
    demand: list[DemandInfo] = field(default_factory=list)
    network: Network = field(default_factory=Network)
    roads_named: list[int] = field(default_factory=list)  # place indices
    roads_adjusted: list[int] = field(default_factory=list)
    compounds_named: list[int] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------


def _sample_in(
    poly: BaseGeometry, n: int, rng: np.random.Generator, *, min_dist_m: float = 0.0
) -> list[tuple[float, float]]:
    """``n`` random points inside ``poly`` at least ``min_dist_m`` apart (best effort)."""
    if n <= 0:
        return []
    x0, y0, x1, y1 = poly.bounds
    out: list[tuple[float, float]] = []
    cell = max(min_dist_m, 1.0)
    grid: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    dist = min_dist_m
    for _attempt in range(40):
        m = max(64, 6 * (n - len(out)))
        xs = rng.uniform(x0, x1, m)
        ys = rng.uniform(y0, y1, m)
        inside = shapely.contains_xy(poly, xs, ys)
        for x, y in zip(xs[inside].tolist(), ys[inside].tolist(), strict=True):
            if dist > 0:
                gx, gy = int(x * MX // cell), int(y * MY // cell)
                near = False
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        for px, py in grid.get((gx + dx, gy + dy), ()):
                            if np.hypot((px - x) * MX, (py - y) * MY) < dist:
                                near = True
                                break
                if near:
                    continue
                grid[(gx, gy)].append((x, y))
            out.append((round(x, 6), round(y, 6)))
            if len(out) == n:
                return out
        dist *= 0.8  # crowded: relax the spacing
    if len(out) < n:  # pragma: no cover - would need a degenerate polygon
        rp = poly.representative_point()
        out.extend([(rp.x, rp.y)] * (n - len(out)))
    return out


def _offset(
    lon: float, lat: float, rng: random.Random, lo_m: float, hi_m: float
) -> tuple[float, float]:
    a = rng.uniform(0, 2 * np.pi)
    d = rng.uniform(lo_m, hi_m)
    return round(lon + d * np.cos(a) / MX, 6), round(lat + d * np.sin(a) / MY, 6)


def _circle(lon: float, lat: float, r_m: float, n: int = 16) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(
        np.column_stack([lon + r_m * np.cos(t) / MX, lat + r_m * np.sin(t) / MY]).round(6)
    )


def _metric_length(line: LineString) -> float:
    xy = np.asarray(line.coords)
    x, y = _CGCS_TO_METRIC.transform(xy[:, 0], xy[:, 1])
    return round(float(np.hypot(np.diff(x), np.diff(y)).sum()), 1)


class _Towns:
    """Which town a point lies in (nearest town cell)."""

    def __init__(self, cells: dict[str, BaseGeometry]) -> None:
        self.codes = [t.code9 for t in fr.TOWNS]
        self.tree = shapely.STRtree([cells[c] for c in self.codes])
        self.by_code = {t.code9: t for t in fr.TOWNS}

    def of(self, lon: float, lat: float) -> fr.Town:
        idx = int(self.tree.query_nearest(Point(lon, lat))[0])
        return self.by_code[self.codes[idx]]


# --- the generator -------------------------------------------------------------------------


class _Gen:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.data = DemoData(seed=seed)
        self.land = fr.land()
        self.cells = fr.town_polygons()
        self.towns = _Towns(self.cells)
        self.seats = {t.code9: fr.snap_to_land(t.lon, t.lat) for t in fr.TOWNS}
        self.bua = fr.built_up_polygons()
        self.names_by_county: dict[str, set[str]] = defaultdict(set)
        self.taken: dict[str, set[str]] = defaultdict(set)  # scope -> names
        self.counter: dict[str, int] = defaultdict(int)
        self.road_area: dict[int, int] = {}  # road place index -> built-up area index
        self.villages: list[tuple[str, str, float, float, bool]] = []  # code, name, lon, lat, urban

    # -- places --
    def place(
        self,
        name: str,
        category: str,
        admin_code: str,
        geometry: BaseGeometry,
        *,
        point: Point | None = None,
        text: tuple[str, str, str, str] | None = None,
        year: int | None = None,
        status: PlaceStatus = PlaceStatus.CURRENT,
        abolished: int | None = None,
        other_names: list[str] | None = None,
        kind: str = "",
    ) -> int:
        rng = self.rng
        if text is None:
            where = self._where(admin_code)
            label = self._kind_label(category)
            text = nm.generic_text(rng, name, label, where, year)
        self.counter[admin_code[:6] + category] += 1
        code = f"{admin_code[:6]}{category}{self.counter[admin_code[:6] + category]:09d}"
        stamp = BASE_TIME - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 600))
        if year is not None and year >= 2016:
            stamp = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=UTC)
        p = Place(
            name=name,
            category_code=category,
            admin_code=admin_code,
            geometry=geometry,
            point=point if point is not None else _rep_point(geometry),
            code=code if status is PlaceStatus.CURRENT else None,
            meaning=text[0],
            origin=text[1],
            history=text[2],
            description=text[3],
            other_names=other_names or [],
            established_year=year,
            abolished_year=abolished,
            status=status,
            source=SOURCE,
            created_at=stamp,
            updated_at=stamp,
            reading=kind or None,  # temporarily carries the romanisation kind
        )
        self.data.places.append(p)
        return len(self.data.places) - 1

    def _where(self, admin_code: str) -> str:
        t = self.towns.by_code.get(admin_code[:9])
        if t is not None:
            return t.name
        for c in fr.COUNTIES:
            if c.code6 == admin_code[:6]:
                return c.name
        return fr.CITY_NAME

    def _kind_label(self, category: str) -> str:
        from gazetteer.model import classification

        cat = classification().get(category)
        return cat.name if cat else "地名"

    # -- frame --
    def frame(self) -> None:
        d = self.data
        outlines = self.land.counties
        city_geom = shapely.union_all([*outlines.values(), *[i.polygon for i in self.land.islands]])
        cx, cy = fr.snap_to_land(122.12, 37.51)
        d.admin.append(
            AdminArea(
                code=fr.CITY_CODE,
                name=fr.CITY_NAME,
                level=AdminLevel.CITY,
                parent_code=None,
                kind="地级市",
                geometry=fr.as_multipolygon(city_geom),
                centre=Point(cx, cy),
            )
        )
        for c in fr.COUNTIES:
            cells = [self.cells[t.code9] for t in fr.TOWNS if t.county6 == c.code6]
            geom = fr.as_multipolygon(shapely.union_all(cells).buffer(0))
            first = next(t for t in fr.TOWNS if t.county6 == c.code6)
            sx, sy = self.seats[first.code9]
            d.admin.append(
                AdminArea(
                    code=c.code6 + "000000",
                    name=c.name,
                    level=AdminLevel.COUNTY,
                    parent_code=fr.CITY_CODE,
                    kind=c.kind,
                    geometry=geom,
                    centre=Point(sx, sy),
                )
            )
        for t in fr.TOWNS:
            sx, sy = self.seats[t.code9]
            d.admin.append(
                AdminArea(
                    code=t.code,
                    name=t.name,
                    level=AdminLevel.TOWN,
                    parent_code=t.county6 + "000000",
                    kind="街道" if t.is_subdistrict else "镇",
                    geometry=fr.as_multipolygon(self.cells[t.code9]),
                    centre=Point(sx, sy),
                    ur_code="111" if t.is_subdistrict else "121",
                )
            )
        for i, (spec, poly) in enumerate(self.bua):
            d.built_up.append(
                BuiltUpArea(
                    name=spec.name,
                    county_code=spec.county6 + "000000",
                    geometry=MultiPolygon([poly]),
                    id=i + 1,
                )
            )

    def villages_and_demand(self) -> None:
        d = self.data
        rng = self.rng
        bua_of_town = {code: poly for spec, poly in self.bua for code in spec.towns}
        land = self.land.land
        urban_union = shapely.union_all([p for _, p in self.bua])
        raw_pop: list[float] = []
        for t in fr.TOWNS:
            cell = self.cells[t.code9]
            sx, sy = self.seats[t.code9]
            n_comm, n_vil = t.communities, t.villages - t.communities
            comm_area = cell.intersection(bua_of_town[t.code9]) if t.code9 in bua_of_town else None
            if comm_area is None or comm_area.area < 2e-5:
                comm_area = cell.intersection(_circle(sx, sy, 2500, 24)).intersection(land)
            if comm_area.is_empty:
                comm_area = _circle(sx, sy, 800, 12).intersection(land)
            vil_area = cell.intersection(land).difference(urban_union)
            if vil_area.is_empty or vil_area.area < 1e-4:
                vil_area = cell.intersection(land)
            comm_pts = _sample_in(comm_area, n_comm, self.np, min_dist_m=250)
            vil_pts = _sample_in(vil_area, n_vil, self.np, min_dist_m=700)
            taken = self.names_by_county[t.county6]
            for k, (x, y) in enumerate(comm_pts):
                base = nm.unique(rng, nm.community_name, taken)
                suffix = "社区居委会" if rng.random() < 0.5 else "居委会"
                code = f"{t.code9}{k + 1:03d}"
                self.villages.append((code, base, x, y, True))
                d.admin.append(
                    AdminArea(
                        code=code,
                        name=base + suffix,
                        level=AdminLevel.VILLAGE,
                        parent_code=t.code,
                        kind="居委会",
                        centre=Point(x, y),
                        ur_code="111" if t.is_subdistrict else "121",
                    )
                )
                raw_pop.append(float(self.np.lognormal(np.log(3200), 0.45)))
            for k, (x, y) in enumerate(vil_pts):
                base = nm.unique(rng, nm.village_name, taken)
                code = f"{t.code9}{200 + k + 1:03d}" if k < 199 else f"{t.code9}{400 + k:03d}"
                self.villages.append((code, base, x, y, False))
                d.admin.append(
                    AdminArea(
                        code=code,
                        name=base + "村委会",
                        level=AdminLevel.VILLAGE,
                        parent_code=t.code,
                        kind="村委会",
                        centre=Point(x, y),
                        ur_code="220",
                    )
                )
                raw_pop.append(float(self.np.lognormal(np.log(620), 0.5)))
        scale = TARGET_POPULATION / sum(raw_pop)
        pops = [max(60, round(p * scale)) for p in raw_pop]
        pops[0] += TARGET_POPULATION - sum(pops)
        for (code, base, x, y, urban), pop in zip(self.villages, pops, strict=True):
            ratio = rng.uniform(0.18, 0.25) if urban else rng.uniform(0.26, 0.34)
            elderly = round(pop * ratio)
            lam = 0.8 if urban else 2.2
            dep = int(self.np.poisson(lam))
            admin_name = d.admin[-1].name  # replaced below
            del admin_name
            d.demand.append(
                DemandInfo(
                    code=code,
                    name=base,
                    town_code=code[:9] + "000",
                    point=Point(x, y),
                    population=pop,
                    elderly=elderly,
                    dependents=dep,
                )
            )
        names = {a.code: a.name for a in d.admin}
        for dm in d.demand:
            dm.name = names[dm.code]

    # -- network (also gives the roads) --
    def grids(self) -> None:
        net = self.data.network
        land = self.land.land
        for i, (_spec, poly) in enumerate(self.bua):
            add_grid(net, poly, area=i, spacing_m=130.0, major_every=8)
        bua_towns = {c for spec, _ in self.bua for c in spec.towns}
        urban_union = shapely.union_all([p for _, p in self.bua])
        self.seat_nodes: list[int] = []
        for k, t in enumerate(fr.TOWNS):
            sx, sy = self.seats[t.code9]
            if t.code9 in bua_towns:
                self.seat_nodes.append(net.add_node(sx, sy))
                continue
            half = 450.0
            sq = Polygon(
                [
                    (sx - half / MX, sy - half / MY),
                    (sx + half / MX, sy - half / MY),
                    (sx + half / MX, sy + half / MY),
                    (sx - half / MX, sy + half / MY),
                ]
            ).difference(urban_union)
            start = len(net.lon)
            if isinstance(sq, Polygon) and not sq.is_empty:
                add_grid(net, sq, area=-1 - k, spacing_m=150.0, major_every=4, node_ok=land)
            if len(net.lon) > start:  # the grid node nearest the seat is the seat
                xs = np.asarray(net.lon[start:])
                ys = np.asarray(net.lat[start:])
                j = int(np.argmin(np.hypot((xs - sx) * MX, (ys - sy) * MY)))
                self.seat_nodes.append(start + j)
            else:
                self.seat_nodes.append(net.add_node(sx, sy))

    def link(self) -> None:
        net = self.data.network
        n_grid = len(net.lon)
        self.village_node: dict[str, int] = {}
        for code, _base, x, y, _urban in self.villages:
            self.village_node[code] = net.add_node(x, y)
        self.extra_nodes = [net.add_node(x, y) for x, y in self.extra_settlements]
        connect(
            net,
            anchors=list(range(n_grid, len(net.lon))) + self.seat_nodes,
            seats=self.seat_nodes,
            land=self.land.land,
            rng=self.np,
        )

    def plan_extra_settlements(self, n: int) -> None:
        """Natural villages beyond the committees' own (points only, names later)."""
        land = self.land.land
        urban_union = shapely.union_all([p for _, p in self.bua])
        rural = land.difference(urban_union.buffer(0.01))
        self.extra_settlements = _sample_in(rural, n, self.np, min_dist_m=600)


def _rep_point(g: BaseGeometry) -> Point:
    if isinstance(g, Point):
        return g
    if isinstance(g, LineString):
        return Point(g.coords[0])
    return g.representative_point()


def generate(seed: int) -> DemoData:
    """The whole demo dataset for ``seed`` (pure; no database)."""
    from gazetteer.demo.places import fill_places

    g = _Gen(seed)
    g.frame()
    g.villages_and_demand()
    fill_places(g)
    return g.data


def compute_keys(data: DemoData) -> None:
    """Romanisation, 专名/通名 and search keys for every place and former name."""
    cache: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
    for p in data.places:
        kind = p.reading or ""
        p.reading = None
        key = (p.name, kind)
        if key not in cache:
            spec, gen = split_generic(p.name)
            rom = romanize(p.name, kind="village") if kind == "village" else romanize(p.name)
            cache[key] = (spec, gen, rom, pinyin_key(p.name), initials(p.name))
        p.specific, p.generic, p.romanized, pk, ini = cache[key]
        data.keys.append((pk, ini))
    data.history_keys = [pinyin_key(h.name) for h in data.history]
    data.history_romanized = [romanize(h.name) for h in data.history]


__all__ = [
    "ADDED",
    "COMPOUNDS_NAMED",
    "CURRENT_NAMES",
    "FACILITY_COUNTS",
    "HISTORICAL_NAMES",
    "ROADS_ADJUSTED",
    "ROADS_NAMED",
    "STANDARDISED",
    "DemoData",
    "compute_keys",
    "edge_arrays",
    "generate",
]
