"""Offline web assets: Leaflet and its plugins are served by the app, never from a CDN.

Vendor files come from a package registry at set-up (Debian ``libjs-leaflet`` and
``libjs-leaflet.markercluster`` put them under ``/usr/share/javascript/leaflet``); the
folder is ``Settings.assets_dir``. The app's own script and style sheet ship inside this
package (``maps/assets``). Pages reference both through the URL prefixes below only.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gazetteer.errors import NotFound, StorageUnavailable

VENDOR_PREFIX = "/static/vendor"
APP_PREFIX = "/static/app"
APP_ASSETS_DIR = Path(__file__).resolve().parent / "assets"

# Files the pages need, relative to ``assets_dir`` (served under VENDOR_PREFIX).
REQUIRED_VENDOR_FILES = (
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.markercluster.js",
    "leaflet/MarkerCluster.css",
    "leaflet/MarkerCluster.Default.css",
)
# Everything under these folders may be served (leaflet.css refers to images/...).
SERVABLE_SUFFIXES = (".js", ".css", ".png", ".svg", ".map")

# Minified builds where the package ships them; vendor_file falls back to the plain file.
LEAFLET_JS = f"{VENDOR_PREFIX}/leaflet/leaflet.min.js"
LEAFLET_CSS = f"{VENDOR_PREFIX}/leaflet/leaflet.css"
CLUSTER_JS = f"{VENDOR_PREFIX}/leaflet/leaflet.markercluster.min.js"
CLUSTER_CSS = f"{VENDOR_PREFIX}/leaflet/MarkerCluster.css"
CLUSTER_DEFAULT_CSS = f"{VENDOR_PREFIX}/leaflet/MarkerCluster.Default.css"
APP_JS = f"{APP_PREFIX}/gazetteer.js"
APP_CSS = f"{APP_PREFIX}/gazetteer.css"

INSTALL_HINT = (
    "apt-get install libjs-leaflet libjs-leaflet.markercluster, "
    "or set GAZETTEER_ASSETS_DIR to a folder holding leaflet/"
)


def check_assets(assets_dir: Path) -> None:
    """Raise StorageUnavailable naming what is missing and how to install it."""
    missing = [f for f in REQUIRED_VENDOR_FILES if not (assets_dir / f).is_file()]
    if missing:
        raise StorageUnavailable(
            f"地图资源文件缺失 (map assets missing in {assets_dir}: {', '.join(missing)}); "
            f"{INSTALL_HINT}"
        )


def _safe_join(root: Path, rel: str) -> Path:
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("..", "") or p.startswith(".") for p in parts):
        raise NotFound(f"静态文件不存在 (no such static file: {rel})")
    path = root.joinpath(*parts)
    if path.suffix not in SERVABLE_SUFFIXES or not path.is_file():
        raise NotFound(f"静态文件不存在 (no such static file: {rel})")
    return path


def vendor_file(assets_dir: Path, rel: str) -> Path:
    """The file behind ``/static/vendor/<rel>`` (only under leaflet/, no traversal)."""
    if not rel.startswith("leaflet/"):
        raise NotFound(f"静态文件不存在 (no such static file: {rel})")
    check_assets(assets_dir)
    if rel.endswith(".min.js") and not (assets_dir / rel).is_file():
        rel = rel[: -len(".min.js")] + ".js"
    return _safe_join(assets_dir, rel)


def app_file(rel: str) -> Path:
    """The file behind ``/static/app/<rel>`` (the app's own script and styles)."""
    return _safe_join(APP_ASSETS_DIR, rel)


__all__ = [
    "APP_CSS",
    "APP_JS",
    "APP_PREFIX",
    "CLUSTER_CSS",
    "CLUSTER_DEFAULT_CSS",
    "CLUSTER_JS",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "VENDOR_PREFIX",
    "app_file",
    "check_assets",
    "vendor_file",
]
