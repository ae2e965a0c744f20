"""The figures of the source report the demo reproduces, and the tables it draws from
(declarative data: plans per subcategory, generic terms, landmarks, historical names,
facility counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from gazetteer.model import FacilityType

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


@dataclass(frozen=True, slots=True)
class Service:
    """How the demo draws the sites of one kind of service, each named after its anchor
    (a town, a village or a community): the name's ending, the ranges of its size and
    floor area, who runs it and how. Where a ``words`` or ``mode`` is a tuple, one is
    drawn per site."""

    words: str | tuple[str, ...]
    size: tuple[int, int]
    floor_area_m2: tuple[int, int]
    operator: str
    mode: str | tuple[str, ...]
    level: str
    size_as: Literal["capacity", "beds"] = "capacity"


SERVICES: dict[FacilityType, Service] = {
    FacilityType.REGIONAL_ELDERCARE_CENTRE: Service(
        "区域性养老服务中心", (80, 220), (2000, 6000), "公建民营", "公建民营", "town", "beds"
    ),
    FacilityType.TOWN_ELDERCARE_CENTRE: Service(
        "养老服务中心", (30, 80), (1000, 2500), "公建民营", "公建民营", "town", "beds"
    ),
    FacilityType.COMMUNITY_ELDERCARE_CENTRE: Service(
        "社区养老服务中心", (40, 120), (500, 1500), "社会组织运营", "社区嵌入式", "community"
    ),
    FacilityType.DAY_CARE_CENTRE: Service(
        "社区日间照料中心", (20, 60), (200, 800), "社区居委会", "日间照料", "community"
    ),
    FacilityType.RURAL_HAPPINESS_HOME: Service(
        "农村幸福院", (10, 40), (120, 500), "村集体", "互助养老", "village"
    ),
    FacilityType.HOME_CARE_ORGANISATION: Service(
        ("居家养老服务中心", "居家养老服务站"),
        (50, 400),
        (100, 600),
        "社会组织运营",
        "居家上门",
        "community",
    ),
    FacilityType.ELDERLY_MEAL_POINT: Service(
        "老年助餐点", (15, 80), (60, 300), "社区/村居", CANTEEN_MODES, "community"
    ),
    FacilityType.RURAL_ELDERLY_TABLE: Service(
        "农村老年餐桌", (10, 40), (40, 200), "村集体", TABLE_MODES, "village"
    ),
}


__all__ = [
    "ADDED",
    "BASE_TIME",
    "CANTEEN_MODES",
    "CIVIL_AFFAIRS_SITES",
    "COMPOUNDS",
    "COMPOUNDS_NAMED",
    "CURRENT_NAMES",
    "ELDERCARE_MODES",
    "FACILITY_COUNTS",
    "GENERICS",
    "HISTORICAL_NAMES",
    "HISTORICAL_REAL",
    "LANDMARKS",
    "PLAN",
    "ROADS_ADJUSTED",
    "ROADS_NAMED",
    "SERVICES",
    "SOURCE",
    "STANDARDISED",
    "TABLE_MODES",
    "TARGET_POPULATION",
    "Service",
]
