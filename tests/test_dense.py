"""The dense sentence list: an exact scan of the vectors read from Chroma up to a size, Chroma's
own query beyond it; both give the same clauses in the same order with the same scores."""

import pytest

from bot.retrieve import DenseSentenceRetriever

QUESTIONS = [
    "行政执法人员每年要参加多少学时的培训？",
    "一年下来最少得学够多少个钟头的课",
    "乡镇街道的执法事项由谁来定？",
    "行政复议的申请期限是多少天？",
]


def _ranked(docs):
    return [(d.metadata["clause_id"], d.metadata["dense_sentence"], round(d.metadata["dense_score"], 4)) for d in docs]


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_exact_scan_and_chromas_query_agree(seed_bot, monkeypatch, question):
    store = seed_bot.store
    retriever = DenseSentenceRetriever(store=store, encoder=seed_bot.encoder, k=8)
    assert store.exact_scan
    scanned = retriever.invoke(question)
    monkeypatch.setattr(store, "exact_scan_rows", 0)
    assert not store.exact_scan
    queried = retriever.invoke(question)
    assert len(scanned) == 8 and _ranked(scanned) == _ranked(queried)


def test_a_document_scope_limits_the_scan(seed_bot, monkeypatch):
    store = seed_bot.store
    doc_id = store.clauses[0].doc_id
    retriever = DenseSentenceRetriever(store=store, encoder=seed_bot.encoder, k=30, doc_ids=(doc_id,))
    scanned = retriever.invoke(QUESTIONS[0])
    assert scanned and all(store.by_id[d.metadata["clause_id"]].doc_id == doc_id for d in scanned)
    missing = DenseSentenceRetriever(store=store, encoder=seed_bot.encoder, k=5, doc_ids=("没有这个文件",))
    assert missing.invoke(QUESTIONS[0]) == []
    monkeypatch.setattr(store, "exact_scan_rows", 0)
    assert _ranked(retriever.invoke(QUESTIONS[0])) == _ranked(scanned)
