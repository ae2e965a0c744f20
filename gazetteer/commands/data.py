"""CLI commands for import and export.

``gazetteer export --format geojson|gpkg|shp|csv|xlsx [--layer NAME ...] --out PATH
[--headers zh|en] [--encoding utf-8|gbk|gb18030] [--no-bom]``
``gazetteer import [--format F] [--layer NAME ...] [--skip-invalid] [--dry-run]
[--encoding E] [--mapping CSV] [--crs CRS] [--from-gcj02] PATH``
``gazetteer import admin CSV [--boundaries GEOJSON] [--skip-invalid] [--dry-run]``
``gazetteer national generate --names N [--seed S] [--out DIR] [--no-load] [--jobs J]``
``gazetteer national load DIR [--no-index] [--jobs J]`` (then indexes),
``gazetteer national index [--jobs J]`` (resumes)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from gazetteer.demo.national import write_national
from gazetteer.demo.national_load import LoadReport, load_national
from gazetteer.errors import GazetteerError, ImportFailed, InvalidInput
from gazetteer.io import ImportReport, collector_paused, export_layers, import_admin, import_file
from gazetteer.io.export import resolve_layers
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.bulk import BUILD_JOBS, MAX_BUILD_JOBS, build_pending, pending_steps
from gazetteer.storage.migrate import is_current

FORMATS = ("geojson", "gpkg", "shp", "csv", "xlsx")  # as gazetteer.io.export.FORMATS
IMPORT_FORMATS = ("geojson", "gpkg", "gdb", "shp", "csv", "xlsx", "kml")  # io.read.FORMAT_NAMES
LAYER_HELP = (
    "layer (repeatable): admin_areas, places, roads, compounds, place_history, built_up_areas, "
    "facilities, demand_points, network_nodes, network_edges, or all (default)"
)


class TqdmProgress:
    """Progress bars on stderr; each phase is also announced on a line of its own."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def start(self, desc: str, total: int) -> None:
        from tqdm import tqdm

        self.done()
        if self.enabled:
            print(f"{desc} ({total})", file=sys.stderr, flush=True)
        self._bar = tqdm(
            total=total,
            desc=desc,
            unit="行",
            file=sys.stderr,
            disable=not self.enabled,
            leave=False,
        )

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def done(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _engine(settings: Settings) -> Any:

    engine = create_engine_from_settings(settings)
    if not is_current(engine):
        raise InvalidInput(
            "数据库结构不是最新，请先运行 `gazetteer migrate` "
            "(the database schema is missing or old; run `gazetteer migrate` first)"
        )
    return engine


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    engine = _engine(settings)
    layers = args.layer or ["all"]
    steps = 2 * len(resolve_layers(layers))  # read and write each layer
    with tqdm(total=steps, desc="导出 (export)", file=sys.stderr, disable=args.quiet) as bar:

        def note(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(1)

        result = export_layers(
            engine,
            fmt=args.format,
            layers=layers,
            out=Path(args.out),
            progress=note,
            headers=args.headers,
            encoding=args.encoding,
            bom=not args.no_bom,
        )
    for name, n in result.counts.items():
        print(f"{name}: {n}")
    for path in result.files:
        print(f"已写出 (wrote) {path}")
    return 0


def _print_errors(errors: list[dict[str, Any]], limit: int) -> None:
    print("行号 row | 图层 layer | 字段 field | 问题 problem", file=sys.stderr)
    for e in errors[:limit]:
        src = f"{e['source']} " if e.get("source") else ""
        where = f"{src}第 {e['row']} 行 (row {e['row']})"
        print(f"{where} | {e['layer']} | {e['field']} | {e['problem']}", file=sys.stderr)
    if len(errors) > limit:
        print(f"... 另有 {len(errors) - limit} 行 ({len(errors) - limit} more)", file=sys.stderr)


def _import(settings: Settings, args: argparse.Namespace) -> int:

    target: list[str] = args.target
    progress = TqdmProgress(enabled=not args.quiet)
    if target[0] == "admin":
        if len(target) != 2:
            raise InvalidInput("用法 (usage): gazetteer import admin CSV [--boundaries GEOJSON]")
        engine = _engine(settings)

        def run() -> ImportReport:
            return import_admin(
                engine,
                Path(target[1]),
                boundaries=Path(args.boundaries) if args.boundaries else None,
                skip_invalid=args.skip_invalid,
                dry_run=args.dry_run,
                progress=progress,
            )

    else:
        if len(target) != 1:
            raise InvalidInput(
                "一次导入一个文件 (import one file at a time): gazetteer import PATH"
            )
        if args.boundaries:
            raise InvalidInput("--boundaries 只用于 `import admin` (only with `import admin`)")
        path = Path(target[0])
        if not path.exists():
            raise InvalidInput(f"文件不存在 (file not found): {path}")
        engine = _engine(settings)

        def run() -> ImportReport:
            return import_file(
                engine,
                path,
                fmt=args.format,
                layers=args.layer,
                skip_invalid=args.skip_invalid,
                dry_run=args.dry_run,
                progress=progress,
                encoding=args.encoding,
                mapping=Path(args.mapping) if args.mapping else None,
                crs=args.crs,
                from_gcj02=args.from_gcj02,
            )

    try:
        with collector_paused():  # this process runs the import and nothing else
            report = run()
    except ImportFailed as exc:
        progress.done()
        details = exc.details if isinstance(exc.details, list) else []
        _print_errors(details, args.max_errors)
        print(f"错误 (error): {exc.message}", file=sys.stderr)
        return 1
    finally:
        progress.done()
    if report.errors:
        print(
            "以下行无效，已跳过 (these rows are invalid and were skipped):",
            file=sys.stderr,
        )
        _print_errors([e.as_dict() for e in report.errors], args.max_errors)
    if report.dry_run:
        for note in report.notes:  # how each column was mapped, encodings, coordinates
            print(note)
    print(report.summary())
    if report.dry_run:
        print("试运行，未写入数据库 (dry run: nothing was written)")
    return 0


def _print_load(report: LoadReport) -> None:
    sec = report.seconds
    load = sec.get("frame", 0.0) + sec.get("rows", 0.0) + sec.get("checks", 0.0)
    print(
        f"已载入 (loaded): {report.areas:,} 行政区划 (areas), {report.places:,} 地名 (names) "
        f"in {load:.1f} s (frame {sec.get('frame', 0.0):.1f} s, rows "
        f"{sec.get('rows', 0.0):.1f} s, checks {sec.get('checks', 0.0):.1f} s)"
    )
    if "index" in sec:
        print(
            f"已建索引 (indexed): {sec['index']:.1f} s; searchable after "
            f"{sec.get('rows', 0.0) + sec.get('checks', 0.0) + sec['index']:.1f} s = "
            f"{report.rows_per_s:,.0f} names/s"
        )
    else:
        print("索引未建 (not indexed yet): run `gazetteer national index`")


def _index(engine: Any, jobs: int) -> tuple[int, float]:
    """The indexing phase; a failed step becomes a message saying which and what to do."""
    try:
        return build_pending(engine, jobs)
    except GazetteerError:
        raise
    except Exception as exc:
        orig = getattr(exc, "orig", None) or exc
        said = str(orig).strip().splitlines()
        step = next((n for n in getattr(exc, "__notes__", ()) if n.startswith("build step")), "")
        try:
            with engine.connect() as conn:
                left = f"{pending_steps(conn)} 步待建 (steps pending, the failed one among them)"
        except Exception:
            left = "其余步骤待建 (the rest stays pending)"
        raise GazetteerError(
            f"索引构建失败 (the indexing phase failed): {said[0] if said else type(orig).__name__}"
            f"{f' -- {step}' if step else ''}. {left}; 排除原因后运行 gazetteer national index "
            "继续 (fix the cause, then run `gazetteer national index` to resume)"
        ) from exc


def _jobs(args: argparse.Namespace) -> int:
    if not 1 <= args.jobs <= MAX_BUILD_JOBS:
        raise InvalidInput(f"--jobs 须在 1 到 {MAX_BUILD_JOBS} 之间 (must be 1..{MAX_BUILD_JOBS})")
    return int(args.jobs)


def _load_and_index(engine: Any, folder: Path, *, index: bool, jobs: int) -> LoadReport:
    report = load_national(engine, folder, index=False)
    if index:
        try:
            report.seconds["index"] = _index(engine, jobs)[1]
        except GazetteerError:
            _print_load(report)  # the rows are committed: say so before the error
            raise
    return report


def _national_generate(settings: Settings, args: argparse.Namespace) -> int:
    jobs = _jobs(args)
    if args.names < 0:
        raise InvalidInput("--names 不能为负数 (must not be negative)")
    if args.no_load and not args.out:
        raise InvalidInput("--no-load 需要 --out (--no-load needs --out)")
    engine = None if args.no_load else _engine(settings)
    with tempfile.TemporaryDirectory(prefix="gz-national-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        admin, _, frame = write_national(out, args.names, args.seed)
        print(
            f"已生成 (generated): {len(frame.areas):,} areas ({frame.prefectures} prefectures, "
            f"{frame.counties:,} counties, {len(frame.town_codes):,} towns), "
            f"{args.names:,} names -> {admin.parent}"
        )
        if engine is not None:
            _print_load(_load_and_index(engine, out, index=True, jobs=jobs))
            engine.dispose()
    return 0


def _national_load(settings: Settings, args: argparse.Namespace) -> int:
    jobs = _jobs(args)
    engine = _engine(settings)
    _print_load(_load_and_index(engine, Path(args.folder), index=not args.no_index, jobs=jobs))
    engine.dispose()
    return 0


def _national_index(settings: Settings, args: argparse.Namespace) -> int:
    jobs = _jobs(args)
    engine = _engine(settings)
    try:
        steps, seconds = _index(engine, jobs)
    finally:
        engine.dispose()
    print(f"已建索引 (indexed): {steps} 步 (steps), {seconds:.1f} s")
    return 0


def _jobs_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=BUILD_JOBS,
        help=f"connections of the indexing phase: independent steps run side by side "
        f"(default {BUILD_JOBS}; about the database server's cores)",
    )


def _register_national(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "national",
        help="a synthetic national data set (31 provinces, ~40,000 towns, N names)",
        description="全国模拟数据 (a synthetic national gazetteer with the census's shape), "
        "loaded in bulk (PostgreSQL COPY); see gazetteer/demo/national.py.",
    )
    national = p.add_subparsers(dest="national_command", required=True)
    g = national.add_parser("generate", help="generate the CSV files and load them")
    g.add_argument("--names", type=int, required=True, help="place names to generate")
    g.add_argument("--seed", type=int, default=2024)
    g.add_argument("--out", help="folder for admin_areas.csv and places.csv (default: temporary)")
    g.add_argument("--no-load", action="store_true", help="write the files only (needs --out)")
    _jobs_argument(g)
    g.set_defaults(func=_national_generate)
    ld = national.add_parser("load", help="load a folder written by `national generate`")
    ld.add_argument("folder")
    ld.add_argument(
        "--no-index",
        action="store_true",
        help="stop after the load phase (the rows); `national index` builds the rest",
    )
    _jobs_argument(ld)
    ld.set_defaults(func=_national_load)
    ix = national.add_parser(
        "index",
        help="run the indexing phase a load left (or resume an interrupted one)",
        description="建索引：运行批量载入后未完成的构建步骤 (n-grams, aliases, indexes, "
        "statistics); each step commits on its own, so it can be run again after an "
        "interruption. The service is not ready (/readyz 503) until it is done.",
    )
    _jobs_argument(ix)
    ix.set_defaults(func=_national_index)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    _register_national(sub)
    p = sub.add_parser(
        "export",
        help="export layers to GeoJSON, GeoPackage, Shapefile, CSV or Excel",
        description="导出图层 (export layers). --out is a file for gpkg/xlsx (or a single "
        "geojson/csv layer) and a folder otherwise.",
    )
    p.add_argument("--format", "-f", required=True, choices=FORMATS)
    p.add_argument("--layer", "-l", action="append", help=LAYER_HELP)
    p.add_argument("--out", "-o", required=True, help="output file or folder")
    p.add_argument(
        "--headers",
        choices=("zh", "en"),
        default="zh",
        help="CSV/Excel: zh (default) for people — Chinese headers and labels, codes kept as "
        "text, 是/否; en for programs — field names and stored values",
    )
    p.add_argument(
        "--encoding",
        choices=("utf-8", "gbk", "gb18030"),
        default="utf-8",
        help="CSV encoding (default utf-8 with a BOM, which Excel needs)",
    )
    p.add_argument("--no-bom", action="store_true", help="CSV: UTF-8 without the BOM")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "import",
        help="import a file (validated, all or nothing); `import admin CSV` for NBS codes",
        description="导入文件 (import a file). Every row is validated; the file is written "
        "whole or not at all unless --skip-invalid is given. "
        "`gazetteer import admin CSV --boundaries GEOJSON` imports NBS division codes.",
    )
    p.add_argument("target", nargs="+", metavar="PATH", help="file/folder, or: admin CSV")
    p.add_argument("--format", "-f", choices=IMPORT_FORMATS, help="default: from the file name")
    p.add_argument("--layer", "-l", action="append", help=LAYER_HELP)
    p.add_argument("--boundaries", help="with `import admin`: boundary polygons (GeoJSON)")
    p.add_argument("--skip-invalid", action="store_true", help="write the valid rows only")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate only, write nothing; prints how each column was mapped",
    )
    p.add_argument(
        "--encoding", help="text encoding (utf-8, gbk, gb18030); default: .cpg or detected"
    )
    p.add_argument(
        "--mapping",
        metavar="CSV",
        help="column mapping (columns: column,field[,layer]) for layouts the census table "
        "does not know",
    )
    p.add_argument(
        "--crs", help="coordinate system of the file (EPSG:4549 …); default: .prj or detected"
    )
    p.add_argument(
        "--from-gcj02",
        action="store_true",
        help="the coordinates are GCJ-02 (Amap/Tencent web maps): convert to CGCS2000",
    )
    p.add_argument("--max-errors", type=int, default=200, help="error rows to print")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_import)
