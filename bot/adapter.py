"""A linear query adapter: e5's question vectors moved towards the sentences that answer them.

e5 places a reworded question (一年下来最少得学够多少个钟头的课) nearer the sentences that share
its words than the one that answers it. A matrix W learned from the development gold set's
answerable questions (`eval/calibrate.py --write` fits it with `fit`; kept in
`bot/data/query_adapter.npz`) maps a question's vector v to v + vW, normalised; the texts' own
vectors are untouched, so the index does not change. This is the "embedding adapter" of Chroma's
technical report, fitted with a softmax over the texts' sentences (the answering ones the target)
and W kept near zero by an L2 penalty.

It is used in two places, and only for the documents it was fitted on (a unit's added texts have
no judged questions, so their ranking is left as the fusion made it):
- clause choice: when the adapted question gives one clause at least PROMOTE of a softmax over
  those documents' sentences, and that clause is among the first PROMOTE_DEPTH the fusion found,
  it goes first (`promote`);
- sentence choice: the softmax over the chosen clause's own sentences (`sentence_shares`) is added
  to bot/extract.py's score of each sentence, with the weight SENTENCE_WEIGHT there. Replacing e5's
  vector by the adapted one in that score instead was measured and not kept: held-out plain fact
  0.94 → 0.95 but reworded fact 0.70 → 0.68, and the issue's own example (裁量基准谁来定) lost its
  省级 half.

Measured on held-apart questions, in the README (eval/quality.py).
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .errors import ConfigError
from .retrieve import move_first

ADAPTER_FILE = "query_adapter.npz"
TEMPERATURE = 0.05  # of the sentence softmax, in training and in `promote`
PROMOTE = 0.2  # share of the softmax a clause needs to go first (chosen by development folds)
PROMOTE_DEPTH = 10  # how far down the fused list a clause may come from
PENALTY = 0.01  # L2 weight on W while fitting
# Per store (weakly: a store closed and gone takes its entry with it), per set of documents: the
# sentence rows an adapter scores. A store's clauses do not change once it is opened.
_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class QueryAdapter:
    matrix: np.ndarray  # (dim, dim): v → v + v @ matrix
    model_id: str  # the embedding model it was fitted for
    docs: frozenset[str]  # the documents whose questions it was fitted on
    questions: int = 0

    def adapt(self, vector: np.ndarray) -> np.ndarray:
        moved = vector + vector @ self.matrix
        norm = float(np.linalg.norm(moved))
        return (moved / norm).astype(np.float32) if norm > 0 else vector

    def _rows(self, store) -> tuple[np.ndarray, np.ndarray]:
        """The store's sentence rows of the adapter's documents, and each one's clause index."""
        by_docs = _ROWS.setdefault(store, {})
        if self.docs not in by_docs:
            clause_of = np.array([ci for ci, _ in store.sentence_rows], dtype=int)
            rows = np.flatnonzero(store.clause_mask(self.docs)[clause_of]) if len(clause_of) else clause_of
            by_docs[self.docs] = (rows, clause_of[rows])
        return by_docs[self.docs]

    def clause_shares(self, store, vector: np.ndarray) -> np.ndarray:
        """Each clause's share of the softmax over the adapter's documents' sentences."""
        rows, clauses = self._rows(store)
        if not len(rows):
            return np.zeros(len(store.clauses))
        logits = store.sentence_vectors[rows] @ self.adapt(vector) / TEMPERATURE
        p = np.exp(logits - logits.max())
        return np.bincount(clauses, weights=p / p.sum(), minlength=len(store.clauses))

    def sentence_shares(self, store, clause_index: int, vector: np.ndarray) -> np.ndarray | None:
        """The softmax of the adapted question over one clause's sentences (None for a clause of a
        document the adapter was not fitted on): bot/extract.py adds it to its sentence scores."""
        if not self.applies(store, clause_index):
            return None
        logits = store.clause_sentence_vectors(clause_index) @ self.adapt(vector) / TEMPERATURE
        p = np.exp(logits - logits.max())
        return p / p.sum()

    def applies(self, store, clause_index: int) -> bool:
        return store.clauses[clause_index].doc_id in self.docs

    def promote(self, store, docs: list, vector: np.ndarray) -> list:
        """`docs` (the fused list, best first) with the adapter's clear favourite moved first."""
        if not docs or not self.applies(store, docs[0].metadata["clause_index"]):
            return docs
        shares = self.clause_shares(store, vector)
        best = int(shares.argmax())
        if shares[best] < PROMOTE:
            return docs
        return move_first(docs, best, PROMOTE_DEPTH, adapter_share=float(shares[best]))


def load(model_id: str, dim: int) -> QueryAdapter | None:
    """The shipped adapter, if it was fitted for this model; None otherwise (a unit's own model)."""
    found = _read()
    if found is None or found.model_id != model_id or found.matrix.shape != (dim, dim):
        return None
    return found


@lru_cache(maxsize=1)
def _read() -> QueryAdapter | None:
    source = resources.files("bot.data").joinpath(ADAPTER_FILE)
    if not source.is_file():
        return None  # not written yet (eval/calibrate.py --write makes it)
    try:
        with source.open("rb") as fh, np.load(fh) as data:
            meta = json.loads(str(data["meta"]))
            matrix = np.asarray(data["matrix"], dtype=np.float32)
        return QueryAdapter(matrix, str(meta["model_id"]), frozenset(meta["docs"]), int(meta.get("questions", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"查询适配矩阵 bot/data/{ADAPTER_FILE} 损坏（{exc.__class__.__name__}）："
            "请重新安装本程序，或在开发目录运行 .venv/bin/python eval/calibrate.py --write 重新生成"
        ) from exc


def save(path, adapter: QueryAdapter) -> None:
    meta = {"model_id": adapter.model_id, "docs": sorted(adapter.docs), "questions": adapter.questions}
    with open(path, "wb") as fh:
        np.savez_compressed(fh, matrix=adapter.matrix.astype(np.float16), meta=np.array(json.dumps(meta)))


def positives(store, gold: list[str], key: list[str]) -> list[int]:
    """Sentence rows a question's answer is in: its gold clauses' sentences holding every key
    string, or all their sentences when no single one does."""
    clauses = {i for i, c in enumerate(store.clauses) if c.label in gold or c.clause_id in gold}
    rows = [(r, store.clauses[ci].sentences[si]) for r, (ci, si) in enumerate(store.sentence_rows) if ci in clauses]
    holding = [r for r, sentence in rows if all(k in sentence for k in key)]
    return holding or [r for r, _ in rows]


def fit(sentence_vectors: np.ndarray, vectors: np.ndarray, targets: list[list[int]], steps: int = 300) -> np.ndarray:
    """W for question `vectors` whose answers are the sentence rows `targets` (torch, a few
    seconds on the CPU; deterministic)."""
    import torch

    torch.manual_seed(0)
    sentences = torch.tensor(sentence_vectors, dtype=torch.float32)
    x = torch.tensor(np.asarray(vectors), dtype=torch.float32)
    target = torch.zeros(len(targets), sentences.shape[0])
    for i, rows in enumerate(targets):
        target[i, rows] = 1.0 / len(rows)
    w = torch.zeros(x.shape[1], x.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([w], lr=1e-3)
    for _ in range(steps):
        q = x + x @ w
        q = q / q.norm(dim=1, keepdim=True)
        loss = -(target * torch.log_softmax(q @ sentences.T / TEMPERATURE, 1)).sum(1).mean()
        loss = loss + PENALTY * (w**2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return w.detach().numpy()
