"""The 学时 ledger: append-only training records and open chat-study sessions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "officer_id", sa.String(64), sa.ForeignKey("users.id", name="fk_ledger_records_officer_id"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),  # the training's date (China time)
        sa.Column("content", sa.String(500), nullable=False),  # 培训内容
        sa.Column("form", sa.String(32), nullable=False),  # 培训形式: 线上/线下/自学/测验…
        # chat (问答学习), practice, test, trainer (entered by a trainer), import (another platform)
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(200), nullable=True),  # 来源: the other platform, for imports
        # Exactly one amount: stated 学时 in hundredths (exact, on SQLite too, which has no
        # decimal type), or measured seconds. Negative only in a reversing row.
        sa.Column("hours_hundredths", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column(
            "entered_by", sa.String(64), sa.ForeignKey("users.id", name="fk_ledger_records_entered_by"), nullable=True
        ),
        sa.Column("entered_at", sa.DateTime(), nullable=False),  # UTC
        # A correction appends a row that cancels an earlier one (at most once) and says why.
        sa.Column(
            "reverses",
            sa.Integer(),
            sa.ForeignKey("ledger_records.id", name="fk_ledger_records_reverses"),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        # SHA-256 of an imported row's normalised fields: importing a file twice adds nothing.
        sa.Column("import_key", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "source IN ('chat', 'practice', 'test', 'trainer', 'import')", name="ck_ledger_records_source"
        ),
        sa.CheckConstraint(
            "(hours_hundredths IS NULL AND seconds IS NOT NULL) OR (hours_hundredths IS NOT NULL AND seconds IS NULL)",
            name="ck_ledger_records_one_amount",
        ),
        sa.CheckConstraint(
            "reverses IS NOT NULL OR (hours_hundredths IS NOT NULL AND hours_hundredths > 0)"
            " OR (seconds IS NOT NULL AND seconds > 0)",
            name="ck_ledger_records_positive",
        ),
        sa.CheckConstraint("reverses IS NULL OR reason IS NOT NULL", name="ck_ledger_records_reason"),
        sa.UniqueConstraint("reverses", name="uq_ledger_records_reverses"),
        sa.UniqueConstraint("import_key", name="uq_ledger_records_import_key"),
    )
    op.create_index("ix_ledger_records_officer_day", "ledger_records", ["officer_id", "day"])

    op.create_table(
        "study_sessions",
        sa.Column(
            "officer_id",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_study_sessions_officer_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),  # active seconds so far
        sa.Column("events", sa.Integer(), nullable=False),
    )
    op.create_index("ix_study_sessions_last_event_at", "study_sessions", ["last_event_at"])


def downgrade() -> None:
    op.drop_table("study_sessions")
    op.drop_table("ledger_records")
