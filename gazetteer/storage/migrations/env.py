"""Alembic environment: runs on the connection handed in by ``gazetteer.storage.migrate``."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from gazetteer.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=alembic_helpers.include_object,
    process_revision_directives=alembic_helpers.writer,
    render_item=alembic_helpers.render_item,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
