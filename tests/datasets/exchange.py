"""A small data set touching every exchange layer (the import/export tests' data)."""

from __future__ import annotations

from datetime import date

from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from sqlalchemy import Engine

from gazetteer import model as m
from tests.builder import Builder

CITY = "371000000000"
COUNTY = "371002000000"
TOWN = "371002001000"
VILLAGE = "371002001001"
COUNTY_BOX = box(121.9, 37.3, 122.3, 37.6)
WENDENG_BOX = box(121.6, 36.9, 121.9, 37.3)
LONG_TEXT = "威海卫地处山东半岛东端，" * 20  # longer than one Shapefile text field


def admin_areas() -> list[m.AdminArea]:
    return [
        m.AdminArea(
            CITY,
            "威海市",
            m.AdminLevel.CITY,
            None,
            kind="地级市",
            geometry=MultiPolygon([box(121.1, 36.6, 122.8, 37.6)]),
            centre=Point(122.115218, 37.512376),
        ),
        m.AdminArea(
            COUNTY,
            "环翠区",
            m.AdminLevel.COUNTY,
            CITY,
            kind="区",
            geometry=MultiPolygon([COUNTY_BOX]),
            centre=Point(122.118384, 37.500958),
        ),
        m.AdminArea(
            "371003000000",
            "文登区",
            m.AdminLevel.COUNTY,
            CITY,
            kind="区",
            geometry=MultiPolygon([WENDENG_BOX]),
        ),
        m.AdminArea(TOWN, "环翠楼街道", m.AdminLevel.TOWN, COUNTY, kind="街道"),
        m.AdminArea(
            VILLAGE, "古北社区居委会", m.AdminLevel.VILLAGE, TOWN, kind="居委会", ur_code="111"
        ),
    ]


def places(*, long_text: bool = True) -> list[m.Place]:
    text = LONG_TEXT if long_text else "因地处古城北门外得名"
    return [
        m.Place(
            id=1,
            code="37100200100000000001",
            name="古北社区",
            specific="古北",
            generic="社区",
            romanized="Gǔběi Shèqū",
            category_code="21620",
            admin_code=VILLAGE,
            geometry=Point(122.1201234567891, 37.5012345678901),
            meaning="古城之北",
            origin=text,
            history="1984年设居委会",
            other_names=["古北居委会", "北门外"],
            established_year=1984,
            census_status=m.CensusStatus.ADDED,
            source="第二次全国地名普查",
        ),
        m.Place(
            id=2,
            code="37100200100000000002",
            name="文化中路",
            specific="文化",
            generic="中路",
            romanized="Wénhuà Zhōnglù",
            category_code="23510",
            admin_code=TOWN,
            geometry=LineString([(122.10, 37.50), (122.12, 37.51), (122.13, 37.505)]),
            point=Point(122.12, 37.51),
            description="东西走向",
            census_status=m.CensusStatus.STANDARDISED,
        ),
        m.Place(
            id=5,
            code=None,
            name="长会口小区",
            reading="cháng huì kǒu xiǎo qū",
            category_code="22200",
            admin_code=TOWN,
            geometry=Polygon([(122.0, 37.4), (122.01, 37.4), (122.01, 37.41), (122.0, 37.41)]),
        ),
        m.Place(
            id=7,
            name="北门外",
            category_code="22200",
            admin_code=COUNTY,
            geometry=Point(122.11, 37.52),
            status=m.PlaceStatus.HISTORICAL,
            abolished_year=1990,
            version=3,
        ),
    ]


def write_sample(engine: Engine, *, long_text: bool = True) -> None:
    with Builder.writing(engine) as b:
        b.admins(admin_areas())
        b.places(places(long_text=long_text))
        b.road(2, "古寨路", "海滨路", 2890.5, 24.0, "主干路")
        b.compound(5, households=320, floor_area_m2=41000.0)
        b.histories(
            [
                m.NameHistoryEntry(
                    place_id=2,
                    name="文化路",
                    valid_from=date(1990, 1, 1),
                    valid_to=date(2018, 6, 30),
                    reason=m.ChangeReason.STANDARDISATION,
                    romanized="Wénhuà Lù",
                    geometry=LineString([(122.10, 37.50), (122.12, 37.51)]),
                    version=1,
                ),
                m.NameHistoryEntry(
                    place_id=7,
                    name="北门",
                    valid_from=None,
                    valid_to=date(1990, 12, 31),
                    reason=m.ChangeReason.ABOLITION,
                ),
            ],
        )
        b.built_up_area("环翠城区", COUNTY, box(122.0, 37.4, 122.2, 37.55))
        b.facilities(
            [
                m.Facility(
                    name="环翠区社会福利中心",
                    type=m.FacilityType.ELDERCARE_INSTITUTION,
                    admin_code=TOWN,
                    point=Point(122.115, 37.505),
                    code="F0001",
                    beds=300,
                    floor_area_m2=12000.0,
                    operator="环翠区民政局",
                    mode="公建民营",
                    opened_year=2012,
                    level="county",
                ),
                m.Facility(
                    name="古北社区老年助餐点",
                    type=m.FacilityType.ELDERLY_MEAL_POINT,
                    admin_code=VILLAGE,
                    point=Point(122.1202, 37.5013),
                    place_id=1,
                    capacity=60,
                ),
            ],
        )
        b.demand_points(
            [
                m.DemandPoint(VILLAGE, "古北社区", TOWN, Point(122.1201, 37.5012), 4200, 980, 3),
                m.DemandPoint("371002001002", "孙家疃村", TOWN, Point(122.14, 37.52), 860, 310, 7),
            ],
        )
        b.network(
            [
                m.NetworkNode(1, Point(122.10, 37.50)),
                m.NetworkNode(2, Point(122.12, 37.51)),
                m.NetworkNode(3, Point(122.13, 37.505)),
            ],
            [
                m.NetworkEdge(
                    1,
                    2,
                    m.RoadClass.PRIMARY,
                    2041.7,
                    LineString([(122.10, 37.50), (122.12, 37.51)]),
                ),
                m.NetworkEdge(
                    2,
                    3,
                    m.RoadClass.RESIDENTIAL,
                    1001.25,
                    LineString([(122.12, 37.51), (122.13, 37.505)]),
                    speed_kmh=30.0,
                    oneway=True,
                    name="文化中路",
                ),
            ],
        )
