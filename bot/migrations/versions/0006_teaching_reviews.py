"""Teaching and review: questions taught as aliases of the clause that answers them, and trainers'
marks on answers (correct or not, the right clause and key facts, promoted, taught).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taught_aliases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text(), nullable=False),
        # The clause by id, and by document and label: a clause whose text changes gets a new id,
        # and the alias follows it by its label.
        sa.Column("clause_id", sa.String(200), nullable=False),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("clause_label", sa.String(100), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),  # float32 query vector of `question`
        sa.Column(
            "created_by", sa.String(64), sa.ForeignKey("users.id", name="fk_taught_aliases_created_by"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "removed_by", sa.String(64), sa.ForeignKey("users.id", name="fk_taught_aliases_removed_by"), nullable=True
        ),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_taught_aliases_removed_at", "taught_aliases", ["removed_at"])
    op.create_table(
        "answer_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "feedback_id",
            sa.Integer(),
            sa.ForeignKey("feedback.id", name="fk_answer_reviews_feedback_id"),
            nullable=True,
        ),
        sa.Column("source", sa.String(32), nullable=False),  # feedback, sample
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("clause_id", sa.String(200), nullable=True),
        sa.Column("clause_label", sa.String(100), nullable=True),
        sa.Column("key_facts", sa.Text(), nullable=False, server_default="[]"),  # JSON list
        sa.Column("promoted_to", sa.String(200), nullable=True),  # gold set file
        sa.Column(
            "alias_id",
            sa.Integer(),
            sa.ForeignKey("taught_aliases.id", name="fk_answer_reviews_alias_id"),
            nullable=True,
        ),
        sa.Column(
            "reviewed_by",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_answer_reviews_reviewed_by"),
            nullable=False,
        ),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("verdict IN ('correct', 'incorrect')", name="ck_answer_reviews_verdict"),
    )
    op.create_index("ix_answer_reviews_reviewed_at", "answer_reviews", ["reviewed_at"])


def downgrade() -> None:
    op.drop_table("answer_reviews")
    op.drop_table("taught_aliases")
