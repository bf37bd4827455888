"""The application database: created, migrated on open, kept across versions."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

import bot.db
from bot.db import alembic_config, make_engine, metadata, open_database
from bot.errors import DatabaseError, DatabaseTooNew
from bot.settings import Settings


@pytest.fixture
def settings(tmp_path):
    # A data folder that does not exist yet: opening must create it.
    return Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(tmp_path / "data")})


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_fresh_database_is_created_and_migrated(settings):
    with open_database(settings) as db:
        assert (settings.data_dir / "studybot.sqlite3").is_file()
        assert db.revision() == head()
        assert {"users", "sessions", "feedback", "alembic_version"} <= set(inspect(db.engine).get_table_names())


def test_revisions_are_numbered_and_files_named_after_them():
    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = list(reversed(list(scripts.walk_revisions())))
    assert [r.revision for r in revisions] == [f"{i:04d}" for i in range(1, len(revisions) + 1)]
    assert revisions[0].revision == "0001"
    for rev in revisions:
        assert Path(rev.path).name.startswith(f"{rev.revision}_")


def test_sqlite_pragmas(settings):
    with open_database(settings) as db, db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_reopen_is_idempotent(settings):
    open_database(settings).close()
    with open_database(settings) as db, db.read() as conn:
        assert db.revision() == head()
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_tables_in_code_match_the_migrations(settings):
    # bot/db.py describes the schema the services query; the migrations create it. Any drift
    # (a column added to one and not the other) shows up here.
    with open_database(settings) as db, db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_database_at_0001_with_data_survives_reopen(settings):
    # Build the database an old studybot (at revision 0001) would have left, with raw SQL in
    # the 0001 schema, then open it with the current code.
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO users (id, name, unit, role, password_hash, created_at) "
                "VALUES ('GD001', '张三', '广州市城管局', 'officer', 'scrypt$x', '2024-05-01 08:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO feedback (user_id, question, answer, citations, rating, mode, created_at)"
                " VALUES ('GD001', '问', '答', '[{\"clause\": \"二（一）\"}]', -1, 'extractive',"
                " '2024-05-01 08:05:00')"
            )
        )
    engine.dispose()

    with open_database(settings) as db, db.read() as conn:
        assert db.revision() == head()
        user = conn.execute(text("SELECT name, disabled, must_change_password FROM users")).one()
        assert tuple(user) == ("张三", 0, 0)  # columns filled by their server defaults
        fb = conn.execute(text("SELECT citations, reviewed FROM feedback")).one()
        assert tuple(fb) == ('[{"clause": "二（一）"}]', 0)


def test_foreign_keys_are_enforced(settings):
    now = datetime.now(UTC).replace(tzinfo=None)
    with open_database(settings) as db, pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(text("INSERT INTO sessions VALUES ('h', 'NOBODY', :t, :t, :t)"), {"t": now})


def test_database_from_a_newer_version_is_refused(settings):
    open_database(settings).close()
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseTooNew, match="9999.*升级"):
        open_database(settings)


def test_unusable_data_folder_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings = Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(blocker / "data")})
    with pytest.raises(DatabaseError, match="STUDYBOT_DATA_DIR"):
        open_database(settings)


def test_db_url_overrides_the_data_folder(tmp_path):
    target = tmp_path / "elsewhere" / "app.db"
    settings = Settings.from_env(
        environ={
            "STUDYBOT_DATA_DIR": str(tmp_path / "data"),
            "STUDYBOT_DB_URL": f"sqlite:///{target}",
        }
    )
    with open_database(settings) as db:
        assert db.revision() == head()
    assert target.is_file()


def test_in_memory_database_is_shared_between_threads():
    # The web page calls services from worker threads; each must see the same database.
    settings = Settings.from_env(environ={"STUDYBOT_DB_URL": "sqlite://"})
    with open_database(settings) as db:
        with db.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, name, unit, role, password_hash, created_at) "
                    "VALUES ('A1', '李四', '单位', 'trainer', 'h', '2024-01-01 00:00:00')"
                )
            )
        seen = []

        def look():
            with db.read() as conn:
                seen.append(conn.execute(text("SELECT id FROM users")).scalar())

        worker = threading.Thread(target=look)
        worker.start()
        worker.join()
        assert seen == ["A1"]


def test_failed_migration_leaves_the_database_as_it_was(settings, tmp_path, monkeypatch):
    open_database(settings).close()
    current = head()
    following = f"{int(current) + 1:04d}"
    migrations = tmp_path / "migrations"
    shutil.copytree(bot.db.MIGRATIONS_DIR, migrations)
    (migrations / "versions" / f"{following}_broken.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f'revision = "{following}"\ndown_revision = "{current}"\n'
        "def upgrade():\n"
        '    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("DROP TABLE users")\n'
        '    raise RuntimeError("migration bug")\n',
        encoding="utf-8",
    )
    with monkeypatch.context() as patched, pytest.raises(RuntimeError, match="migration bug"):
        patched.setattr(bot.db, "MIGRATIONS_DIR", migrations)
        open_database(settings)

    with open_database(settings) as db:
        tables = set(inspect(db.engine).get_table_names())
        assert "users" in tables and "half_done" not in tables
        assert db.revision() == current
