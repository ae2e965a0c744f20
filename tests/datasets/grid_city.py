"""A hand-made grid city: two counties, three towns, a grid road network, demand points
and facilities placed in metres from the grid origin (the coverage tests' data)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry import LineString, Point
from sqlalchemy import Engine

from gazetteer.model import (
    AdminArea,
    AdminLevel,
    DemandPoint,
    Facility,
    FacilityType,
    NetworkEdge,
    NetworkNode,
    RoadClass,
)
from tests.builder import Builder

LON0, LAT0 = 122.10, 37.50
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * float(np.cos(np.radians(LAT0)))


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """Lon/lat of a point ``x_m`` east and ``y_m`` north of the grid origin."""
    return LON0 + x_m / M_PER_DEG_LON, LAT0 + y_m / M_PER_DEG_LAT


def grid_network(
    nx_: int,
    ny: int,
    spacing_m: float = 100.0,
    *,
    seed: int | None = None,
    oneway_share: float = 0.0,
    drop_share: float = 0.0,
) -> tuple[list[NetworkNode], list[NetworkEdge]]:
    """A grid of ``nx_ x ny`` nodes; with ``seed`` some edges are one-way, dropped, or of
    other classes, and lengths are the geometry lengths."""
    rng = np.random.default_rng(seed)
    nodes = []
    for j in range(ny):
        for i in range(nx_):
            nodes.append(
                NetworkNode(id=j * nx_ + i + 1, point=Point(lonlat(i * spacing_m, j * spacing_m)))
            )
    classes = [RoadClass.RESIDENTIAL, RoadClass.TERTIARY, RoadClass.PRIMARY, RoadClass.FOOTWAY]
    edges = []

    def add(a: int, b: int) -> None:
        if seed is not None and rng.random() < drop_share:
            return
        pa, pb = nodes[a - 1].point, nodes[b - 1].point
        oneway = bool(seed is not None and rng.random() < oneway_share)
        if oneway and rng.random() < 0.5:
            a, b, pa, pb = b, a, pb, pa
        rc = (
            classes[int(rng.integers(0, len(classes)))]
            if seed is not None
            else RoadClass.RESIDENTIAL
        )
        edges.append(
            NetworkEdge(
                source=a,
                target=b,
                road_class=rc,
                length_m=spacing_m,
                geometry=LineString([pa, pb]),
                oneway=oneway,
                speed_kmh=None,
            )
        )

    for j in range(ny):
        for i in range(nx_):
            k = j * nx_ + i + 1
            if i + 1 < nx_:
                add(k, k + 1)
            if j + 1 < ny:
                add(k, k + nx_)
    return nodes, edges


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
    with Builder.writing(engine) as b:
        b.admins(admin_areas())
        b.network(nodes, edges)
        b.demand_points(dps)
        b.facilities(fs)
    return nodes, edges, dps, fs
