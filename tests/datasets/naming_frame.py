"""A small real-Weihai frame for naming tests: admin areas, one built-up area, real names.

Coordinates are approximate CGCS2000 lon/lat of central Weihai (环翠区) and 文登.
"""

from __future__ import annotations

from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from gazetteer.model import AdminArea, AdminLevel
from gazetteer.text import romanize, split_generic
from tests.builder import Builder

HUANCUI = "371002000000"
HUANCUILOU = "371002001000"
WENDENG = "371003000000"
ZHANGCUN = "371002100000"  # 张村镇, outside the city built-up area in this frame

CITY_BUA = MultiPolygon(
    [Polygon([(122.05, 37.45), (122.20, 37.45), (122.20, 37.56), (122.05, 37.56)])]
)
WENDENG_BUA = MultiPolygon(
    [Polygon([(122.02, 37.17), (122.10, 37.17), (122.10, 37.22), (122.02, 37.22)])]
)

# (name, category, admin, geometry)
ROADS = [
    ("文化路", LineString([(122.08, 37.52), (122.10, 37.52)])),
    ("新威路", LineString([(122.11, 37.50), (122.11, 37.53)])),
    ("统一路", LineString([(122.12, 37.50), (122.12, 37.53)])),
    ("海滨北路", LineString([(122.13, 37.51), (122.14, 37.54)])),
    ("青岛中路", LineString([(122.10, 37.49), (122.10, 37.51)])),
    ("世昌大道", LineString([(122.06, 37.50), (122.10, 37.50)])),
    ("昆明路", LineString([(122.09, 37.51), (122.11, 37.51)])),
]
COMPOUNDS = [("金海滩小区", Point(122.12, 37.515)), ("华夏花园", Point(122.09, 37.505))]
# a 文化路 in 文登 (another built-up area): no conflict with 环翠's 文华路
WENDENG_ROADS = [("文化路", LineString([(122.05, 37.19), (122.07, 37.19)]))]

#: The audit trail of a new road's case from submission to filing (its new place included).
NEW_ROAD_CYCLE = ["submit", "review", "consult", "place.new_road", "approve", "announce", "file"]


def build_frame(engine: Engine) -> dict[str, int]:
    """Write the frame; returns place ids by name (文登's 文化路 as '文化路@文登')."""
    ids: dict[str, int] = {}
    with Builder.writing(engine) as b:
        b.admins(
            [
                AdminArea("371000000000", "威海市", AdminLevel.CITY, None),
                AdminArea(
                    HUANCUI,
                    "环翠区",
                    AdminLevel.COUNTY,
                    "371000000000",
                    centre=Point(122.12, 37.50),
                ),
                AdminArea(
                    WENDENG,
                    "文登区",
                    AdminLevel.COUNTY,
                    "371000000000",
                    centre=Point(122.06, 37.19),
                ),
                AdminArea(
                    HUANCUILOU, "环翠楼街道", AdminLevel.TOWN, HUANCUI, centre=Point(122.12, 37.51)
                ),
                AdminArea(
                    ZHANGCUN, "张村镇", AdminLevel.TOWN, HUANCUI, centre=Point(122.00, 37.40)
                ),
            ],
        )
        b.built_up_area("威海市区", HUANCUI, CITY_BUA)
        b.built_up_area("文登城区", WENDENG, WENDENG_BUA)

        def add(name: str, cat: str, admin: str, geom: BaseGeometry) -> int:
            spec, gen = split_generic(name)
            return b.place(
                name,
                cat,
                admin,
                geom,
                keys=True,
                specific=spec,
                generic=gen,
                romanized=romanize(name),
            )

        for name, geom in ROADS:
            ids[name] = pid = add(name, "23510", HUANCUILOU, geom)
            b.road(pid, "西端", "东端", 1500.0, 24.0, "次干路")
        for name, pt in COMPOUNDS:
            ids[name] = pid = add(name, "22110", HUANCUILOU, pt)
            b.compound(pid, 800)
        for name, geom in WENDENG_ROADS:
            ids[name + "@文登"] = add(name, "23510", WENDENG, geom)
    return ids
