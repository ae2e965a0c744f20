"""Pydantic models of the OGC API – Features documents (landing page, conformance,
collections). Field names follow the standard's JSON (``conformsTo``, ``itemType``).

Feature collections themselves are streamed as GeoJSON text by the route (no model per
feature, for speed); :data:`FEATURE_COLLECTION_SCHEMA` documents them in the OpenAPI file
(FastAPI writes OpenAPI 3.1, hence ``"type": [..., "null"]`` for nullable members).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LinkPublic(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPagePublic(BaseModel):
    title: str
    description: str
    links: list[LinkPublic]


class ConformancePublic(BaseModel):
    conformsTo: list[str]


class SpatialExtentPublic(BaseModel):
    bbox: list[list[float]] = Field(description="[[minlon, minlat, maxlon, maxlat]] in CRS84")
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class TemporalExtentPublic(BaseModel):
    interval: list[list[str | None]]
    trs: str = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class ExtentPublic(BaseModel):
    spatial: SpatialExtentPublic | None = None
    temporal: TemporalExtentPublic | None = None


class CollectionPublic(BaseModel):
    id: str
    title: str
    description: str
    links: list[LinkPublic]
    extent: ExtentPublic | None = None
    itemType: str = "feature"
    crs: list[str]
    storageCrs: str | None = None


class CollectionsPublic(BaseModel):
    links: list[LinkPublic]
    collections: list[CollectionPublic]


FEATURE_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": ["object", "null"]},
                },
            },
        },
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/LinkPublic"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberReturned": {"type": "integer", "minimum": 0},
        "numberMatched": {"type": "integer", "minimum": 0},
    },
}

FEATURE_SCHEMA: dict[str, Any] = FEATURE_COLLECTION_SCHEMA["properties"]["features"]["items"]
