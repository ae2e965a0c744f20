"""Import of the real Weihai administrative data (NBS 2023 codes + county boundaries)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Engine, func, select

from gazetteer.errors import ImportFailed
from gazetteer.io import import_admin
from gazetteer.model import AdminLevel
from gazetteer.settings import Settings
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t

PREFIX = {3: 4, 4: 6, 5: 9}


def test_real_admin_data_imports_with_a_consistent_hierarchy(
    engine: Engine, weihai_data: Path
) -> None:
    report = import_admin(
        engine,
        weihai_data / "weihai_admin_2023.csv",
        boundaries=weihai_data / "weihai_boundaries_wgs84.geojson",
    )
    assert report.written == {"admin_areas": 2849} and not report.errors
    with engine.connect() as conn:
        levels: dict[int, int] = {
            int(r[0]): int(r[1])
            for r in conn.execute(
                select(t.admin_areas.c.level, func.count()).group_by(t.admin_areas.c.level)
            )
        }
        areas = {a.code: a for a in repo.iter_admin_areas(conn)}
    assert levels == {2: 1, 3: 7, 4: 73, 5: 2768}
    assert len(areas) == 2849
    city = areas["371000000000"]
    assert city.name == "威海市" and city.parent_code is None
    for a in areas.values():
        if a.level == AdminLevel.CITY:
            continue
        parent = areas[a.parent_code or ""]  # every parent exists
        assert int(parent.level) == int(a.level) - 1
        n = PREFIX[int(a.level)]
        assert a.code[:n] == parent.code[:n]
    counties = {c for c, a in areas.items() if a.level == AdminLevel.COUNTY}
    assert counties == {
        "371002000000",
        "371003000000",
        "371071000000",
        "371072000000",
        "371073000000",
        "371082000000",
        "371083000000",
    }
    with_polygon = {c for c, a in areas.items() if a.geometry is not None}
    assert with_polygon == {
        "371000000000",
        "371002000000",
        "371003000000",
        "371082000000",
        "371083000000",
    }
    assert areas["371002000000"].kind == "区" and areas["371082000000"].kind == "县级市"
    assert sum(1 for a in areas.values() if a.centre is not None) == 191
    assert areas["371000000000"].geometry.geom_type == "MultiPolygon"  # type: ignore[union-attr]

    # a second import of the same file is refused row by row, and changes nothing
    with pytest.raises(ImportFailed) as info:
        import_admin(engine, weihai_data / "weihai_admin_2023.csv")
    assert len(info.value.details) == 2849
    with engine.connect() as conn:
        assert repo.count(conn, t.admin_areas) == 2849


def test_cli_imports_the_real_admin_data(settings: Settings, weihai_data: Path) -> None:
    env = dict(os.environ, GAZETTEER_DATABASE_URL=settings.database_url)
    args = [sys.executable, "-m", "gazetteer.cli", "import", "admin"]
    csv_path = str(weihai_data / "weihai_admin_2023.csv")
    boundaries = str(weihai_data / "weihai_boundaries_wgs84.geojson")
    r = subprocess.run(
        [*args, csv_path, "--boundaries", boundaries, "--dry-run"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "admin_areas 2849" in r.stdout and "dry run" in r.stdout
    r = subprocess.run(
        [*args, csv_path, "--boundaries", boundaries, "--quiet"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "已写入 (written): admin_areas 2849" in r.stdout
