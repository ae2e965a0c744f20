"""The demo's civil-affairs facilities, in the report's numbers."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from gazetteer.demo import frame as fr
from gazetteer.demo import names as nm
from gazetteer.demo.figures import (
    CANTEEN_MODES,
    CIVIL_AFFAIRS_SITES,
    ELDERCARE_MODES,
    FACILITY_COUNTS,
    TABLE_MODES,
)
from gazetteer.demo.state import (
    FacilityInfo,
    Generator,
    offset,
)
from gazetteer.model import (
    FACILITY_TYPE_NAMES,
    Facility,
    FacilityType,
)


def add_facilities(g: Generator) -> None:
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
        fx, fy = offset(x, y, rng, 30, 140)
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
        ax, ay = offset(x, y, rng, 1500, 3000)
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
__all__ = ["add_facilities"]
