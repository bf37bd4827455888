"""Officers' ratings and corrections of answers, kept for the trainers' review page."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from .db import Database, feedback, users, utcnow
from .errors import BadFeedback, UnknownFeedback, UnknownUser

MAX_CORRECTION = 2000
MAX_MODE = 32
MAX_LIST = 1000


@dataclass(frozen=True)
class Feedback:
    id: int
    user_id: str
    question: str
    answer: str
    citations: list[dict]
    rating: int  # 1 helpful, -1 not helpful
    correction: str | None
    mode: str
    created_at: datetime
    reviewed: bool
    review_note: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None

    @property
    def flagged(self) -> bool:
        """Worth a trainer's look: rated unhelpful, or the officer wrote a correction."""
        return self.rating == -1 or self.correction is not None


class FeedbackService:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self._now = now

    def record(
        self,
        user_id: str,
        question: str,
        answer: str,
        citations: list[dict],
        rating: int,
        correction: str | None,
        mode: str,
    ) -> int:
        """Store one rating of an answer; returns its id."""
        # bool is an int in Python; True must not pass as a thumbs-up by accident.
        if isinstance(rating, bool) or rating not in (1, -1):
            raise BadFeedback(f"评价 {rating!r} 无效：只能是 1（有帮助）或 -1（没帮助）")
        if not (question or "").strip():
            raise BadFeedback("问题为空，无法记录反馈，请先提问再评价回答")
        mode = (mode or "").strip()
        if not mode or len(mode) > MAX_MODE:
            raise BadFeedback(f"回答方式 {mode!r} 无效：不能为空，最长 {MAX_MODE} 个字符")
        correction = (correction or "").strip()[:MAX_CORRECTION] or None
        with self.db.write() as conn:
            _require_user(conn, user_id)
            result = conn.execute(
                insert(feedback).values(
                    user_id=user_id,
                    question=question.strip(),
                    answer=answer or "",
                    citations=_citations_json(citations),
                    rating=rating,
                    correction=correction,
                    mode=mode,
                    created_at=self._now(),
                    reviewed=False,
                )
            )
            return result.inserted_primary_key[0]

    def set_correction(self, feedback_id: int, user_id: str, correction: str | None) -> Feedback:
        """The officer's correction added to (or changed on) a rating they gave."""
        correction = (correction or "").strip()[:MAX_CORRECTION] or None
        with self.db.write() as conn:
            done = conn.execute(
                update(feedback)
                .where((feedback.c.id == feedback_id) & (feedback.c.user_id == user_id))
                .values(correction=correction)
            )
            if not done.rowcount:
                raise UnknownFeedback(feedback_id)
        return self.get(feedback_id)

    def get(self, feedback_id: int) -> Feedback:
        with self.db.read() as conn:
            row = conn.execute(select(feedback).where(feedback.c.id == feedback_id)).one_or_none()
        if row is None:
            raise UnknownFeedback(feedback_id)
        return _feedback(row)

    def mark_reviewed(self, feedback_id: int, note: str | None = None, reviewer_id: str | None = None) -> Feedback:
        """A trainer has looked at it; the note (e.g. what was fixed in the corpus) is kept."""
        with self.db.write() as conn:
            if reviewer_id is not None:
                _require_user(conn, reviewer_id)
            done = conn.execute(
                update(feedback)
                .where(feedback.c.id == feedback_id)
                .values(
                    reviewed=True,
                    review_note=(note or "").strip() or None,
                    reviewed_at=self._now(),
                    reviewed_by=reviewer_id,
                )
            )
            if not done.rowcount:
                raise UnknownFeedback(feedback_id)
        return self.get(feedback_id)

    # Defined last: inside the class body the name `list` means this method from here on.
    def list(
        self, flagged_only: bool = False, reviewed: bool | None = None, limit: int = 100, offset: int = 0
    ) -> list[Feedback]:
        """Newest first; `reviewed` None means both reviewed and not yet reviewed."""
        if not 1 <= limit <= MAX_LIST:
            raise BadFeedback(f"每页条数 {limit} 无效：应在 1 到 {MAX_LIST} 之间")
        query = select(feedback).order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
        if flagged_only:
            query = query.where(or_(feedback.c.rating == -1, feedback.c.correction.is_not(None)))
        if reviewed is not None:
            query = query.where(feedback.c.reviewed == reviewed)
        with self.db.read() as conn:
            rows = conn.execute(query.limit(limit).offset(max(0, offset))).all()
        return [_feedback(row) for row in rows]


def _require_user(conn: Connection, user_id: str) -> None:
    # Checked here, not left to the foreign key, so the message says which account is missing.
    if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
        raise UnknownUser(user_id)


def _citations_json(citations) -> str:
    if citations is None:
        citations = []
    if not isinstance(citations, (list, tuple)) or not all(isinstance(c, dict) for c in citations):
        raise BadFeedback("引用格式无效：应为条款信息（字典）的列表，请检查调用代码")
    try:
        # ensure_ascii=False keeps the Chinese readable when someone inspects the database.
        return json.dumps(list(citations), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise BadFeedback(f"引用无法保存为 JSON：{exc}") from exc


def _feedback(row) -> Feedback:
    return Feedback(
        id=row.id,
        user_id=row.user_id,
        question=row.question,
        answer=row.answer,
        citations=json.loads(row.citations or "[]"),
        rating=row.rating,
        correction=row.correction,
        mode=row.mode,
        created_at=row.created_at,
        reviewed=bool(row.reviewed),
        review_note=row.review_note,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
    )
