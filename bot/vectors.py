"""The dense index: Chroma, embedded (PersistentClient) or a shared server (HttpClient).

Vectors always come from our own embedder: collections are made with no embedding function, so
Chroma's default one (which downloads a model) can never run.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .errors import ConfigError

SPACE = {"hnsw:space": "cosine"}


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def local_client(path: Path):
    import chromadb

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def server_client(url: str):
    import chromadb

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"STUDYBOT_CHROMA_URL 格式不对：{url!r}，应形如 http://127.0.0.1:8000")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=_chroma_settings()
        )
        client.heartbeat()
    except Exception as exc:  # the client raises a variety of transport errors
        raise ConfigError(f"连不上 Chroma 服务器 {url}：{exc}。请确认服务已启动（chroma run --port {port}）") from exc
    return client


def collection_name(gen: Path) -> str:
    """A generation's collection on a Chroma server (locally each generation has its own folder)."""
    return f"studybot-{gen.name}"


def open_vectors(settings, gen: Path, manifest: dict, create: bool = False) -> VectorStore:
    if manifest.get("chroma_url") or settings.chroma_url:
        client = server_client(settings.chroma_url or manifest["chroma_url"])
        return VectorStore(client, manifest.get("collection") or collection_name(gen), create=create)
    return VectorStore(local_client(gen / "chroma"), "sentences", create=create)


class VectorStore:
    """One Chroma collection of sentence vectors; ids are `<clause_id>#<sentence index>`."""

    def __init__(self, client, name: str, create: bool = False):
        self.client = client
        self.name = name
        if create:
            self.collection = client.create_collection(name, metadata=SPACE, embedding_function=None)
        else:
            self.collection = client.get_collection(name, embedding_function=None)
        # A generation's collection does not change once built; its size is asked for by every
        # query (Chroma's count is several milliseconds), so it is remembered until an add.
        self._count: int | None = None

    def add(self, ids: list[str], vectors: np.ndarray, documents: list[str], metadatas: list[dict]) -> None:
        self._count = None
        step = max(1, min(4000, self.client.get_max_batch_size()))
        for start in range(0, len(ids), step):
            end = start + step
            self.collection.add(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                documents=documents[start:end],
                metadatas=metadatas[start:end],
            )

    def records_for(self, doc_ids: list[str]) -> tuple[list[str], np.ndarray, list[str], list[dict]]:
        """Everything stored for some documents, to carry into a new build without re-embedding."""
        if not doc_ids:
            return [], np.zeros((0, 0), np.float32), [], []
        got = self.collection.get(where={"doc_id": {"$in": doc_ids}}, include=["embeddings", "documents", "metadatas"])
        return got["ids"], np.asarray(got["embeddings"], dtype=np.float32), got["documents"], got["metadatas"]

    def query(self, vector: np.ndarray, k: int, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest sentences, optionally within some documents."""
        where = None
        if doc_ids:
            where = {"doc_id": {"$in": list(doc_ids)}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}
        count = self.count()
        if count == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector], n_results=min(k, count), where=where, include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def count(self) -> int:
        if self._count is None:
            self._count = self.collection.count()
        return self._count

    def drop(self) -> None:
        self.client.delete_collection(self.name)

    def close(self) -> None:
        """Let Chroma stop this store's system (its SQLite and HNSW files) when nobody else uses it."""
        close = getattr(self.client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # closing twice, or a server already gone: nothing left to free
                pass
