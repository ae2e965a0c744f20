"""Storage on both backends: migrations, geometry round trip, spatial index filter, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import Engine, select

from gazetteer.errors import StorageUnavailable
from gazetteer.model import AdminArea, AdminLevel, ChangeReason, Place
from gazetteer.settings import Settings
from gazetteer.storage import bbox_match, create_engine_from_settings, upgrade
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t
from gazetteer.storage.migrate import downgrade, head_revision, is_current
from tests.builder import Builder


def _frame(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.ensure_categories(conn)
        repo.insert_admin_areas(
            conn,
            [
                AdminArea("371002000000", "环翠区", AdminLevel.COUNTY, "371000000000"),
                AdminArea("371000000000", "威海市", AdminLevel.CITY, None),
            ],
        )


def test_schema_is_at_head(engine: Engine) -> None:
    assert head_revision() is not None
    assert is_current(engine)


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert is_current(engine)


def test_categories_written_once(engine: Engine) -> None:
    with engine.begin() as conn:
        assert repo.ensure_categories(conn) == 75
        assert repo.ensure_categories(conn) == 0
        assert repo.count(conn, t.categories) == 75


def test_place_round_trip_keeps_geometry_and_fields(engine: Engine) -> None:
    _frame(engine)
    line = LineString([(122.11, 37.50), (122.12, 37.51), (122.13, 37.505)])
    place = Place(
        name="文化中路",
        specific="文化",
        generic="中路",
        romanized="Wénhuà Zhōnglù",
        category_code="23510",
        admin_code="371002000000",
        geometry=line,
        meaning="以文化命名",
        other_names=["文化路"],
    )
    with engine.begin() as conn:
        pid = repo.insert_place(conn, place)
    with engine.connect() as conn:
        got = repo.get_place(conn, pid)
    assert got.name == "文化中路"
    assert got.other_names == ["文化路"]
    assert got.geometry.equals_exact(line, 1e-9)
    assert got.point is not None and got.point.distance(line) < 1e-9


def test_bbox_filter_uses_the_geometry(engine: Engine) -> None:
    _frame(engine)
    places = [
        Place(
            name=f"点{i}",
            category_code="22200",
            admin_code="371002000000",
            geometry=Point(122.0 + i * 0.01, 37.5),
        )
        for i in range(20)
    ]
    with engine.begin() as conn:
        repo.insert_places(conn, places)
    with engine.connect() as conn:
        names = conn.execute(
            select(t.places.c.name).where(bbox_match(t.places, (122.045, 37.4, 122.075, 37.6)))
        ).scalars()
        assert sorted(names) == ["点5", "点6", "点7"]


def test_update_keeps_previous_version(engine: Engine) -> None:
    _frame(engine)
    with engine.begin() as conn:
        pid = Builder(conn).place("旧名村", "22200", "371002000000", Point(122.1, 37.5))
        repo.update_place(
            conn,
            pid,
            {"name": "新名村", "geometry": Point(122.2, 37.5)},
            reason=ChangeReason.RENAMING,
        )
    with engine.connect() as conn:
        now = repo.get_place(conn, pid)
        history = repo.place_history(conn, pid)
    assert (now.name, now.version) == ("新名村", 2)
    assert [h.name for h in history] == ["旧名村"]
    assert history[0].reason is ChangeReason.RENAMING
    assert history[0].geometry is not None and history[0].geometry.equals(Point(122.1, 37.5))


def test_failed_transaction_leaves_nothing(engine: Engine) -> None:
    _frame(engine)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        repo.insert_place(
            conn,
            Place(
                name="甲", category_code="22200", admin_code="371002000000", geometry=Point(122, 37)
            ),
        )
        raise RuntimeError("killed")
    with engine.connect() as conn:
        assert repo.count(conn, t.places) == 0


def test_missing_spatialite_says_what_to_install(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.sqlite'}",
        spatialite_module=str(tmp_path / "no_such_mod_spatialite.so"),
    )
    engine = create_engine_from_settings(settings)
    with pytest.raises(Exception) as info:
        engine.connect()
    text = str(info.value)
    assert isinstance(info.value, StorageUnavailable) or "libsqlite3-mod-spatialite" in text
    assert "libsqlite3-mod-spatialite" in text


def test_migration_0005_backfills_aliases_and_grams_and_reverts(engine: Engine) -> None:
    """0005 on a database that already holds names: aliases (and on PostgreSQL the
    mixed-input grams) are filled from existing rows; down to 0004 and up again works."""
    from alembic import command
    from sqlalchemy import text

    from gazetteer.search import MatchKind, make_query
    from gazetteer.services.search import SearchService
    from gazetteer.storage.migrate import alembic_config, current_revision
    from gazetteer.text import initials, pinyin_key

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    assert current_revision(engine) == "0004"
    _frame(engine)
    place = Place(
        name="刘公岛",
        specific="刘公",
        generic="岛",
        romanized="Liúgōng Dǎo",
        category_code="11500",
        admin_code="371002000000",
        geometry=Point(122.183, 37.501),
        other_names=["刘岛", "刘岛", "刘公"],
    )
    with engine.begin() as conn:
        pid = repo.insert_place(
            conn, place, pinyin_key=pinyin_key("刘公岛"), initials=initials("刘公岛")
        )
    upgrade(engine)
    assert is_current(engine)
    with engine.connect() as conn:
        aliases = conn.execute(
            text("SELECT name FROM place_aliases WHERE place_id = :p ORDER BY name"), {"p": pid}
        ).all()
        assert [a[0] for a in aliases] == ["刘公", "刘岛"]
        if engine.dialect.name == "postgresql":
            grams = conn.execute(
                text("SELECT gram FROM search_grams WHERE place_id = :p AND gram LIKE 'm:%'"),
                {"p": pid},
            ).all()
            assert sorted(g[0] for g in grams) == ["m:公d", "m:刘g"]
        sql = SearchService(check_interval_s=0, memory_max_names=-1)
        hit = sql.search(conn, make_query("刘岛")).results[0]
        assert (hit.id, hit.match) == (pid, MatchKind.FORMER_NAME)
        assert sql.search(conn, make_query("刘g")).results[0].id == pid
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    upgrade(engine)
    assert is_current(engine)


def test_migrations_run_past_the_services_statement_timeout(
    engine: Engine, settings: Settings
) -> None:
    """A migration may rewrite a table (minutes at a province's size): the service's
    per-statement timeout must not cut it off, on a database that holds names."""
    _frame(engine)
    with Builder.writing(engine) as b:
        b.place("文化中路", "23510", "371002000000", Point(122.12, 37.51))
    downgrade(engine, "0010")  # before the stored tile key (a table rewrite on PostgreSQL)
    tight = create_engine_from_settings(settings.model_copy(update={"statement_timeout_s": 0.001}))
    try:
        upgrade(tight)
        downgrade(tight, "0010")
        upgrade(tight)
        assert is_current(tight)
    finally:
        tight.dispose()
    with engine.connect() as conn:
        assert repo.count(conn, t.places) == 1
