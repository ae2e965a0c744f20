"""The synthetic national data set: the census's shape, the same files for the same seed,
and a bulk load (COPY on PostgreSQL) that gives a searchable database, all or nothing."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyogrio  # noqa: F401  (before any SpatiaLite connection)
import pytest
from sqlalchemy import Engine, func, select, text

from gazetteer.demo.national import PROVINCES, national_frame, write_national
from gazetteer.demo.national_load import load_national
from gazetteer.model import classification
from gazetteer.services.places import nearest_places
from gazetteer.settings import Settings
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import is_sqlite
from gazetteer.text import initials, pinyin_key
from gazetteer.types import distance_m
from tests.grams import grams_state

NAMES = 400


def test_frame_has_the_census_shape() -> None:
    frame = national_frame(7)
    levels = Counter(a[2] for a in frame.areas)
    assert len(PROVINCES) == 31
    assert {a[0][:2] for a in frame.areas} == {code for code, _, _ in PROVINCES}
    assert levels["3"] == frame.counties == sum(n for _, _, n in PROVINCES) == 2843
    assert 300 <= levels["2"] == frame.prefectures <= 360
    assert 35_000 <= levels["4"] == len(frame.town_codes) <= 45_000
    codes = {a[0] for a in frame.areas}
    assert len(codes) == len(frame.areas)
    for code, _, level, _, parent, *_ in frame.areas:
        assert len(code) == 12 and code.isdigit()
        if level == "3":
            assert parent == code[:4] + "00000000" and parent in codes
        if level == "4":
            assert parent == code[:6] + "000000" and parent in codes


def test_same_seed_same_files(tmp_path: Path) -> None:
    _, a, _ = write_national(tmp_path / "a", 50, seed=3)
    _, b, _ = write_national(tmp_path / "b", 50, seed=3)
    assert a.read_bytes() == b.read_bytes()


def test_load_gives_a_searchable_database(engine: Engine, tmp_path: Path) -> None:
    _, places_csv, frame = write_national(tmp_path, NAMES, seed=5)
    report = load_national(engine, tmp_path)
    assert (report.areas, report.places) == (len(frame.areas), NAMES)
    known = {c.code for c in classification().categories}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == NAMES
        rows = conn.execute(
            select(
                t.places.c.name,
                t.places.c.pinyin_key,
                t.places.c.initials,
                t.places.c.category_code,
                t.places.c.code,
                t.places.c.admin_code,
            )
        ).all()
        for name, key, ini, category, code, admin in rows:
            assert (key, ini) == (pinyin_key(name), initials(name))
            assert category in known and len(code) == 20 and code.startswith(admin)
        outside = conn.execute(
            text(
                "SELECT count(*) FROM places p JOIN admin_areas a ON a.code = p.admin_code "
                "WHERE NOT ST_Intersects(a.geom, p.point)"
            )
        ).scalar_one()
        assert outside == 0  # every name lies in its town
        if is_sqlite(conn):
            assert conn.execute(text("SELECT count(*) FROM idx_places_point")).scalar_one() == NAMES
        else:
            grams, differ = grams_state(conn)
            assert grams > 5 * NAMES and differ == 0
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):  # loaded twice: refused
        load_national(engine, tmp_path)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == NAMES
        assert places_csv.exists()


def test_cli_generates_and_loads(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    env = dict(os.environ, GAZETTEER_DATABASE_URL=settings.database_url)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "gazetteer.cli", "national", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)

    refused = run("generate", "--names", "10", "--no-load")
    assert refused.returncode != 0 and "--no-load" in refused.stderr + refused.stdout
    made = run("generate", "--names", "60", "--out", str(tmp_path), "--no-load")
    assert made.returncode == 0, made.stderr
    assert "2,843 counties" in made.stdout
    with engine.connect() as conn:  # the files only
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == 0
    loaded = run("load", str(tmp_path))
    assert loaded.returncode == 0, loaded.stderr
    assert "60 地名 (names)" in loaded.stdout and "已建索引 (indexed)" in loaded.stdout
    again = run("index")  # nothing pending: nothing to do
    assert again.returncode == 0, again.stderr
    assert "0 步 (steps)" in again.stdout
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.places)).scalar_one() == 60


def test_search_keys_are_those_of_the_functions(tmp_path: Path) -> None:
    """The generator joins keys of characters and generics where no phrase starts in the
    specific (several times faster): every row's keys equal the functions' keys."""
    _, places_csv, _ = write_national(tmp_path, 20_000, seed=11)
    with places_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20_000
    for row in rows:
        name = row["name"]
        assert name == row["specific"] + row["generic"]
        assert (row["pinyin_key"], row["initials"]) == (pinyin_key(name), initials(name)), name
    assert len({row["code"] for row in rows}) == len(rows)


def test_nearest_names_are_the_nearest(engine: Engine, tmp_path: Path) -> None:
    """Reverse geocoding's nearest names (PostgreSQL: nearest-first from the spatial index;
    SQLite: growing boxes) are those a scan of every name finds, dense or sparse."""
    write_national(tmp_path, 3000, seed=13)
    load_national(engine, tmp_path)
    with engine.connect() as conn:
        everything = [
            (int(r[0]), float(r[1]), float(r[2]))
            for r in conn.execute(text("SELECT id, ST_X(point), ST_Y(point) FROM places"))
        ]
        rng = random.Random(3)
        probes = [(rng.uniform(75, 133), rng.uniform(20, 50)) for _ in range(40)]
        probes += [(x + 0.01, y - 0.01) for _, x, y in everything[:20]]
        reach = 1.215  # the largest box nearest_places looks into (0.005 * 3^5)
        for lon, lat in probes:
            for limit in (1, 5):
                near = nearest_places(conn, lon, lat, limit=limit)
                boxed = [
                    (distance_m(lon, lat, x, y), pid)
                    for pid, x, y in everything
                    if abs(x - lon) <= reach and abs(y - lat) <= reach
                ]
                assert [n.id for n in near] == [pid for _, pid in sorted(boxed)[:limit]]
