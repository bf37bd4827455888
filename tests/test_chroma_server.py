"""STUDYBOT_CHROMA_URL: the same index kept on a Chroma server (`chroma run` on a loopback port)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.errors import ConfigError
from tests.conftest import free_port

LAW = "示例办法\n第一条 为了规范行政执法证件管理，制定本办法。\n第二条 行政执法人员应当持证上岗。\n"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def test_index_and_answer_through_chroma_server(chroma_server, make_settings, embedder, seed_corpus):
    from bot.service import StudyBot
    from bot.vectors import server_client

    settings = make_settings(corpus_dir=seed_corpus, chroma_url=chroma_server)
    bot = StudyBot(settings, embedder=embedder)
    report = bot.index(progress=False)
    assert report.embedded == report.sentences
    assert not (bot.store.generation / "chroma").exists()  # vectors live on the server
    answer = bot.ask("行政执法人员每年要参加多少学时的培训？")
    assert answer.citations[0].label == "二（一）2"

    (seed_corpus / "law.txt").write_text(LAW, encoding="utf-8")
    changed = bot.index(progress=False)
    assert changed.embedded == 2 and changed.reused == ["gd-plan-2023-2025"]
    assert bot.store.vectors.count() == len(bot.store.sentence_rows)
    names = [c.name for c in server_client(chroma_server).list_collections()]
    assert len([n for n in names if n.startswith("studybot-")]) <= 2  # old generations are dropped


def test_unreachable_server_is_explained(make_settings, embedder, seed_corpus):
    from bot.service import StudyBot

    bot = StudyBot(
        make_settings(corpus_dir=seed_corpus, chroma_url=f"http://127.0.0.1:{free_port()}"), embedder=embedder
    )
    with pytest.raises(ConfigError, match="连不上 Chroma 服务器"):
        bot.index(progress=False)
    with pytest.raises(ConfigError, match="STUDYBOT_CHROMA_URL.*http://"):
        StudyBot(make_settings(corpus_dir=seed_corpus, chroma_url="127.0.0.1:8000")).index(progress=False)
