"""The 练习 tab in a real browser (Debian Chromium, headless, as tests/test_web.py): an officer's
practice round by keyboard with one question missed, its explanation and clause opened, the
answering time measured by the server's clock and shown in the 学时 tab; a trainer publishing a
test that the officer takes against the timer, and the trainer reading the result.

The server runs in this process with a hand-moved clock: the test moves it between answers, so
the time recorded is exact and nothing sleeps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import test_web
from tests.quiz_support import Clock
from tests.test_web import ARTIFACTS, english, expect, signed_in

# test_web's browser and its checked pages (every request to 127.0.0.1, no dialog), over this
# module's own site. Importing test_web skips this module too where Chromium is absent.
browser, open_page = test_web.browser, test_web.open_page

UNIT = "东莞市司法局"
OFFICER = ("QW-OFFICER", "黄执法", UNIT, "officer", "officer-pass-1")
TRAINER = ("QW-TRAINER", "林教员", UNIT, "trainer", "trainer-pass-1")
STEP_S = 90  # server time the test lets pass before each answer


@pytest.fixture(scope="module")
def clock():
    return Clock(datetime.now(UTC).replace(microsecond=0))  # real time, so cookies are fresh


@pytest.fixture(scope="module")
def site(seed_bot, tmp_path_factory, clock):
    """The whole web app over the seed's index with a database of its own and the hand clock."""
    from bot.service import StudyBot
    from bot.web import create_app
    from bot.web.serve import BackgroundServer

    bot = StudyBot(
        seed_bot.settings.with_(data_dir=tmp_path_factory.mktemp("quizweb")), embedder=seed_bot.embedder, clock=clock
    )
    for user_id, name, unit, role, password in (OFFICER, TRAINER):
        bot.accounts.add_user(user_id, name, unit, role, password, must_change=False)
    server = BackgroundServer(create_app(bot))
    url = server.start()
    yield SimpleNamespace(url=url, bot=bot)
    server.stop()
    bot.close()


def open_round(bot):
    """The officer's round on screen, as the server keeps it (with its answers)."""
    from bot.db import quiz_rounds
    from bot.quiz.service import _questions

    with bot.db.read() as conn:
        row = conn.execute(
            select(quiz_rounds).where(quiz_rounds.c.officer_id == OFFICER[0], quiz_rounds.c.status == "open")
        ).one()
    return _questions(row)


def hours_total(page):
    """The officer's year total as the 学时 tab shows it (the number only: while the tab is
    loading, Gradio writes its own timer into the element)."""
    page.get_by_role("tab", name="学时").click()
    return page.locator("#hours-total .hours-total-line strong")


def answer_by_keys(page, q, answer: str, position: int, total: int, keys: str = "123456"):
    """Choose with 1–6 (or a–f: the option's key) or type the blank, then Enter."""
    expect(page.locator("#quiz-progress")).to_have_text(f"第 {position + 1}/{total} 题")
    if q.options:
        page.locator("body").click(position={"x": 5, "y": 5})  # no box has the focus: keys are the quiz's
        page.keyboard.press(keys[q.options.index(answer)])
        expect(page.locator("#quiz-options input[type=radio]").nth(q.options.index(answer))).to_be_checked()
    else:
        page.locator("#quiz-blank input").fill(answer)
        page.locator("#quiz-blank input").focus()
    page.keyboard.press("Enter")


def test_practice_by_keyboard_a_missed_question_with_its_clause_then_the_time_in_the_hours_tab(open_page, site, clock):
    page = open_page()
    signed_in(page, site.url, OFFICER)
    total = hours_total(page)
    expect(total).to_have_text(re.compile(r"^\d+\.\d\d$"))
    before = float(total.inner_text())

    page.get_by_role("tab", name="练习").click()
    page.locator("#quiz-scope-kind").get_by_text("部分", exact=True).click()
    page.locator("#quiz-scope-values input").click()
    page.get_by_role("option", name=re.compile(r"^二（一）")).first.click()
    page.locator("#quiz-count input[type=number]").fill("3")
    page.locator("#quiz-count input[type=number]").press("Tab")
    page.locator("#quiz-start").click()
    expect(page.locator("#quiz-panel")).to_be_visible()
    expect(page.locator("#quiz-head")).to_contain_text("二（一）")
    expect(page.locator("#quiz-timer")).to_have_count(0)  # no timer in practice
    expect(page.locator("#quiz-timeup")).to_be_hidden()  # pressed by the timer's script only

    questions = open_round(site.bot)
    assert len(questions) == 3
    for position, q in enumerate(questions):
        missed = position == 1
        given = (
            next(o for o in q.options if o != q.answer)
            if missed and q.options
            else ("完全错误的答案" if missed else q.answer)
        )
        clock.advance(seconds=STEP_S)
        answer_by_keys(page, q, given, position, 3)
        feedback = page.locator("#quiz-feedback")
        expect(feedback).to_contain_text("回答错误" if missed else "回答正确")
        if missed:
            expect(feedback).to_contain_text(q.explanation)
            cite = feedback.locator("details.quiz-cite")
            cite.locator("summary").click()
            expect(cite.locator(".cited .clause-head")).to_contain_text(q.label)
            expect(cite.locator(".cited mark.quoted")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "quiz-practice-missed.png"), full_page=True)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("Enter")  # 下一题, and after the last question 交卷
    clock.advance(minutes=3)  # time after the last answer is not answering time
    result = page.locator("#quiz-result")
    expect(result).to_contain_text("得分 2/3")
    expect(result).to_contain_text("作答用时 4 分 30 秒，已记入学时（0.10 学时）")
    expect(result.locator("details.quiz-cite")).to_have_count(3)
    assert english(page) == []
    page.screenshot(path=str(ARTIFACTS / "quiz-practice-result.png"), full_page=True)

    expect(hours_total(page)).to_have_text(f"{before + 0.10:.2f}")  # 270 s at 45 minutes a 学时


def test_trainer_publishes_a_test_the_officer_takes_it_on_the_timer_and_the_trainer_sees_the_result(
    open_page, site, clock
):
    trainer = open_page()
    signed_in(trainer, site.url, TRAINER)
    trainer.get_by_role("tab", name="练习").click()
    trainer.get_by_role("tab", name="发布测验").click()
    expect(trainer.locator("#publish-opens input")).not_to_have_value("")
    trainer.locator("#publish-title input").fill("东莞五月执法测验")
    trainer.locator("#publish-count input[type=number]").fill("2")
    trainer.locator("#publish-count input[type=number]").press("Tab")
    trainer.locator("#publish-minutes input").fill("15")
    trainer.locator("#publish-btn").click()
    expect(trainer.locator("#publish-msg")).to_contain_text("已发布测验“东莞五月执法测验”")

    officer = open_page()
    signed_in(officer, site.url, OFFICER)
    officer.get_by_role("tab", name="练习").click()
    officer.locator("#quiz-mode").get_by_text("测验", exact=True).click()
    officer.locator("#quiz-test input").click()
    officer.get_by_role("option", name=re.compile("东莞五月执法测验")).click()
    officer.locator("#quiz-start").click()
    expect(officer.locator("#quiz-timer")).to_have_attribute("data-remaining", "900")
    expect(officer.locator("#quiz-timer")).to_contain_text(re.compile(r"剩余 1[45]:\d\d"))
    questions = open_round(site.bot)
    for position, q in enumerate(questions):
        clock.advance(seconds=STEP_S)
        answer_by_keys(officer, q, q.answer, position, 2, keys="abcdef")
        if position == 0:  # no verdict in a test: straight on to the next question
            expect(officer.locator("#quiz-progress")).to_have_text("第 2/2 题")
    expect(officer.locator("#quiz-feedback")).to_contain_text("交卷后公布对错")
    officer.locator("#quiz-finish").click()
    expect(officer.locator("#quiz-result")).to_contain_text("得分 2/2（100%）及格")

    trainer.get_by_role("tab", name="测验成绩").click()
    expect(trainer.locator("#results-summary")).to_contain_text("已参加 1 人，及格 1 人")
    row = trainer.locator("#results-table tr", has_text=OFFICER[0])
    expect(row).to_contain_text("已交卷")
    expect(row).to_contain_text("2/2")
    assert english(trainer) == []
    trainer.screenshot(path=str(ARTIFACTS / "quiz-test-results.png"), full_page=True)
