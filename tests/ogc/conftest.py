"""A small deterministic dataset on both backends, served by a real uvicorn process.

The dataset is written with the repository writers and has awkward spots on purpose:
mixed geometry types, NULL attributes in the first rows (so a client guessing types from
the first page would get them wrong), counts that are not multiples of any page size.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
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
    Road,
)
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import repository as repo
from tests.conftest import new_database_settings
from tests.server import live_server

CITY = "371000000000"
COUNTIES = ["371002000000", "371003000000"]
TOWNS = ["371002001000", "371002002000", "371003100000"]
CATEGORIES = ["22200", "23510", "11100", "13100", "21610"]
GRADES = ["主干路", "次干路", "支路"]


@dataclass(frozen=True)
class OgcSite:
    settings: Settings
    base: str  # http://127.0.0.1:PORT
    backend: str


def _square(x: float, y: float, d: float) -> MultiPolygon:
    return MultiPolygon([box(x, y, x + d, y + d)])


def build_dataset(settings: Settings) -> None:
    rnd = random.Random(7)
    engine = create_engine_from_settings(settings)
    try:
        with engine.begin() as conn:
            repo.ensure_categories(conn)
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
            repo.insert_admin_areas(conn, areas)

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
            ids = repo.insert_places(conn, places)
            repo.insert_roads(
                conn,
                [
                    Road(
                        place_id=pid,
                        start_desc=f"起点{n}",
                        end_desc=f"止点{n}",
                        length_m=1000.0 + 37.5 * n,
                        width_m=None if n < 8 else 10.0 + n / 2,
                        grade=GRADES[n % 3],
                    )
                    for n, pid in enumerate(ids[1::3])
                ],
            )
            repo.insert_facilities(
                conn,
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
            repo.insert_demand_points(
                conn,
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


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def ogc_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OgcSite]:
    """The small dataset on each backend behind a live server."""
    backend = str(request.param)
    tmp: Path = tmp_path_factory.mktemp(f"ogc-{backend}")
    gen = new_database_settings(backend, request, tmp)
    settings = next(gen)
    try:
        build_dataset(settings)
        with live_server(settings) as base:
            yield OgcSite(settings=settings, base=base, backend=backend)
    finally:
        gen.close()  # type: ignore[attr-defined]
