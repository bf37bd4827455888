"""学时 ledger benchmark: concurrent recording and 登记卡 export, on SQLite and PostgreSQL.

Run: .venv/bin/python eval/bench_ledger.py [--officers 50] [--unit-size 500] [--records 30] [--no-postgres]
(`make bench-ledger`). PostgreSQL runs on a throwaway server started from Debian's binaries
(tests/pgserver.py), with fsync off: the figures compare the code paths, not disks.

1. Concurrency: N officers record at once, first from N threads of one process, then from N
   processes (each officer: 10 measured records, 10 on an officer all writers share, 31 chat
   events closed into one session, one stated entry). Totals are checked to the hundredth.
2. Export: a unit of 500 officers × 30 records (imported through the import path), exported
   as XLSX and CSV; the XLSX is read back with openpyxl and its totals compared.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import ledger_workers as work  # noqa: E402

from bot.accounts import AccountService, ScryptParams  # noqa: E402
from bot.db import open_database  # noqa: E402
from bot.ledger import OPERATOR, LedgerService  # noqa: E402
from bot.settings import Settings  # noqa: E402

UNIT = "基准测试单位"
CHEAP = ScryptParams(n=2**8)  # accounts are set-up here, not what is measured


@contextmanager
def ledger_at(url: str):
    settings = Settings.from_env(environ={"STUDYBOT_DB_URL": url})
    with open_database(settings) as db:
        yield db, AccountService(db, settings, scrypt=CHEAP), LedgerService(db, settings)


def add_people(accounts, ids) -> None:
    for uid in ids:
        accounts.add_user(uid, f"人员{uid}", UNIT, "officer", "password-123")


def transactions(n: int) -> int:
    """Write transactions the recording makes: measured, shared, chat events, one entry."""
    return n * (2 * work.PER_OFFICER + work.CHAT_STEPS + 1 + 1)


def check(ledger, ids, writers) -> str:
    own, shared = work.expected_hours(writers)
    data = ledger.unit_hours(OPERATOR, UNIT, 2025)
    totals = {o["officer"]["id"]: o["year_total"] for o in data["officers"]}
    wrong = [uid for uid in ids if totals[uid] != own]
    if wrong or totals[work.SHARED] != shared:
        return f"WRONG: {len(wrong)} officers off, shared {totals[work.SHARED]} (expected {shared})"
    return f"exact ({own:.2f} each, shared {shared:.2f})"


def bench_threads(url: str, n: int) -> tuple[float, str]:
    with ledger_at(url) as (db, accounts, ledger):
        ids = [f"C{k:03d}" for k in range(n)]
        add_people(accounts, ids + [work.SHARED])
        start = threading.Barrier(n + 1)
        failures = []

        def run(uid, writer):
            start.wait()
            try:
                work.record_officer(ledger, uid, writer)
            except Exception as exc:
                failures.append(repr(exc))

        threads = [threading.Thread(target=run, args=(uid, k)) for k, uid in enumerate(ids)]
        for t in threads:
            t.start()
        start.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        return elapsed, (f"{len(failures)} FAILED " if failures else "") + check(ledger, ids, n)


def bench_processes(url: str, n: int) -> tuple[float, str]:
    with ledger_at(url) as (db, accounts, ledger):
        ids = [f"C{k:03d}" for k in range(n)]
        add_people(accounts, ids + [work.SHARED])
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ledger_workers", "bot.ledger", "bot.db", "psycopg"])
        start, errors = context.Barrier(n + 1, timeout=300), context.Queue()
        processes = [
            context.Process(target=work.process_worker, args=(url, [uid], k, start, errors))
            for k, uid in enumerate(ids)
        ]
        for p in processes:
            p.start()
        start.wait()  # every process has opened the database: time the recording only
        began = time.perf_counter()
        for p in processes:
            p.join()
        elapsed = time.perf_counter() - began
        failed = sum(p.exitcode != 0 for p in processes) + errors.qsize()
        return elapsed, (f"{failed} FAILED " if failed else "") + check(ledger, ids, n)


class Timer:
    """Wall time and this process's CPU time: on a shared machine the CPU time is the steadier figure."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def bench_export(url: str, size: int, per: int) -> list[tuple[str, Timer, str]]:
    import openpyxl

    results = []
    with ledger_at(url) as (db, accounts, ledger):
        ids = [f"U{k:04d}" for k in range(size)]
        add_people(accounts, ids)
        # 29 records of 2.00 and one of 2.00 or 1.99: every second officer ends at 59.99, not met.
        rows = [
            {
                "执法证号": uid,
                "姓名": f"人员{uid}",
                "日期": f"2025-{1 + r // 28:02d}-{1 + r % 28:02d}",
                "培训内容": f"专题培训第 {r + 1} 讲：行政执法规范化",
                "培训形式": "线上",
                "学时": "1.99" if (r == per - 1 and k % 2) else "2",
                "来源": "省网络培训平台",
            }
            for k, uid in enumerate(ids)
            for r in range(per)
        ]
        with Timer() as t:
            report = ledger.import_json(OPERATOR, rows)
        results.append((f"import {len(rows):,} rows (JSON path)", t, f"added {report['added']:,}"))

        with Timer() as t:
            data = ledger.export(OPERATOR, UNIT, 2025, "xlsx")
        results.append(("export XLSX", t, f"{len(data) / 1e6:.1f} MB, {size + 1} sheets"))
        with Timer() as t:
            summary = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["汇总"]
            totals = {row[1]: row[4] for row in summary.iter_rows(min_row=3, values_only=True)}
        expected = {uid: (59.99 if k % 2 else 60.0) for k, uid in enumerate(ids)} if per == 30 else None
        ok = "totals exact" if expected is None or totals == expected else "TOTALS WRONG"
        results.append(("read XLSX summary back (openpyxl)", t, ok))

        with Timer() as t:
            data = ledger.export(OPERATOR, UNIT, 2025, "csv")
        results.append(("export CSV", t, f"{len(data) / 1e6:.1f} MB"))
        with Timer() as t:
            ledger.unit_hours(OPERATOR, UNIT, 2025)
        results.append(("unit_hours JSON (with records)", t, ""))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--unit-size", type=int, default=500)
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        databases = {"SQLite": lambda name: f"sqlite:///{home / name}.sqlite3"}
        if not args.no_postgres:
            from pgserver import find_pg_ctl, running_server

            server = stack.enter_context(running_server(find_pg_ctl()))
            databases["PostgreSQL"] = lambda name: stack.enter_context(server.database(name))

        n = args.officers
        print(f"## Concurrency: {n} officers at once, {transactions(n):,} write transactions\n")
        print("| database | writers | time | transactions/s | totals |")
        print("|---|---|---|---|---|")
        for label, url in databases.items():
            for kind, bench in (("threads", bench_threads), ("processes", bench_processes)):
                elapsed, verdict = bench(url(f"c_{kind}"), n)
                print(
                    f"| {label} | {n} {kind} | {elapsed:.1f} s | {transactions(n) / elapsed:.0f} | {verdict} |",
                    flush=True,
                )

        print(f"\n## Export: a unit of {args.unit_size} officers × {args.records} records\n")
        print("| database | step | wall time | CPU time | result |")
        print("|---|---|---|---|---|")
        for label, url in databases.items():
            for step, t, note in bench_export(url("export"), args.unit_size, args.records):
                print(f"| {label} | {step} | {t.wall:.2f} s | {t.cpu:.2f} s | {note} |", flush=True)


if __name__ == "__main__":
    main()
