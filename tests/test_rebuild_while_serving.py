"""A running web app keeps answering through index rebuilds, before and after the old
generations it no longer reads are collected (issue 7). Officers ask over HTTP the whole time,
through the page's HTTP API and through /api/v1; the rebuilds run on a second StudyBot over
the same folders, as `studybot index --rebuild` in another process would."""

from __future__ import annotations

import json
import threading

import httpx

from bot.generations import PREFIX, current_name
from bot.service import StudyBot
from bot.testing import home_settings, indexed_bot
from bot.web import create_app
from bot.web.serve import BackgroundServer
from tests.conftest import SEED, add_account

QUESTIONS = (
    "行政执法人员每年要参加多少学时的培训？",
    "形成专项整治台账要明确哪些内容？",
    "加强业务学习培训要建立健全什么样的培训机制？",
)
OFFICERS = 4


class Officers:
    """Simulated officers asking in a loop until stopped; answers are counted under a condition,
    so the test can wait for "n more answers" instead of sleeping."""

    def __init__(self, url: str, bot):
        self.url, self.bot = url, bot
        self.done = threading.Condition()
        self.answered = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(OFFICERS)]

    def start(self) -> None:
        for n in range(OFFICERS):
            add_account(self.bot, f"REB-{n}", f"官员{n}", "广州市司法局", "officer", "rebuild-pass-1")
        self.tokens = [self.bot.tokens.create(f"REB-{n}")[1] for n in range(OFFICERS)]
        for t in self.threads:
            t.start()

    def run(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as http:
            if n % 2:  # through the page's own HTTP API, signed in with the cookie
                r = http.post("/login", data={"user_id": f"REB-{n}", "password": "rebuild-pass-1", "next": "/"})
                assert r.status_code == 303
            i = 0
            while not self.stop.is_set():
                question = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                try:
                    text = self.ask_page(http, question, n) if n % 2 else self.ask_api(http, question, n)
                    ok = "二（" in text
                    problem = None if ok else f"没有引用条款：{text[:200]}"
                except Exception as exc:  # counted, and the test fails with the list
                    problem = f"{type(exc).__name__}: {exc}"
                with self.done:
                    if problem:
                        self.failures.append(problem)
                    self.answered += 1
                    self.done.notify_all()

    def ask_api(self, http, question: str, n: int) -> str:
        r = http.post(
            "/api/v1/chat/completions",
            headers={"authorization": f"Bearer {self.tokens[n]}"},
            json={"messages": [{"role": "user", "content": question}]},
        )
        r.raise_for_status()
        return r.json()["choices"][0]["message"]["content"]

    def ask_page(self, http, question: str, n: int) -> str:
        r = http.post("/gradio_api/call/ask", json={"data": [question], "session_hash": f"rebuild-{n}"})
        r.raise_for_status()
        event = None
        with http.stream("GET", f"/gradio_api/call/ask/{r.json()['event_id']}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "complete":
                    chat = json.loads(line[5:])[0]
                    return chat[-1]["content"][0]["text"]
                elif line.startswith("data:") and event == "error":
                    raise RuntimeError(line)
        raise RuntimeError("the event stream ended without an answer")

    def wait_for(self, more: int, timeout: float = 120) -> None:
        """Until `more` further answers (successful or not) have come back."""
        with self.done:
            target = self.answered + more
            assert self.done.wait_for(lambda: self.answered >= target, timeout), "officers stopped answering"

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)


def generations(index_dir) -> set[str]:
    return {p.name for p in index_dir.glob(f"{PREFIX}*") if p.is_dir()}


def test_the_app_answers_through_rebuilds_and_after_old_generations_are_collected(tmp_path, embedder):
    served = indexed_bot(tmp_path / "home", [SEED], embedder)
    builder = StudyBot(home_settings(tmp_path / "home"), embedder=embedder)
    index_dir = served.settings.index_dir
    server = BackgroundServer(create_app(served))
    officers = Officers(server.start(), served)
    try:
        officers.start()
        officers.wait_for(OFFICERS)
        first = generations(index_dir)

        for _ in range(3):  # rebuilds while officers ask
            builder.index(rebuild=True, progress=False)
            officers.wait_for(2 * OFFICERS)  # answers from after the switch
            assert served.store.name == current_name(index_dir)
        during = generations(index_dir)

        # Two further rebuilds collect every generation the app no longer reads (a build keeps
        # the current generation, one spare and any still leased).
        for _ in range(2):
            builder.index(rebuild=True, progress=False)
            officers.wait_for(2 * OFFICERS)
        after = generations(index_dir)
        # Every generation of the first rebuilds is gone (the app reads none of them any more),
        # and the app still answers from the newest.
        assert (first | during).isdisjoint(after) and len(after) <= 3
        assert served.store.name == current_name(index_dir)
        officers.wait_for(2 * OFFICERS)
    finally:
        officers.finish()
        server.stop()
        builder.close()
    assert officers.failures == [], sorted(set(officers.failures))[:5]
    assert officers.answered >= 30
