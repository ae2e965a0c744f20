"""The naming audit log is append-only in the database (migration 0006), on both backends.

Rows written by the real workflow are attacked with plain driver connections (SQL from
outside the application), through the application's engine, through the API and the
CLI; the whole-content reset of ``gazetteer demo --force`` still works and leaves the
guard in place; migration 0006 goes down to 0005 and up again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Request
from shapely.geometry import LineString
from sqlalchemy import Engine, func, insert, select, text, update

from gazetteer import cli
from gazetteer.demo.build import clear_content
from gazetteer.errors import AppendOnlyViolation, GazetteerError
from gazetteer.naming.model import CaseKind, CaseProposal, CaseState
from gazetteer.services import accounts as auth
from gazetteer.services import naming as wf
from gazetteer.settings import Settings
from gazetteer.storage import upgrade, write_transaction
from gazetteer.storage.migrate import alembic_config, current_revision, is_current
from gazetteer.storage.tables_naming import audit_log, naming_cases
from tests.builder import backdate_case
from tests.datasets.naming_frame import HUANCUILOU, build_frame
from tests.guarded_sql import assert_rejected, raw_sql, rows_left_after_reset
from tests.server import serve_in_thread

MARKER = "audit log is append-only"
AUDIT_GUARD = (MARKER, "审核记录只能追加")
FILED_TRAIL = [
    *("create", "submit", "review", "consult"),
    *("place.new_road", "approve", "announce", "file"),
]


def _filed_case(engine: Engine, settings: Settings) -> int:
    """A new road taken from draft to filed by the real workflow; returns the case id."""
    build_frame(engine)
    with engine.begin() as conn:
        rev = auth.add_user(conn, "zhang", ["reviewer"]).user
        app = auth.add_user(conn, "wang", ["approver"]).user
    day0 = date(2024, 3, 1)
    proposal = CaseProposal(
        CaseKind.NEW_ROAD,
        "杏林路",
        HUANCUILOU,
        LineString([(122.090, 37.530), (122.105, 37.532)]),
        start_desc="文化路",
        end_desc="新威路",
        width_m=24,
        grade="次干路",
        reason="以杏林命名",
    )
    case = wf.create_case(engine, proposal, rev)
    wf.submit(engine, case.id, rev)
    wf.start_review(engine, case.id, rev)
    backdate_case(engine, case.id, day0)
    wf.start_consultation(engine, case.id, rev, settings, start=day0)
    approved_on = day0 + timedelta(days=settings.consultation_days)
    doc = "威政字〔2024〕12号"
    wf.approve(engine, case.id, app, settings, approval_no=doc, approval_date=approved_on)
    wf.announce(engine, case.id, rev, on=approved_on)
    assert wf.file_case(engine, case.id, rev, on=approved_on).state is CaseState.FILED
    return case.id


def _trail(engine: Engine, case_id: int | None = None) -> list[tuple[Any, ...]]:
    """Every column of the audit rows (of one case), in id order."""
    q = select(audit_log).order_by(audit_log.c.id)
    if case_id is not None:
        q = q.where(audit_log.c.case_id == case_id)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_sql_cannot_update_or_delete_a_filed_cases_trail(
    engine: Engine, settings: Settings
) -> None:
    case_id = _filed_case(engine, settings)
    before = _trail(engine)
    assert [r[4] for r in before] == FILED_TRAIL  # the workflow itself still works
    first = before[0][0]
    for sql in (
        f"UPDATE audit_log SET note = 'forged', user_name = 'nobody' WHERE id = {first}",
        f"UPDATE audit_log SET after = NULL WHERE case_id = {case_id}",
        f"DELETE FROM audit_log WHERE id = {first}",
        "DELETE FROM audit_log",
    ):
        assert_rejected(settings, sql, AUDIT_GUARD)
    if engine.dialect.name == "postgresql":
        assert_rejected(settings, "TRUNCATE audit_log", AUDIT_GUARD)
        # cascading from the tables the log refers to does not get round it either (the
        # cascade also reaches place_history, whose guard (0007) may answer first)
        assert_rejected(
            settings,
            "TRUNCATE places, naming_cases, users CASCADE",
            AUDIT_GUARD,
            ("place name history is append-only", "地名历史记录只能追加"),
        )
    assert _trail(engine) == before
    # appending stays possible
    assert raw_sql(
        settings,
        "INSERT INTO audit_log (at, user_name, action, note) "
        "VALUES ('2024-04-01 00:00:00+00', 'system', 'note', 'appended')",
    ) is None  # fmt: skip
    assert _trail(engine)[:-1] == before and _trail(engine)[-1][4] == "note"


def test_application_code_gets_a_domain_error_and_nothing_changes(
    engine: Engine, settings: Settings
) -> None:
    case_id = _filed_case(engine, settings)
    before = _trail(engine)
    change = update(audit_log).where(audit_log.c.case_id == case_id).values(note="x")
    with (
        pytest.raises(AppendOnlyViolation, match="审核记录只能追加") as info,
        write_transaction(engine) as conn,
    ):
        conn.execute(change)
    assert "UPDATE rejected" in str(info.value.details)
    # the whole transaction is rolled back: the case edit made before it too
    with pytest.raises(AppendOnlyViolation) as info, write_transaction(engine) as conn:
        conn.execute(update(naming_cases).values(reason="changed"))
        conn.execute(audit_log.delete().where(audit_log.c.case_id == case_id))
    assert "DELETE rejected" in str(info.value.details)
    assert _trail(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(naming_cases.c.reason)).scalar_one() == "以杏林命名"


@contextmanager
def _serve_with_tamper_route(settings: Settings) -> Iterator[str]:
    """The real API app plus one route that tries to change the log (a simulated bug),
    served over HTTP by uvicorn in a thread."""
    from api.main import create_app

    app = create_app(settings)

    def tamper(request: Request) -> dict[str, str]:
        with write_transaction(request.app.state.engine) as conn:
            conn.execute(update(audit_log).values(note="forged"))
        return {"done": "yes"}

    app.add_api_route("/tamper-audit", tamper, methods=["POST"])
    app.router.routes.insert(0, app.router.routes.pop())  # before any catch-all mount
    with serve_in_thread(app) as base:
        yield base


def test_api_answers_409_with_a_json_body(engine: Engine, settings: Settings) -> None:
    case_id = _filed_case(engine, settings)
    with engine.begin() as conn:
        token = auth.add_user(conn, "reader", ["reviewer"]).token
    before = _trail(engine)
    with _serve_with_tamper_route(settings) as base:
        r = httpx.post(f"{base}/tamper-audit", timeout=30)
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["error"] == "append_only" and "审核记录只能追加" in body["message"]
        assert "Traceback" not in r.text
        trail = httpx.get(
            f"{base}/api/v1/naming/cases/{case_id}/audit",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert trail.status_code == 200
        assert [e["action"] for e in trail.json()] == FILED_TRAIL
    assert _trail(engine) == before


def _tamper_command(settings: Settings, args: argparse.Namespace) -> int:
    from gazetteer.storage import create_engine_from_settings

    engine = create_engine_from_settings(settings)
    try:
        with write_transaction(engine) as conn:
            conn.execute(audit_log.delete())
    finally:
        engine.dispose()
    return 0


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """A CLI sub-command that tries to delete the log (registered by the CLI test only)."""
    sub.add_parser("tamper-audit").set_defaults(func=_tamper_command)


def test_cli_prints_a_message_not_a_traceback(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _filed_case(engine, settings)
    before = _trail(engine)
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, sys.modules[__name__]))
    assert cli.main(["--database-url", settings.database_url, "tamper-audit"]) == 1
    err = capsys.readouterr().err
    assert "错误 (error): 审核记录只能追加" in err and "DELETE rejected" in err
    assert "Traceback" not in err
    assert _trail(engine) == before


_PG_AUDIT_TRIGGERS = "tgrelid = 'audit_log'::regclass AND NOT tgisinternal"


def _guard_triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            q = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        else:
            q = f"SELECT tgname FROM pg_trigger WHERE {_PG_AUDIT_TRIGGERS}"
        return set(conn.execute(text(q)).scalars())


def _enabled_pg_triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        q = f"SELECT tgname FROM pg_trigger WHERE {_PG_AUDIT_TRIGGERS} AND tgenabled = 'O'"
        return set(conn.execute(text(q)).scalars())


def test_clear_content_empties_the_log_and_keeps_the_guard(
    engine: Engine, settings: Settings
) -> None:
    _filed_case(engine, settings)
    before = _trail(engine)
    guards = _guard_triggers(engine)
    assert guards == (
        {"trg_audit_log_no_update", "trg_audit_log_no_delete", "trg_audit_log_no_replace"}
        if engine.dialect.name == "sqlite"
        else {"trg_audit_log_append_only", "trg_audit_log_no_truncate"}
    )

    # a reset that fails is rolled back with its guard suspension: rows and guard intact
    with pytest.raises(GazetteerError, match="interrupted"), write_transaction(engine) as conn:
        clear_content(conn)
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 0
        raise GazetteerError("interrupted")
    assert _trail(engine) == before and _guard_triggers(engine) == guards
    assert_rejected(settings, "DELETE FROM audit_log", AUDIT_GUARD)

    assert rows_left_after_reset(engine) == {}
    assert _guard_triggers(engine) == guards
    if engine.dialect.name == "postgresql":
        assert _enabled_pg_triggers(engine) == guards
    # new entries are appended and protected as before
    with engine.begin() as conn:
        conn.execute(insert(audit_log), [{"at": datetime.now(UTC), "action": "note", "note": ""}])
    assert_rejected(settings, "UPDATE audit_log SET note = 'forged'", AUDIT_GUARD)
    assert_rejected(settings, "DELETE FROM audit_log", AUDIT_GUARD)
    if engine.dialect.name == "postgresql":
        assert_rejected(settings, "TRUNCATE audit_log", AUDIT_GUARD)


def test_demo_force_replaces_a_database_whose_log_has_entries(
    engine: Engine, settings: Settings
) -> None:
    """`gazetteer demo --force` (a subprocess, as a user runs it) on a database holding a
    filed case: the old log is gone, the demo's 203 historic entries are in, guarded."""
    _filed_case(engine, settings)
    engine.dispose()
    env = {"GAZETTEER_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "gazetteer.cli", "demo", "--force", "--quiet"]
    built = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    trail = _trail(engine)
    assert len(trail) == 203 and {r[4] for r in trail} == {"historic_import"}
    assert_rejected(settings, "DELETE FROM audit_log", AUDIT_GUARD)
    assert_rejected(settings, "UPDATE audit_log SET note = 'forged'", AUDIT_GUARD)


def test_migration_0006_goes_down_to_0005_and_up_again(engine: Engine, settings: Settings) -> None:
    from alembic import command

    case_id = _filed_case(engine, settings)
    before = _trail(engine, case_id)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    assert current_revision(engine) == "0005"
    assert _guard_triggers(engine) == set()
    # without the guard the database takes an update (what 0006 exists to prevent)
    assert raw_sql(settings, "UPDATE audit_log SET note = 'unguarded'") is None
    assert {r[-1] for r in _trail(engine, case_id)} == {"unguarded"}
    upgrade(engine)
    assert is_current(engine)
    assert_rejected(settings, "UPDATE audit_log SET note = ''", AUDIT_GUARD)
    assert_rejected(settings, "DELETE FROM audit_log", AUDIT_GUARD)
    assert [r[:-1] for r in _trail(engine, case_id)] == [r[:-1] for r in before]
