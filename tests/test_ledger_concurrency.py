"""Integrity under load, on SQLite and PostgreSQL: 50 officers recording at once from threads and
from separate processes lose nothing and count nothing twice; a writer killed mid-transaction
leaves the ledger consistent. Exact totals, no timing assertions (eval/bench_ledger.py measures)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta

import ledger_workers as work
from sqlalchemy import func, select

from bot.db import ledger_records, study_sessions
from bot.ledger import OPERATOR

OFFICERS = 50
UNIT = "并发测试单位"


def add_officers(env, n: int = OFFICERS) -> list[str]:
    ids = [f"C{k:03d}" for k in range(n)]
    for uid in ids + [work.SHARED]:
        env.accounts.add_user(uid, f"人员{uid}", UNIT, "officer", "password-123")
    return ids


def check_totals(env, ids: list[str], writers: int) -> None:
    own, shared = work.expected_hours(writers)
    env.clock.now = work.T0 + timedelta(days=1)  # every chat session is long idle now
    data = env.ledger.unit_hours(env.people["ADMIN"], UNIT, 2025)
    totals = {o["officer"]["id"]: o for o in data["officers"]}
    assert {uid: totals[uid]["year_total"] for uid in ids} == {uid: own for uid in ids}
    assert totals[work.SHARED]["year_total"] == shared
    for uid in ids:  # one chat record each, of exactly the measured 30 minutes
        chats = [r["seconds"] for r in totals[uid]["records"] if r["source"] == "chat"]
        assert chats == [work.CHAT_STEPS * 60]
    with env.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(ledger_records)).scalar() == (
            len(ids) * (work.PER_OFFICER + 2) + writers * work.PER_OFFICER
        )
        assert conn.execute(select(func.count()).select_from(study_sessions)).scalar() == 0


def test_fifty_officers_in_threads(ledger_env):
    env = ledger_env
    ids = add_officers(env)
    start = threading.Barrier(OFFICERS)
    failures = []

    def run(uid: str, writer: int) -> None:
        start.wait()
        try:
            work.record_officer(env.ledger, uid, writer)
        except Exception as exc:
            failures.append(f"{uid}: {exc!r}")

    threads = [threading.Thread(target=run, args=(uid, n)) for n, uid in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    check_totals(env, ids, OFFICERS)


def test_fifty_officers_in_separate_processes(ledger_env):
    env = ledger_env
    ids = add_officers(env)
    # forkserver: each child is forked from a small server that has already imported the
    # ledger, so fifty real processes start in about a second rather than fifty imports.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ledger_workers", "bot.ledger", "bot.db", "psycopg"])
    # Released together once every process has opened the database.
    start, errors = context.Barrier(OFFICERS + 1, timeout=120), context.Queue()
    processes = [
        context.Process(target=work.process_worker, args=(env.url, [uid], n, start, errors))
        for n, uid in enumerate(ids)
    ]
    for p in processes:
        p.start()
    start.wait()
    for p in processes:
        p.join(timeout=300)
    reported = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert reported == [] and [p.exitcode for p in processes] == [0] * OFFICERS
    check_totals(env, ids, OFFICERS)


def test_concurrent_events_for_one_officer_close_a_session_once(ledger_env):
    env = ledger_env
    ledger = env.ledger
    ledger.touch("GD001", "question", at=work.T0)
    ledger.touch("GD001", "question", at=work.T0 + timedelta(minutes=4))
    barrier = threading.Barrier(20)

    def late_event():
        barrier.wait()
        ledger.touch("GD001", "question", at=work.T0 + timedelta(minutes=30))  # starts a new session

    def late_read():
        barrier.wait()
        ledger.officer_hours(env.people["GD001"], "GD001", 2025)

    threads = [threading.Thread(target=late_event) for _ in range(10)]
    threads += [threading.Thread(target=late_read) for _ in range(10)]
    env.clock.now = work.T0 + timedelta(minutes=30)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = ledger.officer_hours(env.people["GD001"], "GD001", 2025)["records"]
    assert [r["seconds"] for r in records] == [240]  # closed exactly once
    with env.db.read() as conn:
        [session] = conn.execute(select(study_sessions)).all()
    assert session.events == 10 and session.seconds == 0


def test_the_same_import_at_once_from_many_threads_adds_it_once(ledger_env, tmp_path):
    env = ledger_env
    path = tmp_path / "shared.csv"
    path.write_text(
        "执法证号,姓名,日期,培训内容,培训形式,学时,来源\n"
        + "".join(
            f"{uid},{name},2025-05-{day:02d},课程 {day},线上,1.25,省平台\n"
            for uid, name in (("GD001", "张三"), ("GD002", "李四"))
            for day in range(1, 21)
        ),
        encoding="utf-8",
    )
    barrier = threading.Barrier(8)
    reports = []

    def run():
        barrier.wait()
        reports.append(env.ledger.import_file(env.people["GDT01"], path))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r.added, r.already) for r in reports) == [(0, 40)] * 7 + [(40, 0)]
    assert env.ledger.officer_hours(OPERATOR, "GD001", 2025)["year_total"] == 25.0


# --- killed writers ---


def wait_for(path, timeout: float = 60) -> None:
    """Wait for a file the child writes (the child's own signal, not a guess at its timing)."""
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"the child never wrote {path}")
        time.sleep(0.02)


def spawn(target, *args):
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    return process


def test_an_import_killed_mid_transaction_leaves_nothing_behind(ledger_env, tmp_path):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001"], day="2025-04-01", content="之前的记录", hours="2")
    path = tmp_path / "big.csv"
    path.write_text(
        "执法证号,姓名,日期,培训内容,培训形式,分钟,来源\n"
        + "".join(
            f"GD00{1 + n % 2},{'张三' if n % 2 == 0 else '李四'},2025-0{1 + n // 600}-{1 + n // 20 % 28:02d},"
            f"课程 {n},线上,45,省平台\n"
            for n in range(2000)
        ),
        encoding="utf-8",
    )
    signal_file = tmp_path / "inserting"
    child = spawn(work.import_then_hang, env.url, str(path), str(signal_file))
    wait_for(signal_file)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert child.exitcode == -signal.SIGKILL

    assert env.ledger.officer_hours(OPERATOR, "GD001", 2025)["year_total"] == 2.0  # only what was there
    if env.url.startswith("sqlite"):
        with env.db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    report = env.ledger.import_file(OPERATOR, path)  # nothing half-imported: it all goes in now
    assert (report.added, report.already) == (2000, 0)
    assert env.ledger.officer_hours(OPERATOR, "GD001", 2025)["year_total"] == 1002.0


def test_a_writer_killed_in_a_loop_loses_no_committed_record(ledger_env, tmp_path):
    env = ledger_env
    log = tmp_path / "commits.log"
    child = spawn(work.record_forever, env.url, "GD001", str(log))
    deadline = time.monotonic() + 120
    while not log.exists() or len(log.read_text().split()) < 30:  # the child's own count of commits
        assert time.monotonic() < deadline and child.is_alive()
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    logged = len(log.read_text().split())
    card = env.ledger.officer_hours(OPERATOR, "GD001", 2025)
    # Every logged commit is there; at most one more committed before its log line was written.
    assert logged <= len(card["records"]) <= logged + 1
    assert card["year_total"] == float(len(card["records"]))
    env.ledger.add(OPERATOR, ["GD001"], day="2025-06-01", content="之后照常写入", hours="1")
