"""The 练习 tab's handlers without a browser: a practice round through the engine (answers at
server time, the time into the ledger on hand-in), the verdict with its clause opened in context,
the 错题本, tests in and out of their window, and the trainers' banks, publishing and results —
the user from the session cookie on every call, bad input refused in Chinese with nothing stored."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.db import quiz_banks, quiz_questions, quiz_rounds, quiz_tests
from bot.quiz.formats.rows import COLUMNS
from bot.quiz.service import _questions
from bot.ui import downloads
from bot.ui.auth import Auth
from bot.ui.render import CHINA
from bot.ui.tabs import TabContext
from bot.ui.tabs.quiz import QuizCallbacks
from bot.ui.tabs.quiz_trainer import TrainerCallbacks

UNIT, OTHER = "广州市司法局", "深圳市司法局"
PEOPLE = (
    ("GZ101", "张三", UNIT, "officer"),
    ("GZ102", "李四", UNIT, "officer"),
    ("GZT11", "王老师", UNIT, "trainer"),
    ("SZ101", "赵五", OTHER, "officer"),
    ("SZT11", "钱老师", OTHER, "trainer"),
)
SCREEN = (
    "round_id",
    "position",
    "setup",
    "panel",
    "result_box",
    "head",
    "question",
    "options",
    "blank",
    "feedback",
    "answer_btn",
    "next_btn",
    "finish_btn",
    "submit_btn",
    "confirm_row",
    "result",
)
BANK = [
    {
        "题型": "单选题",
        "题干": "执法人员每年培训不少于（　　）。",
        "选项A": "40学时",
        "选项B": "60学时",
        "选项C": "80学时",
        "答案": "B",
        "解析": "二（一）2 规定不少于60学时。",
        "依据条款": "二（一）2",
        "标签": "培训",
    },
    {
        "题型": "判断题",
        "题干": "未取得行政执法证件的人员不得独立从事行政执法工作。",
        "答案": "对",
        "依据条款": "二（一）3",
        "标签": "培训",
    },
]


@pytest.fixture
def tab(quiz_bot):
    for person in PEOPLE:
        quiz_bot.accounts.add_user(*person, "password-123", must_change=False)
    ctx = TabContext(quiz_bot, Auth(quiz_bot), None, None)
    return SimpleNamespace(officer=QuizCallbacks(ctx), trainer=TrainerCallbacks(ctx))


def request(bot, user_id):
    return SimpleNamespace(cookies={"studybot_session": bot.accounts.create_session(bot.accounts.get_user(user_id))})


def shown(values) -> SimpleNamespace:
    return SimpleNamespace(**dict(zip(SCREEN, values, strict=True)))


def text(html: str) -> str:
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def stored(bot, round_id):
    with bot.db.read() as conn:
        return _questions(conn.execute(select(quiz_rounds).where(quiz_rounds.c.id == round_id)).one())


def count(bot, table) -> int:
    with bot.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def a_wrong_answer(q) -> str:
    return next(o for o in q.options if o != q.answer) if q.options else "完全错误的答案"


def reply(screen, answer: str):
    """(choice, blank) as the page sends them for the question on screen."""
    return (None, answer) if screen.blank["visible"] else (answer, "")


def write_csv(path, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def test_practice_round_one_missed_with_its_clause_then_the_measured_time_in_the_ledger(tab, quiz_bot, clock, ledger):
    req = request(quiz_bot, "GZ101")
    s = shown(tab.officer.start("practice", "part", ["二（一）"], 3, None, req))
    assert s.panel["visible"] and not s.setup["visible"] and "第 1/3 题" in text(s.head)
    assert "quiz-timer" not in s.head  # no timer in practice
    questions = stored(quiz_bot, s.round_id)
    for position, q in enumerate(questions):
        clock.advance(seconds=90)
        given = a_wrong_answer(q) if position == 1 else q.answer
        s = shown(tab.officer.answer(s.round_id, position, *reply(s, given), req))
        feedback = text(s.feedback)
        if position == 1:
            assert "回答错误" in feedback and q.explanation in feedback
            assert f"查看条款 {q.label}" in feedback  # the clause, to open in place
            assert 'class="cited"' in s.feedback and 'mark class="quoted"' in s.feedback
        else:
            assert "回答正确" in feedback
        if position < 2:
            assert s.next_btn["visible"] and not s.finish_btn["visible"]
            s = shown(tab.officer.next(s.round_id, position, req))
    assert s.finish_btn["visible"]
    clock.advance(minutes=3)  # after the last answer: not answering time
    s = shown(tab.officer.finish(s.round_id, req))
    result = text(s.result)
    assert s.result_box["visible"] and "得分 2/3" in result and "作答用时 4 分 30 秒，已记入学时（0.10 学时）" in result
    assert result.count("查看条款") == 3
    assert [(e["officer_id"], e["seconds"], e["source"]) for e in ledger.entries] == [("GZ101", 270, "practice")]

    notebook, button = tab.officer.notebook(req)
    assert questions[1].stem in text(notebook) and button["visible"]
    assert tab.officer.records(req)[0][4] == "2/3"


def test_the_missed_question_comes_back_in_practice_when_due(tab, quiz_bot, clock):
    req = request(quiz_bot, "GZ101")
    clause = quiz_bot.store.find_clause("二（一）2").clause_id
    s = shown(tab.officer.start("practice", "clauses", [clause], 2, None, req))
    missed = stored(quiz_bot, s.round_id)[0]
    tab.officer.answer(s.round_id, 0, *reply(s, a_wrong_answer(missed)), req)
    tab.officer.finish(s.round_id, req)
    clock.advance(days=30)
    *screen, tabs = tab.officer.practice_mistakes(request(quiz_bot, "GZ101"))  # signed in again
    assert tabs.selected == "quiz-take"
    assert stored(quiz_bot, shown(screen).round_id)[0].key == missed.key


def test_reload_finds_the_open_round_and_another_officer_cannot_touch_it(tab, quiz_bot):
    req = request(quiz_bot, "GZ101")
    started = shown(tab.officer.start("practice", "all", [], 2, None, req))
    *again, _tests = tab.officer.enter(None, 0, req)  # a reload: the page had lost its state
    assert shown(again).round_id == started.round_id and shown(again).panel["visible"]
    with pytest.warns(UserWarning, match="找不到"):
        other = shown(tab.officer.answer(started.round_id, 0, "正确", "正确", request(quiz_bot, "GZ102")))
    assert other.round_id is None and other.setup["visible"]


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("part", [], "请先在“选择部分"),
        ("clauses", ["no-such-clause"], "不在当前索引中"),
        ("tag", ["没有的标签"], "还没有可出的题目"),
    ],
)
def test_a_bad_scope_gets_a_chinese_message_and_no_round(tab, quiz_bot, kind, values, message):
    with pytest.warns(UserWarning, match=message):
        assert tab.officer.start("practice", kind, values, 5, None, request(quiz_bot, "GZ101")) == gr.skip()
    assert count(quiz_bot, quiz_rounds) == 0


def test_an_answer_is_needed_before_it_is_submitted(tab, quiz_bot):
    req = request(quiz_bot, "GZ101")
    s = shown(tab.officer.start("practice", "all", [], 2, None, req))
    with pytest.warns(UserWarning, match="请先选择一个选项"):
        assert tab.officer.answer(s.round_id, 0, None, "  ", req) == gr.skip()
    with pytest.warns(UserWarning, match="无法识别的字符"):
        assert tab.officer.answer(s.round_id, 0, "\ud800", "\ud800", req) == gr.skip()
    assert tab.officer.quiz.round(tab.officer.auth.require(req), s.round_id).answered == {}  # nothing stored


def publish(tab, bot, clock, *, title="五月测验", opens=None, closes=None, minutes=10, user="GZT11"):
    now = clock().astimezone(CHINA)
    opens = opens or now.strftime("%Y-%m-%d %H:%M")
    closes = closes or (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    return tab.trainer.publish(title, "part", ["二（一）"], 2, opens, closes, minutes, 50, UNIT, request(bot, user))


def test_trainer_publishes_a_test_officer_takes_it_with_a_timer_and_the_trainer_sees_the_result(
    tab, quiz_bot, clock, ledger
):
    message = publish(tab, quiz_bot, clock)
    assert "已发布测验“五月测验”" in message and "给 广州市司法局" in message
    req = request(quiz_bot, "GZ101")
    picker = tab.officer.mode_changed("test", req)[1]
    ((label, test_id),) = picker["choices"]
    assert "五月测验（2 题，限时 10 分钟" in label and picker["visible"]

    s = shown(tab.officer.start("test", "all", [], 10, test_id, req))
    assert 'id="quiz-timer" data-remaining="600"' in s.head
    questions = stored(quiz_bot, s.round_id)
    clock.advance(minutes=2)
    s = shown(tab.officer.answer(s.round_id, 0, *reply(s, questions[0].answer), req))
    assert "交卷后公布对错" not in text(s.feedback)  # a test moves straight on to the next question
    assert s.position == 1 and 'data-remaining="480"' in s.head
    clock.advance(minutes=1)
    s = shown(tab.officer.answer(s.round_id, 1, *reply(s, a_wrong_answer(questions[1])), req))
    assert "交卷后公布对错" in text(s.feedback) and "回答" not in text(s.feedback)
    s = shown(tab.officer.finish(s.round_id, req))
    assert "得分 1/2（50%） 及格" in text(s.result)
    assert ledger.entries[-1]["source"] == "test" and ledger.entries[-1]["seconds"] == 180

    with pytest.warns(UserWarning, match="只能参加一次"):
        assert tab.officer.start("test", "all", [], 10, test_id, req) == gr.skip()

    choice, summary, rows = tab.trainer.tests(None, request(quiz_bot, "GZT11"))
    assert choice["value"] == test_id and "已参加 1 人，及格 1 人" in text(summary)
    by_id = {r[0]: r for r in rows}
    assert by_id["GZ101"][2:5] == ["已交卷", "1/2", "及格"] and by_id["GZ102"][2] == "未参加"
    exported = Path(tab.trainer.export_results(test_id, request(quiz_bot, "GZT11")))
    assert downloads.export_root() in exported.parents and exported.name == f"测验成绩-{test_id}.xlsx"
    sheet = load_workbook(exported).active
    assert any("GZ101" in [str(v) for v in row] for row in sheet.iter_rows(values_only=True))
    with pytest.raises(gr.Error, match="本单位的培训管理员"):
        tab.trainer.export_results(test_id, request(quiz_bot, "SZT11"))


def test_a_test_outside_its_window_or_its_time_changes_nothing(tab, quiz_bot, clock):
    now = clock().astimezone(CHINA)
    later = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    assert "已发布" in publish(
        tab, quiz_bot, clock, opens=later, closes=(now + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    )
    with quiz_bot.db.read() as conn:
        test_id = conn.execute(select(quiz_tests.c.id)).scalar_one()
    req = request(quiz_bot, "GZ101")
    assert tab.officer.mode_changed("test", req)[1]["choices"] == []  # not offered before it opens
    with pytest.warns(UserWarning, match="现在不能参加"):
        assert tab.officer.start("test", "all", [], 10, test_id, req) == gr.skip()
    with pytest.warns(UserWarning, match="您的单位是 深圳市司法局，不能参加"):  # not their unit's test
        tab.officer.start("test", "all", [], 10, test_id, request(quiz_bot, "SZ101"))
    assert count(quiz_bot, quiz_rounds) == 0

    clock.advance(days=1, minutes=1)
    req = request(quiz_bot, "GZ101")  # signed in again the next day
    s = shown(tab.officer.start("test", "all", [], 10, test_id, req))
    clock.advance(minutes=11)  # past the limit and the grace: the server hands it in
    with pytest.warns(UserWarning, match="考试时间已到"):
        s = shown(tab.officer.answer(s.round_id, 0, *reply(s, "正确"), req))
    assert s.result_box["visible"] and "得分 0/2" in text(s.result)


def test_publishing_refuses_bad_input_and_other_units(tab, quiz_bot, clock):
    assert "格式不对" in publish(tab, quiz_bot, clock, opens="明天上午")
    assert "结束时间应晚于开始时间" in publish(tab, quiz_bot, clock, closes="2000-01-01 00:00")
    assert "限时（分钟） 0 无效" in publish(tab, quiz_bot, clock, minutes=0)
    with pytest.raises(gr.Error, match="没有权限"):
        publish(tab, quiz_bot, clock, user="GZ101")
    assert count(quiz_bot, quiz_tests) == 0


def test_trainer_imports_a_bank_refused_whole_when_broken_then_retires_and_exports(tab, quiz_bot, tmp_path):
    req = request(quiz_bot, "GZT11")
    broken = tmp_path / "坏的.xlsx"
    broken.write_bytes(b"this is not a workbook")
    message, *_ = tab.trainer.import_bank(str(broken), "", UNIT, req)
    assert "未导入" in message and not broken.exists()  # the upload is not kept
    unknown = write_csv(tmp_path / "条款.csv", [*BANK, {**BANK[0], "依据条款": "九（九）99"}])
    message, *_ = tab.trainer.import_bank(unknown, "", UNIT, req)
    assert "未导入" in message and "第 4 行" in message and "九（九）99" in message
    assert count(quiz_bot, quiz_banks) == 0 and count(quiz_bot, quiz_questions) == 0

    message, table, _export, pick, cleared = tab.trainer.import_bank(
        write_csv(tmp_path / "好.csv", BANK), "学时题", UNIT, req
    )
    assert "已导入 2 道题" in message and cleared is None
    assert table[0][1:5] == ["学时题", UNIT, "好.csv", 2]
    bank_id = pick["choices"][0][1]
    rows = tab.trainer.questions(bank_id, False, req)
    first = rows[0][0]
    message, rows = tab.trainer.retire(first, bank_id, True, req)
    assert "已停用" in message and rows[0][-1] == "已停用"
    assert tab.trainer.template(req).endswith("题库模板.xlsx")
    assert tab.trainer.export("csv", bank_id, False, req).endswith(".csv")

    officer = request(quiz_bot, "GZ101")
    s = shown(tab.officer.start("practice", "bank", [str(bank_id)], 5, None, officer))
    assert len(stored(quiz_bot, s.round_id)) == 1  # the retired question is no longer asked

    # Another unit's trainer: the unit the page sent is ignored, the bank is theirs alone.
    message, table, *_ = tab.trainer.import_bank(
        write_csv(tmp_path / "深圳.csv", BANK), "", UNIT, request(quiz_bot, "SZT11")
    )
    assert "已导入" in message and [row[2] for row in table] == [OTHER]
    with pytest.raises(gr.Error, match="没有权限"):
        tab.trainer.banks(officer)
    with pytest.warns(UserWarning, match="找不到编号为"):  # nor may they list its questions
        message, _ = tab.trainer.retire(first + 1, bank_id, False, request(quiz_bot, "SZT11"))
    assert "只有题库所属单位的培训管理员" in message
