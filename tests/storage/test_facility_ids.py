"""A new facility never gets the id of a deleted one (whose history stays behind).

SQLite hands out ``max(rowid) + 1``: deleting the facility with the largest id and
creating another gave the new one the old id, and ``/facilities/{id}/history`` then showed
the deleted facility's entries as the new one's. PostgreSQL's sequence never reuses ids.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gazetteer import facilities as fac
from gazetteer.model import AdminArea, AdminLevel
from gazetteer.storage import repository as repo
from gazetteer.storage import write_transaction

CITY, COUNTY, TOWN = "371000000000", "371002000000", "371002001000"


def test_new_facility_never_takes_a_deleted_ones_id_or_history(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(
            conn,
            [
                AdminArea(CITY, "威海市", AdminLevel.CITY, None),
                AdminArea(COUNTY, "环翠区", AdminLevel.COUNTY, CITY),
                AdminArea(TOWN, "环翠一街道", AdminLevel.TOWN, COUNTY),
            ],
        )
    values = {"type": "community_canteen", "admin_code": TOWN, "lon": 122.1, "lat": 37.5}
    first = fac.create_facility(engine, {**values, "name": "甲食堂"}, user="rev")
    gone = fac.create_facility(engine, {**values, "name": "乙食堂"}, user="rev")
    assert first.id is not None and gone.id is not None
    fac.delete_facility(engine, gone.id, user="rev")  # the largest id goes
    new = fac.create_facility(engine, {**values, "name": "丙食堂"}, user="rev")
    assert new.id is not None
    assert new.id not in (first.id, gone.id)
    with engine.connect() as conn:
        own = fac.facility_history_entries(conn, new.id)
        assert [(e.action, e.snapshot["name"]) for e in own] == [("create", "丙食堂")]
        old = fac.facility_history_entries(conn, gone.id)
        assert [e.action for e in old] == ["create", "delete"]
    # ids keep growing after that too
    again = fac.create_facility(engine, {**values, "name": "丁食堂"}, user="rev")
    assert again.id is not None and again.id > new.id
