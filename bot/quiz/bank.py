"""Trainers' question banks: import (all or nothing), export, tags, retiring, and handing the
live questions to the quiz generator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from ..accounts import User
from ..db import Database, quiz_banks, quiz_question_tags, quiz_questions, utcnow
from ..errors import BankImportError, NotAllowed, UnknownBank, UnknownQuestion
from . import formats
from .formats.rows import TAG_SPLIT, question_row, validate
from .lookup import CorpusLookup, as_record
from .question import Question
from .scope import Scope


class BankService:
    def __init__(self, db: Database, store: Callable, now: Callable = utcnow):
        self.db = db
        self._store = store
        self.now = now

    @property
    def store(self):
        return self._store()

    # ------------------------------------------------------------ import / export

    def import_file(
        self, user: User | None, path: str | Path, *, name: str | None = None, unit: str | None = None
    ) -> tuple[int, int]:
        """Import a bank file as a new bank; returns (bank id, number of questions).

        `user` None is the command line (a bank for every unit unless `unit` is given). Any bad
        row refuses the whole file (BankImportError names each row and column); nothing is stored.
        """
        path = Path(path)
        unit = self._unit_for(user, unit)
        rows = formats.read_rows(path)
        questions, problems = validate(rows, self.store)
        if problems:
            raise BankImportError(problems, path.name)
        now = self.now()
        with self.db.write() as conn:
            bank_id = conn.execute(
                insert(quiz_banks).values(
                    name=(name or path.stem)[:200],
                    unit=unit,
                    source=path.name[:400],
                    created_by=user.id if user else None,
                    created_at=now,
                )
            ).inserted_primary_key[0]
            for position, q in enumerate(questions, start=1):
                qid = conn.execute(
                    insert(quiz_questions).values(
                        bank_id=bank_id,
                        position=position,
                        type=q.type,
                        stem=q.stem,
                        options=json.dumps(list(q.options), ensure_ascii=False),
                        answer=q.answer,
                        explanation=q.explanation,
                        clause_id=q.clause_id,
                        clause_label=q.label,
                        doc_id=q.doc_id,
                        retired=False,
                        created_at=now,
                    )
                ).inserted_primary_key[0]
                if q.tags:
                    conn.execute(insert(quiz_question_tags), [{"question_id": qid, "tag": t} for t in q.tags])
        return bank_id, len(questions)

    def export(self, user: User | None, fmt: str, bank_id: int | None = None, include_retired: bool = False) -> bytes:
        """A bank (or every bank the user may manage) in xlsx, csv, json or gift."""
        questions = self.questions(user, bank_id=bank_id, include_retired=include_retired, manage=True)
        refs = self._refs(questions)
        rows = [question_row(q, refs[q.key], letters=fmt in ("xlsx", "csv")) for q in questions]
        return formats.write(fmt, rows, questions)

    @staticmethod
    def template() -> bytes:
        """The empty XLSX template trainers fill in (its second sheet explains each column)."""
        return formats.write("xlsx", [])

    def _refs(self, questions: list[Question]) -> dict[str, str]:
        """How each question's clause is written in a file: its label, or doc:label when ambiguous."""
        counts: dict[str, int] = {}
        for c in self.store.clauses:
            label = as_record(c).label
            counts[label] = counts.get(label, 0) + 1
        return {q.key: q.label if counts.get(q.label, 0) <= 1 else f"{q.doc_id}:{q.label}" for q in questions}

    # ------------------------------------------------------------ reading

    def questions(
        self,
        user: User | None,
        *,
        bank_id: int | None = None,
        tag: str | None = None,
        include_retired: bool = False,
        manage: bool = False,
    ) -> list[Question]:
        """Bank questions the user may use (manage=True: may manage), oldest bank first."""
        q = select(quiz_questions, quiz_banks.c.unit).join(quiz_banks, quiz_banks.c.id == quiz_questions.c.bank_id)
        if bank_id is not None:
            q = q.where(quiz_questions.c.bank_id == bank_id)
        if not include_retired:
            q = q.where(quiz_questions.c.retired.is_(False))
        if tag is not None:
            q = q.where(
                quiz_questions.c.id.in_(select(quiz_question_tags.c.question_id).where(quiz_question_tags.c.tag == tag))
            )
        with self.db.read() as conn:
            if bank_id is not None:
                bank = conn.execute(select(quiz_banks).where(quiz_banks.c.id == bank_id)).first()
                if bank is None or not self._may_see(user, bank.unit, manage):
                    raise UnknownBank(bank_id)
            rows = conn.execute(q.order_by(quiz_questions.c.bank_id, quiz_questions.c.position)).all()
            tags: dict[int, list[str]] = {}
            for t in conn.execute(select(quiz_question_tags).order_by(quiz_question_tags.c.tag)):
                tags.setdefault(t.question_id, []).append(t.tag)
        return [_question(r, tags.get(r.id, ())) for r in rows if self._may_see(user, r.unit, manage)]

    def questions_for(
        self, scope: Scope, user: User | None, lookup: CorpusLookup, ids: list[str] | None
    ) -> list[Question]:
        """Live bank questions for a quiz over the scope: a bank or tag scope takes only those; any
        other scope those whose clause is in it (found by label if its text has changed since)."""
        if scope.kind == "bank":
            found = [q for b in scope.values for q in self.questions(user, bank_id=int(b))]
        elif scope.kind == "tag":
            found = [q for t in scope.values for q in self.questions(user, tag=t)]
        else:
            found = self.questions(user)
        by_label = {(c.doc_id, c.label): c.clause_id for c in lookup.clauses}
        wanted = None if ids is None else set(ids)
        out = []
        for q in found:
            if q.clause_id not in lookup.index_of and (q.doc_id, q.label) in by_label:
                q = q.with_(clause_id=by_label[(q.doc_id, q.label)])
            if scope.bank_only or wanted is None or q.clause_id in wanted:
                out.append(q)
        return out

    def banks(self, user: User | None) -> list[dict]:
        with self.db.read() as conn:
            rows = conn.execute(select(quiz_banks).order_by(quiz_banks.c.id)).all()
            counts = {}
            for r in conn.execute(select(quiz_questions.c.bank_id, quiz_questions.c.retired)):
                total, live = counts.get(r.bank_id, (0, 0))
                counts[r.bank_id] = (total + 1, live + (0 if r.retired else 1))
        return [
            {
                "id": r.id,
                "name": r.name,
                "unit": r.unit,
                "source": r.source,
                "created_at": r.created_at,
                "questions": counts.get(r.id, (0, 0))[0],
                "live": counts.get(r.id, (0, 0))[1],
            }
            for r in rows
            if self._may_see(user, r.unit, False)
        ]

    def names(self) -> dict[str, str]:
        with self.db.read() as conn:
            return {str(r.id): r.name for r in conn.execute(select(quiz_banks.c.id, quiz_banks.c.name))}

    # ------------------------------------------------------------ managing

    def set_tags(self, user: User | None, question_id: int, tags) -> tuple[str, ...]:
        """Replace a question's tags (a list, or text split at commas and 、)."""
        if isinstance(tags, str):
            tags = TAG_SPLIT.split(tags)
        tags = tuple(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
        if any(len(t) > 100 for t in tags):
            raise BankImportError(["每个标签最多 100 个字符"])
        with self.db.write() as conn:
            self._managed_question(conn, user, question_id)
            conn.execute(delete(quiz_question_tags).where(quiz_question_tags.c.question_id == question_id))
            if tags:
                conn.execute(insert(quiz_question_tags), [{"question_id": question_id, "tag": t} for t in tags])
        return tags

    def retire(self, user: User | None, question_id: int, retired: bool = True) -> None:
        """A retired question is no longer asked (answers already given keep their snapshot)."""
        with self.db.write() as conn:
            self._managed_question(conn, user, question_id)
            conn.execute(update(quiz_questions).where(quiz_questions.c.id == question_id).values(retired=retired))

    def _managed_question(self, conn, user, question_id):
        row = conn.execute(
            select(quiz_questions.c.id, quiz_banks.c.unit)
            .join(quiz_banks, quiz_banks.c.id == quiz_questions.c.bank_id)
            .where(quiz_questions.c.id == question_id)
        ).first()
        if row is None:
            raise UnknownQuestion(question_id)
        if not self._may_see(user, row.unit, True):
            raise NotAllowed("只有题库所属单位的培训管理员可以修改这道题")
        return row

    @staticmethod
    def _may_see(user: User | None, unit: str, manage: bool) -> bool:
        if user is None or user.is_admin:
            return True  # the command line runs with the machine owner's rights
        if manage:
            return user.is_trainer and unit == user.unit
        return unit in ("", user.unit)

    @staticmethod
    def _unit_for(user: User | None, unit: str | None) -> str:
        if user is None:
            return unit or ""
        if not user.is_trainer:
            raise NotAllowed("只有培训管理员可以导入题库")
        unit = user.unit if unit is None else unit
        if not user.manages(unit) and not (unit == "" and user.is_admin):
            raise NotAllowed(f"只能为本单位（{user.unit}）导入题库")
        return unit


def _question(row, tags) -> Question:
    return Question(
        row.type,
        row.stem,
        tuple(json.loads(row.options)),
        row.answer,
        clause_id=row.clause_id,
        label=row.clause_label,
        explanation=row.explanation,
        source="bank",
        doc_id=row.doc_id,
        question_id=row.id,
        bank_id=row.bank_id,
        tags=tuple(tags),
    )
