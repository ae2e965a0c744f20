"""Every write path obeys the importer's rules (issue 16): a varied write session through
the use cases the API and the CLI call (facilities created and moved at random, naming
cases approved), with every record that lies outside the area it claims refused, then
the database exported to GeoPackage imports into an empty one without an error."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pyogrio  # noqa: F401  # before any SpatiaLite connection (see gazetteer/io/__init__.py)
import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from sqlalchemy import Engine

from gazetteer.errors import Conflict, InvalidInput
from gazetteer.io import export_layers, import_file
from gazetteer.model import AdminArea, AdminLevel
from gazetteer.naming.model import CaseKind, CaseProposal
from gazetteer.services import accounts as auth
from gazetteer.services import facilities as fac
from gazetteer.services import naming as wf
from gazetteer.settings import Settings
from gazetteer.types import local_today
from tests.builder import Builder, backdate_case
from tests.io.test_round_trip import fresh_engine

CITY, WEST, EAST = "371000000000", "371002000000", "371003000000"
WEST_TOWN, EAST_TOWN = "371002001000", "371003001000"
WEST_BOX = box(122.00, 37.40, 122.10, 37.50)
EAST_BOX = box(122.10, 37.40, 122.20, 37.50)


def _frame(engine: Engine) -> None:
    def mp(p: Polygon) -> MultiPolygon:
        return MultiPolygon([p])

    with Builder.writing(engine) as b:
        b.admins(
            [
                AdminArea(CITY, "威海市", AdminLevel.CITY, None),
                AdminArea(WEST, "环翠区", AdminLevel.COUNTY, CITY, geometry=mp(WEST_BOX)),
                AdminArea(EAST, "文登区", AdminLevel.COUNTY, CITY, geometry=mp(EAST_BOX)),
                AdminArea(WEST_TOWN, "西镇", AdminLevel.TOWN, WEST, geometry=mp(WEST_BOX)),
                AdminArea(EAST_TOWN, "东镇", AdminLevel.TOWN, EAST, geometry=mp(EAST_BOX)),
            ]
        )


def test_a_varied_write_session_exports_and_imports_into_an_empty_database(
    engine: Engine,
    settings: Settings,
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    _frame(engine)
    rng = random.Random(16)
    refused = stored = 0
    ids: list[int] = []
    for i in range(30):
        lon, lat = rng.uniform(122.01, 122.19), rng.uniform(37.41, 37.49)
        code = rng.choice([WEST_TOWN, EAST_TOWN])
        inside = (
            (WEST_BOX if code == WEST_TOWN else EAST_BOX)
            .buffer(-0.01)
            .contains(LineString([(lon, lat), (lon, lat + 1e-9)]))
        )
        values = {
            "name": f"助餐点{i}",
            "type": "elderly_meal_point",
            "admin_code": code,
            "lon": lon,
            "lat": lat,
            "beds": rng.randint(0, 50),
        }
        try:
            created = fac.create_facility(engine, values, user="zhang").id
            assert created is not None
            ids.append(created)
            stored += 1
        except InvalidInput as exc:
            assert "geometry" in str(exc.details) or "lon/lat" in str(exc.details)
            refused += 1
            assert not inside, values
    for fid in ids[:10]:  # moves, some across the boundary
        try:
            fac.update_facility(
                engine, fid, {"lon": rng.uniform(122.01, 122.19)}, user="li", note="移址"
            )
        except InvalidInput:
            refused += 1
    assert stored and refused

    with engine.begin() as conn:
        rev = auth.add_user(conn, "zhang", ["reviewer"]).user
        app = auth.add_user(conn, "wang", ["approver"]).user
    day0 = local_today() - timedelta(days=30)
    roads = {
        "杏林路": (WEST_TOWN, LineString([(122.02, 37.45), (122.05, 37.45)]), True),
        "松涛路": (WEST_TOWN, LineString([(122.15, 37.45), (122.18, 37.45)]), False),
    }
    for name, (code, line, ok) in roads.items():
        case = wf.create_case(engine, CaseProposal(CaseKind.NEW_ROAD, name, code, line), rev)
        wf.submit(engine, case.id, rev)
        wf.start_review(engine, case.id, rev)
        backdate_case(engine, case.id, day0)
        wf.start_consultation(engine, case.id, rev, settings, start=day0)
        if ok:
            wf.approve(engine, case.id, app, settings, approval_no=f"N{case.id}")
        else:
            # refused by the case's own check (location.admin_mismatch, 409) before the
            # write-path validation (400) would refuse it: either way nothing is stored
            with pytest.raises((InvalidInput, Conflict), match=WEST_TOWN):
                wf.approve(engine, case.id, app, settings, approval_no=f"N{case.id}")

    out = export_layers(engine, fmt="gpkg", layers=["all"], out=tmp_path / "backup.gpkg")
    with fresh_engine(backend, request, tmp_path / "empty") as other:
        report = import_file(other, out.files[0])
        assert not report.errors, report.errors[:3]
        assert report.written["facilities"] == stored
        assert report.written["places"] >= 1
