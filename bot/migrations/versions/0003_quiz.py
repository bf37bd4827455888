"""Quiz: trainers' question banks, cached generated questions, rounds and answers, published
tests, and each officer's spaced-repetition cards (错题本).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TYPES = "type IN ('fill_blank', 'single_choice', 'true_false', 'which_clause')"


def upgrade() -> None:
    op.create_table(
        "quiz_banks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),  # '' = every unit (imported from the CLI)
        sa.Column("source", sa.String(400), nullable=False, server_default=""),  # the file name
        # Nullable: banks imported on the command line have no account behind them.
        sa.Column(
            "created_by", sa.String(64), sa.ForeignKey("users.id", name="fk_quiz_banks_created_by"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_quiz_banks_unit", "quiz_banks", ["unit"])

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "bank_id",
            sa.Integer(),
            sa.ForeignKey("quiz_banks.id", name="fk_quiz_questions_bank_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),  # row order in the imported file
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False, server_default="[]"),  # JSON list of texts
        sa.Column("answer", sa.Text(), nullable=False),  # the option's text, not a letter
        sa.Column("explanation", sa.Text(), nullable=False, server_default=""),
        sa.Column("clause_id", sa.String(200), nullable=False),
        sa.Column("clause_label", sa.String(100), nullable=False),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(TYPES, name="ck_quiz_questions_type"),
    )
    op.create_index("ix_quiz_questions_bank_id", "quiz_questions", ["bank_id"])
    op.create_index("ix_quiz_questions_clause_id", "quiz_questions", ["clause_id"])

    op.create_table(
        "quiz_question_tags",
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("quiz_questions.id", name="fk_quiz_question_tags_question_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(100), primary_key=True),
    )
    op.create_index("ix_quiz_question_tags_tag", "quiz_question_tags", ["tag"])

    # Generated candidates per clause: clause_id changes with the clause's text, so a changed
    # clause misses here and only it is regenerated. `version` is the generator's.
    op.create_table(
        "quiz_candidates",
        sa.Column("clause_id", sa.String(200), primary_key=True),
        sa.Column("generator", sa.String(32), primary_key=True),  # 'rules' or 'llm'
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),  # JSON
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "quiz_tests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column(
            "published_by", sa.String(64), sa.ForeignKey("users.id", name="fk_quiz_tests_published_by"), nullable=False
        ),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),  # JSON
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),  # percent
        sa.Column("questions", sa.Text(), nullable=False),  # JSON: every officer gets the same test
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name="ck_quiz_tests_pass_mark"),
    )
    op.create_index("ix_quiz_tests_unit", "quiz_tests", ["unit"])

    op.create_table(
        "quiz_rounds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "officer_id",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_quiz_rounds_officer_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),  # JSON
        sa.Column("scope_label", sa.String(400), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),  # JSON snapshot of what was asked
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("time_limit_s", sa.Integer(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=True),
        sa.Column(
            "test_id", sa.Integer(), sa.ForeignKey("quiz_tests.id", name="fk_quiz_rounds_test_id"), nullable=True
        ),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),  # active answering time, server-measured
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("mode IN ('practice', 'test')", name="ck_quiz_rounds_mode"),
        sa.CheckConstraint("status IN ('open', 'submitted', 'abandoned')", name="ck_quiz_rounds_status"),
    )
    op.create_index("ix_quiz_rounds_officer_id", "quiz_rounds", ["officer_id"])
    op.create_index("ix_quiz_rounds_test_id", "quiz_rounds", ["test_id"])

    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("quiz_rounds.id", name="fk_quiz_answers_round_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),  # JSON snapshot
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),  # server time
        sa.UniqueConstraint("round_id", "position", name="uq_quiz_answers_round_position"),
    )

    op.create_table(
        "quiz_cards",
        sa.Column(
            "officer_id",
            sa.String(64),
            sa.ForeignKey("users.id", name="fk_quiz_cards_officer_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("question_key", sa.String(64), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),  # JSON snapshot, to ask it again
        sa.Column("card", sa.Text(), nullable=False),  # fsrs.Card.to_json()
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lapses", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("streak", sa.Integer(), nullable=False, server_default="0"),  # correct in a row
        sa.Column("last_review", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_quiz_cards_officer_due", "quiz_cards", ["officer_id", "due"])


def downgrade() -> None:
    for table in (
        "quiz_cards",
        "quiz_answers",
        "quiz_rounds",
        "quiz_tests",
        "quiz_candidates",
        "quiz_question_tags",
        "quiz_questions",
        "quiz_banks",
    ):
        op.drop_table(table)
