"""Core commands: migrate, demo, serve, stats."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from gazetteer.demo import ensure_demo
from gazetteer.services.stats import dataset_stats
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade


def _migrate(settings: Settings, args: argparse.Namespace) -> int:

    engine = create_engine_from_settings(settings)
    upgrade(engine)
    print("数据库结构已是最新 (schema up to date)")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:

    report = ensure_demo(settings, seed=args.seed, force=args.force, progress=not args.quiet)
    print(report.summary())
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # the server is started by name so that gazetteer never imports the API

    # The worker processes build their settings from the environment; pass the URLs on.
    os.environ["GAZETTEER_DATABASE_URL"] = settings.database_url
    read_urls = list(args.read_database_url or settings.read_database_urls)
    if read_urls:
        os.environ["GAZETTEER_READ_DATABASE_URLS"] = ",".join(read_urls)
    uvicorn.run(
        "api.main:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


def _stats(settings: Settings, args: argparse.Namespace) -> int:

    engine = create_engine_from_settings(settings)
    stats = dataset_stats(engine)
    if args.json:
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for key, value in stats.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for k, v in value.items():
                    print(f"  {k}: {v}")
            else:
                print(f"{key}: {value}")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(func=_migrate)

    p = sub.add_parser("demo", help="build the deterministic Weihai demo dataset")
    p.add_argument("--seed", type=int, default=None, help="random seed (default from settings)")
    p.add_argument("--force", action="store_true", help="rebuild even if the demo exists")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_demo)

    p = sub.add_parser("serve", help="serve the API and maps over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument(
        "--read-database-url",
        action="append",
        metavar="URL",
        help="a PostgreSQL hot standby for reads (repeatable; overrides "
        "GAZETTEER_READ_DATABASE_URLS)",
    )
    p.set_defaults(func=_serve)

    p = sub.add_parser("stats", help="counts of names, facilities, demand and network")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_stats)
