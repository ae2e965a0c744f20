"""CLI commands of the search area: ``gazetteer search QUERY`` and ``gazetteer place ID``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from gazetteer.io.card import card_rows
from gazetteer.search import make_query
from gazetteer.services.places import place_details
from gazetteer.services.search import search
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings


def _search(settings: Settings, args: argparse.Namespace) -> int:

    query = make_query(
        args.query,
        category=args.category,
        admin=args.admin,
        bbox=args.bbox,
        near=args.near,
        radius_m=args.radius_m,
        status=args.status,
        limit=args.limit,
        offset=args.offset,
    )
    engine = create_engine_from_settings(settings)
    try:
        with engine.connect() as conn:
            page = search(conn, query)
    finally:
        engine.dispose()
    if args.json:
        data = {"results": [asdict(h) for h in page.results], "total": page.total}
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
        return 0
    more = "" if page.total_is_exact else "+"
    print(f"共 {page.total}{more} 条 (total {page.total}{more})")
    for n, h in enumerate(page.results, start=query.offset + 1):
        via = f" ← {h.matched_name}" if h.matched_name != h.name else ""
        print(
            f"{n:>3}. {h.name}{via}  [{h.match}] {h.score:.3f}  {h.romanized}  "
            f"{h.category}  {' '.join(h.admin_path)}  id={h.id}  ({h.lon:.5f}, {h.lat:.5f})"
        )
    return 0


def _place(settings: Settings, args: argparse.Namespace) -> int:

    engine = create_engine_from_settings(settings)
    try:
        with engine.connect() as conn:
            details = place_details(conn, args.id)
    finally:
        engine.dispose()
    for label, value in card_rows(details):
        if value:
            print(f"{label}: {value}")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "search",
        help="search names: characters, pinyin, initials, typos, former names",
        description="搜索地名 Search place names (exact > prefix > substring > pinyin > "
        "initials > fuzzy; former names say so).",
    )
    p.add_argument("query", nargs="?", default="", help="e.g. 威海, weihai, whs, 威h")
    p.add_argument("--category", help="major or subcategory code (23, 23510)")
    p.add_argument("--admin", help="administrative area code of any level")
    p.add_argument("--bbox", help="minlon,minlat,maxlon,maxlat")
    p.add_argument("--near", help="lon,lat")
    p.add_argument("--radius-m", type=float, default=None, help="radius around --near")
    p.add_argument("--status", choices=["current", "historical", "all"], default=None)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_search)

    p = sub.add_parser("place", help="print the 地名成果表 of one place by id")
    p.add_argument("id", type=int)
    p.set_defaults(func=_place)
