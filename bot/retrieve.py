"""Retrieval: four LangChain retrievers over the index and their weighted reciprocal-rank fusion.

Each retriever returns one Document per clause (`metadata["clause_id"]`, `["clause_index"]` and
its own score), so a sentence hit is credited to the clause that holds it. Every retriever
honours `k` at construction and per call (`retriever.invoke(q, k=3)`), and `doc_ids` (search
only some documents) the same way; tests/test_langchain_standard.py runs LangChain's own
standard suites over all five.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_classic.retrievers import EnsembleRetriever
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

# Chosen on the development set (see eval/tune_retrieval.py). Weights of: sentence BM25,
# sentence e5, clause BM25, clause e5, sentence bigram BM25, clause bigram BM25.
WEIGHTS = (0.4, 0.3, 0.3, 0.0, 0.0, 0.2)
RRF_C = 10
LIST_DEPTH = 20  # clauses each list contributes to the fusion, whatever k the caller wants
SENTENCE_DEPTH = 60  # sentences taken from each list before crediting clauses


class QueryEncoder:
    """Query vectors, cached: a question is embedded once for retrieval and answer extraction."""

    def __init__(self, embedder):
        self.embedder = embedder
        self._cached = lru_cache(maxsize=1024)(self._encode)

    def _encode(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    def __call__(self, text: str) -> np.ndarray:
        return self._cached(text)

    def clear(self) -> None:
        """Forget cached vectors (benchmarks measure each question's own encoding)."""
        self._cached.cache_clear()


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest positive scores, best first (stable on ties)."""
    n = min(n, int((scores > 0).sum()))
    if n <= 0:
        return np.zeros(0, dtype=int)
    top = np.argpartition(-scores, n - 1)[:n]
    return top[np.argsort(-scores[top], kind="stable")]


def move_first(docs: list, clause_index: int, depth: int, **mark) -> list:
    """`docs` with the clause `clause_index` first, when it is among the first `depth` (else
    unchanged); a clause moved up gets `mark` in its metadata (who moved it, and why)."""
    for n, d in enumerate(docs[:depth]):
        if d.metadata["clause_index"] == clause_index:
            if n == 0:
                return docs
            d.metadata.update(mark)
            return [d, *docs[:n], *docs[n + 1 :]]
    return docs


def clause_doc(store, ci: int, **scores) -> Document:
    """One clause as a retrieved Document: its text, id, index and label, and what found it."""
    clause = store.clauses[ci]
    return Document(
        page_content=clause.text,
        metadata={"clause_id": clause.clause_id, "clause_index": ci, "label": clause.label, **scores},
    )


def _clause_docs(store, ranked: list[tuple[int, float]], k: int, source: str) -> list[Document]:
    """Sentence hits (row, score) → one Document per clause, in the order of its best sentence."""
    best: dict[int, tuple[float, int]] = {}
    hits: dict[int, list[int]] = defaultdict(list)
    order: list[int] = []
    for row, score in ranked:
        ci, si = store.sentence_rows[row]
        hits[ci].append(si)
        if ci not in best:
            best[ci] = (score, si)
            order.append(ci)
    return [
        clause_doc(
            store,
            ci,
            **{f"{source}_score": float(best[ci][0]), f"{source}_sentence": best[ci][1], f"{source}_hits": hits[ci]},
        )
        for ci in order[:k]
    ]


def _ranked_clause_docs(store, scores: np.ndarray, k: int, source: str) -> list[Document]:
    return [clause_doc(store, int(ci), **{f"{source}_score": float(scores[ci])}) for ci in _top(scores, k)]


class ClauseRetriever(BaseRetriever):
    """Common fields: the index store, how many clauses (`k`), and an optional document scope."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Any
    k: int = Field(default=10, ge=1)
    doc_ids: tuple[str, ...] | None = None

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        doc_ids: tuple[str, ...] | None = None,
    ) -> list[Document]:
        return self._search(query, int(k or self.k), tuple(doc_ids) if doc_ids else self.doc_ids)

    def _search(self, query: str, k: int, doc_ids: tuple[str, ...] | None) -> list[Document]:
        raise NotImplementedError

    def _row_mask(self, doc_ids) -> np.ndarray | None:
        if not doc_ids:
            return None
        allowed = set(doc_ids)
        return np.array([self.store.clauses[ci].doc_id in allowed for ci, _ in self.store.sentence_rows])


class KeywordSentenceRetriever(ClauseRetriever):
    """jieba + BM25 over sentences; a clause ranks by its best sentence."""

    depth: int = SENTENCE_DEPTH
    index_name: str = "bm25_sentences"

    def _search(self, query, k, doc_ids):
        scores = getattr(self.store, self.index_name).scores(query)
        mask = self._row_mask(doc_ids)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = _top(scores, max(self.depth, k))
        return _clause_docs(self.store, [(int(r), float(scores[r])) for r in top], k, "bm25")


class DenseSentenceRetriever(ClauseRetriever):
    """e5 vectors of sentences in Chroma; a clause ranks by its best sentence."""

    encoder: Any
    depth: int = SENTENCE_DEPTH

    def _search(self, query, k, doc_ids):
        vector = self.encoder(query)
        store = self.store
        depth = max(self.depth, k)
        if store.exact_scan:  # e5's cosines are positive: _top keeps all but the masked-out rows
            scores = store.similarities(query, vector)
            mask = self._row_mask(doc_ids)
            if mask is not None:
                scores = np.where(mask, scores, 0.0)
            ranked = [(int(r), float(scores[r])) for r in _top(scores, depth)]
        else:
            hits = store.vectors.query(vector, k=depth, doc_ids=list(doc_ids) if doc_ids else None)
            rows = store.sentence_row_of
            ranked = [(rows[hid], score) for hid, score in hits if hid in rows]
        return _clause_docs(store, ranked, k, "dense")


class KeywordClauseRetriever(ClauseRetriever):
    """jieba + BM25 over whole clauses (their headings, title, text and units)."""

    index_name: str = "bm25_clauses"

    def _search(self, query, k, doc_ids):
        scores = getattr(self.store, self.index_name).scores(query)
        if doc_ids:
            scores = np.where(self.store.clause_mask(doc_ids), scores, 0.0)
        return _ranked_clause_docs(self.store, scores, k, "bm25c" if self.index_name == "bm25_clauses" else "bigramc")


class BigramSentenceRetriever(KeywordSentenceRetriever):
    """BM25 over the character bigrams of sentences: partial word overlap counts."""

    index_name: str = "bigram_sentences"

    def _search(self, query, k, doc_ids):
        docs = super()._search(query, k, doc_ids)
        for d in docs:  # keep the word list's metadata names for the word list
            for key in ("score", "sentence", "hits"):
                d.metadata[f"bigram_{key}"] = d.metadata.pop(f"bm25_{key}")
        return docs


class BigramClauseRetriever(KeywordClauseRetriever):
    """BM25 over the character bigrams of whole clauses."""

    index_name: str = "bigram_clauses"


class DenseClauseRetriever(ClauseRetriever):
    """e5 over whole clauses, each the normalised mean of its sentence vectors (no extra embedding)."""

    encoder: Any

    def _search(self, query, k, doc_ids):
        scores = self.store.clause_vectors @ self.encoder(query)
        scores = np.clip(scores, 1e-6, None)
        if doc_ids:
            scores = np.where(self.store.clause_mask(doc_ids), scores, 0.0)
        return _ranked_clause_docs(self.store, scores, k, "densec")


class AliasRetriever(ClauseRetriever):
    """Questions trainers taught (bot/teaching.py): a clause ranks by its most similar alias."""

    encoder: Any
    aliases: Any

    def _search(self, query, k, doc_ids):
        docs = []
        for ci, score in self.aliases.matches(self.encoder(query)):
            clause = self.store.clauses[ci]
            if doc_ids and clause.doc_id not in doc_ids:
                continue
            docs.append(clause_doc(self.store, ci, alias_score=score))
        return docs[:k]


ALIAS_WEIGHT = 0.5


class HybridRetriever(EnsembleRetriever):
    """LangChain's weighted reciprocal-rank fusion of the lists above, cut to `k` clauses.

    EnsembleRetriever's own `invoke` ignores per-call arguments; this goes back to
    BaseRetriever's, which passes `k` through to `_get_relevant_documents`. Each fused Document
    keeps every list's scores and its fused `rrf_score`.
    """

    k: int = Field(default=10, ge=1)

    def invoke(self, input: str, config=None, **kwargs) -> list[Document]:
        return BaseRetriever.invoke(self, input, config, **kwargs)

    async def ainvoke(self, input: str, config=None, **kwargs) -> list[Document]:
        return await BaseRetriever.ainvoke(self, input, config, **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return self.rank_fusion(query, run_manager)[: int(k or self.k)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return (await self.arank_fusion(query, run_manager))[: int(k or self.k)]

    def rank_fusion(self, query: str, run_manager: CallbackManagerForRetrieverRun, *, config=None) -> list[Document]:
        if run_manager.handlers or run_manager.inheritable_handlers:
            return super().rank_fusion(query, run_manager, config=config)
        # Nobody listens (no tracer, no callback handler): each list is asked directly. LangChain's
        # callback set-up for each of the lists was a third of an answer's Python time (cProfile).
        quiet = CallbackManagerForRetrieverRun.get_noop_manager()
        return self.weighted_reciprocal_rank(
            [r._get_relevant_documents(query, run_manager=quiet) for r in self.retrievers]
        )

    def weighted_reciprocal_rank(self, doc_lists: list[list[Document]]) -> list[Document]:
        fused = super().weighted_reciprocal_rank(doc_lists)
        merged: dict[str, dict] = defaultdict(dict)
        rrf: dict[str, float] = defaultdict(float)
        for docs, weight in zip(doc_lists, self.weights):
            for rank, doc in enumerate(docs, start=1):
                key = doc.metadata[self.id_key]
                merged[key].update(doc.metadata)
                rrf[key] += weight / (rank + self.c)
        return [
            Document(
                page_content=doc.page_content,
                metadata=dict(merged[doc.metadata[self.id_key]], rrf_score=rrf[doc.metadata[self.id_key]]),
            )
            for doc in fused
        ]


def hybrid_retriever(
    store,
    encoder: QueryEncoder,
    k: int = 10,
    doc_ids: tuple[str, ...] | None = None,
    weights: tuple[float, ...] = WEIGHTS,
    c: int = RRF_C,
    depth: int = SENTENCE_DEPTH,
    aliases=None,
) -> HybridRetriever:
    """The lists of WEIGHTS, fused; lists with weight 0 are skipped."""
    each = max(LIST_DEPTH, k)
    makers = (
        lambda: KeywordSentenceRetriever(store=store, k=each, depth=depth, doc_ids=doc_ids),
        lambda: DenseSentenceRetriever(store=store, encoder=encoder, k=each, depth=depth, doc_ids=doc_ids),
        lambda: KeywordClauseRetriever(store=store, k=each, doc_ids=doc_ids),
        lambda: DenseClauseRetriever(store=store, encoder=encoder, k=each, doc_ids=doc_ids),
        lambda: BigramSentenceRetriever(store=store, k=each, depth=depth, doc_ids=doc_ids),
        lambda: BigramClauseRetriever(store=store, k=each, doc_ids=doc_ids),
    )
    chosen = [(make(), w) for make, w in zip(makers, weights) if w > 0]
    if aliases is not None and len(aliases):
        chosen.append(
            (AliasRetriever(store=store, encoder=encoder, aliases=aliases, k=each, doc_ids=doc_ids), ALIAS_WEIGHT)
        )
    return HybridRetriever(
        retrievers=[r for r, _ in chosen], weights=[w for _, w in chosen], c=c, id_key="clause_id", k=k
    )
