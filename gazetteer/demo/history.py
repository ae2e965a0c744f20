"""The demo's name history (former names, standardised names) and census statuses."""

from __future__ import annotations

from datetime import date

import shapely
from shapely.geometry import Point

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.figures import (
    ADDED,
    HISTORICAL_NAMES,
    HISTORICAL_REAL,
    STANDARDISED,
)
from gazetteer.demo.state import (
    Generator,
    HistoryInfo,
    offset,
)
from gazetteer.model import (
    CensusStatus,
    ChangeReason,
    PlaceStatus,
)

HISTORICAL_SUCCESSORS: dict[str, str] = {
    "威海卫": "威海市",
    "文登县": "文登区",
    "文登市": "文登区",
    "荣成县": "荣成市",
    "乳山县": "乳山市",
    "崖头镇": "崖头街道",
}


def add_history(g: Generator) -> None:
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
        px, py = offset(x, y, rng, 300, 900)
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


def add_census(g: Generator) -> None:
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


__all__ = ["HISTORICAL_SUCCESSORS", "STANDARD_FORMER_COMPOUND", "add_census", "add_history"]
