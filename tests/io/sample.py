"""A small dataset touching every exchange layer, written through the repositories."""

from __future__ import annotations

from datetime import date

from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from sqlalchemy import Engine

from gazetteer.model import (
    AdminArea,
    AdminLevel,
    BuiltUpArea,
    CensusStatus,
    ChangeReason,
    Compound,
    DemandPoint,
    Facility,
    FacilityType,
    NameHistoryEntry,
    NetworkEdge,
    NetworkNode,
    Place,
    PlaceStatus,
    Road,
    RoadClass,
)
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import reset_id_sequence

CITY = "371000000000"
COUNTY = "371002000000"
TOWN = "371002001000"
VILLAGE = "371002001001"
COUNTY_BOX = box(121.9, 37.3, 122.3, 37.6)
WENDENG_BOX = box(121.6, 36.9, 121.9, 37.3)
LONG_TEXT = "威海卫地处山东半岛东端，" * 20  # longer than one Shapefile text field


def admin_areas() -> list[AdminArea]:
    return [
        AdminArea(
            CITY,
            "威海市",
            AdminLevel.CITY,
            None,
            kind="地级市",
            geometry=MultiPolygon([box(121.1, 36.6, 122.8, 37.6)]),
            centre=Point(122.115218, 37.512376),
        ),
        AdminArea(
            COUNTY,
            "环翠区",
            AdminLevel.COUNTY,
            CITY,
            kind="区",
            geometry=MultiPolygon([COUNTY_BOX]),
            centre=Point(122.118384, 37.500958),
        ),
        AdminArea(
            "371003000000",
            "文登区",
            AdminLevel.COUNTY,
            CITY,
            kind="区",
            geometry=MultiPolygon([WENDENG_BOX]),
        ),
        AdminArea(TOWN, "环翠楼街道", AdminLevel.TOWN, COUNTY, kind="街道"),
        AdminArea(
            VILLAGE, "古北社区居委会", AdminLevel.VILLAGE, TOWN, kind="居委会", ur_code="111"
        ),
    ]


def places(*, long_text: bool = True) -> list[Place]:
    text = LONG_TEXT if long_text else "因地处古城北门外得名"
    return [
        Place(
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
            census_status=CensusStatus.ADDED,
            source="第二次全国地名普查",
        ),
        Place(
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
            census_status=CensusStatus.STANDARDISED,
        ),
        Place(
            id=5,
            code=None,
            name="长会口小区",
            reading="cháng huì kǒu xiǎo qū",
            category_code="22200",
            admin_code=TOWN,
            geometry=Polygon([(122.0, 37.4), (122.01, 37.4), (122.01, 37.41), (122.0, 37.41)]),
        ),
        Place(
            id=7,
            name="北门外",
            category_code="22200",
            admin_code=COUNTY,
            geometry=Point(122.11, 37.52),
            status=PlaceStatus.HISTORICAL,
            abolished_year=1990,
            version=3,
        ),
    ]


def write_sample(engine: Engine, *, long_text: bool = True) -> None:
    with engine.begin() as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(conn, admin_areas())
        for p in places(long_text=long_text):
            row = repo.place_row(p, pinyin_key="", initials="")
            row["id"] = p.id
            conn.execute(t.places.insert(), [row])
        reset_id_sequence(conn, t.places)
        repo.insert_roads(conn, [Road(2, "古寨路", "海滨路", 2890.5, 24.0, "主干路")])
        repo.insert_compounds(conn, [Compound(5, households=320, floor_area_m2=41000.0)])
        repo.insert_history(
            conn,
            [
                NameHistoryEntry(
                    place_id=2,
                    name="文化路",
                    valid_from=date(1990, 1, 1),
                    valid_to=date(2018, 6, 30),
                    reason=ChangeReason.STANDARDISATION,
                    romanized="Wénhuà Lù",
                    geometry=LineString([(122.10, 37.50), (122.12, 37.51)]),
                    version=1,
                ),
                NameHistoryEntry(
                    place_id=7,
                    name="北门",
                    valid_from=None,
                    valid_to=date(1990, 12, 31),
                    reason=ChangeReason.ABOLITION,
                ),
            ],
        )
        repo.insert_built_up_areas(
            conn, [BuiltUpArea("环翠城区", COUNTY, MultiPolygon([box(122.0, 37.4, 122.2, 37.55)]))]
        )
        repo.insert_facilities(
            conn,
            [
                Facility(
                    name="环翠区社会福利中心",
                    type=FacilityType.ELDERCARE_INSTITUTION,
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
                Facility(
                    name="古北社区老年助餐点",
                    type=FacilityType.ELDERLY_MEAL_POINT,
                    admin_code=VILLAGE,
                    point=Point(122.1202, 37.5013),
                    place_id=1,
                    capacity=60,
                ),
            ],
        )
        repo.insert_demand_points(
            conn,
            [
                DemandPoint(VILLAGE, "古北社区", TOWN, Point(122.1201, 37.5012), 4200, 980, 3),
                DemandPoint("371002001002", "孙家疃村", TOWN, Point(122.14, 37.52), 860, 310, 7),
            ],
        )
        repo.insert_network(
            conn,
            [
                NetworkNode(1, Point(122.10, 37.50)),
                NetworkNode(2, Point(122.12, 37.51)),
                NetworkNode(3, Point(122.13, 37.505)),
            ],
            [
                NetworkEdge(
                    1, 2, RoadClass.PRIMARY, 2041.7, LineString([(122.10, 37.50), (122.12, 37.51)])
                ),
                NetworkEdge(
                    2,
                    3,
                    RoadClass.RESIDENTIAL,
                    1001.25,
                    LineString([(122.12, 37.51), (122.13, 37.505)]),
                    speed_kmh=30.0,
                    oneway=True,
                    name="文化中路",
                ),
            ],
        )
