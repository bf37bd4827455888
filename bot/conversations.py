"""Officers' conversations: each question and its answer kept, so a reload or another day shows
them again, with their citations and ratings. Every call names the user; nobody reaches another's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from .db import Database, conversation_turns, conversations, feedback, utcnow
from .errors import UnknownConversation

MAX_TITLE = 60  # characters of the first question that name a conversation in the list
MAX_QUESTION = 2000
MAX_LISTED = 100
MAX_TURNS_SHOWN = 200


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Turn:
    id: int
    question: str
    record: dict  # answer_record(...) or error_record(...)
    rating: int | None
    feedback_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class AnsweredTurn:
    """One answer as the trainers' review sees it: the turn itself and its rating, nothing else
    of the officer's (no conversation title, no other turns)."""

    id: int
    user_id: str
    question: str
    answer: str
    refused: bool
    cited: list[str]  # clause labels
    rating: int | None
    correction: str | None
    feedback_id: int | None
    created_at: datetime


def answer_record(answer) -> dict:
    """What is kept of an Answer: everything the page shows, citations whole (highlight included)."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "conclusion": getattr(answer, "conclusion", "") or "",
        "refused": bool(answer.refused),
        "mode": answer.mode,
        "notices": list(answer.notices),
        "citations": [asdict(c) for c in answer.citations],
        "generation": getattr(answer, "generation", ""),
    }


def error_record(question: str, message: str) -> dict:
    """A question that got a message instead of an answer (empty, too long to read, bad characters)."""
    return {"question": question, "error": message}


class ConversationService:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self._now = now

    def start(self, user_id: str, first_question: str) -> int:
        title = " ".join((first_question or "").split())
        title = title if len(title) <= MAX_TITLE else title[:MAX_TITLE] + "…"
        now = self._now()
        with self.db.write() as conn:
            result = conn.execute(
                insert(conversations).values(
                    user_id=user_id, title=title or "（空白问题）", created_at=now, updated_at=now
                )
            )
            return result.inserted_primary_key[0]

    def add_turn(self, conversation_id: int, user_id: str, question: str, record: dict) -> Turn:
        now = self._now()
        question = (question or "")[:MAX_QUESTION]
        self._check_id(conversation_id)
        with self.db.write() as conn:
            # Touching the conversation is also the ownership check: no row of this user, no turn.
            touched = conn.execute(
                update(conversations)
                .where((conversations.c.id == conversation_id) & (conversations.c.user_id == user_id))
                .values(updated_at=now)
            )
            if not touched.rowcount:
                raise UnknownConversation(conversation_id)
            result = conn.execute(
                insert(conversation_turns).values(
                    conversation_id=conversation_id,
                    question=question,
                    record=json.dumps(record, ensure_ascii=False),
                    created_at=now,
                )
            )
        return Turn(result.inserted_primary_key[0], question, record, None, None, now)

    def list(self, user_id: str, limit: int = MAX_LISTED) -> list[ConversationSummary]:
        """The user's conversations, most recently used first."""
        query = (
            select(conversations)
            .where(conversations.c.user_id == user_id)
            .order_by(conversations.c.updated_at.desc(), conversations.c.id.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            return [ConversationSummary(r.id, r.title, r.created_at, r.updated_at) for r in conn.execute(query)]

    def latest(self, user_id: str) -> int | None:
        with self.db.read() as conn:
            return conn.execute(
                select(conversations.c.id)
                .where(conversations.c.user_id == user_id)
                .order_by(conversations.c.updated_at.desc(), conversations.c.id.desc())
                .limit(1)
            ).scalar()

    def recent_answers(self, limit: int = 200) -> list[AnsweredTurn]:
        """The latest answered turns across all officers, newest first (questions that got a
        message instead of an answer left out), with the rating and correction each got."""
        query = (
            select(
                conversation_turns.c.id,
                conversation_turns.c.question,
                conversation_turns.c.record,
                conversation_turns.c.rating,
                conversation_turns.c.feedback_id,
                conversation_turns.c.created_at,
                conversations.c.user_id,
                feedback.c.correction,
            )
            .join(conversations, conversations.c.id == conversation_turns.c.conversation_id)
            .outerjoin(feedback, feedback.c.id == conversation_turns.c.feedback_id)
            .order_by(conversation_turns.c.id.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            record = json.loads(r.record)
            if "error" in record:
                continue
            cited = [c.get("label", "") for c in record.get("citations") or () if isinstance(c, dict)]
            out.append(
                AnsweredTurn(
                    r.id,
                    r.user_id,
                    record.get("question") or r.question,
                    record.get("answer", ""),
                    bool(record.get("refused")),
                    cited,
                    r.rating,
                    r.correction,
                    r.feedback_id,
                    r.created_at,
                )
            )
        return out

    def turns(self, conversation_id: int, user_id: str) -> list[Turn]:
        """The conversation's turns, oldest first (the latest MAX_TURNS_SHOWN)."""
        self._check_id(conversation_id)
        with self.db.read() as conn:
            rows = conn.execute(
                select(conversation_turns)
                .join(conversations, conversations.c.id == conversation_turns.c.conversation_id)
                .where((conversation_turns.c.conversation_id == conversation_id) & (conversations.c.user_id == user_id))
                .order_by(conversation_turns.c.id.desc())
                .limit(MAX_TURNS_SHOWN)
            ).all()
            if not rows:  # empty, or not this user's: only the latter is an error
                self._owned(conn, conversation_id, user_id)
        return [
            Turn(r.id, r.question, json.loads(r.record), r.rating, r.feedback_id, r.created_at) for r in reversed(rows)
        ]

    def rate(
        self, conversation_id: int, user_id: str, turn_id: int, rating: int | None, feedback_id: int | None
    ) -> None:
        """Remember the rating shown on a turn (and the feedback record it made)."""
        with self.db.write() as conn:
            self._owned(conn, conversation_id, user_id)
            done = conn.execute(
                update(conversation_turns)
                .where((conversation_turns.c.id == turn_id) & (conversation_turns.c.conversation_id == conversation_id))
                .values(rating=rating, feedback_id=feedback_id)
            )
            if not done.rowcount:
                raise UnknownConversation(conversation_id)

    def delete(self, conversation_id: int, user_id: str) -> None:
        with self.db.write() as conn:
            self._owned(conn, conversation_id, user_id)
            conn.execute(delete(conversation_turns).where(conversation_turns.c.conversation_id == conversation_id))
            conn.execute(delete(conversations).where(conversations.c.id == conversation_id))

    def clear(self, user_id: str) -> int:
        """Delete all of the user's conversations; returns how many there were."""
        with self.db.write() as conn:
            ids = select(conversations.c.id).where(conversations.c.user_id == user_id)
            conn.execute(delete(conversation_turns).where(conversation_turns.c.conversation_id.in_(ids)))
            return conn.execute(delete(conversations).where(conversations.c.user_id == user_id)).rowcount

    @staticmethod
    def _check_id(conversation_id) -> None:
        if isinstance(conversation_id, bool) or not isinstance(conversation_id, int):
            raise UnknownConversation(conversation_id)

    @classmethod
    def _owned(cls, conn, conversation_id, user_id: str) -> None:
        cls._check_id(conversation_id)
        found = conn.execute(
            select(conversations.c.id).where(
                (conversations.c.id == conversation_id) & (conversations.c.user_id == user_id)
            )
        ).first()
        if found is None:
            raise UnknownConversation(conversation_id)
