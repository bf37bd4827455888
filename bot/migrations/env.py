"""Alembic environment: runs only through bot.db.upgrade, which passes an open connection.

New schema changes go in a new numbered file in versions/ (next: 0002_<what>.py with
revision = "0002", down_revision = "0001"). Changing a column on SQLite needs
``op.batch_alter_table`` (a table rebuild); bot.db.upgrade turns foreign keys off around
migrations so a rebuild does not cascade-delete rows.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "studybot migrations run when the database is opened (bot.db.open_database); "
        "there is no alembic.ini and no offline SQL mode"
    )

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
