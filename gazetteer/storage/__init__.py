"""Storage: engines for SpatiaLite and PostGIS, tables, dialect constructs, migrations."""

from gazetteer.storage.dialect import bbox_match, is_sqlite, write_lock, write_transaction
from gazetteer.storage.engine import (
    create_engine_from_settings,
    create_read_engines,
    sqlite_path,
)
from gazetteer.storage.migrate import upgrade

__all__ = [
    "bbox_match",
    "create_engine_from_settings",
    "create_read_engines",
    "is_sqlite",
    "sqlite_path",
    "upgrade",
    "write_lock",
    "write_transaction",
]
