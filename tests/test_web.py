"""The web page in a real browser: Debian's Chromium, headless, driven by Playwright, app in-process."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from tests.conftest import free_port

pytest.importorskip("playwright")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed: run `make browser`", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
QUESTION = "行政执法人员每年要参加多少学时的培训？"
OFFICER = ("WEB-OFFICER", "王执法", "广州市司法局", "officer", "officer-pass-1")
TRAINER = ("WEB-TRAINER", "李教员", "广东省司法厅", "trainer", "trainer-pass-1")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

expect.set_options(timeout=15_000)



@pytest.fixture(scope="module")
def web(seed_bot):
    from bot.errors import DuplicateUser
    from bot.ui import build_ui, launch

    for user in (OFFICER, TRAINER):
        try:
            seed_bot.accounts.add_user(*user)
        except DuplicateUser:
            pass
    demo = build_ui(seed_bot)
    settings = seed_bot.settings.with_(host="127.0.0.1", port=free_port())
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, quiet=True)
    yield SimpleNamespace(url=url, bot=seed_bot)
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, web):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.requests, page.dialogs = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(web.url)
    yield page
    hosts = {urlparse(u).hostname for u in page.requests if not u.startswith(("data:", "blob:"))}
    assert hosts <= {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert page.dialogs == []
    context.close()


def sign_in(page, user=OFFICER, password=None):
    page.get_by_label("执法证号/工号").fill(user[0])
    page.get_by_label("密码").fill(password or user[4])
    page.locator("#login-btn").click()


def ask(page, text):
    page.locator("#question textarea").fill(text)
    page.locator("#send").click()


def signed_out(page):
    expect(page.locator("#login-btn")).to_be_visible()
    expect(page.locator("#app-box")).to_be_hidden()


def answers(page):
    return page.locator("#chatbot .bot")


def test_officer_asks_opens_citation_rates_and_signs_out(page, web):
    sign_in(page)
    expect(page.locator("#whoami")).to_contain_text("王执法")
    ask(page, QUESTION)
    answer = answers(page).last
    expect(answer).to_contain_text("二（一）2")
    summary = answer.locator("details summary").first
    expect(summary).to_contain_text("[1] 二（一）2「加强业务学习培训」")
    summary.click()
    expect(answer.locator("details blockquote").first).to_contain_text("60学时")
    panel = page.locator("#context-panel")
    expect(panel).to_contain_text("本条：二（一）2「加强业务学习培训」")
    expect(panel).to_contain_text("业务培训登记卡制度")  # the whole clause, not only the quote
    expect(panel).to_contain_text("二（一）1")  # and the clause before it
    page.screenshot(path=str(ARTIFACTS / "chat-citation-open.png"), full_page=True)

    page.locator("#correction textarea").fill("应写明学时按45分钟计算")
    page.locator("#rate-down").click()
    expect(page.locator("#feedback-msg")).to_contain_text("已记录")
    stored = [f for f in web.bot.feedback.list(flagged_only=True) if f.user_id == OFFICER[0]]
    assert stored and stored[0].rating == -1
    assert stored[0].correction == "应写明学时按45分钟计算"
    assert stored[0].question == QUESTION and "二（一）2" in stored[0].citations[0]["label"]

    page.locator("#logout").click()
    signed_out(page)
    expect(page.locator("#login-msg")).to_contain_text("已退出登录")


def test_trainer_reviews_flagged_feedback(page, web):
    web.bot.feedback.record(OFFICER[0], "培训学时怎么算？", "……", [], -1, "请补充", "extractive")
    sign_in(page, TRAINER)
    page.get_by_role("tab", name="评测").click()
    table = page.locator("#review-table")
    expect(table).to_contain_text("培训学时怎么算？")
    newest = web.bot.feedback.list(flagged_only=True)[0]
    page.locator("#review-id input").fill(str(newest.id))
    page.locator("#review-mark").click()
    expect(page.locator("#review-msg")).to_contain_text("已标记为已审阅")
    assert web.bot.feedback.get(newest.id).reviewed_by == TRAINER[0]
    page.screenshot(path=str(ARTIFACTS / "trainer-review.png"), full_page=True)


def test_officer_cannot_reach_the_trainer_part(page, web):
    sign_in(page)
    expect(page.locator("#whoami")).to_contain_text("王执法")
    expect(page.get_by_role("tab", name="问答")).to_be_visible()
    expect(page.get_by_role("tab", name="评测")).to_have_count(0)

    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(web.url, verbose=False, analytics_enabled=False)
    client.predict(OFFICER[0], OFFICER[4], api_name="/login")
    with pytest.raises(AppError, match="只有培训管理员"):
        client.predict(api_name="/review_list")
    with pytest.raises(AppError, match="只有培训管理员"):
        client.predict(1, "", api_name="/review_mark")
    # Without signing in at all, the endpoint asks for a sign-in.
    with pytest.raises(AppError, match="请重新登录"):
        Client(web.url, verbose=False, analytics_enabled=False).predict(api_name="/review_list")

    # The same through plain HTTP POSTs, as the officer, in one Gradio session.
    import httpx

    base = web.url.rstrip("/") + "/gradio_api/call"
    with httpx.Client(timeout=30) as http:
        def call(name, data):
            event = http.post(f"{base}/{name}", json={"data": data, "session_hash": "officer-probe"})
            event.raise_for_status()
            return http.get(f"{base}/{name}/{event.json()['event_id']}").text

        assert "event: complete" in call("login", [OFFICER[0], OFFICER[4]])
        refused = call("review_list", [])
        assert "event: error" in refused and "WEB-OFFICER" not in refused

    trainer = Client(web.url, verbose=False, analytics_enabled=False)
    trainer.predict(TRAINER[0], TRAINER[4], api_name="/login")
    assert trainer.predict(api_name="/review_list")["headers"][0] == "编号"


def test_wrong_password_is_refused_with_a_message(page):
    sign_in(page, password="wrong-password")
    expect(page.locator("#login-msg")).to_contain_text("账号或密码错误")
    expect(page.locator("#app-box")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "login-refused.png"))


def test_bad_input_is_handled_in_chinese(page):
    sign_in(page)
    expect(page.locator("#whoami")).to_contain_text("王执法")

    page.locator("#send").click()  # empty
    expect(page.get_by_text("请先输入问题").first).to_be_visible()
    expect(page.locator("#chatbot .user")).to_have_count(0)

    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    ask(page, attack)
    expect(page.locator("#chatbot .user").last).to_contain_text(attack)
    expect(answers(page)).to_have_count(1)
    expect(page.locator("#send")).to_be_enabled()
    assert page.locator("#chatbot img[src=x]").count() == 0

    ask(page, "行政执法人员培训" * 80)  # 640 characters
    expect(answers(page)).to_have_count(2)
    expect(answers(page).last).to_contain_text("问题过长")
    expect(page.locator("#send")).to_be_enabled()

    page.locator("#question textarea").fill(QUESTION)
    page.locator("#send").dblclick()
    expect(answers(page)).to_have_count(3)
    expect(page.locator("#send")).to_be_enabled()
    page.wait_for_timeout(500)
    expect(answers(page)).to_have_count(3)
    expect(page.locator("#chatbot .user")).to_have_count(3)
    page.screenshot(path=str(ARTIFACTS / "bad-input.png"), full_page=True)

    page.locator("#clear").click()
    expect(page.locator("#chatbot .message")).to_have_count(0)


def test_expired_session_asks_to_sign_in_again(page, web):
    from sqlalchemy import update

    from bot.db import sessions, utcnow

    sign_in(page)
    expect(page.locator("#whoami")).to_contain_text("王执法")
    with web.bot.db.write() as conn:
        conn.execute(update(sessions).where(sessions.c.user_id == OFFICER[0])
                     .values(expires_at=utcnow() - timedelta(minutes=1)))
    ask(page, QUESTION)
    signed_out(page)
    expect(page.locator("#login-msg")).to_contain_text("登录已过期，请重新登录")
    page.screenshot(path=str(ARTIFACTS / "session-expired.png"))
