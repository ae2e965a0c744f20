"""Search throughput through HAProxy over a primary + hot standby, against one instance on
the primary alone, and errors while the standby is stopped and restarted under load.

Usage (as root or postgres; needs haproxy and wrk: ``apt-get install haproxy wrk``)::

    python bench/bench_replicas.py [--seconds 8] [--rounds 5] [--connections 16]

``--single URL`` instead measures one instance (2 workers) on an existing database, e.g.
the shared 1,000,000-name one, after ``--settle`` seconds (the map labels' warm-up takes
about a second per 17,000 names per worker): the per-core figure of the capacity plan in
``docs/deploy.md``.

In one run, on a fresh loopback cluster (``tests/replication/cluster.py``: initdb,
pg_basebackup, hot standby) holding the Weihai demo:

* **baseline**: one uvicorn instance with 2 workers on the primary alone, wrk straight to it;
* **balancer only**: the same instance behind HAProxy (``deploy/haproxy.cfg`` with this
  machine's addresses; health check ``/readyz``): what the extra hop costs;
* **replicated**: two instances of 1 worker each, both with the primary and the standby
  (``GAZETTEER_READ_DATABASE_URLS``), behind HAProxy, wrk to HAProxy;
* **fault**: the replicated set-up under the same load while the standby is stopped
  (after a quarter of the run) and started again (after half of it).

The same number of workers (2) serve all three; on a 2-core machine this measures what the
balancer and the routing cost, not scaling. The series alternate in short runs,
``--rounds`` times, so that a change in the machine's load hits them alike; the ratio is
of the medians. Every process of the benchmark (instances, HAProxy, wrk) stays in this
one session: with the kernel's autogroup scheduling a session is one CPU share on a
machine shared with other work, and processes started in sessions of their own would give
the set-up with more processes more of the machine (or starve the load generator). The
demo is built once and kept as a dump (``--demo-dump``) for later
runs. Queries: ``bench_search.query_set`` over
the demo's names (characters, pinyin, initials, typos), rotated by wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from bench_http import WrkResult, run_wrk  # noqa: E402
from bench_search import query_set  # noqa: E402
from benchlib import api_server, wait_ready  # noqa: E402

from gazetteer.demo import ensure_demo  # noqa: E402
from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings  # noqa: E402
from tests.replication.cluster import Cluster, make_cluster  # noqa: E402
from tests.server import free_port  # noqa: E402


@contextmanager
def instance(database_url: str, read_urls: list[str], workers: int) -> Iterator[str]:
    """A uvicorn instance (its own process group); yields its base URL."""
    env = {
        "GAZETTEER_DATABASE_URL": database_url,
        "GAZETTEER_READ_DATABASE_URLS": ",".join(read_urls),
        "GAZETTEER_REPLICA_CHECK_INTERVAL_S": "1",
        "GAZETTEER_REPLICA_MAX_LAG_S": "5",
    }
    with api_server(env, workers) as base:
        yield base


def haproxy_config(port: int, servers: list[str]) -> str:
    """``deploy/haproxy.cfg`` with this machine's addresses, in the foreground."""
    cfg = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    cfg = re.sub(r"^\s+(user|group|daemon|stats socket|log /dev/log).*\n", "", cfg, flags=re.M)
    cfg = re.sub(r"^\s+server .*\n", "", cfg, flags=re.M)
    cfg = cfg.replace("bind :80", f"bind 127.0.0.1:{port}")
    cfg = cfg.replace("bind 127.0.0.1:8404", f"bind 127.0.0.1:{free_port()}")
    lines = "".join(
        f"    server api{i} {s.removeprefix('http://')}\n" for i, s in enumerate(servers)
    )
    head, sep, tail = cfg.partition("    default-server")
    end = tail.index("\n") + 1
    return head + sep + tail[:end] + lines + tail[end:]


@contextmanager
def haproxy(servers: list[str]) -> Iterator[str]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "haproxy.cfg"
        path.write_text(haproxy_config(port, servers), encoding="utf-8")
        subprocess.run(["haproxy", "-c", "-q", "-f", str(path)], check=True)
        proc = subprocess.Popen(["haproxy", "-db", "-f", str(path)], process_group=0)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc, 30, "haproxy")
            time.sleep(2.5)  # every server up (rise 2 checks)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def load_demo(cluster: Cluster, dump: Path) -> str:
    """The URL of database ``bench`` on the primary with the demo: restored from ``dump``,
    or built and then dumped there."""
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(cluster.primary_port), PGUSER="postgres")
    subprocess.run(["createdb", "bench"], env=env, check=True)
    url = cluster.url(cluster.primary_port, "bench")
    t = time.monotonic()
    if dump.is_file():
        subprocess.run(["pg_restore", "--no-owner", "-d", "bench", str(dump)], env=env, check=True)
        print(f"demo restored from {dump} in {time.monotonic() - t:.0f} s")
    else:
        ensure_demo(Settings(database_url=url), seed=None)
        print(f"demo built on the primary in {time.monotonic() - t:.0f} s")
        subprocess.run(["pg_dump", "-Fc", "-d", "bench", "-f", str(dump)], env=env, check=True)
    return url


def warm(base: str, paths: list[str], rounds: int = 300) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        for path in paths[:rounds]:
            client.get(path)


def fault_run(
    cluster: Cluster, base: str, paths: list[str], seconds: int, conns: int
) -> tuple[WrkResult, list[str]]:
    events: list[str] = []
    t0 = time.monotonic()

    def breaker() -> None:
        time.sleep(seconds / 4)
        cluster.stop_standby()
        events.append(f"standby stopped at {time.monotonic() - t0:.1f} s")
        time.sleep(seconds / 4)
        cluster.start_standby()
        events.append(f"standby started at {time.monotonic() - t0:.1f} s")

    thread = threading.Thread(target=breaker)
    thread.start()
    result = run_wrk(base, paths, seconds, conns)
    thread.join()
    return result, events


def row(label: str, r: WrkResult) -> str:
    return (
        f"| {label} | {r.rps:.1f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.requests} | {r.errors} |"
    )


def single_instance(url: str, settle: int, seconds: int, connections: int) -> int:
    """Search throughput of one 2-worker instance on ``url`` (no standby)."""
    engine = create_engine_from_settings(Settings(database_url=url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, pinyin_key FROM places ORDER BY id LIMIT 200000"))
        names = [(r[0], r[1]) for r in rows]
    engine.dispose()
    paths = [f"/api/v1/search?q={quote(q)}&limit=20" for _, q in query_set(names)]
    with instance(url, [], 2) as base:
        time.sleep(settle)
        warm(base, paths, 100)
        print(f"load average before: {os.getloadavg()}")
        r = run_wrk(base, paths, seconds, connections)
    print(f"wrk -t2 -c{connections} -d{seconds}s; load average after {os.getloadavg()}")
    print(row("1 instance × 2 workers", r))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--single", metavar="URL", help="one instance on this database only")
    ap.add_argument("--settle", type=int, default=150, help="with --single: seconds to wait")
    ap.add_argument(
        "--demo-dump", type=Path, default=Path(tempfile.gettempdir()) / "gz-bench-demo.dump"
    )
    args = ap.parse_args(argv)
    for tool in ("wrk", "haproxy"):
        if shutil.which(tool) is None:
            print(f"{tool} is needed: apt-get install {tool}", file=sys.stderr)
            return 2
    if args.single:
        return single_instance(args.single, args.settle, args.seconds, args.connections)
    cluster = make_cluster()
    try:
        primary = load_demo(cluster, args.demo_dump)
        standby = cluster.url(cluster.standby_port, "bench")
        cluster.wait_until_streaming()
        time.sleep(2)
        engine = create_engine_from_settings(Settings(database_url=standby))
        with engine.connect() as conn:
            names = [
                (r[0], r[1]) for r in conn.execute(text("SELECT name, pinyin_key FROM places"))
            ]
        engine.dispose()
        paths = [f"/api/v1/search?q={quote(q)}&limit=20" for _, q in query_set(names)]
        print(f"{len(names)} names on the standby; {len(paths)} queries")

        base_runs: list[WrkResult] = []
        hop_runs: list[WrkResult] = []
        repl_runs: list[WrkResult] = []
        with instance(primary, [], 2) as single, \
                instance(primary, [standby], 1) as a, \
                instance(primary, [standby], 1) as b, \
                haproxy([single]) as hop, \
                haproxy([a, b]) as balanced:  # fmt: skip
            for base in (single, single, a, b):  # each worker builds its own index
                warm(base, paths)
            print(f"load average before: {os.getloadavg()}")
            for _ in range(args.rounds):
                base_runs.append(run_wrk(single, paths, args.seconds, args.connections))
                hop_runs.append(run_wrk(hop, paths, args.seconds, args.connections))
                repl_runs.append(run_wrk(balanced, paths, args.seconds, args.connections))
            fault, events = fault_run(cluster, balanced, paths, 30, args.connections)
            health = [httpx.get(f"{x}/healthz", timeout=5).json() for x in (a, b)]
            load = os.getloadavg()
    finally:
        cluster.destroy()

    print(
        f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds; load after {load}"
    )
    print(
        "| set-up | req/s | p50 ms | p99 ms | requests | errors |\n|---|---:|---:|---:|---:|---:|"
    )
    series = (
        ("baseline: 1 instance × 2 workers, primary only", base_runs),
        ("HAProxy → that instance (balancer only)", hop_runs),
        ("HAProxy → 2 instances × 1 worker, primary + standby", repl_runs),
    )
    for label, runs in series:
        for i, r in enumerate(runs):
            print(row(f"{label} (round {i + 1})", r))
    print(row("replicated, standby stopped and restarted mid-run (30 s)", fault))
    medians = {label: statistics.median(r.rps for r in runs) for label, runs in series}
    for label, value in medians.items():
        print(f"median req/s, {label}: {value:.1f}")
    ratio = medians[series[2][0]] / medians[series[0][0]]
    print(f"balancer only / baseline: {medians[series[1][0]] / medians[series[0][0]]:.3f}")
    print(
        f"\nthroughput replicated / baseline (medians): {ratio:.3f} "
        f"({(1 - ratio) * 100:.1f} % lost)"
    )
    print("fault run: " + "; ".join(events) + f"; errors {fault.errors}")
    states = [[(d["role"], d["state"]) for d in h.get("databases", [])] for h in health]
    print(f"after the fault run, each instance sees: {states}")
    met = ratio >= 0.9 and fault.errors == 0 and all(r.errors == 0 for r in repl_runs)
    print(f"target: lose <= 10 %, 0 errors during the fault: {'MET' if met else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
