"""Files as civil-affairs offices hold them, generated from one UTF-8 GeoPackage.

Every builder writes the same census records (:func:`source_frame`) in another form: a
GBK or GB18030 shapefile without ``.cpg``, a zipped shapefile, a File Geodatabase and a
KML written by GDAL, an Excel 地名成果表 as offices fill it in, Gauss–Krüger tables with
and without zone numbers, a GCJ-02 CSV. Nothing is fetched.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyproj import Transformer
from shapely.geometry import Point

from gazetteer.cartography.gcj02 import wgs84_to_gcj02
from gazetteer.io.layers import PLACES
from tests.datasets.exchange import COUNTY, TOWN, VILLAGE

SHP_NAMES = {f.name: f.shp for f in PLACES.fields}  # dBASE names of the fields
RARE = "𬌗"  # U+2C317: in GB18030, not in GBK

# id, code, name, 专名, 通名, romanized, category code, category name as offices write it,
# admin code, admin path as offices write it, lon, lat, meaning, origin, history,
# description, other names, established, census status (stored, as offices write it)
RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "code": "37100200100000000101",
        "name": "古北社区",
        "specific": "古北",
        "generic": "社区",
        "romanized": "Gǔběi Shèqū",
        "category_code": "21620",
        "cat_zh": "社区居民委员会",
        "admin_code": VILLAGE,
        "admin_zh": "山东省威海市环翠区环翠楼街道古北社区居委会",
        "lon": 122.1201234,
        "lat": 37.5012345,
        "meaning": "古城之北",
        "origin": "因地处威海卫古城北门外得名",
        "history": "1984年设居委会；2001年更名",
        "description": "东至海滨路，西至古寨路",
        "other_names": ["古北居委会", "北门外"],
        "established_year": 1984,
        "census_status": "added",
        "census_zh": "新增",
        "source": "第二次全国地名普查",
    },
    {
        "id": 2,
        "code": "37100200100000000102",
        "name": "文化中路",
        "specific": "文化",
        "generic": "中路",
        "romanized": "Wénhuà Zhōnglù",
        "category_code": "23510",
        "cat_zh": "道路街巷",
        "admin_code": TOWN,
        "admin_zh": "威海市环翠区环翠楼街道",
        "lon": 122.1150001,
        "lat": 37.5050002,
        "meaning": "弘扬文化",
        "origin": "1990年命名",
        "history": "原名文化路，2018年标准化更名",
        "description": "东西走向，长2890米",
        "other_names": ["文化路"],
        "established_year": 1990,
        "census_status": "standardised",
        "census_zh": "更名",
        "source": "第二次全国地名普查",
    },
    {
        "id": 3,
        "code": "37100200100000000103",
        "name": "孙家疃",
        "specific": "孙家",
        "generic": "疃",
        "romanized": "Sūnjiātuǎn",
        "category_code": "22200",
        "cat_zh": "农村居民点",
        "admin_code": TOWN,
        "admin_zh": "环翠区/环翠楼街道",
        "lon": 122.1400007,
        "lat": 37.5200003,
        "meaning": "孙姓聚居之村",
        "origin": "明洪武年间孙姓由云南迁此立村",
        "history": "沿用至今",
        "description": "位于环翠楼街道东北",
        "other_names": [],
        "established_year": None,
        "census_status": "unchanged",
        "census_zh": "沿用",
        "source": "第二次全国地名普查",
    },
    {
        "id": 4,
        "code": "37100200100000000104",
        "name": "长会口小区",
        "specific": "长会口",
        "generic": "小区",
        "romanized": "Chánghuìkǒu Xiǎoqū",
        "category_code": "22110",
        "cat_zh": "居住小区",
        "admin_code": VILLAGE,
        "admin_zh": "环翠楼街道古北社区居委会",
        "lon": 122.0050004,
        "lat": 37.4050005,
        "meaning": "以村名命名",
        "origin": "2005年建成",
        "history": "",
        "description": "住宅楼24栋",
        "other_names": [],
        "established_year": 2005,
        "census_status": "added",
        "census_zh": "新增",
        "source": "环翠区民政局",
    },
    {
        "id": 5,
        "code": "37100200100000000105",
        "name": "奈古山",
        "specific": "奈古",
        "generic": "山",
        "romanized": "Nàigǔ Shān",
        "category_code": "13100",
        "cat_zh": "山峰",
        "admin_code": COUNTY,
        "admin_zh": "371002",
        "lon": 122.0800006,
        "lat": 37.4900007,
        "meaning": "山势奈何",
        "origin": "相传古时山高难越",
        "history": "",
        "description": "海拔375米",
        "other_names": ["奈古顶"],
        "established_year": None,
        "census_status": "unchanged",
        "census_zh": "未变",
        "source": "第二次全国地名普查",
    },
    {
        "id": 6,
        "code": "37100200100000000106",
        "name": "刘公岛",
        "specific": "刘公",
        "generic": "岛",
        "romanized": "Liúgōng Dǎo",
        "category_code": "11500",
        "cat_zh": "海岛",
        "admin_code": COUNTY,
        "admin_zh": "威海市环翠区",
        "lon": 122.1800008,
        "lat": 37.5000009,
        "meaning": "纪念刘公",
        "origin": "相传东汉刘氏后裔避乱居此",
        "history": "甲午战争北洋水师基地",
        "description": "面积3.15平方千米",
        "other_names": [],
        "established_year": None,
        "census_status": "unchanged",
        "census_zh": "沿用",
        "source": "第二次全国地名普查",
    },
]
FIELDS = (
    "id",
    "code",
    "name",
    "specific",
    "generic",
    "romanized",
    "category_code",
    "admin_code",
    "lon",
    "lat",
    "meaning",
    "origin",
    "history",
    "description",
    "other_names",
    "established_year",
    "census_status",
    "source",
)


def records(rare: bool = False) -> list[dict[str, Any]]:
    out = [dict(r) for r in RECORDS]
    if rare:
        out[2]["origin"] += f"，村西有{RARE}石"
    return out


def source_frame(rare: bool = False) -> gpd.GeoDataFrame:
    """The census records in the places layer's own field names (CGCS2000)."""
    rows = records(rare)
    data: dict[str, Any] = {}
    for f in FIELDS:
        values = [r[f] for r in rows]
        if f == "other_names":
            values = [json.dumps(v, ensure_ascii=False) for v in values]
        if f == "established_year":
            values = [-1 if v is None else v for v in values]
        data[f] = values
    frame = gpd.GeoDataFrame(
        data, geometry=[Point(r["lon"], r["lat"]) for r in rows], crs="EPSG:4490"
    )
    frame["established_year"] = frame["established_year"].astype("Int64").replace(-1, None)
    return frame


def write_gpkg(folder: Path, rare: bool = False) -> Path:
    path = folder / "source.gpkg"
    pyogrio.write_dataframe(source_frame(rare), path, layer="places", driver="GPKG")
    return path


# --- builders: (folder) -> (path, import options) -------------------------------------------

Built = tuple[Path, dict[str, Any]]


def _shapefile(folder: Path, encoding: str, rare: bool) -> Path:
    frame = source_frame(rare).rename(columns=SHP_NAMES)
    path = folder / "地名普查成果.shp"
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding=encoding)
    path.with_suffix(".cpg").unlink()  # as most Chinese shapefiles come: no .cpg
    return path


def gbk_shapefile(folder: Path) -> Built:
    return _shapefile(folder, "GBK", rare=False), {"layers": ["places"]}


def gb18030_shapefile(folder: Path) -> Built:
    return _shapefile(folder, "GB18030", rare=True), {"layers": ["places"]}


def zipped_shapefile(folder: Path) -> Built:
    shp = _shapefile(folder, "GBK", rare=False)
    path = folder / "成果数据.zip"
    with zipfile.ZipFile(path, "w") as z:
        for part in sorted(folder.glob(shp.stem + ".*")):
            z.write(part, f"成果/{part.name}")
    return path, {"layers": ["places"]}


def filegdb(folder: Path) -> Built:
    path = folder / "地名普查.gdb"
    pyogrio.write_dataframe(source_frame(), path, layer="places", driver="OpenFileGDB")
    return path, {}


def kml(folder: Path) -> Built:
    path = folder / "标注.kml"
    frame = source_frame().to_crs("EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="places", driver="LIBKML")
    return path, {}


def kmz(folder: Path) -> Built:
    """A KMZ (zipped KML), as desktop earth viewers save them."""
    path = folder / "标注.kmz"
    frame = source_frame().to_crs("EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="places", driver="LIBKML")
    assert zipfile.is_zipfile(path)
    return path, {}


def geojson_old_crs(folder: Path) -> Built:
    """GeoJSON as older tools wrote it: projected coordinates (CGCS2000 3° zone 41) and a
    ``crs`` member naming the EPSG code."""
    frame = source_frame().to_crs("EPSG:4529").drop(columns=["lon", "lat"])
    path = folder / "地名.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", RFC7946="NO")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4529"}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path, {"layers": ["places"]}


def _gk_rows(epsg: int, *, swap: bool) -> tuple[list[dict[str, Any]], list[str]]:
    t = Transformer.from_crs(4490, epsg, always_xy=True)
    rows = []
    for r in records():
        e, n = t.transform(r["lon"], r["lat"])
        row = {k: r[k] for k in FIELDS if k not in ("lon", "lat", "other_names")}
        row["other_names"] = "、".join(r["other_names"])
        if swap:  # the surveyors' order: X is the northing
            row["X坐标"], row["Y坐标"] = f"{n:.4f}", f"{e:.4f}"
        else:
            row["x"], row["y"] = f"{e:.4f}", f"{n:.4f}"
        rows.append(row)
    return rows, list(rows[0])


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]], enc: str) -> Path:
    with path.open("w", encoding=enc, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})
    return path


def gk_with_zone(folder: Path) -> Built:
    rows, header = _gk_rows(4529, swap=True)  # CGCS2000 3° zone 41: 41 4xx xxx.x
    return _write_csv(folder / "界桩坐标.csv", header, rows, "gbk"), {"layers": ["places"]}


def gk_without_zone(folder: Path) -> Built:
    rows, header = _gk_rows(4550, swap=False)  # CGCS2000 3° CM 123E: 4xx xxx.x
    return _write_csv(folder / "点位.csv", header, rows, "utf-8"), {"layers": ["places"]}


def gk_shapefile_bare_prj(folder: Path) -> Built:
    """Zone 21 (6°) eastings with the zone number, and a .prj naming only Gauss_Kruger
    with a false easting of 500 km (as some desktop tools write it)."""
    frame = source_frame().to_crs("EPSG:4499").rename(columns=SHP_NAMES)
    frame = frame.drop(columns=["lon", "lat"])
    path = folder / "gk.shp"
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
    path.with_suffix(".prj").write_text(
        'PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
        'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
        'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
        'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
        'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],'
        'PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]',
        encoding="ascii",
    )
    return path, {"layers": ["places"]}


def gcj02_csv(folder: Path) -> Built:
    rows = []
    for r in records():
        row = {k: r[k] for k in FIELDS if k != "other_names"}
        row["other_names"] = "、".join(r["other_names"])
        row["lon"], row["lat"] = (f"{v:.10f}" for v in wgs84_to_gcj02(r["lon"], r["lat"]))
        rows.append(row)
    path = _write_csv(folder / "高德取点.csv", list(rows[0]), rows, "utf-8-sig")
    return path, {"layers": ["places"], "from_gcj02": True}


def _dms(value: float) -> str:
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = (minutes_f - minutes) * 60
    return f"{deg}°{minutes:02d}′{seconds:.6f}″"


def census_workbook(folder: Path) -> Built:
    """The 地名成果表 as an office fills it in: a merged title, a unit line, a two-row
    header with merged cells (坐标 over 东经/北纬), a numbering row, records on two
    sheets, 所在政区 merged down over two records, names instead of codes, degrees in
    degrees-minutes-seconds on one sheet, a signature line at the foot."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    upper = ["序号", "标准名称", "专名", "通名", "罗马字母拼写", "地名代码", "类别", "所在政区",
             "坐标", None, "含义", "由来", "历史沿革", "地理实体描述", "曾用名", "设立年份",
             "普查状态", "资料来源"]  # fmt: skip
    lower = [None] * 8 + ["东经", "北纬"] + [None] * 8
    sheets = {"居民点": records()[:4], "自然地理实体": records()[4:]}
    first = True
    for title, recs in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        ws.append(["威海市第二次全国地名普查成果表"] + [None] * (len(upper) - 1))
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(upper))
        ws.append(["填表单位：威海市环翠区民政局"])
        ws.append(upper)
        ws.append(lower)
        for col in range(1, len(upper) + 1):
            if col in (9, 10):
                continue
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        ws.merge_cells(start_row=3, start_column=9, end_row=3, end_column=10)
        ws.cell(3, 9).alignment = Alignment(horizontal="center")
        ws.append(list(range(1, len(upper) + 1)))  # 栏次
        for i, r in enumerate(recs, start=1):
            lon = _dms(r["lon"]) if first else r["lon"]
            lat = _dms(r["lat"]) if first else r["lat"]
            ws.append(
                [
                    i,
                    r["name"],
                    r["specific"],
                    r["generic"],
                    r["romanized"],
                    r["code"],
                    r["cat_zh"],
                    r["admin_zh"],
                    lon,
                    lat,
                    r["meaning"],
                    r["origin"],
                    r["history"] or None,
                    r["description"],
                    "、".join(r["other_names"]) or None,
                    f"{r['established_year']}年" if r["established_year"] else None,
                    r["census_zh"],
                    r["source"],
                ]
            )
        if first:  # 所在政区 of records 2 and 3 (the same town) written once, merged down
            ws.merge_cells(start_row=7, start_column=8, end_row=8, end_column=8)
        ws.append([])
        ws.append(["填表人：张三", None, None, "审核人：李四"])
        first = False
    path = folder / "地名成果表.xlsx"
    wb.save(path)
    return path, {}


BUILDERS: dict[str, Callable[[Path], Built]] = {
    "gbk_shapefile": gbk_shapefile,
    "gb18030_shapefile": gb18030_shapefile,
    "zipped_shapefile": zipped_shapefile,
    "filegdb": filegdb,
    "kml": kml,
    "kmz": kmz,
    "geojson_old_crs": geojson_old_crs,
    "census_xlsx": census_workbook,
    "gk_with_zone": gk_with_zone,
    "gk_without_zone": gk_without_zone,
    "gk_shapefile_bare_prj": gk_shapefile_bare_prj,
    "gcj02_csv": gcj02_csv,
}
