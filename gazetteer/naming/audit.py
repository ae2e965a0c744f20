"""The append-only audit trail: who did what, when, with the state before and after.

Rows are only ever inserted, and the database enforces it: since migration 0006 triggers
reject any UPDATE or DELETE of ``audit_log`` rows on both backends (the application sees
:class:`~gazetteer.errors.AppendOnlyViolation`); only replacing the whole database
content (``gazetteer demo --force``) empties the log. Entries are readable per case and
per place.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from gazetteer.model.accounts import User
from gazetteer.naming.model import AuditEntry
from gazetteer.storage.repository import from_row
from gazetteer.storage.tables_naming import audit_log
from gazetteer.types import utc_now


def _dump(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    conn: Connection,
    user: User | None,
    action: str,
    *,
    case_id: int | None = None,
    place_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    at: datetime | None = None,
) -> None:
    """Append one entry (inside the caller's transaction)."""
    conn.execute(
        insert(audit_log),
        [
            {
                "at": at or utc_now(),
                "user_id": user.id if user else None,
                "user_name": user.name if user else "system",
                "action": action,
                "case_id": case_id,
                "place_id": place_id,
                "before": _dump(before),
                "after": _dump(after),
                "note": note,
            }
        ],
    )


def _entry(r: Row[Any]) -> AuditEntry:
    m = r._mapping
    return from_row(
        AuditEntry,
        r,
        before=json.loads(m["before"]) if m["before"] else None,
        after=json.loads(m["after"]) if m["after"] else None,
    )


def case_trail(conn: Connection, case_id: int) -> list[AuditEntry]:
    q = select(audit_log).where(audit_log.c.case_id == case_id).order_by(audit_log.c.id)
    return [_entry(r) for r in conn.execute(q)]


def place_trail(conn: Connection, place_id: int) -> list[AuditEntry]:
    q = select(audit_log).where(audit_log.c.place_id == place_id).order_by(audit_log.c.id)
    return [_entry(r) for r in conn.execute(q)]


__all__ = ["case_trail", "place_trail", "record"]
