"""Trainers review real answers: mark, pick the right clause and key facts, promote, teach."""

from __future__ import annotations

import json

import pytest

from bot.errors import BadReview, Forbidden

QUESTION = "基层执法有没有人专门看着？"  # answered from 二（一）1 until taught: 二（四）11


@pytest.fixture
def bot(seed_bot, tmp_path):
    from bot.service import StudyBot

    bot = StudyBot(seed_bot.settings.with_(data_dir=tmp_path / "db"), embedder=seed_bot.embedder)
    bot.accounts.add_user("T1", "李教员", "广东省司法厅", "trainer", "password-t1")
    bot.accounts.add_user("O1", "王执法", "广州市司法局", "officer", "password-o1")
    return bot


def test_flagged_answer_is_marked_promoted_and_taught(bot, capsys):
    trainer, officer = bot.accounts.get_user("T1"), bot.accounts.get_user("O1")
    answer = bot.ask(QUESTION)
    fid = bot.feedback.record(
        "O1", QUESTION, answer.answer, [c.to_json() for c in answer.citations], -1, "应该是司法所", answer.mode
    )
    with pytest.raises(Forbidden):
        bot.review.queue(officer)
    queue = bot.review.queue(trainer, seed=1)
    assert queue[0].source == "feedback" and queue[0].feedback_id == fid

    right = bot.clause("二（四）11")
    with pytest.raises(BadReview, match="不在条款"):
        bot.review.mark(
            trainer,
            question=QUESTION,
            answer=answer.answer,
            verdict="incorrect",
            feedback_id=fid,
            clause=right,
            key_facts=["不存在的要点"],
        )
    review = bot.review.mark(
        trainer,
        question=QUESTION,
        answer=answer.answer,
        verdict="incorrect",
        note="应引用二（四）11",
        feedback_id=fid,
        clause=right,
        key_facts=["司法所"],
    )
    assert bot.feedback.get(fid).reviewed and review.clause_label == "二（四）11"
    assert bot.review.queue(trainer, seed=1) == [] or bot.review.queue(trainer, seed=1)[0].feedback_id != fid

    path = bot.review.promote(trainer, review.id)
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert line["gold"] == ["二（四）11"] and line["key"] == ["司法所"] and line["question"] == QUESTION
    bot.review.promote(trainer, review.id)  # twice: still one line
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1

    alias = bot.teaching.teach(trainer, QUESTION, right)
    with pytest.raises(Forbidden):
        bot.review.link_alias(officer, review.id, alias.id)
    bot.review.link_alias(trainer, review.id, alias.id)
    assert bot.review.get(review.id).alias_id == alias.id
    assert bot.ask(QUESTION).citations[0].label == "二（四）11"
    assert bot.review.accuracy_by_day()[0][1] == 1


def test_studybot_eval_counts_the_promoted_question(bot, monkeypatch, capsys):
    from bot.cli import main
    from bot.goldset import load_gold
    from bot.testing import ROOT

    trainer = bot.accounts.get_user("T1")
    review = bot.review.mark(
        trainer,
        question=QUESTION,
        answer="",
        verdict="incorrect",
        clause=bot.clause("二（四）11"),
        key_facts=["司法所"],
    )
    bot.review.promote(trainer, review.id)
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(bot.settings.data_dir))
    assert main(["eval", "--index", str(bot.settings.index_dir), "--json", "--variants", "fusion", "--no-save"]) == 0
    data = json.loads(capsys.readouterr().out)
    reported = len(load_gold(ROOT / "eval" / "gold" / "heldout.jsonl"))
    assert data["metrics"]["n"] == reported + 1 and data["set"] == "reported-and-reviewed.jsonl"


def test_marking_an_answer_again_replaces_its_review_and_its_gold_line(bot):
    from datetime import UTC, datetime

    from bot.review import ReviewService, gold_file

    trainer = bot.accounts.get_user("T1")
    fid = bot.feedback.record("O1", QUESTION, "……", [], -1, None, "extractive")
    first = bot.review.mark(trainer, question=QUESTION, answer="……", verdict="incorrect", feedback_id=fid)
    with pytest.raises(BadReview, match="请先选出正确条款"):
        bot.review.promote(trainer, first.id)
    review = bot.review.mark(
        trainer,
        question=QUESTION,
        answer="……",
        verdict="incorrect",
        feedback_id=fid,
        clause=bot.clause("二（四）11"),
        key_facts=["司法所"],
    )
    assert review.id == first.id and len(bot.review.reviews()) == 1
    path = bot.review.promote(trainer, review.id)
    bot.review.mark(
        trainer,
        question=QUESTION,
        answer="……",
        verdict="incorrect",
        feedback_id=fid,
        clause=bot.clause("二（四）11"),
        key_facts=["司法所", "指定专人"],
    )
    [line] = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["key"] == ["司法所", "指定专人"]  # the promoted question follows the new mark
    review = bot.review.mark(trainer, question=QUESTION, answer="……", verdict="correct", feedback_id=fid)
    assert gold_file(bot.settings.data_dir).read_text(encoding="utf-8") == "" and review.promoted_to is None
    assert [r.verdict for r in bot.review.reviews()] == ["correct"]

    late = ReviewService(bot.db, bot.settings.data_dir, now=lambda: datetime(2025, 6, 15, 17, 0, tzinfo=UTC))
    late.mark(trainer, question="行政执法人员每年要参加多少学时的培训？", answer="60学时", verdict="correct")
    assert late.accuracy_by_day()[0] == ("2025-06-16", 1, 1.0)  # 01:00 on the 16th in Guangdong
