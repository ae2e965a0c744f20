"""Tables of the naming area (and of staff accounts), on the shared metadata.

* ``users`` / ``api_tokens``: staff accounts with roles; tokens are stored as SHA-256
  hashes only (the plain token is shown once by ``gazetteer users add``).
* ``naming_cases``: one naming/renaming/adjustment case with its proposal, state, stored
  check findings, approval document and due dates.
* ``audit_log``: the append-only audit trail (who, when, what, before/after), per case and
  per place. Triggers (migration 0006) reject UPDATE and DELETE of its rows.
* ``naming_words``: staff-maintained additions to the forbidden-word lists (the shipped
  lists are data files under ``gazetteer/naming/data``).
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from gazetteer.storage.tables import metadata
from gazetteer.types import SRID

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False, default=""),
    Column("roles", String(100), nullable=False),  # comma-separated: reviewer,approver,admin
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_hash", String(200), nullable=True),  # argon2id; migration 0009
)

# Browser sessions of staff (migration 0009): the cookie value's SHA-256 only.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_staff_sessions_user", "user_id"),
)

# Failed sign-ins by key ("user:NAME" / "addr:IP"), for throttling (migration 0009).
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(120), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_key_at", "key", "at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),  # migration 0010
    Column("last_used_at", DateTime(timezone=True), nullable=True),  # migration 0010
    Index("ix_api_tokens_user", "user_id"),
)

naming_cases = Table(
    "naming_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(30), nullable=False, unique=True),  # e.g. WHDM-2024-0001
    Column("kind", String(20), nullable=False),  # new_road / rename / adjustment / compound
    Column("state", String(24), nullable=False),
    Column("name", String(100), nullable=False),
    Column("specific", String(100), nullable=False, default=""),
    Column("generic", String(40), nullable=False, default=""),
    Column("romanized", String(300), nullable=False, default=""),
    Column("pinyin_key", String(400), nullable=False, default=""),
    Column("toned_key", String(400), nullable=False, default=""),
    Column("place_kind", String(20), nullable=False, default="road"),
    Column("admin_code", String(12), ForeignKey("admin_areas.code"), nullable=False),
    Column("scope_key", String(40), nullable=False, default=""),  # uniqueness scope
    Column("place_id", Integer, ForeignKey("places.id"), nullable=True),  # target / result
    Column("geom", Geometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False)),
    Column("start_desc", Text, nullable=False, default=""),
    Column("end_desc", Text, nullable=False, default=""),
    Column("length_m", Float, nullable=True),
    Column("width_m", Float, nullable=True),
    Column("grade", String(20), nullable=False, default=""),
    Column("households", Integer, nullable=True),
    Column("developer", String(100), nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),  # 命名理由 / 含义
    Column("applicant", String(100), nullable=False, default=""),
    Column("findings", Text, nullable=False, default="[]"),  # JSON of the stored check
    Column("consultation_start", Date, nullable=True),
    Column("consultation_end", Date, nullable=True),
    Column("approval_no", String(60), nullable=True),
    Column("approval_date", Date, nullable=True),
    Column("approver_authority", String(100), nullable=False, default=""),
    Column("announced_on", Date, nullable=True),
    Column("filed_on", Date, nullable=True),
    Column("notice_due", Date, nullable=True),
    Column("filing_due", Date, nullable=True),
    Column("notice_text", Text, nullable=False, default=""),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("submitted_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("approved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("historic", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_naming_cases_state", "state"),
    Index("ix_naming_cases_scope", "scope_key", "pinyin_key"),
    Index("ix_naming_cases_place", "place_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("user_name", String(60), nullable=False, default=""),
    Column("action", String(40), nullable=False),
    Column("case_id", Integer, ForeignKey("naming_cases.id"), nullable=True),
    Column("place_id", Integer, ForeignKey("places.id"), nullable=True),
    Column("before", Text, nullable=True),  # JSON
    Column("after", Text, nullable=True),  # JSON
    Column("note", Text, nullable=False, default=""),
    Index("ix_audit_log_case", "case_id"),
    Index("ix_audit_log_place", "place_id"),
)

naming_words = Table(
    "naming_words",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_name", String(30), nullable=False),  # exaggerated / feudal / foreign / ...
    Column("word", String(60), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_naming_words_list", "list_name"),
)

__all__ = [
    "api_tokens",
    "audit_log",
    "login_failures",
    "metadata",
    "naming_cases",
    "naming_words",
    "staff_sessions",
    "users",
]
