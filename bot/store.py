"""Reading one index generation: documents, clause records, BM25 and sentence vectors."""

from __future__ import annotations

import json
import threading
import weakref
from pathlib import Path

import numpy as np

from .errors import AmbiguousClause, IndexNotBuilt, UnknownClause, UnknownDocument
from .generations import Lease, read_current, read_manifest
from .keywords import KeywordIndex, tokenize
from .records import ClauseRecord
from .settings import Settings
from .vectors import VectorStore, open_vectors

VECTOR_PAGE = 1000  # sentence vectors read from Chroma per call
# Up to this many sentences, the dense list is an exact scan of the vectors read from Chroma (one
# matrix product, which the refusal features need anyway) rather than a Chroma query: 1.7 ms of a
# repeated seed answer was Chroma's query path, where the scan takes 0.02 ms at the seed and about
# 2 ms at 5,000 clauses. Larger stores (a shared server's) are searched by Chroma's index.
EXACT_SCAN_ROWS = 200_000


def read_clauses(path: Path) -> list[ClauseRecord]:
    with open(path, encoding="utf-8") as fh:
        return [ClauseRecord.from_dict(json.loads(line)) for line in fh if line.strip()]


class IndexStore:
    """A read-only view of one generation; holds that generation's lease until closed."""

    def __init__(self, settings: Settings, gen: Path):
        self.settings = settings
        self.generation = gen
        self._lease = Lease(gen)
        try:
            self.manifest = read_manifest(gen)
            self.clauses: list[ClauseRecord] = read_clauses(gen / "clauses.jsonl")
        except FileNotFoundError:
            self._lease.release()
            raise
        self.documents: dict[str, dict] = self.manifest["documents"]
        self.by_id = {c.clause_id: c for c in self.clauses}
        self.index_of = {c.clause_id: i for i, c in enumerate(self.clauses)}
        # Row i of the sentence BM25 and the Chroma id `<clause_id>#<j>` name the same sentence.
        self.sentence_rows: list[tuple[int, int]] = [
            (ci, si) for ci, c in enumerate(self.clauses) for si in range(len(c.sentences))
        ]
        self.sentence_row_of: dict[str, int] = {
            self.clauses[ci].sentence_id(si): row for row, (ci, si) in enumerate(self.sentence_rows)
        }
        self.first_row: list[int] = []
        row = 0
        for c in self.clauses:
            self.first_row.append(row)
            row += len(c.sentences)
        self._clause_tokens: dict[str, frozenset[str]] = {}
        # The web server's threads all reach a new generation's parts at once, the first request
        # after a rebuild: each part is opened once, by one of them (two Chroma clients opened
        # together on one folder break each other).
        self._opening = threading.RLock()
        self._vectors: VectorStore | None = None
        self._keyword: dict[str, KeywordIndex] = {}
        # Helpers other modules derive from this generation (and drop with it), by name.
        self.derived: dict[str, object] = {}
        self._clause_vectors: np.ndarray | None = None
        self._sentence_vectors: np.ndarray | None = None
        self._last_similarities: tuple[str, np.ndarray] | None = None
        self.exact_scan_rows = EXACT_SCAN_ROWS
        # Closed when the last reference goes (in-flight requests keep an old store alive).
        self._finalizer = weakref.finalize(self, _close, self._lease, [None])

    @classmethod
    def open(cls, settings: Settings) -> IndexStore:
        # CURRENT can move between reading it and taking the lease, and a generation nobody
        # leased can be collected in that moment: read it again then.
        for _ in range(5):
            gen = read_current(settings.index_dir)
            if gen is None:
                raise IndexNotBuilt(settings.index_dir)
            try:
                return cls(settings, gen)
            except FileNotFoundError:
                continue
        raise IndexNotBuilt(settings.index_dir)

    def close(self) -> None:
        self._finalizer()

    @property
    def name(self) -> str:
        return self.generation.name

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            with self._opening:
                if self._vectors is None:
                    vectors = open_vectors(self.settings, self.generation, self.manifest)
                    self._finalizer.detach()
                    self._finalizer = weakref.finalize(self, _close, self._lease, [vectors])
                    self._vectors = vectors
        return self._vectors

    def _keyword_index(self, name: str, size: int, kind: str) -> KeywordIndex:
        if name not in self._keyword:
            with self._opening:
                if name not in self._keyword:
                    self._keyword[name] = KeywordIndex.load(self.generation / name, size, kind)
        return self._keyword[name]

    @property
    def bm25_sentences(self) -> KeywordIndex:
        return self._keyword_index("bm25_sentences", len(self.sentence_rows), "words")

    @property
    def bm25_clauses(self) -> KeywordIndex:
        return self._keyword_index("bm25_clauses", len(self.clauses), "words")

    @property
    def bigram_sentences(self) -> KeywordIndex:
        return self._keyword_index("bigram_sentences", len(self.sentence_rows), "bigrams")

    @property
    def bigram_clauses(self) -> KeywordIndex:
        return self._keyword_index("bigram_clauses", len(self.clauses), "bigrams")

    @property
    def sentence_vectors(self) -> np.ndarray:
        """Every sentence's vector, in sentence-row order, read once from Chroma.

        Picking the answering sentence compares the question with a clause's few sentences;
        reading them from memory costs microseconds where a Chroma `get` costs a millisecond.
        """
        if self._sentence_vectors is None:
            with self._opening:
                if self._sentence_vectors is None:
                    self._sentence_vectors = self._read_sentence_vectors()
        return self._sentence_vectors

    def _read_sentence_vectors(self) -> np.ndarray:
        # In pages: Chroma hands embeddings over as Python floats made into float64, ~12 times the
        # float32 matrix, and that much heap read at once stays with the process (70 MB at 5,000
        # clauses for a 35 MB matrix).
        collection = self.vectors.collection
        matrix = np.zeros((len(self.sentence_rows), int(self.manifest["dim"])), dtype=np.float32)
        for offset in range(0, collection.count(), VECTOR_PAGE):
            got = collection.get(include=["embeddings"], limit=VECTOR_PAGE, offset=offset)
            for id_, vec in zip(got["ids"], got["embeddings"]):
                row = self.sentence_row_of.get(id_)
                if row is not None:
                    matrix[row] = vec
        return matrix

    def similarities(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The cosine of `text`'s vector to every sentence, in sentence-row order. The last one is
        kept: the dense list and the refusal features of one question both need it."""
        last = self._last_similarities  # read once: other threads replace it, never change it
        if last is None or last[0] != text:
            last = self._last_similarities = (text, self.sentence_vectors @ vector)
        return last[1]

    @property
    def exact_scan(self) -> bool:
        """Whether the dense list scans the vectors in memory (see EXACT_SCAN_ROWS)."""
        return len(self.sentence_rows) <= self.exact_scan_rows

    @property
    def clause_vectors(self) -> np.ndarray:
        """Each clause's mean sentence vector, normalised: clause-level meaning at no embedding cost."""
        if self._clause_vectors is None:
            vectors = self.sentence_vectors
            sums = np.zeros((len(self.clauses), vectors.shape[1]), dtype=np.float32)
            for row, (ci, _) in enumerate(self.sentence_rows):
                sums[ci] += vectors[row]
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self._clause_vectors = sums / np.where(norms > 0, norms, 1.0)
        return self._clause_vectors

    def clause_sentence_vectors(self, clause_index: int) -> np.ndarray:
        first = self.first_row[clause_index]
        return self.sentence_vectors[first : first + len(self.clauses[clause_index].sentences)]

    def clause_mask(self, doc_ids) -> np.ndarray:
        allowed = set(doc_ids)
        return np.array([c.doc_id in allowed for c in self.clauses])

    def clause_tokens(self, clause_id: str) -> frozenset[str]:
        """The clause's keyword tokens (its place, title, text, units), computed once."""
        if clause_id not in self._clause_tokens:
            self._clause_tokens[clause_id] = frozenset(tokenize(self.by_id[clause_id].keyword_text()))
        return self._clause_tokens[clause_id]

    def clauses_of(self, doc_id: str | None = None) -> list[ClauseRecord]:
        if doc_id is None:
            return self.clauses
        if doc_id not in self.documents:
            raise UnknownDocument(doc_id)
        return [c for c in self.clauses if c.doc_id == doc_id]

    def find_clause(self, ref: str) -> ClauseRecord:
        """A clause by its id, a unique id prefix (`doc:p2.s1.i2`), or a unique label (`二（一）2`)."""
        ref = (ref or "").strip()
        if ref in self.by_id:
            return self.by_id[ref]
        matches = [c for c in self.clauses if ref and c.clause_id.startswith(ref)]
        if not matches:
            matches = [c for c in self.clauses if c.label == ref or f"{c.doc_id}:{c.label}" == ref]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AmbiguousClause(ref, [c.clause_id for c in matches[:5]])
        raise UnknownClause(ref)

    def document(self, doc_id: str) -> dict:
        try:
            return self.documents[doc_id]
        except KeyError:
            raise UnknownDocument(doc_id) from None

    def neighbours(self, clause: ClauseRecord, around: int = 1) -> list[ClauseRecord]:
        """The clause with those before and after it in its document, for reading in context."""
        same = [c for c in self.clauses if c.doc_id == clause.doc_id]
        pos = next(i for i, c in enumerate(same) if c.clause_id == clause.clause_id)
        return same[max(0, pos - around) : pos + around + 1]


def _close(lease: Lease, vectors: list) -> None:
    for store in vectors:
        if store is not None:
            store.close()
    lease.release()
