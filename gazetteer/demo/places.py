"""The place names of the demo: every subcategory, roads, compounds, facilities, history.

Counts are fixed (see :mod:`gazetteer.demo.generate`); natural villages (22200) fill the
total up to exactly 16,744 current names.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.facilities import add_facilities
from gazetteer.demo.figures import (
    COMPOUNDS,
    CURRENT_NAMES,
    FACILITY_COUNTS,
    GENERICS,
    LANDMARKS,
    PLAN,
)
from gazetteer.demo.history import add_census, add_history
from gazetteer.demo.network import MX, MY
from gazetteer.demo.roads import add_compounds, add_roads, road_sections
from gazetteer.demo.state import (
    Generator,
    circle,
    offset,
    sample_in,
)


def fill_places(g: Generator) -> None:
    """Every name of the demo, in the report's numbers (the last steps of a generation)."""
    d = g.data
    rng = g.rng
    g.grids()
    sections = road_sections(g)
    n_fac = sum(FACILITY_COUNTS.values())
    n_islands = len(g.land.islands)
    landmark_extra = 0  # landmarks count inside their subcategory's plan
    n_committees = sum(t.villages - t.communities for t in fr.TOWNS)
    fixed = (
        1
        + len(fr.COUNTIES)
        + len(fr.TOWNS)
        + sum(t.villages for t in fr.TOWNS)
        + sum(n for n, _ in PLAN.values())
        + n_islands
        + COMPOUNDS
        + len(sections)
        + n_fac
        + n_committees
        + landmark_extra
    )
    extra_villages = CURRENT_NAMES - fixed
    if extra_villages < 0:
        raise RuntimeError(f"demo plan exceeds {CURRENT_NAMES} names by {-extra_villages}")
    g.plan_extra_settlements(extra_villages)
    g.link()

    # administrative names
    city = d.admin[0]
    assert city.centre is not None and city.geometry is not None
    g.place(
        fr.CITY_NAME,
        "21300",
        fr.CITY_CODE,
        city.geometry,
        point=city.centre,
        year=1987,
        other_names=["威海"],
        text=(
            "取“威震海疆”之意。",
            "明洪武三十一年（1398年）为防倭寇设威海卫，取威震海疆之意，市以卫名。",
            "1945年建威海卫市，1950年改威海市，1987年升为地级市，辖环翠区、文登区、荣成市、乳山市。",
            "地级市，位于山东半岛东端，三面环海，是中国重要的沿海开放城市。",
        ),
    )
    for a in d.admin[1:]:
        if a.level > 4:
            break
        assert a.centre is not None and a.geometry is not None
        where = fr.CITY_NAME if a.level == 3 else g.where(a.parent_code or "")
        text = nm.generic_text(rng, a.name, a.kind or "行政区域", where, None)
        g.place(
            a.name,
            "21400" if a.level == 3 else "21500",
            a.code,
            a.geometry,
            point=a.centre,
            text=text,
        )
    # village committees, communities and the committees' own natural villages
    for code, base, x, y, urban in g.villages:
        t = g.towns.by_code[code[:9]]
        vt = nm.village_text(rng, base, t.name)
        g.place(
            base + ("社区居委会" if urban else "村委会"),
            "21620" if urban else "21610",
            code,
            Point(x, y),
            text=vt[:4],
            year=vt[4] if not urban else None,
        )
        if not urban:
            g.place(base, "22200", code, Point(x, y), text=vt[:4], year=vt[4], kind="village")
    # more natural villages
    for x, y in g.extra_settlements:
        t = g.towns.of(x, y)
        base = nm.unique(rng, nm.village_name, g.names_by_county[t.county6])
        vt = nm.village_text(rng, base, t.name)
        g.place(base, "22200", t.code, Point(x, y), text=vt[:4], year=vt[4], kind="village")

    add_landmarks_islands_and_plan(g)
    add_roads(g, sections)
    add_compounds(g)
    add_facilities(g)
    add_history(g)
    add_census(g)


def coast_points(g: Generator, n: int, outward_deg: float) -> list[tuple[float, float]]:
    ring = g.land.land.buffer(outward_deg).exterior
    return [
        (round(p.x, 6), round(p.y, 6))
        for p in (ring.interpolate(g.rng.random(), normalized=True) for _ in range(n))
    ]


def add_landmarks_islands_and_plan(g: Generator) -> None:
    """The well-known landmarks, the islands and every subcategory's planned names."""
    used = _landmarks(g)
    _islands(g)
    rng = g.rng
    bua_polys = [p for _, p in g.bua]
    bua_areas = np.array([p.area for p in bua_polys])
    village_pts = [(x, y) for _c, _b, x, y, urban in g.villages if not urban]
    for cat, (count, how) in PLAN.items():
        n = count - used.get(cat, 0)
        pts = _plan_points(g, how, n, bua_polys, bua_areas, village_pts)
        gens = GENERICS[cat]
        for x, y in pts:
            t = g.towns.of(x, y)
            name = _plan_name(g, cat, t, gens)
            geom = _plan_geometry(g, how, cat, x, y)
            year = rng.randint(1950, 2015) if cat[:2] in ("23", "26", "27", "24") else None
            g.place(name, cat, t.code, geom, point=Point(x, y), year=year)


def _landmarks(g: Generator) -> dict[str, int]:
    """The real landmarks; how many of each subcategory they are."""
    land = g.land.land
    used: dict[str, int] = {}
    for name, cat, lon, lat in LANDMARKS:
        x, y = (lon, lat) if cat in ("11100",) else fr.snap_to_land(lon, lat)
        if name == "甲午战争博物院":
            x, y = g.land.islands[0].point.x, g.land.islands[0].point.y
        t = g.towns.of(x, y)
        geom: BaseGeometry = Point(x, y)
        if cat in ("24230", "12200", "25200", "25300", "21780"):
            geom = circle(x, y, 900 if cat != "25200" else 300).intersection(land)
            if geom.is_empty:
                geom = Point(x, y)
        elif cat == "11100":
            geom = circle(x, y, 3000)
        elif cat == "12100":
            ex, ey = fr.snap_to_land(lon + 0.03, lat - 0.15)
            geom = LineString([(x, y), ((x + ex) / 2 + 0.01, (y + ey) / 2), (ex, ey)])
        g.place(name, cat, t.code, geom, point=Point(x, y), year=None)
        g.taken[t.county6].add(name)
        used[cat] = used.get(cat, 0) + 1
    return used


def _islands(g: Generator) -> None:
    """Well-known island names by nearest outline, the rest generated."""
    rng = g.rng
    names_left = list(fr.ISLAND_NAMES)
    for isl in g.land.islands:
        best = min(
            names_left,
            key=lambda n: (n[1] - isl.point.x) ** 2 + (n[2] - isl.point.y) ** 2,
            default=None,
        )
        if (
            best is not None
            and (best[1] - isl.point.x) ** 2 + (best[2] - isl.point.y) ** 2 < 0.03**2
        ):
            name = best[0]
            names_left.remove(best)
        else:
            name = nm.unique(
                rng,
                lambda r: nm.pick(r, nm.SURNAMES) + nm.pick(r, ("家", "")),
                g.taken["islands"],
                suffix="岛",
            )
        t = g.towns.of(isl.point.x, isl.point.y)
        g.place(name, "11500", t.code, isl.polygon, point=isl.point, kind="split")


def _plan_points(
    g: Generator,
    how: str,
    n: int,
    bua_polys: list[BaseGeometry],
    bua_areas: npt.NDArray[np.float64],
    village_pts: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """Where the ``n`` planned names of one subcategory lie."""
    rng = g.rng
    land = g.land.land
    if how == "urban" or how == "park":
        pts: list[tuple[float, float]] = []
        which = g.np.choice(len(bua_polys), size=n, p=bua_areas / bua_areas.sum())
        for k in range(len(bua_polys)):
            m = int((which == k).sum())
            pts.extend(sample_in(bua_polys[k], m, g.np))
    elif how in ("rural", "river", "pool", "zone", "highway"):
        pts = sample_in(land, n, g.np, min_dist_m=300)
    elif how == "village":
        pts = []
        for _ in range(n):
            vx, vy = village_pts[rng.randrange(len(village_pts))]
            pts.append(offset(vx, vy, rng, 80, 400))
    elif how == "coast":
        pts = [fr.snap_to_land(x, y, inset=0.002) for x, y in coast_points(g, n, -0.002)]
    else:  # sea
        pts = coast_points(g, n, 0.025)
    return pts


def _plan_name(g: Generator, cat: str, t: fr.Town, gens: tuple[str, ...]) -> str:
    """A new name of subcategory ``cat`` in town ``t`` (unique in its county)."""
    rng = g.rng
    scope = t.county6 + cat
    if cat in ("27100",):
        spec = t.name
        name = nm.unique(
            rng,
            lambda r: nm.pick(r, nm.GOOD_WORDS),
            g.taken[scope],
            suffix=nm.pick(rng, gens),
        )
        name = t.name + name if len(name) < 7 else name
    elif cat in ("21630",):
        vil = nm.pick(rng, [v[1] for v in g.villages if v[0][:9] == t.code9 and not v[4]] or ["新"])
        name = nm.unique(
            rng,
            lambda r, vil=vil: vil + "第" + "一二三四五六七八九十"[r.randrange(10)],
            g.taken[scope],
            suffix="村民小组",
        )
    elif cat in ("23213", "23214", "23210", "23310"):
        a = nm.pick(rng, [x.name[:2] for x in fr.TOWNS])
        b = nm.pick(rng, [x.name[:2] for x in fr.TOWNS])
        name = nm.unique(
            rng,
            lambda r, a=a: a + nm.pick(r, ("", "")) + nm.pick(r, [x.name[:2] for x in fr.TOWNS]),
            g.taken[scope],
            suffix=nm.pick(rng, gens),
        )
        del b
    elif cat in ("27300", "27400", "27200", "26100", "23530", "23540"):
        spec = (
            nm.pick(rng, nm.GOOD_WORDS)
            if rng.random() < 0.6
            else t.name[:2] + nm.pick(rng, nm.GOOD_WORDS)
        )
        name = nm.unique(
            rng,
            lambda r, s=spec: (
                s if r.random() < 0.5 else nm.pick(r, nm.GOOD_WORDS) + nm.pick(r, nm.NATURE)
            ),
            g.taken[scope],
            suffix=nm.pick(rng, gens),
        )
    else:
        name = nm.unique(
            rng,
            lambda r: (
                nm.pick(r, nm.DIRS) + nm.pick(r, nm.NATURE)
                if r.random() < 0.4
                else nm.pick(r, nm.SURNAMES) + nm.pick(r, ("家", "")) + nm.pick(r, nm.NATURE)
                if r.random() < 0.5
                else nm.pick(r, nm.GOOD_WORDS)
            ),
            g.taken[scope],
            suffix=nm.pick(rng, gens),
        )
    return name


def _plan_geometry(g: Generator, how: str, cat: str, x: float, y: float) -> BaseGeometry:
    """The shape of a planned name at (x, y)."""
    rng = g.rng
    land = g.land.land
    geom = Point(x, y)
    if how in ("pool", "zone", "park"):
        r_m = {"pool": 350, "zone": 800, "park": 200}[how]
        poly = circle(x, y, r_m * rng.uniform(0.6, 1.4), 12)
        geom = poly if how != "pool" else poly.intersection(land)
        if geom.is_empty or not isinstance(geom, Polygon):
            geom = Point(x, y)
    elif how == "sea":
        geom = circle(x, y, 1500 if cat == "11100" else 200, 12)
    elif how in ("river", "highway"):
        length = 4000 if how == "river" else 15000
        ang = rng.uniform(0, 2 * np.pi)
        ex, ey = x + length * np.cos(ang) / MX, y + length * np.sin(ang) / MY
        ex, ey = fr.snap_to_land(ex, ey)
        mid = (
            (x + ex) / 2 + rng.uniform(-0.005, 0.005),
            (y + ey) / 2 + rng.uniform(-0.005, 0.005),
        )
        geom = LineString([(x, y), mid, (ex, ey)])
    return geom


__all__ = ["add_landmarks_islands_and_plan", "coast_points", "fill_places"]
