"""Import and export: GeoJSON, GeoPackage, Shapefile, CSV and Excel result tables.

Public API:

* ``export_layers(engine, fmt=, layers=, out=)`` -> ``ExportResult``
* ``import_file(engine, path, fmt=, layers=, skip_invalid=, dry_run=)`` -> ``ImportReport``
  (raises ``ImportFailed`` with the row errors; all or nothing)
* ``import_admin(engine, csv_path, boundaries=)``: NBS division codes with boundaries
* ``LAYERS`` / ``LayerSpec``: the exchange layers and their fields
* ``collector_paused()``: for a process that runs a large import (the CLI does)
"""

# pyogrio (GDAL) must be loaded before any SQLite connection loads mod_spatialite: SQLite
# opens extensions with RTLD_GLOBAL, and the system GEOS/SQLite symbols that mod_spatialite
# brings in otherwise shadow the ones bundled in the pyogrio wheel (segfault in GPKG writes).
import pyogrio  # noqa: F401  (import order matters, see above)

from gazetteer.io.admin import import_admin
from gazetteer.io.export import FORMATS, ExportResult, export_layers
from gazetteer.io.importer import (
    ImportReport,
    ProgressSink,
    RowError,
    collector_paused,
    import_file,
)
from gazetteer.io.layers import LAYER_NAMES, LAYERS, LayerSpec

__all__ = [
    "FORMATS",
    "LAYERS",
    "LAYER_NAMES",
    "ExportResult",
    "ImportReport",
    "LayerSpec",
    "ProgressSink",
    "RowError",
    "collector_paused",
    "export_layers",
    "import_admin",
    "import_file",
]
