"""CLI commands of the naming area: check-name, check-names (batch), users, cases, words."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gazetteer.naming import batch
from gazetteer.naming.model import CASE_STATE_NAMES, CaseState, CheckRequest, PlaceKind
from gazetteer.naming.words import add_word
from gazetteer.services import accounts as auth
from gazetteer.services import naming as wf
from gazetteer.services import sessions
from gazetteer.services.naming import check as check_name
from gazetteer.settings import Settings
from gazetteer.storage import create_engine_from_settings
from gazetteer.storage.dialect import write_transaction
from gazetteer.types import COUNTY_OR_BELOW, AdminCode, local_today, parse_day


def _engine(settings: Settings) -> Any:

    return create_engine_from_settings(settings)


def _check_name(settings: Settings, args: argparse.Namespace) -> int:
    from shapely.geometry import Point

    geom = Point(args.lon, args.lat) if args.lon is not None and args.lat is not None else None
    req = CheckRequest(
        args.name,
        PlaceKind(args.kind),
        AdminCode.parse(args.admin_code, lengths=COUNTY_OR_BELOW).value,
        geom,
        width_m=args.width_m,
        grade=args.grade or "",
    )
    with _engine(settings).connect() as conn:
        res = check_name(conn, req)
    if args.json:
        out = {
            "ok": res.ok,
            "name": res.normalized,
            "romanized": res.romanized,
            "specific": res.specific,
            "generic": res.generic,
            "scope": res.scope.label,
            "findings": [f.to_json() for f in res.findings],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        verdict = "通过 (ok)" if res.ok else "不通过 (not ok)"
        print(f"{res.normalized}  {res.romanized}  专名={res.specific} 通名={res.generic}")
        print(f"比对范围 (scope): {res.scope.label}  —  {verdict}")
        for f in res.findings:
            print(f"  [{f.severity}] {f.rule}: {f.message}")
            print(f"      依据: {f.article}")
    return 0 if res.ok else 1


def _check_names(settings: Settings, args: argparse.Namespace) -> int:

    rows = batch.parse_csv(Path(args.csv).read_bytes())
    with _engine(settings).connect() as conn:
        results = batch.check_batch(conn, rows)
    out = Path(args.output)
    data = (
        batch.report_xlsx(rows, results)
        if out.suffix.lower() == ".xlsx"
        else batch.report_csv(rows, results)
    )
    out.write_bytes(data)
    bad = sum(1 for r in results if not r.ok)
    print(
        f"已检查 {len(results)} 个名称，{bad} 个不通过 "
        f"(checked {len(results)}, {bad} not ok) → {out}"
    )
    return 0


def _stdin_password() -> str:
    """The password from the first line of standard input (``--password-stdin``)."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _users_add(settings: Settings, args: argparse.Namespace) -> int:
    password = _stdin_password() if args.password_stdin else None
    if password is not None:
        sessions.hash_password(password)  # checked before anything is written
    with write_transaction(_engine(settings)) as conn:
        new = auth.add_user(
            conn,
            args.name,
            args.role,
            display_name=args.display_name or "",
            days=settings.token_days,
        )
        if password is not None:
            sessions.set_password(conn, new.user.name, password)
    roles = ",".join(sorted(new.user.roles))
    print(
        f"已创建用户 {new.user.name} ({roles}). 令牌只显示这一次 (token shown once):",
        file=sys.stderr,
    )
    print(new.token)
    return 0


def _users_token(settings: Settings, args: argparse.Namespace) -> int:

    with write_transaction(_engine(settings)) as conn:
        if args.list:
            for tk in auth.list_tokens(conn, args.name):
                state = "revoked" if tk.revoked_at else "live"
                print(
                    f"{tk.id}\t{tk.label}\t{state}\tcreated {tk.created_at:%Y-%m-%d}\t"
                    f"expires {tk.expires_at or '-'}\tlast used {tk.last_used_at or '-'}"
                )
            return 0
        if args.revoke:
            n = auth.revoke_tokens(conn, args.name)
            print(f"已撤销 {n} 个令牌 (revoked {n} tokens)", file=sys.stderr)
            if not args.new:
                return 0
        new = auth.issue_token(conn, args.name, label="cli", days=args.days or settings.token_days)
    print(new.token)
    return 0


def _users_passwd(settings: Settings, args: argparse.Namespace) -> int:
    password = _stdin_password()
    with write_transaction(_engine(settings)) as conn:
        user = sessions.set_password(conn, args.name, password)
    print(f"已设置 {user.name} 的密码，其浏览器会话已结束 (password set; sessions ended)")
    return 0


def _users_disable(settings: Settings, args: argparse.Namespace) -> int:
    with write_transaction(_engine(settings)) as conn:
        user = sessions.disable_user(conn, args.name)
    print(f"已停用用户 {user.name}：不能登录，令牌失效 (user disabled)")
    return 0


def _users_list(settings: Settings, args: argparse.Namespace) -> int:

    with _engine(settings).connect() as conn:
        for u in auth.list_users(conn):
            state = "" if u.active else " (停用 disabled)"
            print(f"{u.id}\t{u.name}\t{','.join(sorted(u.roles))}{state}")
    return 0


def _cases_list(settings: Settings, args: argparse.Namespace) -> int:

    with _engine(settings).connect() as conn:
        state = CaseState(args.state) if args.state else None
        total, items = wf.list_cases(conn, state=state, limit=args.limit)
    print(f"共 {total} 件 (total {total})")
    for c in items:
        print(
            f"{c.id}\t{c.number}\t{c.kind}\t{c.name}\t{CASE_STATE_NAMES[c.state]}"
            f"\t{c.approval_date or ''}"
        )
    return 0


def _cases_overdue(settings: Settings, args: argparse.Namespace) -> int:

    as_of = parse_day(args.as_of) if args.as_of else local_today()
    with _engine(settings).connect() as conn:
        items = wf.overdue_cases(conn, as_of=as_of)
    what = {"notice": "公告", "filing": "备案"}
    for o in items:
        print(f"{o.number}\t{o.name}\t{what[o.what]}逾期 {o.days_overdue} 天 (due {o.due})")
    print(f"逾期 {len(items)} 项 ({len(items)} overdue)")
    return 0


def _words_add(settings: Settings, args: argparse.Namespace) -> int:

    with write_transaction(_engine(settings)) as conn:
        add_word(conn, args.list_name, args.word, note=args.note or "")
    print(f"已加入词表 {args.list_name}: {args.word}")
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    kinds = ["road", "compound", "building", "village", "town"]
    p = sub.add_parser("check-name", help="check a candidate name against the naming rules")
    p.add_argument("name")
    p.add_argument("--kind", choices=kinds, default="road")
    p.add_argument("--admin-code", required=True, help="NBS code (6-12 digits)")
    p.add_argument("--lon", type=float)
    p.add_argument("--lat", type=float)
    p.add_argument("--width-m", type=float)
    p.add_argument("--grade", help="快速路/主干路/次干路/支路")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_check_name)

    p = sub.add_parser("check-names", help="batch check a CSV of names; report as CSV or xlsx")
    p.add_argument("csv", help="CSV with name,kind,admin_code[,lon,lat,width_m,grade]")
    p.add_argument("-o", "--output", required=True, help="report path (.csv or .xlsx)")
    p.set_defaults(func=_check_names)

    users = sub.add_parser("users", help="staff accounts and tokens").add_subparsers(
        dest="users_command", metavar="ACTION", required=True
    )
    p = users.add_parser("add", help="create a user and print its token once")
    p.add_argument("name")
    p.add_argument(
        "--role", action="append", required=True, help="reviewer, approver or admin (repeatable)"
    )
    p.add_argument("--display-name")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="also set a password for the staff pages, read from the first line of stdin",
    )
    p.set_defaults(func=_users_add)
    p = users.add_parser("passwd", help="set a user's password (read from stdin)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="(the only way; for clarity)")
    p.set_defaults(func=_users_passwd)
    p = users.add_parser("disable", help="disable a user: no sign-in, no token")
    p.add_argument("name")
    p.set_defaults(func=_users_disable)
    p = users.add_parser("token", help="issue a new token for a user")
    p.add_argument("name")
    p.add_argument(
        "--revoke", action="store_true", help="revoke every token of the user (no new one)"
    )
    p.add_argument("--new", action="store_true", help="with --revoke: then issue a new token")
    p.add_argument("--days", type=int, help="validity of the new token (GAZETTEER_TOKEN_DAYS)")
    p.add_argument("--list", action="store_true", help="list the tokens: expiry, last use")
    p.set_defaults(func=_users_token)
    p = users.add_parser("list", help="list users")
    p.set_defaults(func=_users_list)

    cases = sub.add_parser("cases", help="naming cases").add_subparsers(
        dest="cases_command", metavar="ACTION", required=True
    )
    p = cases.add_parser("list", help="list cases, newest first")
    p.add_argument("--state")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=_cases_list)
    p = cases.add_parser("overdue", help="approved cases with notice or filing overdue")
    p.add_argument("--as-of", help="date (YYYY-MM-DD or YYYY/MM/DD), default today")
    p.set_defaults(func=_cases_overdue)

    words = sub.add_parser("naming-words", help="forbidden-word lists").add_subparsers(
        dest="words_command", metavar="ACTION", required=True
    )
    p = words.add_parser("add", help="add a word to a list")
    p.add_argument(
        "list_name",
        choices=["exaggerated", "feudal", "foreign", "leaders", "enterprises", "stacked_generics"],
    )
    p.add_argument("word")
    p.add_argument("--note")
    p.set_defaults(func=_words_add)
