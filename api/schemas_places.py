"""Pydantic I/O models of the search, details and navigation endpoints, and of the map
data's popups, labels and result sheets.

Built from the library's dataclasses with ``from_domain`` class methods; geometries are
GeoJSON objects in lon/lat order (RFC 7946, CGCS2000).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from api.schemas_base import DomainModel
from gazetteer.cartography.layers import PlaceSummary
from gazetteer.model import NameHistoryEntry
from gazetteer.model.views import (
    AdminNode,
    CategoryNode,
    NearbyPlace,
    PlaceDetails,
    ReverseResult,
)
from gazetteer.search import SearchHit, SearchPage


def geojson(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    if geometry is None or geometry.is_empty:
        return None
    return dict(mapping(geometry))


class SearchHitPublic(DomainModel):
    id: int
    name: str = Field(description="标准名称 standard name")
    romanized: str = Field(description="罗马字母拼写 (GB/T 16159)")
    category_code: str
    category: str = Field(description="类别名称 category name")
    admin_code: str = Field(description="12-digit NBS code of the area the name lies in")
    admin_path: list[str] = Field(description="administrative areas, city first")
    lon: float
    lat: float
    match: str = Field(
        description="exact, prefix, substring, pinyin, initials, fuzzy, former-name or filter"
    )
    score: float = Field(description="0..1, higher is better")
    matched_name: str = Field(description="the name that matched (a former name or alias too)")
    status: str
    distance_m: float | None = None

    @classmethod
    def from_domain(cls, h: SearchHit) -> SearchHitPublic:
        return cls.copy_of(h, match=str(h.match))


class SearchResponse(DomainModel):
    results: list[SearchHitPublic]
    total: int = Field(description="number of matching names (all pages)")
    total_is_exact: bool = True

    @classmethod
    def from_domain(cls, page: SearchPage) -> SearchResponse:
        return cls.copy_of(page, results=[SearchHitPublic.from_domain(h) for h in page.results])


class AdminRefPublic(DomainModel):
    code: str
    name: str
    level: int = Field(description="2 city, 3 county, 4 town, 5 village/community")
    kind: str = ""


class CategoryPublic(DomainModel):
    code: str
    name: str
    name_en: str


class NearbyPlacePublic(DomainModel, mirrors=NearbyPlace):
    pass


class HistoryEntryPublic(DomainModel):
    name: str = Field(description="name in force during the period")
    romanized: str
    valid_from: date | None
    valid_to: date | None
    reason: str = Field(description="standardisation, renaming, adjustment, correction, abolition")
    note: str
    version: int | None
    geometry: dict[str, Any] | None = Field(description="former geometry (GeoJSON), if kept")

    @classmethod
    def from_domain(cls, h: NameHistoryEntry) -> HistoryEntryPublic:
        return cls.copy_of(h, reason=str(h.reason), geometry=geojson(h.geometry))


class RoadPublic(DomainModel):
    start_desc: str
    end_desc: str
    length_m: float
    width_m: float | None
    grade: str


class PlacePublic(DomainModel):
    id: int
    code: str | None
    name: str
    specific: str
    generic: str
    romanized: str
    reading: str | None
    category_code: str
    categories: list[CategoryPublic] = Field(description="category path: major, subcategory")
    admin_code: str
    admin_path: list[AdminRefPublic] = Field(description="administrative path, city first")
    geometry: dict[str, Any] | None
    point: dict[str, Any] | None
    lon: float
    lat: float
    meaning: str
    origin: str
    history_text: str = Field(description="历史沿革 (text of the census form)")
    description: str
    other_names: list[str]
    established_year: int | None
    abolished_year: int | None
    status: str
    census_status: str
    source: str
    version: int
    history: list[HistoryEntryPublic] = Field(
        description="every former name and geometry with dates and reasons"
    )
    neighbours: list[NearbyPlacePublic]
    road: RoadPublic | None = None

    @classmethod
    def from_domain(cls, d: PlaceDetails) -> PlacePublic:
        p = d.place
        assert p.id is not None
        point = p.point if p.point is not None else p.geometry.representative_point()
        return cls.copy_of(
            p,
            categories=[CategoryPublic.copy_of(c) for c in d.categories],
            admin_path=[AdminRefPublic.copy_of(a) for a in d.admin_path],
            geometry=geojson(p.geometry),
            point=geojson(point),
            lon=point.x,
            lat=point.y,
            history_text=p.history,
            other_names=list(p.other_names),
            status=str(p.status),
            census_status=str(p.census_status),
            history=[HistoryEntryPublic.from_domain(h) for h in d.history],
            neighbours=[NearbyPlacePublic.copy_of(n) for n in d.neighbours],
            road=None if d.road is None else RoadPublic.copy_of(d.road),
        )


class ReversePublic(DomainModel):
    lon: float
    lat: float
    areas: list[AdminRefPublic] = Field(description="containing areas, city first")
    nearest: list[NearbyPlacePublic]

    @classmethod
    def from_domain(cls, r: ReverseResult) -> ReversePublic:
        return cls.copy_of(
            r,
            areas=[AdminRefPublic.copy_of(a) for a in r.areas],
            nearest=[NearbyPlacePublic.copy_of(n) for n in r.nearest],
        )


class AdminNodePublic(DomainModel):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None
    centre: dict[str, Any] | None
    ancestors: list[AdminRefPublic]
    children: list[AdminRefPublic]
    place_count: int = Field(description="names inside the area, all levels below")

    @classmethod
    def from_domain(cls, n: AdminNode) -> AdminNodePublic:
        a = n.area
        return cls.copy_of(
            a,
            level=int(a.level),
            centre=geojson(a.centre),
            ancestors=[AdminRefPublic.copy_of(x) for x in n.ancestors],
            children=[AdminRefPublic.copy_of(x) for x in n.children],
            place_count=n.place_count,
        )


class CategoryNodePublic(DomainModel):
    code: str
    name: str
    name_en: str
    count: int
    children: list[CategoryNodePublic] = []  # noqa: RUF012 (a pydantic field)

    @classmethod
    def from_domain(cls, c: CategoryNode) -> CategoryNodePublic:
        return cls.copy_of(c, children=[cls.from_domain(x) for x in c.children])


class CategoryTreePublic(BaseModel):
    categories: list[CategoryNodePublic]
    total: int


class PlaceSummaryPublic(DomainModel, mirrors=PlaceSummary):
    """What a map popup shows about a name."""

    @classmethod
    def of(cls, s: PlaceSummary) -> PlaceSummaryPublic:
        return cls(**asdict(s))


# --- the public map's labels and the result map sheets (成果图) -----------------------------


class LabelPublic(BaseModel):
    id: int
    text: str  # what is written (historical names carry their years)
    name: str
    kind: str  # admin | water | island | mountain | place | historical
    major: str  # major category code
    lon: float
    lat: float
    w: int  # box width and height in CSS pixels, centred on the point
    h: int
    font: int  # font size in CSS pixels
    zoom: int  # the zoom it was placed for
    historical: bool
    years: str


class LabelsPublic(BaseModel):
    zoom: int
    count: int
    truncated: bool
    labels: list[LabelPublic]


class SheetPublic(BaseModel):
    kind: str  # grid | county
    number: str
    name: str
    png: str
    pdf: str


class SheetListPublic(BaseModel):
    grid_sheets: int
    county_sheets: int
    sheets: list[SheetPublic]
