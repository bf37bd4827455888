"""Hybrid retrieval as LangChain retrievers: jieba BM25 and e5 vectors over sentences, each
sentence's hit credited to its clause, fused with LangChain's weighted reciprocal-rank fusion.

The granularity, weights and candidate depth were chosen on eval/dev.jsonl
(`python eval/tune_retrieval.py` prints the grid); see README, "Retrieval".
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_classic.retrievers import EnsembleRetriever
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .index import IndexStore
from .keywords import tokenize

# Chosen on the development set (see eval/tune_retrieval.py).
# Weights of: sentence BM25, sentence e5, clause BM25, clause e5.
WEIGHTS = (0.4, 0.3, 0.3, 0.0)
RRF_C = 10
LIST_DEPTH = 20  # clauses each list contributes to the fusion, whatever k the caller wants
SENTENCE_DEPTH = 60  # sentences taken from each list before crediting clauses


class QueryEncoder:
    """Query vectors, cached: a question is embedded once for retrieval and answer extraction."""

    def __init__(self, embedder):
        self.embedder = embedder
        self._cached = lru_cache(maxsize=512)(self._encode)

    def _encode(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    def __call__(self, text: str) -> np.ndarray:
        return self._cached(text)


def _clause_docs(store: IndexStore, ranked: list[tuple[int, float]], k: int, source: str) -> list[Document]:
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
    docs = []
    for ci in order[:k]:
        clause = store.clauses[ci]
        score, si = best[ci]
        docs.append(
            Document(
                page_content=clause["text"],
                metadata={"clause_id": clause["clause_id"], "clause_index": ci,
                          f"{source}_score": float(score), f"{source}_sentence": si,
                          f"{source}_hits": hits[ci]},
            )
        )
    return docs


class _StoreRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Any
    k: int = 20
    depth: int = SENTENCE_DEPTH
    doc_ids: tuple[str, ...] | None = None

    def _row_mask(self) -> np.ndarray | None:
        if not self.doc_ids:
            return None
        allowed = set(self.doc_ids)
        return np.array([self.store.clauses[ci]["doc_id"] in allowed for ci, _ in self.store.sentence_rows])


class KeywordSentenceRetriever(_StoreRetriever):
    """jieba + BM25 over sentences; a clause ranks by its best sentence."""

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        scores = self.store.bm25_sentences.scores(tokenize(query))
        mask = self._row_mask()
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(self.depth, int((scores > 0).sum()))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return _clause_docs(self.store, [(int(r), float(scores[r])) for r in top], self.k, "bm25")


class DenseSentenceRetriever(_StoreRetriever):
    """e5 vectors of sentences in Chroma; a clause ranks by its best sentence."""

    encoder: Any

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        vector = self.encoder(query)
        hits = self.store.vectors.query(vector, k=self.depth, doc_ids=list(self.doc_ids) if self.doc_ids else None)
        rows = self.store.sentence_row_of
        ranked = [(rows[hid], score) for hid, score in hits if hid in rows]
        return _clause_docs(self.store, ranked, self.k, "dense")


def _ranked_clause_docs(store, scores: np.ndarray, k: int, source: str) -> list[Document]:
    n = min(k, int((scores > 0).sum()))
    if n == 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [
        Document(page_content=store.clauses[ci]["text"],
                 metadata={"clause_id": store.clauses[ci]["clause_id"], "clause_index": int(ci),
                           f"{source}_score": float(scores[ci])})
        for ci in top
    ]


class KeywordClauseRetriever(_StoreRetriever):
    """jieba + BM25 over whole clauses (their headings, title, text and units)."""

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        scores = self.store.bm25_clauses.scores(tokenize(query))
        if self.doc_ids:
            scores = np.where(self.store.clause_mask(self.doc_ids), scores, 0.0)
        return _ranked_clause_docs(self.store, scores, self.k, "bm25c")


class DenseClauseRetriever(_StoreRetriever):
    """e5 over whole clauses, each the normalised mean of its sentence vectors (no extra embedding)."""

    encoder: Any

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        scores = self.store.clause_vectors @ self.encoder(query)
        scores = np.clip(scores, 1e-6, None)
        if self.doc_ids:
            scores = np.where(self.store.clause_mask(self.doc_ids), scores, 0.0)
        return _ranked_clause_docs(self.store, scores, self.k, "densec")


class ScoredEnsembleRetriever(EnsembleRetriever):
    """LangChain's weighted RRF, keeping each list's scores on the fused Document."""

    def weighted_reciprocal_rank(self, doc_lists: list[list[Document]]) -> list[Document]:
        fused = super().weighted_reciprocal_rank(doc_lists)
        merged: dict[str, dict] = defaultdict(dict)
        rrf: dict[str, float] = defaultdict(float)
        for docs, weight in zip(doc_lists, self.weights):
            for rank, doc in enumerate(docs, start=1):
                key = doc.metadata[self.id_key]
                merged[key].update(doc.metadata)
                merged[key].setdefault("ranks", []).append(rank)
                rrf[key] += weight / (rank + self.c)
        out = []
        for doc in fused:
            key = doc.metadata[self.id_key]
            meta = dict(merged[key], rrf_score=rrf[key])
            meta.pop("ranks", None)
            out.append(Document(page_content=doc.page_content, metadata=meta))
        return out


def hybrid_retriever(
    store: IndexStore,
    encoder: QueryEncoder,
    k: int = 10,
    doc_ids: tuple[str, ...] | None = None,
    weights: tuple[float, ...] = WEIGHTS,
    c: int = RRF_C,
    depth: int = SENTENCE_DEPTH,
) -> ScoredEnsembleRetriever:
    """Sentence BM25, sentence e5, clause BM25 and clause e5, fused; lists with weight 0 are skipped."""
    makers = (
        lambda: KeywordSentenceRetriever(store=store, k=max(LIST_DEPTH, k), depth=depth, doc_ids=doc_ids),
        lambda: DenseSentenceRetriever(store=store, encoder=encoder, k=max(LIST_DEPTH, k), depth=depth, doc_ids=doc_ids),
        lambda: KeywordClauseRetriever(store=store, k=max(LIST_DEPTH, k), doc_ids=doc_ids),
        lambda: DenseClauseRetriever(store=store, encoder=encoder, k=max(LIST_DEPTH, k), doc_ids=doc_ids),
    )
    chosen = [(make(), w) for make, w in zip(makers, weights) if w > 0]
    return ScoredEnsembleRetriever(retrievers=[r for r, _ in chosen], weights=[w for _, w in chosen],
                                   c=c, id_key="clause_id")
