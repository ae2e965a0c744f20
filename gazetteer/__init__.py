"""The Weihai place-name gazetteer as a Python library (no HTTP: the API is one consumer).

What it offers, by where to look first:

* **Use cases** -- :mod:`gazetteer.services`: one module per resource, one transaction
  per call, the functions the API and the ``gazetteer`` command call:
  ``places`` (details, place page, reverse look-up, administrative and category trees),
  ``search``, ``naming`` (name checks and the review of naming cases), ``coverage``
  (15-minute service circles, what-if, isochrones, where to build next, scenarios),
  ``facilities`` (records with history, meal-site subsidies), ``accounts``, ``stats``,
  ``sheets`` (printed result maps); ``services.caches.Caches`` holds every per-process
  cache, made once and handed down.
* **Value types** -- :mod:`gazetteer.types`: the 12-digit administrative code
  (``AdminCode``), points and bounding boxes parsed from parameters, distances and the
  CGCS2000 geodesy, the constants (SRID, int32 limit, ``utc_now``).
* **Domain** -- :mod:`gazetteer.model`: dataclasses and enums with their Chinese label
  tables, the classification, accounts and roles, the subsidy policy.
* **Areas** -- :mod:`~gazetteer.search`, :mod:`~gazetteer.naming`,
  :mod:`~gazetteer.network`, :mod:`~gazetteer.coverage`, :mod:`~gazetteer.io` (import,
  export, the 地名成果表 card), :mod:`~gazetteer.ogc` (OGC API – Features collections),
  :mod:`~gazetteer.cartography` (map layers, GCJ-02, result sheets),
  :mod:`~gazetteer.demo` (the deterministic demo), :mod:`~gazetteer.text` (Chinese text).
* **Storage** -- :mod:`gazetteer.storage`: engines for SpatiaLite and PostGIS, the
  dialect constructs, tables, migrations, repositories, the data versions.
* :mod:`gazetteer.settings` (typed settings, passed in), :mod:`gazetteer.errors` (the one
  error hierarchy), :mod:`gazetteer.cli` (the ``gazetteer`` command).

``docs/architecture.md`` draws the layers and follows a request through them.
"""
