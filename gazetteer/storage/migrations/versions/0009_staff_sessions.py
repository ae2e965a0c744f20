"""staff sign-in: password hashes, server-side browser sessions, login failures

Revision ID: 0009_staff_sessions
Revises: 0008_bulk

* ``users.password_hash``: an argon2id hash (argon2-cffi) or NULL for token-only accounts;
* ``staff_sessions``: one row per signed-in browser. Only the SHA-256 of the cookie value
  is stored; ``csrf_token`` is the per-session CSRF secret the pages embed; a session idle
  longer than ``GAZETTEER_SESSION_IDLE_MINUTES`` is refused (and deleted);
* ``login_failures``: failed sign-ins by key (``user:NAME`` / ``addr:IP``), read to slow
  down and briefly lock repeated guessing. Kept in the database (not in process memory) so
  that every instance behind a load balancer sees the same counts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_staff_sessions"
down_revision = "0008_bulk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index("ix_staff_sessions_user", "staff_sessions", ["user_id"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_login_failures_key_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_staff_sessions_user", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    # plain ALTER (SQLite >= 3.35 and PostgreSQL): a batch rebuild of ``users`` would have to
    # drop a table that api_tokens, naming_cases and audit_log refer to
    op.execute("ALTER TABLE users DROP COLUMN password_hash")
