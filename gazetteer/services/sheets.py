"""Result map sheet (成果图) use cases: the sheet set, one sheet through the sheet cache,
and ``gazetteer sheets`` writing every sheet to a folder.

The API and the command form the same keys (:func:`locate`), so they reuse each other's
files in the cache directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from gazetteer.cartography import sheet_data, sheet_render
from gazetteer.cartography.sheet_cache import SHEET_DPI, SheetCache, SheetKey, sheet_key
from gazetteer.cartography.sheet_data import SheetRef
from gazetteer.errors import InvalidInput
from gazetteer.storage.engine import database_key
from gazetteer.storage.versions import sheet_data_version

FORMATS = ("png", "pdf")
SheetBytes = Callable[[SheetRef, Sequence[str]], Mapping[str, bytes]]


def check_format(fmt: str) -> str:
    """``fmt`` when it is a sheet format (png or pdf)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"不支持的格式 (unsupported sheet format: {fmt}; use png or pdf)")
    return fmt


def sheet_set(conn: Connection) -> list[SheetRef]:
    """Every sheet to print (grid sheets over the city's land, then county sheets)."""
    return sheet_data.sheet_set(conn)


def render(engine: Engine, ref: SheetRef, fmt: str) -> bytes:
    """Draw one sheet now (no cache), as PNG or PDF bytes."""
    with engine.connect() as conn:
        data = sheet_data.load_sheet_data(conn, ref)
    return sheet_render.figure_bytes(sheet_render.render_sheet(data), fmt, dpi=SHEET_DPI)


@dataclass(frozen=True, slots=True)
class Located:
    """A sheet found in the set, with its cache key and, when present, the cached file."""

    ref: SheetRef
    key: SheetKey
    body: bytes | None


def locate(engine: Engine, cache: SheetCache, number: str, fmt: str) -> Located:
    """The sheet's key (the data version and the cache's remembered sheet index: one
    statement) and the cached file if there is one; never renders."""
    check_format(fmt)
    with engine.connect() as conn:
        version = sheet_data_version(conn)
        ref = cache.index(conn, version).find(number)
    key = sheet_key(database_key(engine), ref, fmt, version, sheet_render.renderer_version())
    return Located(ref, key, cache.cached(key))


class CachedSheets:
    """The bytes of each sheet for ``gazetteer sheets`` (the ``sheet_bytes`` argument of
    :func:`write_sheets`): read from the cache under the same keys as the API, else drawn
    once for every format still missing and written through. ``reuse=False``
    (``--no-cache``) draws every sheet and refreshes the cache.

    The data version is read once, when the object is made: files of a run are keyed by
    the data the run started from."""

    def __init__(self, cache: SheetCache, conn: Connection, *, reuse: bool = True) -> None:
        self.cache = cache
        self.conn = conn
        self.reuse = reuse
        self.database = database_key(conn.engine)
        self.data_version = sheet_data_version(conn)
        self.renderer = sheet_render.renderer_version()
        self.from_cache = 0  # sheets whose every format was read from the cache
        self.rendered = 0  # sheets drawn by this run

    def __call__(self, ref: SheetRef, formats: Sequence[str]) -> dict[str, bytes]:
        keys = {
            fmt: sheet_key(self.database, ref, fmt, self.data_version, self.renderer)
            for fmt in formats
        }
        out: dict[str, bytes] = {}
        if self.reuse:
            for fmt, key in keys.items():
                data = self.cache.read(key)
                if data is not None:
                    out[fmt] = data
        missing = [fmt for fmt in formats if fmt not in out]
        if not missing:
            self.from_cache += 1
            return out
        fig = sheet_render.render_sheet(sheet_data.load_sheet_data(self.conn, ref))
        for fmt in missing:
            out[fmt] = sheet_render.figure_bytes(fig, fmt, dpi=SHEET_DPI)
            self.cache.store(keys[fmt], out[fmt])
        self.rendered += 1
        return out


def write_sheets(
    conn: Connection,
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    only: Sequence[str] = (),
    progress: Callable[[SheetRef], None] | None = None,
    sheet_bytes: SheetBytes | None = None,
) -> list[Path]:
    """Render every sheet of the set (or ``only`` these numbers) into ``out_dir``.

    ``sheet_bytes(ref, formats)`` gives each sheet's file contents by format; by default
    the sheet is drawn once and saved in every format (``gazetteer sheets`` passes
    :class:`CachedSheets` to reuse the sheet cache)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    refs = sheet_data.sheet_set(conn)
    if only:
        wanted = {x.upper() for x in only}
        refs = [r for r in refs if r.number.upper() in wanted]
    written: list[Path] = []
    for ref in refs:
        if sheet_bytes is not None:
            files = sheet_bytes(ref, formats)
        else:
            fig = sheet_render.render_sheet(sheet_data.load_sheet_data(conn, ref))
            files = {fmt: sheet_render.figure_bytes(fig, fmt) for fmt in formats}
        stem = ref.number if ref.kind == "grid" else f"county-{ref.number[:6]}"
        for fmt in formats:
            path = out_dir / f"{stem}.{fmt}"
            path.write_bytes(files[fmt])
            written.append(path)
        if progress is not None:
            progress(ref)
    return written


__all__ = [
    "FORMATS",
    "CachedSheets",
    "Located",
    "SheetBytes",
    "check_format",
    "locate",
    "render",
    "sheet_set",
    "write_sheets",
]
