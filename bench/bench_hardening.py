"""Light requests beside a burst of the heaviest legal requests (issue 16).

Usage::

    python bench/bench_hardening.py [--database-url URL] [--seconds 15] [--heavy 8]

Builds a small city (the tests' grid city: a 40 x 40 road grid, 600 demand points, 20
meal points and 300 place names) in a temporary SpatiaLite file (or the empty database
given), starts ``uvicorn`` (1 worker, the production entry point, default bounds except
the per-client rate limit, which is off so that one load generator can push the heavy
pool to its bound) in its own process, and runs two phases of ``--seconds`` each:

1. **alone**: 4 client threads loop over light requests (``/healthz``, a search, a place
   page, a facility) and record each latency;
2. **burst**: the same light load while ``--heavy`` threads send the heaviest legal
   requests back to back: isochrones with 4 minute values by car for every meal point,
   and a 4,000-row batch name check (100 KB) of one repeated name.

Prints the light requests' p50/p99 in both phases, their ratio (goal <= 3x), light errors
(goal 0), heavy outcomes (200, or 503 from the bounded queue) and the server's peak RSS
(sampled every 100 ms from /proc; goal <= 1.5 GB).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gazetteer.settings import Settings  # noqa: E402
from gazetteer.storage import create_engine_from_settings, upgrade  # noqa: E402
from tests.builder import Builder  # noqa: E402
from tests.datasets.grid_city import TOWN_A1, lonlat, seed  # noqa: E402

LIGHT_THREADS = 4
NAMES = ["文化路", "新威路", "统一路", "海滨路", "青岛路", "世昌路", "昆明路", "杏林路"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(url: str) -> None:
    engine = create_engine_from_settings(Settings(database_url=url))
    upgrade(engine)
    points = [(100.0 + 190 * (i % 5), 100.0 + 190 * (i // 5)) for i in range(20)]
    seed(engine, grid=(40, 40), spacing_m=100.0, n_demand=600, facilities_m=points)
    from shapely.geometry import Point

    with Builder.writing(engine) as b:
        for i in range(300):
            x, y = lonlat(40.0 + 13 * i % 3900, 40.0 + 7 * i % 3900)
            b.place(f"{NAMES[i % len(NAMES)]}{i}号", "22200", TOWN_A1, Point(x, y), keys=True)
    engine.dispose()


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def light_loop(base: str, stop: threading.Event, out: list[float], errors: Counter[str]) -> None:
    urls = [
        "/healthz",
        "/api/v1/search?q=wenhua",
        "/places/1",
        "/api/v1/facilities/1",
        "/api/v1/search?q=杏林",
    ]
    with httpx.Client(base_url=base, timeout=30) as c:
        i = 0
        while not stop.is_set():
            url = urls[i % len(urls)]
            i += 1
            t0 = time.perf_counter()
            try:
                r = c.get(url)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok, r = False, None
                errors[type(exc).__name__] += 1
            out.append((time.perf_counter() - t0) * 1000)
            if not ok and r is not None:
                errors[f"{url} {r.status_code}"] += 1


def heavy_loop(base: str, stop: threading.Event, n: int, outcomes: Counter[str]) -> None:
    batch = ("name,kind,admin_code\n" + f"杏林路,road,{TOWN_A1}\n" * 4000).encode()
    iso = [("facility_type", "elderly_meal_point"), ("profile", "car")]
    iso += [("minutes", m) for m in (5, 10, 15, 20)]
    with httpx.Client(base_url=base, timeout=120) as c:
        i = n
        while not stop.is_set():
            i += 1
            try:
                if i % 2:
                    r = c.get("/api/v1/coverage/isochrones", params=iso)
                else:
                    r = c.post(
                        "/api/v1/naming/check/batch",
                        content=batch,
                        headers={"Content-Type": "text/csv"},
                    )
                outcomes[str(r.status_code)] += 1
            except httpx.HTTPError as exc:
                outcomes[type(exc).__name__] += 1


def phase(
    base: str, pid: int, seconds: float, heavy: int
) -> tuple[list[float], Counter[str], Counter[str], float]:
    stop = threading.Event()
    lat: list[float] = []
    errors: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    threads = [
        threading.Thread(target=light_loop, args=(base, stop, lat, errors))
        for _ in range(LIGHT_THREADS)
    ]
    threads += [
        threading.Thread(target=heavy_loop, args=(base, stop, i, outcomes)) for i in range(heavy)
    ]
    peak = rss_mb(pid)
    for t in threads:
        t.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    return lat, errors, outcomes, peak


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--heavy", type=int, default=8)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_hardening_")
    url = args.database_url or f"sqlite:///{tmp}/city.sqlite"
    t0 = time.monotonic()
    build(url)
    print(f"built {url} in {time.monotonic() - t0:.1f} s", flush=True)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        GAZETTEER_DATABASE_URL=url,
        GAZETTEER_HEAVY_RATE_PER_MINUTE="0",
        GAZETTEER_CACHE_DIR=f"{tmp}/cache",
        PYTHONPATH=str(ROOT),
    )
    cmd = [sys.executable, "-m", "uvicorn", "api.main:create_app_from_env", "--factory"]
    cmd += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        httpx.get(f"{base}/api/v1/search?q=wenhua", timeout=60)  # warm the index
        httpx.get(
            f"{base}/api/v1/coverage/isochrones",
            params={"facility_type": "elderly_meal_point", "minutes": 5, "profile": "car"},
            timeout=120,
        )  # warm the graph
        alone, err_a, _, rss_a = phase(base, proc.pid, args.seconds, 0)
        burst, err_b, heavy, rss_b = phase(base, proc.pid, args.seconds, args.heavy)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    p99a, p99b = pct(alone, 99), pct(burst, 99)
    print(f"load: {LIGHT_THREADS} light client threads; burst: {args.heavy} heavy threads")
    print("| phase | light requests | p50 ms | p99 ms | light errors | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| alone | {len(alone)} | {pct(alone, 50):.1f} | {p99a:.1f} | "
        f"{sum(err_a.values())} | {rss_a:.0f} |"
    )
    print(
        f"| beside the burst | {len(burst)} | {pct(burst, 50):.1f} | {p99b:.1f} | "
        f"{sum(err_b.values())} | {rss_b:.0f} |"
    )
    print(f"p99 ratio burst/alone: {p99b / p99a:.2f} (goal <= 3)")
    print(f"heavy outcomes: {dict(heavy)}; light errors: {dict(err_a + err_b)}")
    ok = p99b <= 3 * p99a and not (err_a + err_b) and max(rss_a, rss_b) <= 1536
    print("PASS" if ok else "MISS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
