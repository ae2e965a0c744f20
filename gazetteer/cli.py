"""The ``gazetteer`` command: a thin layer over the use cases.

Each area registers its sub-commands from ``gazetteer/commands/<area>.py`` (a
``register(subparsers)`` function that sets ``func`` on its parser). Every command takes
the database from ``GAZETTEER_DATABASE_URL``; errors print a clear message and exit
non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from gazetteer.commands import core, coverage, data, maps, naming, search
from gazetteer.errors import GazetteerError
from gazetteer.settings import Settings

COMMAND_MODULES = (core, data, search, naming, coverage, maps)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per use case (see ``gazetteer --help``)."""
    parser = argparse.ArgumentParser(
        prog="gazetteer",
        description="威海市地名信息服务 Weihai place-name gazetteer",
    )
    parser.add_argument(
        "--database-url",
        help="override GAZETTEER_DATABASE_URL (sqlite:///path or postgresql+psycopg://...)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status (0 ok, 1 error, 2 usage, 130 interrupted, 141
    output pipe closed)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = Settings()
        if args.database_url:
            settings = settings.model_copy(update={"database_url": args.database_url})
    except Exception as exc:  # pydantic ValidationError: bad environment
        print(f"错误 (error): invalid settings: {exc}", file=sys.stderr)
        return 2
    try:
        rc = args.func(settings, args)
        sys.stdout.flush()  # a closed pipe is reported here, not at the interpreter's exit
    except GazetteerError as exc:
        print(f"错误 (error): {exc.message}", file=sys.stderr)
        if exc.details:
            details = exc.details if isinstance(exc.details, list) else [exc.details]
            for line in details[:50]:
                print(f"  - {line}", file=sys.stderr)
            if len(details) > 50:
                print(f"  ... {len(details) - 50} more", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        print(f"错误 (error): 数据库错误 (database error): {first}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断 (interrupted)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of the output went away (``gazetteer search 东 --json | head``): stop
        # quietly, as Unix tools do; stdout goes to /dev/null so the interpreter's final
        # flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the pipe
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
