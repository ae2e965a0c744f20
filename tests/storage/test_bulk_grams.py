"""Migration 0014's n-gram function against 0005's on adversarial names (PostGIS): the
same rows for every name, through the function and through the insert triggers, and the
downgrade puts 0005's function back."""

from __future__ import annotations

import importlib
import random

import pytest
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, text

from gazetteer.model import AdminLevel, Place
from gazetteer.storage import repository as repo
from gazetteer.storage import upgrade
from gazetteer.storage.migrate import downgrade, is_current
from tests.builder import Builder

_MIGRATION = importlib.import_module("gazetteer.storage.migrations.versions.0014_grams_set_based")
_OLD = "pg_temp.grams_0005"


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis)])
def backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: SQLite has no n-gram table."""
    return str(request.param)


def _maybe(rng: random.Random, alphabet: str, longest: int) -> str | None:
    if rng.random() < 0.05:
        return None
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def _corpus(seed: int, n: int) -> list[tuple[int, str | None, str | None, str | None]]:
    """Names with repeated characters, ``^``, ``:``, ``p``/``i`` (which make ``p:``,
    ``i:`` bigrams), spaces; pinyin with spaces; initials aligned with the name or not;
    empty strings and NULLs."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name = _maybe(rng, "山山海^:pi村 a", 9)
        key = _maybe(rng, "ab c", 9)
        if name is not None and rng.random() < 0.6:  # aligned, as the importer makes them
            initials: str | None = "".join(rng.choice("ab^:h") for _ in name)
        else:
            initials = _maybe(rng, "ab^:h", 9)
        rows.append((i, name, key, initials))
    rows += [(n, "刘公岛", "liu gong dao", "lgd"), (n + 1, "石石村", "shi shi cun", "ssc")]
    return rows


def _old_function(conn: Connection) -> None:
    """0005's function (what the database had before 0014) as ``pg_temp.grams_0005``."""
    sql = _MIGRATION.GRAMS_OF_0005.replace("FUNCTION search_grams_of(", f"FUNCTION {_OLD}(")
    conn.execute(text(sql))


def _differences(conn: Connection, function: str) -> int:
    """Rows of ``function`` over the corpus differing from 0005's, either way (as
    multisets: a duplicate counts)."""
    new = f"SELECT c.id, g FROM corpus c, {function}(c.name, c.pinyin_key, c.initials) g"
    old = f"SELECT c.id, g FROM corpus c, {_OLD}(c.name, c.pinyin_key, c.initials) g"
    return int(
        conn.execute(
            text(
                f"SELECT (SELECT count(*) FROM ({new} EXCEPT ALL {old}) a) "
                f"+ (SELECT count(*) FROM ({old} EXCEPT ALL {new}) b)"
            )
        ).scalar_one()
    )


def test_grams_of_0014_equal_0005s_and_the_downgrade_restores_it(engine: Engine) -> None:
    with engine.begin() as conn:
        _old_function(conn)
        conn.execute(
            text("CREATE TEMP TABLE corpus (id int, name text, pinyin_key text, initials text)")
        )
        conn.execute(
            text("INSERT INTO corpus VALUES (:i, :n, :k, :s)"),
            [{"i": i, "n": n, "k": k, "s": s} for i, n, k, s in _corpus(14, 4000)],
        )
        total = conn.execute(
            text(f"SELECT count(*) FROM corpus c, {_OLD}(c.name, c.pinyin_key, c.initials) g")
        ).scalar_one()
        assert total > 40_000
        assert _differences(conn, "search_grams_of") == 0
        source = conn.execute(
            text("SELECT prosrc FROM pg_proc WHERE proname = 'search_grams_of'")
        ).scalar_one()
        assert "strpos" in source
    downgrade(engine, "0013_change_counters")
    with engine.begin() as conn:
        source = conn.execute(
            text("SELECT prosrc FROM pg_proc WHERE proname = 'search_grams_of'")
        ).scalar_one()
        assert "SELECT DISTINCT g" in source and "strpos" not in source
    upgrade(engine)
    assert is_current(engine)


def test_the_insert_triggers_store_0005s_grams(engine: Engine) -> None:
    """Names written one by one (row trigger on update, statement trigger on insert) get
    exactly the grams 0005's function gives them."""
    names = ["石石村", "山海山海", "p:i:路", "^山^", "威海", "刘公岛"]
    with Builder.writing(engine) as b:
        conn = b.conn
        b.admin("371000000000", "威海市", AdminLevel.CITY)
        b.admin("371002000000", "环翠区", AdminLevel.COUNTY, "371000000000")
        _old_function(conn)
        ids = [
            repo.insert_place(
                conn,
                Place(
                    name=name,
                    specific=name[:-1] or name,
                    generic=name[-1],
                    romanized="x",
                    category_code="11500",
                    admin_code="371002000000",
                    geometry=Point(122.18, 37.50),
                ),
                pinyin_key="shi shi cun" if i % 2 else "a b",
                initials="ssc" if i % 2 else "ab" * len(name),
            )
            for i, name in enumerate(names)
        ]
        conn.execute(text("UPDATE places SET name = name || '石' WHERE id = :i"), {"i": ids[0]})
        stored = "SELECT place_id, gram FROM search_grams"
        old = f"SELECT p.id, g FROM places p, {_OLD}(p.name, p.pinyin_key, p.initials) g"
        differ = conn.execute(
            text(
                f"SELECT (SELECT count(*) FROM ({stored} EXCEPT ALL {old}) a) "
                f"+ (SELECT count(*) FROM ({old} EXCEPT ALL {stored}) b)"
            )
        ).scalar_one()
        assert differ == 0
        assert conn.execute(text(f"SELECT count(*) FROM ({stored}) s")).scalar_one() > 50
