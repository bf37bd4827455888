"""Refusals taught: questions a trainer marked as not covered by the texts loaded, so that the
same question is refused next time and similar ones weigh toward a refusal (bot/known.py).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taught_refusals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text(), nullable=False),
        # The documents loaded when it was judged (a JSON list of ids): a text added later may
        # answer it, so the refusal holds only where the clause found is in one of these.
        sa.Column("docs", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),  # float32 query vector of `question`
        sa.Column(
            "created_by", sa.String(64), sa.ForeignKey("users.id", name="fk_taught_refusals_created_by"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "removed_by", sa.String(64), sa.ForeignKey("users.id", name="fk_taught_refusals_removed_by"), nullable=True
        ),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_taught_refusals_removed_at", "taught_refusals", ["removed_at"])


def downgrade() -> None:
    op.drop_table("taught_refusals")
