"""The OGC API data set: small, deterministic, with awkward spots on purpose -- mixed
geometry types, NULL attributes in the first rows (so a client guessing types from the
first page would get them wrong), counts that are not multiples of any page size."""

from __future__ import annotations

import random

from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gazetteer.model import (
    AdminArea,
    AdminLevel,
    CensusStatus,
    DemandPoint,
    Facility,
    FacilityType,
    Place,
    PlaceStatus,
)
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from tests.builder import Builder

CITY = "371000000000"
COUNTIES = ["371002000000", "371003000000"]
TOWNS = ["371002001000", "371002002000", "371003100000"]
CATEGORIES = ["22200", "23510", "11100", "13100", "21610"]
GRADES = ["主干路", "次干路", "支路"]


def _square(x: float, y: float, d: float) -> MultiPolygon:
    return MultiPolygon([box(x, y, x + d, y + d)])


def build_dataset(settings: Settings) -> None:
    """Write the data set into the database of ``settings``."""
    rnd = random.Random(7)
    engine = create_engine_from_settings(settings)
    try:
        with Builder.writing(engine) as b:
            areas = [
                AdminArea(CITY, "威海市", AdminLevel.CITY, None, "市", _square(121.6, 36.8, 1.0)),
                AdminArea(
                    COUNTIES[0], "环翠区", AdminLevel.COUNTY, CITY, "区", _square(122, 37.3, 0.3)
                ),
                AdminArea(
                    COUNTIES[1], "文登区", AdminLevel.COUNTY, CITY, "区", _square(121.9, 37.0, 0.3)
                ),
                AdminArea(
                    TOWNS[0],
                    "环翠楼街道",
                    AdminLevel.TOWN,
                    COUNTIES[0],
                    "街道",
                    _square(122.1, 37.5, 0.05),
                ),
                AdminArea(
                    TOWNS[1],
                    "鲸园街道",
                    AdminLevel.TOWN,
                    COUNTIES[0],
                    "街道",
                    _square(122.15, 37.5, 0.05),
                ),
                # an area without geometry: listed with "geometry": null
                AdminArea(TOWNS[2], "龙山街道", AdminLevel.TOWN, COUNTIES[1], "街道", None),
            ]
            for i in range(9):
                areas.append(
                    AdminArea(
                        f"{TOWNS[i % 2][:9]}{i + 1:03d}",
                        f"第{i + 1}社区",
                        AdminLevel.VILLAGE,
                        TOWNS[i % 2],
                        "居委会",
                        _square(122.1 + 0.005 * i, 37.5 + 0.003 * i, 0.004),
                        ur_code="111" if i % 3 else None,
                    )
                )
            b.admins(areas)

            places: list[Place] = []
            for i in range(57):
                x, y = 122.0 + rnd.random() * 0.3, 37.3 + rnd.random() * 0.3
                kind = i % 3
                geom = (
                    Point(x, y)
                    if kind == 0
                    else LineString([(x, y), (x + 0.01, y + 0.004), (x + 0.02, y)])
                    if kind == 1
                    else Polygon([(x, y), (x + 0.003, y), (x + 0.003, y + 0.002), (x, y)])
                )
                places.append(
                    Place(
                        name=f"测试地名{i}" if i % 7 else "同名路",
                        category_code="23510" if kind == 1 else CATEGORIES[i % len(CATEGORIES)],
                        admin_code=TOWNS[i % 3],
                        geometry=geom,
                        code=f"37100200{i:012d}" if i % 4 else None,
                        specific=f"测试{i}",
                        generic="路" if kind == 1 else "村",
                        romanized=f"Cèshì {i}",
                        meaning="" if i < 10 else f"含义{i}",
                        other_names=[f"别名{i}"] if i % 5 == 0 else [],
                        established_year=None if i < 12 else 1900 + i,
                        abolished_year=1990 + i if i % 11 == 0 and i else None,
                        status=PlaceStatus.HISTORICAL if i % 11 == 0 and i else PlaceStatus.CURRENT,
                        census_status=list(CensusStatus)[i % 3],
                    )
                )
            ids = b.places(places)
            for n, pid in enumerate(ids[1::3]):
                b.road(
                    pid,
                    f"起点{n}",
                    f"止点{n}",
                    1000.0 + 37.5 * n,
                    None if n < 8 else 10.0 + n / 2,
                    GRADES[n % 3],
                )
            b.facilities(
                [
                    Facility(
                        name=f"设施{i}",
                        type=list(FacilityType)[i % len(FacilityType)],
                        admin_code=TOWNS[i % 3],
                        point=Point(122.0 + rnd.random() * 0.3, 37.3 + rnd.random() * 0.3),
                        code=f"F{i:04d}",
                        place_id=ids[i] if i % 2 else None,
                        beds=None if i < 9 else 10 * i,
                        capacity=None if i < 9 else 5 * i,
                        floor_area_m2=None if i < 9 else 100.5 * i,
                        operator="" if i < 9 else f"运营方{i}",
                        opened_year=None if i < 9 else 2000 + i,
                    )
                    for i in range(23)
                ],
            )
            b.demand_points(
                [
                    DemandPoint(
                        code=f"37100200{i:04d}",
                        name=f"需求点{i}",
                        admin_code=TOWNS[i % 3],
                        point=Point(122.0 + rnd.random() * 0.3, 37.3 + rnd.random() * 0.3),
                        population=500 + 13 * i,
                        elderly=100 + 3 * i,
                        dependents=i % 4,
                    )
                    for i in range(31)
                ],
            )
    finally:
        engine.dispose()
