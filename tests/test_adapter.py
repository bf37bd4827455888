"""The query adapter (bot/adapter.py): the shipped one, fitting, promotion and its limits, on the
seed with the real e5 and the real index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot import adapter as adapter_module
from bot.adapter import PROMOTE_DEPTH, QueryAdapter, fit, load, positives
from bot.chain import build_answer_chain
from bot.errors import ConfigError
from bot.known import search_text
from bot.retrieve import hybrid_retriever
from bot.testing import ROOT

# Not a gold question: e5 alone puts 二（六）15 (队伍 and 建设 in other words) first.
REWORDED = "执法队伍建设要朝哪些方向使劲？"


def _chain(bot, adapter, memory=True):
    """The answer chain with `adapter`; without the memory (`memory=False`), whose clause vote
    (bot/known.py) would otherwise find what this file tests the adapter for."""
    return build_answer_chain(
        lambda: bot.store,
        bot.encoder,
        lexicon=bot.lexicon,
        aliases=bot.teaching.index_for,
        known=bot.known_for if memory else None,
        adapter=lambda store: adapter,
    )


def test_the_shipped_adapter_fits_the_bundled_model_and_the_development_set(seed_bot):
    adapter = seed_bot.adapter
    assert adapter is not None and adapter.docs == {"gd-plan-2023-2025"}
    dim = seed_bot.embedder.dim
    assert adapter.matrix.shape == (dim, dim) and np.isfinite(adapter.matrix).all()
    dev = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").open(encoding="utf-8")]
    fitted = [q for q in dev if q["gold"] and not q.get("previous") and q["kind"] != "injection"]
    assert adapter.questions == len(fitted)
    # Another model (a unit's own) gets none: the matrix means nothing in its space.
    assert load("another-model", dim) is None and load(seed_bot.embedder.model_id, dim + 1) is None


def test_a_reworded_question_finds_its_clause_and_the_others_keep_theirs(seed_bot):
    with_it, without = _chain(seed_bot, seed_bot.adapter, memory=False), _chain(seed_bot, None, memory=False)
    before, after = without.invoke(REWORDED), with_it.invoke(REWORDED)
    assert before.citations[0].label == "二（六）15"
    assert after.citations[0].label == "二（一）1" and not after.refused
    assert after.retrieved[0].metadata["adapter_share"] >= adapter_module.PROMOTE
    # The memory's clause vote, without the adapter, finds it too: judged questions near it name 二（一）1.
    voted = _chain(seed_bot, None).invoke(REWORDED)
    assert voted.citations[0].label == "二（一）1" and voted.retrieved[0].metadata.get("known_vote")
    for plain, label in (("行政执法人员每年要参加多少学时的培训？", "二（一）2"), ("粤执法是什么？", "二（五）13")):
        answer = with_it.invoke(plain)
        assert answer.citations[0].label == label and "adapter_share" not in answer.retrieved[0].metadata


def test_promotion_stays_within_the_documents_it_was_fitted_on(seed_bot):
    store = seed_bot.store
    vector = seed_bot.encoder(search_text(REWORDED))
    docs = hybrid_retriever(store, seed_bot.encoder, k=20).invoke(search_text(REWORDED))
    assert len(docs) > PROMOTE_DEPTH and docs[0].metadata["label"] == "二（六）15"
    shipped = seed_bot.adapter
    assert shipped.promote(store, docs, vector)[0].metadata["label"] == "二（一）1"
    # Fitted on another document only: the seed's ranking is left as the fusion made it.
    elsewhere = QueryAdapter(shipped.matrix, shipped.model_id, frozenset({"other-province-plan"}))
    assert [d.metadata["label"] for d in elsewhere.promote(store, docs, vector)] == [d.metadata["label"] for d in docs]
    # A clause further down than PROMOTE_DEPTH is never pulled up.
    far = [d for d in docs if d.metadata["label"] != "二（一）1"][:PROMOTE_DEPTH] + [
        d for d in docs if d.metadata["label"] == "二（一）1"
    ]
    assert shipped.promote(store, far, vector)[0].metadata["label"] == far[0].metadata["label"]


def test_fitting_moves_questions_to_the_sentences_that_answer_them(seed_bot):
    store = seed_bot.store
    pairs = [
        ("一年到头最少得学够多少个钟头？", ["二（一）2"], ["60学时"]),
        ("罚款的和收钱的要分开，这规矩叫啥？", ["二（二）4"], ["罚缴分离"]),
        ("进企业查之前先扫码，叫什么做法？", ["二（四）12"], ["扫码入企"]),
    ]
    targets = [positives(store, gold, key) for _, gold, key in pairs]
    assert all(targets) and all(
        all(k in store.clauses[store.sentence_rows[r][0]].sentences[store.sentence_rows[r][1]] for k in key)
        for rows, (_, _, key) in zip(targets, pairs)
        for r in rows
    )
    vectors = seed_bot.embedder.encode_queries([search_text(q) for q, _, _ in pairs])
    matrix = fit(store.sentence_vectors, vectors, targets, steps=100)
    assert np.array_equal(matrix, fit(store.sentence_vectors, vectors, targets, steps=100))  # deterministic
    fitted = QueryAdapter(matrix, seed_bot.embedder.model_id, frozenset(store.documents))
    for v, rows in zip(vectors, targets):
        moved = store.sentence_vectors @ fitted.adapt(v)
        assert int(moved.argmax()) in rows
        assert abs(float(np.linalg.norm(fitted.adapt(v))) - 1.0) < 1e-5


def test_a_broken_adapter_file_says_how_to_mend_it(tmp_path, monkeypatch):
    (tmp_path / adapter_module.ADAPTER_FILE).write_bytes(b"not a numpy archive")
    monkeypatch.setattr(adapter_module.resources, "files", lambda package: tmp_path)
    adapter_module._read.cache_clear()
    try:
        with pytest.raises(ConfigError, match="eval/calibrate.py --write"):
            load("any", 384)
    finally:
        adapter_module._read.cache_clear()


def test_without_the_file_there_is_no_adapter_and_answers_still_come(seed_bot, tmp_path, monkeypatch):
    monkeypatch.setattr(adapter_module.resources, "files", lambda package: tmp_path)
    adapter_module._read.cache_clear()
    try:
        assert load(seed_bot.embedder.model_id, seed_bot.embedder.dim) is None
    finally:
        adapter_module._read.cache_clear()
    answer = _chain(seed_bot, None).invoke("行政执法人员每年要参加多少学时的培训？")
    assert answer.citations[0].label == "二（一）2" and "60学时" in answer.answer


def test_the_adapter_has_a_say_in_the_sentence_only_in_its_documents(seed_bot):
    store = seed_bot.store
    ci = store.index_of[seed_bot.clause("二（一）2").clause_id]
    vector = seed_bot.encoder(search_text("一年到头最少得学够多少个钟头？"))
    shares = seed_bot.adapter.sentence_shares(store, ci, vector)
    assert shares is not None and shares.shape == (len(store.clauses[ci].sentences),)
    assert abs(float(shares.sum()) - 1) < 1e-5
    assert "60学时" in store.clauses[ci].sentences[int(shares.argmax())]
    shipped = seed_bot.adapter
    elsewhere = QueryAdapter(shipped.matrix, shipped.model_id, frozenset({"other-province-plan"}))
    assert elsewhere.sentence_shares(store, ci, vector) is None
