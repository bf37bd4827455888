"""Model-written questions with a scripted chat model: kept only when they pass the same rules."""

from __future__ import annotations

import json

from bot.quiz.llm import ask, parse
from bot.quiz.lookup import CorpusLookup, as_record
from tests.test_generate import ScriptedChatModel

GOOD = {
    "type": "single_choice",
    "stem": "确保每人每年接受不少于（　　）的公共法律知识、业务知识和行政执法技能培训。",
    "options": ["40学时", "60学时", "80学时", "100学时"],
    "answer": "60学时",
}
BLANK = {
    "type": "fill_blank",
    "stem": "在每份行政执法决定书后生成案件专属二维码，是“____”制度的要求。",
    "options": [],
    "answer": "一案一码",
}
NOT_IN_CLAUSE = {"type": "fill_blank", "stem": "每人每年培训不少于____。", "options": [], "answer": "72学时"}
SHOWN_IN_STEM = {"type": "fill_blank", "stem": "不少于____，即60学时。", "options": [], "answer": "60学时"}
DISTRACTOR_IN_CLAUSE = {
    "type": "single_choice",
    "stem": "按（　　）为1个学时计算。",
    "options": ["45分钟", "60学时", "30分钟"],
    "answer": "45分钟",
}
MIXED_KINDS = {
    "type": "single_choice",
    "stem": "按（　　）为1个学时计算。",
    "options": ["45分钟", "省司法厅", "30分钟"],
    "answer": "45分钟",
}
TRUE_FALSE = {"type": "true_false", "stem": "说法", "options": [], "answer": "正确"}


def test_only_questions_passing_the_rules_are_kept(seed_bot):
    lookup = CorpusLookup(seed_bot.store.clauses)
    clause = as_record(seed_bot.store.find_clause("二（一）2"))
    reply = (
        "好的：\n```json\n"
        + json.dumps(
            [GOOD, NOT_IN_CLAUSE, SHOWN_IN_STEM, DISTRACTOR_IN_CLAUSE, MIXED_KINDS, TRUE_FALSE], ensure_ascii=False
        )
        + "\n```"
    )
    model = ScriptedChatModel(script=[reply], prompts=[])
    kept = ask(model, clause, lookup, timeout=5)
    assert [q.answer for q in kept] == ["60学时"]
    q = kept[0]
    assert q.source == "llm" and q.stem.startswith("根据二（一）2「加强业务学习培训」，")
    assert "确保每人每年接受不少于60学时" in q.explanation and q.quote in clause.sentences
    assert "二（一）2" in model.prompts[0][1].content and "JSON" in model.prompts[0][0].content
    assert parse("没有 JSON") == [] and parse("[不是 JSON]") == []


def test_service_asks_once_per_clause_caches_and_uses_them(quiz_bot, people):
    from bot.quiz.scope import Scope

    quiz = quiz_bot.quiz
    quiz.chat_model = ScriptedChatModel(
        script=[json.dumps([BLANK], ensure_ascii=False), ConnectionError("down")], prompts=[]
    )
    scope = Scope(
        "clauses",
        (
            as_record(quiz_bot.store.find_clause("二（五）13")).clause_id,
            as_record(quiz_bot.store.find_clause("二（五）14")).clause_id,
        ),
    )
    assert quiz.write_llm_questions(scope) == 1
    assert len(quiz.chat_model.prompts) == 2  # the second clause's call failed: nothing kept for it
    questions = quiz.generate(40, seed=1, scope=scope)
    assert any(q.source == "llm" and q.answer == "一案一码" for q in questions)
    quiz.chat_model.script.append(json.dumps([GOOD], ensure_ascii=False))
    quiz.write_llm_questions(scope)
    assert len(quiz.chat_model.prompts) == 3  # 二（五）13 was not asked again
