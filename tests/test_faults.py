"""Faults an operator or an attacker meets, each reproduced: broken databases, bad bytes on the
command line, oversize corpus files. Every one ends as one Chinese line and loses nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from bot.errors import DatabaseBusy
from bot.settings import Settings
from tests.conftest import ROOT

ADD = [
    "users",
    "add",
    "--id",
    "GD9",
    "--name",
    "新人",
    "--unit",
    "广州",
    "--role",
    "officer",
    "--password",
    "secret-password-9",
]


def studybot(*args, env=None, input=None, text=True):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        input=input,
        capture_output=True,
        text=text,
        timeout=300,
    )


def one_chinese_line(out, *needles):
    err = out.stderr if isinstance(out.stderr, str) else out.stderr.decode()
    assert out.returncode != 0 and "Traceback" not in err, err
    assert err.strip().count("\n") == 0, err
    for needle in needles:
        assert needle in err, err
    return err


def test_read_only_database_says_so_without_sql_or_password_hash(tmp_path):
    assert studybot(*ADD).returncode == 0  # creates and migrates the database
    db = Settings.from_env().data_dir / "studybot.sqlite3"
    env = dict(os.environ, STUDYBOT_DB_URL=f"sqlite:///file:{db}?mode=ro&uri=true")
    out = studybot(*ADD[:3], "GD10", *ADD[4:], env=env)
    err = one_chinese_line(out, "只读", "写权限")
    assert "INSERT" not in err and "scrypt" not in err
    assert json.loads(studybot("users", "list", "--json", env=env).stdout)[0]["id"] == "GD9"


def test_corrupt_database_is_one_line(tmp_path):
    db = Settings.from_env().data_dir / "studybot.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    one_chinese_line(studybot("users", "list"), "已损坏", "备份")
    assert db.read_bytes().startswith(b"this is not a database")  # left as it was, for recovery


def test_a_long_write_lock_blocks_writers_briefly_and_never_readers():
    assert studybot(*ADD).returncode == 0
    db = Settings.from_env().data_dir / "studybot.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long import holds the write lock
    try:
        listed = studybot("users", "list", "--json")
        assert listed.returncode == 0 and json.loads(listed.stdout)[0]["id"] == "GD9"
        busy = studybot(*ADD[:3], "GD11", *ADD[4:], env=dict(os.environ, STUDYBOT_DB_BUSY_SECONDS="0.5"))
        one_chinese_line(busy, "占用", "0.5 秒")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert studybot(*ADD[:3], "GD11", *ADD[4:]).returncode == 0


def test_service_raises_busy_in_process(make_settings):
    from bot.service import StudyBot

    bot = StudyBot(make_settings(db_busy_seconds=0.3))
    bot.accounts.add_user("A1", "甲", "单位", "officer", "password-a1")
    holder = sqlite3.connect(bot.settings.data_dir / "studybot.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy):
            bot.accounts.add_user("A2", "乙", "单位", "officer", "password-a2")
        assert [u.id for u in bot.accounts.list_users()] == ["A1"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --- bad bytes on the command line ---


def test_invalid_utf8_on_stdin_spoils_only_its_line(seed_bot):
    env = dict(
        os.environ,
        STUDYBOT_INDEX_DIR=str(seed_bot.settings.index_dir),
        STUDYBOT_CORPUS_DIR=str(seed_bot.settings.corpus_dir),
    )
    lines = (
        "行政执法人员每年要参加多少学时的培训？\n".encode()
        + b"\xff\xfe\xc3(bad\n"
        + "全员轮训什么时候完成？\n".encode()
    )
    out = studybot("ask", env=env, input=lines, text=False)
    assert out.returncode == 0, out.stderr.decode()
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(rows) == 3
    assert rows[0]["citations"][0]["label"] == "二（一）2"
    assert "第 2 行" in rows[1]["error"] and "UTF-8" in rows[1]["error"]
    assert rows[2]["citations"][0]["label"] == "二（一）2"


def test_lone_surrogate_in_argv_is_one_line(seed_bot):
    env = dict(
        os.environ,
        STUDYBOT_INDEX_DIR=str(seed_bot.settings.index_dir),
        STUDYBOT_CORPUS_DIR=str(seed_bot.settings.corpus_dir),
    )
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", b"\xe5\xad\xa6\xff\xe6\x97\xb6"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    )
    one_chinese_line(out, "无法识别的字符")


# --- corpus files that would take the build's memory or hours ---


def test_oversize_files_are_skipped_and_long_sentences_cut(make_settings, embedder, seed_corpus):
    from bot.segment import MAX_SENTENCE_CHARS
    from bot.service import StudyBot

    (seed_corpus / "huge.txt").write_bytes(("第一条 " + "很长的内容" * 200_000 + "\n").encode())  # 3 MB
    (seed_corpus / "runon.txt").write_text(
        "示例办法\n第一条 " + "没有标点的长句" * 300 + "。\n第二条 短句。\n", encoding="utf-8"
    )
    settings = make_settings(corpus_dir=seed_corpus, max_file_mb=2)
    report = StudyBot(settings, embedder=embedder).index(progress=False)
    assert any("huge.txt" in e and "超过上限 2 MB" in e for e in report.errors)
    assert sorted(report.parsed) == ["gd-plan-2023-2025", "runon"]
    bot = StudyBot(settings, embedder=embedder)
    runon = bot.clauses("runon")
    assert max(len(s) for c in runon for s in c.sentences) <= MAX_SENTENCE_CHARS
    assert "".join(runon[0].sentences) == runon[0].text  # cut, nothing lost

    limited = make_settings(corpus_dir=seed_corpus, max_doc_chars=5000, index_dir=seed_corpus.parent / "idx2")
    report = StudyBot(limited, embedder=embedder).index(progress=False)
    assert any("gd-plan" in e and "超过上限 5,000 字" in e for e in report.errors)


def test_parallel_index_and_reads_do_not_corrupt(make_settings, embedder, seed_corpus):
    """A reader in this process keeps its generation while another build replaces it."""
    from bot.service import StudyBot

    settings = make_settings(corpus_dir=seed_corpus)
    reader = StudyBot(settings, embedder=embedder)
    reader.index(progress=False)
    first = reader.store
    held = first.generation
    builder = StudyBot(settings, embedder=embedder)
    for _ in range(3):
        builder.index(rebuild=True, progress=False)
    assert held.exists()  # still leased by `first`
    assert first.find_clause("二（一）2").label == "二（一）2"
    assert reader.ask("每年多少学时").generation != held.name  # the reader moved on
    del first
    import gc

    gc.collect()
    reader.store  # noqa: B018 - the reader holds only the current generation now
    builder.index(rebuild=True, progress=False)
    assert not held.exists()  # nobody reads it: collected


def test_killed_builds_partial_folder_is_removed(make_settings, embedder, seed_corpus):
    from bot.service import StudyBot

    settings = make_settings(corpus_dir=seed_corpus)
    bot = StudyBot(settings, embedder=embedder)
    bot.index(progress=False)
    partial = settings.index_dir / "g-20000101T000000-dead00"
    (partial / "chroma").mkdir(parents=True)
    bot.index(rebuild=True, progress=False)
    assert not partial.exists()


def test_concurrent_sign_ins_cannot_exceed_the_failure_limit(make_settings):
    from bot.accounts import FAILURES_BEFORE_LOCK, AccountService, ScryptParams
    from bot.db import utcnow
    from bot.errors import AccountLocked, LoginFailed
    from bot.service import StudyBot

    bot = StudyBot(make_settings())
    # A stopped clock: on a loaded machine the 30 s lock could otherwise run out while the 16
    # attempts are still queued, and a later attempt would rightly be let through.
    stopped = utcnow()
    accounts = AccountService(bot.db, bot.settings, scrypt=ScryptParams(n=2**12), now=lambda: stopped)
    accounts.add_user("GD1", "甲", "单位", "officer", "the-right-password")
    start = threading.Barrier(16)
    outcomes = []

    def guess(password):
        start.wait()
        try:
            accounts.authenticate("GD1", password, source="10.0.0.9")
            outcomes.append("in")
        except LoginFailed:
            outcomes.append("failed")
        except AccountLocked:
            outcomes.append("locked")

    # All wrong: had the right password been among the first few it would have (rightly) got in
    # and cleared the count, and the assertion below could not tell that from a race.
    threads = [threading.Thread(target=guess, args=(f"wrong-{i}",)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Only FAILURES_BEFORE_LOCK attempts may reach the password check; the rest wait.
    checked = outcomes.count("failed") + min(outcomes.count("locked"), 1)  # the one that hit the limit
    assert checked <= FAILURES_BEFORE_LOCK + 1, outcomes
    assert outcomes.count("locked") >= 16 - FAILURES_BEFORE_LOCK - 1
    # And the right password from the guessing address does not slip in while the delay lasts.
    with pytest.raises(AccountLocked):
        accounts.authenticate("GD1", "the-right-password", source="10.0.0.9")
