"""CLI of the network and coverage area: ``gazetteer network``, ``gazetteer coverage``,
``gazetteer recommend``. Output files: ``.csv``, ``.geojson`` or ``.xlsx`` by extension.

Facility types, weights, profiles and areas are accepted by code or by the Chinese name
the pages show (老年助餐点/助餐点, 老年人口/老年人, 步行, 文登区/张村镇); they and the output
path are checked before any work starts. CSV files open in Excel on Chinese Windows
(UTF-8 with BOM, Chinese headers, 是/否); ``--headers en`` writes the machine form."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from gazetteer.coverage import (
    Candidate,
    CoverageQuery,
    MovedSite,
    NewSite,
    WhatIfChanges,
    check_minutes,
    parse_facility_types,
    parse_weight,
)
from gazetteer.coverage.inputs import parse_profile, resolve_area
from gazetteer.coverage.isochrones import feature_collection
from gazetteer.coverage.report import (
    PICK_COLUMNS,
    POINT_COLUMNS,
    recommend_records,
    village_record,
    write_report_xlsx,
)
from gazetteer.errors import InvalidInput
from gazetteer.io.office import Headers, write_csv
from gazetteer.network import (
    get_profile,
    load_graph,
    profile_names,
    read_network_file,
    save_network,
)
from gazetteer.services.coverage import (
    SiteSearch,
    coverage,
    facility_isochrones,
    pick_rows,
    recommend,
    report,
    save_scenario,
    set_cover,
    what_if,
)
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.dialect import write_transaction


def _engine(settings: Settings) -> Any:

    return create_engine_from_settings(settings)


def _query(args: argparse.Namespace, engine: Any = None) -> CoverageQuery:
    """The question from the arguments: every name checked before any work starts (the
    area resolved by name when an engine is given)."""
    types = parse_facility_types(args.type)
    minutes = check_minutes(args.minutes)
    profile = parse_profile(args.profile)
    weight = parse_weight(args.weight)
    admin = args.admin
    if admin and engine is not None:
        with engine.connect() as conn:
            admin = resolve_area(conn, admin)
    return CoverageQuery(
        facility_types=types,
        minutes=minutes,
        profile=profile,
        weight=weight,
        admin=admin,
        gaps_limit=getattr(args, "gaps", 20),
    )


def check_out(path: str | None, suffixes: tuple[str, ...]) -> Path | None:
    """An output path checked before the run: a known suffix and a folder that exists."""
    if not path:
        return None
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise InvalidInput(
            f"输出文件须为 {'、'.join(suffixes)} (output must be one of {', '.join(suffixes)}): "
            f"{path}"
        )
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(f"输出目录不存在 (output folder does not exist): {parent}")
    if out.is_dir():
        raise InvalidInput(f"输出路径是目录 (output path is a folder): {path}")
    return out


def _headers(args: argparse.Namespace) -> Headers:
    return "en" if getattr(args, "headers", "zh") == "en" else "zh"


def _write_rows(
    path: Path, rows: list[dict[str, Any]], *, lon: str = "lon", lat: str = "lat"
) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            if rows:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
    elif suffix in (".geojson", ".json"):
        feats = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r[lon], r[lat]]},
                "properties": {k: v for k, v in r.items() if k not in (lon, lat)},
            }
            for r in rows
        ]
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
            encoding="utf-8",
        )
    else:
        raise InvalidInput(
            f"输出文件须为 .csv 或 .geojson (output must be .csv or .geojson): {path}"
        )


def _network_import(settings: Settings, args: argparse.Namespace) -> int:

    data = read_network_file(args.file, layer=args.layer)
    with write_transaction(_engine(settings)) as conn:
        n, e = save_network(conn, data, replace=not args.append)
    print(f"已导入路网 (network imported): {n} nodes, {e} edges; skipped {data.skipped}")
    return 0


def _network_info(settings: Settings, args: argparse.Namespace) -> int:
    import time

    engine = _engine(settings)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        g = load_graph(conn)
    dt = time.perf_counter() - t0
    print(f"nodes: {g.n_nodes}\nedges: {g.n_edges}\nloaded in: {dt:.2f} s")
    print(f"bounds (lon/lat): {', '.join(f'{x:.5f}' for x in g.bounds_lonlat())}")
    for name in profile_names():
        p = get_profile(name)
        pg = g.for_profile(p)
        print(f"profile {name}: {p.label}, usable edges {len(pg.usable)}")
    return 0


def _coverage(settings: Settings, args: argparse.Namespace) -> int:
    out = check_out(args.out, (".csv", ".geojson", ".json", ".xlsx"))
    engine = _engine(settings)
    q = _query(args, engine)
    want_points = out is not None and out.suffix.lower() != ".xlsx"
    r = coverage(engine, q, with_points=want_points)
    print(
        f"覆盖率 covered share: {r.covered_share:.1%} ({r.covered:.0f} / {r.total:.0f} "
        f"{r.weight.value}), {r.facility_count} facilities, {r.minutes:g} min {r.profile}"
    )
    for a in r.by_area:
        print(
            f"  {a.admin_code} {a.name:<14} {a.covered_share:7.1%} "
            f"{a.covered:10.0f} / {a.total:.0f}"
        )
    if r.gaps:
        print("缺口 gaps (by uncovered weight):")
        for g in r.gaps:
            mt = "-" if g.minutes_to_nearest is None else f"{g.minutes_to_nearest:.1f} min"
            print(f"  {g.code} {g.name:<12} {g.weight:8.0f}  nearest {mt}")
    if out is not None:
        rep = report(engine, q, all_villages=out.suffix.lower() != ".xlsx")
        if out.suffix.lower() == ".xlsx":
            write_report_xlsx(out, rep, headers=_headers(args))
            print(f"已写出 (written): {out}")
            return 0
        rank = {v.id: i for i, v in enumerate(rep.gaps, start=1) if i <= q.gaps_limit}
        nearest = {p.id: p.nearest_facility_id for p in r.points}
        rows = []
        for v in rep.villages:
            row = village_record(v)
            row["nearest_facility_id"] = nearest.get(v.id)
            row["gap_rank"] = rank.get(v.id)
            rows.append(row)
        _write_table(out, POINT_COLUMNS, rows, _headers(args))
        print(f"已写出 (written): {out} ({len(rows)} demand points)")
    return 0


def _write_table(path: Path, columns: Any, rows: list[dict[str, Any]], headers: Headers) -> None:
    if path.suffix.lower() == ".csv":
        write_csv(path, columns, rows, headers=headers, bom=headers == "zh")
    else:
        _write_rows(path, rows)


def _report(settings: Settings, args: argparse.Namespace) -> int:
    out = check_out(args.out, (".xlsx",))
    assert out is not None  # required by the parser
    engine = _engine(settings)
    q = _query(args, engine)
    ids = [int(x) for v in args.scenario or [] for x in str(v).split(",") if x.strip()]
    rep = report(engine, q, k=args.k or 0, scenario_ids=ids)
    write_report_xlsx(out, rep, headers=_headers(args))
    print(
        f"覆盖率 covered share: {rep.covered_share:.1%}; 按区市 {len(rep.by_county)} 行, "
        f"按镇街 {len(rep.by_town)} 行, 缺口村居 {len(rep.gaps)} 行"
        + (f", 推荐选址 {len(rep.picks)} 处" if rep.picks else "")
        + (f", 方案对比 {len(rep.comparisons)} 个方案" if rep.comparisons else "")
    )
    print(f"已写出 (written): {out}")
    return 0


def _isochrones(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    types = parse_facility_types(args.type) if args.type else ()
    with tqdm(desc="isochrones", unit="facility", disable=args.quiet, file=sys.stderr) as bar:
        items = facility_isochrones(
            _engine(settings),
            facility_types=types,
            facility_ids=args.id or (),
            minutes=args.minutes,
            profile=args.profile,
            limit=args.limit,
            progress=bar,
        )
    collection = feature_collection(items, args.profile)
    Path(args.out).write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    print(f"已写出 (written): {args.out} ({len(items)} polygons)")
    return 0


def _what_if(settings: Settings, args: argparse.Namespace) -> int:

    def pair(text: str) -> tuple[float, float]:
        try:
            lon, lat = (float(x) for x in text.split(","))
        except ValueError:
            raise InvalidInput(f"坐标格式为 lon,lat (expected lon,lat): {text}") from None
        return lon, lat

    moves = []
    for m in args.move or []:
        fid, _, rest = m.partition(":")
        moves.append(MovedSite(int(fid), *pair(rest)))
    changes = WhatIfChanges(
        add=tuple(NewSite(*pair(a)) for a in args.add or []),
        remove=tuple(args.remove or []),
        move=tuple(moves),
    )
    engine = _engine(settings)
    q = _query(args, engine)
    if args.save:
        s = save_scenario(engine, args.save, q, changes, user="cli")
        print(f"已保存方案 (scenario saved): #{s.id} {s.name}")
    r = what_if(engine, q, changes)
    print(
        f"现状 baseline: {r.baseline.covered_share:.1%}  方案 scenario: "
        f"{r.scenario.covered_share:.1%}  变化 change: {r.share_change:+.2%} "
        f"({r.covered_change:+.0f}); newly covered {len(r.newly_covered)}, "
        f"newly uncovered {len(r.newly_uncovered)}"
    )
    return 0


def _recommend(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    out = check_out(args.out, (".csv", ".geojson", ".json"))
    source, cands = args.candidates, []
    if source not in ("demand", "nodes"):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(
                f"候选须为 demand、nodes 或 CSV 文件 (candidates: demand, nodes or a CSV "
                f"file with lon,lat[,name]): {source}"
            )
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                cands.append(Candidate(float(row["lon"]), float(row["lat"]), row.get("name", "")))
        source = "list"
    engine = _engine(settings)
    q = _query(args, engine)
    with tqdm(desc="coverage matrix", unit="site", disable=args.quiet, file=sys.stderr) as bar:
        # where the sites may go and how hard to look, for either question
        search: SiteSearch = {
            "source": source,
            "candidates": cands,
            "exact": not args.greedy_only,
            "time_limit_s": args.time_limit,
            "progress": bar,
        }
        if args.target_share is not None:
            sc = set_cover(engine, q, args.target_share, **search)
            picks = sc.exact if sc.exact is not None else sc.greedy
            bar.close()
            print(
                f"目标 target {sc.target_share:.1%}: greedy {len(sc.greedy)} sites, exact "
                f"{'-' if sc.exact is None else len(sc.exact)} ({sc.exact_status}); all "
                f"candidates reach {sc.reachable_share:.1%}"
            )
        else:
            r = recommend(engine, q, args.k, **search)
            bar.close()
            picks = r.greedy
            ex = "-" if r.exact_gain is None else f"{r.exact_gain:.0f}"
            gap = "-" if r.greedy_gap is None else f"{r.greedy_gap:.2%}"
            print(
                f"{r.candidates} candidates; baseline {r.baseline_covered:.0f} / {r.total:.0f}; "
                f"greedy gain {r.greedy_gain:.0f}, exact gain {ex} ({r.exact_status}), "
                f"greedy gap {gap}"
            )
    for p in picks:
        print(f"  {p.rank:3d}. {p.candidate.name:<16} +{p.gain:8.0f}  -> {p.share_after:.1%}")
    if out is not None:
        located = []
        if args.target_share is None:
            located = pick_rows(engine, r)
        rows = recommend_records(picks, located)
        if out.suffix.lower() == ".csv":
            _write_table(out, PICK_COLUMNS, rows, _headers(args))
        else:
            _write_rows(out, rows)
        print(f"已写出 (written): {out}")
    return 0


def _common(p: argparse.ArgumentParser, *, type_required: bool = True) -> None:
    p.add_argument(
        "--type",
        action="append",
        required=type_required,
        help="设施类型 facility type (repeat or comma-separate): 老年助餐点 or elderly_meal_point",
    )
    p.add_argument("--minutes", type=float, default=15.0, help="1-120, default 15")
    p.add_argument(
        "--profile",
        default="walking",
        help="出行方式: 步行 walking, 老年人步行 elderly_walking, 电动自行车 ebike, 汽车 car",
    )
    p.add_argument(
        "--weight",
        default="population",
        help="权重: 总人口 population, 老年人口 elderly, 分散特困供养对象 dependents",
    )
    p.add_argument(
        "--admin", default=None, help="区域: 名称 (文登区, 张村镇) or code (6, 9 or 12 digits)"
    )


def _headers_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--headers",
        choices=("zh", "en"),
        default="zh",
        help="CSV/xlsx headers: zh (people, default: 中文表头, BOM, 是/否) or en (programs)",
    )


def register(sub: argparse._SubParsersAction[Any]) -> None:
    net = sub.add_parser("network", help="road network: import, info")
    nsub = net.add_subparsers(dest="network_command", metavar="ACTION", required=True)
    p = nsub.add_parser("import", help="import roads from .osm/.osm.pbf/.gpkg/.geojson/.shp")
    p.add_argument("file")
    p.add_argument("--layer", default=None, help="layer of a GeoPackage")
    p.add_argument("--append", action="store_true", help="add to the stored network")
    p.set_defaults(func=_network_import)
    p = nsub.add_parser("info", help="size, bounds and load time of the stored network")
    p.set_defaults(func=_network_info)

    cov = sub.add_parser("coverage", help="15-minute service circle: coverage, gaps, isochrones")
    csub = cov.add_subparsers(dest="coverage_command", metavar="ACTION", required=True)
    p = csub.add_parser("summary", help="covered share, by area, gaps")
    _common(p)
    p.add_argument("--gaps", type=int, default=20, help="gaps to list (default 20)")
    p.add_argument(
        "--out", help="every demand point with its time (.csv, .geojson) or the report (.xlsx)"
    )
    _headers_arg(p)
    p.set_defaults(func=_coverage)
    p = csub.add_parser(
        "report", help="覆盖报告 workbook: 按区市, 按镇街, 缺口村居 [推荐选址, 方案对比]"
    )
    _common(p)
    p.add_argument("--out", required=True, help="output .xlsx (e.g. 报告.xlsx)")
    p.add_argument("--k", type=int, default=0, help="add the k recommended sites (推荐选址)")
    p.add_argument(
        "--scenario", action="append", metavar="ID", help="saved scenario id(s) for 方案对比"
    )
    _headers_arg(p)
    p.set_defaults(func=_report)
    p = csub.add_parser("isochrones", help="service-area polygons as GeoJSON")
    p.add_argument("--type", action="append", help="facility type(s)")
    p.add_argument("--id", type=int, action="append", help="facility id(s)")
    p.add_argument("--minutes", type=float, nargs="+", default=[5, 10, 15])
    p.add_argument("--profile", default="walking")
    p.add_argument("--limit", type=int, default=2000, help="most facilities (default 2000)")
    p.add_argument("--out", required=True, help="output .geojson")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_isochrones)
    p = csub.add_parser("what-if", help="coverage with sites added/removed/moved (not saved)")
    _common(p)
    p.add_argument("--add", action="append", metavar="LON,LAT")
    p.add_argument("--remove", type=int, action="append", metavar="ID")
    p.add_argument("--move", action="append", metavar="ID:LON,LAT")
    p.add_argument("--save", metavar="NAME", help="save as a named scenario")
    p.set_defaults(func=_what_if)

    p = sub.add_parser("recommend", help="where to build next (maximal / set covering)")
    _common(p)
    p.add_argument("--k", type=int, default=10, help="number of new sites (default 10)")
    p.add_argument(
        "--target-share",
        type=float,
        default=None,
        help="instead of k: fewest sites reaching this share (0-1)",
    )
    p.add_argument(
        "--candidates",
        default="demand",
        help="demand (default), nodes, or a CSV file with lon,lat[,name]",
    )
    p.add_argument("--greedy-only", action="store_true", help="skip the exact HiGHS model")
    p.add_argument("--time-limit", type=float, default=30.0, help="HiGHS seconds (default 30)")
    p.add_argument("--out", help="picks as .csv or .geojson")
    _headers_arg(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_recommend)
