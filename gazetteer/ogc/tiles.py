"""Vector tiles (Mapbox Vector Tile 2.1) of the OGC collections in the WebMercatorQuad
tile matrix set, for OGC API – Tiles and for any map that wants them (the public map).

One engine, two encoders: PostGIS encodes a tile itself (``ST_AsMVTGeom`` +
``ST_AsMVT``); SpatiaLite has no MVT encoder, so the rows of the tile (found through the
spatial index, as GeoJSON) are projected with pyproj and encoded by the
``mapbox-vector-tile`` package. This is the only place in the OGC code that looks at the
dialect, because the two paths differ in more than one SQL construct (a whole encoder).

Tiles are cached per process in a :class:`TileCache`, keyed by the collection's data
version (:func:`gazetteer.storage.versions.layer_version`, read at most once a second), so
an edit shows up within a second and unchanged data is encoded once. Each tile carries one
layer named after the collection, with the feature id and the short properties (the
collection's filterable ones).

The ``place-points`` tiles are the names *written at that zoom*: the labels placed for the
tile by :mod:`gazetteer.cartography.labels` (no two overlap, the most important first,
historical names in the space left, flagged ``historical``), each a point in the tile that
owns it (no copies in the buffer: a label is drawn once), with what a client needs to draw
it: ``text``, ``name``, ``kind``, ``major``, ``font``, ``w``/``h`` (box in CSS pixels,
centred on the point), ``rank``, ``historical``, ``years``. Below and above the public
map's zooms the same rule applies, so any zoom of the matrix set has its names.

Per-zoom content of the other collections the public map draws: ``admin-areas`` carries
the city and counties up to zoom 8, the towns from zoom 9 and the villages from zoom 12;
``roads`` the arterial roads (主干路) at every zoom, secondary ones (次干路) from zoom 9 and
minor streets (支路) from zoom 12.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any

import mapbox_vector_tile
from pyproj import Transformer
from shapely.geometry import box, shape
from shapely.ops import transform
from sqlalchemy import Connection, Select, func, literal_column, select

from gazetteer.cartography.labels import Label, LabelCache
from gazetteer.errors import InvalidInput, NotFound
from gazetteer.ogc.collections import CollectionDef
from gazetteer.storage.dialect import as_geojson, bbox_match, is_sqlite
from gazetteer.storage.memo import Throttled
from gazetteer.storage.versions import layer_version

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
BUFFER = 64
MIN_ZOOM = 0
MAX_ZOOM = 20
HALF = 20037508.342789244  # half the width of the Web Mercator square, metres
MAX_FEATURES = 50_000
LABEL_COLLECTION = "place-points"  # its tiles hold the names written at the tile's zoom
# Collection -> data version layer (storage/versions.LAYERS).
VERSION_LAYER = {
    "places": "places",
    "place-points": "places",
    "roads": "places",
    "facilities": "facilities",
    "admin-areas": "admin",
    "demand-points": "demand",
}


@dataclass(frozen=True, slots=True)
class TileId:
    z: int
    x: int
    y: int

    def mercator_bounds(self) -> tuple[float, float, float, float]:
        size = 2 * HALF / (1 << self.z)
        x1 = -HALF + self.x * size
        y2 = HALF - self.y * size
        return x1, y2 - size, x1 + size, y2

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        n = 1 << self.z

        def lat(y: int) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        return self.x / n * 360 - 180, lat(self.y + 1), (self.x + 1) / n * 360 - 180, lat(self.y)


def parse_tile(z: str, y: str, x: str) -> TileId:
    """Tile matrix (zoom), row and column from the path; 404 outside the matrix set."""
    try:
        zi, yi, xi = int(z), int(y), int(x)
    except ValueError:
        raise NotFound(f"瓦片不存在 (no such tile): {z[:5]}/{y[:10]}/{x[:10]}") from None
    if not MIN_ZOOM <= zi <= MAX_ZOOM:
        raise NotFound(f"瓦片层级超出范围 (tile matrix out of range): {zi}; 0..{MAX_ZOOM}")
    n = 1 << zi
    if not (0 <= yi < n and 0 <= xi < n):
        raise InvalidInput(f"瓦片行列超出范围 (tile row/col out of range): {yi}/{xi} at {zi}")
    return TileId(zi, xi, yi)


def _margin(tile: TileId) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = tile.lonlat_bounds()
    dx, dy = (x2 - x1) * BUFFER / EXTENT, (y2 - y1) * BUFFER / EXTENT
    return max(-180, x1 - dx), max(-85.06, y1 - dy), min(180, x2 + dx), min(85.06, y2 + dy)


def _tile_properties(c: CollectionDef) -> list[Any]:
    return [p for p in c.filters]


# admin-areas: the highest level (2 city, 3 county, 4 town, 5 village) drawn below a zoom
_ADMIN_LEVEL_BY_ZOOM = ((9, 3), (12, 4))
# roads: the grades left out below a zoom (minor streets from 12, secondary from 9)
_ROAD_GRADES_BY_ZOOM = ((9, ("次干路", "支路")), (12, ("支路",)))


def _zoom_filter(c: CollectionDef, tile: TileId) -> list[Any]:
    """What a collection leaves out of a tile at low zooms (its features at this zoom)."""
    level, grade = c.property("level"), c.property("grade")
    if c.id == "admin-areas" and level is not None:
        for below, highest in _ADMIN_LEVEL_BY_ZOOM:
            if tile.z < below:
                return [level.column <= highest]
    if c.id == "roads" and grade is not None:
        for below, grades in _ROAD_GRADES_BY_ZOOM:
            if tile.z < below:
                return [grade.column.not_in(grades)]
    return []


def _tile_rows(c: CollectionDef, tile: TileId, key: Any, geometry: Any) -> Select[Any]:
    """The features of ``c`` a tile draws (near it, thinned at low zooms, at most
    ``MAX_FEATURES``): ``key``, ``geometry`` and the tile properties by name."""
    props = [p.column.label(p.name) for p in _tile_properties(c)]
    return (
        select(key, geometry, *props)
        .select_from(c.source)
        .where(bbox_match(c.bbox_filter_table, _margin(tile), c.geometry_column))
        .where(*_zoom_filter(c, tile))
        .limit(MAX_FEATURES)
    )


def _encode_postgis(conn: Connection, c: CollectionDef, tile: TileId) -> bytes:
    env = func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    geom = func.ST_AsMVTGeom(func.ST_Transform(c.geometry, 3857), env, EXTENT, BUFFER, True)
    # an integer key is the MVT feature id; a text key (admin codes) the property "id"
    key = c.key.label("fid" if c.key_kind == "integer" else "id")
    inner = _tile_rows(c, tile, key, geom.label("geom")).subquery("mvt")
    fid: Any = "fid" if c.key_kind == "integer" else None
    args: list[Any] = [literal_column("mvt"), c.id, EXTENT, "geom"]
    if fid:
        args.append(fid)
    stmt = select(func.ST_AsMVT(*args)).select_from(inner).where(inner.c.geom.is_not(None))
    data = conn.execute(stmt).scalar()
    return bytes(data) if data else b""


@cache
def _to_mercator() -> Transformer:
    return Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)


def _encode_python(conn: Connection, c: CollectionDef, tile: TileId) -> bytes:
    props = _tile_properties(c)
    stmt = _tile_rows(c, tile, c.key.label("fid"), as_geojson(c.geometry, 7).label("g"))
    bounds = tile.mercator_bounds()
    size = bounds[2] - bounds[0]
    pad = size * BUFFER / EXTENT
    clip = box(bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
    tr = _to_mercator()
    features: list[dict[str, Any]] = []
    for row in conn.execute(stmt):
        m = row._mapping
        if m["g"] is None:
            continue
        g = transform(tr.transform, shape(json.loads(m["g"]))).intersection(clip)
        if g.is_empty:
            continue
        properties = {p.name: m[p.name] for p in props if m[p.name] is not None}
        feature: dict[str, Any] = {"geometry": g, "properties": properties}
        if c.key_kind == "integer":
            feature["id"] = int(m["fid"])
        else:
            properties["id"] = m["fid"]
        features.append(feature)
    if not features:
        return b""
    data: bytes = mapbox_vector_tile.encode(
        [{"name": c.id, "features": features}],
        default_options={"quantize_bounds": bounds, "extents": EXTENT, "y_coord_down": False},
    )
    return data


def _to_tile_xy(tile: TileId, lon: float, lat: float) -> tuple[float, float]:
    """A point in the tile's own coordinates (0..EXTENT, y down as MVT stores it)."""
    n = 1 << tile.z
    x = (lon + 180.0) / 360.0 * n - tile.x
    s = math.sin(math.radians(max(min(lat, 85.0511), -85.0511)))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n - tile.y
    return x * EXTENT, y * EXTENT


def _label_feature(tile: TileId, lab: Label) -> dict[str, Any]:
    x, y = _to_tile_xy(tile, lab.lon, lab.lat)
    properties: dict[str, Any] = {
        "text": lab.text,
        "name": lab.name,
        "kind": lab.kind,
        "major": lab.major,
        "font": lab.font,
        "w": lab.width,
        "h": lab.height,
        "rank": lab.rank,
        "historical": lab.historical,
    }
    if lab.years:
        properties["years"] = lab.years
    return {"id": lab.id, "geometry": f"POINT ({x:.3f} {y:.3f})", "properties": properties}


def encode_label_tile(
    conn: Connection, c: CollectionDef, tile: TileId, labels: LabelCache, version: str
) -> bytes:
    """The names written in one tile at its zoom (``place-points``), as MVT points."""
    cur, hist = labels.tile(conn, tile.z, tile.x, tile.y, version=version)
    features = [_label_feature(tile, lab) for lab in [*cur, *hist]]
    if not features:
        return b""
    data: bytes = mapbox_vector_tile.encode(
        [{"name": c.id, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True},
    )
    return data


def encode_tile(conn: Connection, c: CollectionDef, tile: TileId) -> bytes:
    """The MVT of one collection in one tile (empty bytes when nothing is there)."""
    if is_sqlite(conn):
        return _encode_python(conn, c, tile)
    return _encode_postgis(conn, c, tile)


class TileCache:
    """Encoded tiles of the process, keyed by collection, tile and data version (LRU)."""

    def __init__(
        self,
        max_bytes: int = 64 * 1024 * 1024,
        version_ttl_s: float = 1.0,
        labels: LabelCache | None = None,
    ) -> None:
        self._max = max_bytes
        self.labels = labels if labels is not None else LabelCache()
        self._size = 0
        self._tiles: OrderedDict[tuple[str, int, int, int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._versions: Throttled[str] = Throttled(version_ttl_s)

    def _version(self, conn: Connection, layer: str) -> str:
        """The layer's data version, read at most once per ``version_ttl_s`` (a map asks
        for dozens of tiles at once; the version is an aggregate over the table, a quarter
        of a second over a million names). One request reads it; the others asking while
        it does keep the version they had (never a stampede of the same aggregate)."""
        return self._versions.get(layer, lambda: layer_version(conn, layer))

    def tile(
        self,
        conn: Connection,
        c: CollectionDef,
        tile: TileId,
        *,
        labels: LabelCache | None = None,
    ) -> bytes:
        """The tile, from the cache when the collection's data did not change (the names'
        tiles are placed by ``labels``, the process's label cache, or this cache's own)."""
        version = self._version(conn, VERSION_LAYER[c.id])
        key = (c.id, tile.z, tile.x, tile.y, version)
        with self._lock:
            hit = self._tiles.get(key)
            if hit is not None:
                self._tiles.move_to_end(key)
                return hit
        if c.id == LABEL_COLLECTION:
            data = encode_label_tile(conn, c, tile, labels or self.labels, version)
        else:
            data = encode_tile(conn, c, tile)
        with self._lock:
            if key not in self._tiles:
                self._tiles[key] = data
                self._size += len(data) + 64
            while self._size > self._max and self._tiles:
                _, old = self._tiles.popitem(last=False)
                self._size -= len(old) + 64
        return data


def tile_matrix_set() -> dict[str, Any]:
    """The WebMercatorQuad tile matrix set (OGC 17-083r4), zoom levels 0..MAX_ZOOM."""
    matrices = []
    for z in range(MIN_ZOOM, MAX_ZOOM + 1):
        n = 1 << z
        matrices.append(
            {
                "id": str(z),
                "scaleDenominator": 559082264.0287178 / n,
                "cellSize": 156543.03392804097 / n,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF, HALF],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            }
        )
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    }


__all__ = [
    "LABEL_COLLECTION",
    "MAX_ZOOM",
    "MVT",
    "TMS_ID",
    "TMS_URI",
    "TileCache",
    "TileId",
    "encode_label_tile",
    "encode_tile",
    "parse_tile",
    "tile_matrix_set",
]
