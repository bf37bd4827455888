"""Generated questions over the whole seed: every rule, at three seeds; reproducibility; caching."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.quiz.candidates import clause_candidates
from bot.quiz.facts import classify, find_facts
from bot.quiz.generate import QuizGenerator
from bot.quiz.lookup import CorpusLookup, as_record
from bot.quiz.question import BLANK, CHOICE_BLANK, FALSE, TRUE, Question, is_correct
from bot.quiz.rules import check, check_unique, core
from bot.quiz.scope import Scope


@pytest.fixture(scope="module")
def gen(seed_bot):
    lookup = CorpusLookup(seed_bot.store.clauses)
    candidates = {c.clause_id: clause_candidates(c) for c in lookup.clauses}
    return QuizGenerator(lookup, candidates, seed_bot.store.documents)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_question_the_seed_yields_passes_every_rule(gen, seed):
    questions = gen.all_questions(seed)
    assert len(questions) > 300
    assert set(Counter(q.type for q in questions)) == {"fill_blank", "single_choice", "true_false", "which_clause"}
    assert check_unique(questions) == []
    lookup = gen.lookup
    for q in questions:
        assert check(q, lookup) == [], q
        clause = lookup.clause(q.clause_id)
        # The answer occurs in the source clause; the explanation quotes the sentence it rests on.
        assert q.quote in clause.sentences and f"“{q.quote}”" in q.explanation
        if q.type in ("fill_blank", "single_choice"):
            marker = BLANK if q.type == "fill_blank" else CHOICE_BLANK
            assert q.answer in clause.text
            assert q.stem.count(marker) == 1 and q.answer not in q.stem
            assert core(q.stem).replace(marker, q.answer).rstrip("。") in q.quote
        if q.type == "single_choice":
            assert len(set(q.options)) == len(q.options) >= 3 and q.answer in q.options
            for d in q.options:
                assert classify(d) == classify(q.answer), (d, q.answer)
                if d != q.answer:
                    assert d not in clause.text and d not in clause.units
                    # Not true by the corpus: no clause says the stem with the distractor.
                    filled = core(q.stem).replace(CHOICE_BLANK, d).rstrip("。")
                    assert not lookup.clauses_containing(filled)
        if q.type == "true_false":
            statement = core(q.stem).rstrip("。")
            if q.answer == TRUE:
                assert statement in clause.text
            else:
                assert not lookup.clauses_containing(statement)
                assert q.replacement not in clause.text and q.fact in clause.text
                assert statement.replace(q.replacement, q.fact) in clause.text
        if q.type == "which_clause":
            assert [lookup.clauses[i].clause_id for i in lookup.clauses_containing(q.fact)] == [q.clause_id]
            assert q.answer.startswith(clause.label) and q.answer in q.options


def test_same_seed_same_quiz_other_seed_other_quiz(gen):
    a, b, c = gen.generate(40, 5), gen.generate(40, 5), gen.generate(40, 6)
    assert [q.snapshot() for q in a] == [q.snapshot() for q in b]
    assert [q.key for q in a] != [q.key for q in c]


def test_forty_distinct_questions_of_every_type(gen):
    questions = gen.generate(40, 0)
    assert len(questions) == 40
    assert check_unique(questions, per_fact=True) == []
    types = Counter(q.type for q in questions)
    assert len(types) >= 3 and min(types.values()) >= 5
    # Spread over the plan: no clause gives more than a handful.
    assert max(Counter(q.clause_id for q in questions).values()) <= 4


def test_facts_officers_must_know_are_asked(gen):
    answers = {q.answer for q in gen.all_questions(1) if q.type == "fill_blank"}
    for fact in ("60学时", "45分钟", "2024年6月底前", "省司法厅", "粤执法", "一案一码", "三项制度", "扫码入企"):
        assert fact in answers, fact


def test_stems_read_as_questions_with_their_clause(gen):
    q = next(q for q in gen.all_questions(1) if q.type == "fill_blank" and q.answer == "60学时")
    assert (
        q.stem
        == "根据二（一）2「加强业务学习培训」，确保每人每年接受不少于____的公共法律知识、业务知识和行政执法技能培训（未明确具体学时的教育培训按45分钟为1个学时计算）。"
    )
    assert q.label == "二（一）2"
    deadline = next(
        q for q in gen.all_questions(1) if q.type == "fill_blank" and q.answer == "2023年底前" and "备案" in q.stem
    )
    assert deadline.stem.endswith("专项整治台账要于____报省司法厅备案。")


def test_single_choice_distractors_are_of_the_answers_kind(gen):
    by_answer = {q.answer: q for q in gen.all_questions(2) if q.type == "single_choice"}
    hours = by_answer["60学时"]
    assert all(o.endswith("学时") for o in hours.options)
    deadline = by_answer["2024年6月前"]
    assert all(classify(o) == "date:deadline" for o in deadline.options)
    body = next(q for q in by_answer.values() if q.answer == "省司法厅")
    assert all(classify(o) == "body" for o in body.options)


def test_a_distractor_true_elsewhere_in_the_corpus_is_refused(gen):
    # 二（三）7 sets 2024年6月底前 for 权责清单事项认领; asking 二（二）4's 2024年6月底前 with the
    # same words from 二（三）7 must not offer that as a wrong answer.
    from bot.quiz.rules import distractor_problems

    lookup = gen.lookup
    clause = next(c for c in lookup.clauses if c.label == "二（二）5")
    assert distractor_problems(
        "2024年6月底前", "2023年底前", clause, "全省各级行政执法部门要在", "，通过广东省政务服务事项管理系统", lookup
    )
    assert distractor_problems("2025年底前", "2023年底前", clause, "确保在", "普遍建立行政裁量权基准制度", lookup) == []
    # In the source clause itself, or not of the same kind: refused.
    assert distractor_problems("省级行政执法部门", "本级行政执法部门", clause, "由", "制定", lookup)
    assert distractor_problems("60学时", "2023年底前", clause, "确保在", "普遍建立", lookup)


def test_true_false_false_version_changes_one_fact(gen):
    falses = [q for q in gen.all_questions(3) if q.type == "true_false" and q.answer == FALSE]
    trues = [q for q in gen.all_questions(3) if q.type == "true_false" and q.answer == TRUE]
    assert len(falses) > 20 and len(trues) > 20
    for q in falses:
        assert "条款规定的是" in q.explanation and q.replacement in q.stem


def test_grading_accepts_letters_numbers_and_words():
    q = Question("single_choice", "s（　　）", ("40学时", "60学时", "80学时"), "60学时", "c", "l", "e")
    assert is_correct(q, "B") and is_correct(q, "ｂ") and is_correct(q, "60学时") and not is_correct(q, "A")
    f = Question("fill_blank", "不少于____", (), "1个学时", "c", "l", "e")
    assert is_correct(f, "1个学时") and is_correct(f, "1学时") and is_correct(f, "1") and not is_correct(f, "2")
    t = Question("true_false", "s", (TRUE, FALSE), FALSE, "c", "l", "e")
    assert is_correct(t, "错") and is_correct(t, "×") and not is_correct(t, "对") and not is_correct(t, "")


def test_facts_are_found_in_a_sentence(seed_bot):
    clause = as_record(seed_bot.store.find_clause("二（二）4"))
    facts = {(f.kind, f.text) for f in find_facts(clause.sentences[2], clause)}
    assert {("date", "2023年底前"), ("date", "2024年6月底前"), ("body", "省司法厅")} <= facts


def test_candidates_are_cached_per_clause_and_only_a_changed_clause_is_redone(seed_bot, make_settings, tmp_path):
    from bot.db import open_database
    from bot.quiz.cache import CandidateCache
    from bot.quiz.candidates import version

    db = open_database(make_settings(data_dir=tmp_path / "cachedb"))
    cache = CandidateCache(db)
    clauses = [as_record(c) for c in seed_bot.store.clauses]
    first = cache.load(clauses, "rules", version(), clause_candidates)
    assert cache.computed == len(clauses)
    again = cache.load(clauses, "rules", version(), clause_candidates)
    assert cache.computed == 0 and json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)
    changed = clauses[5].__class__(
        **{
            **clauses[5].to_dict(),
            "clause_id": "x:changed",
            "headings": (),
            "sentences": clauses[5].sentences,
            "sentence_refs": clauses[5].sentence_refs,
        }
    )
    cache.load([*clauses[:5], changed, *clauses[6:]], "rules", version(), clause_candidates)
    assert cache.computed == 1
    db.close()


def test_generate_through_the_service_with_a_scope(quiz_bot):
    quiz = quiz_bot.quiz
    questions = quiz.generate(8, seed=1, scope=Scope("part", ("二（一）",)))
    assert questions and all(q.label.startswith("二（一）") for q in questions)
    assert quiz.generate(8, seed=1, scope=Scope("part", ("二（一）",))) == questions
