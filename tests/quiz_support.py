"""Fixtures for the quiz tests: a StudyBot over the seed's index with its own fresh database,
people in two units, a clock the test moves, and a stand-in for the 学时 ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class Clock:
    """now() for services; the test moves it forward, nothing sleeps."""

    def __init__(self, start: datetime = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)):
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **delta) -> datetime:
        self.t += timedelta(**delta)
        return self.t


class LedgerEntries:
    """What the quiz wrote into the real 学时 ledger of the test's database, read back."""

    def __init__(self, db):
        self.db = db

    @property
    def entries(self) -> list[dict]:
        from sqlalchemy import select

        from bot.db import ledger_records

        with self.db.read() as conn:
            rows = conn.execute(select(ledger_records).order_by(ledger_records.c.id)).all()
        return [
            {
                "officer_id": r.officer_id,
                "day": r.day,
                "content": r.content,
                "form": r.form,
                "source": r.source,
                "seconds": r.seconds,
                "entered_by": r.entered_by,
            }
            for r in rows
        ]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def quiz_bot(seed_bot, tmp_path, clock):
    """The seed's index (read-only, shared) with a database of this test's own."""
    from bot.service import StudyBot

    return StudyBot(seed_bot.settings.with_(data_dir=tmp_path / "quizdata"), embedder=seed_bot.embedder, clock=clock)


@pytest.fixture
def ledger(quiz_bot):
    return LedgerEntries(quiz_bot.db)


@pytest.fixture
def people(quiz_bot):
    """Two officers and a trainer in 广州市司法局, an officer and a trainer elsewhere, an admin."""
    accounts = quiz_bot.accounts
    add = lambda i, name, unit, role: accounts.add_user(i, name, unit, role, "password-123")  # noqa: E731
    return {
        "officer": add("GZ001", "张三", "广州市司法局", "officer"),
        "officer2": add("GZ002", "李四", "广州市司法局", "officer"),
        "trainer": add("GZT01", "王老师", "广州市司法局", "trainer"),
        "other_officer": add("SZ001", "赵五", "深圳市司法局", "officer"),
        "other_trainer": add("SZT01", "钱老师", "深圳市司法局", "trainer"),
        "admin": add("ADMIN1", "管理员", "广东省司法厅", "admin"),
    }
