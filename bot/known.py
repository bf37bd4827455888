"""Known questions: questions whose fate is known, kept as the refusal model's memory.

A question the texts do not cover often shares its subject with a clause that does (登记卡 is in
the plan; who prints it is not), so word coverage and the clause's similarity cannot tell it from a
reworded answerable question. What can is how close it comes to questions already judged:

- answerable ones, each tied to the clause that answers it: the development gold set's questions
  (`bot/data/known_questions.jsonl`, written by `eval/calibrate.py --write`) and the questions
  trainers taught (bot/teaching.py);
- unanswerable ones: the gold set's out-of-scope questions, each judged against the documents it
  names in `docs`, and only used while the clause found belongs to one of them (a unit that loads a
  law which answers such a question makes the memory about it stale, not binding).

Three features for bot/trust.py: `known_near`, the cosine (e5, question to question) to the nearest
answerable question of the clause found; `refused_near`, to the nearest unanswerable one; and
`refused_same_kind`, to the nearest unanswerable one asking the same kind of thing (a date, a
period, an amount, a body…): 国务院《行动计划》一共部署了多少项重点任务 is out of scope, and says
little about 《行动计划》部署的各项重点任务什么时候全面落实, which the plan answers. A
known question is never compared with itself: one whose search text is the question's own is left
out, so the development set is measured leave-one-out and the figures stay honest.
A clause fewer than MIN_KNOWN answerable known questions are tied to (one from a text a unit added,
or taught once) gets no such features, and the refusal model without them decides, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .asked import asked_kinds
from .errors import ConfigError
from .extract import sentence_span
from .query import expand, sanitize
from .retrieve import clause_doc, move_first

KNOWN_FILE = "known_questions.jsonl"
KNOWN_FEATURES = ("known_near", "refused_near", "refused_same_kind")
MIN_KNOWN = 3  # answerable known questions a clause needs before the features apply to it
FLOOR = 0.75  # cosine used when no known question of a kind applies (e5 query pairs seldom go lower)
# The clause vote (`KnownIndex.vote`): the answerable known questions within VOTE_WIDTH of the
# nearest, that nearest at least VOTE_NEAREST, each weighted exp((cosine - nearest) / VOTE_TAU);
# a clause with at least VOTE_SHARE of the weight that the search found among its first
# VOTE_DEPTH goes first. Chosen on the development set with each question's own batch left out
# of the memory (eval/trials/README.md, eleventh session).
VOTE_NEAREST = 0.90
VOTE_WIDTH = 0.03
VOTE_TAU = 0.01
VOTE_SHARE = 0.6
VOTE_DEPTH = 5
# A voted clause the search did not find among its first VOTE_DEPTH is brought in first when the
# nearest known question is at least this near (fourteenth session; eval/trials/session14_rules.txt):
# 我的证还没发下来，能不能先自己一个人去现场查案子 finds nothing of 二（一）3 by its words, while five
# known questions at 0.95-0.97 are that clause's.
# Since the seventeenth session (step R2, eval/trials/session17_rules.txt) it is 0.93 (was 0.95): with
# 24,744 known questions (11,000 when 0.93 first moved nothing) a near one of the right clause is
# often there. Chosen on b166-b173, which the memory did not hold (clause and fact right +14 -0 of 640).
VOTE_BRING = 0.93
# The sentence vote (`KnownIndex.sentence_shares`): of the answerable known questions tied to the
# clause being quoted, those within SENTENCE_WIDTH of the nearest, the nearest at least
# SENTENCE_NEAREST, each weighted exp((cosine - nearest) / SENTENCE_TAU), share out their weight
# among the sentences that hold every key of theirs. Chosen like the clause vote
# (eval/trials/sentence_vote.py, twelfth session).
SENTENCE_NEAREST = 0.85
SENTENCE_WIDTH = 0.03
SENTENCE_TAU = 0.01


@dataclass(frozen=True)
class KnownQuestion:
    question: str
    answerable: bool
    doc_id: str = ""  # answerable: the clause's document and label
    label: str = ""
    docs: tuple[str, ...] = ()  # unanswerable: the documents it was judged against
    key: tuple[str, ...] = ()  # answerable: what a right answer states (the gold set's key)


@lru_cache(maxsize=1)
def builtin() -> tuple[KnownQuestion, ...]:
    source = resources.files("bot.data").joinpath(KNOWN_FILE)
    if not source.is_file():
        return ()  # not written yet (eval/calibrate.py --write makes it)
    out, number = [], 0
    try:
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):  # noqa: B007 - named in the error
            if line.strip():
                d = json.loads(line)
                out.append(
                    KnownQuestion(
                        str(d["question"]),
                        bool(d["answerable"]),
                        str(d.get("doc_id", "")),
                        str(d.get("label", "")),
                        tuple(d.get("docs", ())),
                        tuple(d.get("key", ())),
                    )
                )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"拒答模型的记忆文件 bot/data/{KNOWN_FILE} 第 {number} 行损坏（{exc.__class__.__name__}）："
            "请重新安装本程序，或在开发目录运行 .venv/bin/python eval/calibrate.py --write 重新生成"
        ) from exc
    return tuple(out)


def specific_kinds(question: str) -> frozenset[str]:
    """The specific kinds of thing a question asks for (a date, a period, an amount, a body…)."""
    return frozenset(k for k in asked_kinds(question) if k not in ("yesno", "list"))


def search_text(question: str) -> str:
    """The text retrieval searches for `question` asked on its own (bot/query.py's understand)."""
    return expand(sanitize(question)[0])


def _cached_vectors(texts: list[str], encoder, cache_dir: Path | None, model_id: str) -> np.ndarray:
    """Query vectors of `texts`, kept in the model cache: a few seconds of encoding, paid once."""
    key = hashlib.sha256(("\n".join(texts) + "\0" + model_id).encode("utf-8")).hexdigest()[:16]
    path = Path(cache_dir) / f"known-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            vectors = np.load(path)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            pass  # a torn or foreign file: encode again and replace it
    embedder = getattr(encoder, "embedder", None)
    if embedder is not None and hasattr(embedder, "encode_queries"):
        vectors = np.asarray(embedder.encode_queries(texts), dtype=np.float32)
    else:
        vectors = np.array([encoder(t) for t in texts], dtype=np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".known-", suffix=".npy", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vectors)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache: the vectors are simply made again next time
    return vectors


class KnownIndex:
    """The known questions usable with one store: vectors, and the clause (or documents) of each."""

    def __init__(
        self,
        searches: list[str],
        vectors: np.ndarray,
        clause: np.ndarray,
        docs: list[frozenset[str]],
        builtin: int,
        kinds: list[frozenset[str]] | None = None,
        sentence_votes: dict[int, np.ndarray] | None = None,
    ):
        self.searches = searches
        self.kinds = kinds if kinds is not None else [frozenset()] * len(searches)
        self.vectors = vectors
        self.clause = clause  # clause index of an answerable question, -1 for an unanswerable one
        self.docs = docs  # documents an unanswerable question was judged against
        counts = np.bincount(clause[clause >= 0]) if (clause >= 0).any() else np.zeros(0, int)
        # A clause counts as known with a few answerable questions of its own (the seed's have 8–29):
        # one taught alias of a newly added clause says too little about how its questions are put.
        self.covered = frozenset(int(c) for c in np.flatnonzero(counts >= MIN_KNOWN))
        # The first `builtin` are the shipped ones (left out when asked verbatim); the rest were
        # taught by trainers, and count in full.
        self.taught = np.arange(len(searches)) >= builtin
        self._taught_refusal = self.taught & (clause < 0)
        self._builtin_rows: dict[str, list[int]] = {}
        for i, text in enumerate(searches[:builtin]):
            self._builtin_rows.setdefault(text, []).append(i)
        self._refused_for: dict[str, np.ndarray] = {}  # per document: the unanswerable ones that hold
        self._kind_masks: dict[frozenset[str], np.ndarray] = {}
        self._last: tuple | None = None  # `_similarities` of the last question asked
        # Per known question with a key: its share of a vote for each sentence of its clause.
        self.sentence_votes = sentence_votes or {}
        self._voters = np.zeros(len(searches), dtype=bool)
        self._voters[list(self.sentence_votes)] = True

    def _refused(self, doc_id: str) -> np.ndarray:
        mask = self._refused_for.get(doc_id)
        if mask is None:
            mask = self._refused_for[doc_id] = np.array(
                [c < 0 and doc_id in d for c, d in zip(self.clause, self.docs)], dtype=bool
            )
        return mask

    def __len__(self) -> int:
        return len(self.searches)

    def features(
        self, search: str, vector: np.ndarray, clause_index: int, doc_id: str, kinds: frozenset[str]
    ) -> dict[str, float] | None:
        """KNOWN_FEATURES for a question found at `clause_index` that asks for `kinds`
        (`specific_kinds`); None when no known question is tied to that clause (then the model
        without these features decides)."""
        if clause_index not in self.covered:
            return None
        sims, own = self._similarities(search, vector)
        answerable = (self.clause == clause_index) & ~own
        refused = self._refused(doc_id) & ~own
        same_kind = refused & self._asking(kinds)
        return {
            "known_near": float(sims[answerable].max()) if answerable.any() else FLOOR,
            "refused_near": float(sims[refused].max()) if refused.any() else FLOOR,
            "refused_same_kind": float(sims[same_kind].max()) if same_kind.any() else FLOOR,
        }

    def vote(self, search: str, vector: np.ndarray) -> int | None:
        """The clause the nearest answerable known questions agree on (None when the nearest is
        not near enough or they disagree). The question's own row is left out, as in `features`."""
        return self._vote(search, vector)[0]

    def _vote(self, search: str, vector: np.ndarray) -> tuple[int | None, float]:
        """`vote`, and the cosine of the nearest answerable known question (0 when there is none)."""
        sims, own = self._similarities(search, vector)
        answerable = (self.clause >= 0) & ~own
        if not answerable.any():
            return None, 0.0
        sims = np.where(answerable, sims, -1.0)
        nearest = float(sims.max())
        if nearest < VOTE_NEAREST:
            return None, nearest
        near = sims >= nearest - VOTE_WIDTH
        weights = np.exp((sims[near] - nearest) / VOTE_TAU)
        votes = np.bincount(self.clause[near], weights=weights)
        best = int(votes.argmax())
        return (best if votes[best] >= VOTE_SHARE * votes.sum() else None), nearest

    def promote(self, docs: list, search: str, vector: np.ndarray, store=None, doc_ids=None) -> list:
        """`docs` (the search's list, best first) with the voted clause first, when the search
        found it among its first VOTE_DEPTH; or, given the `store`, brought in first when the search
        did not and the nearest known question is at least VOTE_BRING (a clause of `doc_ids` only,
        when the question is limited to those documents; the list keeps its length)."""
        best, nearest = self._vote(search, vector) if docs else (None, 0.0)
        if best is None:
            return docs
        moved = move_first(docs, best, VOTE_DEPTH, known_vote=True)
        found_it = moved[0].metadata["clause_index"] == best
        if found_it or store is None or nearest < VOTE_BRING or (doc_ids and store.clauses[best].doc_id not in doc_ids):
            return moved
        found = [d for d in docs if d.metadata["clause_index"] != best]
        brought = clause_doc(store, best, rrf_score=docs[0].metadata.get("rrf_score", 0.0), known_vote=True)
        return [brought, *found[: len(docs) - 1]]

    def sentence_shares(self, clause_index: int, search: str, vector: np.ndarray) -> np.ndarray | None:
        """Each sentence of the clause's share of the vote of its nearest answerable known
        questions (each for the sentences holding its key), or None when none is near enough."""
        sims, own = self._similarities(search, vector)
        rows = np.flatnonzero(self._voters & (self.clause == clause_index) & ~own)
        if not len(rows):
            return None
        nearest = float(sims[rows].max())
        if nearest < SENTENCE_NEAREST:
            return None
        rows = rows[sims[rows] >= nearest - SENTENCE_WIDTH]
        weights = np.exp((sims[rows] - nearest) / SENTENCE_TAU)
        votes = sum(w * self.sentence_votes[int(r)] for w, r in zip(weights, rows))
        return votes / weights.sum()

    def _similarities(self, search: str, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cosine of `vector` to every known question, and which rows are the question's own
        (a shipped question asked word for word, left out of its own comparison). The last
        question's are kept: the vote (retrieval) and the features (refusal) ask for the same."""
        last = self._last
        if last is not None and last[0] == search and np.array_equal(last[1], vector):
            return last[2], last[3]
        sims = self.vectors @ vector
        own = np.zeros(len(self.searches), dtype=bool)
        own[self._builtin_rows.get(search, [])] = True
        self._last = (search, vector, sims, own)  # one tuple, replaced whole: safe across threads
        return sims, own

    def _asking(self, kinds: frozenset[str]) -> np.ndarray:
        """Which known questions ask for exactly these kinds (kept per combination: a few dozen)."""
        mask = self._kind_masks.get(kinds)
        if mask is None:
            mask = self._kind_masks[kinds] = np.array([k == kinds for k in self.kinds], dtype=bool)
        return mask

    def taught_refusal(self, vector: np.ndarray, doc_id: str) -> float:
        """The cosine to the nearest refusal a trainer taught that holds for the clause's document
        (0 when none): near 1, it is the taught question asked again."""
        usable = self._taught_refusal & self._refused(doc_id)
        return float((self.vectors[usable] @ vector).max()) if usable.any() else 0.0


def known_index(
    store, encoder, cache_dir: Path | None, model_id: str, taught=None, items=None, refusals=None
) -> KnownIndex:
    """Known questions (`items`, by default the built-in ones) whose clause (by document and label)
    is in `store`, the unanswerable ones, `taught` (bot/teaching.py's AliasIndex) as answerable
    and `refusals` (its RefusalIndex) as unanswerable."""
    by_label = {(c.doc_id, c.label): i for i, c in enumerate(store.clauses)}
    searches, clause, docs, kinds, votes = [], [], [], [], {}
    for k in builtin() if items is None else items:
        if k.answerable:
            ci = by_label.get((k.doc_id, k.label))
            if ci is None:
                continue  # its clause is gone from the texts
            held = sentences_holding(store.clauses[ci].sentences, k.key)
            if held is not None:
                votes[len(searches)] = held
            clause.append(ci)
            docs.append(frozenset())
        else:
            clause.append(-1)
            docs.append(frozenset(k.docs))
        searches.append(search_text(k.question))
        kinds.append(specific_kinds(k.question))
    dim = store.sentence_vectors.shape[1]
    parts = [_cached_vectors(searches, encoder, cache_dir, model_id) if searches else np.zeros((0, dim), np.float32)]
    builtin_count = len(searches)
    if taught is not None and len(taught):
        searches += [expand(q) for q in taught.questions]
        kinds += [specific_kinds(q) for q in taught.questions]
        clause += list(taught.clause_index)
        docs += [frozenset()] * len(taught)
        parts.append(np.asarray(taught.vectors, dtype=np.float32))
    if refusals is not None and len(refusals):
        searches += [expand(q) for q in refusals.questions]
        kinds += [specific_kinds(q) for q in refusals.questions]
        clause += [-1] * len(refusals)
        docs += list(refusals.docs)
        parts.append(np.asarray(refusals.vectors, dtype=np.float32))
    return KnownIndex(searches, np.vstack(parts), np.array(clause, dtype=int), docs, builtin_count, kinds, votes)


def sentences_holding(sentences: list[str], key: tuple[str, ...]) -> np.ndarray | None:
    """1/n for each of the n sentences whose whole (parts joined at ；, as quoted) holds every
    string of `key`; None without a key or when no one sentence holds it all (the text changed)."""
    if not key:
        return None
    holds = np.zeros(len(sentences))
    for i in range(len(sentences)):
        first, last = sentence_span(sentences, i)
        holds[i] = all(k in "".join(sentences[first : last + 1]) for k in key)
    return holds / holds.sum() if holds.any() else None
