"""The answer path is a LangChain Runnable: invoke, batch, stream, async, and callbacks per step."""

from __future__ import annotations

from langchain_core.callbacks import BaseCallbackHandler

from bot.answer import Answer
from bot.chain import AskRequest

QUESTION = "行政执法人员每年要参加多少学时的培训？"


class Recorder(BaseCallbackHandler):
    def __init__(self):
        self.chains, self.retrievers = [], []

    def on_chain_start(self, serialized, inputs, *, name=None, **kwargs):
        self.chains.append(name or kwargs.get("name"))

    def on_retriever_start(self, serialized, query, *, name=None, **kwargs):
        self.retrievers.append((name, query))


def test_invoke_batch_and_stream(seed_bot):
    chain = seed_bot.chain
    one = chain.invoke(QUESTION)
    assert isinstance(one, Answer) and one.citations[0].label == "二（一）2"
    assert one.generation == seed_bot.store.name and one.elapsed_ms > 0
    many = chain.batch(
        [QUESTION, {"question": "那县级呢？", "previous": "行政裁量权基准由哪一级制定？"}, AskRequest("培训学时", k=3)]
    )
    assert [type(a) for a in many] == [Answer] * 3
    assert many[0].answer == one.answer
    streamed = list(chain.stream(QUESTION))
    assert streamed and streamed[-1].answer == one.answer


async def test_async_forms(seed_bot):
    chain = seed_bot.chain
    answer = await chain.ainvoke(QUESTION)
    assert answer.citations[0].label == "二（一）2"
    answers = await chain.abatch([QUESTION, "全员轮训什么时候完成？"])
    assert len(answers) == 2 and all(isinstance(a, Answer) for a in answers)
    chunks = [chunk async for chunk in chain.astream(QUESTION)]
    assert chunks[-1].answer == answer.answer


def test_callbacks_see_each_step_and_the_retrievers(seed_bot):
    recorder = Recorder()
    seed_bot.chain.invoke(QUESTION, config={"callbacks": [recorder]})
    for step in ("understand", "retrieve", "extract", "generate", "finish"):
        assert step in recorder.chains
    names = [name for name, _ in recorder.retrievers]
    assert "HybridRetriever" in names and "KeywordSentenceRetriever" in names and "DenseSentenceRetriever" in names


def test_bad_requests_are_chinese_errors(seed_bot):
    import pytest

    from bot.errors import BadQuestion, UnknownDocument

    with pytest.raises(BadQuestion, match="top-k"):
        seed_bot.chain.invoke(AskRequest(QUESTION, k=0))
    with pytest.raises(UnknownDocument):
        seed_bot.chain.invoke(AskRequest(QUESTION, doc_id="nope"))
    with pytest.raises(BadQuestion, match="无法识别的字符"):
        seed_bot.chain.invoke("学时\udc80是多少")


def test_same_answer_with_and_without_a_listener(seed_bot):
    """Unwatched, the lists are asked directly (no callback set-up per list); watched, through
    LangChain's invoke. Both give the same clauses, scores and answer."""
    from bot.retrieve import hybrid_retriever

    retriever = hybrid_retriever(seed_bot.store, seed_bot.encoder, k=5)
    quiet = retriever.invoke(QUESTION)
    watched = retriever.invoke(QUESTION, config={"callbacks": [Recorder()]})
    assert [d.metadata for d in quiet] == [d.metadata for d in watched] and len(quiet) == 5
    plain = seed_bot.chain.invoke(QUESTION)
    traced = seed_bot.chain.invoke(QUESTION, config={"callbacks": [Recorder()]})
    assert (plain.answer, [c.label for c in plain.citations]) == (traced.answer, [c.label for c in traced.citations])
