"""The rules every stored record obeys, whatever path writes it: the API and the CLI
(``services.facilities``), the naming workflow (``naming.approval``) and the importer
(``io.importer``). What one path stores, another can read back: a GeoPackage export of
any database imports into an empty one.

Today's shared rule is where a record lies: a place's or facility's point must be inside
the administrative area its ``admin_code`` claims (:class:`AreaRules`, with the tolerance
and the special cases described there). The importer's row checks (codes, enums, years)
and the use cases' field checks call into the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from sqlalchemy import Connection, select

from gazetteer.errors import InvalidInput
from gazetteer.io.read import CITY_EXTENT  # the city's extent, shared with the reader
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db
from gazetteer.types import lineage

TOLERANCE_DEG = 0.005  # about 450–550 m: boundaries and survey points are approximate
# categories whose points are checked against the city's extent only: marine features
# (11…) lie off the land polygons; an administrative division's seat (21) may lie
# outside its own territory
MARINE_PREFIX = "11"
SEAT_MAJOR = "21"


class OutsideArea(InvalidInput):
    """A point outside the area its record claims (``field`` names the input)."""

    code = "outside_area"

    def __init__(self, message: str, *, field: str = "geometry") -> None:
        super().__init__(message, details=[{"field": field, "problem": message}])
        self.field = field


@dataclass(slots=True)
class Area:
    """An administrative area as the rules need it."""

    level: int
    parent: str | None
    geometry: BaseGeometry | None


class AreaRules:
    """Where each administrative area lies, for "inside the area it claims"."""

    def __init__(self, conn: Connection) -> None:
        a = t.admin_areas
        self.areas: dict[str, Area] = {}
        for r in conn.execute(select(a.c.code, a.c.level, a.c.parent_code, a.c.geom)):
            self.areas[r.code] = Area(int(r.level), r.parent_code, from_db(r.geom))
        self._regions: dict[str, tuple[str, PreparedGeometry, BaseGeometry] | None] = {}
        self._sibling_cache: dict[int, list[tuple[str, PreparedGeometry]]] = {}

    def region(self, code: str) -> tuple[str, PreparedGeometry, BaseGeometry] | None:
        """The nearest area at or above ``code`` that has a polygon (code, prepared, raw)."""
        if code in self._regions:
            return self._regions[code]
        chain = self._chain(code)
        found = (chain[0][0], prep(chain[0][1]), chain[0][1]) if chain else None
        self._regions[code] = found
        return found

    def add_area(self, code: str, area: Area) -> None:
        self.areas[code] = area
        self._regions.clear()
        self._sibling_cache.clear()

    def _near(
        self, geometry: BaseGeometry, prepared: PreparedGeometry, point: BaseGeometry
    ) -> bool:
        return bool(prepared.covers(point) or geometry.distance(point) <= TOLERANCE_DEG)

    def _others(self, area_code: str) -> list[tuple[str, PreparedGeometry]]:
        """Polygons of the other areas of the same level."""
        level = self.areas[area_code].level
        if level not in self._sibling_cache:
            self._sibling_cache[level] = [
                (c, prep(a.geometry))
                for c, a in self.areas.items()
                if a.level == level and a.geometry is not None
            ]
        return [(c, g) for c, g in self._sibling_cache[level] if c != area_code]

    def _chain(self, code: str) -> list[tuple[str, BaseGeometry]]:
        """``code`` and its ancestors that have a polygon, nearest first."""
        out: list[tuple[str, BaseGeometry]] = []
        for c in reversed(lineage(code, self._parent)):
            g = self.areas[c].geometry
            if g is not None and not g.is_empty:
                out.append((c, g))
        return out

    def _parent(self, code: str) -> str | None:
        return self.areas[code].parent  # KeyError for an unknown code ends the walk

    def check_inside(
        self, code: str, point: BaseGeometry, *, marine: bool = False, field: str = "geometry"
    ) -> None:
        """Raise :class:`OutsideArea` unless ``point`` lies in the area ``code`` claims.

        The nearest area at or above ``code`` with a polygon is used, with a tolerance of
        ``TOLERANCE_DEG``. A point outside it is still accepted when an ancestor's polygon
        holds it and no other area of the levels in between does (islands, coast and gaps
        between approximate boundaries): it then belongs to nobody else. Marine features
        (bays, islands, capes, reefs …), seats and areas without any polygon are checked
        against ``CITY_EXTENT``: administrative polygons describe land.
        """
        chain = [] if marine else self._chain(code)
        if not chain:
            x1, y1, x2, y2 = CITY_EXTENT
            if not (x1 <= point.x <= x2 and y1 <= point.y <= y2):
                raise OutsideArea(
                    f"位置 ({point.x:.5f}, {point.y:.5f}) 不在威海市范围内 "
                    f"(outside the city extent {CITY_EXTENT})",
                    field=field,
                )
            return
        area_code = chain[0][0]
        for i, (ancestor, _) in enumerate(chain):
            reg = self.region(ancestor)
            if reg is None or not self._near(reg[2], reg[1], point):
                continue
            owners = [
                c for failed, _ in chain[:i] for c, g in self._others(failed) if g.covers(point)
            ]
            if not owners:
                return
            raise OutsideArea(
                f"位置 ({point.x:.5f}, {point.y:.5f}) 在 {owners[0]} 内，不在所属行政区 "
                f"{area_code} 范围内 (inside {owners[0]}, not in the area {area_code} it claims)",
                field=field,
            )
        raise OutsideArea(
            f"位置 ({point.x:.5f}, {point.y:.5f}) 不在所属行政区 {area_code} 范围内 "
            f"(outside the administrative area {area_code} it claims)",
            field=field,
        )


def place_point(geometry: BaseGeometry, point: BaseGeometry | None = None) -> BaseGeometry:
    """The point a place is checked (and exported) at: its own, or one on its geometry."""
    if point is not None:
        return point
    return geometry if geometry.geom_type == "Point" else geometry.representative_point()


def is_marine_or_seat(category_code: str, major_code: str) -> bool:
    """Categories checked against the city's extent only (see ``MARINE_PREFIX``)."""
    return major_code == SEAT_MAJOR or category_code.startswith(MARINE_PREFIX)


def check_place_location(
    conn: Connection,
    admin_code: str,
    category_code: str,
    major_code: str,
    geometry: BaseGeometry,
    point: BaseGeometry | None = None,
    *,
    rules: AreaRules | None = None,
) -> None:
    """A place's point lies in its area (the importer's rule for the places layer)."""
    rules = rules or AreaRules(conn)
    rules.check_inside(
        admin_code,
        place_point(geometry, point),
        marine=is_marine_or_seat(category_code, major_code),
    )


def check_facility_location(
    conn: Connection, admin_code: str, lon: float, lat: float, *, rules: AreaRules | None = None
) -> None:
    """A facility's point lies in its area (the importer's rule for the facilities layer)."""
    (rules or AreaRules(conn)).check_inside(admin_code, Point(lon, lat), field="lon/lat")


__all__ = [
    "TOLERANCE_DEG",
    "Area",
    "AreaRules",
    "OutsideArea",
    "check_facility_location",
    "check_place_location",
    "is_marine_or_seat",
    "place_point",
]
