"""A small hand-built dataset of real Weihai names for search and detail tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import Engine

from gazetteer.model import AdminArea, AdminLevel, ChangeReason, NameHistoryEntry, Place
from gazetteer.model.domain import PlaceStatus
from gazetteer.text import romanize
from tests.builder import Builder

CITY = "371000000000"
HUANCUI = "371002000000"
WENDENG = "371003000000"
RONGCHENG = "371082000000"
RUSHAN = "371083000000"
HUANCUILOU = "371002001000"  # 环翠楼街道
COMMUNITY = "371002001001"  # a community of 环翠楼街道

# boxes roughly where the districts are (lon/lat), used as admin polygons
HUANCUI_BOX = (121.95, 37.35, 122.25, 37.58)
WENDENG_BOX = (121.75, 36.95, 122.2, 37.35)
RONGCHENG_BOX = (122.25, 36.85, 122.75, 37.45)
RUSHAN_BOX = (121.3, 36.75, 121.75, 37.1)
HUANCUILOU_BOX = (122.08, 37.48, 122.14, 37.53)


def _mp(b: tuple[float, float, float, float]) -> MultiPolygon:
    return MultiPolygon([box(*b)])


ADMINS = [
    AdminArea(CITY, "威海市", AdminLevel.CITY, None, "市", _mp((121.3, 36.75, 122.7, 37.58))),
    AdminArea(HUANCUI, "环翠区", AdminLevel.COUNTY, CITY, "区", _mp(HUANCUI_BOX)),
    AdminArea(WENDENG, "文登区", AdminLevel.COUNTY, CITY, "区", _mp(WENDENG_BOX)),
    AdminArea(RONGCHENG, "荣成市", AdminLevel.COUNTY, CITY, "县级市", _mp(RONGCHENG_BOX)),
    AdminArea(RUSHAN, "乳山市", AdminLevel.COUNTY, CITY, "县级市", _mp(RUSHAN_BOX)),
    AdminArea(HUANCUILOU, "环翠楼街道", AdminLevel.TOWN, HUANCUI, "街道", _mp(HUANCUILOU_BOX)),
    AdminArea(COMMUNITY, "环翠楼社区居委会", AdminLevel.VILLAGE, HUANCUILOU, "居委会"),
]


@dataclass(frozen=True)
class Seed:
    name: str
    category: str
    admin: str
    lon: float
    lat: float
    other_names: tuple[str, ...] = ()
    status: PlaceStatus = PlaceStatus.CURRENT


SEEDS = [
    Seed("威海市", "21300", CITY, 122.1164, 37.5131),
    Seed("环翠区", "21400", HUANCUI, 122.1230, 37.5020),
    Seed("文登区", "21400", WENDENG, 122.0580, 37.1940),
    Seed("荣成市", "21400", RONGCHENG, 122.4870, 37.1650),
    Seed("乳山市", "21400", RUSHAN, 121.5390, 36.9190),
    Seed("环翠楼街道", "21500", HUANCUILOU, 122.1150, 37.5080),
    Seed("刘公岛", "11500", HUANCUI, 122.1830, 37.5010, other_names=("刘岛",)),
    Seed("文化中路", "23510", HUANCUILOU, 122.1120, 37.5110),
    Seed("文化西路", "23510", HUANCUI, 122.0900, 37.5200),
    Seed("威海公园", "25200", HUANCUILOU, 122.1300, 37.5150),
    Seed("环翠楼公园", "25200", HUANCUILOU, 122.1180, 37.5060),
    Seed("海滨北路", "23510", HUANCUI, 122.1300, 37.5300),
    Seed("威海港", "23120", HUANCUI, 122.1450, 37.5050),
    Seed("荣成市石岛港", "23120", RONGCHENG, 122.4300, 36.8800),
    Seed("文登营村", "21610", WENDENG, 122.1000, 37.2500),
    Seed("成山头", "11600", RONGCHENG, 122.7000, 37.3900),
    Seed("塔山", "13100", HUANCUI, 122.0950, 37.5050, status=PlaceStatus.HISTORICAL),
]

# former names: (current name, former name, from, to, reason)
HISTORY = [
    ("威海市", "威海卫", date(1398, 1, 1), date(1945, 8, 15), ChangeReason.RENAMING),
    ("威海市", "威海卫市", date(1945, 8, 15), date(1987, 6, 15), ChangeReason.RENAMING),
    ("文登区", "文登市", date(1988, 11, 1), date(2014, 1, 23), ChangeReason.RENAMING),
    ("环翠区", "威海市郊区", date(1950, 1, 1), date(1987, 6, 15), ChangeReason.RENAMING),
]


def load(engine: Engine) -> dict[str, int]:
    """Write the dataset; returns place ids by name."""
    places = [
        Place(
            name=s.name,
            category_code=s.category,
            admin_code=s.admin,
            geometry=Point(s.lon, s.lat),
            romanized=romanize(s.name),
            other_names=list(s.other_names),
            status=s.status,
            meaning=f"{s.name}的含义",
            origin=f"{s.name}的由来",
            history=f"{s.name}的历史沿革",
        )
        for s in SEEDS
    ]
    with Builder.writing(engine) as b:
        b.admins(ADMINS)
        ids = b.places(places, keys=True)
        by_name = {p.name: i for p, i in zip(places, ids, strict=True)}
        entries = [
            NameHistoryEntry(
                place_id=by_name[cur],
                name=old,
                valid_from=start,
                valid_to=end,
                reason=reason,
                romanized=romanize(old),
                geometry=Point(122.11, 37.51) if cur == "威海市" else None,
                note="更名",
            )
            for cur, old, start, end, reason in HISTORY
        ]
        b.histories(entries, keys=True)
    return by_name
