"""Accounts (with login throttling), login sessions and answer feedback.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Types are spelled out here rather than imported from bot.db: a migration must keep
    # creating the same schema after bot.db moves on to later revisions.
    op.create_table(
        "users",
        sa.Column("id", sa.String(64), primary_key=True),  # 执法证号 or staff number
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),  # scrypt$n$r$p$salt$hash
        sa.Column("created_at", sa.DateTime(), nullable=False),  # UTC, as everywhere
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        # Login throttling lives on the account row: consecutive failures, when the last one
        # happened (old failures are forgotten), and until when logins are refused.
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('officer', 'trainer')", name="ck_users_role"),
    )
    op.create_index("ix_users_unit", "users", ["unit"])

    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 hex of the token
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_sessions_user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_feedback_user_id"),
            nullable=False,
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=False, server_default="[]"),  # JSON list
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column(
            "reviewed_by",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_feedback_reviewed_by"),
            nullable=True,
        ),
        sa.CheckConstraint("rating IN (1, -1)", name="ck_feedback_rating"),
    )
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_index("ix_feedback_user_id", "feedback", ["user_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("sessions")
    op.drop_table("users")
