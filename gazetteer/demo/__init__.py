"""The deterministic Weihai demo dataset.

``build_demo(engine, seed=...)`` writes the whole demo into an empty, migrated database in
one transaction; ``ensure_demo(settings, ...)`` (behind ``gazetteer demo``) migrates and
builds it unless place names are already there (``force=True`` replaces the content).
The same seed gives the same rows: every random draw comes from ``random.Random(seed)`` or
``numpy.random.default_rng(seed)`` in a fixed order, and every timestamp is derived from
fixed dates.

What it holds (exact figures; see ``docs/demo.md``): the real administrative frame (city,
7 county-level units, 73 towns, 2,768 villages/communities), 16,744 current and 101
historical place names over 10 categories / 65 subcategories, 75 standardised and 5,093
added names, 83 roads and 103 compounds named in 2016–2020, 17 roads with adjusted
start/end points, 1,657 civil-affairs facilities, 2,768 demand points (~2.9 million
people) and a connected road network of 50,000–200,000 edges.

Hooks for other areas
---------------------
The demo's completed naming cases (:mod:`gazetteer.demo.naming_cases`) are written inside
the same transaction, after everything above; other records can be added the same way by
appending a function ``hook(conn: Connection, ctx: DemoContext) -> None`` to
:data:`NAMING_HOOKS` before building.

:class:`DemoContext` carries the seed (``ctx.hook_seed("name")`` gives a hook its own
stable seed), ``reference_date`` and the place ids of the 83 named roads
(``roads_named``), the 17 adjusted roads (``roads_adjusted``) and the 103 named compounds
(``compounds_named``), so the naming-review area can write their completed cases. The same
id lists are in the :class:`DemoReport`.
"""

from gazetteer.demo.build import (
    NAMING_HOOKS,
    DemoHook,
    DemoReport,
    build_demo,
    ensure_demo,
)
from gazetteer.demo.context import DemoContext

__all__ = [
    "NAMING_HOOKS",
    "DemoContext",
    "DemoHook",
    "DemoReport",
    "build_demo",
    "ensure_demo",
]
