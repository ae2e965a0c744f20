"""Repositories: read and write domain objects, one set of code for both backends, one
module per aggregate (``admin``, ``places``, ``facilities``, ``network``, ``info``).

Writers take an open ``Connection`` inside the caller's transaction (one transaction per
use case); they never commit. Bulk writers insert in batches with ``executemany``.
Callers use the package (``from gazetteer.storage import repository as repo``).
"""

from gazetteer.storage.repository.admin import (
    admin_ancestry,
    admin_from_row,
    admin_path,
    admin_row,
    ensure_categories,
    get_admin_area,
    insert_admin_areas,
    insert_built_up_areas,
    iter_admin_areas,
    iter_built_up_areas,
)
from gazetteer.storage.repository.facilities import (
    demand_figures,
    demand_from_row,
    demand_row,
    facility_figures,
    facility_from_row,
    facility_row,
    insert_demand_points,
    insert_facilities,
    iter_demand_points,
    iter_facilities,
)
from gazetteer.storage.repository.info import get_info, set_info
from gazetteer.storage.repository.network import clear_network, insert_network, iter_network_edges
from gazetteer.storage.repository.places import (
    get_place,
    get_road,
    history_from_row,
    history_row,
    insert_compounds,
    insert_history,
    insert_place,
    insert_places,
    insert_roads,
    iter_places,
    place_from_row,
    place_history,
    place_point,
    place_row,
    place_values,
    points_extent,
    update_place,
)
from gazetteer.storage.repository.rows import count, from_row

__all__ = [
    "admin_ancestry",
    "admin_from_row",
    "admin_path",
    "admin_row",
    "clear_network",
    "count",
    "demand_figures",
    "demand_from_row",
    "demand_row",
    "ensure_categories",
    "facility_figures",
    "facility_from_row",
    "facility_row",
    "from_row",
    "get_admin_area",
    "get_info",
    "get_place",
    "get_road",
    "history_from_row",
    "history_row",
    "insert_admin_areas",
    "insert_built_up_areas",
    "insert_compounds",
    "insert_demand_points",
    "insert_facilities",
    "insert_history",
    "insert_network",
    "insert_place",
    "insert_places",
    "insert_roads",
    "iter_admin_areas",
    "iter_built_up_areas",
    "iter_demand_points",
    "iter_facilities",
    "iter_network_edges",
    "iter_places",
    "place_from_row",
    "place_history",
    "place_point",
    "place_row",
    "place_values",
    "points_extent",
    "set_info",
    "update_place",
]
