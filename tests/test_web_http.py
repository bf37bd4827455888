"""The web host over HTTP, as a client or an attacker would see it: nothing without signing in
but the sign-in page, cookies, CSRF, upload limits, the OpenAI-compatible API and its tokens."""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import add_account

OFFICER = ("HTTP-OFFICER", "赵执法", "广州市司法局", "officer", "officer-pass-2")
TRAINER = ("HTTP-TRAINER", "钱教员", "广州市司法局", "trainer", "trainer-pass-2")
QUESTION = "行政执法人员每年要参加多少学时的培训？"


@pytest.fixture(scope="module")
def accounts(web):
    for user in (OFFICER, TRAINER):
        add_account(web.bot, *user)


@contextmanager
def signed_in(web, user=OFFICER):
    with httpx.Client(base_url=web.url, timeout=30) as client:
        r = client.post("/login", data={"user_id": user[0], "password": user[4], "next": "/"})
        assert r.status_code == 303 and r.headers["location"] == "/", r.text
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/config",
        "/gradio_api/info",
        "/gradio_api/file=/etc/hostname",
        "/gradio_api/file=README.md",
        "/theme.css",
        "/gradio_api/queue/data",
        "/password",
        "/api/v1/models",
        "/api/v1/openapi.json",
        "/docs",
    ],
)
def test_nothing_but_the_sign_in_page_without_a_session(web, path):
    with httpx.Client(base_url=web.url) as anonymous:
        r = anonymous.get(path)
        assert r.status_code == 401
        assert "error" in r.json() and r.json()["error"]["message"]
        page = anonymous.get(path, headers={"accept": "text/html"})
        if not path.startswith("/api/"):
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert httpx.get(web.url + "/login").status_code == 200


def test_uploads_are_refused_without_a_session_and_to_officers(web, accounts):
    files = {"files": ("a.csv", b"id,name\n", "text/csv")}
    r = httpx.post(web.url + "/gradio_api/upload", files=files)
    assert r.status_code == 401 and "登录" in r.json()["error"]["message"]
    with signed_in(web) as officer:
        r = officer.post("/gradio_api/upload", files=files, headers={"origin": web.url})
        assert r.status_code == 403 and "培训管理员" in r.json()["error"]["message"]
    with signed_in(web, TRAINER) as trainer:
        ok = trainer.post("/gradio_api/upload", files=files)
        assert ok.status_code == 200, ok.text
        served = trainer.get("/gradio_api/file=" + ok.json()[0])
        assert served.status_code == 200 and served.content == b"id,name\n"
        # Served only with a session, as any other path.
        assert httpx.get(web.url + "/gradio_api/file=" + ok.json()[0]).status_code == 401
        limit = int(web.bot.settings.max_upload_mb * 1024 * 1024)
        big = trainer.post("/gradio_api/upload", files={"files": ("big.bin", b"x" * (limit + 1))})
        assert big.status_code == 413 and "太大" in big.json()["error"]["message"]


def test_session_cookie_reload_sign_out_and_expiry(web, accounts):
    client = httpx.Client(base_url=web.url, timeout=30)
    r = client.post("/login", data={"user_id": OFFICER[0], "password": OFFICER[4], "next": "/?x=1"})
    cookie = r.headers["set-cookie"]
    assert r.headers["location"] == "/?x=1"
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get("/", headers={"accept": "text/html"}).status_code == 200  # a reload keeps it
    token = client.cookies["studybot_session"]
    assert web.bot.accounts.session_user(token).id == OFFICER[0]
    r = client.post("/logout", headers={"origin": web.url})
    assert r.status_code == 303 and "bye" in r.headers["location"]
    assert web.bot.accounts.session_user(token) is None  # ended on the server
    replay = httpx.Client(base_url=web.url, cookies={"studybot_session": token})
    assert replay.get("/gradio_api/info").status_code == 401


def test_wrong_password_and_open_redirects(web, accounts):
    with httpx.Client(base_url=web.url) as client:
        r = client.post("/login", data={"user_id": OFFICER[0], "password": "wrong-pass", "next": "/"})
        assert r.status_code == 401 and "账号或密码错误" in r.text and "studybot_session" not in client.cookies
        for target in ("https://evil.example/", "//evil.example/", "/\\evil"):
            r = client.post("/login", data={"user_id": OFFICER[0], "password": OFFICER[4], "next": target})
            assert r.headers["location"] == "/"


def test_cross_site_writes_are_refused(web, accounts):
    with signed_in(web) as client:
        r = client.post("/logout", headers={"origin": "http://evil.example"})
        assert r.status_code == 403 and "跨站" in r.json()["error"]["message"]
        r = client.post("/gradio_api/queue/join", json={}, headers={"sec-fetch-site": "cross-site"})
        assert r.status_code == 403
        assert client.get("/gradio_api/info").status_code == 200  # still signed in


def test_oversized_bodies_are_refused(web, accounts):
    with signed_in(web) as client:
        r = client.post(
            "/api/v1/chat/completions", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413


def test_must_change_password_reaches_only_the_password_page(web):
    add_account(web.bot, "HTTP-NEW", "孙新人", "广州市司法局", "officer", "initial-pass-1", must_change=True)
    with httpx.Client(base_url=web.url, timeout=30) as client:
        r = client.post("/login", data={"user_id": "HTTP-NEW", "password": "initial-pass-1", "next": "/"})
        assert r.headers["location"] == "/password"
        assert client.get("/", headers={"accept": "text/html"}).headers["location"] == "/password"
        assert client.get("/gradio_api/info").status_code == 403
        assert "首次登录须先修改" in client.get("/password").text
        r = client.post(
            "/password", data={"current": "initial-pass-1", "new": "changed-pass-1", "repeat": "changed-pass-1"}
        )
        assert r.status_code == 303 and r.headers["location"] == "/login?changed=1"
        assert client.get("/gradio_api/info").status_code == 401  # every session ended
    assert not web.bot.accounts.get_user("HTTP-NEW").must_change_password
    with httpx.Client(base_url=web.url) as client:
        r = client.post("/login", data={"user_id": "HTTP-NEW", "password": "changed-pass-1", "next": "/"})
        assert r.headers["location"] == "/"


def test_password_page_refuses_mismatch_and_a_wrong_current_password(web, accounts):
    with signed_in(web, TRAINER) as client:
        r = client.post("/password", data={"current": TRAINER[4], "new": "new-pass-123", "repeat": "other-pass-1"})
        assert r.status_code == 400 and "不一致" in r.text
        r = client.post("/password", data={"current": "not-it-1", "new": "new-pass-123", "repeat": "new-pass-123"})
        assert r.status_code == 401 and "当前密码不正确" in r.text
        r = client.post("/password", data={"current": TRAINER[4], "new": "short", "repeat": "short"})
        assert r.status_code == 400 and "密码太短" in r.text


# --- /api/v1 ---


@pytest.fixture(scope="module")
def token(web, accounts):
    return web.bot.tokens.create(OFFICER[0], "测试")[1]


def test_chat_completions_with_curl(web, token):
    body = json.dumps({"model": "studybot", "messages": [{"role": "user", "content": QUESTION}]}, ensure_ascii=False)
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            web.url + "/api/v1/chat/completions",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    reply = json.loads(out.stdout)
    content = reply["choices"][0]["message"]["content"]
    assert "二（一）2" in content and "60学时" in content and "引用" in content
    cited = reply["citations"][0]
    assert (
        cited["label"] == "二（一）2"
        and "60学时" in cited["quote"]
        and set(cited) >= {"doc_id", "clause_id", "text", "score"}
    )


def test_openai_client_plain_and_streaming(web, token):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(api_key=token, base_url=web.url + "/api/v1", max_retries=0)
    reply = client.chat.completions.create(
        model="studybot",
        messages=[
            {"role": "system", "content": "你是助手"},
            {"role": "user", "content": "行政执法人员每年要参加多少学时的培训？"},
            {"role": "assistant", "content": "……"},
            {"role": "user", "content": "那要在什么时候前完成全员轮训？"},
        ],
    )
    assert "2024年6月" in reply.choices[0].message.content  # the follow-up read against the earlier question
    assert reply.model_extra["citations"][0]["label"] == "二（一）2"
    chunks = list(
        client.chat.completions.create(model="studybot", stream=True, messages=[{"role": "user", "content": QUESTION}])
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "60学时" in text and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["label"] == "二（一）2"
    assert [m.id for m in client.models.list().data] == ["studybot"]


def test_api_refuses_missing_wrong_and_revoked_tokens(web, accounts):
    url = web.url + "/api/v1/chat/completions"
    body = {"model": "studybot", "messages": [{"role": "user", "content": QUESTION}]}
    record, secret = web.bot.tokens.create(OFFICER[0], "撤销测试")
    assert httpx.post(url, json=body, headers={"authorization": f"Bearer {secret}"}, timeout=30).status_code == 200
    web.bot.tokens.revoke(str(record.id))
    for headers in (
        {},
        {"authorization": "Bearer sbk_wrong"},
        {"authorization": f"Bearer {secret}"},
        {"authorization": f"Basic {secret}"},
    ):
        r = httpx.post(url, json=body, headers=headers)
        assert r.status_code == 401, headers
        error = r.json()["error"]
        assert error["code"] == "invalid_api_key" and "令牌" in error["message"]


def test_api_errors_are_chinese_json(web, token):
    url = web.url + "/api/v1/chat/completions"
    auth = {"authorization": f"Bearer {token}"}
    cases = [
        ({"messages": []}, "没有 role 为 user"),
        ({"messages": [{"role": "system", "content": "x"}]}, "没有 role 为 user"),
        ({"model": "x"}, "请求格式不对"),
        ({"messages": [{"role": "user", "content": "   "}]}, "问题是空的"),
    ]
    for body, message in cases:
        r = httpx.post(url, json=body, headers=auth, timeout=30)
        assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
    r = httpx.post(url, content=b"{not json", headers={**auth, "content-type": "application/json"})
    assert r.status_code == 400 and "请求格式不对" in r.json()["error"]["message"]
    # A lone surrogate, as a broken client sends it in JSON.
    r = httpx.post(
        url,
        content=b'{"messages": [{"role": "user", "content": "\\ud800\xe9\x97\xae"}]}',
        headers={**auth, "content-type": "application/json"},
    )
    assert r.status_code == 400 and "无法识别的字符" in r.json()["error"]["message"]
    r = httpx.get(web.url + "/api/v1/nothing", headers=auth)
    assert r.status_code == 404 and "没有这个接口" in r.json()["error"]["message"]


def test_api_takes_the_page_session_too(web, accounts):
    with signed_in(web) as client:
        r = client.post("/api/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert r.status_code == 200 and r.json()["citations"]


def test_the_page_is_chinese_and_loads_nothing_from_elsewhere(web, accounts):
    with signed_in(web) as client:
        page = client.get("/", headers={"accept": "text/html", "accept-encoding": "br, gzip"}).text
        assert 'lang="zh-CN"' in page and 'Navigator.prototype, "language"' in page
        assert page.index("Navigator.prototype") < page.index('type="module"')
        config = client.get("/config").json()
        assert config["i18n_translations"]["zh-CN"]["dataframe.filter"] == "筛选"
    assert "http" not in httpx.get(web.url + "/login").text.replace(web.url, "")


def test_undecodable_sign_in_fields_get_a_chinese_message(web, accounts):
    with httpx.Client(base_url=web.url) as client:
        for body in (
            b"user_id=%ED%A0%80&password=x&next=/",
            b"user_id=HTTP-OFFICER&password=%ED%A0%80%FF&next=%ED%A0%80",
        ):
            r = client.post("/login", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
            assert r.status_code == 401 and "账号或密码错误" in r.text


def test_signing_in_again_replaces_the_previous_session(web, accounts):
    with signed_in(web) as client:
        first = client.cookies["studybot_session"]
        r = client.post("/login", data={"user_id": OFFICER[0], "password": OFFICER[4], "next": "/"})
        second = client.cookies["studybot_session"]
        assert r.status_code == 303 and second != first
        assert web.bot.accounts.session_user(first) is None and web.bot.accounts.session_user(second) is not None


def call(client, api_name: str, data: list) -> tuple[str, object]:
    """One event of the page through Gradio's HTTP API, as a script holding a session cookie could
    send it: (the last event streamed back, its data)."""
    r = client.post(f"/gradio_api/call/{api_name}", json={"data": data}, headers={"origin": str(client.base_url)})
    assert r.status_code == 200, r.text
    lines = client.get(f"/gradio_api/call/{api_name}/{r.json()['event_id']}").text.strip().splitlines()
    return lines[-2].removeprefix("event: "), json.loads(lines[-1].removeprefix("data: "))


def test_officers_cannot_reach_the_review_actions(web, accounts):
    """The 评测 tab is hidden from officers, and its handlers refuse them on the server too."""
    calls = {
        "review_list": [],
        "review_mark": ["1", "", {"items": [], "marked": {}}],
        "review_mark_incorrect": ["1", "", None, "司法所", {"items": [], "marked": {}}],
        "review_clause_search": ["司法所"],
        "review_promote": [1],
        "review_teach": [1],
        "review_teach_refusal": [1],
        "aliases_list": [False],
        "alias_remove": [1, False],
        "eval_overview": [],
        "eval_run": [],
        "eval_compare": [None, None],
    }
    reviews, aliases, runs = web.bot.review.reviews(), web.bot.teaching.list(True), web.bot.evaluations.runs()
    with signed_in(web) as officer:
        for api_name, data in calls.items():
            event, data = call(officer, api_name, data)
            assert event == "error" and "只有培训管理员" in data["error"], (api_name, event, data)
    with signed_in(web, TRAINER) as trainer:  # the same call goes through for a trainer
        event, data = call(trainer, "review_clause_search", ["司法所"])
        assert event == "complete" and "二（四）11" in json.dumps(data, ensure_ascii=False)
    assert (web.bot.review.reviews(), web.bot.teaching.list(True), web.bot.evaluations.runs()) == (
        reviews,
        aliases,
        runs,
    )


def test_answers_through_the_page_leave_gradio_analytics_alone(web, accounts):
    """Gradio's queue would rebuild a pandas table of its past events after every event (10–33 ms
    per answer, measured); the page keeps it from doing so, and keeps few past events."""
    from starlette.routing import Mount

    page = next(r.app for r in web.app.routes if isinstance(r, Mount) and hasattr(r.app, "get_blocks"))
    queue = page.get_blocks()._queue
    with signed_in(web) as officer:
        for question in (QUESTION, "执法证件多久换发一次？"):
            event, data = call(officer, "ask", [question])
            assert event == "complete", data
    assert queue.events_recorded >= 2 and queue.ANALYTICS_MAX_EVENTS <= 200
    assert queue.cached_event_analytics_summary == {"functions": {}}


def test_answer_threads_follow_the_cores_unless_an_llm_is_waited_on(web):
    from bot.settings import Settings
    from bot.web.app import LLM_ANSWER_THREADS, answer_threads

    cores = len(os.sched_getaffinity(0))
    assert answer_threads(Settings.from_env(environ={})) == max(2, cores)
    llm = Settings.from_env(environ={"STUDYBOT_LLM_BASE_URL": "http://127.0.0.1:9/v1", "STUDYBOT_LLM_MODEL": "m"})
    assert answer_threads(llm) == LLM_ANSWER_THREADS
    assert web.app.state.answer_limiter.total_tokens == max(2, cores)
