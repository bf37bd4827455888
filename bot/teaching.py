"""Teaching: a question the assistant answered wrongly, saved by a trainer as an alias of the
clause that answers it, or as a refusal when the texts loaded do not cover it. Aliases are searched beside the clauses' sentences (an alias list in the
fusion, bot/retrieve.py), so the same and similar questions find that clause next time; a question
asked again almost word for word is answered from its taught clause.

A taught refusal is refused when asked again almost word for word (while the clause found belongs
to a document loaded when it was taught), and weighs toward a refusal for similar questions
through the refusal model's memory (bot/known.py).

Aliases and refusals live in the application database (who taught what, when; removed ones stay, marked), not
in the index: teaching takes effect at once, without rebuilding anything. Each alias keeps its
question's vector, computed once when it is taught.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, insert, select, update

from .accounts import User
from .db import Database, taught_aliases, taught_refusals, utcnow
from .errors import BadQuestion, Forbidden, UnknownAlias, UnknownRefusal
from .keywords import KeywordIndex
from .query import expand, sanitize

# How long an answer trusts the taught aliases it has without asking the database again.
VERSION_CHECK_S = 2.0
# Cosine (e5, query to query) at which a question is the taught one asked again: answered from
# the taught clause, whatever the other lists say. Measured on the development questions: small
# edits of a question (a 请问, a dropped ？) stay above 0.987 (1st percentile), while questions
# about different clauses reach 0.931 at the 99.9th percentile and 0.953 at most.
SAME_QUESTION = 0.97
# Below this an alias is not a match at all (questions about other clauses rarely reach it).
SIMILAR_QUESTION = 0.93


@dataclass(frozen=True)
class Alias:
    id: int
    question: str
    clause_id: str
    doc_id: str
    clause_label: str
    created_by: str | None
    created_at: datetime
    removed_by: str | None
    removed_at: datetime | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "question": self.question,
            "clause_id": self.clause_id,
            "label": self.clause_label,
            "doc_id": self.doc_id,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "removed": self.removed_at is not None,
        }


@dataclass(frozen=True)
class Refusal:
    id: int
    question: str
    docs: tuple[str, ...]
    created_by: str | None
    created_at: datetime
    removed_by: str | None
    removed_at: datetime | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "question": self.question,
            "docs": list(self.docs),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "removed": self.removed_at is not None,
        }


@dataclass(frozen=True)
class RefusalIndex:
    """The active taught refusals: their questions, vectors and the documents each was judged on."""

    questions: list[str]
    vectors: np.ndarray
    docs: list[frozenset[str]]

    def __len__(self) -> int:
        return len(self.questions)


class AliasIndex:
    """The active aliases of one store: their vectors and the clause each stands for."""

    def __init__(self, questions: list[str], vectors: np.ndarray, clause_index: list[int]):
        self.questions = questions
        self.vectors = vectors
        self.clause_index = clause_index
        self.keywords = KeywordIndex.build(questions, "bigrams") if questions else None

    def __len__(self) -> int:
        return len(self.questions)

    def matches(self, vector: np.ndarray) -> list[tuple[int, float]]:
        """(clause index, best cosine) of every clause an alias of which is similar, best first."""
        if not len(self):
            return []
        sims = self.vectors @ vector
        best: dict[int, float] = {}
        for i in np.argsort(-sims):
            if sims[i] < SIMILAR_QUESTION:
                break
            best.setdefault(self.clause_index[i], float(sims[i]))
        return sorted(best.items(), key=lambda x: -x[1])


class TeachingService:
    def __init__(self, db: Database, encoder, model_id: Callable[[], str], *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self.encoder = encoder
        self._model_id = model_id
        self._now = now
        self._cache: tuple[object, str, AliasIndex] | None = None
        self._checked_at = float("-inf")
        self._refusals: tuple[object, RefusalIndex] | None = None
        self._refusals_checked_at = float("-inf")

    def teach(self, actor: User, question: str, clause) -> Alias:
        """Save `question` as an alias of `clause` (a ClauseRecord of the current index)."""
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以教学（把问题关联到正确条款）")
        text, _ = sanitize(question)
        if len(text) < 4:
            raise BadQuestion("要教学的问题太短，请写出完整的问题")
        vector = self._vector(text)
        with self.db.write() as conn:
            alias_id = conn.execute(
                insert(taught_aliases).values(
                    question=text,
                    clause_id=clause.clause_id,
                    doc_id=clause.doc_id,
                    clause_label=clause.label,
                    model_id=self._model_id(),
                    vector=vector.tobytes(),
                    created_by=actor.id,
                    created_at=self._now(),
                )
            ).inserted_primary_key[0]
        self._cache = None
        return self.get(alias_id)

    def teach_refusal(self, actor: User, question: str, docs) -> Refusal:
        """Save `question` as one the texts loaded (`docs`, document ids) do not cover; teaching
        the same question again returns the refusal already taught."""
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以教学（把问题标记为文本没有涉及）")
        text, _ = sanitize(question)
        if len(text) < 4:
            raise BadQuestion("要教学的问题太短，请写出完整的问题")
        docs = sorted(set(docs))
        if not docs:
            raise BadQuestion("还没有加载任何文本：请先建立索引，再标记文本没有涉及的问题")
        for refusal in self.refusals():
            if refusal.question == text:
                return refusal
        with self.db.write() as conn:
            refusal_id = conn.execute(
                insert(taught_refusals).values(
                    question=text,
                    docs=json.dumps(docs, ensure_ascii=False),
                    model_id=self._model_id(),
                    vector=self._vector(text).tobytes(),
                    created_by=actor.id,
                    created_at=self._now(),
                )
            ).inserted_primary_key[0]
        self._refusals = None
        return self.get_refusal(refusal_id)

    def get_refusal(self, refusal_id: int) -> Refusal:
        row = self._row(taught_refusals, refusal_id)
        if row is None:
            raise UnknownRefusal(refusal_id)
        return _refusal(row)

    def refusals(self, include_removed: bool = False) -> list[Refusal]:
        return [_refusal(r) for r in self._rows(taught_refusals, include_removed)]

    def remove_refusal(self, actor: User, refusal_id: int) -> Refusal:
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以删除教学记录")
        if not self._remove(taught_refusals, actor, refusal_id):
            raise UnknownRefusal(refusal_id)
        self._refusals = None
        return self.get_refusal(refusal_id)

    def refusal_index(self, dim: int) -> RefusalIndex:
        """The active taught refusals, their vectors under the current model (`dim` wide)."""
        now = time.monotonic()
        cached = self._refusals
        if cached is not None and now - self._refusals_checked_at < VERSION_CHECK_S:
            return cached[1]
        version = self._version(taught_refusals)
        self._refusals_checked_at = now
        if cached is not None and cached[0] == version:
            return cached[1]
        model_id = self._model_id()
        questions, vectors, docs = [], [], []
        for row in self._rows(taught_refusals):
            questions.append(row.question)
            vectors.append(self._stored_vector(row, model_id, dim))
            docs.append(frozenset(json.loads(row.docs)))
        index = RefusalIndex(questions, np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32), docs)
        self._refusals = (version, index)
        return index

    def _row(self, table, row_id: int):
        with self.db.read() as conn:
            return conn.execute(select(table).where(table.c.id == row_id)).one_or_none()

    def _rows(self, table, include_removed: bool = False) -> list:
        """A teaching table's rows, newest first; the removed ones only when asked for."""
        query = select(table).order_by(table.c.id.desc())
        if not include_removed:
            query = query.where(table.c.removed_at.is_(None))
        with self.db.read() as conn:
            return conn.execute(query).all()

    def _stored_vector(self, row, model_id: str, dim: int) -> np.ndarray:
        """The vector kept with a taught question, or a new one if it was taught under another model."""
        vector = np.frombuffer(row.vector, dtype=np.float32)
        if row.model_id != model_id or len(vector) != dim:
            vector = self._vector(row.question)
        return vector

    def _remove(self, table, actor: User, row_id: int) -> bool:
        with self.db.write() as conn:
            done = conn.execute(
                update(table)
                .where((table.c.id == row_id) & table.c.removed_at.is_(None))
                .values(removed_at=self._now(), removed_by=actor.id)
            )
        return bool(done.rowcount)

    def _vector(self, question: str) -> np.ndarray:
        # Retrieval searches a question in its expanded form (bot/query.py): so is the alias.
        return np.asarray(self.encoder(expand(question)), dtype=np.float32)

    def get(self, alias_id: int) -> Alias:
        row = self._row(taught_aliases, alias_id)
        if row is None:
            raise UnknownAlias(alias_id)
        return _alias(row)

    def list(self, include_removed: bool = False) -> list[Alias]:
        return [_alias(r) for r in self._rows(taught_aliases, include_removed)]

    def remove(self, actor: User, alias_id: int) -> Alias:
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以删除教学记录")
        if not self._remove(taught_aliases, actor, alias_id):
            raise UnknownAlias(alias_id)
        self._cache = None
        return self.get(alias_id)

    def _version(self, table=taught_aliases) -> tuple:
        with self.db.read() as conn:
            return tuple(conn.execute(select(func.count(), func.max(table.c.id), func.count(table.c.removed_at))).one())

    def index_for(self, store) -> AliasIndex:
        """The aliases usable with this store (clauses found by id, or by document and label).
        Asked on every answer: the database is asked whether aliases changed at most every
        VERSION_CHECK_S (teaching in this process shows at once; in another, within that time)."""
        now = time.monotonic()
        cached = self._cache
        if cached is not None and cached[1] == store.name and now - self._checked_at < VERSION_CHECK_S:
            return cached[2]
        version = (self._version(), store.name)
        self._checked_at = now
        if cached is not None and cached[0] == version:
            return cached[2]
        model_id, dim = self._model_id(), store.sentence_vectors.shape[1]
        by_label = {(c.doc_id, c.label): i for i, c in enumerate(store.clauses)}
        questions, vectors, owners = [], [], []
        for row in reversed(self._rows(taught_aliases)):  # oldest first, as before
            ci = store.index_of.get(row.clause_id, by_label.get((row.doc_id, row.clause_label)))
            if ci is None:
                continue  # its clause is gone from the texts
            questions.append(row.question)
            vectors.append(self._stored_vector(row, model_id, dim))
            owners.append(ci)
        matrix = np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32)
        index = AliasIndex(questions, matrix, owners)
        self._cache = (version, store.name, index)
        return index


def _refusal(row) -> Refusal:
    return Refusal(
        row.id,
        row.question,
        tuple(json.loads(row.docs)),
        row.created_by,
        row.created_at,
        row.removed_by,
        row.removed_at,
    )


def _alias(row) -> Alias:
    return Alias(
        row.id,
        row.question,
        row.clause_id,
        row.doc_id,
        row.clause_label,
        row.created_by,
        row.created_at,
        row.removed_by,
        row.removed_at,
    )
