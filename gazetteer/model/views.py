"""Composite read models: what the place use cases return (a place with its categories,
administrative path, history, neighbours and road; reverse look-ups; the trees)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gazetteer.model.classification import Category
from gazetteer.model.domain import AdminArea, AdminRef, NameHistoryEntry, Place, Road


@dataclass(frozen=True, slots=True)
class NearbyPlace:
    id: int
    name: str
    category_code: str
    category: str
    lon: float
    lat: float
    distance_m: float


@dataclass(slots=True)
class PlaceDetails:
    place: Place
    categories: list[Category]  # major, then subcategory
    admin_path: list[AdminRef]  # city down to the place's own area
    history: list[NameHistoryEntry]
    neighbours: list[NearbyPlace]
    road: Road | None = None


@dataclass(slots=True)
class ReverseResult:
    lon: float
    lat: float
    areas: list[AdminRef]  # containing areas, city first
    nearest: list[NearbyPlace]


@dataclass(slots=True)
class AdminNode:
    area: AdminArea
    ancestors: list[AdminRef]  # city first
    children: list[AdminRef]
    place_count: int  # names inside the area (all levels below)


@dataclass(slots=True)
class CategoryNode:
    code: str
    name: str
    name_en: str
    count: int
    children: list[CategoryNode] = field(default_factory=list)


__all__ = ["AdminNode", "CategoryNode", "NearbyPlace", "PlaceDetails", "ReverseResult"]
