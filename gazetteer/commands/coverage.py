"""CLI of the network and coverage area: ``gazetteer network``, ``gazetteer coverage``,
``gazetteer recommend``. Output files: ``.csv`` or ``.geojson`` by extension."""

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
from gazetteer.coverage.data import load_demand
from gazetteer.errors import InvalidInput
from gazetteer.network import (
    get_profile,
    load_graph,
    profile_names,
    read_network_file,
    save_network,
)
from gazetteer.services.coverage import (
    coverage,
    facility_isochrones,
    recommend,
    save_scenario,
    set_cover,
    what_if,
)
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.dialect import write_transaction


def _engine(settings: Settings) -> Any:

    return create_engine_from_settings(settings)


def _query(args: argparse.Namespace) -> Any:

    return CoverageQuery(
        facility_types=parse_facility_types(args.type),
        minutes=check_minutes(args.minutes),
        profile=args.profile,
        weight=parse_weight(args.weight),
        admin=args.admin,
        gaps_limit=getattr(args, "gaps", 20),
    )


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

    r = coverage(_engine(settings), _query(args))
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
    if args.out:
        by_id = {g.id: g for g in r.gaps}

        with _engine(settings).connect() as conn:
            demand = load_demand(conn)
        index = {int(x): i for i, x in enumerate(demand.ids)}
        rows = []
        for p in r.points:
            i = index[p.id]
            rows.append(
                {
                    "id": p.id,
                    "code": demand.codes[i],
                    "name": demand.names[i],
                    "admin_code": p.admin_code,
                    "lon": float(demand.lonlat[i, 0]),
                    "lat": float(demand.lonlat[i, 1]),
                    "weight": p.weight,
                    "minutes_to_nearest": p.minutes_to_nearest,
                    "nearest_facility_id": p.nearest_facility_id,
                    "covered": p.covered,
                    "gap_rank": list(by_id).index(p.id) + 1 if p.id in by_id else None,
                }
            )
        _write_rows(Path(args.out), rows)
        print(f"已写出 (written): {args.out} ({len(rows)} demand points)")
    return 0


def _isochrones(settings: Settings, args: argparse.Namespace) -> int:
    from shapely.geometry import mapping
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
    feats = [
        {
            "type": "Feature",
            "geometry": mapping(i.geometry),
            "properties": {
                "facility_id": i.facility_id,
                "name": i.name,
                "facility_type": i.facility_type,
                "minutes": i.minutes,
                "profile": args.profile,
            },
        }
        for i in items
    ]
    Path(args.out).write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
        encoding="utf-8",
    )
    print(f"已写出 (written): {args.out} ({len(feats)} polygons)")
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
    if args.save:
        s = save_scenario(engine, args.save, _query(args), changes, user="cli")
        print(f"已保存方案 (scenario saved): #{s.id} {s.name}")
    r = what_if(engine, _query(args), changes)
    print(
        f"现状 baseline: {r.baseline.covered_share:.1%}  方案 scenario: "
        f"{r.scenario.covered_share:.1%}  变化 change: {r.share_change:+.2%} "
        f"({r.covered_change:+.0f}); newly covered {len(r.newly_covered)}, "
        f"newly uncovered {len(r.newly_uncovered)}"
    )
    return 0


def _recommend(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

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
    with tqdm(desc="coverage matrix", unit="site", disable=args.quiet, file=sys.stderr) as bar:
        if args.target_share is not None:
            sc = set_cover(
                engine,
                _query(args),
                args.target_share,
                source=source,
                candidates=cands,
                exact=not args.greedy_only,
                time_limit_s=args.time_limit,
                progress=bar,
            )
            picks = sc.exact if sc.exact is not None else sc.greedy
            bar.close()
            print(
                f"目标 target {sc.target_share:.1%}: greedy {len(sc.greedy)} sites, exact "
                f"{'-' if sc.exact is None else len(sc.exact)} ({sc.exact_status}); all "
                f"candidates reach {sc.reachable_share:.1%}"
            )
        else:
            r = recommend(
                engine,
                _query(args),
                args.k,
                source=source,
                candidates=cands,
                exact=not args.greedy_only,
                time_limit_s=args.time_limit,
                progress=bar,
            )
            bar.close()
            picks = r.greedy
            ex = "-" if r.exact_gain is None else f"{r.exact_gain:.0f}"
            gap = "-" if r.greedy_gap is None else f"{r.greedy_gap:.2%}"
            print(
                f"{r.candidates} candidates; baseline {r.baseline_covered:.0f} / {r.total:.0f}; "
                f"greedy gain {r.greedy_gain:.0f}, exact gain {ex} ({r.exact_status}), "
                f"greedy gap {gap}"
            )
    rows = []
    for p in picks:
        c = p.candidate
        rows.append(
            {
                "rank": p.rank,
                "name": c.name,
                "source": c.source,
                "ref": c.ref,
                "lon": c.lon,
                "lat": c.lat,
                "gain": p.gain,
                "share_after": round(p.share_after, 6),
            }
        )
        print(f"  {p.rank:3d}. {c.name:<16} +{p.gain:8.0f}  -> {p.share_after:.1%}")
    if args.out:
        _write_rows(Path(args.out), rows)
        print(f"已写出 (written): {args.out}")
    return 0


def _common(p: argparse.ArgumentParser, *, type_required: bool = True) -> None:
    p.add_argument(
        "--type",
        action="append",
        required=type_required,
        help="facility type (repeat or comma-separate), e.g. elderly_meal_point",
    )
    p.add_argument("--minutes", type=float, default=15.0, help="1-120, default 15")
    p.add_argument(
        "--profile",
        default="walking",
        help="walking, elderly_walking, ebike, car (default walking)",
    )
    p.add_argument("--weight", default="population", help="population, elderly, dependents")
    p.add_argument("--admin", default=None, help="limit to an area (6, 9 or 12 digits)")


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
    p.add_argument("--out", help="every demand point with its time (.csv or .geojson)")
    p.set_defaults(func=_coverage)
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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_recommend)
