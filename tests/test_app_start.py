"""`python app.py` with something wrong: one Chinese line saying what to do, exit code 1, no
traceback, and nothing created on the way (no first account printed for a start that fails)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, free_port


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    base.update(
        STUDYBOT_HOME=str(tmp_path),
        STUDYBOT_PORT=str(free_port()),
        PYTHONPATH=str(ROOT),
        GRADIO_ANALYTICS_ENABLED="False",
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=base, capture_output=True, text=True, timeout=120
    )


def one_chinese_line(out: subprocess.CompletedProcess, *expected: str) -> None:
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), out.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_a_bad_setting(tmp_path):
    one_chinese_line(start(tmp_path, STUDYBOT_PORT="abc"), "STUDYBOT_PORT", "'abc'", "1 到 65535")


def test_the_port_already_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_chinese_line(start(tmp_path, STUDYBOT_PORT=str(port)), f"127.0.0.1:{port}", "STUDYBOT_PORT")


def test_no_index(tmp_path):
    out = start(tmp_path)
    one_chinese_line(out, "索引尚未建立", "studybot index")


@pytest.mark.parametrize("problem", ["corrupt", "unknown scheme", "missing folder", "read-only"])
def test_a_database_that_cannot_be_used(tmp_path, problem):
    db = tmp_path / "app.sqlite3"
    if problem == "corrupt":
        db.write_bytes(b"this is not a database" * 100)
        url = f"sqlite:///{db}"
    elif problem == "unknown scheme":
        url = "nosuchdb://host/db"
    elif problem == "missing folder":
        url = "sqlite:////proc/no-such-folder/app.sqlite3"
    else:
        from bot.db import open_database
        from bot.settings import Settings

        open_database(Settings.from_env(environ={"STUDYBOT_DB_URL": f"sqlite:///{db}"})).close()
        url = f"sqlite:///file:{db}?mode=ro&uri=true"  # (permissions would not stop root, which runs CI)
    # Each problem is named with what to do about it.
    expected = {"corrupt": ("已损坏", "从备份恢复"), "read-only": ("只读", "写权限")}
    one_chinese_line(
        start(tmp_path, STUDYBOT_DB_URL=url), *expected.get(problem, ("无法打开应用数据库", "STUDYBOT_DB_URL"))
    )


def test_a_first_start_serves_and_prints_the_first_account(tmp_path, embedder):
    import re

    import httpx

    from bot.testing import indexed_bot

    indexed_bot(tmp_path, None, embedder).close()
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    base.update(STUDYBOT_HOME=str(tmp_path), STUDYBOT_PORT=str(port), PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = []
        for line in server.stdout:  # the server says when it serves
            printed.append(line)
            if "已启动" in line:
                break
        text = "".join(printed)
        password = re.search(r"账号：admin\s+初始密码：(\S+)", text).group(1)
        assert "（请修改）" not in text and "在“账号”页" in text
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            r = client.post("/login", data={"user_id": "admin", "password": password, "next": "/"})
            assert r.headers["location"] == "/password"  # the first password is changed first
    finally:
        server.terminate()  # a graceful stop: uvicorn ends by re-raising the signal it caught
        assert server.wait(timeout=30) in (0, -15)
