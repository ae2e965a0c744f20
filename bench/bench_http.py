"""HTTP benchmark of ``GET /api/v1/search``: server and load generator in separate processes.

Usage::

    python bench/bench_http.py --database-url sqlite:///var/weihai.sqlite [--seconds 60]

Starts ``uvicorn`` (2 workers, the production entry point ``api.main:create_app_from_env``)
in its own process group, warms every worker's search index, then runs ``wrk`` (another
process; ``apt-get install wrk``) for ``--seconds`` over the fixed query set of
``bench_search.py`` (540 queries: characters, pinyin, initials, mixed, typos), rotating
through them. Baseline in the same run: ``GET /healthz`` (one ``SELECT 1``), the ceiling of
the framework and server on this machine. Prints requests/s, latency percentiles, errors
and the ratio; targets: >= 500 requests/s, p99 < 25 ms, no errors.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import query_set
from benchlib import api_server

from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    raw: str


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        return float("nan")
    x, unit = float(m.group(1)), m.group(2)
    return {"us": x / 1000, "ms": x, "s": x * 1000, "m": x * 60_000}[unit]


def parse_wrk(out: str) -> WrkResult:
    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
        return _ms(m.group(1)) if m else float("nan")

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    reqs = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return WrkResult(rps, pct("50"), pct("90"), pct("99"), reqs, errors, out)


LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run_wrk(base: str, paths: list[str], seconds: int, connections: int) -> WrkResult:
    with tempfile.TemporaryDirectory() as tmp:
        plist = Path(tmp) / "paths.txt"
        plist.write_text("\n".join(paths) + "\n", encoding="utf-8")
        script = Path(tmp) / "rotate.lua"
        script.write_text(LUA % plist, encoding="utf-8")
        cmd = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(script),
            base,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--baseline-seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    engine = create_engine_from_settings(Settings(database_url=args.database_url))
    with engine.connect() as conn:
        names = [(r[0], r[1]) for r in conn.execute(text("SELECT name, pinyin_key FROM places"))]
    engine.dispose()
    queries = query_set(names)
    paths = [f"/api/v1/search?q={quote(q)}&limit=20" for _, q in queries]

    env = {"GAZETTEER_DATABASE_URL": args.database_url}
    with api_server(env, args.workers, port=args.port, ready="/healthz", timeout_s=60) as base:
        # warm every worker: each builds its own index on its first search
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in paths[:300]:
                client.get(path)
        print(
            f"queries: {len(paths)}; server: uvicorn, {args.workers} workers; wrk -t2 "
            f"-c{args.connections}; load average {os.getloadavg()}"
        )
        base_res = run_wrk(base, ["/healthz"], args.baseline_seconds, args.connections)
        res = run_wrk(base, paths, args.seconds, args.connections)

    print(
        f"\n{'endpoint':<22} {'seconds':>7} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
        f"{'p99 ms':>8} {'requests':>9} {'errors':>7}"
    )
    for label, r, secs in (
        ("/healthz (baseline)", base_res, args.baseline_seconds),
        ("/api/v1/search", res, args.seconds),
    ):
        print(
            f"{label:<22} {secs:>7} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p90_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.requests:>9} {r.errors:>7}"
        )
    print(f"\nsearch / baseline throughput: {res.rps / base_res.rps:.2f}")
    ok = res.rps >= 500 and res.p99_ms < 25 and res.errors == 0
    print(f"target >= 500 req/s, p99 < 25 ms, no errors: {'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
