"""Building the index: clauses, their sentence vectors (Chroma) and BM25 (bm25s).

Each build writes a new generation (bot/generations.py) and switches `CURRENT` to it when it is
complete. Unchanged documents (same content hash, same model) keep their clauses and vectors.
Reading a generation is bot/store.py.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .corpus import Document, clause_id, corpus_files, file_sha256, parse_document, unique_doc_ids
from .errors import DocumentError, EmptyCorpus, IndexInconsistent
from .generations import build_lock, collect, new_generation, read_current, read_manifest, write_current, write_manifest
from .keywords import KeywordIndex
from .memory import release_freed_memory
from .records import ClauseRecord
from .settings import Settings
from .store import read_clauses
from .vectors import VectorStore, collection_name, open_vectors, server_client

# Bump when what is stored per clause or sentence changes: older indexes are then rebuilt whole.
INDEX_FORMAT = 2  # 2: character-bigram BM25 beside the word BM25


@dataclass
class BuildReport:
    generation: str = ""
    documents: int = 0
    clauses: int = 0
    sentences: int = 0
    parsed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0
    unchanged: bool = False

    def summary(self) -> str:
        lines = [
            f"索引完成：{self.documents} 个文件，{self.clauses} 个条款，{self.sentences} 个句子，用时 {self.seconds:.1f} 秒。",
            f"新解析 {len(self.parsed)} 个，沿用 {len(self.reused)} 个，移除 {len(self.removed)} 个；新嵌入 {self.embedded} 个句子。",
        ]
        if self.unchanged:
            lines = [f"语料没有变化，索引保持不变（{self.documents} 个文件，{self.clauses} 个条款）。"]
        lines += [f"跳过：{e}" for e in self.errors]
        return "\n".join(lines)


def clause_record(doc: Document, clause) -> ClauseRecord:
    return ClauseRecord(
        clause_id=clause_id(doc.doc_id, clause),
        doc_id=doc.doc_id,
        key=clause.key,
        label=clause.label,
        title=clause.title,
        headings=tuple(clause.headings),
        units=clause.units,
        text=clause.text,
        sentences=tuple(s.text for s in clause.sentences),
        sentence_refs=tuple(s.ref for s in clause.sentences),
        order=clause.order,
    )


def _drop_server_collection(settings: Settings):
    def drop(gen: Path, manifest: dict) -> None:
        if manifest.get("chroma_url") and settings.chroma_url:
            try:
                server_client(settings.chroma_url).delete_collection(manifest["collection"])
            except Exception:  # an old collection that is already gone costs nothing
                pass

    return drop


# ---------------------------------------------------------------- build


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], object],
    rebuild: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Index the corpus folder. `embedder_factory` is called only if something needs embedding."""
    from tqdm import tqdm

    started = time.perf_counter()
    index_dir = settings.index_dir
    report = BuildReport()
    lock = build_lock(index_dir)
    try:
        files = corpus_files(settings.corpus_dir)
        doc_ids = unique_doc_ids(files)
        prev_gen = None if rebuild else read_current(index_dir)
        prev_manifest = read_manifest(prev_gen) if prev_gen else None
        if prev_manifest and prev_manifest.get("format") != INDEX_FORMAT:
            prev_gen = prev_manifest = None
        if prev_manifest and settings.embed_model and prev_manifest.get("model_path") != settings.embed_model:
            prev_gen = prev_manifest = None
        if prev_manifest and bool(prev_manifest.get("chroma_url")) != bool(settings.chroma_url):
            prev_gen = prev_manifest = None

        prev_docs = prev_manifest["documents"] if prev_manifest else {}
        prev_clauses: dict[str, list[ClauseRecord]] = {}
        if prev_gen:
            for rec in read_clauses(prev_gen / "clauses.jsonl"):
                prev_clauses.setdefault(rec.doc_id, []).append(rec)

        documents: dict[str, dict] = {}
        clauses: list[ClauseRecord] = []
        bar = tqdm(files, desc="文件", unit="个", disable=not progress)
        for path in bar:
            doc_id = doc_ids[path]
            bar.set_postfix_str(path.name[:30])
            try:
                sha = file_sha256(path, settings.max_file_mb)
                if doc_id in prev_docs and prev_docs[doc_id]["sha256"] == sha:
                    documents[doc_id] = prev_docs[doc_id]
                    clauses += prev_clauses.get(doc_id, [])
                    report.reused.append(doc_id)
                    continue
                doc = parse_document(path, settings.corpus_dir, doc_id=doc_id, max_chars=settings.max_doc_chars)
            except DocumentError as exc:
                note = str(exc)
                if doc_id in prev_docs:
                    # Keep the last good version rather than losing the document from answers.
                    documents[doc_id] = prev_docs[doc_id]
                    clauses += prev_clauses.get(doc_id, [])
                    report.reused.append(doc_id)
                    note += "（保留上一次成功索引的版本）"
                report.errors.append(note)
                continue
            documents[doc_id] = doc.metadata()
            clauses += [clause_record(doc, c) for c in doc.clauses]
            report.parsed.append(doc_id)
        report.removed = sorted(set(prev_docs) - set(documents))

        if not documents:
            raise EmptyCorpus("没有任何文件可以索引：\n" + "\n".join(report.errors))

        report.documents, report.clauses = len(documents), len(clauses)
        report.sentences = sum(len(c.sentences) for c in clauses)
        if prev_gen and not report.parsed and not report.removed:
            report.unchanged = True
            report.generation = prev_gen.name
        else:
            gen = new_generation(index_dir)
            try:
                _write_generation(
                    settings,
                    gen,
                    documents,
                    clauses,
                    prev_gen,
                    prev_manifest,
                    set(report.reused),
                    embedder_factory,
                    report,
                    progress,
                )
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                _drop_server_collection(settings)(
                    gen, {"chroma_url": settings.chroma_url, "collection": collection_name(gen)}
                )
                raise
            write_current(index_dir, gen)
            report.generation = gen.name
        collect(index_dir, keep={report.generation}, on_remove=_drop_server_collection(settings))
    finally:
        lock.release()
    release_freed_memory()  # what the build read and made is garbage now
    report.seconds = time.perf_counter() - started
    return report


def _carry_vectors(settings, gen, manifest, prev_gen, prev_manifest, reused) -> tuple[VectorStore, set[str]]:
    """A new generation's store holding the vectors of unchanged documents, and their ids.

    Locally the previous Chroma folder is copied and the changed documents deleted from the copy
    (far cheaper than re-inserting every vector); on a server the vectors are read and re-added.
    """
    if not (prev_gen and reused):
        return open_vectors(settings, gen, manifest, create=True), set()
    if not settings.chroma_url:
        shutil.copytree(prev_gen / "chroma", gen / "chroma")
        store = open_vectors(settings, gen, manifest)
        stale = sorted(set(prev_manifest["documents"]) - reused)
        if stale:
            store.collection.delete(where={"doc_id": {"$in": stale}})
        return store, set(store.collection.get(include=[])["ids"])
    previous = open_vectors(settings, prev_gen, prev_manifest)
    try:
        ids, vectors, documents, metadatas = previous.records_for(sorted(reused))
    finally:
        previous.close()
    store = open_vectors(settings, gen, manifest, create=True)
    if ids:
        store.add(ids, vectors, documents, metadatas)
    return store, set(ids)


# Sentences embedded per call: the embedder sorts each call's texts by length (less padding).
EMBED_STEP = 4096


def _embed_chunks(embedder, texts: list[str], rows: list[int], progress: bool):
    """(rows, vectors) per chunk of EMBED_STEP, with the progress bar."""
    from tqdm import tqdm

    bar = tqdm(total=len(rows), desc="句子嵌入", unit="句", disable=not progress)
    try:
        for start in range(0, len(rows), EMBED_STEP):
            chunk = rows[start : start + EMBED_STEP]
            yield chunk, embedder.encode_passages([texts[i] for i in chunk])
            bar.update(len(chunk))
    finally:
        bar.close()


def _load_store_libraries() -> None:
    """Import Chroma and load jieba's dictionary (about 1.5 s, holding the GIL) while the first
    sentences are embedded (ONNX Runtime does not hold it)."""
    with contextlib.suppress(Exception):  # the build itself meets and reports any failure
        import chromadb  # noqa: F401

        from .keywords import _tokenizer

        _tokenizer()


@dataclass
class _Sentences:
    """Every sentence of the new generation: its vector id, text and metadata, in one order."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[dict] = field(default_factory=list)

    def add(self, store: VectorStore, rows: list[int], vectors) -> None:
        store.add([self.ids[i] for i in rows], vectors, [self.texts[i] for i in rows], [self.metas[i] for i in rows])

    def check_stored(self, store: VectorStore) -> None:
        if store.count() != len(self.ids):
            raise IndexInconsistent(store.count(), len(self.ids))


def _write_fresh_vectors(settings, gen, manifest, sentences: _Sentences, embedder_factory, report, progress) -> None:
    """Every sentence embedded, then stored: nothing is carried over from a previous build."""
    loading = threading.Thread(target=_load_store_libraries, name="load-store-libraries", daemon=True)
    loading.start()
    embedder = embedder_factory()
    manifest["model_id"], manifest["dim"] = embedder.model_id, embedder.dim
    chunks = list(_embed_chunks(embedder, sentences.texts, list(range(len(sentences.ids))), progress))
    loading.join()
    store = open_vectors(settings, gen, manifest, create=True)
    try:
        for rows, vectors in chunks:
            sentences.add(store, rows, vectors)
        report.embedded = len(sentences.ids)
        sentences.check_stored(store)
    finally:
        store.close()


def _write_carried_vectors(
    settings, gen, manifest, prev_gen, prev_manifest, reused, sentences: _Sentences, embedder_factory, report, progress
) -> None:
    """The unchanged documents' vectors carried over, the rest embedded and added."""
    store, kept = _carry_vectors(settings, gen, manifest, prev_gen, prev_manifest, reused)
    try:
        missing = [i for i, id_ in enumerate(sentences.ids) if id_ not in kept]
        if missing:
            embedder = embedder_factory()
            if embedder.model_id != manifest["model_id"] and kept:
                # Vectors of another model cannot be mixed with this one's: start the store over.
                store.drop()
                store.close()
                store = open_vectors(settings, gen, manifest, create=True)
                missing = list(range(len(sentences.ids)))
            manifest["model_id"], manifest["dim"] = embedder.model_id, embedder.dim
            for rows, vectors in _embed_chunks(embedder, sentences.texts, missing, progress):
                sentences.add(store, rows, vectors)
            report.embedded = len(missing)
        sentences.check_stored(store)
    finally:
        store.close()


def _write_generation(
    settings,
    gen,
    documents,
    clauses: list[ClauseRecord],
    prev_gen,
    prev_manifest,
    reused,
    embedder_factory,
    report,
    progress,
) -> None:
    sentences = _Sentences()
    for rec in clauses:
        for i, sentence in enumerate(rec.sentences):
            sentences.ids.append(rec.sentence_id(i))
            sentences.texts.append(sentence)
            sentences.metas.append({"doc_id": rec.doc_id, "clause_id": rec.clause_id, "sentence": i})
    texts = sentences.texts

    manifest = {
        "format": INDEX_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_id": prev_manifest["model_id"] if prev_manifest else None,
        "model_path": settings.embed_model,
        "dim": prev_manifest["dim"] if prev_manifest else None,
        "chroma_url": settings.chroma_url,
        "collection": collection_name(gen) if settings.chroma_url else "sentences",
        "corpus_dir": str(settings.corpus_dir),
        "documents": documents,
        "clause_count": len(clauses),
        "sentence_count": len(sentences.ids),
        "errors": report.errors,
    }
    if not (prev_gen and reused):
        _write_fresh_vectors(settings, gen, manifest, sentences, embedder_factory, report, progress)
    else:
        _write_carried_vectors(
            settings, gen, manifest, prev_gen, prev_manifest, reused, sentences, embedder_factory, report, progress
        )

    clause_texts = [c.keyword_text() for c in clauses]
    cut: dict[str, list[str]] = {}  # a clause's text is its sentences again: cut each run once
    KeywordIndex.build(texts, memo=cut).save(gen / "bm25_sentences")
    KeywordIndex.build(clause_texts, memo=cut).save(gen / "bm25_clauses")
    del cut
    KeywordIndex.build(texts, "bigrams").save(gen / "bigram_sentences")
    KeywordIndex.build(clause_texts, "bigrams").save(gen / "bigram_clauses")
    with open(gen / "clauses.jsonl", "w", encoding="utf-8") as fh:
        for rec in clauses:
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
    write_manifest(gen, manifest)
