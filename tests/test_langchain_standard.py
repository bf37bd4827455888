"""LangChain's own published standard suites (langchain-tests) over every retriever we export
and over the Embedder: they prove the components honour LangChain's interfaces, `k` included."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from bot.embed import Embedder
from bot.retrieve import (
    BigramClauseRetriever,
    BigramSentenceRetriever,
    DenseClauseRetriever,
    DenseSentenceRetriever,
    HybridRetriever,
    KeywordClauseRetriever,
    KeywordSentenceRetriever,
    hybrid_retriever,
)
from bot.settings import Settings

QUERY = "行政执法人员每年要参加多少学时的培训？"


class SeededRetrieverTests(RetrieversIntegrationTests):
    """The suite over the seed index (built once per test session)."""

    bot = None

    @pytest.fixture(autouse=True)
    def _seed(self, seed_bot):
        type(self).bot = seed_bot

    @property
    def retriever_query_example(self) -> str:
        return QUERY

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": self.bot.store, "encoder": self.bot.encoder}


class TestKeywordSentenceRetriever(SeededRetrieverTests):
    @property
    def retriever_constructor(self):
        return KeywordSentenceRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": self.bot.store}


class TestKeywordClauseRetriever(TestKeywordSentenceRetriever):
    @property
    def retriever_constructor(self):
        return KeywordClauseRetriever


class TestBigramSentenceRetriever(TestKeywordSentenceRetriever):
    @property
    def retriever_constructor(self):
        return BigramSentenceRetriever


class TestBigramClauseRetriever(TestKeywordSentenceRetriever):
    @property
    def retriever_constructor(self):
        return BigramClauseRetriever


class TestDenseSentenceRetriever(SeededRetrieverTests):
    @property
    def retriever_constructor(self):
        return DenseSentenceRetriever


class TestDenseClauseRetriever(SeededRetrieverTests):
    @property
    def retriever_constructor(self):
        return DenseClauseRetriever


class TestHybridRetriever(SeededRetrieverTests):
    """The fused retriever the answer chain uses, built the way the chain builds it."""

    @property
    def retriever_constructor(self):
        def build(store, encoder, k: int = 10) -> HybridRetriever:
            return hybrid_retriever(store, encoder, k=k)

        return build


def _model_params() -> dict:
    from bot.e5convert import ensure_model

    return {"model_path": ensure_model(Settings.from_env().model_cache_dir)}


class TestEmbedderUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self):
        return Embedder

    @property
    def embedding_model_params(self) -> dict:
        return _model_params()


class TestEmbedderIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self):
        return Embedder

    @property
    def embedding_model_params(self) -> dict:
        return _model_params()


def test_hybrid_k_per_call_and_scope(seed_bot):
    retriever = hybrid_retriever(seed_bot.store, seed_bot.encoder, k=10)
    assert [len(retriever.invoke(QUERY, k=k)) for k in (1, 3, 10)] == [1, 3, 10]
    first = retriever.invoke(QUERY, k=1)[0]
    assert first.metadata["label"] == "二（一）2" and first.metadata["rrf_score"] > 0


async def test_async_matches_sync(seed_bot):
    retriever = hybrid_retriever(seed_bot.store, seed_bot.encoder, k=5)
    sync = [d.metadata["clause_id"] for d in retriever.invoke(QUERY)]
    assert [d.metadata["clause_id"] for d in await retriever.ainvoke(QUERY)] == sync
    assert [d.metadata["clause_id"] for d in await retriever.ainvoke(QUERY, k=2)] == sync[:2]
