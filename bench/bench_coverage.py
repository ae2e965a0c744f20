"""Coverage benchmark on the demo network (warm), beside networkx and pgRouting.

Usage::

    python bench/bench_coverage.py --sqlite var/weihai.sqlite \
        [--postgis postgresql+psycopg://postgres@127.0.0.1:5432/gz_bench_cov]

``--sqlite`` must hold the demo (``gazetteer demo``). With ``--postgis`` the URL's database
is (re)created, migrated and filled with the demo, ``CREATE EXTENSION pgrouting`` is run in
it, and the same question is timed with ``pgr_drivingDistance`` (equicost: each vertex to
its nearest facility vertex). Targets (issue 5): coverage of one type at 15 min < 200 ms,
what-if with one added facility < 50 ms, recommend k=10 < 5 s, graph load < 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
from sqlalchemy import Engine, create_engine, text

from gazetteer.coverage import CoverageCache, CoverageQuery, NewSite, WhatIfChanges
from gazetteer.coverage.data import load_facilities
from gazetteer.model import FacilityType
from gazetteer.network import load_graph
from gazetteer.services import coverage as svc
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.versions import coverage_versions

TYPE = FacilityType.ELDERLY_MEAL_POINT
Q = CoverageQuery((TYPE,), minutes=15.0, gaps_limit=100)


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """Median wall time in ms over ``repeat`` runs (after one warm-up)."""
    out = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def nx_graph(engine: Engine) -> tuple[Any, Any, Any]:
    with engine.connect() as conn:
        ctx = CoverageCache().context(conn, "walking")
        fac = load_facilities(conn, (TYPE,))
    pg = ctx.pg
    g = nx.DiGraph()
    gr = pg.graph
    for k in range(gr.n_edges):
        u, v = int(gr.edge_u[k]), int(gr.edge_v[k])
        if np.isfinite(pg.bwd_s[k]):  # reversed graph, as in the library
            g.add_edge(u, v, w=float(pg.bwd_s[k]))
        if np.isfinite(pg.fwd_s[k]):
            g.add_edge(v, u, w=float(pg.fwd_s[k]))
    return g, ctx, fac


def nx_coverage(g: Any, ctx: Any, fac: Any) -> float:
    """The same question with networkx: facilities as virtual sources with their offsets."""
    pg = ctx.pg
    sites = pg.snap_lonlat(fac.lonlat, max_snap_m=None)
    counts, cols, w = pg.site_rows(sites)
    h = g.copy(as_view=False)
    k = 0
    for i, c in enumerate(counts):
        for _ in range(c):
            h.add_edge(("f", i), int(cols[k]), w=float(w[k]))
            k += 1
    dist = nx.multi_source_dijkstra_path_length(
        h, [("f", i) for i in range(len(counts))], cutoff=Q.minutes * 60 * 3, weight="w"
    )
    node_s = np.full(pg.n, np.inf)
    for n, d in dist.items():
        if isinstance(n, int):
            node_s[n] = d
    t, _ = pg.point_times(ctx.demand_sites, node_s)
    wts = ctx.demand.population
    return float(wts[t <= Q.minutes * 60].sum())


def prepare_postgis(url: str, sqlite_engine: Engine) -> Engine:
    from gazetteer.demo import build_demo
    from gazetteer.storage import upgrade

    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine_from_settings(Settings(database_url=url))
    upgrade(engine)
    build_demo(engine, seed=Settings().demo_seed)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
    return engine


def pgrouting_coverage(engine: Engine, ctx: Any, fac: Any) -> tuple[float, Any]:
    """pgr_drivingDistance from the facilities' nearest edge ends (vertex-based)."""
    pg = ctx.pg
    sites = pg.snap_lonlat(fac.lonlat, max_snap_m=None)
    g = pg.graph
    ends = np.where(sites.frac < 0.5, g.edge_u[sites.edge], g.edge_v[sites.edge])
    starts = sorted({int(g.node_ids[i]) for i in ends})
    speed = 4.5 / 3.6
    sql = text(
        "SELECT count(*) FROM pgr_drivingDistance("
        f"'SELECT id, source, target, length_m / {speed} AS cost, "
        f"length_m / {speed} AS reverse_cost FROM network_edges', "
        "CAST(:starts AS bigint[]), :lim, directed => false, equicost => true)"
    )

    def run() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sql, {"starts": starts, "lim": Q.minutes * 60}).scalar_one())

    ms, reached = timed(run, repeat=3)
    return ms, reached


def bench_backend(backend: str, engine: Engine) -> None:
    print(f"\n== {backend} ==")
    cache = CoverageCache()  # as the API keeps one per process

    def load() -> Any:
        with engine.connect() as conn:
            return load_graph(conn)

    ms, g = timed(load, repeat=3)
    print(f"graph load from DB: {ms:8.1f} ms  ({g.n_nodes} nodes, {g.n_edges} edges; < 3000)")
    ms_cov, res = timed(lambda: svc.coverage(engine, Q, cache=cache))
    print(
        f"coverage {TYPE.value} 15 min: {ms_cov:8.1f} ms  (share {res.covered_share:.3f}, "
        f"{res.facility_count} facilities; target < 200)"
    )
    gap = res.gaps[0]
    add = WhatIfChanges(add=(NewSite(gap.lon, gap.lat),))
    ms_wi, wi = timed(
        lambda: svc.what_if(engine, Q, add, with_points=False, cache=cache), repeat=11
    )
    print(f"what-if +1 facility: {ms_wi:8.1f} ms  (gain {wi.covered_change:.0f}; target < 50)")
    with engine.connect() as conn:
        ms_fp, _ = timed(lambda: coverage_versions(conn), repeat=11)
    print(f"  of which the network + demand fingerprint statement: {ms_fp:8.1f} ms")
    ms_rec, rec = timed(
        lambda: svc.recommend(engine, Q, 10, time_limit_s=30, cache=cache), repeat=1
    )
    print(
        f"recommend k=10 (greedy+exact): {ms_rec:8.1f} ms  (greedy {rec.greedy_gain:.0f}, "
        f"exact {rec.exact_gain} {rec.exact_status}; target < 5000)"
    )
    ms_g, _ = timed(lambda: svc.recommend(engine, Q, 10, exact=False, cache=cache), repeat=1)
    print(f"recommend k=10 (greedy only): {ms_g:8.1f} ms")
    gx, ctx, fac = nx_graph(engine)
    ms_nx, nx_cov = timed(lambda: nx_coverage(gx, ctx, fac), repeat=3)
    print(
        f"networkx multi_source_dijkstra same question: {ms_nx:8.1f} ms "
        f"(covered {nx_cov:.0f} vs ours {res.covered:.0f}); ratio networkx/ours "
        f"{ms_nx / ms_cov:.1f}x"
    )
    if backend == "postgis":
        ms_pgr, reached = pgrouting_coverage(engine, ctx, fac)
        print(
            f"pgRouting pgr_drivingDistance (vertices within 15 min of nearest facility "
            f"vertex): {ms_pgr:8.1f} ms ({reached} vertices); ratio pgRouting/ours "
            f"{ms_pgr / ms_cov:.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite", required=True, help="SpatiaLite file holding the demo")
    ap.add_argument("--postgis", default=None, help="scratch PostGIS database URL")
    args = ap.parse_args()
    engines = {
        "sqlite": create_engine_from_settings(Settings(database_url=f"sqlite:///{args.sqlite}"))
    }
    if args.postgis:
        t0 = time.perf_counter()
        engines["postgis"] = prepare_postgis(args.postgis, engines["sqlite"])
        print(f"postgis demo built in {time.perf_counter() - t0:.0f} s")
    for backend, engine in engines.items():
        bench_backend(backend, engine)


if __name__ == "__main__":
    main()
