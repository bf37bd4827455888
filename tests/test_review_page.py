"""The 评测 tab's handlers without a browser: the queue (flagged first, then a sample of recent
answers), marking, the clause picker, promoting and teaching, taught wordings, accuracy over time,
running and comparing evaluations; every handler refuses officers on the server."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from bot.conversations import answer_record
from bot.ui.auth import Auth
from bot.ui.tabs import TabContext
from bot.ui.tabs.review import AliasCallbacks, ReviewCallbacks, RunCallbacks
from bot.ui.tabs.review.view import PLOTTED, REVIEWED_CORRECT
from tests.test_eval import SMALL, write_set

QUESTION = "基层执法有没有人专门看着？"  # answered from the wrong clause (二（一）1); 二（四）11 is right
OTHER = "行政执法人员每年要参加多少学时的培训？"


@pytest.fixture
def bot(seed_bot, tmp_path):
    """The seed's index and model, a database of this test's own."""
    from bot.service import StudyBot

    bot = StudyBot(seed_bot.settings.with_(data_dir=tmp_path / "db"), embedder=seed_bot.embedder)
    bot.accounts.add_user("T1", "李教员", "广东省司法厅", "trainer", "password-t1", must_change=False)
    bot.accounts.add_user("O1", "王执法", "广州市司法局", "officer", "password-o1", must_change=False)
    yield bot
    bot.close()


def request(bot, user_id):
    user = bot.accounts.get_user(user_id)
    return SimpleNamespace(cookies={"studybot_session": bot.accounts.create_session(user)})


def ctx(bot):
    return TabContext(bot, Auth(bot), None, None)


def asked(bot, user_id, question, rating=None, correction=None):
    """A question asked in the chat and kept in a conversation, rated as given."""
    answer = bot.ask(question)
    cid = bot.conversations.start(user_id, question)
    turn = bot.conversations.add_turn(cid, user_id, question, answer_record(answer))
    if rating is not None:
        fid = bot.feedback.record(
            user_id, question, answer.answer, [c.to_json() for c in answer.citations], rating, correction, answer.mode
        )
        bot.conversations.rate(cid, user_id, turn.id, rating, fid)
        return answer, fid
    return answer, None


def test_flagged_answers_come_first_then_a_sample_of_recent_ones(bot):
    wrong, fid = asked(bot, "O1", QUESTION, rating=-1, correction="应该是司法所")
    asked(bot, "O1", OTHER)
    asked(bot, "O1", "形成专项整治台账要明确哪些内容？", rating=1)
    cb = ReviewCallbacks(ctx(bot))
    rows, queue = cb.list(request(bot, "T1"))
    assert rows[0][0] == str(fid) and rows[0][1] == "执法人员标记" and rows[0][7] == "应该是司法所"
    assert rows[0][6] == "、".join(c.label for c in wrong.citations)
    samples = [r for r in rows if r[1] == "随机抽查"]
    assert {r[5] for r in samples} == {OTHER, "形成专项整治台账要明确哪些内容？"}  # the flagged one not twice
    assert {r[4] for r in samples} == {"未评价", "👍 有帮助"} and all(r[0].startswith("抽查") for r in samples)

    key, shown, saved, message = cb.open(samples[0][0], queue, request(bot, "T1"))
    assert key == samples[0][0] and samples[0][5] in shown and saved is None and message == ""
    rows, queue, saved, message = cb.mark_correct(key, "答得对", queue, request(bot, "T1"))
    assert "已标记为已审阅：正确" in message and bot.review.get(saved).verdict == "correct"
    assert next(r for r in rows if r[0] == key)[2] == "已审阅：正确"
    _, fresh = cb.list(request(bot, "T1"))  # a reviewed sample is not drawn again
    assert samples[0][5] not in [c.question for c in fresh["items"] if c.source == "sample"]


def test_an_incorrect_answer_gets_its_clause_is_promoted_and_taught(bot):
    wrong, fid = asked(bot, "O1", QUESTION, rating=-1)
    assert wrong.citations[0].label != "二（四）11"
    cb, trainer = ReviewCallbacks(ctx(bot)), request(bot, "T1")
    _, queue = cb.list(trainer)
    assert "请先" in cb.promote(None, trainer)

    by_label, _, _ = cb.search("二(四)11", trainer)  # half-width brackets typed
    assert by_label["choices"][0][1] == bot.clause("二（四）11").clause_id
    by_text, _, _ = cb.search("司法所", trainer)
    shown, value = by_text["choices"][0]  # the one clause that says it, then the keyword index's best
    assert value == bot.clause("二（四）11").clause_id and "司法所" in shown and len(by_text["choices"]) > 1
    clause_id = bot.clause("二（四）11").clause_id
    assert "指定专人" in cb.pick(clause_id, trainer)

    _, _, saved, message = cb.mark_incorrect(str(fid), "", clause_id, "不存在的要点", queue, trainer)
    assert "不在条款 二（四）11 的原文中" in message and saved == gr.update()
    _, _, saved, message = cb.mark_incorrect(str(fid), "", "", "司法所", queue, trainer)
    assert "请先搜索并选出正确的条款" in message
    rows, queue, saved, message = cb.mark_incorrect(
        str(fid), "应引用二（四）11", clause_id, "司法所，指定专人", queue, trainer
    )
    assert f"反馈 {fid} 已标记为已审阅：不正确" in message and "二（四）11" in message
    assert bot.feedback.get(fid).reviewed_by == "T1" and rows[0][2] == "已审阅：不正确"

    message = cb.promote(saved, trainer)
    assert "已加入评测题集 reviewed.jsonl" in message
    line = json.loads((bot.settings.data_dir / "gold" / "reviewed.jsonl").read_text(encoding="utf-8"))
    assert line["question"] == QUESTION and line["gold"] == ["二（四）11"] and line["key"] == ["司法所", "指定专人"]

    message = cb.teach(saved, trainer)
    assert "已教给助手" in message and "二（四）11" in message
    assert bot.ask(QUESTION).citations[0].label == "二（四）11"
    assert "已经教过了" in cb.teach(saved, trainer)
    assert len(bot.teaching.list()) == 1
    # A review with the right clause picked is not a refusal: the texts answer it.
    assert "已选出正确条款 二（四）11" in cb.teach_refusal(saved, trainer) and bot.teaching.refusals() == []


def test_a_correct_mark_cannot_be_taught_and_unknown_numbers_are_named(bot):
    cb, trainer = ReviewCallbacks(ctx(bot)), request(bot, "T1")
    _, queue = cb.list(trainer)
    assert "找不到" in cb.open("抽查999", queue, trainer)[3]
    assert "999" in cb.mark_correct("999", "", queue, trainer)[3]
    assert "请先在上面的表格里点选" in cb.mark_correct("", "", queue, trainer)[3]
    _, fid = asked(bot, "O1", OTHER, rating=-1)
    _, _, saved, _ = cb.mark_correct(str(fid), "", queue, trainer)
    assert "只有标记为不正确" in cb.teach(saved, trainer)
    assert "只有标记为不正确" in cb.teach_refusal(saved, trainer)
    assert "请先点“标记为不正确”" in cb.teach_refusal(None, trainer)
    assert "请输入条款编号" in cb.search("  ", trainer)[2]
    assert "没有找到" in cb.search("红烧肉", trainer)[2]


def test_taught_wordings_are_listed_with_who_and_when_and_can_be_removed(bot):
    trainer = bot.accounts.get_user("T1")
    alias = bot.teaching.teach(trainer, QUESTION, bot.clause("二（四）11"))
    cb, req = AliasCallbacks(ctx(bot)), request(bot, "T1")
    [row] = cb.list(False, req)
    assert row[:4] == [str(alias.id), QUESTION, "二（四）11", "李教员（T1）"] and row[5] == "有效"
    rows, message = cb.remove(alias.id, False, req)
    assert rows == [] and "已删除教学" in message
    [row] = cb.list(True, req)
    assert row[5].startswith("已删除（李教员（T1）")
    assert "找不到编号为" in cb.remove(alias.id, False, req)[1]
    assert "请先填写" in cb.remove(None, False, req)[1]
    assert "无效" in cb.remove("3；drop table", False, req)[1]
    # A taught refusal is listed beside the aliases, numbered R…, and removed by that number.
    refusal = bot.teaching.teach_refusal(trainer, "执法车辆要喷涂什么统一标识？", list(bot.store.documents))
    [row] = cb.list(False, req)
    assert row[:3] == [f"R{refusal.id}", "执法车辆要喷涂什么统一标识？", "（文本没有涉及：拒答）"]
    rows, message = cb.remove(f"r{refusal.id}", False, req)
    assert rows == [] and f"已删除教学 R{refusal.id}" in message
    assert "找不到编号为 R" in cb.remove(f"R{refusal.id}", False, req)[1]


def test_accuracy_over_time_and_two_runs_compared(bot, tmp_path):
    from bot.evaluation.runner import evaluate

    first = bot.evaluations.save(evaluate(bot, write_set(tmp_path / "a.jsonl", SMALL), ("fusion",)))
    harder = [dict(SMALL[0], key=["60学时", "不存在的要点"]), *SMALL[1:]]
    second = bot.evaluations.save(evaluate(bot, write_set(tmp_path / "b.jsonl", harder), ("fusion",)))
    trainer = bot.accounts.get_user("T1")
    bot.review.mark(trainer, question=OTHER, answer="……", verdict="correct")
    cb, req = RunCallbacks(ctx(bot)), request(bot, "T1")
    frame, rows = cb.overview(req)
    assert set(frame["指标"]) == {*PLOTTED.values(), REVIEWED_CORRECT}
    assert frame["比例"].between(0, 1).all() and str(frame["时间"].dtype).startswith("datetime64")
    assert [r[0] for r in rows] == [second, first] and rows[0][3] == 4
    before, after = cb.choices(req)
    assert (before["value"], after["value"]) == (first, second)
    worse, message = cb.compare(first, second, req)
    assert worse == [["t1", "事实", SMALL[0]["question"]]] and "1 道题" in message
    assert cb.compare(second, first, req)[0] == [] and "请先选出" in cb.compare(None, second, req)[1]
    worse, message = cb.compare(first, 999, req)
    assert worse == [] and "找不到编号为 999 的评测记录" in message
    assert len(bot.evaluations.runs()) == 2


def test_an_evaluation_run_from_the_page_is_saved_with_its_report(bot, tmp_path, monkeypatch):
    from bot.ui.tabs.review import runs

    monkeypatch.setattr(runs, "default_set", lambda bot: write_set(tmp_path / "small.jsonl", SMALL))
    steps = []
    report, message, frame, rows = RunCallbacks(ctx(bot)).run(request(bot, "T1"), lambda *a, **k: steps.append(a[0]))
    assert "评测 #" in message and "4 题" in message and len(rows) == 1
    assert steps[-1] == (4, 4)  # progress went question by question
    assert "回答准确率评测报告" in Path(report).read_text(encoding="utf-8")
    assert (bot.settings.data_dir / "reports").glob("eval-small-*.html").__next__().is_file()
    assert bot.evaluations.runs()[0].created_by == "T1" and not frame.empty


def test_every_handler_refuses_officers_and_the_signed_out(bot):
    c = ctx(bot)
    review, aliases, runs = ReviewCallbacks(c), AliasCallbacks(c), RunCallbacks(c)
    calls = [
        lambda r: review.list(r),
        lambda r: review.open("1", {}, r),
        lambda r: review.mark_correct("1", "", {}, r),
        lambda r: review.mark_incorrect("1", "", "", "", {}, r),
        lambda r: review.search("司法所", r),
        lambda r: review.pick("x", r),
        lambda r: review.select({}, SimpleNamespace(row_value=["1"]), r),
        lambda r: review.promote(1, r),
        lambda r: review.teach(1, r),
        lambda r: aliases.list(False, r),
        lambda r: aliases.remove(1, False, r),
        lambda r: runs.overview(r),
        lambda r: runs.choices(r),
        lambda r: runs.run(r, lambda *a, **k: None),
        lambda r: runs.compare(1, 2, r),
    ]
    officer, gone = request(bot, "O1"), SimpleNamespace(cookies={"studybot_session": "expired"})
    for call in calls:
        with pytest.raises(gr.Error, match="只有培训管理员"):
            call(officer)
        with pytest.raises(gr.Error, match="重新登录"):
            call(gone)
    assert bot.review.reviews() == [] and bot.evaluations.runs() == []
