"""The demo's named roads (sections of the street grids) and residential compounds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from gazetteer.demo import names as nm
from gazetteer.demo.figures import (
    COMPOUNDS,
    COMPOUNDS_NAMED,
    ROADS_ADJUSTED,
    ROADS_NAMED,
)
from gazetteer.demo.network import MX, MY, GridLine
from gazetteer.demo.state import (
    CompoundInfo,
    Generator,
    HistoryInfo,
    RoadInfo,
    metric_length,
)
from gazetteer.model import (
    ChangeReason,
    RoadClass,
)
from gazetteer.text import pinyin_key

MAX_ROAD_NODES = 18  # longer grid lines are split into named sections (~2.3 km)
GRADE = {RoadClass.PRIMARY: "主干路", RoadClass.SECONDARY: "次干路", RoadClass.RESIDENTIAL: "支路"}
WIDTH = {RoadClass.PRIMARY: (36, 50), RoadClass.SECONDARY: (20, 30), RoadClass.RESIDENTIAL: (9, 16)}


def road_sections(g: Generator) -> list[tuple[GridLine, list[int], int, int]]:
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


def edge_class(g: Generator) -> dict[tuple[int, int], RoadClass]:
    net = g.data.network
    return {(min(a, b), max(a, b)): c for a, b, c in zip(net.src, net.dst, net.cls, strict=True)}


def add_roads(g: Generator, sections: list[tuple[GridLine, list[int], int, int]]) -> None:
    rng = g.rng
    d = g.data
    net = d.network
    classes = edge_class(g)
    # names: unique (also by sound) within each built-up area / town-seat grid
    line_spec: dict[tuple[int, bool, int], str] = {}
    sound: dict[int, set[str]] = {}
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
        start = crossing(
            net, nodes[0], line.horizontal, node_roads, name, "西" if line.horizontal else "南"
        )
        end = crossing(
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
                length_m=metric_length(geom),
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


def crossing(
    net: object, node: int, horizontal: bool, node_roads: dict[int, list[str]], own: str, side: str
) -> str:
    others = [n for n in node_roads.get(node, []) if n != own]
    if others:
        return others[0]
    return f"{own}{side}端城区边缘"


def add_compounds(g: Generator) -> None:
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
    seat_compounds = [i for i, a in indices if a in (0, 1, 2, 3)]
    for idx in rng.sample(seat_compounds, COMPOUNDS_NAMED):
        p = d.places[idx]
        year = rng.randint(2016, 2020)
        p.established_year = year
        p.origin = (
            f"{year}年新建居住小区，经{g.where(p.admin_code)}地名主管部门审批命名为{p.name}。"
        )
        p.history = f"{year}年命名并公告。"
        p.created_at = p.updated_at = datetime(
            year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=UTC
        )
        d.compounds_named.append(idx)


__all__ = [
    "GRADE",
    "MAX_ROAD_NODES",
    "WIDTH",
    "add_compounds",
    "add_roads",
    "crossing",
    "edge_class",
    "road_sections",
]
