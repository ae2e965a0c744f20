"""The road network: graph from the database, OpenStreetMap or line layers; travel
profiles; snapping points to the nearest edge."""

from gazetteer.network.graph import (
    DEFAULT_MAX_SNAP_M,
    ProfileGraph,
    RoadGraph,
    Snapped,
    graph_from_records,
)
from gazetteer.network.importers import (
    NetworkData,
    read_lines,
    read_network_file,
    read_osm,
    save_network,
)
from gazetteer.network.load import cached_graph, clear_cache, load_graph, network_version
from gazetteer.network.profiles import (
    DEFAULT_PROFILE,
    TravelProfile,
    get_profile,
    load_profiles,
    profile_names,
)

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "DEFAULT_PROFILE",
    "NetworkData",
    "ProfileGraph",
    "RoadGraph",
    "Snapped",
    "TravelProfile",
    "cached_graph",
    "clear_cache",
    "get_profile",
    "graph_from_records",
    "load_graph",
    "load_profiles",
    "network_version",
    "profile_names",
    "read_lines",
    "read_network_file",
    "read_osm",
    "save_network",
]
