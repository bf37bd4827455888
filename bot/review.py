"""Trainers' review of real answers: the answers officers flagged and a random sample of recent
ones; each marked correct or incorrect with a note; for an incorrect one, the right clause and the
key facts, from which it may be promoted into the trainers' gold set (scored by `studybot eval`)
and taught (bot/teaching.py). Every action checks on the server that the actor is a trainer.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

from .accounts import User
from .db import Database, answer_reviews, feedback, utcnow
from .errors import BadQuestion, BadReview, Forbidden, UnknownFeedback
from .query import sanitize

VERDICTS = {"correct": "正确", "incorrect": "不正确"}
MAX_NOTE = 2000
MAX_FACTS = 10
GUANGDONG = timezone(timedelta(hours=8))  # a trainer's day is counted in local time
# One writer at a time for the gold file (two trainers promoting at once, in one server process).
_GOLD_LOCK = threading.Lock()


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
    rating: int | None = None  # the officer's: 1 helpful, -1 not helpful, None not rated
    correction: str | None = None
    turn_id: int | None = None  # a sampled answer: its conversation turn


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
    def __init__(
        self,
        db: Database,
        data_dir: Path,
        *,
        now: Callable[[], datetime] = utcnow,
        recent_answers: Callable[[int], list[Candidate]] | None = None,
    ):
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
            reviewed = {
                (r.question, r.answer) for r in conn.execute(select(answer_reviews.c.question, answer_reviews.c.answer))
            }
        flagged = [r for r in rows if (r.rating == -1 or r.correction) and not r.reviewed]
        out = [_candidate("feedback", r) for r in flagged]
        pool = list(self.recent_answers(200)) if self.recent_answers else []
        if not pool:
            pool = [_candidate("sample", r) for r in rows if not (r.rating == -1 or r.correction)]
        # In the sample: what nobody flagged and no trainer has reviewed yet.
        flagged_ids = {r.id for r in rows if r.rating == -1 or r.correction}
        pool = [
            c
            for c in pool
            if c.rating != -1
            and not c.correction
            and c.feedback_id not in flagged_ids
            and not c.reviewed
            and (_clean(c.question), c.answer) not in reviewed
        ]
        rng = random.Random(seed)
        out += rng.sample(pool, min(sample, len(pool)))
        return out

    def flagged(self, actor: User, feedback_id: int) -> Candidate:
        """One officer's rated answer as a queue item, by its feedback number."""
        self._require(actor)
        with self.db.read() as conn:
            row = conn.execute(select(feedback).where(feedback.c.id == feedback_id)).one_or_none()
        if row is None:
            raise UnknownFeedback(feedback_id)
        return _candidate("feedback", row)

    def mark(
        self,
        actor: User,
        *,
        question: str,
        answer: str,
        verdict: str,
        note: str = "",
        feedback_id: int | None = None,
        clause=None,
        key_facts: list[str] | None = None,
    ) -> Review:
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
        values = dict(
            verdict=verdict,
            note=(note or "").strip()[:MAX_NOTE] or None,
            clause_id=clause.clause_id if clause is not None else None,
            clause_label=clause.label if clause is not None else None,
            key_facts=json.dumps(facts, ensure_ascii=False),
            reviewed_by=actor.id,
            reviewed_at=self._now(),
        )
        # The same answer marked again (a clause picked after a first 不正确, a change of mind)
        # replaces its review: one verdict per answer in the accuracy over time.
        same = (
            answer_reviews.c.feedback_id == feedback_id
            if feedback_id is not None
            else answer_reviews.c.feedback_id.is_(None)
            & (answer_reviews.c.question == text)
            & (answer_reviews.c.answer == (answer or ""))
        )
        with self.db.write() as conn:
            review_id = conn.execute(
                select(answer_reviews.c.id).where(same).order_by(answer_reviews.c.id.desc())
            ).scalar()
            if review_id is None:
                review_id = conn.execute(
                    insert(answer_reviews).values(
                        feedback_id=feedback_id,
                        source="feedback" if feedback_id else "sample",
                        question=text,
                        answer=answer or "",
                        **values,
                    )
                ).inserted_primary_key[0]
            else:
                conn.execute(answer_reviews.update().where(answer_reviews.c.id == review_id).values(**values))
            if feedback_id is not None:
                conn.execute(
                    feedback.update()
                    .where(feedback.c.id == feedback_id)
                    .values(
                        reviewed=True,
                        review_note=f"{VERDICTS[verdict]}：{note}".strip("："),
                        reviewed_at=self._now(),
                        reviewed_by=actor.id,
                    )
                )
        review = self.get(review_id)
        if review.promoted_to:
            self._write_gold(review, actor)  # the promoted question follows the new verdict
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
        """Put the reviewed question, its right clause and key facts into the trainers' gold set (once)."""
        self._require(actor)
        review = self.get(review_id)
        if review.verdict != "incorrect" or not review.clause_label or not review.key_facts:
            raise BadReview("加入评测题集前，请先选出正确条款并填写至少一个要点")
        path = self._write_gold(review, actor)
        with self.db.write() as conn:
            conn.execute(answer_reviews.update().where(answer_reviews.c.id == review_id).values(promoted_to=path.name))
        return path

    def _write_gold(self, review: Review, actor: User) -> Path:
        """The review's line in the trainers' gold set, replacing an earlier one of the same review;
        a review no longer incorrect with a clause and key facts takes its line out."""
        path = gold_file(self.data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        qid = f"r{review.id:05d}"
        with _GOLD_LOCK:
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            kept = [line for line in lines if line.strip() and json.loads(line).get("id") != qid]
            if review.verdict == "incorrect" and review.clause_label and review.key_facts:
                kept.append(
                    json.dumps(
                        {
                            "id": qid,
                            "question": review.question,
                            "kind": "fact",
                            "gold": [review.clause_label],
                            "key": review.key_facts,
                            "note": f"审阅 {review.id}，{actor.id}",
                        },
                        ensure_ascii=False,
                    )
                )
            elif review.promoted_to:
                with self.db.write() as conn:
                    conn.execute(
                        answer_reviews.update().where(answer_reviews.c.id == review.id).values(promoted_to=None)
                    )
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            tmp.replace(path)
        return path

    def link_alias(self, actor: User, review_id: int, alias_id: int) -> None:
        """Note on a review which taught question came of it (trainers only, as teaching is)."""
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以教学（把问题关联到正确条款）")
        with self.db.write() as conn:
            conn.execute(answer_reviews.update().where(answer_reviews.c.id == review_id).values(alias_id=alias_id))

    def accuracy_by_day(self) -> list[tuple[str, int, float]]:
        """(day in Guangdong, reviewed, share correct) of the trainers' marks, oldest first."""
        days: dict[str, list[bool]] = {}
        for r in reversed(self.reviews(limit=100_000)):
            day = r.reviewed_at.astimezone(GUANGDONG).date().isoformat()
            days.setdefault(day, []).append(r.verdict == "correct")
        return [(day, len(v), sum(v) / len(v)) for day, v in sorted(days.items())]


def sampled(turn) -> Candidate:
    """A recent answer from the conversations (bot.conversations.AnsweredTurn) as a queue item."""
    return Candidate(
        "sample",
        turn.feedback_id,
        turn.question,
        turn.answer,
        list(turn.cited),
        turn.user_id,
        turn.created_at,
        False,
        turn.rating,
        turn.correction,
        turn.id,
    )


def _clean(question: str) -> str | None:
    """The question as a review stores it."""
    try:
        return sanitize(question)[0]
    except BadQuestion:
        return None


def _candidate(source: str, row) -> Candidate:
    cited = [c.get("label", "") for c in json.loads(row.citations or "[]") if isinstance(c, dict)]
    return Candidate(
        source,
        row.id,
        row.question,
        row.answer,
        cited,
        row.user_id,
        row.created_at,
        bool(row.reviewed),
        row.rating,
        row.correction,
    )


def _review(row) -> Review:
    return Review(
        row.id,
        row.feedback_id,
        row.question,
        row.verdict,
        row.note,
        row.clause_id,
        row.clause_label,
        json.loads(row.key_facts or "[]"),
        row.promoted_to,
        row.alias_id,
        row.reviewed_by,
        row.reviewed_at,
    )


# Half-width brackets typed for a label (二(四)11) read as the plan's full-width ones.
_LABEL_FOLD = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": ""})


def find_clauses(store, query: str, limit: int = 8) -> list:
    """Clauses for the trainer's picker: by label (`二（四）11`, or `二（四）` for its items), then
    those whose title or text contains the words, then the clause keyword index (BM25)'s best."""
    query = (query or "").strip()
    if not query:
        return []
    label = query.translate(_LABEL_FOLD)
    clauses = store.clauses
    exact = [c for c in clauses if c.label == label]
    by_label = [c for c in clauses if c.label != label and c.label.startswith(label)]
    words = query.split()
    by_text = [c for c in clauses if all(w in c.title or w in c.text for w in words)]
    found = list(dict.fromkeys(exact + by_label + by_text))
    if len(found) < limit:
        scores = store.bm25_clauses.scores(query)
        for i in scores.argsort()[::-1][:limit]:
            if scores[i] > 0 and clauses[i] not in found:
                found.append(clauses[i])
    return found[:limit]
