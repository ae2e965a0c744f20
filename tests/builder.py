"""The one test-data builder: any row a test needs, defaults for the rest.

After Nominatim's ``apiobj.add_placex(...)``: a test (or a data set in
``tests/datasets``) says only what matters to it, and the builder fills in the rest and
writes through the repositories, the way the application does, in one transaction::

    with Builder.writing(engine) as b:
        b.admin(CITY, "威海市", AdminLevel.CITY)
        pid = b.place("文化中路", "23510", CITY, LineString(...), keys=True)
        b.history(pid, "建设路", valid_to=date(2018, 6, 30))
        b.facility("古北社区老年助餐点", FacilityType.ELDERLY_MEAL_POINT, CITY, Point(...))

``keys=True`` stores the search keys (full pinyin and initials) of a place or former name
as every write path of the application does; without it they stay empty, as in files
imported from elsewhere (the search index computes them then).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine

from gazetteer import model as m
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import reset_id_sequence, write_transaction
from gazetteer.text import initials, pinyin_key


def _keys(name: str, reading: str | None = None) -> tuple[str, str]:
    return pinyin_key(name, reading), initials(name, reading)


def multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """A polygon as the MultiPolygon the area tables hold (a MultiPolygon unchanged)."""
    return MultiPolygon([geometry]) if isinstance(geometry, Polygon) else geometry


class Builder:
    """Writes test rows through the repositories inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    @contextmanager
    def writing(cls, engine: Engine) -> Iterator[Builder]:
        """A builder in one write transaction, with the classification table in place."""
        with write_transaction(engine) as conn:
            repo.ensure_categories(conn)
            yield cls(conn)

    # --- administrative areas and built-up areas ---------------------------------------

    def admin(
        self,
        code: str,
        name: str,
        level: m.AdminLevel,
        parent_code: str | None = None,
        *,
        kind: str = "",
        geometry: BaseGeometry | None = None,
        centre: BaseGeometry | None = None,
        ur_code: str | None = None,
    ) -> m.AdminArea:
        """One administrative area (parents must be written first)."""
        area = m.AdminArea(
            code,
            name,
            level,
            parent_code,
            kind=kind,
            geometry=None if geometry is None else multipolygon(geometry),
            centre=centre,
            ur_code=ur_code,
        )
        repo.insert_admin_areas(self.conn, [area])
        return area

    def admins(self, areas: Iterable[m.AdminArea]) -> int:
        """Many areas at once (sorted parents first)."""
        return repo.insert_admin_areas(self.conn, areas)

    def built_up_area(self, name: str, county_code: str, geometry: BaseGeometry) -> None:
        repo.insert_built_up_areas(
            self.conn, [m.BuiltUpArea(name, county_code, multipolygon(geometry))]
        )

    # --- places --------------------------------------------------------------------------

    def place(
        self,
        name: str,
        category_code: str = "22200",
        admin_code: str = "371000000000",
        geometry: BaseGeometry | None = None,
        *,
        keys: bool = False,
        **fields: Any,
    ) -> int:
        """One place (any :class:`~gazetteer.model.Place` field by keyword, an ``id``
        included); returns its id."""
        place = m.Place(
            name=name,
            category_code=category_code,
            admin_code=admin_code,
            geometry=geometry if geometry is not None else Point(122.12, 37.51),
            **fields,
        )
        return self.places([place], keys=keys)[0]

    def places(self, places: Sequence[m.Place], *, keys: bool = False) -> list[int]:
        """Many places; ids given on the places are kept (and the id sequence follows)."""
        pairs = [_keys(p.name, p.reading) if keys else ("", "") for p in places]
        if any(p.id is not None for p in places):
            ids = []
            for p, (pk, ini) in zip(places, pairs, strict=True):
                row = repo.place_row(p, pinyin_key=pk, initials=ini)
                if p.id is not None:
                    row["id"] = p.id
                ids.append(
                    int(
                        self.conn.execute(
                            t.places.insert().returning(t.places.c.id), [row]
                        ).scalar_one()
                    )
                )
            reset_id_sequence(self.conn, t.places)
            return ids
        return repo.insert_places(self.conn, places, pairs)

    def history(
        self,
        place_id: int,
        name: str,
        *,
        valid_from: date | None = None,
        valid_to: date | None = None,
        reason: m.ChangeReason = m.ChangeReason.RENAMING,
        keys: bool = False,
        recorded_at: datetime | None = None,
        **fields: Any,
    ) -> None:
        """One former name (or former geometry) of a place."""
        entry = m.NameHistoryEntry(place_id, name, valid_from, valid_to, reason, **fields)
        self.histories([entry], keys=keys, recorded_at=recorded_at)

    def histories(
        self,
        entries: Sequence[m.NameHistoryEntry],
        *,
        keys: bool = False,
        recorded_at: datetime | None = None,
    ) -> None:
        pks = [pinyin_key(h.name) for h in entries] if keys else None
        repo.insert_history(self.conn, entries, pks, recorded_at=recorded_at)

    def road(
        self,
        place_id: int,
        start_desc: str = "",
        end_desc: str = "",
        length_m: float = 1000.0,
        width_m: float | None = None,
        grade: str = "",
    ) -> None:
        repo.insert_roads(
            self.conn, [m.Road(place_id, start_desc, end_desc, length_m, width_m, grade)]
        )

    def compound(self, place_id: int, households: int | None = None, **fields: Any) -> None:
        repo.insert_compounds(self.conn, [m.Compound(place_id, households, **fields)])

    # --- facilities, demand, network ------------------------------------------------------

    def facility(
        self,
        name: str,
        type: m.FacilityType = m.FacilityType.ELDERLY_MEAL_POINT,
        admin_code: str = "371000000000",
        point: BaseGeometry | None = None,
        **fields: Any,
    ) -> None:
        point = point if point is not None else Point(122.12, 37.51)
        self.facilities([m.Facility(name, type, admin_code, point, **fields)])

    def facilities(self, items: Iterable[m.Facility]) -> int:
        return repo.insert_facilities(self.conn, items)

    def demand(
        self,
        code: str,
        name: str,
        admin_code: str,
        point: BaseGeometry,
        population: int = 1000,
        elderly: int = 250,
        dependents: int = 0,
    ) -> None:
        self.demand_points(
            [m.DemandPoint(code, name, admin_code, point, population, elderly, dependents)]
        )

    def demand_points(self, items: Iterable[m.DemandPoint]) -> int:
        return repo.insert_demand_points(self.conn, items)

    def network(self, nodes: Iterable[m.NetworkNode], edges: Iterable[m.NetworkEdge]) -> None:
        repo.insert_network(self.conn, nodes, edges)


__all__ = ["Builder", "multipolygon"]


def backdate_case(engine: Engine, case_id: int, day: date) -> None:
    """Let a case's last step have happened on ``day`` (a case reviewed in the past): step
    dates are checked against the case's history, so a test that records an approval in
    the past first moves that history back."""
    from sqlalchemy import update

    from gazetteer.storage.tables_naming import naming_cases

    stamp = datetime(day.year, day.month, day.day, 1, 0)
    with write_transaction(engine) as conn:
        conn.execute(
            update(naming_cases).where(naming_cases.c.id == case_id).values(updated_at=stamp)
        )
