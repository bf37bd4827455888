"""The application database: opening it, migrating it on open, and the tables services query.

The schema is owned by the numbered alembic migrations in ``bot/migrations/versions``; the
``Table`` objects below describe the schema at head so services can build queries, and
tests/test_db.py checks the two agree.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

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
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    make_url,
)
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .errors import DatabaseBusy, DatabaseCorrupt, DatabaseError, DatabaseReadOnly, DatabaseTooNew
from .settings import Settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Seconds a writer waits for another process's write lock before SQLite reports "locked", unless
# STUDYBOT_DB_BUSY_SECONDS says otherwise: long enough for an import or a migration to finish.
BUSY_TIMEOUT_S = 30.0


class UTCDateTime(TypeDecorator):
    """Stores UTC without an offset (portable across databases), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


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
    Column("user_id", String(64), ForeignKey("users.id", name="fk_feedback_user_id"), nullable=False),
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

# The 学时 ledger (bot/ledger/). Append-only: a correction is a reversing row, never an UPDATE.
# Amounts are integers so sums are exact on every database: stated 学时 in hundredths
# (1.50 学时 -> 150), measured time in seconds; exactly one of the two is set.
ledger_records = Table(
    "ledger_records",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("officer_id", String(64), ForeignKey("users.id", name="fk_ledger_records_officer_id"), nullable=False),
    Column("day", Date(), nullable=False),
    Column("content", String(500), nullable=False),
    Column("form", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("origin", String(200), nullable=True),
    Column("hours_hundredths", Integer(), nullable=True),
    Column("seconds", Integer(), nullable=True),
    Column("entered_by", String(64), ForeignKey("users.id", name="fk_ledger_records_entered_by"), nullable=True),
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("reverses", Integer(), ForeignKey("ledger_records.id", name="fk_ledger_records_reverses"), nullable=True),
    Column("reason", Text(), nullable=True),
    Column("import_key", String(64), nullable=True),
    CheckConstraint("source IN ('chat', 'practice', 'test', 'trainer', 'import')", name="ck_ledger_records_source"),
    CheckConstraint(
        "(hours_hundredths IS NULL AND seconds IS NOT NULL) OR (hours_hundredths IS NOT NULL AND seconds IS NULL)",
        name="ck_ledger_records_one_amount",
    ),
    CheckConstraint(
        "reverses IS NOT NULL OR (hours_hundredths IS NOT NULL AND hours_hundredths > 0)"
        " OR (seconds IS NOT NULL AND seconds > 0)",
        name="ck_ledger_records_positive",
    ),
    CheckConstraint("reverses IS NULL OR reason IS NOT NULL", name="ck_ledger_records_reason"),
    UniqueConstraint("reverses", name="uq_ledger_records_reverses"),
    UniqueConstraint("import_key", name="uq_ledger_records_import_key"),
    Index("ix_ledger_records_officer_day", "officer_id", "day"),
)

# At most one open chat-study session per officer, closed into one ledger record.
study_sessions = Table(
    "study_sessions",
    metadata,
    Column(
        "officer_id",
        String(64),
        ForeignKey("users.id", name="fk_study_sessions_officer_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("last_event_at", UTCDateTime(), nullable=False),
    Column("seconds", Integer(), nullable=False),
    Column("events", Integer(), nullable=False),
    Index("ix_study_sessions_last_event_at", "last_event_at"),
)


# --- Quiz (bot/quiz/): banks, cached candidates, tests, rounds, answers, spaced-repetition cards.

QUESTION_TYPES_CHECK = "type IN ('fill_blank', 'single_choice', 'true_false', 'which_clause')"

quiz_banks = Table(
    "quiz_banks",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("source", String(400), nullable=False),
    Column("created_by", String(64), ForeignKey("users.id", name="fk_quiz_banks_created_by"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_quiz_banks_unit", "unit"),
)

quiz_questions = Table(
    "quiz_questions",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "bank_id",
        Integer(),
        ForeignKey("quiz_banks.id", name="fk_quiz_questions_bank_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer(), nullable=False),
    Column("type", String(16), nullable=False),
    Column("stem", Text(), nullable=False),
    Column("options", Text(), nullable=False),
    Column("answer", Text(), nullable=False),
    Column("explanation", Text(), nullable=False),
    Column("clause_id", String(200), nullable=False),
    Column("clause_label", String(100), nullable=False),
    Column("doc_id", String(200), nullable=False),
    Column("retired", Boolean(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint(QUESTION_TYPES_CHECK, name="ck_quiz_questions_type"),
    Index("ix_quiz_questions_bank_id", "bank_id"),
    Index("ix_quiz_questions_clause_id", "clause_id"),
)

quiz_question_tags = Table(
    "quiz_question_tags",
    metadata,
    Column(
        "question_id",
        Integer(),
        ForeignKey("quiz_questions.id", name="fk_quiz_question_tags_question_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag", String(100), primary_key=True),
    Index("ix_quiz_question_tags_tag", "tag"),
)

quiz_candidates = Table(
    "quiz_candidates",
    metadata,
    Column("clause_id", String(200), primary_key=True),
    Column("generator", String(32), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("data", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

quiz_tests = Table(
    "quiz_tests",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("published_by", String(64), ForeignKey("users.id", name="fk_quiz_tests_published_by"), nullable=False),
    Column("opens_at", UTCDateTime(), nullable=False),
    Column("closes_at", UTCDateTime(), nullable=False),
    Column("scope", Text(), nullable=False),
    Column("time_limit_s", Integer(), nullable=False),
    Column("pass_mark", Integer(), nullable=False),
    Column("questions", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("pass_mark BETWEEN 0 AND 100", name="ck_quiz_tests_pass_mark"),
    Index("ix_quiz_tests_unit", "unit"),
)

quiz_rounds = Table(
    "quiz_rounds",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "officer_id",
        String(64),
        ForeignKey("users.id", name="fk_quiz_rounds_officer_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("mode", String(16), nullable=False),
    Column("scope", Text(), nullable=False),
    Column("scope_label", String(400), nullable=False),
    Column("seed", Integer(), nullable=False),
    Column("questions", Text(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=False),
    Column("time_limit_s", Integer(), nullable=True),
    Column("pass_mark", Integer(), nullable=True),
    Column("test_id", Integer(), ForeignKey("quiz_tests.id", name="fk_quiz_rounds_test_id"), nullable=True),
    Column("score", Integer(), nullable=True),
    Column("total", Integer(), nullable=False),
    Column("passed", Boolean(), nullable=True),
    Column("seconds", Integer(), nullable=True),
    Column("ledger_entry_id", Integer(), nullable=True),
    CheckConstraint("mode IN ('practice', 'test')", name="ck_quiz_rounds_mode"),
    CheckConstraint("status IN ('open', 'submitted', 'abandoned')", name="ck_quiz_rounds_status"),
    Index("ix_quiz_rounds_officer_id", "officer_id"),
    Index("ix_quiz_rounds_test_id", "test_id"),
)

quiz_answers = Table(
    "quiz_answers",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "round_id",
        Integer(),
        ForeignKey("quiz_rounds.id", name="fk_quiz_answers_round_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer(), nullable=False),
    Column("question_key", String(64), nullable=False),
    Column("question", Text(), nullable=False),
    Column("given", Text(), nullable=False),
    Column("correct", Boolean(), nullable=False),
    Column("answered_at", UTCDateTime(), nullable=False),
    UniqueConstraint("round_id", "position", name="uq_quiz_answers_round_position"),
)

quiz_cards = Table(
    "quiz_cards",
    metadata,
    Column(
        "officer_id",
        String(64),
        ForeignKey("users.id", name="fk_quiz_cards_officer_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("question_key", String(64), primary_key=True),
    Column("question", Text(), nullable=False),
    Column("card", Text(), nullable=False),
    Column("due", UTCDateTime(), nullable=False),
    Column("reviews", Integer(), nullable=False),
    Column("lapses", Integer(), nullable=False),
    Column("streak", Integer(), nullable=False),
    Column("last_review", UTCDateTime(), nullable=False),
    Index("ix_quiz_cards_officer_due", "officer_id", "due"),
)


eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(64), ForeignKey("users.id", name="fk_eval_runs_created_by"), nullable=True),
    Column("set_name", String(200), nullable=False),
    Column("set_sha256", String(64), nullable=False),
    Column("generation", String(100), nullable=False),
    Column("settings", Text(), nullable=False),
    Column("metrics", Text(), nullable=False),
    Column("by_kind", Text(), nullable=False),
    Column("outcomes", Text(), nullable=False),
    Column("failures", Text(), nullable=False),
    Index("ix_eval_runs_created_at", "created_at"),
)


# --- Teaching and review (bot/teaching.py, bot/review.py) ---

taught_aliases = Table(
    "taught_aliases",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("question", Text(), nullable=False),
    Column("clause_id", String(200), nullable=False),
    Column("doc_id", String(200), nullable=False),
    Column("clause_label", String(100), nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("vector", LargeBinary(), nullable=False),
    Column("created_by", String(64), ForeignKey("users.id", name="fk_taught_aliases_created_by"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("removed_by", String(64), ForeignKey("users.id", name="fk_taught_aliases_removed_by"), nullable=True),
    Column("removed_at", UTCDateTime(), nullable=True),
    Index("ix_taught_aliases_removed_at", "removed_at"),
)

taught_refusals = Table(
    "taught_refusals",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("question", Text(), nullable=False),
    Column("docs", Text(), nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("vector", LargeBinary(), nullable=False),
    Column("created_by", String(64), ForeignKey("users.id", name="fk_taught_refusals_created_by"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("removed_by", String(64), ForeignKey("users.id", name="fk_taught_refusals_removed_by"), nullable=True),
    Column("removed_at", UTCDateTime(), nullable=True),
    Index("ix_taught_refusals_removed_at", "removed_at"),
)

answer_reviews = Table(
    "answer_reviews",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("feedback_id", Integer(), ForeignKey("feedback.id", name="fk_answer_reviews_feedback_id"), nullable=True),
    Column("source", String(32), nullable=False),
    Column("question", Text(), nullable=False),
    Column("answer", Text(), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("note", Text(), nullable=True),
    Column("clause_id", String(200), nullable=True),
    Column("clause_label", String(100), nullable=True),
    Column("key_facts", Text(), nullable=False),
    Column("promoted_to", String(200), nullable=True),
    Column("alias_id", Integer(), ForeignKey("taught_aliases.id", name="fk_answer_reviews_alias_id"), nullable=True),
    Column("reviewed_by", String(64), ForeignKey("users.id", name="fk_answer_reviews_reviewed_by"), nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    CheckConstraint("verdict IN ('correct', 'incorrect')", name="ck_answer_reviews_verdict"),
    Index("ix_answer_reviews_reviewed_at", "reviewed_at"),
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
    return datetime.now(UTC)


def explain(exc: SQLAlchemyError, where: str, busy: float = BUSY_TIMEOUT_S) -> DatabaseError | None:
    """The expected database failures as one Chinese line each (never the SQL or its
    parameters, which may hold a password hash); None for a failure that is a bug."""
    if isinstance(exc, IntegrityError) or not isinstance(exc, SQLDatabaseError):
        return None
    text = str(getattr(exc, "orig", exc)).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseReadOnly(where)
    if "locked" in text or "lock timeout" in text or "could not obtain lock" in text:
        return DatabaseBusy(where, busy)
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return DatabaseCorrupt(where)
    if "unable to open" in text or "connection" in text or "could not connect" in text:
        return DatabaseError(where, "无法连接或打开数据库")
    return None


class Database:
    """An engine plus the two kinds of transaction the services need."""

    def __init__(self, engine: Engine, busy_seconds: float = BUSY_TIMEOUT_S):
        self.engine = engine
        self.busy_seconds = busy_seconds
        self.where = _display(engine.url.render_as_string(hide_password=True))
        # Writers of this process queue here rather than in SQLite, whose busy handler sleeps
        # 1, 2, 5, 10… ms between retries: under the web page's load (several officers' answers
        # stored at once) that made a write wait up to a third of a second. Other processes (the
        # CLI) still meet SQLite's lock and its busy timeout.
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def _translated(self):
        try:
            yield
        except SQLAlchemyError as exc:
            friendly = explain(exc, self.where, self.busy_seconds)
            if friendly is None:
                raise
            raise friendly from None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reads (commits on success, so occasional small writes are fine)."""
        with self._translated(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that takes SQLite's write lock up front.

        A read-then-write transaction that starts as a reader can fail at once with "database is
        locked" when another process commits first (the busy timeout does not help there);
        BEGIN IMMEDIATE waits for the lock instead.
        """
        with self._write_lock, self._translated(), self.engine.connect() as conn, begin_write(conn, self.busy_seconds):
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

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_database(settings: Settings) -> Database:
    """Open (creating if needed) the database at settings.database_url and migrate it to head."""
    url = settings.database_url
    where = _display(url)
    try:
        engine = make_engine(url, settings.db_busy_seconds)
    except ImportError as exc:
        raise DatabaseError(where, f"缺少数据库驱动（{exc.name}），请用 pip 安装后重试") from exc
    except (OSError, SQLAlchemyError, ValueError) as exc:
        raise DatabaseError(where, _reason(exc)) from exc
    try:
        upgrade(engine)
    except (DatabaseTooNew, DatabaseError):
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise explain(exc, where, settings.db_busy_seconds) or DatabaseError(where, type(exc).__name__) from None
    except (OSError, CommandError) as exc:
        engine.dispose()
        raise DatabaseError(where, _reason(exc)) from exc
    return Database(engine, settings.db_busy_seconds)


def make_engine(url: str, busy_seconds: float = BUSY_TIMEOUT_S) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    # hide_parameters: an error message must never carry the values of an INSERT (a password hash).
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    path = parsed.database or ""
    in_memory = path in ("", ":memory:") or path.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every pooled connection (and every Gradio worker thread)
        # would see its own empty database.
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}, hide_parameters=True
        )
    else:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_seconds}, hide_parameters=True)
    _configure_sqlite(engine, wal=not in_memory, busy_seconds=busy_seconds)
    return engine


def _configure_sqlite(engine: Engine, wal: bool, busy_seconds: float = BUSY_TIMEOUT_S) -> None:
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
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
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
    """Apply pending migrations in one transaction, so a failed upgrade leaves the old schema.

    A database already at `revision` is only read: opening it takes no write lock, so a long
    write by another process does not stop a command that only reads.
    """
    if revision == "head" and _at_head(engine):
        return
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Table rebuilds in later migrations (SQLite's way to alter a column) drop and
            # recreate tables; with foreign keys on, dropping users would cascade-delete every
            # session. SQLite ignores this pragma inside a transaction, so it goes first.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with begin_write(conn):
                cfg = alembic_config(conn)
                _refuse_unknown_revision(conn, cfg)
                command.upgrade(cfg, revision)
                if sqlite:
                    _check_foreign_keys(conn, engine)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _at_head(engine: Engine) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    return bool(heads) and heads == set(scripts.get_heads())


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


def begin_write(conn: Connection, wait: float = BUSY_TIMEOUT_S):
    """Begin a write transaction (BEGIN IMMEDIATE on SQLite), trying again while another
    process holds the write lock, for up to `wait` seconds in all."""
    conn.execution_options(studybot_write=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            return conn.begin()
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.01, 0.1))  # jitter, so the losers do not retry in step


def _reason(exc: Exception) -> str:
    """The driver's own words, on one line (without SQLAlchemy's statement and link)."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())


def _display(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:  # unparsable: shown as given, nothing to hide was recognised
        return url
