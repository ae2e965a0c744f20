"""OGC API collections: definitions (:mod:`~gazetteer.ogc.collections`), validated item
queries (:mod:`~gazetteer.ogc.query`, with CQL2 in :mod:`~gazetteer.ogc.cql2` and CRS in
:mod:`~gazetteer.ogc.crs`), paged reads and GeoJSON encoding
(:mod:`~gazetteer.ogc.features`, which re-exports the public surface), vector tiles
(:mod:`~gazetteer.ogc.tiles`)."""
