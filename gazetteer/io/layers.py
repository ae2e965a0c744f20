"""The exchange layers: one description per exported table, shared by every format.

A :class:`LayerSpec` lists the attribute fields of a layer in output order with their
type, Chinese header (Excel 地名成果表 and other staff tables) and Shapefile name (at most
10 characters, the dBASE limit). Importers accept any of the three spellings of a column,
so a file written by one format's exporter (or edited by staff in Excel) reads back.

Fields marked ``derived`` (category name, administrative path …) are written for the
reader's convenience and ignored on import: the database derives them again.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gazetteer.errors import InvalidInput
from gazetteer.model import (
    ADMIN_LEVEL_NAMES,
    CENSUS_STATUS_LABELS,
    CHANGE_REASON_LABELS,
    FACILITY_TYPE_NAMES,
    PLACE_STATUS_LABELS,
    ROAD_CLASS_NAMES,
)


class Kind(enum.StrEnum):
    """Value types of exchange fields (how they are written and parsed)."""

    STR = "str"  # text, never null ("" when empty)
    OPT_STR = "opt_str"  # text or null ("" reads as null)
    INT = "int"
    OPT_INT = "opt_int"
    FLOAT = "float"
    OPT_FLOAT = "opt_float"
    BOOL = "bool"
    JSON_LIST = "json_list"  # list of strings, JSON text in files
    DATE = "date"  # ISO date or null


class GeomKind(enum.StrEnum):
    ANY = "any"  # point, line or polygon (places)
    POINT = "point"
    LINE = "line"
    MULTIPOLYGON = "multipolygon"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    zh: str
    shp: str
    derived: bool = False
    # value -> Chinese label in the Excel tables (read back in either form)
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if len(self.shp) > 10:  # a programming error in this table, not user input
            raise ValueError(f"shapefile field name too long: {self.shp}")


@dataclass(frozen=True, slots=True)
class LayerSpec:
    name: str
    zh: str  # sheet name in Excel
    geometry: GeomKind
    geometry_required: bool
    fields: tuple[Field, ...]
    key: str  # ordering column
    # extra CSV columns with the representative point (when no lon/lat field exists)
    csv_lonlat: bool = True

    @property
    def stored_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.derived)

    def field_map(self) -> dict[str, str]:
        """Every accepted spelling of a column (lower-case) -> canonical field name."""
        return _field_map(self)


def _pairs(table: Mapping[Any, str]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v) for k, v in table.items())


STATUS_LABELS = _pairs(PLACE_STATUS_LABELS)
CENSUS_LABELS = _pairs(CENSUS_STATUS_LABELS)
REASON_LABELS = _pairs(CHANGE_REASON_LABELS)
FACILITY_LABELS = _pairs(FACILITY_TYPE_NAMES)
BOOL_LABELS = (("true", "是"), ("false", "否"))
# Labels that exports before the vocabulary was unified wrote; still read on import.
FORMER_LABELS: dict[str, str] = {
    "标准化更名": "standardised",
    "订正": "correction",
    "废止": "abolition",
}
ADMIN_LEVEL_LABELS = _pairs(ADMIN_LEVEL_NAMES)
ROAD_CLASS_LABELS = _pairs(ROAD_CLASS_NAMES)
FACILITY_LEVEL_LABELS = (  # a free-text field, not an enum: its usual values
    ("city", "市级"),
    ("county", "县级"),
    ("town", "镇街级"),
    ("community", "社区级"),
    ("village", "村级"),
)

# The database id. Not "序号": in office tables that is a row counter (1, 2, 3 … per
# sheet), which must not be taken for ids when a census result table is imported.
ID_HEADER = "系统编号"

F = Field
K = Kind

# Columns that several layers share, spelled once.
ID = F("id", K.OPT_INT, ID_HEADER, "id")
PLACE_ID = F("place_id", K.INT, "地名序号", "place_id")
PLACE_CODE = F("place_code", K.OPT_STR, "地名代码", "place_code", derived=True)
ADMIN_CODE = F("admin_code", K.STR, "行政区划代码", "admin_code")
ADMIN_PATH = F("admin_path", K.STR, "所在行政区", "admin_path", derived=True)
VERSION = F("version", K.OPT_INT, "版本", "version")
FLOOR_AREA = F("floor_area_m2", K.OPT_FLOAT, "建筑面积(平方米)", "floor_m2")

ADMIN_AREAS = LayerSpec(
    name="admin_areas",
    zh="行政区划",
    geometry=GeomKind.MULTIPOLYGON,
    geometry_required=False,
    key="code",
    csv_lonlat=False,
    fields=(
        F("code", K.STR, "区划代码", "code"),
        F("name", K.STR, "名称", "name"),
        F("level", K.INT, "级别", "level", labels=ADMIN_LEVEL_LABELS),
        F("kind", K.STR, "类型", "kind"),
        F("parent_code", K.OPT_STR, "上级代码", "parent"),
        F("ur_code", K.OPT_STR, "城乡分类代码", "ur_code"),
        F("centre_lon", K.OPT_FLOAT, "驻地经度", "ctr_lon"),
        F("centre_lat", K.OPT_FLOAT, "驻地纬度", "ctr_lat"),
    ),
)

PLACES = LayerSpec(
    name="places",
    zh="地名成果表",
    geometry=GeomKind.ANY,
    geometry_required=True,
    key="id",
    csv_lonlat=False,
    fields=(
        ID,
        F("code", K.OPT_STR, "地名代码", "code"),
        F("name", K.STR, "标准名称", "name"),
        F("specific", K.STR, "专名", "specific"),
        F("generic", K.STR, "通名", "generic"),
        F("romanized", K.STR, "罗马字母拼写", "romanized"),
        F("reading", K.OPT_STR, "读音订正", "reading"),
        F("category_code", K.STR, "类别代码", "cat_code"),
        F("category_name", K.STR, "类别名称", "cat_name", derived=True),
        F("major_code", K.STR, "大类代码", "major_code", derived=True),
        F("major_name", K.STR, "大类名称", "major_name", derived=True),
        ADMIN_CODE,
        ADMIN_PATH,
        F("lon", K.OPT_FLOAT, "经度", "lon"),
        F("lat", K.OPT_FLOAT, "纬度", "lat"),
        F("meaning", K.STR, "含义", "meaning"),
        F("origin", K.STR, "由来", "origin"),
        F("history", K.STR, "历史沿革", "history"),
        F("description", K.STR, "地理实体描述", "descr"),
        F("other_names", K.JSON_LIST, "曾用名及别名", "oth_names"),
        F("established_year", K.OPT_INT, "设立年份", "est_year"),
        F("abolished_year", K.OPT_INT, "废止年份", "abol_year"),
        F("status", K.STR, "使用状态", "status", labels=STATUS_LABELS),
        F("census_status", K.STR, "普查状态", "census_st", labels=CENSUS_LABELS),
        F("source", K.STR, "资料来源", "source"),
        VERSION,
    ),
)

ROADS = LayerSpec(
    name="roads",
    zh="道路",
    geometry=GeomKind.ANY,
    geometry_required=False,
    key="place_id",
    fields=(
        PLACE_ID,
        PLACE_CODE,
        F("name", K.STR, "道路名称", "name", derived=True),
        F("start_desc", K.STR, "起点", "start_desc"),
        F("end_desc", K.STR, "止点", "end_desc"),
        F("length_m", K.FLOAT, "长度(米)", "length_m"),
        F("width_m", K.OPT_FLOAT, "宽度(米)", "width_m"),
        F("grade", K.STR, "道路等级", "grade"),
    ),
)

COMPOUNDS = LayerSpec(
    name="compounds",
    zh="居民小区",
    geometry=GeomKind.ANY,
    geometry_required=False,
    key="place_id",
    fields=(
        PLACE_ID,
        PLACE_CODE,
        F("name", K.STR, "小区名称", "name", derived=True),
        F("households", K.OPT_INT, "户数", "households"),
        FLOOR_AREA,
        F("developer", K.STR, "开发单位", "developer"),
    ),
)

PLACE_HISTORY = LayerSpec(
    name="place_history",
    zh="地名沿革",
    geometry=GeomKind.ANY,
    geometry_required=False,
    key="id",
    fields=(
        ID,
        PLACE_ID,
        VERSION,
        F("name", K.STR, "名称", "name"),
        F("romanized", K.STR, "罗马字母拼写", "romanized"),
        F("valid_from", K.DATE, "启用日期", "valid_from"),
        F("valid_to", K.DATE, "停用日期", "valid_to"),
        F("reason", K.STR, "变更原因", "reason", labels=REASON_LABELS),
        F("note", K.STR, "备注", "note"),
        F("snapshot", K.OPT_STR, "原记录(JSON)", "snapshot"),
    ),
)

BUILT_UP_AREAS = LayerSpec(
    name="built_up_areas",
    zh="建成区",
    geometry=GeomKind.MULTIPOLYGON,
    geometry_required=True,
    key="id",
    fields=(
        ID,
        F("name", K.STR, "名称", "name"),
        F("county_code", K.STR, "县级区划代码", "county"),
    ),
)

FACILITIES = LayerSpec(
    name="facilities",
    zh="民政设施",
    geometry=GeomKind.POINT,
    geometry_required=True,
    key="id",
    fields=(
        ID,
        F("code", K.OPT_STR, "设施代码", "code"),
        F("name", K.STR, "设施名称", "name"),
        F("type", K.STR, "设施类型代码", "type", labels=FACILITY_LABELS),
        F("type_name", K.STR, "设施类型", "type_name", derived=True),
        F("place_id", K.OPT_INT, "地名序号", "place_id"),
        ADMIN_CODE,
        ADMIN_PATH,
        F("beds", K.OPT_INT, "床位数", "beds"),
        F("capacity", K.OPT_INT, "服务能力(人/日)", "capacity"),
        FLOOR_AREA,
        F("operator", K.STR, "运营单位", "operator"),
        F("mode", K.STR, "运营模式", "mode"),
        F("level", K.STR, "层级", "level", labels=FACILITY_LEVEL_LABELS),
        F("opened_year", K.OPT_INT, "开业年份", "open_year"),
        VERSION,
    ),
)

DEMAND_POINTS = LayerSpec(
    name="demand_points",
    zh="需求点",
    geometry=GeomKind.POINT,
    geometry_required=True,
    key="code",
    fields=(
        ID,
        F("code", K.STR, "村居代码", "code"),
        F("name", K.STR, "村居名称", "name"),
        F("admin_code", K.STR, "镇街代码", "admin_code"),
        ADMIN_PATH,
        F("population", K.INT, "人口", "population"),
        F("elderly", K.INT, "60岁以上老人", "elderly"),
        F("dependents", K.INT, "分散特困供养人员", "dependents"),
    ),
)

NETWORK_NODES = LayerSpec(
    name="network_nodes",
    zh="路网节点",
    geometry=GeomKind.POINT,
    geometry_required=True,
    key="id",
    fields=(F("id", K.INT, "节点号", "id"),),
)

NETWORK_EDGES = LayerSpec(
    name="network_edges",
    zh="路网路段",
    geometry=GeomKind.LINE,
    geometry_required=True,
    key="id",
    fields=(
        ID,
        F("source", K.INT, "起点节点", "source"),
        F("target", K.INT, "终点节点", "target"),
        F("road_class", K.STR, "道路类别", "road_class", labels=ROAD_CLASS_LABELS),
        F("length_m", K.FLOAT, "长度(米)", "length_m"),
        F("speed_kmh", K.OPT_FLOAT, "速度(千米/时)", "speed_kmh"),
        F("oneway", K.BOOL, "单行", "oneway", labels=BOOL_LABELS),
        F("name", K.STR, "道路名称", "name"),
    ),
)

# In dependency order: importing "all" writes them in this order.
LAYERS: tuple[LayerSpec, ...] = (
    ADMIN_AREAS,
    PLACES,
    ROADS,
    COMPOUNDS,
    PLACE_HISTORY,
    BUILT_UP_AREAS,
    FACILITIES,
    DEMAND_POINTS,
    NETWORK_NODES,
    NETWORK_EDGES,
)
LAYER_NAMES: tuple[str, ...] = tuple(layer.name for layer in LAYERS)


def layer(name: str) -> LayerSpec:
    """The layer called ``name`` (English name or Chinese sheet title)."""
    for spec in LAYERS:
        if name in (spec.name, spec.zh):
            return spec
    raise InvalidInput(
        f"未知图层 (unknown layer): {name}; choose one of {', '.join(LAYER_NAMES)} or all"
    )


_FIELD_MAPS: dict[str, dict[str, str]] = {}


def _field_map(spec: LayerSpec) -> dict[str, str]:
    # keyed by name: hashing the frozen spec on every row is costly
    if spec.name in _FIELD_MAPS:
        return _FIELD_MAPS[spec.name]
    out: dict[str, str] = {}
    for f in spec.fields:
        for spelling in (f.name, f.zh, f.shp):
            out.setdefault(spelling.lower(), f.name)
    _FIELD_MAPS[spec.name] = out
    return out


__all__ = [
    "LAYERS",
    "LAYER_NAMES",
    "Field",
    "GeomKind",
    "Kind",
    "LayerSpec",
    "layer",
]
