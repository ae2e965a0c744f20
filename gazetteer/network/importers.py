"""Importing road networks: OpenStreetMap (``.osm`` XML / ``.osm.pbf``) and line layers
(GeoPackage, GeoJSON, Shapefile) into :class:`NetworkData`, then into the database.

Ways whose nodes lie partly outside an extract keep the part inside it (each run of
nodes with a location); a way with no two located nodes is skipped and counted. Ways/lines
are split into edges at every vertex shared with another way/line and at
their ends; those vertices become nodes (numbered 1..n: OSM ids do not fit a 32-bit
integer column). OSM one-way rules: ``oneway=yes|1|true``, ``oneway=-1`` (the geometry is
reversed), ``junction=roundabout`` and motorways are one-way; ``maxspeed`` (km/h or mph)
becomes ``speed_kmh``. Lengths are geodesic metres on the CGCS2000 ellipsoid.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, MultiLineString, Point
from sqlalchemy import Connection, func, select

from gazetteer.errors import ImportFailed
from gazetteer.model import NetworkEdge, NetworkNode, RoadClass
from gazetteer.storage import repository as repo
from gazetteer.storage.tables import network_nodes
from gazetteer.types import line_length_m

HIGHWAY_CLASSES: dict[str, RoadClass] = {
    "motorway": RoadClass.MOTORWAY,
    "motorway_link": RoadClass.MOTORWAY,
    "trunk": RoadClass.TRUNK,
    "trunk_link": RoadClass.TRUNK,
    "primary": RoadClass.PRIMARY,
    "primary_link": RoadClass.PRIMARY,
    "secondary": RoadClass.SECONDARY,
    "secondary_link": RoadClass.SECONDARY,
    "tertiary": RoadClass.TERTIARY,
    "tertiary_link": RoadClass.TERTIARY,
    "unclassified": RoadClass.RESIDENTIAL,
    "residential": RoadClass.RESIDENTIAL,
    "living_street": RoadClass.RESIDENTIAL,
    "road": RoadClass.RESIDENTIAL,
    "service": RoadClass.SERVICE,
    "track": RoadClass.TRACK,
    "footway": RoadClass.FOOTWAY,
    "pedestrian": RoadClass.FOOTWAY,
    "path": RoadClass.FOOTWAY,
    "steps": RoadClass.FOOTWAY,
    "cycleway": RoadClass.FOOTWAY,
}

Coord = tuple[float, float]


@dataclass
class NetworkData:
    nodes: list[NetworkNode] = field(default_factory=list)
    edges: list[NetworkEdge] = field(default_factory=list)
    skipped: int = 0


@dataclass
class _Way:
    keys: list[Any]  # vertex identities (OSM node id or rounded coordinate)
    coords: list[Coord]
    road_class: RoadClass
    oneway: bool
    speed_kmh: float | None
    name: str

    @staticmethod
    def directed(
        keys: list[Any],
        coords: list[Coord],
        direction: int,
        road_class: RoadClass,
        speed_kmh: float | None,
        name: str,
    ) -> _Way:
        """A way in its travel direction (``direction`` -1: reversed; 0: two-way)."""
        if direction == -1:
            keys.reverse()
            coords.reverse()
        return _Way(keys, coords, road_class, direction != 0, speed_kmh, name)


def length_m(coords: Sequence[Coord]) -> float:
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return line_length_m(lons, lats)


def parse_maxspeed(value: str | None) -> float | None:
    if not value:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", value)
    if not m:
        return None
    speed = float(m.group(1))
    return speed * 1.609344 if m.group(2) else speed


def parse_oneway(value: str | None, *, highway: str = "", junction: str = "") -> int:
    """1 forward one-way, -1 reverse one-way, 0 two-way."""
    v = (value or "").strip().lower()
    if v in ("yes", "1", "true"):
        return 1
    if v in ("-1", "reverse"):
        return -1
    if v in ("no", "0", "false"):
        return 0
    if junction == "roundabout" or highway == "motorway":
        return 1
    return 0


def _split(ways: Iterable[_Way]) -> NetworkData:
    ways = list(ways)
    usage: Counter[Any] = Counter()
    for w in ways:
        usage.update(set(w.keys))
        usage[w.keys[0]] += 1
        usage[w.keys[-1]] += 1
    node_ids: dict[Any, int] = {}
    data = NetworkData()

    def node(key: Any, c: Coord) -> int:
        nid = node_ids.get(key)
        if nid is None:
            nid = node_ids[key] = len(node_ids) + 1
            data.nodes.append(NetworkNode(id=nid, point=Point(c)))
        return nid

    for w in ways:
        start = 0
        for i in range(1, len(w.keys)):
            if i == len(w.keys) - 1 or usage[w.keys[i]] > 1:
                coords = w.coords[start : i + 1]
                if len(set(coords)) > 1:
                    data.edges.append(
                        NetworkEdge(
                            source=node(w.keys[start], coords[0]),
                            target=node(w.keys[i], coords[-1]),
                            road_class=w.road_class,
                            length_m=length_m(coords),
                            geometry=LineString(coords),
                            speed_kmh=w.speed_kmh,
                            oneway=w.oneway,
                            name=w.name,
                        )
                    )
                start = i
    return data


def read_osm(path: Path | str) -> NetworkData:
    """Roads of an OpenStreetMap file (``.osm`` XML or ``.osm.pbf``)."""
    import osmium  # imported here: only this importer needs it

    p = Path(path)
    if not p.is_file():
        raise ImportFailed(f"文件不存在 (file not found): {p}")
    ways: list[_Way] = []
    skipped = 0

    class Handler(osmium.SimpleHandler):
        def way(self, w: Any) -> None:
            nonlocal skipped
            highway = w.tags.get("highway")
            road_class = HIGHWAY_CLASSES.get(highway or "")
            if road_class is None:
                return
            if w.tags.get("area") == "yes":
                return
            direction = parse_oneway(
                w.tags.get("oneway"), highway=highway or "", junction=w.tags.get("junction", "")
            )
            # An extract cut at its boundary lacks the nodes outside it: keep each run of
            # nodes that have a location (the part of the way inside the extract).
            runs: list[tuple[list[int], list[Coord]]] = [([], [])]
            for n in w.nodes:
                if n.location.valid():
                    runs[-1][0].append(n.ref)
                    runs[-1][1].append((n.location.lon, n.location.lat))
                elif runs[-1][0]:
                    runs.append(([], []))
            kept = [(k, c) for k, c in runs if len(k) >= 2]
            if not kept:
                skipped += 1
                return
            speed = parse_maxspeed(w.tags.get("maxspeed"))
            name = w.tags.get("name", "") or ""
            for keys, coords in kept:
                ways.append(_Way.directed(keys, coords, direction, road_class, speed, name))

    try:
        Handler().apply_file(str(p), locations=True)
    except RuntimeError as exc:
        raise ImportFailed(f"无法读取 OSM 文件 (cannot read OSM file {p.name}): {exc}") from None
    data = _split(ways)
    data.skipped = skipped
    return data


def _bool(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool | int):
        return 1 if value else 0
    return parse_oneway(str(value))


def read_lines(path: Path | str, *, layer: str | None = None) -> NetworkData:
    """Roads of a line layer (GeoPackage, GeoJSON, Shapefile).

    Recognised columns (all optional): ``road_class`` or ``highway`` (OSM values map to
    road classes), ``speed_kmh`` or ``maxspeed``, ``oneway``, ``name``. Coordinates are
    taken as CGCS2000/WGS84 longitude/latitude unless the layer says otherwise.
    """
    import pyogrio

    p = Path(path)
    if not p.exists():
        raise ImportFailed(f"文件不存在 (file not found): {p}")
    try:
        df = pyogrio.read_dataframe(p, layer=layer)
    except Exception as exc:
        raise ImportFailed(f"无法读取线图层 (cannot read line layer {p.name}): {exc}") from None
    if df.crs is not None and df.crs.to_epsg() not in (4490, 4326, None):
        df = df.to_crs(4490)
    ways: list[_Way] = []
    skipped = 0
    errors: list[str] = []
    for i, row in enumerate(df.itertuples(index=False)):
        geom = getattr(row, "geometry", None)
        parts: list[LineString]
        if isinstance(geom, LineString):
            parts = [geom]
        elif isinstance(geom, MultiLineString):
            parts = list(geom.geoms)
        else:
            skipped += 1
            continue
        raw_class = getattr(row, "road_class", None) or getattr(row, "highway", None) or ""
        raw_class = str(raw_class)
        if raw_class in RoadClass._value2member_map_:
            road_class = RoadClass(raw_class)
        elif raw_class in HIGHWAY_CLASSES:
            road_class = HIGHWAY_CLASSES[raw_class]
        elif raw_class in ("", "None", "nan"):
            road_class = RoadClass.RESIDENTIAL
        else:
            errors.append(f"row {i + 1}: unknown road class {raw_class!r}")
            continue
        speed = getattr(row, "speed_kmh", None)
        if speed is None or speed != speed:
            speed = parse_maxspeed(str(getattr(row, "maxspeed", "") or ""))
        direction = _bool(getattr(row, "oneway", None))
        name = getattr(row, "name", "") or ""
        for part in parts:
            coords = [(float(x), float(y)) for x, y, *_ in part.coords]
            if len(coords) < 2:
                skipped += 1
                continue
            keys: list[Any] = [(round(x, 7), round(y, 7)) for x, y in coords]
            ways.append(
                _Way.directed(
                    keys,
                    coords,
                    direction,
                    road_class,
                    float(speed) if speed is not None else None,
                    str(name) if name == name else "",
                )
            )
    if errors:
        raise ImportFailed(
            f"线图层有 {len(errors)} 处错误 (the line layer has {len(errors)} errors)",
            details=errors,
        )
    data = _split(ways)
    data.skipped = skipped
    return data


def read_network_file(path: Path | str, *, layer: str | None = None) -> NetworkData:
    """OSM or line layer by file name."""
    name = str(path).lower()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.xml", ".osm.bz2", ".osm.gz")):
        return read_osm(path)
    if name.endswith((".gpkg", ".geojson", ".json", ".shp", ".fgb")):
        return read_lines(path, layer=layer)
    raise ImportFailed(
        f"不支持的路网文件 (unsupported network file): {Path(path).name}; "
        "use .osm, .osm.pbf, .gpkg, .geojson or .shp"
    )


def save_network(conn: Connection, data: NetworkData, *, replace: bool = True) -> tuple[int, int]:
    """Write ``data`` as the stored network (replacing the old one by default)."""
    if not data.edges:
        raise ImportFailed("文件中没有道路 (no roads found in the file)")
    if replace:
        repo.clear_network(conn)
    else:
        offset = int(repo.count(conn, network_nodes) and _max_node_id(conn))
        for n in data.nodes:
            n.id += offset
        for e in data.edges:
            e.source += offset
            e.target += offset
    return repo.insert_network(conn, data.nodes, data.edges)


def _max_node_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(network_nodes.c.id))).scalar_one() or 0)


__all__ = [
    "HIGHWAY_CLASSES",
    "NetworkData",
    "length_m",
    "parse_maxspeed",
    "parse_oneway",
    "read_lines",
    "read_network_file",
    "read_osm",
    "save_network",
]
