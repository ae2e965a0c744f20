"""The place names of the demo: every subcategory, roads, compounds, facilities, history.

Counts are fixed (see :mod:`gazetteer.demo.generate`); natural villages (22200) fill the
total up to exactly 16,744 current names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.generate import (
    ADDED,
    CANTEEN_MODES,
    CIVIL_AFFAIRS_SITES,
    COMPOUNDS,
    COMPOUNDS_NAMED,
    CURRENT_NAMES,
    ELDERCARE_MODES,
    FACILITY_COUNTS,
    GENERICS,
    HISTORICAL_NAMES,
    HISTORICAL_REAL,
    LANDMARKS,
    PLAN,
    ROADS_ADJUSTED,
    ROADS_NAMED,
    STANDARDISED,
    TABLE_MODES,
    CompoundInfo,
    FacilityInfo,
    HistoryInfo,
    RoadInfo,
    _circle,
    _Gen,
    _metric_length,
    _offset,
    _sample_in,
)
from gazetteer.demo.network import MX, MY
from gazetteer.model import (
    FACILITY_TYPE_NAMES,
    CensusStatus,
    ChangeReason,
    Facility,
    FacilityType,
    PlaceStatus,
    RoadClass,
)

if TYPE_CHECKING:
    from gazetteer.demo.network import GridLine

from datetime import date

MAX_ROAD_NODES = 18  # longer grid lines are split into named sections (~2.3 km)
GRADE = {RoadClass.PRIMARY: "主干路", RoadClass.SECONDARY: "次干路", RoadClass.RESIDENTIAL: "支路"}
WIDTH = {RoadClass.PRIMARY: (36, 50), RoadClass.SECONDARY: (20, 30), RoadClass.RESIDENTIAL: (9, 16)}


def _road_sections(g: _Gen) -> list[tuple[GridLine, list[int], int, int]]:
    """Grid lines cut into named sections: (line, nodes, section index, sections)."""
    out = []
    for line in g.data.network.lines:
        if len(line.nodes) < 3:
            continue
        k = max(1, int(np.ceil(len(line.nodes) / MAX_ROAD_NODES)))
        size = int(np.ceil(len(line.nodes) / k))
        for s in range(k):
            part = line.nodes[s * size : (s + 1) * size + 1]
            if len(part) >= 2:
                out.append((line, part, s, k))
    return out


def _edge_class(g: _Gen) -> dict[tuple[int, int], RoadClass]:
    net = g.data.network
    return {(min(a, b), max(a, b)): c for a, b, c in zip(net.src, net.dst, net.cls, strict=True)}


def fill_places(g: _Gen) -> None:
    d = g.data
    rng = g.rng
    g.grids()
    sections = _road_sections(g)
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
        where = fr.CITY_NAME if a.level == 3 else g._where(a.parent_code or "")
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

    _landmarks_islands_and_plan(g)
    _roads(g, sections)
    _compounds(g)
    _facilities(g)
    _history(g)
    _census(g)


def _coast_points(g: _Gen, n: int, outward_deg: float) -> list[tuple[float, float]]:
    ring = g.land.land.buffer(outward_deg).exterior
    return [
        (round(p.x, 6), round(p.y, 6))
        for p in (ring.interpolate(g.rng.random(), normalized=True) for _ in range(n))
    ]


def _landmarks_islands_and_plan(g: _Gen) -> None:
    rng = g.rng
    land = g.land.land
    used: dict[str, int] = {}
    for name, cat, lon, lat in LANDMARKS:
        x, y = (lon, lat) if cat in ("11100",) else fr.snap_to_land(lon, lat)
        if name == "甲午战争博物院":
            x, y = g.land.islands[0].point.x, g.land.islands[0].point.y
        t = g.towns.of(x, y)
        geom: BaseGeometry = Point(x, y)
        if cat in ("24230", "12200", "25200", "25300", "21780"):
            geom = _circle(x, y, 900 if cat != "25200" else 300).intersection(land)
            if geom.is_empty:
                geom = Point(x, y)
        elif cat == "11100":
            geom = _circle(x, y, 3000)
        elif cat == "12100":
            ex, ey = fr.snap_to_land(lon + 0.03, lat - 0.15)
            geom = LineString([(x, y), ((x + ex) / 2 + 0.01, (y + ey) / 2), (ex, ey)])
        g.place(name, cat, t.code, geom, point=Point(x, y), year=None)
        g.taken[t.county6].add(name)
        used[cat] = used.get(cat, 0) + 1
    # islands: well-known names by nearest outline, the rest generated
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
    bua_polys = [p for _, p in g.bua]
    bua_areas = np.array([p.area for p in bua_polys])
    village_pts = [(x, y) for _c, _b, x, y, urban in g.villages if not urban]
    for cat, (count, how) in PLAN.items():
        n = count - used.get(cat, 0)
        if how == "urban" or how == "park":
            pts: list[tuple[float, float]] = []
            which = g.np.choice(len(bua_polys), size=n, p=bua_areas / bua_areas.sum())
            for k in range(len(bua_polys)):
                m = int((which == k).sum())
                pts.extend(_sample_in(bua_polys[k], m, g.np))
        elif how in ("rural", "river", "pool", "zone", "highway"):
            pts = _sample_in(land, n, g.np, min_dist_m=300)
        elif how == "village":
            pts = []
            for _ in range(n):
                vx, vy = village_pts[rng.randrange(len(village_pts))]
                pts.append(_offset(vx, vy, rng, 80, 400))
        elif how == "coast":
            pts = [fr.snap_to_land(x, y, inset=0.002) for x, y in _coast_points(g, n, -0.002)]
        else:  # sea
            pts = _coast_points(g, n, 0.025)
        gens = GENERICS[cat]
        for x, y in pts:
            t = g.towns.of(x, y)
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
                vil = nm.pick(
                    rng, [v[1] for v in g.villages if v[0][:9] == t.code9 and not v[4]] or ["新"]
                )
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
                    lambda r, a=a: (
                        a + nm.pick(r, ("", "")) + nm.pick(r, [x.name[:2] for x in fr.TOWNS])
                    ),
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
                        else nm.pick(r, nm.SURNAMES)
                        + nm.pick(r, ("家", ""))
                        + nm.pick(r, nm.NATURE)
                        if r.random() < 0.5
                        else nm.pick(r, nm.GOOD_WORDS)
                    ),
                    g.taken[scope],
                    suffix=nm.pick(rng, gens),
                )
            geom = Point(x, y)
            if how in ("pool", "zone", "park"):
                r_m = {"pool": 350, "zone": 800, "park": 200}[how]
                poly = _circle(x, y, r_m * rng.uniform(0.6, 1.4), 12)
                geom = poly if how != "pool" else poly.intersection(land)
                if geom.is_empty or not isinstance(geom, Polygon):
                    geom = Point(x, y)
            elif how == "sea":
                geom = _circle(x, y, 1500 if cat == "11100" else 200, 12)
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
            year = rng.randint(1950, 2015) if cat[:2] in ("23", "26", "27", "24") else None
            g.place(name, cat, t.code, geom, point=Point(x, y), year=year)


def _roads(g: _Gen, sections: list[tuple[GridLine, list[int], int, int]]) -> None:
    rng = g.rng
    d = g.data
    net = d.network
    classes = _edge_class(g)
    # names: unique (also by sound) within each built-up area / town-seat grid
    line_spec: dict[tuple[int, bool, int], str] = {}
    sound: dict[int, set[str]] = {}
    from gazetteer.text import pinyin_key

    node_roads: dict[int, list[str]] = {}
    planned = []
    for line, nodes, s, k in sections:
        key = (line.area, line.horizontal, line.index)
        if key not in line_spec:
            taken = sound.setdefault(line.area, set())
            for _ in range(200):
                spec = nm.road_specific(rng)
                pk = pinyin_key(spec)
                if pk not in taken:
                    taken.add(pk)
                    break
            line_spec[key] = spec
        spec = line_spec[key]
        cls = classes.get((min(nodes[0], nodes[1]), max(nodes[0], nodes[1])), RoadClass.RESIDENTIAL)
        if k == 1:
            generic = (
                "大道"
                if cls is RoadClass.PRIMARY and rng.random() < 0.3
                else (
                    "路"
                    if cls is not RoadClass.RESIDENTIAL
                    else nm.pick(rng, ("路", "街", "街", "巷"))
                )
            )
        else:
            sides = ("西", "中", "东") if line.horizontal else ("南", "中", "北")
            idx = 0 if s == 0 else (2 if s == k - 1 else 1)
            generic = sides[idx] + ("路" if cls is not RoadClass.RESIDENTIAL else "街")
        name = spec + generic
        if k > 3 and 0 < s < k - 1:
            name = f"{spec}中{'路' if cls is not RoadClass.RESIDENTIAL else '街'}{s}段"
        planned.append((line, nodes, cls, name))
        for nid in (nodes[0], nodes[-1]):
            node_roads.setdefault(nid, []).append(name)
    # make section names unique where the "中" sections would repeat
    seen: dict[tuple[int, str], int] = {}
    final = []
    for line, nodes, cls, name in planned:
        key2 = (line.area, name)
        seen[key2] = seen.get(key2, 0) + 1
        if seen[key2] > 1:
            name = (
                name[:-1] + f"{seen[key2]}段" if name.endswith("段") else name + f"{seen[key2]}段"
            )
        final.append((line, nodes, cls, name))
    for line, nodes, cls, name in final:
        coords = [(net.lon[n], net.lat[n]) for n in nodes]
        geom = LineString(coords)
        t = g.towns.of(*coords[len(coords) // 2])
        start = _crossing(
            net, nodes[0], line.horizontal, node_roads, name, "西" if line.horizontal else "南"
        )
        end = _crossing(
            net, nodes[-1], line.horizontal, node_roads, name, "东" if line.horizontal else "北"
        )
        year = rng.randint(1958, 2015)
        text = (
            nm.pick(
                rng,
                (
                    f"以“{name[:2]}”命名，寓意美好。",
                    f"取“{name[:2]}”之义，体现城市风貌。",
                    "因道路走向及所在片区得名。",
                ),
            ),
            f"{year}年建成通车，经城市道路命名审批定名为{name}。",
            nm.pick(
                rng,
                (
                    f"{year}年始建，{rng.randint(2000, 2015)}年拓宽改造。",
                    f"{year}年建成，名称沿用至今。",
                ),
            ),
            f"城市道路，起于{start}，止于{end}，沿线有居住小区、商业网点和公共设施。",
        )
        idx = g.place(
            name, "23510", t.code, geom, point=Point(coords[len(coords) // 2]), year=year, text=text
        )
        wl, wh = WIDTH.get(cls, (9, 16))
        if name.endswith("巷"):
            wl, wh = 5, 8
        d.roads.append(
            RoadInfo(
                place=idx,
                start_desc=start,
                end_desc=end,
                length_m=_metric_length(geom),
                width_m=float(rng.randint(wl, wh)),
                grade=GRADE.get(cls, "支路"),
            )
        )
        g.road_area[idx] = line.area
    # 83 roads named in 2016–2020 and 17 adjusted, in the four county-seat built-up areas
    county_seat = [r for r in d.roads if g.road_area[r.place] in (0, 1, 2, 3)]
    picks = rng.sample(range(len(county_seat)), ROADS_NAMED + ROADS_ADJUSTED)
    for j in picks[:ROADS_NAMED]:
        r = county_seat[j]
        p = d.places[r.place]
        year = rng.randint(2016, 2020)
        p.established_year = year
        p.origin = f"{year}年新建道路，经市人民政府批准命名为{p.name}，并向社会公告。"
        p.history = f"{year}年命名，命名前为规划道路，无正式名称。"
        from datetime import UTC, datetime

        p.created_at = p.updated_at = datetime(
            year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=UTC
        )
        d.roads_named.append(r.place)
    for j in picks[ROADS_NAMED:]:
        r = county_seat[j]
        p = d.places[r.place]
        coords = list(p.geometry.coords)
        cut = max(1, min(len(coords) - 2, rng.randint(1, 3)))
        old = LineString(coords[:-cut])
        old_end = f"{p.name}{rng.randint(1, 99) * 10}号附近"
        year = rng.randint(2016, 2020)
        d.history.append(
            HistoryInfo(
                place=r.place,
                name=p.name,
                valid_from=date(rng.randint(1990, 2010), 1, 1),
                valid_to=date(year, rng.randint(1, 12), rng.randint(1, 28)),
                reason=ChangeReason.ADJUSTMENT,
                geometry=old,
                note=f"原起点：{r.start_desc}；原止点：{old_end}。{year}年道路延伸，调整起止点。",
            )
        )
        p.history += (
            f"{year}年道路向{'东' if True else ''}延伸，止点由{old_end}调整为{r.end_desc}。"
        )
        p.version = 2
        d.roads_adjusted.append(r.place)


def _crossing(
    net: object, node: int, horizontal: bool, node_roads: dict[int, list[str]], own: str, side: str
) -> str:
    others = [n for n in node_roads.get(node, []) if n != own]
    if others:
        return others[0]
    return f"{own}{side}端城区边缘"


def _compounds(g: _Gen) -> None:
    rng = g.rng
    d = g.data
    net = d.network
    # blocks: urban grid nodes of the built-up areas; the compound is the block north-east
    urban_nodes = [
        n for line in net.lines if line.area >= 0 and line.horizontal for n in line.nodes
    ]
    urban_nodes = sorted(set(urban_nodes))
    chosen = rng.sample(urban_nodes, COMPOUNDS)
    area_of = {n: line.area for line in net.lines if line.area >= 0 for n in line.nodes}
    taken: dict[int, set[str]] = {}
    indices = []
    for n in chosen:
        x, y = net.lon[n], net.lat[n]
        dx, dy = 15 / MX, 15 / MY
        bx, by = 100 / MX, 100 / MY
        poly = Polygon(
            [
                (x + dx, y + dy),
                (x + dx + bx, y + dy),
                (x + dx + bx, y + dy + by),
                (x + dx, y + dy + by),
            ]
        )
        poly = shapely.set_precision(poly, 1e-6)
        t = g.towns.of(x + dx + bx / 2, y + dy + by / 2)
        spec, gen = nm.compound_name(rng)
        scope = taken.setdefault(area_of[n], set())
        name = spec + gen
        k = 2
        while name in scope:
            spec, gen = nm.compound_name(rng)
            name = spec + gen
            k += 1
            if k > 50:
                name = f"{spec}{k}期{gen}"
        scope.add(name)
        year = rng.randint(1985, 2015)
        dev = nm.pick(rng, nm.DEVELOPERS)
        households = rng.randint(120, 2600)
        text = (
            nm.pick(
                rng,
                (
                    f"取“{spec[:2]}”之意，寓意居住环境优美、生活幸福。",
                    f"以“{spec[:2]}”命名，表达美好愿景。",
                ),
            ),
            f"{year}年由{dev}开发建设，经地名主管部门审核命名为{name}。",
            f"{year}年动工，{year + rng.randint(1, 3)}年交付使用。",
            f"居住小区，{households}户，"
            f"建筑面积约{households * rng.randint(80, 120)}平方米，配套设施齐全。",
        )
        idx = g.place(
            name,
            "22110",
            t.code,
            poly,
            point=Point(x + dx + bx / 2, y + dy + by / 2),
            year=year,
            text=text,
        )
        d.compounds.append(
            CompoundInfo(
                place=idx,
                households=households,
                floor_area_m2=float(households * rng.randint(80, 120)),
                developer=dev,
            )
        )
        indices.append((idx, area_of[n]))
    from datetime import UTC, datetime

    seat_compounds = [i for i, a in indices if a in (0, 1, 2, 3)]
    for idx in rng.sample(seat_compounds, COMPOUNDS_NAMED):
        p = d.places[idx]
        year = rng.randint(2016, 2020)
        p.established_year = year
        p.origin = (
            f"{year}年新建居住小区，经{g._where(p.admin_code)}地名主管部门审批命名为{p.name}。"
        )
        p.history = f"{year}年命名并公告。"
        p.created_at = p.updated_at = datetime(
            year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=UTC
        )
        d.compounds_named.append(idx)


def _facilities(g: _Gen) -> None:
    rng = g.rng
    d = g.data
    urban = [(c, b, x, y) for c, b, x, y, u in g.villages if u]
    rural = [(c, b, x, y) for c, b, x, y, u in g.villages if not u]
    rural_towns = sorted({c[:9] for c, *_ in rural})
    # leave some towns without rural facilities so the 15-minute analysis finds gaps
    gap_towns = set(rng.sample(rural_towns, max(1, len(rural_towns) // 7)))
    served_rural = [v for v in rural if v[0][:9] not in gap_towns]
    pop = {dm.code: dm.population for dm in d.demand}
    counters: dict[str, int] = {}

    def add(
        ft: FacilityType, anchor: tuple[str, str, float, float], name: str, **kw: object
    ) -> None:
        code, base, x, y = anchor
        fx, fy = _offset(x, y, rng, 30, 140)
        town = code[:9] + "000"
        year = int(kw.pop("year", rng.randint(2008, 2020)))  # type: ignore[call-overload]
        counters[ft] = counters.get(ft, 0) + 1
        f = Facility(
            name=name,
            type=ft,
            admin_code=town,
            point=Point(fx, fy),
            code=f"MZ{code[:6]}{list(FACILITY_COUNTS).index(ft):02d}{counters[ft]:05d}",
            opened_year=year,
            **kw,  # type: ignore[arg-type]
        )
        cat = "27600" if ft in CIVIL_AFFAIRS_SITES else "27610"
        label = FACILITY_TYPE_NAMES[ft]
        text = (
            f"以所在地名和设施功能命名，为{label}。",
            f"{year}年建成投入使用，由{f.operator or '当地民政部门'}运营。",
            f"{year}年设立，{rng.randint(max(year, 2010), 2021)}年提升改造。",
            f"{label}，位于{base}，"
            + (f"床位{f.beds}张，" if f.beds else "")
            + (f"建筑面积{f.floor_area_m2:.0f}平方米，" if f.floor_area_m2 else "")
            + "服务周边老年人及困难群众。",
        )
        idx = g.place(name, cat, town, Point(fx, fy), year=year, text=text)
        d.facilities.append(FacilityInfo(facility=f, place=idx))

    # eldercare institutions: 158, beds summing to just over 35,000
    raw = [
        rng.lognormvariate(np.log(200), 0.5)
        for _ in range(FACILITY_COUNTS[FacilityType.ELDERCARE_INSTITUTION])
    ]
    scale = 35_400 / sum(raw)
    beds = [max(30, int(b * scale)) for b in raw]
    anchors = rng.sample(urban, 90) + rng.sample(served_rural, 68)
    for b, a in zip(beds, anchors, strict=True):
        word = nm.pick(rng, ("颐养院", "养老院", "老年公寓", "护理院", "敬老院", "康养中心"))
        add(
            FacilityType.ELDERCARE_INSTITUTION,
            a,
            f"{a[1]}{word}",
            beds=b,
            capacity=b,
            floor_area_m2=float(b * rng.randint(30, 45)),
            operator=nm.pick(rng, ELDERCARE_MODES),
            mode=nm.pick(rng, ELDERCARE_MODES),
            level="county",
        )
    rural_seats = [t for t in fr.TOWNS if not t.is_subdistrict]
    for t in rng.sample(rural_seats, 14):
        x, y = g.seats[t.code9]
        add(
            FacilityType.REGIONAL_ELDERCARE_CENTRE,
            (t.code9 + "000", t.name, x, y),
            f"{t.name}区域性养老服务中心",
            beds=rng.randint(80, 220),
            floor_area_m2=float(rng.randint(2000, 6000)),
            operator="公建民营",
            mode="公建民营",
            level="town",
        )
    for t in rng.sample(list(fr.TOWNS), 19):
        x, y = g.seats[t.code9]
        add(
            FacilityType.TOWN_ELDERCARE_CENTRE,
            (t.code9 + "000", t.name, x, y),
            f"{t.name}养老服务中心",
            beds=rng.randint(30, 80),
            floor_area_m2=float(rng.randint(1000, 2500)),
            operator="公建民营",
            mode="公建民营",
            level="town",
        )
    for a in rng.sample(urban, 40):
        add(
            FacilityType.COMMUNITY_ELDERCARE_CENTRE,
            a,
            f"{a[1]}社区养老服务中心",
            capacity=rng.randint(40, 120),
            floor_area_m2=float(rng.randint(500, 1500)),
            operator="社会组织运营",
            mode="社区嵌入式",
            level="community",
        )
    for a in rng.sample(urban, 287):
        add(
            FacilityType.DAY_CARE_CENTRE,
            a,
            f"{a[1]}社区日间照料中心",
            capacity=rng.randint(20, 60),
            floor_area_m2=float(rng.randint(200, 800)),
            operator="社区居委会",
            mode="日间照料",
            level="community",
        )
    for a in rng.sample(served_rural, 430):
        add(
            FacilityType.RURAL_HAPPINESS_HOME,
            a,
            f"{a[1]}农村幸福院",
            capacity=rng.randint(10, 40),
            floor_area_m2=float(rng.randint(120, 500)),
            operator="村集体",
            mode="互助养老",
            level="village",
        )
    for a in rng.sample(urban, 72):
        add(
            FacilityType.HOME_CARE_ORGANISATION,
            a,
            f"{a[1]}{nm.pick(rng, ('居家养老服务中心', '居家养老服务站'))}",
            capacity=rng.randint(50, 400),
            floor_area_m2=float(rng.randint(100, 600)),
            operator="社会组织运营",
            mode="居家上门",
            level="community",
        )
    by_pop = sorted(urban, key=lambda a: (-pop[a[0]], a[0]))
    for a in by_pop[:46]:
        area = float(
            rng.choice((rng.randint(150, 500), rng.randint(500, 1000), rng.randint(1000, 1600)))
        )
        add(
            FacilityType.COMMUNITY_CANTEEN,
            a,
            f"{a[1]}社区食堂",
            capacity=rng.randint(60, 300),
            floor_area_m2=area,
            operator="社会化运营",
            mode=nm.pick(rng, CANTEEN_MODES),
            level="community",
        )
    meal_anchor = rng.sample(urban, 250) + rng.sample(served_rural, 203)
    for a in meal_anchor:
        add(
            FacilityType.ELDERLY_MEAL_POINT,
            a,
            f"{a[1]}老年助餐点",
            capacity=rng.randint(15, 80),
            floor_area_m2=float(rng.randint(60, 300)),
            operator="社区/村居",
            mode=nm.pick(rng, CANTEEN_MODES),
            level="community",
        )
    for a in rng.sample(served_rural, 120):
        add(
            FacilityType.RURAL_ELDERLY_TABLE,
            a,
            f"{a[1]}农村老年餐桌",
            capacity=rng.randint(10, 40),
            floor_area_m2=float(rng.randint(40, 200)),
            operator="村集体",
            mode=nm.pick(rng, TABLE_MODES),
            level="village",
        )
    # city and county civil-affairs sites
    seats = {
        "371000": "371002001",
        "371002": "371002100",
        "371003": "371003001",
        "371082": "371082007",
        "371083": "371083001",
    }
    names = {
        "371000": "威海市",
        "371002": "环翠区",
        "371003": "文登区",
        "371082": "荣成市",
        "371083": "乳山市",
    }
    for c6, town9 in seats.items():
        x, y = g.seats[town9]
        ax, ay = _offset(x, y, rng, 1500, 3000)
        ax, ay = fr.snap_to_land(ax, ay)
        d2 = [(v[2] - ax) ** 2 + (v[3] - ay) ** 2 for v in rural]
        near = rural[d2.index(min(d2))]
        add(
            FacilityType.PUBLIC_CEMETERY,
            near,
            f"{names[c6]}{'公益性公墓' if c6 != '371000' else '福寿园公益性公墓'}",
            capacity=rng.randint(5000, 30000),
            floor_area_m2=float(rng.randint(30000, 120000)),
            operator=f"{names[c6]}民政局",
            mode="节地生态安葬",
            level="city" if c6 == "371000" else "county",
        )
        anchor = (town9 + "000", names[c6], x, y)
        if c6 != "371000":
            add(
                FacilityType.FUNERAL_HOME,
                near,
                f"{names[c6]}殡仪馆",
                capacity=rng.randint(20, 60),
                floor_area_m2=float(rng.randint(3000, 9000)),
                operator=f"{names[c6]}民政局",
                mode="公办",
                level="county",
            )
            add(
                FacilityType.MARRIAGE_REGISTRY,
                anchor,
                f"{names[c6]}婚姻登记处",
                floor_area_m2=float(rng.randint(300, 900)),
                operator=f"{names[c6]}民政局",
                mode="公办",
                level="county",
            )
        add(
            FacilityType.SOCIAL_ASSISTANCE_CENTRE,
            anchor,
            f"{names[c6]}社会救助服务中心",
            floor_area_m2=float(rng.randint(300, 1200)),
            operator=f"{names[c6]}民政局",
            mode="公办",
            level="city" if c6 == "371000" else "county",
        )
    for ft, n in FACILITY_COUNTS.items():
        assert counters.get(ft, 0) == n, (ft, counters.get(ft))


# Historical names whose unit lives on under a new name (renamed, not abolished).
HISTORICAL_SUCCESSORS: dict[str, str] = {
    "威海卫": "威海市",
    "文登县": "文登区",
    "文登市": "文登区",
    "荣成县": "荣成市",
    "乳山县": "乳山市",
    "崖头镇": "崖头街道",
}


def _history(g: _Gen) -> None:
    rng = g.rng
    land = g.land.land
    for name, cat, lon, lat, est, abol, note in HISTORICAL_REAL:
        x, y = fr.snap_to_land(lon, lat)
        t = g.towns.of(x, y)
        admin = (
            t.code if cat == "21500" else (t.county6 + "000000" if cat == "21400" else fr.CITY_CODE)
        )
        text = (
            f"历史地名，{note}",
            f"{est}年设立。",
            note,
            f"已撤销（{abol}年），原驻地位于今{t.name}境内。",
        )
        g.place(
            name,
            cat,
            admin,
            Point(x, y),
            text=text,
            year=est,
            status=PlaceStatus.HISTORICAL,
            abolished=abol,
        )
        successor = HISTORICAL_SUCCESSORS.get(name)
        if successor is not None:
            # The renamed unit keeps the old name in its history, so a search for the old
            # name reaches the current place as a former name (not only the record).
            target = next(
                i
                for i, p in enumerate(g.data.places)
                if p.name == successor and p.status is PlaceStatus.CURRENT
            )
            g.data.history.append(
                HistoryInfo(
                    place=target,
                    name=name,
                    valid_from=date(est, 1, 1),
                    valid_to=date(abol, 1, 1),
                    reason=ChangeReason.RENAMING,
                    note=note,
                )
            )
    n = HISTORICAL_NAMES - len(HISTORICAL_REAL)
    rural = [v for v in g.villages if not v[4]]
    for _ in range(n):
        code, base, x, y, _u = rural[rng.randrange(len(rural))]
        t = g.towns.by_code[code[:9]]
        old = nm.unique(rng, nm.village_name, g.names_by_county[t.county6])
        px, py = _offset(x, y, rng, 300, 900)
        if not shapely.contains_xy(land, px, py):
            px, py = x, y
        abol = rng.randint(1995, 2017)
        vt = nm.village_text(rng, old, t.name)
        g.place(
            old,
            "22200",
            code,
            Point(px, py),
            text=(
                vt[0],
                vt[1],
                vt[2] + f"{abol}年并入{base}，原村名不再使用。",
                f"历史地名，原为{t.name}所辖自然村，{abol}年因村庄合并撤销。",
            ),
            year=vt[4],
            status=PlaceStatus.HISTORICAL,
            abolished=abol,
            kind="village",
        )


STANDARD_FORMER_COMPOUND = (
    "维多利亚花园",
    "曼哈顿国际公寓",
    "帝豪皇家御苑",
    "巴黎春天小区",
    "威尼斯水城",
    "加州阳光花园",
    "罗马假日公寓",
    "普罗旺斯庄园",
    "宇宙中心大厦",
    "环球至尊花园",
)


def _census(g: _Gen) -> None:
    """Census status: 75 standardised (with the former name kept), 5,093 added."""
    rng = g.rng
    d = g.data
    current = [i for i, p in enumerate(d.places) if p.status is PlaceStatus.CURRENT]
    special = set(d.roads_named) | set(d.roads_adjusted) | set(d.compounds_named)
    villages = [i for i in current if d.places[i].category_code == "22200"]
    compounds = [i for i in current if d.places[i].category_code == "22110" and i not in special]
    roads = [i for i in current if d.places[i].category_code == "23510" and i not in special]
    std = rng.sample(villages, 30) + rng.sample(compounds, 25) + rng.sample(roads, 20)
    assert len(std) == STANDARDISED
    for i in std:
        p = d.places[i]
        if p.category_code == "22200":
            former = p.name + "村" if not p.name.endswith("村") else p.name[:-1] + "庄村"
            why = "通名重叠"
        elif p.category_code == "22110":
            former = nm.pick(rng, STANDARD_FORMER_COMPOUND)
            why = "含有外国地名或夸大用语"
        else:
            former = p.name[:-1] + ("街" if p.name.endswith("路") else "路") + "（俗称）"
            why = "俗称与标准名称不一致"
        valid_to = date(rng.randint(2015, 2018), rng.randint(1, 12), rng.randint(1, 28))
        p.census_status = CensusStatus.STANDARDISED
        p.other_names = [former]
        p.history += f"第二次全国地名普查中由“{former}”标准化为“{p.name}”。"
        p.version = max(p.version, 1) + 1
        d.history.append(
            HistoryInfo(
                place=i,
                name=former,
                valid_from=date(rng.randint(1980, 2010), 1, 1),
                valid_to=valid_to,
                reason=ChangeReason.STANDARDISATION,
                note=f"不规范地名（{why}），{valid_to.year}年地名普查中标准化处理。",
            )
        )
    added = list(special)
    fac_places = [f.place for f in d.facilities]
    added += fac_places
    taken = set(added) | set(std)
    pool_cats = (
        "22110",
        "23530",
        "23540",
        "26100",
        "26310",
        "26500",
        "27300",
        "27400",
        "27200",
        "25200",
        "23510",
        "21770",
        "22100",
        "24600",
        "24700",
        "23610",
    )
    pool = [i for i in current if d.places[i].category_code in pool_cats and i not in taken]
    rng.shuffle(pool)
    need = ADDED - len(added)
    added += pool[:need]
    assert len(added) == ADDED, len(added)
    for i in added:
        d.places[i].census_status = CensusStatus.ADDED
