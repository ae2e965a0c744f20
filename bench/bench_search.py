"""Search benchmark: in-process latency over a fixed query set, against baselines.

Usage::

    # in-process, demo database (SpatiaLite); builds nothing, reads the file given
    python bench/bench_search.py --database-url sqlite:///var/weihai.sqlite

    # PostGIS with 1,000,000 synthetic names in a scratch database (created, then dropped)
    python bench/bench_search.py --postgis-1m postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The query set (fixed seed, >= 500 queries) is drawn from the names in the database:
exact names, 1-3 character prefixes, 2-character substrings, full pinyin (compact, spaced,
with tone marks), initials, mixed input (``威h``), and one-typo variants of names and of
pinyin. Baselines in the same run: a plain SQL ``LIKE`` scan (names and pinyin) and
rapidfuzz ``process.extract`` over all names (on every third query: they are slow). Prints
p50/p95/p99 per kind and the ratio of p95s, for one pass and for the best of 3 runs of each
query (the latter removes time lost to other processes on a shared machine).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, Engine, create_engine, text

from api.caches import load_index_for_server
from gazetteer.search import make_query
from gazetteer.services.search import SearchService
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings, upgrade
from gazetteer.text import initials, pinyin_key, romanize

Query = tuple[str, str]  # (kind, text)


@dataclass
class Timing:
    kind: str
    ms: list[float]

    def pct(self, p: float) -> float:
        xs = sorted(self.ms)
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _typo(rng: random.Random, s: str, alphabet: str) -> str:
    i = rng.randrange(len(s))
    op = rng.choice(["wrong", "missing", "extra", "swap"] if len(s) > 2 else ["wrong", "extra"])
    if op == "wrong":
        c = rng.choice([a for a in alphabet if a != s[i]])
        return s[:i] + c + s[i + 1 :]
    if op == "missing":
        return s[:i] + s[i + 1 :]
    if op == "extra":
        return s[:i] + rng.choice(alphabet) + s[i:]
    j = min(i, len(s) - 2)
    return s[:j] + s[j + 1] + s[j] + s[j + 2 :]


def query_set(names: list[tuple[str, str]], seed: int = 20201231) -> list[Query]:
    """>= 500 queries from (name, pinyin_key) pairs."""
    rng = random.Random(seed)
    pool = [(n, pk) for n, pk in names if pk and len(n) >= 2]
    chars = sorted({c for n, _ in pool for c in n})
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: list[Query] = []
    for n, _ in rng.sample(pool, 100):
        out.append(("exact", n))
    for n, _ in rng.sample(pool, 60):
        out.append(("prefix", n[: rng.choice([1, 2, 2, 3])]))
    for n, _ in rng.sample(pool, 60):
        i = rng.randrange(0, max(1, len(n) - 2))
        out.append(("substring", n[i : i + 2]))
    for n, pk in rng.sample(pool, 80):
        style = rng.choice(["compact", "spaced", "toned"])
        q = {"compact": pk.replace(" ", ""), "spaced": pk, "toned": romanize(n)}[style]
        out.append(("pinyin", q[:100]))
    for _n, pk in rng.sample(pool, 60):
        out.append(("initials", "".join(t[0] for t in pk.split())[:12]))
    for n, pk in rng.sample(pool, 20):
        out.append(("mixed", n[0] + "".join(t[0] for t in pk.split()[1:3])))
    for n, _ in rng.sample([p for p in pool if len(p[0]) >= 3], 80):
        out.append(("typo-chars", _typo(rng, n, "".join(chars[:3000]))))
    for _, pk in rng.sample([p for p in pool if len(p[1].replace(" ", "")) >= 5], 80):
        out.append(("typo-pinyin", _typo(rng, pk.replace(" ", ""), letters)))
    return out


def time_queries(
    run: Callable[[str], object], queries: list[Query], *, repeat: int = 1
) -> dict[str, Timing]:
    """Wall-clock ms per query; with ``repeat`` > 1 the best of the repeats (the machine is
    shared: the best of a few runs removes time spent preempted by other processes)."""
    res: dict[str, Timing] = {}
    for kind, q in queries:
        dt = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            run(q)
            dt = min(dt, (time.perf_counter() - t0) * 1000)
        res.setdefault(kind, Timing(kind, [])).ms.append(dt)
        res.setdefault("ALL", Timing("ALL", [])).ms.append(dt)
    return res


def report(title: str, ours: dict[str, Timing], base: dict[str, dict[str, Timing]]) -> None:
    print(f"\n== {title}")
    head = f"{'kind':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    for name in base:
        head += f" {name + ' p95':>18} {'ratio':>7}"
    print(head)
    for kind, t in ours.items():
        line = f"{kind:<12} {len(t.ms):>4} {t.pct(50):>8.3f} {t.pct(95):>8.3f} {t.pct(99):>8.3f}"
        for b in base.values():
            bt = b.get(kind)
            if bt is not None:
                line += f" {bt.pct(95):>18.3f} {bt.pct(95) / max(t.pct(95), 1e-6):>6.1f}x"
        print(line)


def like_baseline(conn: Connection) -> Callable[[str], object]:
    """Plain SQL: LIKE '%q%' on name and compact pinyin, first 20 by length, plus count."""
    sql = text(
        "SELECT id, name FROM places WHERE name LIKE :p OR replace(pinyin_key, ' ', '') LIKE :p "
        "ORDER BY length(name) LIMIT 20"
    )
    count = text(
        "SELECT count(*) FROM places WHERE name LIKE :p OR replace(pinyin_key, ' ', '') LIKE :p"
    )

    def run(q: str) -> object:
        pat = f"%{q.replace(' ', '').lower()}%"
        conn.execute(sql, {"p": pat}).all()
        return conn.execute(count, {"p": pat}).scalar()

    return run


def in_process(url: str, sample: int | None) -> None:
    engine = create_engine_from_settings(Settings(database_url=url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, pinyin_key FROM places")).all()
        names = [(r[0], r[1]) for r in rows]
        queries = query_set(names)
        print(f"names in database: {len(names)}; queries: {len(queries)}")
        # built as the API builds it (garbage collector paused and the index frozen)
        svc = SearchService(check_interval_s=1.0, build=load_index_for_server)
        t0 = time.perf_counter()
        svc.index(conn)
        print(f"index build: {time.perf_counter() - t0:.2f} s")
        for _, q in queries[:50]:  # warm-up (lazy tables of the text module)
            svc.search(conn, make_query(q))
        gc.collect()
        print(f"load average: {os.getloadavg()}")
        single = time_queries(lambda q: svc.search(conn, make_query(q)), queries)
        ours = time_queries(lambda q: svc.search(conn, make_query(q)), queries, repeat=3)
        like = time_queries(like_baseline(conn), queries[::3])
        all_names = [n for n, _ in names]
        rf = time_queries(
            lambda q: process.extract(q, all_names, scorer=fuzz.WRatio, limit=20), queries[::3]
        )
        where = f"{url.split('://')[0]} ({len(names)} names)"
        baselines = {"SQL LIKE": like, "rapidfuzz": rf}
        report(f"in-process search, {where}, single pass", single, baselines)
        report(f"in-process search, {where}, best of 3 per query", ours, baselines)
        for title, res in (("single pass", single), ("best of 3", ours)):
            ok = all(t.pct(95) < 2.0 for k, t in res.items() if k != "ALL")
            print(f"target p95 < 2 ms for every kind ({title}): {'MET' if ok else 'NOT MET'}")


# --- PostGIS, 1,000,000 synthetic names -----------------------------------------------------

SYNTH_CHARS = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤东西南北上下前后大小新老山河海湾岛港泉石林花园桥湖岭峰台庄屯店"
)
SYNTH_GENERICS = ["路", "街", "村", "社区", "小区", "桥", "山", "岛", "公园", "大厦", "广场", "港"]


def postgis_1m(admin_url: str, n: int, keep: bool) -> None:
    base, _, _ = admin_url.rpartition("/")
    name = f"gz_bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    try:
        engine = create_engine_from_settings(Settings(database_url=url))
        upgrade(engine)
        chars = list(SYNTH_CHARS)
        gens = SYNTH_GENERICS
        cpy = [pinyin_key(c) for c in chars]
        gpy = [pinyin_key(g) for g in gens]
        gin = [initials(g) for g in gens]
        t0 = time.perf_counter()
        with engine.begin() as conn:
            from gazetteer.storage import repository as repo
            from gazetteer.storage import tables as t
            from gazetteer.storage import versions

            # bulk load without secondary indexes, then build them once (as a real import
            # of a province would); their definitions come from the migrations
            index_defs = [
                (r[0], r[1])
                for r in conn.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'places' "
                        "AND indexname NOT LIKE 'pk_%' AND indexdef NOT LIKE '%UNIQUE%'"
                    )
                )
            ]
            for iname, _ in index_defs:
                conn.execute(text(f'DROP INDEX "{iname}"'))
            # the n-gram table is filled in one statement after the load, not per row
            # (every user trigger: the statement-level insert trigger of migration 0008 fills
            # the n-grams too; aliases: the synthetic names have none)
            conn.execute(text("ALTER TABLE places DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE search_grams DROP CONSTRAINT pk_search_grams"))
            conn.execute(text("DROP INDEX ix_search_grams_place"))

            repo.ensure_categories(conn)
            conn.execute(
                text(
                    "INSERT INTO admin_areas (code, name, level, kind, parent_code) VALUES "
                    "('371000000000', '威海市', 2, '市', NULL), "
                    "('371002000000', '环翠区', 3, '区', '371000000000'), "
                    "('371003000000', '文登区', 3, '区', '371000000000')"
                )
            )
            conn.execute(
                text(
                    """
                INSERT INTO places (name, specific, generic, romanized, pinyin_key, initials,
                    category_code, admin_code, geom, point, meaning, origin, history,
                    description, other_names, status, census_status, source, created_at,
                    updated_at, version)
                SELECT c1 || c2 || c3 || g, c1 || c2 || c3, g, '', p1 || ' ' || p2 || ' ' || p3
                       || ' ' || gp, left(p1, 1) || left(p2, 1) || left(p3, 1) || gi,
                       CASE WHEN gi IN ('l', 'j') THEN '23510' ELSE '22110' END,
                       CASE WHEN s % 2 = 0 THEN '371002000000' ELSE '371003000000' END,
                       pt, pt, '', '', '', '', '[]', 'current', 'unchanged', 'synthetic',
                       now(), now(), 1
                FROM (
                  SELECT s, a.chars[i1] AS c1, a.chars[i2] AS c2, a.chars[i3] AS c3,
                         a.cpy[i1] AS p1, a.cpy[i2] AS p2, a.cpy[i3] AS p3,
                         a.gens[ig] AS g, a.gpy[ig] AS gp, a.gin[ig] AS gi,
                         ST_SetSRID(ST_MakePoint(121.3 + random() * 1.4,
                                                 36.8 + random() * 0.7), 4490) AS pt
                  FROM (
                    SELECT s, 1 + floor(random() * :nc)::int AS i1,
                              1 + floor(random() * :nc)::int AS i2,
                              1 + floor(random() * :nc)::int AS i3,
                              1 + floor(random() * :ng)::int AS ig
                    FROM generate_series(1, :n) AS s
                  ) r,
                  (SELECT CAST(:chars AS text[]) AS chars, CAST(:cpy AS text[]) AS cpy,
                          CAST(:gens AS text[]) AS gens, CAST(:gpy AS text[]) AS gpy,
                          CAST(:gin AS text[]) AS gin) a
                ) x
                """
                ),
                {
                    "chars": chars,
                    "cpy": cpy,
                    "gens": gens,
                    "gpy": gpy,
                    "gin": gin,
                    "nc": len(chars),
                    "ng": len(gens),
                    "n": n,
                },
            )
            versions.note_changes(conn, t.places)  # the counters' trigger was off too
        print(f"inserted {n} rows in {time.perf_counter() - t0:.1f} s; building indexes")
        with engine.begin() as conn:
            conn.execute(text("SET maintenance_work_mem = '256MB'"))
            for _, idef in index_defs:
                conn.execute(text(idef))
            conn.execute(
                text(
                    "INSERT INTO search_grams (gram, rank, place_id) "
                    "SELECT g, search_rank(p.status, p.category_code, p.name), p.id "
                    "FROM places p, search_grams_of(p.name, p.pinyin_key, p.initials) g"
                )
            )
            conn.execute(
                text(
                    "ALTER TABLE search_grams ADD CONSTRAINT pk_search_grams "
                    "PRIMARY KEY (gram, rank, place_id)"
                )
            )
            conn.execute(text("CREATE INDEX ix_search_grams_place ON search_grams (place_id)"))
            conn.execute(text("ALTER TABLE places ENABLE TRIGGER USER"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE places"))
            conn.execute(text("VACUUM ANALYZE search_grams"))
        print(f"generated {n} names in {time.perf_counter() - t0:.1f} s (incl. indexes)")
        pg_queries(engine, n)
    finally:
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_queries(engine: Engine, n: int) -> None:
    """The query phase of the PostGIS benchmark (also on a database kept with --keep)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, pinyin_key FROM places WHERE id % 331 = 0 ORDER BY id LIMIT 3000")
        ).all()
        queries = query_set([(r[0], r[1]) for r in rows])
        svc = SearchService(check_interval_s=1.0)
        assert svc.index(conn) is None, "1M names must use the SQL strategy"
        for _, q in queries[:30]:
            svc.search(conn, make_query(q))
        print(f"load average: {os.getloadavg()}")
        ours = time_queries(lambda q: svc.search(conn, make_query(q)), queries)
    # the baseline on a connection of its own: the search transaction disables parallel
    # plans (dialect.serial_plans), a plain scan keeps PostgreSQL's parallel workers
    with engine.connect() as conn:
        like = time_queries(like_baseline(conn), queries[::10])  # a scan is slow: 1 in 10
    report(f"PostGIS SQL strategy, {n} synthetic names", ours, {"SQL LIKE": like})
    p95 = ours["ALL"].pct(95)
    print(f"\ntarget p95 < 50 ms overall: {'MET' if p95 < 50 else 'NOT MET'} ({p95:.1f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="database with the demo (in-process benchmark)")
    ap.add_argument("--postgis-1m", metavar="ADMIN_URL", help="PostgreSQL admin URL")
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--postgis-db", metavar="URL", help="query phase only, on a kept database")
    args = ap.parse_args(argv)
    if args.database_url:
        in_process(args.database_url, None)
    if args.postgis_1m:
        postgis_1m(args.postgis_1m, args.names, args.keep)
    if args.postgis_db:
        eng = create_engine_from_settings(Settings(database_url=args.postgis_db))
        with eng.connect() as c:
            count = int(c.execute(text("SELECT count(*) FROM places")).scalar_one())
        pg_queries(eng, count)
    if not (args.database_url or args.postgis_1m or args.postgis_db):
        ap.print_help()
        return 2
    print(f"\npython {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
