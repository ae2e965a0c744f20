"""naming cases, users and audit trail

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"], unique=False)
    op.create_geospatial_table(
        "naming_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("specific", sa.String(length=100), nullable=False),
        sa.Column("generic", sa.String(length=40), nullable=False),
        sa.Column("romanized", sa.String(length=300), nullable=False),
        sa.Column("pinyin_key", sa.String(length=400), nullable=False),
        sa.Column("toned_key", sa.String(length=400), nullable=False),
        sa.Column("place_kind", sa.String(length=20), nullable=False),
        sa.Column("admin_code", sa.String(length=12), nullable=False),
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="GEOMETRY",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("start_desc", sa.Text(), nullable=False),
        sa.Column("end_desc", sa.Text(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("developer", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("consultation_start", sa.Date(), nullable=True),
        sa.Column("consultation_end", sa.Date(), nullable=True),
        sa.Column("approval_no", sa.String(length=60), nullable=True),
        sa.Column("approval_date", sa.Date(), nullable=True),
        sa.Column("approver_authority", sa.String(length=100), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("notice_due", sa.Date(), nullable=True),
        sa.Column("filing_due", sa.Date(), nullable=True),
        sa.Column("notice_text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("historic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_code"],
            ["admin_areas.code"],
            name=op.f("fk_naming_cases_admin_code_admin_areas"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_naming_cases_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_naming_cases_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_naming_cases_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_naming_cases_approved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_naming_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_naming_cases_number")),
    )
    op.create_index("ix_naming_cases_state", "naming_cases", ["state"], unique=False)
    op.create_index(
        "ix_naming_cases_scope", "naming_cases", ["scope_key", "pinyin_key"], unique=False
    )
    op.create_index("ix_naming_cases_place", "naming_cases", ["place_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["naming_cases.id"], name=op.f("fk_audit_log_case_id_naming_cases")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_audit_log_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_case", "audit_log", ["case_id"], unique=False)
    op.create_index("ix_audit_log_place", "audit_log", ["place_id"], unique=False)
    op.create_table(
        "naming_words",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(length=30), nullable=False),
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_naming_words")),
    )
    op.create_index("ix_naming_words_list", "naming_words", ["list_name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_naming_words_list", table_name="naming_words")
    op.drop_table("naming_words")
    op.drop_index("ix_audit_log_place", table_name="audit_log")
    op.drop_index("ix_audit_log_case", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_naming_cases_place", table_name="naming_cases")
    op.drop_index("ix_naming_cases_scope", table_name="naming_cases")
    op.drop_index("ix_naming_cases_state", table_name="naming_cases")
    op.drop_geospatial_table("naming_cases")
    op.drop_index("ix_api_tokens_user", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
