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
    SERVICES,
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

    def towns(sample: list[fr.Town]) -> list[tuple[str, str, float, float]]:
        return [(t.code9 + "000", t.name, *g.seats[t.code9]) for t in sample]

    def one_of(words: str | tuple[str, ...]) -> str:
        return words if isinstance(words, str) else nm.pick(rng, words)

    def services(ft: FacilityType, anchors: list[tuple[str, str, float, float]]) -> None:
        """One site of ``ft`` per anchor, drawn as :data:`SERVICES` says (in the order
        name, size, area, mode: the order of the draws is part of what a seed gives)."""
        s = SERVICES[ft]
        for a in anchors:
            name = a[1] + one_of(s.words)
            size = {s.size_as: rng.randint(*s.size)}
            area = float(rng.randint(*s.floor_area_m2))
            mode = one_of(s.mode)
            add(
                ft,
                a,
                name,
                **size,
                floor_area_m2=area,
                operator=s.operator,
                mode=mode,
                level=s.level,
            )

    services(FacilityType.REGIONAL_ELDERCARE_CENTRE, towns(rng.sample(rural_seats, 14)))
    services(FacilityType.TOWN_ELDERCARE_CENTRE, towns(rng.sample(list(fr.TOWNS), 19)))
    services(FacilityType.COMMUNITY_ELDERCARE_CENTRE, rng.sample(urban, 40))
    services(FacilityType.DAY_CARE_CENTRE, rng.sample(urban, 287))
    services(FacilityType.RURAL_HAPPINESS_HOME, rng.sample(served_rural, 430))
    services(FacilityType.HOME_CARE_ORGANISATION, rng.sample(urban, 72))
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
    services(
        FacilityType.ELDERLY_MEAL_POINT, rng.sample(urban, 250) + rng.sample(served_rural, 203)
    )
    services(FacilityType.RURAL_ELDERLY_TABLE, rng.sample(served_rural, 120))
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

    def bureau_site(
        ft: FacilityType,
        c6: str,
        anchor: tuple[str, str, float, float],
        words: str,
        area: tuple[int, int],
        *,
        capacity: int | None = None,
        mode: str = "公办",
    ) -> None:
        """A site run by the civil-affairs bureau (民政局) of the city or a county."""
        level = "city" if c6 == "371000" else "county"
        floor_area_m2 = float(rng.randint(*area))
        operator = f"{names[c6]}民政局"
        add(
            ft,
            anchor,
            names[c6] + words,
            capacity=capacity,
            floor_area_m2=floor_area_m2,
            operator=operator,
            mode=mode,
            level=level,
        )

    for c6, town9 in seats.items():
        x, y = g.seats[town9]
        ax, ay = offset(x, y, rng, 1500, 3000)
        ax, ay = fr.snap_to_land(ax, ay)
        d2 = [(v[2] - ax) ** 2 + (v[3] - ay) ** 2 for v in rural]
        near = rural[d2.index(min(d2))]
        cemetery = "福寿园公益性公墓" if c6 == "371000" else "公益性公墓"
        capacity = rng.randint(5000, 30000)
        bureau_site(
            FacilityType.PUBLIC_CEMETERY,
            c6,
            near,
            cemetery,
            (30000, 120000),
            capacity=capacity,
            mode="节地生态安葬",
        )
        anchor = (town9 + "000", names[c6], x, y)
        if c6 != "371000":
            capacity = rng.randint(20, 60)
            bureau_site(
                FacilityType.FUNERAL_HOME, c6, near, "殡仪馆", (3000, 9000), capacity=capacity
            )
            bureau_site(FacilityType.MARRIAGE_REGISTRY, c6, anchor, "婚姻登记处", (300, 900))
        bureau_site(
            FacilityType.SOCIAL_ASSISTANCE_CENTRE, c6, anchor, "社会救助服务中心", (300, 1200)
        )
    for ft, n in FACILITY_COUNTS.items():
        assert counters.get(ft, 0) == n, (ft, counters.get(ft))


# Historical names whose unit lives on under a new name (renamed, not abolished).
__all__ = ["add_facilities"]
