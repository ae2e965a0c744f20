"""What the database (and the rows accepted so far) already hold, for the validators:
known codes and ids, and where each administrative area lies (for "inside the area it
claims")."""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry
from sqlalchemy import Connection, select

from gazetteer.io.importer.report import RowInvalid
from gazetteer.io.read import CITY_EXTENT
from gazetteer.io.validation import TOLERANCE_DEG, Area, AreaRules, OutsideArea
from gazetteer.model import classification
from gazetteer.storage import tables as t


class Context(AreaRules):
    """What the database (and the rows accepted so far) already hold; where each area lies
    comes from the shared rules (:class:`gazetteer.io.validation.AreaRules`)."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
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
        # code -> region() of its nearest polygon (code, prepared, raw)
        self._nearest: dict[str, tuple[str, PreparedGeometry, BaseGeometry] | None] = {}

    def add_area(self, code: str, area: Area) -> None:
        super().add_area(code, area)
        self._nearest.clear()

    def check_inside(
        self, code: str, point: BaseGeometry, *, marine: bool = False, field: str = "geometry"
    ) -> None:
        """The shared rule, as a row error of the import report. The common case first:
        the nearest polygon at or above ``code`` covers the point (the rule's first test,
        which then asks nothing else), one prepared-geometry test per row."""
        if not marine:
            if code not in self._nearest:
                chain = self._chain(code) if code in self.areas else []
                self._nearest[code] = self.region(chain[0][0]) if chain else None
            nearest = self._nearest[code]
            if nearest is not None and nearest[1].covers(point):
                return
        try:
            super().check_inside(code, point, marine=marine, field=field)
        except OutsideArea as exc:
            raise RowInvalid("geometry", exc.message) from None


def known_values(conn: Connection, column: Any) -> set[Any]:
    """The values ``column`` holds (ids, codes)."""
    return {v for (v,) in conn.execute(select(column).where(column.is_not(None)))}


__all__ = ["CITY_EXTENT", "TOLERANCE_DEG", "Area", "Context", "known_values"]
