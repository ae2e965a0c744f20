"""Small hand-made datasets written through the repository (both backends)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry import Point
from sqlalchemy import Engine

from gazetteer.model import (
    AdminArea,
    AdminLevel,
    DemandPoint,
    Facility,
    FacilityType,
    NetworkEdge,
    NetworkNode,
)
from gazetteer.storage import repository as repo
from gazetteer.storage.dialect import write_transaction
from tests.network.helpers import grid_network, lonlat

CITY = "371000000000"
COUNTY_A = "371002000000"
COUNTY_B = "371003000000"
TOWN_A1 = "371002001000"
TOWN_A2 = "371002002000"
TOWN_B1 = "371003001000"
TOWNS = (TOWN_A1, TOWN_A2, TOWN_B1)


def admin_areas() -> list[AdminArea]:
    return [
        AdminArea(CITY, "威海市", AdminLevel.CITY, None),
        AdminArea(COUNTY_A, "环翠区", AdminLevel.COUNTY, CITY),
        AdminArea(COUNTY_B, "文登区", AdminLevel.COUNTY, CITY),
        AdminArea(TOWN_A1, "环翠一街道", AdminLevel.TOWN, COUNTY_A),
        AdminArea(TOWN_A2, "环翠二街道", AdminLevel.TOWN, COUNTY_A),
        AdminArea(TOWN_B1, "文登一镇", AdminLevel.TOWN, COUNTY_B),
    ]


def demand_points(n: int, extent_m: float, seed: int = 1) -> list[DemandPoint]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x, y = rng.uniform(0, extent_m, 2)
        pop = int(rng.integers(50, 2000))
        out.append(
            DemandPoint(
                code=f"37100200{i:04d}",
                name=f"村{i}",
                admin_code=TOWNS[i % 3],
                point=Point(lonlat(float(x), float(y))),
                population=pop,
                elderly=pop // 4,
                dependents=int(rng.integers(0, 5)),
            )
        )
    return out


def facilities_at(
    points_m: Sequence[tuple[float, float]], ftype: FacilityType = FacilityType.ELDERLY_MEAL_POINT
) -> list[Facility]:
    return [
        Facility(
            name=f"助餐点{i}",
            type=ftype,
            admin_code=TOWN_A1,
            point=Point(lonlat(x, y)),
            code=f"F{ftype.value[:6]}{i}",
            floor_area_m2=300.0,
            opened_year=2019,
        )
        for i, (x, y) in enumerate(points_m)
    ]


def seed(
    engine: Engine,
    *,
    grid: tuple[int, int] = (12, 10),
    spacing_m: float = 100.0,
    net_seed: int | None = 3,
    oneway_share: float = 0.2,
    n_demand: int = 60,
    facilities_m: Sequence[tuple[float, float]] = ((150, 120), (800, 700)),
) -> tuple[list[NetworkNode], list[NetworkEdge], list[DemandPoint], list[Facility]]:
    nodes, edges = grid_network(
        grid[0], grid[1], spacing_m, seed=net_seed, oneway_share=oneway_share, drop_share=0.05
    )
    extent = (min(grid) - 1) * spacing_m
    dps = demand_points(n_demand, extent)
    fs = facilities_at(facilities_m)
    with write_transaction(engine) as conn:
        repo.insert_admin_areas(conn, admin_areas())
        repo.insert_network(conn, nodes, edges)
        repo.insert_demand_points(conn, dps)
        repo.insert_facilities(conn, fs)
    return nodes, edges, dps, fs
