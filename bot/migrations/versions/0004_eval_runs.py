"""Evaluation runs: each `studybot eval` (or page-started run) with the index generation and
settings it ran on, its metrics by variant and kind, and its failures.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "created_by", sa.String(64), sa.ForeignKey("users.id", name="fk_eval_runs_created_by"), nullable=True
        ),
        sa.Column("set_name", sa.String(200), nullable=False),
        sa.Column("set_sha256", sa.String(64), nullable=False),
        sa.Column("generation", sa.String(100), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),  # JSON
        sa.Column("metrics", sa.Text(), nullable=False),  # JSON: variant → metrics
        sa.Column("by_kind", sa.Text(), nullable=False),  # JSON: kind → metrics (default variant)
        sa.Column("outcomes", sa.Text(), nullable=False),  # JSON: question id → right/wrong, for comparisons
        sa.Column("failures", sa.Text(), nullable=False),  # JSON list
    )
    op.create_index("ix_eval_runs_created_at", "eval_runs", ["created_at"])


def downgrade() -> None:
    op.drop_table("eval_runs")
