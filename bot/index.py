"""Building and opening the index: clauses, their sentence vectors (Chroma) and BM25 (bm25s).

Every build writes a new generation folder beside the current one and only then points
`CURRENT` at it (an atomic rename), so a killed or failed build leaves the previous index in use.
Unchanged documents (same content hash, same model) keep their clauses and vectors.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from .corpus import Document, clause_id, corpus_files, file_sha256, parse_document, unique_doc_ids
from .errors import DocumentError, IndexNotBuilt, StudyBotError
from .keywords import KeywordIndex
from .settings import Settings
from .vectors import VectorStore, local_client, server_client

# Bump when what is stored per clause or sentence changes: older indexes are then rebuilt whole.
INDEX_FORMAT = 1
CURRENT = "CURRENT"
KEEP_GENERATIONS = 2


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


def clause_record(doc: Document, clause) -> dict:
    return {
        "clause_id": clause_id(doc.doc_id, clause),
        "doc_id": doc.doc_id,
        "key": clause.key,
        "label": clause.label,
        "title": clause.title,
        "headings": clause.headings,
        "units": clause.units,
        "text": clause.text,
        "sentences": [s.text for s in clause.sentences],
        "sentence_refs": [s.ref for s in clause.sentences],
        "order": clause.order,
    }


def keyword_text(clause: dict) -> str:
    """What the clause-level BM25 reads: its place, title, text and responsible units."""
    return " ".join([*clause["headings"], clause["label"], clause["title"], clause["text"], clause["units"]])


# ---------------------------------------------------------------- generations on disk


def _read_current(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = index_dir / name
    return gen if (gen / "manifest.json").is_file() else None


def _write_current(index_dir: Path, gen: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def _build_lock(index_dir: Path):
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StudyBotError("另一个索引任务正在进行，请等它结束后再试") from None
        yield


def _collection_name(gen: Path) -> str:
    return f"studybot-{gen.name}"


def _open_vectors(settings: Settings, gen: Path, manifest: dict, create: bool = False) -> VectorStore:
    if manifest.get("chroma_url") or settings.chroma_url:
        client = server_client(settings.chroma_url or manifest["chroma_url"])
        return VectorStore(client, manifest.get("collection") or _collection_name(gen), create=create)
    return VectorStore(local_client(gen / "chroma"), "sentences", create=create)


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _cleanup(index_dir: Path, settings: Settings, keep: set[str]) -> None:
    """Remove failed builds and generations older than the last KEEP_GENERATIONS."""
    gens = sorted(p for p in index_dir.glob("g-*") if p.is_dir())
    complete = [g for g in gens if (g / "manifest.json").is_file()]
    keep = keep | {g.name for g in complete[-KEEP_GENERATIONS:]}
    for gen in gens:
        if gen.name in keep:
            continue
        manifest_path = gen / "manifest.json"
        if manifest_path.is_file() and settings.chroma_url:
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                server_client(settings.chroma_url).delete_collection(manifest["collection"])
            except Exception:  # an old collection that is already gone costs nothing
                pass
        shutil.rmtree(gen, ignore_errors=True)


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
    with _build_lock(index_dir):
        files = corpus_files(settings.corpus_dir)
        doc_ids = unique_doc_ids(files)
        prev_gen = None if rebuild else _read_current(index_dir)
        prev_manifest = json.loads((prev_gen / "manifest.json").read_text("utf-8")) if prev_gen else None
        if prev_manifest and prev_manifest.get("format") != INDEX_FORMAT:
            prev_gen = prev_manifest = None
        if prev_manifest and settings.embed_model and prev_manifest.get("model_path") != settings.embed_model:
            prev_gen = prev_manifest = None
        if prev_manifest and bool(prev_manifest.get("chroma_url")) != bool(settings.chroma_url):
            prev_gen = prev_manifest = None

        prev_docs = prev_manifest["documents"] if prev_manifest else {}
        prev_clauses: dict[str, list[dict]] = {}
        if prev_gen:
            for rec in _read_jsonl(prev_gen / "clauses.jsonl"):
                prev_clauses.setdefault(rec["doc_id"], []).append(rec)

        documents: dict[str, dict] = {}
        clauses: list[dict] = []
        bar = tqdm(files, desc="文件", unit="个", disable=not progress)
        for path in bar:
            doc_id = doc_ids[path]
            bar.set_postfix_str(path.name[:30])
            try:
                sha = file_sha256(path)
            except OSError as exc:
                sha = None
                error = DocumentError(path, f"无法读取（{exc.strerror or exc}）")
            if sha and doc_id in prev_docs and prev_docs[doc_id]["sha256"] == sha:
                documents[doc_id] = prev_docs[doc_id]
                clauses += prev_clauses.get(doc_id, [])
                report.reused.append(doc_id)
                continue
            try:
                if sha is None:
                    raise error
                doc = parse_document(path, settings.corpus_dir, doc_id=doc_id)
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
            raise StudyBotError("没有任何文件可以索引：\n" + "\n".join(report.errors))

        report.documents, report.clauses = len(documents), len(clauses)
        report.sentences = sum(len(c["sentences"]) for c in clauses)
        if prev_gen and not report.parsed and not report.removed:
            report.unchanged = True
            report.generation = prev_gen.name
            report.seconds = time.perf_counter() - started
            return report

        gen = index_dir / f"g-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        gen.mkdir(parents=True)
        try:
            _write_generation(
                settings, gen, documents, clauses, prev_gen, prev_manifest, set(report.reused),
                embedder_factory, report, progress,
            )
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            if settings.chroma_url:
                try:
                    server_client(settings.chroma_url).delete_collection(_collection_name(gen))
                except Exception:  # nothing was created, or the server is gone
                    pass
            raise
        _write_current(index_dir, gen)
        _cleanup(index_dir, settings, keep={gen.name})
        report.generation = gen.name
    report.seconds = time.perf_counter() - started
    return report


def _carry_vectors(settings, gen, manifest, prev_gen, prev_manifest, reused) -> tuple[VectorStore, set[str]]:
    """A new generation's store holding the vectors of unchanged documents, and their ids.

    Locally the previous Chroma folder is copied and the changed documents deleted from the copy
    (far cheaper than re-inserting every vector); on a server the vectors are read and re-added.
    """
    if not (prev_gen and reused):
        return _open_vectors(settings, gen, manifest, create=True), set()
    if not settings.chroma_url:
        shutil.copytree(prev_gen / "chroma", gen / "chroma")
        store = _open_vectors(settings, gen, manifest)
        stale = sorted(set(prev_manifest["documents"]) - reused)
        if stale:
            store.collection.delete(where={"doc_id": {"$in": stale}})
        return store, set(store.collection.get(include=[])["ids"])
    ids, vectors, documents, metadatas = _open_vectors(settings, prev_gen, prev_manifest).records_for(sorted(reused))
    store = _open_vectors(settings, gen, manifest, create=True)
    if ids:
        store.add(ids, vectors, documents, metadatas)
    return store, set(ids)


def _write_generation(settings, gen, documents, clauses, prev_gen, prev_manifest, reused,
                      embedder_factory, report, progress) -> None:
    from tqdm import tqdm

    ids, texts, metas = [], [], []
    for rec in clauses:
        for i, sentence in enumerate(rec["sentences"]):
            ids.append(f"{rec['clause_id']}#{i}")
            texts.append(sentence)
            metas.append({"doc_id": rec["doc_id"], "clause_id": rec["clause_id"], "sentence": i})

    manifest = {
        "format": INDEX_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model_id": prev_manifest["model_id"] if prev_manifest else None,
        "model_path": settings.embed_model,
        "dim": prev_manifest["dim"] if prev_manifest else None,
        "chroma_url": settings.chroma_url,
        "collection": _collection_name(gen) if settings.chroma_url else "sentences",
        "corpus_dir": str(settings.corpus_dir),
        "documents": documents,
        "clause_count": len(clauses),
        "sentence_count": len(ids),
        "errors": report.errors,
    }
    store, kept = _carry_vectors(settings, gen, manifest, prev_gen, prev_manifest, reused)
    missing = [i for i, id_ in enumerate(ids) if id_ not in kept]
    if missing or not prev_manifest:
        embedder = embedder_factory()
        if embedder.model_id != manifest["model_id"] and kept:
            # Vectors of another model cannot be mixed with this one's: start the store over.
            store.drop()
            store = _open_vectors(settings, gen, manifest, create=True)
            missing = list(range(len(ids)))
        manifest["model_id"], manifest["dim"] = embedder.model_id, embedder.dim
        bar = tqdm(total=len(missing), desc="句子嵌入", unit="句", disable=not progress)
        # Large chunks: the embedder sorts each chunk by length, and less padding is faster.
        step = 4096
        for start in range(0, len(missing), step):
            chunk = missing[start : start + step]
            vectors = embedder.encode_passages([texts[i] for i in chunk])
            store.add([ids[i] for i in chunk], vectors, [texts[i] for i in chunk], [metas[i] for i in chunk])
            bar.update(len(chunk))
        bar.close()
        report.embedded = len(missing)
    if store.count() != len(ids):
        raise StudyBotError(f"向量库条目数 {store.count()} 与句子数 {len(ids)} 不一致，请运行 studybot index --rebuild")

    KeywordIndex.build(texts).save(gen / "bm25_sentences")
    KeywordIndex.build([keyword_text(c) for c in clauses]).save(gen / "bm25_clauses")
    with open(gen / "clauses.jsonl", "w", encoding="utf-8") as fh:
        for rec in clauses:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    # The manifest is written last: a generation without one is an unfinished build.
    tmp = gen / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, gen / "manifest.json")


# ---------------------------------------------------------------- reading


class IndexStore:
    """A read-only view of the current generation: documents, clauses, BM25 and vectors."""

    def __init__(self, settings: Settings, gen: Path):
        self.settings = settings
        self.generation = gen
        self.manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        self.documents: dict[str, dict] = self.manifest["documents"]
        self.clauses: list[dict] = _read_jsonl(gen / "clauses.jsonl")
        self.by_id = {c["clause_id"]: c for c in self.clauses}
        # Row i of the sentence BM25 and the Chroma id `<clause_id>#<j>` name the same sentence.
        self.sentence_rows: list[tuple[int, int]] = [
            (ci, si) for ci, c in enumerate(self.clauses) for si in range(len(c["sentences"]))
        ]
        self.sentence_row_of: dict[str, int] = {
            f"{self.clauses[ci]['clause_id']}#{si}": row for row, (ci, si) in enumerate(self.sentence_rows)
        }
        self.first_row: list[int] = []
        row = 0
        for c in self.clauses:
            self.first_row.append(row)
            row += len(c["sentences"])
        self._clause_tokens: dict[str, frozenset[str]] = {}
        self._vectors: VectorStore | None = None
        self._bm25_sentences: KeywordIndex | None = None
        self._bm25_clauses: KeywordIndex | None = None

    @classmethod
    def open(cls, settings: Settings) -> "IndexStore":
        gen = _read_current(settings.index_dir)
        if gen is None:
            raise IndexNotBuilt(settings.index_dir)
        return cls(settings, gen)

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            self._vectors = _open_vectors(self.settings, self.generation, self.manifest)
        return self._vectors

    @property
    def bm25_sentences(self) -> KeywordIndex:
        if self._bm25_sentences is None:
            self._bm25_sentences = KeywordIndex.load(self.generation / "bm25_sentences", len(self.sentence_rows))
        return self._bm25_sentences

    @property
    def bm25_clauses(self) -> KeywordIndex:
        if self._bm25_clauses is None:
            self._bm25_clauses = KeywordIndex.load(self.generation / "bm25_clauses", len(self.clauses))
        return self._bm25_clauses

    @property
    def clause_vectors(self) -> np.ndarray:
        """Each clause's mean sentence vector, normalised: clause-level meaning at no embedding cost."""
        if getattr(self, "_clause_vectors", None) is None:
            got = self.vectors.collection.get(include=["embeddings"])
            dim = self.manifest["dim"]
            sums = np.zeros((len(self.clauses), dim), dtype=np.float32)
            index = {c["clause_id"]: i for i, c in enumerate(self.clauses)}
            for id_, vec in zip(got["ids"], got["embeddings"]):
                sums[index[id_.rsplit("#", 1)[0]]] += np.asarray(vec, dtype=np.float32)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self._clause_vectors = sums / np.where(norms > 0, norms, 1.0)
        return self._clause_vectors

    def clause_mask(self, doc_ids) -> np.ndarray:
        allowed = set(doc_ids)
        return np.array([c["doc_id"] in allowed for c in self.clauses])

    def clause_tokens(self, clause_id: str) -> frozenset[str]:
        """The clause's keyword tokens (its place, title, text, units), computed once."""
        if clause_id not in self._clause_tokens:
            from .keywords import tokenize

            self._clause_tokens[clause_id] = frozenset(tokenize(keyword_text(self.by_id[clause_id])))
        return self._clause_tokens[clause_id]

    def clauses_of(self, doc_id: str | None = None) -> list[dict]:
        if doc_id is None:
            return self.clauses
        if doc_id not in self.documents:
            from .errors import UnknownDocument

            raise UnknownDocument(doc_id)
        return [c for c in self.clauses if c["doc_id"] == doc_id]

    def find_clause(self, ref: str) -> dict:
        """A clause by its id, a unique id prefix (`doc:p2.s1.i2`), or a unique label (`二（一）2`)."""
        from .errors import UnknownClause

        ref = ref.strip()
        if ref in self.by_id:
            return self.by_id[ref]
        matches = [c for c in self.clauses if c["clause_id"].startswith(ref + ":") or c["clause_id"].startswith(ref)]
        if not matches:
            matches = [c for c in self.clauses if c["label"] == ref or f"{c['doc_id']}:{c['label']}" == ref]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = "、".join(c["clause_id"] for c in matches[:5])
            raise StudyBotError(f"{ref!r} 对应多个条款：{names}，请写完整的条款编号")
        raise UnknownClause(ref)

    def neighbours(self, clause: dict, around: int = 1) -> list[dict]:
        """The clause with those before and after it in its document, for reading in context."""
        same = [c for c in self.clauses if c["doc_id"] == clause["doc_id"]]
        pos = next(i for i, c in enumerate(same) if c["clause_id"] == clause["clause_id"])
        return same[max(0, pos - around) : pos + around + 1]
