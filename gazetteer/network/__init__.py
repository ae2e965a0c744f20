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
from gazetteer.network.load import GraphCache, load_graph
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
    "GraphCache",
    "NetworkData",
    "ProfileGraph",
    "RoadGraph",
    "Snapped",
    "TravelProfile",
    "get_profile",
    "graph_from_records",
    "load_graph",
    "load_profiles",
    "profile_names",
    "read_lines",
    "read_network_file",
    "read_osm",
    "save_network",
]
