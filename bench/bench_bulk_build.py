"""What each change to the national load's build bought, as before/after pairs in one run.

    .venv/bin/python bench/bench_bulk_build.py --database-url URL [--rounds 2]

``URL``: a PostGIS database holding a national load (``bench_national.py --keep`` or
``gazetteer national load``) of at least 400,000 names. Each pair runs alternately
``--rounds`` times, on scratch tables that are dropped after:

1. the generated tile key: ``INSERT`` of 100,000 places into a copy of ``places`` whose
   ``tile_key`` is computed by migration 0011's SQL function, then by 0012's PL/pgSQL;
2. the n-grams' primary key over the grams of the first 400,000 places, the column in the
   database's default collation, then in ``"C"`` (0012);
3. ``maintenance_work_mem`` for the n-grams' primary key of all the names (64 MB to 1 GB,
   the server's default parallel workers).

Prints seconds; nothing is written to RESULTS.md (copy the figures with the load average).
"""

from __future__ import annotations

import argparse
import importlib
import os
import time

from sqlalchemy import Connection, create_engine, text

tile = importlib.import_module("gazetteer.storage.migrations.versions.0011_place_tile_key")


def timed(conn: Connection, label: str, sql: str) -> float:
    started = time.perf_counter()
    conn.execute(text(sql))
    seconds = time.perf_counter() - started
    load = os.getloadavg()[0]
    print(f"{label}: {seconds:.1f} s (load {load:.1f})", flush=True)
    return seconds


def tile_key(conn: Connection, rounds: int) -> None:
    gis = conn.execute(
        text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'")
    ).scalar_one()
    for stmt in tile._pg_up(gis, "public")[:2]:
        conn.execute(
            text(
                stmt.replace("gz_tile_key(", "bench_tile_key_0011(")
                .replace("gz_spread_bits", "bench_spread_bits_0011")
                .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
            )
        )
    conn.execute(text("CREATE TABLE bench_new (LIKE places INCLUDING GENERATED)"))
    conn.execute(text("CREATE TABLE bench_old (LIKE places)"))
    conn.execute(text("ALTER TABLE bench_old DROP COLUMN tile_key"))
    conn.execute(
        text(
            "ALTER TABLE bench_old ADD COLUMN tile_key bigint "
            "GENERATED ALWAYS AS (public.bench_tile_key_0011(point)) STORED"
        )
    )
    columns = [
        r[0]
        for r in conn.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'places'::regclass "
                "AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
            )
        )
    ]
    cols = ", ".join(columns)
    for _ in range(rounds):
        for table, what in (("bench_old", "0011 SQL"), ("bench_new", "0012 PL/pgSQL")):
            conn.execute(text(f"TRUNCATE {table}"))
            timed(
                conn,
                f"1. INSERT 100,000 places, tile key by {what}",
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM places ORDER BY id LIMIT 100000",
            )
    conn.execute(text("DROP TABLE bench_old, bench_new"))
    conn.execute(text("DROP FUNCTION bench_tile_key_0011(geometry)"))
    conn.execute(text("DROP FUNCTION bench_spread_bits_0011(bigint)"))


def collation(conn: Connection, rounds: int) -> None:
    conn.execute(text('CREATE TABLE bench_default (gram text COLLATE "default", r int, p int)'))
    conn.execute(text('CREATE TABLE bench_c (gram text COLLATE "C", r int, p int)'))
    top = conn.execute(text("SELECT id FROM places ORDER BY id OFFSET 400000 LIMIT 1")).scalar()
    conn.execute(
        text("INSERT INTO bench_default SELECT * FROM search_grams WHERE place_id < :top"),
        {"top": top},
    )
    conn.execute(text("INSERT INTO bench_c SELECT * FROM bench_default"))
    conn.execute(text("SET maintenance_work_mem = '128MB'"))
    for _ in range(rounds):
        for table, what in (("bench_default", "default collation"), ("bench_c", '"C"')):
            conn.execute(text("DROP INDEX IF EXISTS bench_key"))
            timed(
                conn,
                f"2. n-gram key of 400,000 places, {what}",
                f"CREATE UNIQUE INDEX bench_key ON {table} (gram, r, p)",
            )
    conn.execute(text("DROP TABLE bench_default, bench_c"))


def memory(conn: Connection, rounds: int) -> None:
    rows = conn.execute(text("SELECT count(*) FROM search_grams")).scalar_one()
    for _ in range(rounds):
        for mem in ("64MB", "128MB", "256MB", "1GB"):
            conn.execute(text(f"SET maintenance_work_mem = '{mem}'"))
            conn.execute(text("DROP INDEX IF EXISTS bench_key"))
            timed(
                conn,
                f"3. n-gram key of all names ({rows:,} rows), maintenance_work_mem {mem}",
                "CREATE UNIQUE INDEX bench_key ON search_grams (gram, rank, place_id)",
            )
    conn.execute(text("DROP INDEX IF EXISTS bench_key"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    print("load average at the start:", "/".join(f"{x:.1f}" for x in os.getloadavg()))
    engine = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SET statement_timeout = 0"))
        tile_key(conn, args.rounds)
        collation(conn, args.rounds)
        memory(conn, args.rounds)
    engine.dispose()
    print("load average at the end:", "/".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
