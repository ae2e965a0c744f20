"""The state of the demo generation: the report's figures and the tables the generator
draws from, the generated records, and :class:`Generator` (the seeded sources, the frame,
the villages and the demand points). :mod:`gazetteer.demo.generate` runs it, the modules
``places``, ``roads``, ``facilities`` and ``history`` add the names.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.figures import (
    BASE_TIME,
    SOURCE,
    TARGET_POPULATION,
)
from gazetteer.demo.network import (
    MX,
    MY,
    Network,
    add_grid,
    connect,
)
from gazetteer.model import (
    AdminArea,
    AdminLevel,
    BuiltUpArea,
    ChangeReason,
    Facility,
    Place,
    PlaceStatus,
    classification,
)
from gazetteer.types import metric_transformer


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


def sample_in(
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


def offset(
    lon: float, lat: float, rng: random.Random, lo_m: float, hi_m: float
) -> tuple[float, float]:
    a = rng.uniform(0, 2 * np.pi)
    d = rng.uniform(lo_m, hi_m)
    return round(lon + d * np.cos(a) / MX, 6), round(lat + d * np.sin(a) / MY, 6)


def circle(lon: float, lat: float, r_m: float, n: int = 16) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(
        np.column_stack([lon + r_m * np.cos(t) / MX, lat + r_m * np.sin(t) / MY]).round(6)
    )


def metric_length(line: LineString) -> float:
    xy = np.asarray(line.coords)
    x, y = metric_transformer().transform(xy[:, 0], xy[:, 1])
    return round(float(np.hypot(np.diff(x), np.diff(y)).sum()), 1)


class Towns:
    """The towns and their cells, to find the town of a point."""

    """Which town a point lies in (nearest town cell)."""

    def __init__(self, cells: dict[str, BaseGeometry]) -> None:
        self.codes = [t.code9 for t in fr.TOWNS]
        self.tree = shapely.STRtree([cells[c] for c in self.codes])
        self.by_code = {t.code9: t for t in fr.TOWNS}

    def of(self, lon: float, lat: float) -> fr.Town:
        idx = int(self.tree.query_nearest(Point(lon, lat))[0])
        return self.by_code[self.codes[idx]]


# --- the generator -------------------------------------------------------------------------


class Generator:
    """The state of one demo generation: the seeded random sources and the data made
    so far; each step (frame, villages, places …) adds to ``data``."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.data = DemoData(seed=seed)
        self.land = fr.land()
        self.cells = fr.town_polygons()
        self.towns = Towns(self.cells)
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
            where = self.where(admin_code)
            label = self.kind_label(category)
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
            point=point if point is not None else rep_point(geometry),
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

    def where(self, admin_code: str) -> str:
        """The name of the town, county or city an admin code lies in (for texts)."""
        t = self.towns.by_code.get(admin_code[:9])
        if t is not None:
            return t.name
        for c in fr.COUNTIES:
            if c.code6 == admin_code[:6]:
                return c.name
        return fr.CITY_NAME

    def kind_label(self, category: str) -> str:
        """The Chinese name of a category, for generated texts."""
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
                comm_area = cell.intersection(circle(sx, sy, 2500, 24)).intersection(land)
            if comm_area.is_empty:
                comm_area = circle(sx, sy, 800, 12).intersection(land)
            vil_area = cell.intersection(land).difference(urban_union)
            if vil_area.is_empty or vil_area.area < 1e-4:
                vil_area = cell.intersection(land)
            comm_pts = sample_in(comm_area, n_comm, self.np, min_dist_m=250)
            vil_pts = sample_in(vil_area, n_vil, self.np, min_dist_m=700)
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
        self.extra_settlements = sample_in(rural, n, self.np, min_dist_m=600)


def rep_point(g: BaseGeometry) -> Point:
    if isinstance(g, Point):
        return g
    if isinstance(g, LineString):
        return Point(g.coords[0])
    return g.representative_point()


__all__ = [
    "CompoundInfo",
    "DemandInfo",
    "DemoData",
    "FacilityInfo",
    "Generator",
    "HistoryInfo",
    "RoadInfo",
    "Towns",
    "circle",
    "metric_length",
    "offset",
    "rep_point",
    "sample_in",
]
