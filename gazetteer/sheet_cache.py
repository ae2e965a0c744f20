"""Rendered result map sheets kept as files, keyed by what they show.

A sheet costs 1-7 s of matplotlib per request (more under load) and changes only when
the data drawn on it change. :class:`SheetCache` keeps the PNG/PDF bytes in
``<cache_dir>/sheets/`` under the hash of a :class:`SheetKey`: the sheet (kind and
number), the format and resolution, the renderer's own version, the database and a
*data version* of everything :mod:`gazetteer.sheet_render` reads:

* names (``places``: name, category, point) and the administrative areas (boundaries, the
  title's city/county name, the sheet set itself): the search index's data token
  (:func:`gazetteer.search.service.data_token_columns`: counts and maxima of
  ``places.updated_at``/``id``, ``place_history``, ``admin_areas``), plus the sums of the
  areas' bounding boxes so that boundaries re-imported under the same codes still count;
* roads (``network_edges``): the road graph's :func:`~gazetteer.network.load.network_version`.

Facilities are not drawn on sheets and are not part of the version. Everything is read in
ONE statement (:func:`sheet_data_version`), a few milliseconds, so a request for an
unchanged sheet never renders, and a changed name gives a new key on the next request on
any instance (old files are left to the size bound).

Files are written to a temporary name and moved into place with ``os.replace``, so a
reader (this process or another) sees either no file or the whole file. Each file starts
with a checksum of its payload; a file that fails it (cut short by a crash, a full disk,
edited by hand) is deleted and the sheet rendered again. Within a process, requests for
the same missing sheet wait on a per-key lock and render once; across processes a
duplicate render is harmless (the last ``os.replace`` wins with identical content). The
directory is kept under ``max_bytes`` by deleting the least recently used files (a hit
refreshes the file's mtime).

No HTTP here: the API turns the key's digest into an ``ETag``.
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
from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, TextClause, func, select, text

from gazetteer.network.load import format_network_version, network_version_from
from gazetteer.search.service import data_token_columns
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import geom_bound

log = logging.getLogger(__name__)

SUBDIR = "sheets"
MAGIC = b"GZSHEET1\n"  # then the payload's sha256 in hex, a newline, the payload
_HEADER_LEN = len(MAGIC) + 64 + 1
STALE_TEMP_S = 3600.0  # temporary files older than this are left over from a crash
FORMATS = ("png", "pdf")

_VERSION_SQL: dict[str, TextClause] = {}


def _version_sql(conn: Connection) -> TextClause:
    # Compiled once per dialect: the bounding-box construct opts out of SQLAlchemy's
    # statement cache (as in gazetteer.naming.reference).
    found = _VERSION_SQL.get(conn.dialect.name)
    if found is not None:
        return found
    a = t.admin_areas
    stmt = select(network_version_from()).add_columns(
        *data_token_columns(),
        select(func.sum(geom_bound(a.c.geom, "xmin"))).select_from(a).scalar_subquery(),
        select(func.sum(geom_bound(a.c.geom, "ymax"))).select_from(a).scalar_subquery(),
    )
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    _VERSION_SQL[conn.dialect.name] = text(sql)
    return _VERSION_SQL[conn.dialect.name]


def sheet_data_version(conn: Connection) -> str:
    """A value that changes whenever anything drawn on a sheet changes (one statement)."""
    row = conn.execute(_version_sql(conn)).one()
    network = format_network_version(*row[:5])
    rest = "|".join(
        f"{v:.6f}" if isinstance(v, float) else ("-" if v is None else str(v)) for v in row[5:]
    )
    return f"{network}|{rest}"


@cache
def renderer_version() -> str:
    """Changes when the code or the libraries drawing a sheet change, so that a deploy
    never serves sheets drawn by the previous code from a persistent cache directory."""
    import matplotlib

    from gazetteer import mapdata, sheet_render, sheets

    h = hashlib.sha256(matplotlib.__version__.encode())
    for module in (sheet_render, sheets, mapdata):
        source = module.__file__
        h.update(Path(source).read_bytes() if source else module.__name__.encode())
    h.update(sheet_render.cjk_font_path().encode())
    return h.hexdigest()[:16]


def database_id(engine: Engine) -> str:
    """The database a sheet was read from (URL without password), so two databases with
    equal counts never share files in one cache directory."""
    return engine.url.render_as_string(hide_password=True)


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


@dataclass(slots=True)
class _KeyLock:
    lock: threading.Lock
    users: int = 0


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    renders: int
    evicted: int


class SheetCache:
    """Sheet files in one directory, bounded in size; safe to share between threads and
    between processes (see the module docstring)."""

    def __init__(self, directory: Path, *, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._guard = threading.Lock()
        self._locks: dict[str, _KeyLock] = {}
        self._hits = 0
        self._renders = 0
        self._evicted = 0

    def path(self, key: SheetKey) -> Path:
        return self.directory / key.filename

    def stats(self) -> CacheStats:
        with self._guard:
            return CacheStats(self._hits, self._renders, self._evicted)

    def in_flight(self, key: SheetKey) -> int:
        """Requests inside :meth:`get` for ``key`` that did not find its file (the one
        rendering plus those waiting for it)."""
        with self._guard:
            entry = self._locks.get(key.digest)
            return entry.users if entry is not None else 0

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

    def get(self, key: SheetKey, render: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The sheet's bytes and whether they came from the cache (else ``render()`` ran,
        once per key in this process however many callers ask at the same time)."""
        data = self.read(key)
        if data is not None:
            self._count(hit=True)
            return data, True
        with self._guard:
            entry = self._locks.setdefault(key.digest, _KeyLock(threading.Lock()))
            entry.users += 1
        try:
            with entry.lock:
                data = self.read(key)  # rendered by the caller we waited for
                if data is not None:
                    self._count(hit=True)
                    return data, True
                data = render()
                self._count(hit=False)
                self._store(key, data)
                return data, False
        finally:
            with self._guard:
                entry.users -= 1
                if entry.users == 0:
                    del self._locks[key.digest]

    def _count(self, *, hit: bool) -> None:
        with self._guard:
            if hit:
                self._hits += 1
            else:
                self._renders += 1

    def _store(self, key: SheetKey, data: bytes) -> None:
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


def sheet_cache_for(cache_dir: Path, *, max_mb: int) -> SheetCache:
    """A cache in ``<cache_dir>/sheets`` bounded to ``max_mb`` megabytes."""
    return SheetCache(cache_dir / SUBDIR, max_bytes=max_mb * 1024 * 1024)


__all__ = [
    "CacheStats",
    "SheetCache",
    "SheetKey",
    "database_id",
    "renderer_version",
    "sheet_cache_for",
    "sheet_data_version",
]
