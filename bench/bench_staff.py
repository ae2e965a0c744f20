"""Staff workbench benchmark: page server time with 10,000 cases, and the live name check.

Runs the app in process (FastAPI's TestClient: the time measured is the server's work for
one request, with no network) against a database holding the demo, after adding 10,000
naming cases (numbers ``BENCH-…``, in every state, spread over the city's roads; added
once, so use a scratch copy of the demo). Signs in through ``/staff/login`` like a browser
and times:

* the staff pages: dashboard, case list (first page, a search by initials, a filtered
  list), a case page;
* the live check of the new-case page (``POST /staff/api/check``) for names as they are
  typed, one character at a time;
* baseline in the same run: ``GET /healthz`` (the cheapest request of the app).

Targets (issue 10): page p95 ≤ 150 ms, live check p95 ≤ 50 ms.

Usage::

    cp var/weihai.sqlite /tmp/bench-staff.sqlite
    python bench/bench_staff.py --database-url sqlite:////tmp/bench-staff.sqlite
    python bench/bench_staff.py --database-url postgresql+psycopg://postgres@127.0.0.1/scratch_copy
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import timings_ms
from fastapi.testclient import TestClient
from shapely.geometry import mapping
from sqlalchemy import Engine, func, insert, select

from api.main import create_app
from gazetteer.naming.cases import proposal_values
from gazetteer.naming.model import CaseKind, CaseProposal, CaseState
from gazetteer.services import accounts, sessions
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage import tables as t
from gazetteer.storage.dialect import write_transaction
from gazetteer.storage.geometry import from_db
from gazetteer.storage.tables_naming import naming_cases, users

N_CASES = 10_000
USER, PASSWORD = "bench_staff", "bench-password-1"
SPECIFICS = [
    "杏坛",
    "松涛",
    "海韵",
    "樱华",
    "明德",
    "清风",
    "望岳",
    "观澜",
    "锦程",
    "和畅",
    "兴业",
    "悦海",
    "春和",
    "景明",
    "秋实",
    "长青",
]
GENERICS = ["路", "街", "大道", "巷"]


def _user(engine: Engine) -> int:
    with write_transaction(engine) as conn:
        row = conn.execute(select(users.c.id).where(users.c.name == USER)).first()
        if row is None:
            accounts.add_user(conn, USER, ["reviewer", "approver"])
        sessions.set_password(conn, USER, PASSWORD)
        return int(conn.execute(select(users.c.id).where(users.c.name == USER)).scalar_one())


def add_cases(engine: Engine, uid: int) -> int:
    """Add the benchmark cases unless present; returns how many exist."""
    c = naming_cases
    with engine.connect() as conn:
        have = conn.execute(
            select(func.count()).select_from(c).where(c.c.number.like("BENCH-%"))
        ).scalar_one()
        if have >= N_CASES:
            return int(have)
        roads = conn.execute(
            select(t.places.c.admin_code, t.places.c.geom)
            .where(t.places.c.category_code == "23510")
            .limit(3000)
        ).all()
    rng = random.Random(10)
    states = list(CaseState)
    rows: list[dict[str, Any]] = []
    for i in range(N_CASES):
        admin, geom = roads[rng.randrange(len(roads))]
        name = f"{rng.choice(SPECIFICS)}{i}{rng.choice(GENERICS)}"
        p = CaseProposal(
            CaseKind.NEW_ROAD, name, admin, from_db(geom), start_desc="甲", end_desc="乙"
        )
        v = proposal_values(p)
        state = states[rng.randrange(len(states))]
        stamp = datetime.now(UTC) - timedelta(days=rng.randrange(700))
        approved = state in (CaseState.APPROVED, CaseState.ANNOUNCED, CaseState.FILED)
        approval = (stamp + timedelta(days=30)).date() if approved else None
        v.update(
            number=f"BENCH-{i:05d}",
            state=str(state),
            scope_key="",
            findings="[]",
            approver_authority="",
            notice_text="公告" if approved else "",
            created_by=uid,
            historic=False,
            created_at=stamp,
            updated_at=stamp,
            version=1,
            approval_no="威政字〔2026〕1号" if approved else None,
            approval_date=approval,
            notice_due=approval + timedelta(days=15) if approval else None,
            filing_due=approval + timedelta(days=15) if approval else None,
        )
        rows.append(v)
    with write_transaction(engine) as conn:
        for k in range(0, len(rows), 1000):
            conn.execute(insert(c), rows[k : k + 1000])
    return N_CASES


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True, help="a scratch copy of the demo")
    ap.add_argument("--repeat", type=int, default=40, help="requests per page")
    args = ap.parse_args()
    settings = Settings(
        database_url=args.database_url, cache_dir=Path(tempfile.mkdtemp()), login_max_failures=50
    )
    engine = create_engine_from_settings(settings)
    uid = _user(engine)
    t0 = time.perf_counter()
    n = add_cases(engine, uid)
    print(f"cases BENCH-*: {n} (setup {time.perf_counter() - t0:.1f} s)")
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(naming_cases)).scalar_one()
        case_id, geom = conn.execute(
            select(naming_cases.c.id, naming_cases.c.geom).where(
                naming_cases.c.number == "BENCH-00042"
            )
        ).one()
        admin = conn.execute(
            select(naming_cases.c.admin_code).where(naming_cases.c.id == case_id)
        ).scalar_one()
    engine.dispose()
    line = mapping(from_db(geom))

    with TestClient(create_app(settings)) as client:
        form = client.get("/staff/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        r = client.post(
            "/staff/login",
            data={"username": USER, "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        if r.status_code != 303:
            raise SystemExit("sign-in failed")
        board = client.get("/staff/").text
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', board)
        assert csrf is not None

        def get(path: str) -> Callable[[], Any]:
            def fn() -> None:
                resp = client.get(path)
                if resp.status_code != 200:
                    raise SystemExit(f"{path}: {resp.status_code}")

            return fn

        series: dict[str, list[float]] = {}
        series["baseline GET /healthz"] = timings_ms(get("/healthz"), args.repeat)
        pages = {
            "dashboard /staff/": "/staff/",
            "case list, first page": "/staff/cases",
            "case list, search by initials 'xt'": "/staff/cases?q=xt",
            "case list, approved in one county, by name": (
                "/staff/cases?state=approved&county=371002&sort=name"
            ),
            "case list, overdue": "/staff/cases?overdue=1",
            "case page": f"/staff/cases/{case_id}",
        }
        for label, path in pages.items():
            get(path)()  # warm
            series[label] = timings_ms(get(path), args.repeat)

        typed = ["杏", "杏坛", "杏坛路", "苏", "苏洲", "苏洲东", "苏洲东街", "海", "海韵", "海韵路"]

        def check(name: str) -> Callable[[], Any]:
            body = {"name": name, "kind": "new_road", "admin_code": admin, "geometry": line}

            def fn() -> None:
                client.post("/staff/api/check", json=body, headers={"X-CSRF-Token": csrf.group(1)})

            return fn

        check("杏坛路")()
        live: list[float] = []
        for _ in range(max(1, args.repeat // len(typed)) * 2):
            for name in typed:
                live += timings_ms(check(name), 1)
        series["live check while typing"] = live

    base = p95(series["baseline GET /healthz"])
    print(f"database: {args.database_url.split('://')[0]}, {total} cases in all")
    print(f"{'series':48} {'p50 ms':>8} {'p95 ms':>8} {'p95 / healthz':>14}")
    for label, xs in series.items():
        print(f"{label:48} {statistics.median(xs):8.1f} {p95(xs):8.1f} {p95(xs) / base:14.1f}")
    pages_p95 = max(p95(series[k]) for k in pages)
    print(
        json.dumps(
            {
                "worst_page_p95_ms": round(pages_p95, 1),
                "live_check_p95_ms": round(p95(live), 1),
                "healthz_p95_ms": round(base, 2),
                "page_target_met": pages_p95 <= 150,
                "live_target_met": p95(live) <= 50,
            }
        )
    )


if __name__ == "__main__":
    main()
