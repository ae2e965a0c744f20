"""CLI commands for the maps area: ``gazetteer sheets --out DIR`` (result map sheets)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gazetteer.cartography.sheet_cache import sheet_cache_for
from gazetteer.cartography.sheet_data import SheetRef
from gazetteer.services.sheets import CachedSheets, sheet_set, write_sheets
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings


def _sheets(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    engine = create_engine_from_settings(settings)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    with engine.connect() as conn:
        refs = sheet_set(conn)
        if args.list:
            for r in refs:
                print(f"{r.kind}\t{r.number}\t{r.name}")
            print(
                f"{sum(r.kind == 'grid' for r in refs)} 幅 1:50,000 图幅 + "
                f"{sum(r.kind == 'county' for r in refs)} 幅区市图 (sheets)"
            )
            return 0
        total = len(args.only) if args.only else len(refs)
        bar = tqdm(total=total, unit="幅", disable=args.quiet, file=sys.stderr)

        def step(ref: SheetRef) -> None:
            bar.set_postfix_str(ref.number)
            bar.update(1)

        # the API's sheet cache (same keys): unchanged sheets are copied, not drawn again
        cache = sheet_cache_for(settings.cache_dir, max_mb=settings.cache_max_mb)
        sheets = CachedSheets(cache, conn, reuse=not args.no_cache)
        written = write_sheets(
            conn,
            Path(args.out),
            formats=formats,
            only=args.only or (),
            progress=step,
            sheet_bytes=sheets,
        )
        bar.close()
    done = sheets.from_cache + sheets.rendered
    print(
        f"{done} 幅 (sheets): {sheets.from_cache} 幅取自缓存 (from cache), "
        f"{sheets.rendered} 幅重新绘制 (rendered)"
        + ("，未用缓存 (--no-cache)" if args.no_cache else "")
    )
    print(f"已生成 {len(written)} 个文件 (files written) -> {args.out}")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "sheets",
        help="print the result map sheets (成果图): 1:50,000 grid sheets and county maps",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", default="png,pdf", help="png, pdf or png,pdf (default)")
    p.add_argument(
        "--only", nargs="*", default=None, help="only these sheet numbers or county codes"
    )
    p.add_argument("--list", action="store_true", help="list the sheet set and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="draw every sheet again instead of copying unchanged ones from the sheet cache "
        "(GAZETTEER_CACHE_DIR); the cache is refreshed with the new files",
    )
    p.set_defaults(func=_sheets)
