"""Time export (every format) and import (GeoPackage, GeoJSON) of the full demo.

    /tmp/venv0/bin/python bench/bench_io.py [--seed N] [--skip-postgis] [--no-record]

For each backend (SpatiaLite in a temporary file; PostGIS in a scratch database created
and dropped on ``GAZETTEER_BENCH_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) the demo is built with
``gazetteer.demo.build_demo``, then:

* export of all layers to each format, against the baseline of writing the same data
  frames straight to the same format without the database (pyogrio for GeoJSON,
  GeoPackage and Shapefile; pandas ``to_csv`` / ``to_excel`` for CSV and Excel);
* import of the GeoPackage and the GeoJSON folder into an empty database (every row
  validated, one transaction), against the baseline of just reading the same file into
  GeoDataFrames with pyogrio (no validation, no database).

Figures are printed and recorded in bench/RESULTS.md under "Import and export".
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyogrio  # before any SpatiaLite connection (see gazetteer/io/__init__.py)
from benchlib import RESULTS, scratch, write_section

from gazetteer.demo import build_demo
from gazetteer.io import export_layers, import_file
from gazetteer.io.export import FORMATS
from gazetteer.io.layers import LAYERS
from gazetteer.settings import Settings

HEADING = "## Import and export"


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def frames(gpkg: Path) -> dict[str, Any]:
    return {name: pyogrio.read_dataframe(gpkg, layer=name) for name, _ in pyogrio.list_layers(gpkg)}


def baseline_write(fmt: str, data: dict[str, Any], out: Path) -> float:
    """Write the same frames without the database."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL laundering long Shapefile field names
            write()

    def write() -> None:
        if fmt == "xlsx":
            with pd.ExcelWriter(out / "b.xlsx", engine="openpyxl") as xw:
                for name, df in data.items():
                    df.to_wkt().to_excel(xw, sheet_name=name, index=False)
            return
        for name, df in data.items():
            if fmt == "csv":
                df.to_wkt().to_csv(out / f"{name}.csv", index=False)
            elif fmt == "gpkg":
                pyogrio.write_dataframe(df, out / "b.gpkg", layer=name, driver="GPKG")
            elif fmt == "geojson":
                pyogrio.write_dataframe(df, out / f"{name}.geojson", driver="GeoJSON")
            else:
                for kind in sorted({g.geom_type for g in df.geometry if g is not None}) or [None]:
                    part = df[[g is not None and g.geom_type == kind for g in df.geometry]]
                    pyogrio.write_dataframe(
                        part, out / f"{name}_{kind}.shp", driver="ESRI Shapefile", encoding="UTF-8"
                    )

    return timed(run)


def baseline_read(path: Path) -> float:
    def run() -> None:
        if path.is_dir():
            for p in sorted(path.glob("*.geojson")):
                pyogrio.read_dataframe(p)
        else:
            for name, _ in pyogrio.list_layers(path):
                pyogrio.read_dataframe(path, layer=name)

    return timed(run)


def bench_backend(backend: str, seed: int, tmp: Path) -> list[tuple[str, str, float, float]]:
    rows: list[tuple[str, str, float, float]] = []
    with scratch(backend, tmp, "gz_bench_io") as engine:
        build = timed(lambda: build_demo(engine, seed=seed))
        print(f"[{backend}] demo built in {build:.1f} s")
        outputs: dict[str, Path] = {}
        for fmt in FORMATS:
            out = tmp / f"{backend}-{fmt}"
            started = time.perf_counter()
            result = export_layers(engine, fmt=fmt, layers=["all"], out=out)
            seconds = time.perf_counter() - started
            outputs[fmt] = result.files[0] if fmt in ("gpkg", "xlsx") else out
            rows.append((backend, f"export {fmt}", seconds, 0.0))
        data = frames(outputs["gpkg"])
        for i, (_, what, seconds, _) in enumerate(list(rows)):
            fmt = what.split()[1]
            base = baseline_write(fmt, data, tmp / f"{backend}-base-{fmt}")
            rows[i] = (backend, what, seconds, base)
            print(f"[{backend}] {what:16s} {seconds:7.1f} s  baseline {base:6.1f} s")
    for fmt in ("gpkg", "geojson"):
        source = outputs[fmt]
        with scratch(backend, tmp, "gz_bench_io") as empty:
            started = time.perf_counter()
            import_file(empty, source)
            seconds = time.perf_counter() - started
        base = baseline_read(source)
        rows.append((backend, f"import {fmt}", seconds, base))
        print(f"[{backend}] import {fmt:9s} {seconds:7.1f} s  baseline {base:6.1f} s")
    return rows


def record(rows: list[tuple[str, str, float, float]], counts: str, command: str) -> None:
    lines = [
        HEADING,
        "",
        "Full demo (all layers: " + counts + "), 2 shared cores. Export = every layer to one "
        "format; import = the whole GeoPackage / GeoJSON folder into an empty database, every "
        "row validated, one transaction. Baselines measured in the same run: writing the same "
        "GeoDataFrames straight to the format without the database (pyogrio; pandas for "
        "CSV/Excel), and for imports just reading the file with pyogrio.",
        "",
        "Command:",
        "",
        f"    {command}",
        "",
        "| backend | operation | seconds | baseline s | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for backend, what, seconds, base in rows:
        ratio = seconds / base if base else float("nan")
        lines.append(f"| {backend} | {what} | {seconds:.1f} | {base:.1f} | {ratio:.1f} |")
    write_section(HEADING, "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=Settings().demo_seed)
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = ["SpatiaLite"] + ([] if args.skip_postgis else ["PostGIS"])
        for backend in backends:
            rows.extend(bench_backend(backend, args.seed, Path(tmp)))
        gpkg = Path(tmp) / "SpatiaLite-gpkg" / "weihai_gazetteer.gpkg"
        counts = ", ".join(
            f"{name} {pyogrio.read_info(gpkg, layer=name)['features']:,}"
            for name in (s.name for s in LAYERS)
        )
    print()
    print(f"{'backend':10s} {'operation':16s} {'s':>7s} {'base s':>7s} {'ratio':>6s}")
    for backend, what, seconds, base in rows:
        print(f"{backend:10s} {what:16s} {seconds:7.1f} {base:7.1f} {seconds / base:6.1f}")
    if not args.no_record:
        flags = " --skip-postgis" if args.skip_postgis else ""
        record(rows, counts, f"/tmp/venv0/bin/python bench/bench_io.py{flags}")
        print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
