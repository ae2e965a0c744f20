"""A small but real map database for the map tests (until/besides the full demo).

Built through the repositories from the real reference data in ``../shared/data/weihai``:
the city and county polygons, 253 real administrative centres as names and demand points,
synthetic names in every major category placed inside the real boundary, facilities of
several types, a few roads and one renamed place with a former name and geometry.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep
from sqlalchemy import Engine

from gazetteer import model as m
from tests.builder import Builder

CITY = "371000000000"
SUBCATS = {
    "1": ["13100", "11500", "12100"],
    "21": ["21500"],
    "216": ["21610", "21620"],
    "217": ["21770"],
    "22": ["22100", "22200", "22110"],
    "23": ["23510", "23610"],
    "24": ["24230"],
    "25": ["25200", "25300"],
    "26": ["26310"],
    "27": ["27610"],
}
GENERIC = {
    "13100": "山",
    "11500": "岛",
    "12100": "河",
    "21500": "镇",
    "21610": "村委会",
    "21620": "社区",
    "21770": "片区",
    "22100": "庄",
    "22200": "村",
    "22110": "小区",
    "23510": "路",
    "23610": "桥",
    "24230": "水库",
    "25200": "公园",
    "25300": "风景区",
    "26310": "广场",
    "27610": "养老院",
}
SPECIFICS = "青石海泉松竹东西南北金银华安福泰和平康宁新民远望"


def _random_points(rnd: random.Random, area: BaseGeometry, n: int) -> list[tuple[float, float]]:
    prepared = prep(area)
    w, s, e, nn = area.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        p = Point(rnd.uniform(w, e), rnd.uniform(s, nn))
        if prepared.contains(p):
            out.append((round(p.x, 6), round(p.y, 6)))
    return out


def build_small_map_db(
    engine: Engine, weihai_data: Path, *, per_category: int = 60
) -> dict[str, int]:
    """Fill a migrated empty database; returns ids of a few well-known places."""
    rnd = random.Random(6)
    bounds = json.loads((weihai_data / "weihai_boundaries_wgs84.geojson").read_text("utf-8"))
    points = json.loads((weihai_data / "weihai_points.geojson").read_text("utf-8"))
    polys = {
        f["properties"]["code"]: (f["properties"]["name"], shape(f["geometry"]))
        for f in bounds["features"]
    }
    city_name, city_geom = polys[CITY]
    areas = [
        m.AdminArea(
            CITY,
            city_name,
            m.AdminLevel.CITY,
            None,
            "市",
            city_geom,
            city_geom.representative_point(),
        )
    ]
    for code, (name, g) in polys.items():
        if code != CITY:
            kind = "区" if name.endswith("区") else "县级市"
            areas.append(
                m.AdminArea(
                    code, name, m.AdminLevel.COUNTY, CITY, kind, g, g.representative_point()
                )
            )
    counties = {a.code[:6]: a.code for a in areas if a.level == m.AdminLevel.COUNTY}
    towns: dict[str, str] = {}
    for f in points["features"]:
        pr = f["properties"]
        if pr["kind"] == "admin_town" and pr["code"][:6] in counties:
            towns[pr["code"]] = pr["name_zh"]
            lon, lat = f["geometry"]["coordinates"]
            areas.append(
                m.AdminArea(
                    pr["code"],
                    pr["name_zh"],
                    m.AdminLevel.TOWN,
                    counties[pr["code"][:6]],
                    "镇",
                    None,
                    Point(lon, lat),
                )
            )

    places: list[m.Place] = []
    demand: list[m.DemandPoint] = []
    for f in points["features"]:
        pr = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        kind = pr["kind"]
        code = pr["code"]
        if kind == "admin_city":
            cat, admin = "21300", CITY
        elif kind == "admin_county":
            cat, admin = "21400", code
        elif kind == "admin_town":
            cat, admin = "21500", code if code in towns else CITY
        else:
            cat = "21620" if pr["name_zh"].endswith("社区居委会") else "21610"
            town = code[:9] + "000"
            admin = town if town in towns else counties.get(code[:6], CITY)
            if admin == town:
                demand.append(
                    m.DemandPoint(
                        code,
                        pr["name_zh"],
                        town,
                        Point(lon, lat),
                        population=800 + rnd.randint(0, 3000),
                        elderly=200 + rnd.randint(0, 800),
                        dependents=rnd.randint(0, 12),
                    )
                )
        places.append(
            m.Place(
                name=pr["name_zh"],
                category_code=cat,
                admin_code=admin,
                geometry=Point(lon, lat),
                meaning=f"{pr['name_zh']}，以驻地得名。",
                origin="据第二次全国地名普查资料。",
                romanized="Wēihǎi Shì" if code == CITY else "",
            )
        )
    county_codes = list(counties.values())
    for major, subs in SUBCATS.items():
        pts = _random_points(rnd, city_geom, per_category)
        for i, (lon, lat) in enumerate(pts):
            sub = subs[i % len(subs)]
            name = (
                SPECIFICS[i % len(SPECIFICS)]
                + SPECIFICS[(i * 7 + len(major)) % len(SPECIFICS)]
                + GENERIC[sub]
            )
            places.append(
                m.Place(
                    name=f"{name}{i}" if i >= len(SPECIFICS) else name,
                    category_code=sub,
                    admin_code=county_codes[i % len(county_codes)],
                    geometry=Point(lon, lat),
                    meaning=f"寓意{name[:2]}。",
                    origin="因地处" + name[:1] + "而得名。",
                )
            )
    # a road that was renamed and moved: former name and former geometry in the history
    road = m.Place(
        name="文化中路",
        category_code="23510",
        admin_code=county_codes[0],
        geometry=LineString([(122.09, 37.50), (122.12, 37.51)]),
        specific="文化",
        generic="中路",
        romanized="Wénhuà Zhōnglù",
        meaning="以文化命名。",
        origin="1990年代建成。",
        history="原名建设路，2018年更名。",
    )
    with Builder.writing(engine) as b:
        b.admins(areas)
        ids = b.places(places)
        road_id = b.places([road])[0]
        b.histories(
            [
                m.NameHistoryEntry(
                    place_id=road_id,
                    name="建设路",
                    valid_from=date(1995, 1, 1),
                    valid_to=date(2018, 6, 30),
                    reason=m.ChangeReason.RENAMING,
                    geometry=LineString([(122.09, 37.495), (122.115, 37.505)]),
                    note="《威海市人民政府关于部分道路更名的批复》",
                )
            ],
        )
        fac_types = [
            m.FacilityType.ELDERLY_MEAL_POINT,
            m.FacilityType.COMMUNITY_CANTEEN,
            m.FacilityType.DAY_CARE_CENTRE,
            m.FacilityType.ELDERCARE_INSTITUTION,
            m.FacilityType.MARRIAGE_REGISTRY,
            m.FacilityType.PUBLIC_CEMETERY,
        ]
        facs = []
        for i, (lon, lat) in enumerate(_random_points(rnd, city_geom, 48)):
            ft = fac_types[i % len(fac_types)]
            facs.append(
                m.Facility(
                    name=f"测试{ft.name[:4]}设施{i}",
                    type=ft,
                    admin_code=county_codes[i % 4],
                    point=Point(lon, lat),
                    beds=30 if ft == m.FacilityType.ELDERCARE_INSTITUTION else None,
                    capacity=50,
                )
            )
        b.facilities(facs)
        b.demand_points(demand)
        centres = [(122.12, 37.51), (122.05, 37.2), (122.42, 37.16), (121.54, 36.92)]
        nodes = [m.NetworkNode(i + 1, Point(*c)) for i, c in enumerate(centres)]
        edges = [
            m.NetworkEdge(
                i + 1,
                i + 2,
                m.RoadClass.PRIMARY,
                30000.0,
                LineString([centres[i], centres[i + 1]]),
                name="测试公路",
            )
            for i in range(3)
        ]
        b.network(nodes, edges)
    return {"city": ids[0], "road": road_id, "places": len(ids) + 1}
