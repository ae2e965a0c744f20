"""Sub-commands of the ``gazetteer`` CLI, one module per area (see ``gazetteer.cli``)."""
