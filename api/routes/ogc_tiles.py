"""OGC API – Tiles under ``/ogc``: the WebMercatorQuad tile matrix set, each collection's
vector tileset and its Mapbox Vector Tiles (``gazetteer.ogc.tiles``, cached per data
version in ``Caches.tiles``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import CachesDep, ConnectionDep
from api.links import base_url as _base
from api.routes.ogc import JSON, _check_plain
from gazetteer.errors import NotFound
from gazetteer.ogc import features as ft
from gazetteer.ogc import tiles as tl

router = APIRouter(prefix="/ogc", tags=["OGC API – Tiles"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "参数错误 (invalid parameter), JSON body"},
    404: {"description": "未找到 (not found), JSON body"},
}
_TMS_LINK = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"


@router.get("/tileMatrixSets", responses=_ERRORS)
def tile_matrix_sets(request: Request) -> JSONResponse:
    """The tile matrix sets offered (WebMercatorQuad)."""
    _check_plain(request)
    base = _base(request)
    return JSONResponse(
        {
            "tileMatrixSets": [
                {
                    "id": tl.TMS_ID,
                    "title": "Google Maps Compatible for the World",
                    "uri": tl.TMS_URI,
                    "links": [
                        {
                            "href": f"{base}/ogc/tileMatrixSets/{tl.TMS_ID}",
                            "rel": "self",
                            "type": JSON,
                        }
                    ],
                }
            ]
        }
    )


@router.get("/tileMatrixSets/{tileMatrixSetId}", responses=_ERRORS)
def tile_matrix_set(tileMatrixSetId: str, request: Request) -> JSONResponse:
    """The WebMercatorQuad tile matrix set definition (OGC 17-083r4 JSON)."""
    _check_plain(request)
    _check_tms(tileMatrixSetId)
    return JSONResponse(tl.tile_matrix_set())


def _check_tms(tms: str) -> None:
    if tms != tl.TMS_ID:
        raise NotFound(f"瓦片矩阵集不存在 (no such tile matrix set): {tms[:40]!r}; use {tl.TMS_ID}")


def _tileset(base: str, c: ft.CollectionDef) -> dict[str, Any]:
    url = f"{base}/ogc/collections/{c.id}/tiles/{tl.TMS_ID}"
    return {
        "title": f"{c.title} 矢量瓦片",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": tl.TMS_URI,
        "links": [
            {"href": url, "rel": "self", "type": JSON, "title": "tileset"},
            {
                "href": f"{base}/ogc/tileMatrixSets/{tl.TMS_ID}",
                "rel": _TMS_LINK,
                "type": JSON,
            },
            {
                "href": f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                "rel": "item",
                "type": tl.MVT,
                "templated": True,
            },
        ],
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(z),
                "minTileRow": 0,
                "maxTileRow": (1 << z) - 1,
                "minTileCol": 0,
                "maxTileCol": (1 << z) - 1,
            }
            for z in range(0, tl.MAX_ZOOM + 1)
        ],
        "layers": [{"id": c.id, "dataType": "vector", "geometryType": c.geometry_type}],
    }


@router.get("/collections/{collectionId}/tiles", responses=_ERRORS)
def collection_tilesets(collectionId: str, request: Request) -> JSONResponse:
    """The vector tilesets of a collection (one: WebMercatorQuad)."""
    c = ft.get_collection(collectionId)
    _check_plain(request)
    return JSONResponse({"tilesets": [_tileset(_base(request), c)]})


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", responses=_ERRORS)
def collection_tileset(collectionId: str, tileMatrixSetId: str, request: Request) -> JSONResponse:
    """One tileset's metadata."""
    c = ft.get_collection(collectionId)
    _check_plain(request)
    _check_tms(tileMatrixSetId)
    return JSONResponse(_tileset(_base(request), c))


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    responses={
        200: {"content": {tl.MVT: {"schema": {"type": "string", "format": "binary"}}}},
        204: {"description": "空瓦片 empty tile"},
        **_ERRORS,
    },
    response_class=Response,
)
def collection_tile(
    collectionId: str,
    tileMatrixSetId: str,
    tileMatrix: str,
    tileRow: str,
    tileCol: str,
    request: Request,
    conn: ConnectionDep,
    caches: CachesDep,
) -> Response:
    """One Mapbox Vector Tile of the collection (204 when the tile is empty)."""
    c = ft.get_collection(collectionId)
    _check_tms(tileMatrixSetId)
    _check_plain(request)
    tile = tl.parse_tile(tileMatrix, tileRow, tileCol)
    data = caches.tiles.tile(conn, c, tile, labels=caches.labels)
    if not data:
        return Response(status_code=204)
    return Response(content=data, media_type=tl.MVT, headers={"Cache-Control": "no-cache"})
