"""Naming review benchmark: single check p95 and a 1,000-name batch against the demo.

Baseline (same run): a naive scan that reads every current name of the scope's categories
and compares pinyin keys computed in Python, per check.

Usage::

    GAZETTEER_DATABASE_URL=sqlite:///var/weihai.sqlite python bench/bench_naming.py
    python bench/bench_naming.py --database-url postgresql+psycopg://postgres@127.0.0.1/weihai

The database must hold the demo (``gazetteer demo``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import event, select

from gazetteer.naming.check import SCOPE_CATEGORIES, check_name, check_names, name_facts
from gazetteer.naming.model import CheckRequest, PlaceKind
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import tables as t
from gazetteer.storage.geometry import from_db
from gazetteer.text import pinyin_key

SWAPS = {"化": "华", "海": "海", "路": "路", "山": "珊", "东": "冬", "平": "萍", "安": "按"}


def _requests(conn, n: int, seed: int = 7) -> list[CheckRequest]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        select(t.places.c.name, t.places.c.admin_code, t.places.c.point).where(
            t.places.c.category_code == "23510"
        )
    ).all()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        name, admin, point = rows[rng.randrange(len(rows))]
        variant = "".join(SWAPS.get(c, c) for c in name) if rng.random() < 0.5 else name
        if rng.random() < 0.3:
            variant = "新" + variant
        out.append(CheckRequest(variant, PlaceKind.ROAD, admin, from_db(point)))
    return out


def _naive(conn, req: CheckRequest) -> int:  # type: ignore[no-untyped-def]
    """Read every name of the categories and compare keys in Python."""
    facts = name_facts(req.name, req.kind)
    hits = 0
    q = select(t.places.c.name).where(
        t.places.c.category_code.in_(SCOPE_CATEGORIES[req.kind]),
        t.places.c.admin_code.like(req.admin_code[:6] + "%"),
    )
    for (name,) in conn.execute(q):
        if name == facts.name or pinyin_key(name) == facts.pinyin_key:
            hits += 1
    return hits


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url")
    ap.add_argument("--single", type=int, default=300)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    settings = Settings()
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    engine = create_engine_from_settings(settings)
    with engine.connect() as conn:
        n_places = conn.execute(select(t.places.c.id).order_by(t.places.c.id.desc())).first()
        reqs = _requests(conn, max(args.single, args.batch))
        check_name(conn, reqs[0])  # warm caches (word lists, built-up areas, pinyin tables)
        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        for r in reqs[:20]:
            check_name(conn, r)
        event.remove(engine, "before_cursor_execute", count)
        per_check = statements[0] / 20
        single = []
        for r in reqs[: args.single]:
            t0 = time.perf_counter()
            check_name(conn, r)
            single.append((time.perf_counter() - t0) * 1000)
        naive = []
        for r in reqs[: min(args.single, 100)]:
            t0 = time.perf_counter()
            _naive(conn, r)
            naive.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        results = check_names(conn, reqs[: args.batch])
        batch_s = time.perf_counter() - t0
    p95 = statistics.quantiles(single, n=20)[18]
    naive_p95 = statistics.quantiles(naive, n=20)[18]
    naive_batch_s = statistics.mean(naive) * args.batch / 1000
    bad = sum(1 for r in results if not r.ok)
    print(f"backend: {engine.dialect.name}; places up to id {n_places[0] if n_places else 0}")
    print(
        f"single check: p50 {statistics.median(single):.2f} ms, p95 {p95:.2f} ms (target < 20 ms)"
    )
    print(f"database round trips per single check: {per_check:.1f}")
    print(f"naive scan baseline: p50 {statistics.median(naive):.2f} ms, p95 {naive_p95:.2f} ms")
    print(f"speed-up single p95: {naive_p95 / p95:.1f}x")
    print(f"batch of {args.batch}: {batch_s:.2f} s (target < 2 s), {bad} not ok")
    print(
        f"naive batch (estimated from the scan mean): {naive_batch_s:.2f} s; "
        f"ratio {naive_batch_s / batch_s:.1f}x"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
