"""What an approved naming case changes in the gazetteer, in the approval's transaction:
a new place with its romanisation and geometry (new road, compound), a rename keeping the
former name in ``place_history`` with its end date, or an adjustment keeping the previous
geometry version."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, update

from gazetteer.io.validation import check_place_location
from gazetteer.model import CensusStatus, ChangeReason, Compound, Place, Road, classification
from gazetteer.naming.cases import CASE_PLACE_KIND, place_snapshot
from gazetteer.naming.check import KIND_CATEGORY
from gazetteer.naming.model import Case, CaseKind, CheckResult
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.text import initials, pinyin_key
from gazetteer.types import geodesic_length_m


def _check_location(conn: Connection, admin_code: str, category: str, geometry: Any) -> None:
    """The shared rule of every write path: the place lies in the area it claims."""
    major = classification().major_of(category)
    check_place_location(conn, admin_code, category, major.code if major else category, geometry)


def apply_approval(
    conn: Connection, case: Case, on: date, result: CheckResult
) -> tuple[int, dict[str, Any] | None, str]:
    """Change the gazetteer for an approved case; returns (place id, before, former name)."""
    p = case.proposal
    keys = (pinyin_key(result.normalized), initials(result.normalized))
    if case.kind in (CaseKind.NEW_ROAD, CaseKind.COMPOUND):
        assert p.geometry is not None  # checked by _validate
        place = Place(
            name=result.normalized,
            specific=result.specific,
            generic=result.generic,
            romanized=result.romanized,
            category_code=KIND_CATEGORY[CASE_PLACE_KIND[case.kind]],
            admin_code=p.admin_code,
            geometry=p.geometry,
            meaning=p.reason,
            origin=f"{on.year}年经批准命名（{case.number}）",
            established_year=on.year,
            source=f"naming case {case.number}",
        )
        place.census_status = CensusStatus.ADDED
        _check_location(conn, place.admin_code, place.category_code, p.geometry)
        place_id = repo.insert_place(conn, place, pinyin_key=keys[0], initials=keys[1])
        if case.kind is CaseKind.NEW_ROAD:
            length = p.length_m if p.length_m is not None else geodesic_length_m(p.geometry) or 0.0
            repo.insert_roads(
                conn, [Road(place_id, p.start_desc, p.end_desc, length, p.width_m, p.grade)]
            )
        else:
            repo.insert_compounds(conn, [Compound(place_id, p.households, None, p.developer)])
        return place_id, None, ""
    assert p.place_id is not None
    before = place_snapshot(conn, p.place_id)
    if p.geometry is not None:
        current = repo.get_place(conn, p.place_id)
        _check_location(conn, current.admin_code, current.category_code, p.geometry)
    if case.kind is CaseKind.RENAME:
        changes: dict[str, Any] = {
            "name": result.normalized,
            "specific": result.specific,
            "generic": result.generic,
            "romanized": result.romanized,
        }
        old = repo.get_place(conn, p.place_id)
        changes["other_names"] = (
            [*old.other_names, old.name] if old.name not in old.other_names else old.other_names
        )
        if p.geometry is not None:
            changes["geometry"] = p.geometry
        repo.update_place(
            conn,
            p.place_id,
            changes,
            reason=ChangeReason.RENAMING,
            valid_to=on,
            note=f"{case.number}: {old.name} → {result.normalized}",
            keys=keys,
        )
        return p.place_id, before, old.name
    assert p.geometry is not None
    repo.update_place(
        conn,
        p.place_id,
        {"geometry": p.geometry},
        reason=ChangeReason.ADJUSTMENT,
        valid_to=on,
        note=f"{case.number}: 起止点调整",
    )
    adj_length = p.length_m if p.length_m is not None else geodesic_length_m(p.geometry)
    road_values: dict[str, Any] = {}
    if p.start_desc:
        road_values["start_desc"] = p.start_desc
    if p.end_desc:
        road_values["end_desc"] = p.end_desc
    if adj_length is not None:
        road_values["length_m"] = adj_length
    if p.width_m is not None:
        road_values["width_m"] = p.width_m
    if road_values:
        if repo.get_road(conn, p.place_id) is None:
            repo.insert_roads(
                conn,
                [Road(p.place_id, p.start_desc, p.end_desc, adj_length or 0.0, p.width_m, p.grade)],
            )
        else:
            conn.execute(
                update(t.roads).where(t.roads.c.place_id == p.place_id).values(**road_values)
            )
    return p.place_id, before, ""


__all__ = ["apply_approval"]
