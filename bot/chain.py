"""The answer path as one LangChain Runnable: question → understand → retrieve → extract → generate.

`build_answer_chain(...)` returns a RunnableSequence, so the CLI, the page and the API get
`invoke`, `batch`, `stream` and their async forms from LangChain, and callbacks see each step
(`understand`, the `HybridRetriever` with its four lists, `extract`, `generate`). The store is
asked for at the start of each call, so a new index generation is picked up between requests
while a request in flight finishes on the generation it started with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.runnables import Runnable, RunnableLambda

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
) -> Runnable:
    """question (str, dict or AskRequest) → Answer. `weights` are the fusion's (sentence BM25,
    sentence e5, clause BM25, clause e5); evaluation compares keyword-only and dense-only."""

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
        extractor = Extractor(state["store"], encoder, lexicon() if lexicon else None, kind_rule)
        query = state["query"]
        early = extractor.refuse_before_search(query)
        if early is not None:
            return {**state, "extractor": extractor, "docs": [], "answer": early}
        taught = aliases(state["store"]) if aliases else None
        retriever = hybrid_retriever(
            state["store"], encoder, k=state["request"].k, doc_ids=query.doc_ids, weights=weights, aliases=taught
        )
        docs = retriever.invoke(query.search, config)
        # A question taught before, asked again: its taught clause answers it.
        same = [d for d in docs if d.metadata.get("alias_score", 0) >= SAME_QUESTION]
        if same:
            docs = [same[0], *[d for d in docs if d is not same[0]]]
            extractor.taught = True
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

    return (
        RunnableLambda(prepare, name="understand")
        | RunnableLambda(retrieve, name="retrieve")
        | RunnableLambda(extract, name="extract")
        | RunnableLambda(generate, name="generate")
        | RunnableLambda(finish, name="finish")
    ).with_config(run_name="studybot_answer")
