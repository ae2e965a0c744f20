"""Domain objects of the gazetteer: plain dataclasses and enums, separate from table rows.

Geometries are shapely objects in CGCS2000 longitude/latitude (EPSG:4490); lengths and
areas carry their unit in the field name.

Each enum shown to people has its Chinese label table right beside it
(``<ENUM>_LABELS``); pages, exports and cards all read these tables (:func:`label`), so a
value has one name everywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry


class AdminLevel(enum.IntEnum):
    """NBS levels as in the statistical division codes."""

    CITY = 2
    COUNTY = 3
    TOWN = 4
    VILLAGE = 5


ADMIN_LEVEL_NAMES: dict[AdminLevel, str] = {
    AdminLevel.CITY: "地级",
    AdminLevel.COUNTY: "县级",
    AdminLevel.TOWN: "乡级",
    AdminLevel.VILLAGE: "村级",
}


def label(table: Mapping[Any, str], value: object) -> str:
    """The Chinese label of an enum value (given as member or plain string); the value
    itself when the table does not know it."""
    return table.get(str(value), str(value))


class PlaceStatus(enum.StrEnum):
    CURRENT = "current"
    HISTORICAL = "historical"


PLACE_STATUS_LABELS: dict[PlaceStatus, str] = {
    PlaceStatus.CURRENT: "现行",
    PlaceStatus.HISTORICAL: "历史",
}


class CensusStatus(enum.StrEnum):
    ADDED = "added"
    STANDARDISED = "standardised"
    UNCHANGED = "unchanged"


CENSUS_STATUS_LABELS: dict[CensusStatus, str] = {
    CensusStatus.ADDED: "新增",
    CensusStatus.STANDARDISED: "标准化",
    CensusStatus.UNCHANGED: "未变",
}


class ChangeReason(enum.StrEnum):
    STANDARDISATION = "standardisation"
    RENAMING = "renaming"
    ADJUSTMENT = "adjustment"  # start/end or geometry change
    CORRECTION = "correction"
    ABOLITION = "abolition"


# 更正 (not 订正): the term of Chinese administrative law for correcting a wrong entry in a
# register (更正登记); 订正 is correcting a text or a publication. 撤销 (not 废止): the term
# of the Regulation on Administrative Divisions (行政区划管理条例, art. 2: 设立、撤销) for an
# area or settlement that ceases to exist; 废止 is what happens to laws and documents. The
# census form's field 废止年份 keeps its own name: it is a form label, not this reason.
CHANGE_REASON_LABELS: dict[ChangeReason, str] = {
    ChangeReason.STANDARDISATION: "标准化",
    ChangeReason.RENAMING: "更名",
    ChangeReason.ADJUSTMENT: "调整",
    ChangeReason.CORRECTION: "更正",
    ChangeReason.ABOLITION: "撤销",
}


class FacilityType(enum.StrEnum):
    ELDERCARE_INSTITUTION = "eldercare_institution"  # 养老机构
    REGIONAL_ELDERCARE_CENTRE = "regional_eldercare_centre"  # 区域性养老服务中心
    TOWN_ELDERCARE_CENTRE = "town_eldercare_centre"  # 镇街养老服务中心
    COMMUNITY_ELDERCARE_CENTRE = "community_eldercare_centre"  # 社区养老服务中心(示范)
    DAY_CARE_CENTRE = "day_care_centre"  # 日间照料中心
    RURAL_HAPPINESS_HOME = "rural_happiness_home"  # 农村幸福院
    HOME_CARE_ORGANISATION = "home_care_organisation"  # 居家养老服务组织
    COMMUNITY_CANTEEN = "community_canteen"  # 社区食堂
    ELDERLY_MEAL_POINT = "elderly_meal_point"  # 老年助餐点
    RURAL_ELDERLY_TABLE = "rural_elderly_table"  # 农村老年餐桌
    PUBLIC_CEMETERY = "public_cemetery"  # 公益性公墓
    FUNERAL_HOME = "funeral_home"  # 殡仪馆
    MARRIAGE_REGISTRY = "marriage_registry"  # 婚姻登记处
    SOCIAL_ASSISTANCE_CENTRE = "social_assistance_centre"  # 社会救助服务中心


FACILITY_TYPE_NAMES: dict[FacilityType, str] = {
    FacilityType.ELDERCARE_INSTITUTION: "养老机构",
    FacilityType.REGIONAL_ELDERCARE_CENTRE: "区域性养老服务中心",
    FacilityType.TOWN_ELDERCARE_CENTRE: "镇街养老服务中心",
    FacilityType.COMMUNITY_ELDERCARE_CENTRE: "示范性社区养老服务中心",
    FacilityType.DAY_CARE_CENTRE: "日间照料中心",
    FacilityType.RURAL_HAPPINESS_HOME: "农村幸福院",
    FacilityType.HOME_CARE_ORGANISATION: "居家养老服务组织",
    FacilityType.COMMUNITY_CANTEEN: "社区食堂",
    FacilityType.ELDERLY_MEAL_POINT: "老年助餐点",
    FacilityType.RURAL_ELDERLY_TABLE: "农村老年餐桌",
    FacilityType.PUBLIC_CEMETERY: "公益性公墓",
    FacilityType.FUNERAL_HOME: "殡仪馆",
    FacilityType.MARRIAGE_REGISTRY: "婚姻登记处",
    FacilityType.SOCIAL_ASSISTANCE_CENTRE: "社会救助服务中心",
}


class RoadClass(enum.StrEnum):
    """Classes of the road network, used by travel profiles."""

    MOTORWAY = "motorway"
    TRUNK = "trunk"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    RESIDENTIAL = "residential"
    SERVICE = "service"
    TRACK = "track"
    FOOTWAY = "footway"


ROAD_CLASS_NAMES: dict[RoadClass, str] = {
    RoadClass.MOTORWAY: "高速公路",
    RoadClass.TRUNK: "快速路",
    RoadClass.PRIMARY: "主干路",
    RoadClass.SECONDARY: "次干路",
    RoadClass.TERTIARY: "支路",
    RoadClass.RESIDENTIAL: "街坊路",
    RoadClass.SERVICE: "内部道路",
    RoadClass.TRACK: "乡村道路",
    RoadClass.FOOTWAY: "人行道路",
}


@dataclass(slots=True)
class AdminArea:
    code: str  # 12-digit statistical code
    name: str
    level: AdminLevel
    parent_code: str | None
    kind: str = ""  # 市/区/县级市/功能区/街道/镇/居委会/村委会
    geometry: BaseGeometry | None = None  # MultiPolygon
    centre: BaseGeometry | None = None  # Point
    ur_code: str | None = None  # NBS urban-rural class


@dataclass(frozen=True, slots=True)
class AdminRef:
    """A reference to an administrative area: what a path or a list of areas shows."""

    code: str
    name: str
    level: int
    kind: str = ""


@dataclass(slots=True)
class Place:
    """A standardised place name with the census fields."""

    name: str
    category_code: str
    admin_code: str
    geometry: BaseGeometry
    id: int | None = None
    code: str | None = None  # 20-digit place-name code
    specific: str = ""  # 专名
    generic: str = ""  # 通名
    romanized: str = ""
    reading: str | None = None  # staff override for polyphonic characters
    point: BaseGeometry | None = None  # representative point
    meaning: str = ""  # 含义
    origin: str = ""  # 由来
    history: str = ""  # 历史沿革
    description: str = ""  # 地理实体描述
    other_names: list[str] = field(default_factory=list)  # 简称/别名
    established_year: int | None = None
    abolished_year: int | None = None
    status: PlaceStatus = PlaceStatus.CURRENT
    census_status: CensusStatus = CensusStatus.UNCHANGED
    source: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


@dataclass(slots=True)
class NameHistoryEntry:
    """A former name or former geometry of a place, with its validity and the reason."""

    place_id: int
    name: str
    valid_from: date | None
    valid_to: date | None
    reason: ChangeReason
    romanized: str = ""
    geometry: BaseGeometry | None = None
    note: str = ""
    version: int | None = None
    id: int | None = None


@dataclass(slots=True)
class Road:
    place_id: int
    start_desc: str  # 起点
    end_desc: str  # 止点
    length_m: float
    width_m: float | None = None
    grade: str = ""  # 主干路/次干路/支路/快速路


@dataclass(slots=True)
class Compound:
    place_id: int
    households: int | None = None
    floor_area_m2: float | None = None
    developer: str = ""


@dataclass(slots=True)
class Facility:
    name: str
    type: FacilityType
    admin_code: str
    point: BaseGeometry
    id: int | None = None
    code: str | None = None
    place_id: int | None = None
    beds: int | None = None
    capacity: int | None = None  # people served a day / seats
    floor_area_m2: float | None = None
    operator: str = ""
    mode: str = ""  # canteen mode, eldercare operation mode
    opened_year: int | None = None
    level: str = ""  # city / county / town / community
    version: int = 1


@dataclass(slots=True)
class DemandPoint:
    """A village or community with its population figures."""

    code: str  # 12-digit village/community code
    name: str
    admin_code: str  # town code (12 digits)
    point: BaseGeometry
    population: int
    elderly: int  # aged 60+
    dependents: int  # 分散特困供养对象
    id: int | None = None


@dataclass(slots=True)
class BuiltUpArea:
    name: str
    county_code: str
    geometry: BaseGeometry
    id: int | None = None


@dataclass(slots=True)
class NetworkNode:
    id: int
    point: BaseGeometry


@dataclass(slots=True)
class NetworkEdge:
    source: int
    target: int
    road_class: RoadClass
    length_m: float
    geometry: BaseGeometry
    speed_kmh: float | None = None
    oneway: bool = False
    name: str = ""
    id: int | None = None


__all__ = [
    "ADMIN_LEVEL_NAMES",
    "CENSUS_STATUS_LABELS",
    "CHANGE_REASON_LABELS",
    "FACILITY_TYPE_NAMES",
    "PLACE_STATUS_LABELS",
    "ROAD_CLASS_NAMES",
    "AdminArea",
    "AdminLevel",
    "AdminRef",
    "BuiltUpArea",
    "CensusStatus",
    "ChangeReason",
    "Compound",
    "DemandPoint",
    "Facility",
    "FacilityType",
    "NameHistoryEntry",
    "NetworkEdge",
    "NetworkNode",
    "Place",
    "PlaceStatus",
    "Road",
    "RoadClass",
    "label",
]
