"""Rendered result map sheets kept as files, keyed by what they show.

A sheet costs 1-7 s of matplotlib per request (more under load) and changes only when
the data drawn on it change. :class:`SheetCache` keeps the PNG/PDF bytes in
``<cache_dir>/sheets/`` under the hash of a :class:`SheetKey`: the sheet (kind and
number), the format and resolution, the renderer's own version
(:func:`~gazetteer.cartography.sheet_render.renderer_version`), the database and the
*data version* of everything a sheet shows
(:func:`gazetteer.storage.versions.sheet_data_version`: the names version, the road
network version, and the sums of the admin areas' bounding boxes so that boundaries
re-imported under the same codes still count). Facilities are not drawn on sheets and are
not part of it. The version is ONE statement, a few milliseconds, so a request for an
unchanged sheet never renders, and a changed name gives a new key on the next request on
any instance (old files are left to the size bound).

Forming a key needs the sheet's kind and canonical number, i.e. the sheet set (the GB/T
13989 grid over the city boundary, 4-7 ms). :meth:`SheetCache.index` remembers it per
(database, data version) in a small memo (:class:`SheetIndexMemo`) of the cache, so a
request for a cached sheet costs the data-version statement and a file read.
Files are written to a temporary name and moved into place with ``os.replace``, so a
reader (this process or another) sees either no file or the whole file. Each file starts
with a checksum of its payload; a file that fails it (cut short by a crash, a full disk,
edited by hand) is deleted and the sheet rendered again. The directory is kept under
``max_bytes`` by deleting the least recently used files (a hit refreshes the file's mtime).

Renders run in the cache's own pool of ``max_renders`` threads (one cache per API
process), so a burst of requests for missing sheets renders at most that many at a time
(matplotlib needs 100-200 MB and a core each) and the rest queue without holding a thread:
an async caller awaits the render's future (:meth:`SheetCache.submit`), so the web
server's thread pool stays free for everything else, and a cached sheet is read without
waiting for any render. Requests for the same missing sheet share one render; across
processes a duplicate render is harmless (the last ``os.replace`` wins with identical
content).

No HTTP here: the API turns the key's digest into an ``ETag``. ``gazetteer sheets`` writes
through the same cache (:class:`gazetteer.services.sheets.CachedSheets`), so the command
and the API reuse each other's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from gazetteer.cartography import sheet_data
from gazetteer.cartography.sheet_data import SheetRef
from gazetteer.errors import NotFound
from gazetteer.storage.engine import database_key
from gazetteer.storage.memo import Memo

log = logging.getLogger(__name__)

SUBDIR = "sheets"
SHEET_DPI = 300  # PNG resolution (print: A3 at 300 dpi, 4,961 × 3,508 px); part of the key
DEFAULT_MAX_RENDERS = 2
INDEX_MEMO_SIZE = 8  # sheet indexes kept per process: (database, data version) pairs
MAGIC = b"GZSHEET1\n"  # then the payload's sha256 in hex, a newline, the payload
_HEADER_LEN = len(MAGIC) + 64 + 1
STALE_TEMP_S = 3600.0  # temporary files older than this are left over from a crash
FORMATS = ("png", "pdf")


@dataclass(frozen=True, slots=True)
class SheetKey:
    """Everything that decides a sheet file's bytes."""

    database: str
    kind: str  # grid | county
    number: str
    fmt: str  # png | pdf
    dpi: int
    data_version: str
    renderer: str

    @property
    def digest(self) -> str:
        raw = json.dumps(astuple(self), ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]

    @property
    def filename(self) -> str:
        return f"{self.digest}.{self.fmt}"


def sheet_key(database: str, ref: SheetRef, fmt: str, data_version: str, renderer: str) -> SheetKey:
    """The key of one sheet file as the API and ``gazetteer sheets`` both form it."""
    return SheetKey(
        database=database,
        kind=ref.kind,
        number=ref.number,
        fmt=fmt,
        dpi=SHEET_DPI,
        data_version=data_version,
        renderer=renderer,
    )


# --- the sheet index -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetIndex:
    """The sheet set of one data version, with the sheets by canonical number."""

    refs: tuple[SheetRef, ...]
    by_number: dict[str, SheetRef] = field(compare=False, hash=False)

    @classmethod
    def of(cls, refs: Sequence[SheetRef]) -> SheetIndex:
        by_number: dict[str, SheetRef] = {}
        for ref in refs:
            by_number.setdefault(ref.number.upper(), ref)
        return cls(tuple(refs), by_number)

    def find(self, number: str) -> SheetRef:
        """A sheet by grid number or county code (any case); NotFound if not in the set."""
        ref = self.by_number.get(number.strip().upper())
        if ref is None:
            raise NotFound(f"图幅不在成果图范围内 (no such result map sheet: {number})")
        return ref


class SheetIndexMemo:
    """Sheet indexes by (database, data version), the most recent ``size`` kept.

    The data version covers the admin areas (count and bounding boxes), so a changed city
    or county boundary gives a new entry; an entry read while the data changed under it
    is only ever looked up by requests that read the older version."""

    def __init__(self, size: int = INDEX_MEMO_SIZE) -> None:
        self._indexes: Memo[tuple[str, str], SheetIndex] = Memo(size)

    def get(self, conn: Connection, data_version: str) -> SheetIndex:
        return self._indexes.get_or_make(
            (database_key(conn.engine), data_version),
            lambda: SheetIndex.of(sheet_data.sheet_set(conn)),  # a few ms
        )


# --- the file store and the render pool ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    renders: int
    evicted: int


@dataclass(slots=True)
class _Render:
    future: Future[tuple[bytes, bool]]  # the bytes and whether this job rendered them
    users: int = 0


class RenderTicket:
    """One caller's share of a render job (:meth:`SheetCache.submit`). Wait for
    ``future`` however suits the caller (blocking, or from asyncio without a thread), pass
    its result to :meth:`outcome`, and :meth:`release` the ticket when done waiting."""

    __slots__ = ("_cache", "_entry", "_released", "future", "owner")

    def __init__(self, cache: SheetCache, entry: _Render, *, owner: bool) -> None:
        self._cache = cache
        self._entry = entry
        self._released = False
        self.future = entry.future
        self.owner = owner  # this caller queued the job (the others joined it)

    def outcome(self, result: tuple[bytes, bool]) -> tuple[bytes, bool]:
        """The bytes and whether they count as a cache hit for this caller: a miss only
        for the caller that queued the job when the job really rendered."""
        data, rendered = result
        hit = not (self.owner and rendered)
        if hit:
            self._cache._count(hit=True)
        return data, hit

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._cache._leave(self._entry)


class SheetCache:
    """Sheet files in one directory, bounded in size, and the pool that renders missing
    ones; safe to share between threads and between processes (see the module docstring)."""

    def __init__(
        self, directory: Path, *, max_bytes: int, max_renders: int = DEFAULT_MAX_RENDERS
    ) -> None:
        if max_renders < 1:
            raise ValueError(f"max_renders must be at least 1, not {max_renders}")
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_renders = max_renders
        self._guard = threading.Lock()
        self._pending: dict[str, _Render] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._hits = 0
        self._renders = 0
        self._evicted = 0
        self.indexes = SheetIndexMemo()

    def index(self, conn: Connection, data_version: str) -> SheetIndex:
        """The sheet set for ``data_version`` (read by the caller from ``conn``), computed
        once per database and data version (:class:`SheetIndexMemo`)."""
        return self.indexes.get(conn, data_version)

    def path(self, key: SheetKey) -> Path:
        return self.directory / key.filename

    def stats(self) -> CacheStats:
        with self._guard:
            return CacheStats(self._hits, self._renders, self._evicted)

    def in_flight(self, key: SheetKey) -> int:
        """Callers waiting for the render of ``key`` (the one that queued it plus those
        that joined it)."""
        with self._guard:
            entry = self._pending.get(key.digest)
            return entry.users if entry is not None else 0

    def pending_renders(self) -> int:
        """Render jobs queued or running (one per missing key, however many wait for it)."""
        with self._guard:
            return len(self._pending)

    def read(self, key: SheetKey) -> bytes | None:
        """The cached bytes, or None when missing or failing the checksum (then deleted)."""
        path = self.path(key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("sheet cache: cannot read %s: %s", path, exc)
            return None
        payload = blob[_HEADER_LEN:]
        digest = blob[len(MAGIC) : _HEADER_LEN - 1]
        if (
            blob[: len(MAGIC)] != MAGIC
            or blob[_HEADER_LEN - 1 : _HEADER_LEN] != b"\n"
            or hashlib.sha256(payload).hexdigest().encode() != digest
        ):
            log.warning("sheet cache: dropping corrupt file %s", path)
            _unlink(path)
            return None
        with contextlib.suppress(OSError):  # recently used: the bound drops the oldest first
            os.utime(path)
        return payload

    def cached(self, key: SheetKey) -> bytes | None:
        """:meth:`read`, counting a hit. Never waits for a render."""
        data = self.read(key)
        if data is not None:
            self._count(hit=True)
        return data

    def submit(self, key: SheetKey, render: Callable[[], bytes]) -> RenderTicket:
        """Join the render of ``key`` already queued or running in this process, or queue
        one in the render pool (at most ``max_renders`` run at a time, the rest wait in
        order). Never blocks. The job looks for the file again first (written meanwhile by
        a render that just finished, or by another process), else runs ``render()`` and
        stores the bytes."""
        with self._guard:
            entry = self._pending.get(key.digest)
            owner = entry is None
            if entry is None:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        self.max_renders, thread_name_prefix="sheet-render"
                    )
                entry = _Render(self._pool.submit(self._render_job, key, render))
                self._pending[key.digest] = entry
            entry.users += 1
        if owner:  # outside the guard: a finished job runs the callback right here
            entry.future.add_done_callback(lambda _: self._finished(key.digest, entry))
        return RenderTicket(self, entry, owner=owner)

    def get(self, key: SheetKey, render: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The sheet's bytes and whether they came from the cache (else ``render()`` ran in
        the render pool, once per key in this process however many callers ask at the same
        time). Blocks the calling thread while waiting; async callers use :meth:`cached`
        and :meth:`submit`."""
        data = self.cached(key)
        if data is not None:
            return data, True
        ticket = self.submit(key, render)
        try:
            return ticket.outcome(ticket.future.result())
        finally:
            ticket.release()

    def close(self) -> None:
        """Stop the render pool's threads once the queued renders are done (no wait)."""
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def _render_job(self, key: SheetKey, render: Callable[[], bytes]) -> tuple[bytes, bool]:
        data = self.read(key)
        if data is not None:
            return data, False
        data = render()
        self._count(hit=False)
        self.store(key, data)
        return data, True

    def _finished(self, digest: str, entry: _Render) -> None:
        with self._guard:
            if self._pending.get(digest) is entry:
                del self._pending[digest]

    def _leave(self, entry: _Render) -> None:
        with self._guard:
            entry.users -= 1

    def _count(self, *, hit: bool) -> None:
        with self._guard:
            if hit:
                self._hits += 1
            else:
                self._renders += 1

    def store(self, key: SheetKey, data: bytes) -> None:
        """Write atomically; a cache that cannot be written only costs the next render."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(MAGIC)
                    f.write(hashlib.sha256(data).hexdigest().encode())
                    f.write(b"\n")
                    f.write(data)
                os.replace(tmp, self.path(key))
            except BaseException:
                _unlink(Path(tmp))
                raise
        except OSError as exc:
            log.warning("sheet cache: cannot write to %s: %s", self.directory, exc)
            return
        self.prune(keep=self.path(key))

    def prune(self, *, keep: Path | None = None) -> int:
        """Delete the least recently used files until the directory fits ``max_bytes``
        (never ``keep``, the file just written), and temporary files left by a crash.
        Returns the number of sheet files deleted."""
        files: list[tuple[float, int, Path]] = []
        now = time.time()
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return 0
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if e.name.startswith(".tmp-"):
                if now - st.st_mtime > STALE_TEMP_S:
                    _unlink(Path(e.path))
                continue
            if e.is_file(follow_symlinks=False) and e.name.rpartition(".")[2] in FORMATS:
                files.append((st.st_mtime, st.st_size, Path(e.path)))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files, key=lambda f: f[0]):
            if total <= self.max_bytes:
                break
            if keep is not None and path == keep:
                continue
            if _unlink(path):
                removed += 1
            total -= size
        if removed:
            with self._guard:
                self._evicted += removed
        return removed


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("sheet cache: cannot delete %s: %s", path, exc)
        return False


def sheet_cache_for(
    cache_dir: Path, *, max_mb: int, max_renders: int = DEFAULT_MAX_RENDERS
) -> SheetCache:
    """A cache in ``<cache_dir>/sheets`` bounded to ``max_mb`` megabytes, rendering at
    most ``max_renders`` sheets at a time."""
    return SheetCache(cache_dir / SUBDIR, max_bytes=max_mb * 1024 * 1024, max_renders=max_renders)


__all__ = [
    "SHEET_DPI",
    "CacheStats",
    "RenderTicket",
    "SheetCache",
    "SheetIndex",
    "SheetIndexMemo",
    "SheetKey",
    "sheet_cache_for",
    "sheet_key",
]
