"""The refusal model's memory of judged questions (bot/known.py), on the seed with the real e5."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.extract import best_sentences
from bot.keywords import tokenize
from bot.known import (
    FLOOR,
    KNOWN_FEATURES,
    MIN_KNOWN,
    KnownQuestion,
    builtin,
    known_index,
    search_text,
    sentences_holding,
    specific_kinds,
)
from bot.testing import ROOT
from bot.trust import TrustModel, trust_model

OUTSIDE = "业务培训登记卡用什么格式，由谁统一印制？"  # the plan names the card, not its format or printer
INSIDE = "行政执法人员每年要参加多少学时的培训？"
# Answerable questions of 二（一）2, enough (MIN_KNOWN) for the clause to count as known.
TRAINING = [
    KnownQuestion(q, True, "gd-plan-2023-2025", "二（一）2")
    for q in (INSIDE, "业务培训登记卡要如实记录哪些培训情况？", "执法人员一年的培训时间最少多少学时？")
]


def _index(bot, items, taught=None, cache_dir=None):
    return known_index(bot.store, bot.encoder, cache_dir, bot.embedder.model_id, taught, items=items)


def _features(bot, index, question):
    answer = bot.ask(question)
    ci = answer.retrieved[0].metadata["clause_index"]
    search = search_text(question)
    return index.features(search, bot.encoder(search), ci, bot.store.clauses[ci].doc_id, specific_kinds(question)), ci


def test_the_shipped_memory_is_the_development_set_and_every_clause_it_names_exists(seed_bot):
    known = builtin()
    dev = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    plain = {q["question"] for q in dev if q["kind"] != "injection" and not q.get("previous")}
    assert {k.question for k in known} == plain
    held = {json.loads(line)["question"] for line in (ROOT / "eval" / "gold" / "heldout.jsonl").open(encoding="utf-8")}
    assert not held & {k.question for k in known}  # the reported set is never remembered
    labels = {(c.doc_id, c.label) for c in seed_bot.store.clauses}
    assert all((k.doc_id, k.label) in labels for k in known if k.answerable)
    index = seed_bot.known_for(seed_bot.store)
    assert len(index) == len(known) and index.covered == set(range(len(seed_bot.store.clauses)))


def test_a_question_is_never_compared_with_itself(seed_bot):
    index = _index(seed_bot, [*TRAINING, KnownQuestion(OUTSIDE, False, docs=("gd-plan-2023-2025",))])
    near, _ = _features(seed_bot, index, OUTSIDE)
    # Its own line is left out: only the answerable questions of the same clause are left to compare.
    assert near["refused_near"] == FLOOR and FLOOR < near["known_near"] < 0.99
    reworded, _ = _features(seed_bot, index, "请问业务培训登记卡是用什么格式的，由谁来统一印制？")
    assert reworded["refused_near"] > 0.95 > reworded["known_near"]


def test_unanswerable_questions_count_only_against_the_documents_they_were_judged_on(seed_bot):
    judged_elsewhere = [*TRAINING, KnownQuestion(OUTSIDE, False, docs=("another-document",))]
    near, _ = _features(
        seed_bot, _index(seed_bot, judged_elsewhere), "请问业务培训登记卡是用什么格式的，由谁来统一印制？"
    )
    assert near["refused_near"] == FLOOR


def test_an_unanswerable_question_asking_another_kind_of_thing_is_kept_apart(seed_bot):
    """refused_same_kind: how many tasks the national plan set is out of scope; when they are all
    to be carried out is not, and is asked of a date, not a count."""
    asked = "《行动计划》部署的各项重点任务什么时候全面落实？"
    ci = seed_bot.ask(asked).retrieved[0].metadata["clause_index"]
    clause = seed_bot.store.clauses[ci]
    items = [
        *(
            KnownQuestion(q, True, clause.doc_id, clause.label)
            for q in ("工作目标是什么？", "分几步走？", "哪年见效？")
        ),
        KnownQuestion("国务院《行动计划》一共部署了多少项重点任务？", False, docs=(clause.doc_id,)),
    ]
    index = _index(seed_bot, items)

    def near(question):
        search = search_text(question)
        return index.features(search, seed_bot.encoder(search), ci, clause.doc_id, specific_kinds(question))

    assert specific_kinds(asked) == {"date"} and specific_kinds("一共部署了几项重点任务？") == {"count"}
    when = near(asked)
    assert when["refused_near"] > 0.9 and when["refused_same_kind"] == FLOOR
    how_many = near("《行动计划》一共部署了几项重点任务？")
    assert how_many["refused_same_kind"] == how_many["refused_near"] > 0.9


def test_a_clause_without_enough_known_questions_gets_no_features_and_the_model_without_them_decides(seed_bot):
    index = _index(seed_bot, TRAINING)
    near, ci = _features(seed_bot, index, "推进行政执法协调监督工作体系建设有什么要求？")
    assert seed_bot.store.clauses[ci].label != "二（一）2" and near is None
    few = _index(seed_bot, TRAINING[: MIN_KNOWN - 1])  # one question short of counting as known
    assert few.covered == frozenset() and _features(seed_bot, few, INSIDE)[0] is None
    model = trust_model()
    assert model.known is not None and set(model.known.features) == set(model.features) | set(KNOWN_FEATURES)
    values = dict.fromkeys(model.features, 0.5)
    assert model._for(values) is model
    assert model._for({**values, "known_near": 0.9, "refused_near": 0.8, "refused_same_kind": 0.8}) is model.known


def test_memory_decides_what_the_words_alone_cannot(seed_bot):
    """The shipped memory: a reworded out-of-scope question close to one the development set judged
    is refused; an answerable one close to known answerable questions is answered."""
    outside = seed_bot.ask("请问业务培训登记卡是用什么格式的，由谁来统一印制？")
    assert outside.refused
    inside = seed_bot.ask("执法人员一年下来培训学时起码要够多少？")
    assert not inside.refused and "60学时" in inside.answer


def test_taught_questions_join_the_memory_as_answerable(seed_bot):
    items = [KnownQuestion(OUTSIDE, False, docs=("gd-plan-2023-2025",))]
    clause = seed_bot.store.index_of[seed_bot.clause("二（一）3").clause_id]

    class Taught:  # bot/teaching.py's AliasIndex, as the chain hands it over
        questions = ["执法证的年度考核不合格会怎么样", "执法证是在哪个系统里管的", "执法证过期了还能不能上岗"]
        vectors = np.array([seed_bot.encoder(search_text(q)) for q in questions], dtype=np.float32)
        clause_index = [clause] * 3

        def __len__(self):
            return 3

    index = _index(seed_bot, items, taught=Taught())
    assert index.covered == {clause}
    near, ci = _features(seed_bot, index, "执法证年度考核要是不合格会怎么样？")
    assert ci == clause and near["known_near"] > 0.95


def test_vectors_are_kept_in_the_model_cache_and_a_torn_file_is_made_again(seed_bot, tmp_path):
    first = _index(seed_bot, TRAINING, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("known-*.npy")
    assert np.allclose(np.load(cached), first.vectors)
    cached.write_bytes(b"torn")
    again = _index(seed_bot, TRAINING, cache_dir=tmp_path)
    assert np.allclose(again.vectors, first.vectors) and np.allclose(np.load(cached), first.vectors)


def test_the_model_file_without_a_memory_part_still_loads():
    data = json.loads((ROOT / "bot" / "data" / "trust.json").read_text(encoding="utf-8"))
    data.pop("with_known")
    model = TrustModel.from_dict(data)
    assert (
        model.known is None and model._for({"known_near": 1.0, "refused_near": 0.0, "refused_same_kind": 0.0}) is model
    )


def test_a_broken_memory_file_names_its_line_and_how_to_fix_it(monkeypatch, tmp_path):
    import bot.known as known
    from bot.errors import ConfigError

    broken = tmp_path / "data"
    broken.mkdir()
    (broken / known.KNOWN_FILE).write_text(
        '{"question": "好问题", "answerable": true}\n{"question": 1\n', encoding="utf-8"
    )
    monkeypatch.setattr(known.resources, "files", lambda package: broken)
    known.builtin.cache_clear()
    try:
        with pytest.raises(ConfigError, match="第 2 行损坏.*calibrate.py --write"):
            known.builtin()
    finally:
        monkeypatch.undo()
        known.builtin.cache_clear()
    assert len(known.builtin()) > 800


def test_the_question_vector_model_is_used_only_with_the_memory_and_the_model_it_was_fitted_for(seed_bot):
    model = trust_model()
    scoped = model.scoped
    assert scoped is not None and scoped.model_id == seed_bot.embedder.model_id
    assert scoped.dims == seed_bot.embedder.dim and len(scoped.coef) == len(scoped.features) + scoped.dims
    values = dict.fromkeys(model.features, 0.5)
    vector = seed_bot.encoder("执法人员一年下来培训学时起码要够多少？")
    mid = seed_bot.embedder.model_id
    # Without the memory's features (a clause of an added text): the model without them.
    assert model._for(values, vector, mid) is model
    remembered = {**values, "known_near": 0.9, "refused_near": 0.8, "refused_same_kind": 0.8}
    assert model._for(remembered, vector, mid) is scoped
    # Another embedding model (a unit's own), or no vector: the memory model without the vector.
    assert model._for(remembered, vector, "another-model") is model.known
    assert model._for(remembered) is model.known
    assert 0.0 <= model.probability(remembered, vector, mid) <= 1.0


def test_the_vector_model_only_adds_refusals_where_the_memory_model_is_unsure():
    """The model with the question's vector decides only between the memory model's line and
    SURE_BY_MEMORY: below, the memory model has refused; above, it is sure and is not overruled;
    nor is it where the clause holds WORDS_IN_CLAUSE of the question's content words."""
    import dataclasses

    from bot.trust import SURE_BY_MEMORY, WORDS_IN_CLAUSE

    model = trust_model()
    dims = model.scoped.dims
    values = {name: 0.5 for name in model.known.features} | {"cover_words": 0.5, "cover_bigrams": 0.5}
    vector = np.zeros(dims, dtype=np.float32)
    mid = model.scoped.model_id

    def with_known(p_known: float, p_vector: float):
        # Models whose intercept alone gives these chances (all weights zero).
        def fixed(m, p):
            return dataclasses.replace(m, coef=np.zeros_like(m.coef), intercept=float(np.log(p / (1 - p))))

        return dataclasses.replace(model, known=fixed(model.known, p_known), scoped=fixed(model.scoped, p_vector))

    low = model.scoped.threshold / 2
    assert not with_known(model.known.threshold / 2, 0.99).answers(values, vector, mid)  # memory refuses
    assert not with_known((model.known.threshold + SURE_BY_MEMORY) / 2, low).answers(values, vector, mid)
    assert with_known((SURE_BY_MEMORY + 1) / 2, low).answers(values, vector, mid)  # memory sure
    in_words = values | {"cover_words": WORDS_IN_CLAUSE}  # the clause holds the question's words
    assert with_known((model.known.threshold + SURE_BY_MEMORY) / 2, low).answers(in_words, vector, mid)
    assert not with_known(model.known.threshold / 2, 0.99).answers(in_words, vector, mid)  # memory still refuses


def test_a_question_sharing_nothing_with_its_clause_is_answered_only_when_the_memory_is_sure():
    """No word and no character pair in common with the clause, and far from it in meaning: refused
    (红烧肉怎么做), unless the memory model is sure it is one of the clause's known questions in other
    words (县里能不能把尺度再拆细, of 细化量化); without the memory, always refused."""
    import dataclasses

    from bot.trust import SURE_BY_MEMORY, UNRELATED_DENSE

    model = trust_model()
    values = {name: 0.5 for name in model.known.features} | {
        "cover_words": 0.0,
        "cover_bigrams": 0.0,
        "dense_top": UNRELATED_DENSE - 0.01,
    }

    def with_known(p_known: float):
        fixed = dataclasses.replace(
            model.known, coef=np.zeros_like(model.known.coef), intercept=float(np.log(p_known / (1 - p_known)))
        )
        return dataclasses.replace(model, known=fixed, scoped=None)

    assert with_known((SURE_BY_MEMORY + 1) / 2).answers(values)
    assert not with_known((model.known.threshold + SURE_BY_MEMORY) / 2).answers(values)  # above its line, unsure
    no_memory = {k: v for k, v in values.items() if k not in KNOWN_FEATURES}
    assert not with_known((SURE_BY_MEMORY + 1) / 2).answers(no_memory)
    near = values | {"dense_top": UNRELATED_DENSE + 0.01}  # close in meaning: the model decides
    assert with_known((model.known.threshold + SURE_BY_MEMORY) / 2).answers(near)


def test_the_model_file_without_a_vector_part_still_loads():
    data = json.loads((ROOT / "bot" / "data" / "trust.json").read_text(encoding="utf-8"))
    data.pop("with_vector")
    model = TrustModel.from_dict(data)
    assert model.scoped is None and model.known is not None


def _clause(bot, label):
    return next(i for i, c in enumerate(bot.store.clauses) if c.label == label)


def _docs(bot, labels):
    from langchain_core.documents import Document

    return [Document(page_content=label, metadata={"clause_index": _clause(bot, label)}) for label in labels]


def test_the_clause_the_nearest_judged_questions_agree_on_goes_first(seed_bot):
    index = _index(seed_bot, TRAINING)
    question = search_text("行政执法人员一年要参加多少学时的培训？")
    assert index.vote(question, seed_bot.encoder(question)) == _clause(seed_bot, "二（一）2")
    found = _docs(seed_bot, ["二（二）5", "二（一）3", "二（一）2", "三（一）"])
    moved = index.promote(found, question, seed_bot.encoder(question))
    assert [d.page_content for d in moved] == ["二（一）2", "二（二）5", "二（一）3", "三（一）"]
    # Only a clause the search found near the top is moved: the vote never brings in a new one.
    far = _docs(seed_bot, ["二（二）5", "二（一）3", "三（一）", "三（二）", "三（三）", "二（一）2"])
    assert index.promote(far, question, seed_bot.encoder(question)) == far


def test_the_vote_needs_a_near_question_that_is_not_the_question_itself(seed_bot):
    index = _index(seed_bot, TRAINING[:1])
    own = search_text(INSIDE)
    assert index.vote(own, seed_bot.encoder(own)) is None  # its own row is left out: nothing else is near
    unrelated = search_text("执法车辆的保险由哪家公司承保？")
    assert _index(seed_bot, TRAINING).vote(unrelated, seed_bot.encoder(unrelated)) is None


def test_judged_questions_that_disagree_move_nothing(seed_bot):
    split = [
        KnownQuestion(INSIDE, True, "gd-plan-2023-2025", "二（一）2"),
        KnownQuestion("行政执法人员每年要参加多少个学时的培训？", True, "gd-plan-2023-2025", "二（一）3"),
    ]
    index = _index(seed_bot, split)
    question = search_text("行政执法人员每年应当参加多少学时的培训？")
    assert index.vote(question, seed_bot.encoder(question)) is None


def test_a_known_question_votes_for_the_sentences_that_hold_its_key(seed_bot):
    sentences = seed_bot.clause("二（一）2").sentences
    held = sentences_holding(sentences, ("60学时",))
    assert held is not None and held.argmax() == 2 and held.sum() == pytest.approx(1.0)
    assert sentences_holding(sentences, ()) is None  # no key: no vote
    assert sentences_holding(sentences, ("60学时", "线上线下")) is None  # no one sentence holds both
    # A sentence split at ； is quoted whole, so each of its parts holds what the whole holds.
    parts = ["原则上由省级制定；", "市县可以细化。", "另一句。"]
    assert sentences_holding(parts, ("省级", "细化")).tolist() == [0.5, 0.5, 0.0]


def test_the_nearest_known_questions_of_a_clause_pick_its_sentence(seed_bot):
    items = [
        KnownQuestion(INSIDE, True, "gd-plan-2023-2025", "二（一）2", key=("60学时",)),
        KnownQuestion("培训可以线上线下结合着搞吗？", True, "gd-plan-2023-2025", "二（一）2", key=("线上线下",)),
        KnownQuestion(
            "业务培训要建立什么样的培训机制？", True, "gd-plan-2023-2025", "二（一）2", key=("标准化制度化培训机制",)
        ),
    ]
    index = _index(seed_bot, items)
    ci = _clause(seed_bot, "二（一）2")
    question = search_text("一年下来执法人员最少得学够多少学时？")
    shares = index.sentence_shares(ci, question, seed_bot.encoder(question))
    assert shares is not None and shares.argmax() == 2 and shares.sum() == pytest.approx(1.0)
    # Another clause's known questions say nothing of this one's sentences; nor does a far question.
    assert index.sentence_shares(_clause(seed_bot, "二（一）3"), question, seed_bot.encoder(question)) is None
    far = search_text("红烧肉怎么做才好吃？")
    assert index.sentence_shares(ci, far, seed_bot.encoder(far)) is None
    # Its own row is left out (the development set is measured leave-one-out).
    own = search_text(INSIDE)
    alone = _index(seed_bot, items[:1])
    assert alone.sentence_shares(ci, own, seed_bot.encoder(own)) is None


def test_the_vote_moves_the_quoted_sentence(seed_bot):
    ci = _clause(seed_bot, "二（一）2")
    question = "这块儿有啥要求？"
    vector = seed_bot.encoder(question)
    scores = seed_bot.store.bm25_sentences.scores(["要求"])
    before = best_sentences(seed_bot.store, ci, question, vector, scores)
    votes = np.zeros(len(seed_bot.store.clauses[ci].sentences))
    votes[3] = 1.0
    after = best_sentences(seed_bot.store, ci, question, vector, scores, votes=votes)
    assert before[0][0] != 3 and after[0][0] == 3
    # A vote counts only for a sentence stating what is asked: sentence 3 names no body.
    who = "培训这事由谁来负责？"
    who_vector = seed_bot.encoder(who)
    plain = best_sentences(seed_bot.store, ci, who, who_vector, scores)
    voted = best_sentences(seed_bot.store, ci, who, who_vector, scores, votes=votes)
    assert voted == plain
    # Nor does a body named only in a document's title: 《国务院办公厅关于…》 is the issuer, not who does it.
    benchmark = _clause(seed_bot, "二（二）5")
    assert "国务院办公厅" in seed_bot.store.clauses[benchmark].sentences[1]
    who = "裁量基准谁来定啊？"
    who_vector = seed_bot.encoder(who)
    on_title = np.zeros(len(seed_bot.store.clauses[benchmark].sentences))
    on_title[1] = 1.0
    who_scores = seed_bot.store.bm25_sentences.scores(tokenize(who))
    plain = best_sentences(seed_bot.store, benchmark, who, who_vector, who_scores)
    voted = best_sentences(seed_bot.store, benchmark, who, who_vector, who_scores, votes=on_title)
    assert voted == plain  # scores and order: the title earns sentence 1 nothing


def test_a_very_near_vote_brings_in_a_clause_the_search_missed(seed_bot, monkeypatch):
    import bot.known as known_module
    from bot.known import VOTE_BRING

    items = [
        KnownQuestion(q, True, "gd-plan-2023-2025", "二（一）3")
        for q in (
            "我的执法证还没发下来，能不能先一个人去现场查案子？",
            "证还没拿到，可以自己一个人去现场检查吗？",
            "执法证没发下来之前，能单独出去办案吗？",
        )
    ]
    index = _index(seed_bot, items)
    question = search_text("我的证还没发下来，能不能先自己一个人去现场查案子？")
    vector = seed_bot.encoder(question)
    best, nearest = index._vote(question, vector)
    assert best == _clause(seed_bot, "二（一）3") and nearest >= VOTE_BRING
    found = _docs(seed_bot, ["通知", "二（三）8", "二（二）5", "二（三）9", "二（二）6"])
    brought = index.promote(found, question, vector, seed_bot.store)
    assert [d.metadata["label"] for d in brought[:1]] == ["二（一）3"] and brought[0].metadata["known_vote"]
    assert [d.page_content for d in brought[1:]] == ["通知", "二（三）8", "二（二）5", "二（三）9"]  # same length
    # Without the store (as before) or limited to another document, the list is left as found.
    assert index.promote(found, question, vector) == found
    assert index.promote(found, question, vector, seed_bot.store, frozenset({"another-doc"})) == found
    # A vote whose nearest question is less near than VOTE_BRING only reorders what the search found.
    monkeypatch.setattr(known_module, "VOTE_BRING", nearest + 0.001)
    assert index.promote(found, question, vector, seed_bot.store) == found


def test_the_shipped_memory_brings_in_the_clause_a_reworded_question_misses(seed_bot):
    # Its words find nothing of 二（一）3 (持证上岗, 不得独立从事); the development set's questions
    # about officers without their card are that clause's, and very near.
    answer = seed_bot.ask("我的证还没发下来，能不能先自己一个人去现场查案子？")
    assert not answer.refused, answer.answer
    assert answer.citations[0].label == "二（一）3" and "不得独立从事" in answer.answer
