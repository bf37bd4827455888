"""Code that runs in the separate processes of the ledger's concurrency and kill tests (and of
eval/bench_ledger.py). Module-level functions, so multiprocessing can start them by name."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Each officer records: PER_OFFICER measured records of 270 s (0.10 学时 each), one stated 0.50
# 学时, and a chat session of 30 one-minute steps (1,800 s); plus PER_OFFICER × 270 s for the one
# officer everybody shares, each writer on its own day. Totals are exact by construction.
PER_OFFICER = 10
STEP_SECONDS = 270
CHAT_STEPS = 30
SHARED = "SHARED"
DAY = date(2025, 5, 1)
T0 = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


def open_ledger(url: str, now=None):
    from bot.db import open_database
    from bot.ledger import LedgerService
    from bot.settings import Settings

    settings = Settings.from_env(environ={"STUDYBOT_DB_URL": url})
    db = open_database(settings)
    return db, LedgerService(db, settings, **({"now": now} if now else {}))


def record_officer(ledger, officer_id: str, writer: int) -> None:
    """Everything one officer records, interleaved the way a busy day would interleave it."""
    from bot.ledger import OPERATOR

    for i in range(PER_OFFICER):
        ledger.record_measured(
            officer_id, day=DAY, content=f"练习 {i}", form="测验", source="practice", seconds=STEP_SECONDS
        )
        ledger.touch(officer_id, "question", at=T0 + timedelta(minutes=i))
        ledger.record_measured(
            SHARED,
            day=DAY - timedelta(days=writer),
            content=f"共享 {writer}-{i}",
            form="测验",
            source="test",
            seconds=STEP_SECONDS,
        )
    for minute in range(PER_OFFICER, CHAT_STEPS + 1):
        ledger.touch(officer_id, "citation", at=T0 + timedelta(minutes=minute))
    ledger.add(OPERATOR, [officer_id], day=DAY, content="集中培训", form="线下", hours="0.5")


def expected_hours(writers: int) -> tuple[float, float]:
    """(each officer's total, the shared officer's total) in 学时."""
    own = (PER_OFFICER * STEP_SECONDS + CHAT_STEPS * 60) / 2700 + 0.5
    return int(own * 100) / 100, writers * PER_OFFICER * STEP_SECONDS / 2700


def process_worker(url: str, officer_ids: list[str], first_writer: int, start, errors) -> None:
    """One process: a thread per officer, all released together by `start`."""
    db, ledger = open_ledger(url)
    failures = []

    def run(officer_id: str, writer: int) -> None:
        try:
            record_officer(ledger, officer_id, writer)
        except Exception as exc:  # reported to the parent, which fails the test with it
            failures.append(f"{officer_id}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(o, first_writer + n)) for n, o in enumerate(officer_ids)]
    start.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.close()
    for failure in failures:
        errors.put(failure)


def import_then_hang(url: str, path: str, signal: str) -> None:
    """Start a large import and stop dead inside its write transaction, after its first INSERT:
    say so through the `signal` file, then wait to be killed."""
    from sqlalchemy import event

    from bot.ledger import OPERATOR

    db, ledger = open_ledger(url)

    @event.listens_for(db.engine, "after_cursor_execute")
    def hang(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER_RECORDS"):
            Path(signal).write_text("inserting")
            time.sleep(600)

    ledger.import_file(OPERATOR, path)


def record_forever(url: str, officer_id: str, log: str) -> None:
    """Append 1-学时 records one transaction at a time, logging each commit, until killed."""
    db, ledger = open_ledger(url)
    n = 0
    with open(log, "a", encoding="utf-8") as out:
        while True:
            day = DAY - timedelta(days=n // 20)  # 20 学时 a day at most: never over 24 hours
            ledger.record_measured(
                officer_id, day=day, content=f"记录 {n}", form="线上", source="practice", seconds=2700
            )
            n += 1
            out.write(f"{n}\n")
            out.flush()
