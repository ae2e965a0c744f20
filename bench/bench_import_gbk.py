"""Import of a 100,000-row GBK shapefile without .cpg (a census export as offices hold it).

    .venv/bin/python bench/bench_import_gbk.py [--rows N] [--skip-postgis] [--no-record]

A places shapefile is generated (GBK, no ``.cpg``, Shapefile field names, points near
the real village seats of Weihai, 20-digit codes, census texts); the real administrative
frame is imported first from ``../shared/data/weihai`` (NBS codes and boundaries). For
SpatiaLite (a temporary file) and PostGIS (a scratch database created and dropped on
``GAZETTEER_BENCH_POSTGRES_URL``) the import is timed end to end: encoding detection over
every text byte, reading, column mapping, every row validated (category and area codes,
inside its county, pinyin search keys), one transaction. The baseline is the plain
``pyogrio.read_dataframe`` of the same file with the encoding given (no detection, no
validation, no database). Target: >= 10,000 rows/s on both backends.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyogrio  # before any SpatiaLite connection (see gazetteer/io/__init__.py)
from benchlib import scratch, write_section
from sqlalchemy import Engine

from gazetteer.io import collector_paused, import_admin, import_file

WEIHAI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "weihai"
HEADING = "## Import of a GBK shapefile"
CHARS = "山河海湾岛村庄路街巷桥寨口家王李张刘陈杨赵黄周吴徐孙马朱胡林郭何高罗郑梁谢宋唐许邓韩冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文华东西南北中新古青石泉"  # noqa: E501
CATEGORIES = ("22200", "22110", "23510", "13100", "12100", "26100", "25200", "24230")


def make_shapefile(folder: Path, rows: int, seed: int) -> Path:
    import csv

    import geopandas as gpd
    from shapely.geometry import Point, shape

    rng = random.Random(seed)
    import json

    shapes = {
        f["properties"]["code"]: shape(f["geometry"])
        for f in json.loads((WEIHAI / "weihai_boundaries_wgs84.geojson").read_text("utf-8"))[
            "features"
        ]
        if f["properties"].get("code")
    }
    villages = []
    with (WEIHAI / "weihai_admin_2023.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["level"] != "5" or not r["lon_wgs84_2016"]:
                continue
            county = shapes.get(r["county_code6"].ljust(12, "0"))
            pt = Point(float(r["lon_wgs84_2016"]), float(r["lat_wgs84_2016"]))
            if county is not None and county.buffer(-0.002).contains(pt):
                villages.append((r["code"], pt.x, pt.y))
    cols: dict[str, list[object]] = {
        k: []
        for k in ("code", "name", "specific", "generic", "cat_code", "admin_code", "meaning",
                  "origin", "history", "descr")
    }  # fmt: skip
    geoms = []
    for i in range(rows):
        code, x, y = villages[rng.randrange(len(villages))]
        specific = "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 3)))
        generic = rng.choice(("村", "路", "山", "桥", "河", "小区", "街"))
        cols["code"].append(f"{code}{i:08d}")
        cols["name"].append(specific + generic)
        cols["specific"].append(specific)
        cols["generic"].append(generic)
        cols["cat_code"].append(rng.choice(CATEGORIES))
        cols["admin_code"].append(code)
        cols["meaning"].append(f"以{specific}得名，寓意吉祥")
        cols["origin"].append(f"明朝年间{specific[0]}姓迁此立村，故名{specific}{generic}")
        cols["history"].append("1984年地名普查时登记；2015年第二次全国地名普查时核实")
        cols["descr"].append(f"位于{specific}东侧，面积约{rng.randint(1, 90)}公顷")
        geoms.append(Point(x + rng.uniform(-0.001, 0.001), y + rng.uniform(-0.001, 0.001)))
    frame = gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:4490")
    path = folder / "地名普查成果.shp"
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


@contextmanager
def scratch_with_frame(backend: str, tmp: Path) -> Iterator[Engine]:
    """A migrated database of ``backend`` holding the real administrative frame."""
    with scratch(backend, tmp, "gz_bench_gbk") as engine:
        import_admin(
            engine,
            WEIHAI / "weihai_admin_2023.csv",
            boundaries=WEIHAI / "weihai_boundaries_wgs84.geojson",
        )
        yield engine


def baseline(shp: Path) -> float:
    started = time.perf_counter()
    frame = pyogrio.read_dataframe(shp, encoding="gbk")
    assert len(frame) > 0
    return time.perf_counter() - started


def record(rows: list[tuple[str, int, float, float, float]], command: str, load: str) -> None:
    lines = [
        HEADING,
        "",
        "A generated census export: places as points near the real village seats, 20-digit "
        "codes, Chinese texts, GBK without `.cpg`, into a database holding the real "
        "administrative frame (2,849 areas with the city and county boundaries). Import = "
        "encoding detection over every text byte, reading, column mapping, every row "
        "validated (codes, inside its county, pinyin keys), one transaction. Baseline = "
        "`pyogrio.read_dataframe(path, encoding='gbk')` of the same file in the same run.",
        "",
        "Command:",
        "",
        f"    {command}",
        "",
        f"Machine load (1/5/15-minute load average on 2 cores) at the start: {load}.",
        "",
        "| backend | rows | import s | rows/s | importer's CPU s | baseline read s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, n, seconds, base, cpu in rows:
        lines.append(
            f"| {backend} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {cpu:.1f} | "
            f"{base:.2f} | {seconds / base:.1f} |"
        )
    write_section(HEADING, "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20201231)
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    results = []
    with tempfile.TemporaryDirectory(prefix="gz-bench-gbk-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        shp = make_shapefile(tmp, args.rows, args.seed)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        backends = ["SpatiaLite"] + ([] if args.skip_postgis else ["PostGIS"])
        for backend in backends:
            with scratch_with_frame(backend, tmp) as engine:
                base = baseline(shp)
                started, cpu = time.perf_counter(), time.process_time()
                with collector_paused():  # as `gazetteer import` runs it
                    report = import_file(engine, shp, layers=["places"])
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu
                assert report.written == {"places": args.rows}, report.written
                print(
                    f"{backend}: import {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s "
                    f"(this process's CPU {cpu:.1f} s); plain read {base:.2f} s; "
                    f"ratio {seconds / base:.1f}"
                )
                results.append((backend, args.rows, seconds, base, cpu))
    if not args.no_record:
        extra = " --rows " + str(args.rows) if args.rows != 100_000 else ""
        record(results, f".venv/bin/python bench/bench_import_gbk.py{extra}", load)


if __name__ == "__main__":
    main()
