"""The complete schema: imports every table module so that ``metadata`` knows all tables.

Areas define their tables in modules of their own (``tables_<area>.py``) on the shared
``metadata`` from :mod:`gazetteer.storage.tables`; the migrations are the source of the
deployed schema, this module is what autogenerate compares against.
"""

from gazetteer.storage import tables, tables_coverage, tables_naming, tables_search
from gazetteer.storage.tables import metadata

__all__ = ["metadata", "tables", "tables_coverage", "tables_naming", "tables_search"]
