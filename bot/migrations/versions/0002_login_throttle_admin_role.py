"""Login throttling by account and by source in its own table; the admin role; forced password change.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _recreate() -> str:
    # SQLite alters a CHECK constraint only by rebuilding the table. Elsewhere (PostgreSQL) plain
    # ALTER TABLE does it, and a rebuild would fail: sessions and feedback reference users.id.
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    # Failures are counted per key, whether or not the id exists, so an unknown id is throttled
    # exactly like a real one and the page reveals nothing. Keys: "a:<id>" (the account from
    # anywhere), "p:<id>|<source>" (the account from one source), "s:<source>" (one source).
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_login_throttle_last_failed_at", "login_throttle", ["last_failed_at"])
    with op.batch_alter_table("users", recreate=_recreate()) as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", "role IN ('officer', 'trainer', 'admin')")
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_column("failed_logins")
        batch.drop_column("last_failed_at")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("must_change_password")
        batch.drop_constraint("ck_users_role", type_="check")
        batch.create_check_constraint("ck_users_role", "role IN ('officer', 'trainer')")
    op.drop_table("login_throttle")
