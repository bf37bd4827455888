"""The application database: opening it, migrating it on open, and the tables services query.

The schema is owned by the numbered alembic migrations in ``bot/migrations/versions``; the
``Table`` objects below describe the schema at head so services can build queries, and
tests/test_db.py checks the two agree.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    make_url,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .errors import DatabaseError, DatabaseTooNew
from .settings import Settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Seconds a writer waits for another process's write lock before SQLite reports "locked".
BUSY_TIMEOUT_S = 10


class UTCDateTime(TypeDecorator):
    """Stores UTC without an offset (portable across databases), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled", Boolean(), nullable=False),
    Column("must_change_password", Boolean(), nullable=False),
    CheckConstraint("role IN ('officer', 'trainer', 'admin')", name="ck_users_role"),
    Index("ix_users_unit", "unit"),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("last_failed_at", UTCDateTime(), nullable=True),
    Index("ix_login_throttle_last_failed_at", "last_failed_at"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "user_id",
        String(64),
        ForeignKey("users.id", name="fk_sessions_user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "user_id", String(64), ForeignKey("users.id", name="fk_feedback_user_id"), nullable=False
    ),
    Column("question", Text(), nullable=False),
    Column("answer", Text(), nullable=False),
    Column("citations", Text(), nullable=False),
    Column("rating", SmallInteger(), nullable=False),
    Column("correction", Text(), nullable=True),
    Column("mode", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("reviewed", Boolean(), nullable=False),
    Column("review_note", Text(), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=True),
    Column("reviewed_by", String(64), ForeignKey("users.id", name="fk_feedback_reviewed_by")),
    CheckConstraint("rating IN (1, -1)", name="ck_feedback_rating"),
    Index("ix_feedback_created_at", "created_at"),
    Index("ix_feedback_user_id", "user_id"),
)


api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column(
        "user_id",
        String(64),
        ForeignKey("users.id", name="fk_api_tokens_user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_api_tokens_token_hash", "token_hash", unique=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "user_id",
        String(64),
        ForeignKey("users.id", name="fk_conversations_user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("title", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_conversations_user_updated", "user_id", "updated_at"),
)

conversation_turns = Table(
    "conversation_turns",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        Integer(),
        ForeignKey("conversations.id", name="fk_turns_conversation_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("question", Text(), nullable=False),
    Column("record", Text(), nullable=False),
    Column("rating", SmallInteger(), nullable=True),
    Column(
        "feedback_id",
        Integer(),
        ForeignKey("feedback.id", name="fk_turns_feedback_id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_conversation_turns_conversation_id", "conversation_id"),
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Database:
    """An engine plus the two kinds of transaction the services need."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # Writers of this process queue here rather than in SQLite, whose busy handler sleeps
        # 1, 2, 5, 10… ms between retries: under the web page's load (several officers' answers
        # stored at once) that made a write wait up to a third of a second. Other processes (the
        # CLI) still meet SQLite's lock and its busy timeout.
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reads (commits on success, so occasional small writes are fine)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that takes SQLite's write lock up front.

        A read-then-write transaction that starts as a reader can fail at once with "database is
        locked" when another process commits first (the busy timeout does not help there);
        BEGIN IMMEDIATE waits for the lock instead.
        """
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(studybot_write=True)
            with conn.begin():
                yield conn

    def check_writable(self) -> None:
        """DatabaseError now, rather than at the first sign-in, if the database cannot be written
        (a read-only file or folder, a full disk, a read-only database account)."""
        try:
            with self.write() as conn:
                conn.execute(delete(sessions).where(sessions.c.expires_at < datetime(1970, 1, 2)))
        except SQLAlchemyError as exc:
            raise DatabaseError(_display(str(self.engine.url)), "无法写入：" + _reason(exc)) from exc

    def revision(self) -> str | None:
        """The migration the database is at, e.g. '0001'."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_database(settings: Settings) -> Database:
    """Open (creating if needed) the database at settings.database_url and migrate it to head."""
    url = settings.database_url
    where = _display(url)
    try:
        engine = make_engine(url)
    except ImportError as exc:
        raise DatabaseError(where, f"缺少数据库驱动（{exc.name}），请用 pip 安装后重试") from exc
    except (OSError, SQLAlchemyError, ValueError) as exc:
        raise DatabaseError(where, _reason(exc)) from exc
    try:
        upgrade(engine)
    except (DatabaseTooNew, DatabaseError):
        engine.dispose()
        raise
    except (OSError, SQLAlchemyError, CommandError) as exc:
        engine.dispose()
        raise DatabaseError(where, _reason(exc)) from exc
    return Database(engine)


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = parsed.database or ""
    in_memory = path in ("", ":memory:") or path.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every pooled connection (and every Gradio worker thread)
        # would see its own empty database.
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Take BEGIN away from the sqlite3 driver (which skips it before SELECT and DDL) and
        # emit it ourselves below, so transactions and migrations are really atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            # Readers (the web page) keep working while a writer (an import) holds the lock;
            # in WAL mode synchronous=NORMAL cannot corrupt and saves an fsync per commit.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        write = conn.get_execution_options().get("studybot_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config built in code, so no alembic.ini has to ship or be found at run time."""
    cfg = Config()
    # ConfigParser interpolation treats '%' specially; a folder name may contain one.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply pending migrations in one transaction, so a failed upgrade leaves the old schema."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Table rebuilds in later migrations (SQLite's way to alter a column) drop and
            # recreate tables; with foreign keys on, dropping users would cascade-delete every
            # session. SQLite ignores this pragma inside a transaction, so it goes first.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            conn.execution_options(studybot_write=True)
            with conn.begin():
                cfg = alembic_config(conn)
                _refuse_unknown_revision(conn, cfg)
                command.upgrade(cfg, revision)
                if sqlite:
                    _check_foreign_keys(conn, engine)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _refuse_unknown_revision(conn: Connection, cfg: Config) -> None:
    scripts = ScriptDirectory.from_config(cfg)
    for head in MigrationContext.configure(conn).get_current_heads():
        try:
            scripts.get_revision(head)
        except CommandError:
            raise DatabaseTooNew(head) from None


def _check_foreign_keys(conn: Connection, engine: Engine) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = "、".join(sorted({row[0] for row in broken}))
        # Raising inside the transaction rolls the whole upgrade back.
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(where, f"升级后外键检查失败（表：{tables}），已回滚，数据未改动")


def _reason(exc: Exception) -> str:
    """The driver's own words, on one line (without SQLAlchemy's statement and link)."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())


def _display(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:  # unparsable: shown as given, nothing to hide was recognised
        return url
