"""Trainers' review of real answers: the answers officers flagged and a random sample of recent
ones; each marked correct or incorrect with a note; for an incorrect one, the right clause and the
key facts, from which it may be promoted into the trainers' gold set (scored by `studybot eval`)
and taught (bot/teaching.py). Every action checks on the server that the actor is a trainer.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select

from .accounts import User
from .db import Database, answer_reviews, feedback, utcnow
from .errors import BadReview, Forbidden, UnknownFeedback
from .query import sanitize

VERDICTS = {"correct": "正确", "incorrect": "不正确"}
MAX_NOTE = 2000
MAX_FACTS = 10


@dataclass(frozen=True)
class Candidate:
    """An answer waiting for a trainer's look."""

    source: str  # "feedback" (an officer flagged it) or "sample" (a recent answer, drawn at random)
    feedback_id: int | None
    question: str
    answer: str
    cited: list[str]  # clause labels
    user_id: str
    created_at: datetime
    reviewed: bool


@dataclass(frozen=True)
class Review:
    id: int
    feedback_id: int | None
    question: str
    verdict: str
    note: str | None
    clause_id: str | None
    clause_label: str | None
    key_facts: list[str]
    promoted_to: str | None
    alias_id: int | None
    reviewed_by: str
    reviewed_at: datetime


def gold_file(data_dir: Path) -> Path:
    """The trainers' own gold set, beside the database: `studybot eval` scores it too."""
    return Path(data_dir) / "gold" / "reviewed.jsonl"


class ReviewService:
    def __init__(self, db: Database, data_dir: Path, *, now: Callable[[], datetime] = utcnow,
                 recent_answers: Callable[[int], list[Candidate]] | None = None):
        self.db = db
        self.data_dir = Path(data_dir)
        self._now = now
        # Recent answers from the stored conversations (the web app provides them, if any).
        self.recent_answers = recent_answers

    @staticmethod
    def _require(actor: User) -> None:
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以审阅回答")

    def queue(self, actor: User, sample: int = 10, seed: int | None = None) -> list[Candidate]:
        """Flagged answers not yet reviewed, newest first, then a random sample of recent ones."""
        self._require(actor)
        with self.db.read() as conn:
            rows = conn.execute(select(feedback).order_by(feedback.c.created_at.desc()).limit(500)).all()
        flagged = [r for r in rows if (r.rating == -1 or r.correction) and not r.reviewed]
        out = [_candidate("feedback", r) for r in flagged]
        pool = list(self.recent_answers(200)) if self.recent_answers else []
        if not pool:
            pool = [_candidate("sample", r) for r in rows if not (r.rating == -1 or r.correction)]
        rng = random.Random(seed)
        out += rng.sample(pool, min(sample, len(pool)))
        return out

    def mark(self, actor: User, *, question: str, answer: str, verdict: str, note: str = "",
             feedback_id: int | None = None, clause=None, key_facts: list[str] | None = None) -> Review:
        """Record a trainer's verdict; `clause` (a ClauseRecord) and `key_facts` for an incorrect one."""
        self._require(actor)
        if verdict not in VERDICTS:
            raise BadReview(f"审阅结论 {verdict!r} 无效：只能是 correct（正确）或 incorrect（不正确）")
        text, _ = sanitize(question)
        facts = [f.strip() for f in (key_facts or []) if f and f.strip()][:MAX_FACTS]
        if clause is not None:
            missing = [f for f in facts if f not in clause.text]
            if missing:
                raise BadReview(f"要点 {'、'.join(missing)} 不在条款 {clause.label} 的原文中：要点须是原文里的字句")
        if feedback_id is not None:
            with self.db.read() as conn:
                if conn.execute(select(feedback.c.id).where(feedback.c.id == feedback_id)).first() is None:
                    raise UnknownFeedback(feedback_id)
        with self.db.write() as conn:
            review_id = conn.execute(insert(answer_reviews).values(
                feedback_id=feedback_id, source="feedback" if feedback_id else "sample", question=text,
                answer=answer or "", verdict=verdict, note=(note or "").strip()[:MAX_NOTE] or None,
                clause_id=clause.clause_id if clause is not None else None,
                clause_label=clause.label if clause is not None else None,
                key_facts=json.dumps(facts, ensure_ascii=False), reviewed_by=actor.id, reviewed_at=self._now(),
            )).inserted_primary_key[0]
            if feedback_id is not None:
                conn.execute(feedback.update().where(feedback.c.id == feedback_id).values(
                    reviewed=True, review_note=f"{VERDICTS[verdict]}：{note}".strip("："), reviewed_at=self._now(),
                    reviewed_by=actor.id))
        return self.get(review_id)

    def get(self, review_id: int) -> Review:
        with self.db.read() as conn:
            row = conn.execute(select(answer_reviews).where(answer_reviews.c.id == review_id)).one_or_none()
        if row is None:
            raise BadReview(f"找不到编号为 {review_id} 的审阅记录，请刷新后重新选择")
        return _review(row)

    def reviews(self, limit: int = 500) -> list[Review]:
        with self.db.read() as conn:
            rows = conn.execute(select(answer_reviews).order_by(answer_reviews.c.id.desc()).limit(limit)).all()
        return [_review(r) for r in rows]

    def promote(self, actor: User, review_id: int) -> Path:
        """Append the reviewed question, its right clause and key facts to the trainers' gold set."""
        self._require(actor)
        review = self.get(review_id)
        if not review.clause_label or not review.key_facts:
            raise BadReview("加入评测题集前，请先选出正确条款并填写至少一个要点")
        path = gold_file(self.data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"id": f"r{review.id:05d}", "question": review.question, "kind": "fact",
                "gold": [review.clause_label], "key": review.key_facts, "note": f"审阅 {review.id}，{actor.id}"}
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        if f'"id": "{line["id"]}"' not in existing:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        with self.db.write() as conn:
            conn.execute(answer_reviews.update().where(answer_reviews.c.id == review_id).values(
                promoted_to=path.name))
        return path

    def link_alias(self, review_id: int, alias_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(answer_reviews.update().where(answer_reviews.c.id == review_id).values(alias_id=alias_id))

    def accuracy_by_day(self) -> list[tuple[str, int, float]]:
        """(day, reviewed, share correct) of the trainers' marks, oldest first."""
        days: dict[str, list[bool]] = {}
        for r in reversed(self.reviews(limit=100_000)):
            days.setdefault(r.reviewed_at.date().isoformat(), []).append(r.verdict == "correct")
        return [(day, len(v), sum(v) / len(v)) for day, v in days.items()]


def _candidate(source: str, row) -> Candidate:
    cited = [c.get("label", "") for c in json.loads(row.citations or "[]") if isinstance(c, dict)]
    return Candidate(source, row.id, row.question, row.answer, cited, row.user_id, row.created_at, bool(row.reviewed))


def _review(row) -> Review:
    return Review(row.id, row.feedback_id, row.question, row.verdict, row.note, row.clause_id, row.clause_label,
                  json.loads(row.key_facts or "[]"), row.promoted_to, row.alias_id, row.reviewed_by, row.reviewed_at)
