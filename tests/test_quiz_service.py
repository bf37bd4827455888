"""Practice rounds, tests, 学时 recording, the 错题本 and who may see what — real SQLite, a moved clock."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from bot.errors import NotAllowed, QuizNotOpen, RoundClosed, TimeUp, UnknownRound
from bot.quiz.question import FALSE, TRUE
from bot.quiz.scope import Scope


def wrong(q: dict) -> str:
    if q["type"] == "true_false":
        return "不知道"
    return "完全错误的答案"


def right(quiz_bot, view, position) -> str:
    from sqlalchemy import select

    from bot.db import quiz_rounds
    from bot.quiz.service import _questions

    with quiz_bot.db.read() as conn:
        row = conn.execute(select(quiz_rounds).where(quiz_rounds.c.id == view.id)).one()
    return _questions(row)[position].answer


def test_practice_round_gives_feedback_and_records_the_time_answering(quiz_bot, people, clock, ledger):
    quiz, officer = quiz_bot.quiz, people["officer"]
    view = quiz.start_practice(officer, scope=Scope("part", ("二（一）",)), n=4, seed=11)
    assert view.mode == "practice" and len(view.questions) == 4
    assert view.scope_label == "二（一）全面提升行政执法人员能力素质"
    assert all("answer" not in q for q in view.questions)
    clock.advance(seconds=40)
    fb = quiz.answer(officer, view.id, 0, right(quiz_bot, view, 0))
    assert fb.correct and "依据二（一）" in fb.explanation and fb.answer
    clock.advance(seconds=50)
    fb = quiz.answer(officer, view.id, 1, wrong(view.questions[1]))
    assert fb.correct is False and fb.answer and fb.explanation
    clock.advance(minutes=20)  # went away: this gap is over the idle limit and not counted
    quiz.answer(officer, view.id, 2, right(quiz_bot, view, 2))
    clock.advance(seconds=30)
    quiz.answer(officer, view.id, 3, right(quiz_bot, view, 3))
    clock.advance(minutes=3)  # time after the last answer is not answering time
    result = quiz.submit(officer, view.id)
    assert (result.score, result.total, result.answered, result.seconds) == (3, 4, 4, 120)
    assert ledger.entries == [
        {
            "officer_id": "GZ001",
            "day": date(2024, 5, 6),
            "content": "练习：二（一）全面提升行政执法人员能力素质，4题",
            "form": "测验",
            "source": "practice",
            "seconds": 120,
            "entered_by": None,
        }
    ]
    assert result.ledger_entry_id == 1
    with pytest.raises(RoundClosed):
        quiz.answer(officer, view.id, 0, "x")
    with pytest.raises(RoundClosed):
        quiz.submit(officer, view.id)
    assert quiz.record_hours() == 0  # recorded once only


def test_an_abandoned_round_counts_only_the_answers_submitted(quiz_bot, people, clock, ledger):
    quiz, officer = quiz_bot.quiz, people["officer"]
    view = quiz.start_practice(officer, n=10, seed=3)
    clock.advance(seconds=30)
    quiz.answer(officer, view.id, 0, "x")
    clock.advance(seconds=45)
    quiz.answer(officer, view.id, 1, "x")
    clock.advance(hours=13)
    assert quiz.abandon_stale() == 1
    r = quiz.round(officer, view.id)
    assert r.status == "abandoned" and r.result.answered == 2 and r.result.seconds == 75
    assert ledger.entries[0]["content"] == "练习：全部条款，2题" and ledger.entries[0]["seconds"] == 75


def test_an_officer_sees_only_their_own_rounds_and_notebook(quiz_bot, people):
    quiz = quiz_bot.quiz
    view = quiz.start_practice(people["officer"], n=2, seed=1)
    with pytest.raises(UnknownRound):
        quiz.round(people["officer2"], view.id)
    with pytest.raises(UnknownRound):
        quiz.answer(people["officer2"], view.id, 0, "x")
    with pytest.raises(NotAllowed):
        quiz.notebook(people["officer2"], officer_id="GZ001")
    with pytest.raises(NotAllowed):
        quiz.rounds(people["other_trainer"], officer_id="GZ001")
    assert quiz.round(people["trainer"], view.id).id == view.id  # their unit's trainer may look
    assert quiz.round(people["admin"], view.id).id == view.id
    assert [r["id"] for r in quiz.rounds(people["trainer"], officer_id="GZ001")] == [view.id]


def test_missed_questions_go_in_the_notebook_and_come_back_when_due(quiz_bot, people, clock):
    quiz, officer = quiz_bot.quiz, people["officer"]
    view = quiz.start_practice(officer, n=2, seed=5)
    quiz.answer(officer, view.id, 0, wrong(view.questions[0]))
    quiz.answer(officer, view.id, 1, right(quiz_bot, view, 1))
    quiz.submit(officer, view.id)
    book = quiz.notebook(officer)
    assert [e.question.stem for e in book] == [view.questions[0]["stem"]]
    missed_due = book[0].due
    from sqlalchemy import select

    from bot.db import quiz_cards

    with quiz_bot.db.read() as conn:
        dues = {r.question_key: r.due for r in conn.execute(select(quiz_cards))}
    assert len(dues) == 2
    assert missed_due == min(dues.values()) < max(dues.values())  # missed: due sooner
    assert missed_due - clock() <= timedelta(minutes=10)
    # Not due yet: a new round is all new questions.
    soon = quiz.start_practice(officer, n=4, seed=6)
    assert view.questions[0]["stem"] not in [q["stem"] for q in soon.questions]
    quiz.abandon(officer, soon.id)
    clock.advance(hours=1)
    later = quiz.start_practice(officer, n=4, seed=7)
    assert later.questions[0]["stem"] == view.questions[0]["stem"]
    # Right twice in a row: out of the 错题本.
    quiz.answer(officer, later.id, 0, right(quiz_bot, later, 0))
    quiz.submit(officer, later.id)
    clock.advance(days=3)
    again = quiz.start_practice(officer, n=4, seed=8)
    assert again.questions[0]["stem"] == view.questions[0]["stem"]
    quiz.answer(officer, again.id, 0, right(quiz_bot, again, 0))
    assert quiz.notebook(officer) == []
    assert len(quiz.notebook(officer, include_cleared=True)) == 1


def test_fsrs_with_an_injected_clock_missed_is_due_sooner(clock):
    from bot.quiz.schedule import Reviewer

    r = Reviewer()
    _, missed = r.review(None, False, clock(), "a")
    _, known = r.review(None, True, clock(), "b")
    card, _ = r.review(None, False, clock(), "c")
    _, relearned = r.review(card, True, clock.advance(minutes=1), "c")
    assert clock() - timedelta(minutes=1) < missed < relearned < known


def publish(quiz_bot, people, clock, **kw):
    settings = dict(
        title="五月执法知识测验",
        scope=Scope("part", ("二",)),
        n=5,
        opens_at=clock(),
        closes_at=clock() + timedelta(days=2),
        time_limit_minutes=10,
        pass_mark=60,
        seed=4,
    )
    settings.update(kw)
    return quiz_bot.quiz.publish_test(people["trainer"], **settings)


def test_a_trainer_publishes_a_test_officers_take_it_once_and_results_are_exported(quiz_bot, people, clock, ledger):
    from openpyxl import load_workbook

    quiz = quiz_bot.quiz
    test_id = publish(quiz_bot, people, clock)
    assert [t["id"] for t in quiz.tests(people["officer"])] == [test_id]
    assert quiz.tests(people["other_officer"]) == []
    with pytest.raises(NotAllowed):
        quiz.start_test(people["other_officer"], test_id)
    view = quiz.start_test(people["officer"], test_id)
    assert view.mode == "test" and view.time_limit_s == 600 and len(view.questions) == 5
    same = quiz.start_test(people["officer2"], test_id)
    assert [q["stem"] for q in same.questions] == [q["stem"] for q in view.questions]
    for i in range(5):
        clock.advance(seconds=20)
        fb = quiz.answer(people["officer"], view.id, i, right(quiz_bot, view, i) if i < 3 else wrong(view.questions[i]))
        assert fb.correct is None and fb.answer == ""  # no feedback during a test
    assert "correct" not in quiz.round(people["officer"], view.id).answered[0]
    result = quiz.submit(people["officer"], view.id)
    assert (result.score, result.total, result.passed, result.seconds) == (3, 5, True, 100)
    assert all(item["explanation"] for item in result.items)
    assert ledger.entries[-1]["source"] == "test" and ledger.entries[-1]["content"] == "测验：五月执法知识测验，5题"
    with pytest.raises(QuizNotOpen, match="只能参加一次"):
        quiz.start_test(people["officer"], test_id)
    rows = {r["officer_id"]: r for r in quiz.test_results(people["trainer"], test_id)}
    assert rows["GZ001"]["score"] == 3 and rows["GZ001"]["status"] == "已交卷"
    assert rows["GZ002"]["status"] == "作答中"
    with pytest.raises(NotAllowed):
        quiz.test_results(people["other_trainer"], test_id)
    with pytest.raises(NotAllowed):
        quiz.test_results(people["officer"], test_id)
    sheet = load_workbook(io.BytesIO(quiz.export_results(people["trainer"], test_id)))["成绩"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0][:8] == ["执法证号", "姓名", "单位", "状态", "得分", "满分", "正确率", "是否及格"]
    assert values[1][:8] == ["GZ001", "张三", "广州市司法局", "已交卷", 3, 5, "60%", "及格"]
    assert quiz.export_results(people["admin"], test_id)


def test_test_window_time_limit_and_publishing_rights(quiz_bot, people, clock):
    quiz = quiz_bot.quiz
    later = publish(
        quiz_bot, people, clock, opens_at=clock() + timedelta(days=1), closes_at=clock() + timedelta(days=2)
    )
    with pytest.raises(QuizNotOpen, match="开放时间"):
        quiz.start_test(people["officer"], later)
    assert quiz.tests(people["officer"]) == []
    test_id = publish(quiz_bot, people, clock, pass_mark=80)
    view = quiz.start_test(people["officer"], test_id)
    clock.advance(seconds=30)
    quiz.answer(people["officer"], view.id, 0, right(quiz_bot, view, 0))
    clock.advance(minutes=11)
    with pytest.raises(TimeUp):
        quiz.answer(people["officer"], view.id, 1, "x")
    r = quiz.round(people["officer"], view.id)
    assert r.status == "submitted" and r.result.answered == 1 and r.result.passed is False
    window = dict(title="t", n=2, opens_at=clock(), closes_at=clock() + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        quiz.publish_test(people["officer"], **window)
    with pytest.raises(NotAllowed):
        quiz.publish_test(people["other_trainer"], unit="广州市司法局", **window)
    assert quiz.publish_test(
        people["admin"],
        title="全省",
        n=2,
        opens_at=clock(),
        closes_at=clock() + timedelta(hours=1),
        unit="深圳市司法局",
    )


def test_true_false_answers_and_scope_errors(quiz_bot, people):
    from bot.errors import BadScope, QuizError

    quiz = quiz_bot.quiz
    qs = quiz.generate(30, seed=2)
    assert any(q.answer == TRUE for q in qs) and any(q.answer == FALSE for q in qs)
    with pytest.raises(BadScope):
        quiz.generate(5, scope=Scope("part", ("九（九）",)))
    with pytest.raises(QuizError):
        quiz.generate(0)
