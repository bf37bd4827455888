"""The answer path as one LangChain Runnable: question → understand → retrieve → extract → generate.

`build_answer_chain(...)` returns a RunnableSequence, so the CLI, the page and the API get
`invoke`, `batch`, `stream` and their async forms from LangChain, and callbacks see each step
(`understand`, the `HybridRetriever` with its four lists, `extract`, `generate`). The store is
asked for at the start of each call, so a new index generation is picked up between requests
while a request in flight finishes on the generation it started with.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda, RunnableSequence
from langchain_core.runnables.config import ensure_config, get_callback_manager_for_config

from .answer import TOP_K, Answer, Extractor
from .errors import BadQuestion, UnknownDocument
from .query import understand
from .retrieve import WEIGHTS, QueryEncoder, hybrid_retriever
from .teaching import SAME_QUESTION

MAX_TOP_K = 50


@dataclass(frozen=True)
class AskRequest:
    """What the chain takes (a plain string is a question on its own)."""

    question: str
    previous: str | None = None  # the earlier question, for a follow-up
    doc_id: str | None = None  # search this document only
    k: int = TOP_K

    @classmethod
    def of(cls, value) -> AskRequest:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict):
            known = {k: value[k] for k in ("question", "previous", "doc_id", "k") if k in value}
            return cls(**known)
        raise BadQuestion(f"无法识别的提问内容（{type(value).__name__}），请传入问题文字")


def build_answer_chain(
    open_store: Callable[[], object],
    encoder: QueryEncoder,
    chat_model=None,
    timeout: float = 20.0,
    weights: tuple[float, ...] = WEIGHTS,
    lexicon: Callable[[], object] | None = None,
    kind_rule: bool = False,
    aliases: Callable[[object], object] | None = None,
    whole_sentences: bool = True,
    known: Callable[[object, object], object] | None = None,
    adapter: Callable[[object], object] | None = None,
    refusal_model: Callable[[], object] | None = None,
) -> Runnable:
    """question (str, dict or AskRequest) → Answer. `weights` are the fusion's (sentence BM25,
    sentence e5, clause BM25, clause e5); evaluation compares keyword-only and dense-only.
    `adapter(store)` gives bot/adapter.py's QueryAdapter (or None): it may move one clause first.
    `refusal_model()` gives a bot/trust.py TrustModel in place of the shipped one (evaluation answers
    the development set with models fitted without each question's fold)."""

    def prepare(value) -> dict:
        request = AskRequest.of(value)
        started = time.perf_counter()
        if isinstance(request.k, bool) or not isinstance(request.k, int) or not 1 <= request.k <= MAX_TOP_K:
            raise BadQuestion(f"--top-k 应在 1 到 {MAX_TOP_K} 之间，而不是 {request.k}")
        store = open_store()
        if request.doc_id is not None and request.doc_id not in store.documents:
            raise UnknownDocument(request.doc_id)
        query = understand(request.question, store.documents, previous=request.previous, doc_id=request.doc_id)
        return {"request": request, "store": store, "query": query, "started": started}

    def retrieve(state: dict, config) -> dict:
        extractor = Extractor(state["store"], encoder, lexicon() if lexicon else None, kind_rule, whole_sentences)
        if refusal_model is not None:
            extractor.refusal_model = refusal_model()
        query = state["query"]
        early = extractor.refuse_before_search(query)
        if early is not None:
            return {**state, "extractor": extractor, "docs": [], "answer": early}
        taught = aliases(state["store"]) if aliases else None
        if known is not None and lexicon is not None:
            extractor.known = known(state["store"], taught)  # bot/known.py: the refusal model's memory
        retriever = hybrid_retriever(
            state["store"], encoder, k=state["request"].k, doc_ids=query.doc_ids, weights=weights, aliases=taught
        )
        docs = retriever.invoke(query.search, config)
        # A question taught before, asked again: its taught clause answers it.
        same = [d for d in docs if d.metadata.get("alias_score", 0) >= SAME_QUESTION]
        if same:
            docs = [same[0], *[d for d in docs if d is not same[0]]]
            extractor.taught = True
        found = adapter(state["store"]) if adapter is not None else None
        if found is not None and not extractor.taught:  # bot/adapter.py: its clear favourite goes first
            docs = found.promote(state["store"], docs, encoder(query.search))
            extractor.adapter = found  # … and it has a say in which sentence answers
        if extractor.known is not None and not extractor.taught:
            # bot/known.py: the clause the nearest judged questions agree on, when the search found
            # it (or, when they are very near, even when it did not).
            docs = extractor.known.promote(docs, query.search, encoder(query.search), state["store"], query.doc_ids)
        return {**state, "extractor": extractor, "docs": docs}

    def extract(state: dict) -> dict:
        if "answer" in state:
            return state
        return {**state, "answer": state["extractor"].answer(state["query"], state["docs"])}

    def generate(state: dict, config) -> dict:
        if chat_model is None:
            return state
        from .generate import generative_answer

        answer = generative_answer(state["extractor"], state["answer"], chat_model, timeout, config)
        return {**state, "answer": answer}

    def finish(state: dict) -> Answer:
        answer: Answer = state["answer"]
        answer.elapsed_ms = (time.perf_counter() - state["started"]) * 1000
        answer.generation = state["store"].name
        return answer

    return AnswerChain(
        [
            ("understand", prepare),
            ("retrieve", retrieve),
            ("extract", extract),
            ("generate", generate),
            ("finish", finish),
        ]
    )


def _listened(config: RunnableConfig | None) -> bool:
    """Whether any callback handler (given, or set up by the environment, e.g. a tracer) listens."""
    manager = get_callback_manager_for_config(ensure_config(config))
    return bool(manager.handlers or manager.inheritable_handlers)


class AnswerChain(Runnable[Any, Answer]):
    """The answer steps as LangChain's RunnableSequence (`sequence`: callbacks and tracers see each
    step), with one shortcut: when nothing listens, `invoke` calls the same step functions in
    order. The sequence's per-step callback set-up and signature inspection were 2.4 ms of the
    7.5 ms of Python in an answer (measured with cProfile); the answer is the same either way
    (tests/test_chain.py). Streaming and async go through the sequence."""

    name = "studybot_answer"

    def __init__(self, steps: list[tuple[str, Callable]]):
        self.steps = [(name, fn, "config" in inspect.signature(fn).parameters) for name, fn in steps]
        self.sequence = RunnableSequence(*(RunnableLambda(fn, name=name) for name, fn, _ in self.steps)).with_config(
            run_name=self.name
        )

    def invoke(self, input, config: RunnableConfig | None = None, **kwargs) -> Answer:
        if kwargs or _listened(config):
            return self.sequence.invoke(input, config, **kwargs)
        config = ensure_config(config)
        value = input
        for _, fn, takes_config in self.steps:
            value = fn(value, config) if takes_config else fn(value)
        return value

    async def ainvoke(self, input, config: RunnableConfig | None = None, **kwargs) -> Answer:
        return await self.sequence.ainvoke(input, config, **kwargs)

    def stream(self, input, config: RunnableConfig | None = None, **kwargs) -> Iterator[Answer]:
        return self.sequence.stream(input, config, **kwargs)

    def astream(self, input, config: RunnableConfig | None = None, **kwargs) -> AsyncIterator[Answer]:
        return self.sequence.astream(input, config, **kwargs)
