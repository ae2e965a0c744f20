"""Tables of the coverage area, on the shared metadata.

* ``facility_history``: one row per change of a facility (create, update, delete) with a
  JSON snapshot of the record *before* the change (``after`` for creations), who changed
  it and when. Rows are only ever appended; no foreign key to ``facilities`` so that the
  history of a deleted facility stays.
* ``coverage_scenarios``: saved what-if scenarios (the parameters and the changes as JSON,
  and the figures at save time) so planners can compare them later.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from gazetteer.storage.tables import metadata

facility_history = Table(
    "facility_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("facility_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(10), nullable=False),  # create / update / delete
    Column("snapshot", Text, nullable=False),  # JSON of the record (before; after for create)
    Column("changed_by", String(60), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_facility_history_facility", "facility_id"),
)

coverage_scenarios = Table(
    "coverage_scenarios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("params", Text, nullable=False),  # JSON: query and changes
    Column("summary", Text, nullable=False),  # JSON: figures at save time
    Column("created_by", String(60), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

__all__ = ["coverage_scenarios", "facility_history", "metadata"]
