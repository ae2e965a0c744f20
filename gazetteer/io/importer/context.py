"""What the database (and the rows accepted so far) already hold, for the validators:
known codes and ids, and where each administrative area lies (for "inside the area it
claims")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from sqlalchemy import Connection, select

from gazetteer.io.importer.report import RowInvalid
from gazetteer.io.read import CITY_EXTENT  # the city's extent, shared with the reader
from gazetteer.model import classification
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db
from gazetteer.types import lineage

TOLERANCE_DEG = 0.005  # about 450–550 m: boundaries and survey points are approximate


@dataclass(slots=True)
class Area:
    """An administrative area as the validators need it."""

    level: int
    parent: str | None
    geometry: BaseGeometry | None


class Context:
    """What the database (and the rows accepted so far) already hold."""

    def __init__(self, conn: Connection) -> None:
        a = t.admin_areas
        self.areas: dict[str, Area] = {}
        for r in conn.execute(select(a.c.code, a.c.level, a.c.parent_code, a.c.geom)):
            self.areas[r.code] = Area(int(r.level), r.parent_code, from_db(r.geom))
        self.db_admin_codes = set(self.areas)
        # category code -> its major category code (the table's own lookups hash the
        # whole table on every call: too slow per row)
        self.majors = {c.code: c.major_code or c.code for c in classification().categories}
        self.place_ids = known_values(conn, t.places.c.id)
        self.place_codes = known_values(conn, t.places.c.code)
        self.road_ids = known_values(conn, t.roads.c.place_id)
        self.compound_ids = known_values(conn, t.compounds.c.place_id)
        self.history_ids = known_values(conn, t.place_history.c.id)
        self.bua_ids = known_values(conn, t.built_up_areas.c.id)
        self.facility_ids = known_values(conn, t.facilities.c.id)
        self.facility_codes = known_values(conn, t.facilities.c.code)
        self.demand_ids = known_values(conn, t.demand_points.c.id)
        self.demand_codes = known_values(conn, t.demand_points.c.code)
        self.node_ids = known_values(conn, t.network_nodes.c.id)
        self.edge_ids = known_values(conn, t.network_edges.c.id)
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

    def check_inside(self, code: str, point: BaseGeometry, *, marine: bool = False) -> None:
        """Raise unless ``point`` lies in the area ``code`` claims.

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
                raise RowInvalid(
                    "geometry",
                    f"位置 ({point.x:.5f}, {point.y:.5f}) 不在威海市范围内 "
                    f"(outside the city extent {CITY_EXTENT})",
                )
            return
        area_code = chain[0][0]
        for i, (ancestor, _) in enumerate(chain):
            reg = self.region(ancestor)
            assert reg is not None
            if not self._near(reg[2], reg[1], point):
                continue
            owners = [
                c for failed, _ in chain[:i] for c, g in self._others(failed) if g.covers(point)
            ]
            if not owners:
                return
            raise RowInvalid(
                "geometry",
                f"位置 ({point.x:.5f}, {point.y:.5f}) 在 {owners[0]} 内，不在所属行政区 "
                f"{area_code} 范围内 (inside {owners[0]}, not in the area {area_code} it claims)",
            )
        raise RowInvalid(
            "geometry",
            f"位置 ({point.x:.5f}, {point.y:.5f}) 不在所属行政区 {area_code} 范围内 "
            f"(outside the administrative area {area_code} it claims)",
        )


def known_values(conn: Connection, column: Any) -> set[Any]:
    """The values ``column`` holds (ids, codes)."""
    return {v for (v,) in conn.execute(select(column).where(column.is_not(None)))}


__all__ = ["CITY_EXTENT", "TOLERANCE_DEG", "Area", "Context", "known_values"]
