"""Reading the places layer's data version on PostgreSQL: change counters against aggregates.

    python bench/bench_versions.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Makes (or, with ``--db`` naming an existing one, reuses) a database of ``--names``
synthetic places (default 1,000,000; written by one ``INSERT .. SELECT`` from
``generate_series`` with the user triggers disabled, then ``versions.note_changes``, then
``VACUUM ANALYZE``), and reads in the same run, on one connection, each in its own
transaction as a request does:

* the version as the service reads it (``layer_version(conn, "places")``: the change
  counters of migration 0013), and
* the aggregate it replaces (``count(*), max(updated_at), max(id)`` over ``places``, the
  query SQLite still runs), the baseline.

Prints the median and the 95th percentile of each and their ratio; then what the counter
costs a one-row edit of a place (its own transaction), with and without the places'
counter triggers. ``--keep`` keeps the database (dropped otherwise).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import uuid

from benchlib import timings_ms
from sqlalchemy import Engine, create_engine, select, text

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade, versions
from gazetteer.storage import repository as repo
from gazetteer.storage import tables as t

_PLACES = """
INSERT INTO places (name, specific, generic, romanized, pinyin_key, initials, category_code,
    admin_code, geom, point, meaning, origin, history, description, other_names, status,
    census_status, source, created_at, updated_at, version)
SELECT '地名' || s, '地名' || s, '村', '', 'di ming', 'dm', '22110', '371002000000', pt, pt,
       '', '', '', '', '[]', 'current', 'unchanged', 'synthetic', now(), now(), 1
FROM (SELECT s, ST_SetSRID(ST_MakePoint(121.3 + random() * 1.4, 36.8 + random() * 0.7),
             4490) AS pt FROM generate_series(1, :n) AS s) g
"""


def _url(admin_url: str, name: str) -> str:
    return f"{admin_url.rpartition('/')[0]}/{name}"


def make(engine: Engine, n: int) -> None:
    upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        repo.ensure_categories(conn)
        conn.execute(
            text(
                "INSERT INTO admin_areas (code, name, level, kind, parent_code) VALUES "
                "('371000000000', '威海市', 2, '市', NULL), "
                "('371002000000', '环翠区', 3, '区', '371000000000')"
            )
        )
        # the n-grams are not needed here: every user trigger off, the counters by hand
        conn.execute(text("ALTER TABLE places DISABLE TRIGGER USER"))
        conn.execute(text(_PLACES), {"n": n})
        conn.execute(text("ALTER TABLE places ENABLE TRIGGER USER"))
        versions.note_changes(conn, t.places)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))
        conn.execute(text("VACUUM ANALYZE places"))
    print(f"made {n:,} places in {time.perf_counter() - started:.0f} s")


def edits(engine: Engine, rounds: int = 300) -> None:
    """What the counters cost a write: one-row edits, each its own transaction, with the
    places' counter triggers and with them disabled (alternating blocks of 50)."""
    edit = text("UPDATE places SET updated_at = now() WHERE id = :id")
    ms: dict[bool, list[float]] = {True: [], False: []}

    ids = itertools.count(1)

    def one() -> None:
        with engine.begin() as conn:
            conn.execute(edit, {"id": next(ids) * 7919 % 1_000_000})

    for block in range(rounds // 50):
        counted = block % 2 == 0
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = 0"))
            state = "ENABLE" if counted else "DISABLE"
            for trigger in ("trg_places_changed", "trg_places_truncated"):
                conn.execute(text(f"ALTER TABLE places {state} TRIGGER {trigger}"))
        ms[counted] += timings_ms(one, 50)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE places ENABLE TRIGGER trg_places_changed"))
        conn.execute(text("ALTER TABLE places ENABLE TRIGGER trg_places_truncated"))
    with_t, without = statistics.median(ms[True]), statistics.median(ms[False])
    print(f"one-row edit: median {with_t:.3f} ms with the counter, {without:.3f} ms without")
    print(f"with / without (medians): {with_t / without:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("admin_url", help="PostgreSQL URL of a database to create others from")
    ap.add_argument("--db", help="an existing database of places to reuse")
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the database made")
    args = ap.parse_args()
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = args.db or f"gz_ver_{uuid.uuid4().hex[:8]}"
    if args.db is None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine_from_settings(Settings(database_url=_url(args.admin_url, name)))
    try:
        if args.db is None:
            make(engine, args.names)
        else:
            upgrade(engine)
        aggregate = select(versions.LAYERS["places"].source())

        def counters() -> object:
            with engine.connect() as conn:
                return versions.layer_version(conn, "places")

        def old() -> object:
            with engine.connect() as conn:
                return conn.execute(aggregate).one()

        with engine.connect() as conn:
            count = conn.execute(select(text("count(*)")).select_from(t.places)).scalar_one()
        print(f"database {name}: {count:,} places")
        for warm in (counters, old):
            warm()
        figures = {"counters": timings_ms(counters, 500), "aggregate": timings_ms(old, 20)}
        for label, ms in figures.items():
            q = statistics.quantiles(ms, n=20)
            print(f"{label:>9}: median {statistics.median(ms):8.3f} ms  p95 {q[18]:8.3f} ms")
        ratio = statistics.median(figures["aggregate"]) / statistics.median(figures["counters"])
        print(f"aggregate / counters (medians): {ratio:.0f}x")
        edits(engine)
    finally:
        engine.dispose()
        if not args.keep and args.db is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped {name}")
        elif args.db is None:
            print(f"kept {name}")
        admin.dispose()


if __name__ == "__main__":
    main()
