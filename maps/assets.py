"""Offline web assets: Leaflet and its plugins are served by the app, never from a CDN.

Vendor files come from the npm registry at set-up: ``package.json`` at the project root
pins them and ``./dev setup`` runs ``npm ci``, which puts them under ``node_modules/``
(``Settings.assets_dir``). Only the folders listed in :data:`VENDOR_PACKAGES` are served,
under ``/static/vendor/<package>/``. The app's own script and style sheet ship inside this
package (``maps/assets``). Pages reference both through the URL prefixes below only.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gazetteer.errors import NotFound, StorageUnavailable

VENDOR_PREFIX = "/static/vendor"
APP_PREFIX = "/static/app"
APP_ASSETS_DIR = Path(__file__).resolve().parent / "assets"

# URL folder under VENDOR_PREFIX -> folder under ``assets_dir`` (node_modules) that it serves.
VENDOR_PACKAGES = {
    "leaflet": "leaflet/dist",
    "leaflet.markercluster": "leaflet.markercluster/dist",
    # the drawing plugin of the staff workbench's new-case page
    "leaflet-draw": "leaflet-draw/dist",
    # vector tiles (Mapbox Vector Tile) on the public map: no eval, no worker for protobuf
    "leaflet.vectorgrid": "leaflet.vectorgrid/dist",
}
# Files the pages need, as URL paths under VENDOR_PREFIX.
REQUIRED_VENDOR_FILES = (
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
)
# Only these kinds of file are served (leaflet.css refers to images/...).
SERVABLE_SUFFIXES = (".js", ".css", ".png", ".svg", ".map")

LEAFLET_JS = f"{VENDOR_PREFIX}/leaflet/leaflet.js"
LEAFLET_CSS = f"{VENDOR_PREFIX}/leaflet/leaflet.css"
CLUSTER_JS = f"{VENDOR_PREFIX}/leaflet.markercluster/leaflet.markercluster.js"
CLUSTER_CSS = f"{VENDOR_PREFIX}/leaflet.markercluster/MarkerCluster.css"
CLUSTER_DEFAULT_CSS = f"{VENDOR_PREFIX}/leaflet.markercluster/MarkerCluster.Default.css"
VECTORGRID_JS = f"{VENDOR_PREFIX}/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
APP_JS = f"{APP_PREFIX}/gazetteer.js"
APP_CSS = f"{APP_PREFIX}/gazetteer.css"
PUBLIC_JS = f"{APP_PREFIX}/publicmap.js"  # the public map only
PUBLIC_CSS = f"{APP_PREFIX}/publicmap.css"

INSTALL_HINT = (
    "run ./dev setup (npm ci installs package.json's packages into node_modules/), "
    "or set GAZETTEER_ASSETS_DIR to a node_modules folder holding them"
)


def _vendor_path(assets_dir: Path, rel: str) -> Path | None:
    """Where ``/static/vendor/<rel>`` lives on disk, or None outside the served packages."""
    package, _, rest = rel.partition("/")
    folder = VENDOR_PACKAGES.get(package)
    if folder is None or not rest:
        return None
    return assets_dir / folder / rest


def check_assets(assets_dir: Path) -> None:
    """Raise StorageUnavailable naming what is missing and how to install it."""
    missing = [
        f
        for f in REQUIRED_VENDOR_FILES
        if not (p := _vendor_path(assets_dir, f)) or not p.is_file()
    ]
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
    """The file behind ``/static/vendor/<rel>`` (only inside VENDOR_PACKAGES, no traversal)."""
    package, _, rest = rel.partition("/")
    folder = VENDOR_PACKAGES.get(package)
    if folder is None or not rest:
        raise NotFound(f"静态文件不存在 (no such static file: {rel})")
    return _safe_join(assets_dir / folder, rest)


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
    "PUBLIC_CSS",
    "PUBLIC_JS",
    "VECTORGRID_JS",
    "VENDOR_PREFIX",
    "app_file",
    "check_assets",
    "vendor_file",
]
