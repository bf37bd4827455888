"""The `studybot` command line, run as a user would, on the seed index."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import opencc

from tests.conftest import ROOT

SECTIONS = "一一一二二二三三三四四四五五六六"


def run(seed_bot, *args, input=None):
    env = dict(
        os.environ,
        STUDYBOT_INDEX_DIR=str(seed_bot.settings.index_dir),
        STUDYBOT_CORPUS_DIR=str(seed_bot.settings.corpus_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_clauses_json_lists_the_sixteen_tasks(seed_bot):
    out = run(seed_bot, "clauses", "--json")
    assert out.returncode == 0, out.stderr
    clauses = json.loads(out.stdout)
    tasks = [c for c in clauses if re.fullmatch(r"二（[一二三四五六]）\d+", c["label"])]
    assert [c["label"] for c in tasks] == [f"二（{SECTIONS[i]}）{i + 1}" for i in range(16)]
    assert tasks[1]["title"] == "加强业务学习培训" and tasks[1]["units"] == "省司法厅、省各行政执法部门"
    assert all(c["title"] and c["units"] for c in tasks)
    t2s = opencc.OpenCC("t2s")
    for c in clauses:
        assert set(c) >= {"clause_id", "label", "title", "units", "text", "sentences"}
        assert t2s.convert(c["text"]) == c["text"]
        assert "著力" not in c["text"]
        assert not re.search(r"[（(][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]", c["text"])


def test_docs_show_and_errors(seed_bot):
    docs = json.loads(run(seed_bot, "docs", "--json").stdout)
    assert docs[0]["doc_number"] == "粤府办〔2023〕21号" and docs[0]["clause_count"] == 23
    plain = run(seed_bot, "docs").stdout
    assert "粤府办〔2023〕21号" in plain and "广东省人民政府办公厅" in plain

    shown = run(seed_bot, "show", "二（一）2")
    assert shown.returncode == 0 and "确保每人每年接受不少于60学时" in shown.stdout
    clause_id = json.loads(run(seed_bot, "show", "二（一）2", "--json").stdout)["clause_id"]
    assert run(seed_bot, "show", clause_id).stdout == shown.stdout
    assert run(seed_bot, "show", clause_id.rsplit(":", 1)[0]).stdout == shown.stdout  # id prefix

    missing = run(seed_bot, "show", "no-such-clause")
    assert missing.returncode == 1 and "找不到条款" in missing.stderr and "Traceback" not in missing.stderr
    unknown_doc = run(seed_bot, "clauses", "--doc", "nope")
    assert unknown_doc.returncode == 1 and "找不到文件" in unknown_doc.stderr


def test_missing_index_message(tmp_path):
    env = dict(os.environ, STUDYBOT_INDEX_DIR=str(tmp_path / "none"))
    out = subprocess.run([sys.executable, "-m", "bot", "docs"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "请先运行 studybot index" in out.stderr


def test_argparse_speaks_chinese(seed_bot):
    """Help, a missing argument, a bad value and an unknown command: argparse's own texts in
    Chinese, exit status 2 for usage errors, no English left."""
    shown = run(seed_bot, "users", "passwd", "--help")
    assert shown.returncode == 0
    assert shown.stdout.startswith("用法：studybot users passwd") and "显示帮助并退出" in shown.stdout
    assert "选项" in shown.stdout and "usage" not in shown.stdout and "options:" not in shown.stdout
    for args, said in (
        (("users", "passwd"), "缺少必填参数：--id"),
        (("nosuch",), "没有 'nosuch' 这个选项"),
        (("ask", "问题", "--top-k", "abc"), "'abc' 不是有效的整数"),
        (("ask", "问题", "--bogus"), "无法识别的参数：--bogus"),
        (("ask", "--doc"), "后面需要给一个值"),
    ):
        failed = run(seed_bot, *args)
        assert failed.returncode == 2, args
        assert "错误：" in failed.stderr and said in failed.stderr, failed.stderr
        assert "error:" not in failed.stderr and "usage:" not in failed.stderr
