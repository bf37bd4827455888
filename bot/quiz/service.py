"""QuizService: generating quizzes, practice rounds and tests, answers and scoring, published
tests and their results, the 错题本 — one object behind the CLI and the web page.

Every action takes the acting `User` and checks on the server what that user may do: an officer
sees only their own rounds and 错题本; a trainer publishes tests to, and reads results of, their own
unit; an admin may do both for every unit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, insert, select, update

from ..accounts import User
from ..db import Database, quiz_answers, quiz_cards, quiz_rounds, quiz_tests, users, utcnow
from ..errors import (
    NotAllowed,
    NotEnoughQuestions,
    QuizError,
    QuizNotOpen,
    RoundClosed,
    TimeUp,
    UnknownRound,
    UnknownTest,
)
from .bank import BankService
from .cache import CandidateCache
from .candidates import clause_candidates, version
from .generate import QuizGenerator
from .lookup import CorpusLookup
from .question import TYPE_NAMES, Question, is_correct
from .schedule import Reviewer
from .scope import Scope, clause_ids, describe
from .timing import DEFAULT_IDLE_MINUTES, active_seconds

CHINA = timezone(timedelta(hours=8))  # the ledger's day is the officer's calendar day
MAX_QUESTIONS = 200
REVIEW_SHARE = 0.5  # at most this share of a practice round is 错题本 questions coming due
GRACE = timedelta(seconds=30)  # network delay allowed after a test's time limit
CLEARED_AFTER = 2  # right answers in a row that take a question out of the 错题本


@dataclass
class Feedback:
    position: int
    correct: bool | None  # None in a test: results come at the end
    answer: str = ""
    explanation: str = ""
    label: str = ""
    clause_id: str = ""  # the cited clause, to open in context
    quote: str = ""  # its sentence the question rests on


@dataclass
class RoundView:
    id: int
    officer_id: str
    mode: str
    scope_label: str
    status: str
    started_at: datetime
    time_limit_s: int | None
    pass_mark: int | None
    test_id: int | None
    questions: list[dict]  # what the officer is shown: no answers
    answered: dict[int, dict] = field(default_factory=dict)
    result: RoundResult | None = None


@dataclass
class RoundResult:
    round_id: int
    mode: str
    status: str
    score: int
    total: int
    answered: int
    passed: bool | None
    seconds: int
    ledger_entry_id: int | None
    items: list[dict]


@dataclass
class NotebookEntry:
    question: Question
    due: datetime
    lapses: int
    streak: int
    reviews: int


class QuizService:
    def __init__(
        self,
        db: Database,
        store: Callable,
        *,
        ledger=None,
        chat_model=None,
        now: Callable[[], datetime] = utcnow,
        idle_gap: timedelta = timedelta(minutes=DEFAULT_IDLE_MINUTES),
        reviewer: Reviewer | None = None,
        llm_timeout: float = 20.0,
    ):
        """`store` returns the current IndexStore (it changes when the corpus is re-indexed);
        `ledger` is the 学时 ledger (bot.ledger.LedgerService), called on submit."""
        self.db = db
        self._store = store
        self.ledger = ledger
        self.chat_model = chat_model
        self.now = now
        self.idle_gap = idle_gap
        self.reviewer = reviewer or Reviewer()
        self.llm_timeout = llm_timeout
        self.cache = CandidateCache(db, now=now)
        self.banks = BankService(db, store, now=now)
        self._generator: tuple[object, QuizGenerator] | None = None

    # ------------------------------------------------------------ generating

    @property
    def store(self):
        return self._store()

    def generator(self) -> QuizGenerator:
        """The generator for the current index generation, its candidates from the cache."""
        store = self.store
        if self._generator is None or self._generator[0] != store.generation:
            lookup = CorpusLookup(store.clauses)
            candidates = self.cache.load(lookup.clauses, "rules", version(), clause_candidates)
            if self.cache.computed:
                self.cache.prune(set(lookup.index_of))
            self._generator = (store.generation, QuizGenerator(lookup, candidates, store.documents))
        return self._generator[1]

    def generate(
        self, n: int, seed: int = 0, scope: Scope = Scope(), user: User | None = None, exclude: set[str] = frozenset()
    ) -> list[Question]:
        """n questions over the scope (fewer if it has fewer), generated and from banks."""
        if not 1 <= n <= MAX_QUESTIONS:
            raise QuizError(f"题目数量 {n} 无效：应在 1 到 {MAX_QUESTIONS} 之间")
        gen = self.generator()
        ids = clause_ids(scope, gen.clauses)
        extra = self.banks.questions_for(scope, user, gen.lookup, ids)
        extra += self._llm_questions(gen, ids)
        if scope.bank_only:
            return gen.generate(n, seed, clause_ids=[], extra=extra, exclude=exclude)
        return gen.generate(n, seed, clause_ids=ids, extra=extra, exclude=exclude)

    def _llm_questions(self, gen: QuizGenerator, ids) -> list[Question]:
        if self.chat_model is None:
            return []
        from .llm import cached_llm_questions

        return cached_llm_questions(self, gen, ids)

    def write_llm_questions(self, scope: Scope = Scope(), limit: int = 20) -> int:
        """Ask the model for questions on up to `limit` clauses of the scope not yet asked about."""
        if self.chat_model is None:
            return 0
        from .llm import write_llm_questions

        gen = self.generator()
        return write_llm_questions(self, gen, clause_ids(scope, gen.clauses), limit)

    def scope_label(self, scope: Scope) -> str:
        return describe(scope, self.store.clauses, self.store.documents, self.banks.names())

    # ------------------------------------------------------------ rounds

    def start_practice(self, user: User, *, scope: Scope = Scope(), n: int = 10, seed: int | None = None) -> RoundView:
        """A practice round: 错题本 questions that have come due first, then new ones."""
        self._active(user)
        now = self.now()
        seed = self._seed(seed, now)
        due = self._due_cards(user.id, scope, now, limit=max(1, math.floor(n * REVIEW_SHARE)))
        fresh = self.generate(n - len(due), seed, scope, user, exclude={q.key for q in due}) if n > len(due) else []
        questions = due + fresh
        if not questions:
            raise NotEnoughQuestions("这个范围内还没有可出的题目，请换一个范围或请培训管理员导入题库")
        return self._open_round(user, "practice", scope, seed, questions, now)

    def start_test(self, user: User, test_id: int) -> RoundView:
        """Take a published test: in its window, for its unit, once."""
        self._active(user)
        now = self.now()
        with self.db.read() as conn:
            test = conn.execute(select(quiz_tests).where(quiz_tests.c.id == test_id)).first()
            if test is None:
                raise UnknownTest(test_id)
            if test.unit != user.unit and not user.is_admin:
                raise NotAllowed(f"测验“{test.title}”是发给 {test.unit} 的，您的单位是 {user.unit}，不能参加")
            if not test.opens_at <= now <= test.closes_at:
                raise QuizNotOpen(
                    f"测验“{test.title}”的开放时间是 {_local(test.opens_at)} 至 {_local(test.closes_at)}，现在不能参加"
                )
            taken = conn.execute(
                select(quiz_rounds.c.id).where(quiz_rounds.c.test_id == test_id, quiz_rounds.c.officer_id == user.id)
            ).first()
            if taken is not None:
                raise QuizNotOpen(f"您已参加过测验“{test.title}”（记录编号 {taken.id}），每人只能参加一次")
        questions = [Question.from_snapshot(q) for q in json.loads(test.questions)]
        return self._open_round(
            user,
            "test",
            Scope.from_json(test.scope),
            0,
            questions,
            now,
            time_limit_s=test.time_limit_s,
            pass_mark=test.pass_mark,
            test_id=test.id,
            label=test.title,
        )

    def _open_round(
        self, user, mode, scope, seed, questions, now, time_limit_s=None, pass_mark=None, test_id=None, label=None
    ) -> RoundView:
        with self.db.write() as conn:
            round_id = conn.execute(
                insert(quiz_rounds).values(
                    officer_id=user.id,
                    mode=mode,
                    scope=scope.to_json(),
                    scope_label=label or self.scope_label(scope),
                    seed=seed,
                    questions=json.dumps([q.snapshot() for q in questions], ensure_ascii=False),
                    started_at=now,
                    status="open",
                    time_limit_s=time_limit_s,
                    pass_mark=pass_mark,
                    test_id=test_id,
                    total=len(questions),
                )
            ).inserted_primary_key[0]
        return self.round(user, round_id)

    def round(self, user: User, round_id: int) -> RoundView:
        with self.db.read() as conn:
            row = self._round_row(conn, user, round_id)
            answers = conn.execute(select(quiz_answers).where(quiz_answers.c.round_id == round_id)).all()
        questions = _questions(row)
        reveal = row.mode == "practice" or row.status != "open"
        answered = {
            a.position: {"given": a.given, **(_revealed(questions[a.position], a.correct) if reveal else {})}
            for a in answers
        }
        view = RoundView(
            row.id,
            row.officer_id,
            row.mode,
            row.scope_label,
            row.status,
            row.started_at,
            row.time_limit_s,
            row.pass_mark,
            row.test_id,
            [_public(i, q) for i, q in enumerate(questions)],
            answered,
        )
        if row.status != "open":
            view.result = self._result(row, answers, questions)
        return view

    def answer(self, user: User, round_id: int, position: int, given: str) -> Feedback:
        """Record one answer at server time; in practice say at once whether it was right."""
        now = self.now()
        with self.db.write() as conn:
            row = self._round_row(conn, user, round_id)
            if row.officer_id != user.id:
                raise NotAllowed("只能作答自己的练习或测验")
            if row.status != "open":
                raise RoundClosed("这一轮已经交卷，不能再作答；请开始新的练习")
            late = row.time_limit_s is not None and now > row.started_at + timedelta(seconds=row.time_limit_s) + GRACE
            questions = _questions(row)
            if not late:
                if not 0 <= position < len(questions):
                    raise QuizError(f"题号 {position + 1} 无效：这一轮共 {len(questions)} 题")
                done = conn.execute(
                    select(quiz_answers.c.id).where(
                        quiz_answers.c.round_id == round_id, quiz_answers.c.position == position
                    )
                ).first()
                if done is not None:
                    raise QuizError(f"第 {position + 1} 题已经作答，每题只能作答一次")
                q = questions[position]
                correct = is_correct(q, given)
                conn.execute(
                    insert(quiz_answers).values(
                        round_id=round_id,
                        position=position,
                        question_key=q.key,
                        question=q.snapshot(),
                        given=(given or "").strip()[:1000],
                        correct=correct,
                        answered_at=now,
                    )
                )
                self._review(conn, user.id, q, correct, now)
        if late:
            self.submit(user, round_id)
            raise TimeUp("考试时间已到，已按已作答的题目自动交卷，可查看成绩")
        if row.mode == "test":
            return Feedback(position, None)
        return Feedback(position, correct, q.answer, q.explanation, q.label, q.clause_id, q.quote)

    def submit(self, user: User, round_id: int) -> RoundResult:
        """Hand in: score it, and record the time spent answering in the ledger."""
        return self._close(user, round_id, "submitted")

    def abandon(self, user: User, round_id: int) -> RoundResult:
        """Leave a round unfinished: only the answers given so far count, for score and time."""
        return self._close(user, round_id, "abandoned")

    def abandon_stale(self, older_than: timedelta = timedelta(hours=12)) -> int:
        """Close rounds left open (a closed browser): each counts the answers that were submitted."""
        cutoff = self.now() - older_than
        with self.db.read() as conn:
            stale = conn.execute(
                select(quiz_rounds.c.id, quiz_rounds.c.officer_id).where(
                    quiz_rounds.c.status == "open", quiz_rounds.c.started_at < cutoff
                )
            ).all()
            owners = {r.id: _user(conn, r.officer_id) for r in stale}
        for r in stale:
            self._close(owners[r.id], r.id, "abandoned")
        return len(stale)

    def _close(self, user: User, round_id: int, status: str) -> RoundResult:
        now = self.now()
        with self.db.write() as conn:
            row = self._round_row(conn, user, round_id)
            if row.officer_id != user.id and not user.manages(_user(conn, row.officer_id).unit):
                raise NotAllowed("只能交自己的练习或测验")
            if row.status != "open":
                raise RoundClosed("这一轮已经交卷，不能重复提交")
            answers = conn.execute(select(quiz_answers).where(quiz_answers.c.round_id == round_id)).all()
            # Server time of the start and of each answer submitted; idle gaps are left out.
            seconds = active_seconds([row.started_at, *(a.answered_at for a in answers)], self.idle_gap)
            score = sum(1 for a in answers if a.correct)
            passed = None if row.pass_mark is None else score * 100 >= row.pass_mark * row.total
            conn.execute(
                update(quiz_rounds)
                .where(quiz_rounds.c.id == round_id)
                .values(status=status, submitted_at=now, score=score, passed=passed, seconds=seconds)
            )
        self.record_hours(round_id)
        return self.round(user, round_id).result

    def record_hours(self, round_id: int | None = None) -> int:
        """Put closed rounds' answering time in the ledger (once each); returns how many were recorded.

        Called on submit; called without a round it retries any that a failure left unrecorded.
        """
        if self.ledger is None:
            return 0
        cond = [quiz_rounds.c.status != "open", quiz_rounds.c.ledger_entry_id.is_(None), quiz_rounds.c.seconds > 0]
        if round_id is not None:
            cond.append(quiz_rounds.c.id == round_id)
        with self.db.read() as conn:
            rows = conn.execute(select(quiz_rounds).where(and_(*cond))).all()
            counts = {
                r.id: len(conn.execute(select(quiz_answers.c.id).where(quiz_answers.c.round_id == r.id)).all())
                for r in rows
            }
        for row in rows:
            kind = "练习" if row.mode == "practice" else "测验"
            entry = self.ledger.record_measured(
                row.officer_id,
                day=row.submitted_at.astimezone(CHINA).date(),
                content=f"{kind}：{row.scope_label}，{counts[row.id]}题",
                form="测验",
                source="practice" if row.mode == "practice" else "test",
                seconds=row.seconds,
            )
            with self.db.write() as conn:
                conn.execute(update(quiz_rounds).where(quiz_rounds.c.id == row.id).values(ledger_entry_id=entry))
        return len(rows)

    def rounds(self, user: User, officer_id: str | None = None) -> list[dict]:
        officer_id = officer_id or user.id
        with self.db.read() as conn:
            if officer_id != user.id and not user.manages(_user(conn, officer_id).unit):
                raise NotAllowed("只能查看自己的练习记录，培训管理员可查看本单位人员的记录")
            rows = conn.execute(
                select(quiz_rounds).where(quiz_rounds.c.officer_id == officer_id).order_by(quiz_rounds.c.id.desc())
            ).all()
        return [
            {
                "id": r.id,
                "mode": r.mode,
                "scope": r.scope_label,
                "status": r.status,
                "score": r.score,
                "total": r.total,
                "passed": r.passed,
                "seconds": r.seconds,
                "started_at": r.started_at,
                "submitted_at": r.submitted_at,
                "test_id": r.test_id,
            }
            for r in rows
        ]

    def _round_row(self, conn, user: User, round_id: int):
        row = conn.execute(select(quiz_rounds).where(quiz_rounds.c.id == round_id)).first()
        if row is None:
            raise UnknownRound(round_id)
        if row.officer_id != user.id and not user.manages(_user(conn, row.officer_id).unit):
            raise UnknownRound(round_id)  # not "forbidden": other officers' round ids are not revealed
        return row

    def _result(self, row, answers, questions) -> RoundResult:
        given = {a.position: a for a in answers}
        items = []
        for i, q in enumerate(questions):
            a = given.get(i)
            items.append(
                {
                    "position": i,
                    "type": q.type,
                    "stem": q.stem,
                    "options": list(q.options),
                    "given": a.given if a else None,
                    "correct": bool(a and a.correct),
                    "answer": q.answer,
                    "explanation": q.explanation,
                    "label": q.label,
                    "clause_id": q.clause_id,
                    "quote": q.quote,
                }
            )
        return RoundResult(
            row.id,
            row.mode,
            row.status,
            row.score or 0,
            row.total,
            len(answers),
            row.passed,
            row.seconds or 0,
            row.ledger_entry_id,
            items,
        )

    # ------------------------------------------------------------ 错题本 (spaced repetition)

    def _review(self, conn, officer_id: str, q: Question, correct: bool, now: datetime) -> None:
        card = conn.execute(
            select(quiz_cards).where(quiz_cards.c.officer_id == officer_id, quiz_cards.c.question_key == q.key)
        ).first()
        card_json, due = self.reviewer.review(card.card if card else None, correct, now, f"{officer_id}|{q.key}")
        values = dict(
            question=q.snapshot(),
            card=card_json,
            due=due,
            last_review=now,
            reviews=(card.reviews if card else 0) + 1,
            lapses=(card.lapses if card else 0) + (0 if correct else 1),
            streak=((card.streak if card else 0) + 1) if correct else 0,
        )
        if card is None:
            conn.execute(insert(quiz_cards).values(officer_id=officer_id, question_key=q.key, **values))
        else:
            conn.execute(
                update(quiz_cards)
                .where(quiz_cards.c.officer_id == officer_id, quiz_cards.c.question_key == q.key)
                .values(**values)
            )

    def _due_cards(self, officer_id: str, scope: Scope, now: datetime, limit: int) -> list[Question]:
        gen = self.generator()
        ids = None if scope.kind == "all" else set(clause_ids(scope, gen.clauses) or ())
        with self.db.read() as conn:
            rows = conn.execute(
                select(quiz_cards)
                .where(
                    quiz_cards.c.officer_id == officer_id,
                    quiz_cards.c.lapses > 0,
                    quiz_cards.c.due <= now,
                )
                .order_by(quiz_cards.c.due, quiz_cards.c.question_key)
            ).all()
        out = []
        for r in rows:
            q = Question.from_snapshot(r.question)
            if ids is None or q.clause_id in ids or (scope.bank_only and q.source == "bank"):
                out.append(q)
            if len(out) == limit:
                break
        return out

    def notebook(self, user: User, officer_id: str | None = None, include_cleared: bool = False) -> list[NotebookEntry]:
        """错题本: questions missed and not since answered right CLEARED_AFTER times in a row."""
        officer_id = officer_id or user.id
        with self.db.read() as conn:
            if officer_id != user.id and not user.manages(_user(conn, officer_id).unit):
                raise NotAllowed("只能查看自己的错题本，培训管理员可查看本单位人员的错题本")
            cond = [quiz_cards.c.officer_id == officer_id, quiz_cards.c.lapses > 0]
            if not include_cleared:
                cond.append(quiz_cards.c.streak < CLEARED_AFTER)
            rows = conn.execute(select(quiz_cards).where(and_(*cond)).order_by(quiz_cards.c.due)).all()
        return [NotebookEntry(Question.from_snapshot(r.question), r.due, r.lapses, r.streak, r.reviews) for r in rows]

    # ------------------------------------------------------------ published tests

    def publish_test(
        self,
        user: User,
        *,
        title: str,
        scope: Scope = Scope(),
        n: int = 20,
        opens_at: datetime,
        closes_at: datetime,
        time_limit_minutes: int = 30,
        pass_mark: int = 60,
        unit: str | None = None,
        seed: int | None = None,
    ) -> int:
        """Publish a test to a unit: every officer of it gets the same questions, in the window."""
        unit = unit if unit is not None else user.unit
        if not user.is_trainer or not user.manages(unit):
            raise NotAllowed(f"只有 {unit} 的培训管理员（或系统管理员）可以向该单位发布测验")
        title = (title or "").strip()
        if not title or len(title) > 200:
            raise QuizError("测验名称不能为空，最长 200 个字符")
        if closes_at <= opens_at:
            raise QuizError("测验的结束时间应晚于开始时间")
        if not 1 <= time_limit_minutes <= 600:
            raise QuizError(f"限时 {time_limit_minutes} 分钟无效：应在 1 到 600 分钟之间")
        if not 0 <= pass_mark <= 100:
            raise QuizError(f"及格线 {pass_mark} 无效：应为 0 到 100 之间的百分数")
        now = self.now()
        questions = self.generate(n, self._seed(seed, now), scope, user)
        if len(questions) < n:
            raise NotEnoughQuestions(f"这个范围内只能出 {len(questions)} 道题，少于要求的 {n} 道，请减少题数或扩大范围")
        with self.db.write() as conn:
            return conn.execute(
                insert(quiz_tests).values(
                    title=title,
                    unit=unit,
                    published_by=user.id,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    scope=scope.to_json(),
                    time_limit_s=time_limit_minutes * 60,
                    pass_mark=pass_mark,
                    questions=json.dumps([q.snapshot() for q in questions], ensure_ascii=False),
                    created_at=now,
                )
            ).inserted_primary_key[0]

    def tests(self, user: User) -> list[dict]:
        """Officers: their unit's tests open now. Trainers: every test of their unit (admins: all)."""
        now = self.now()
        q = select(quiz_tests).order_by(quiz_tests.c.opens_at.desc())
        if not user.is_admin:
            q = q.where(quiz_tests.c.unit == user.unit)
        with self.db.read() as conn:
            rows = conn.execute(q).all()
            taken = {
                r.test_id
                for r in conn.execute(
                    select(quiz_rounds.c.test_id).where(
                        quiz_rounds.c.officer_id == user.id, quiz_rounds.c.test_id.is_not(None)
                    )
                )
            }
        if not user.is_trainer:
            rows = [r for r in rows if r.opens_at <= now <= r.closes_at]
        return [
            {
                "id": r.id,
                "title": r.title,
                "unit": r.unit,
                "opens_at": r.opens_at,
                "closes_at": r.closes_at,
                "questions": len(json.loads(r.questions)),
                "time_limit_minutes": r.time_limit_s // 60,
                "pass_mark": r.pass_mark,
                "taken": r.id in taken,
            }
            for r in rows
        ]

    def test_results(self, user: User, test_id: int) -> list[dict]:
        """Each officer of the test's unit with their result (未参加 when they have none)."""
        with self.db.read() as conn:
            test = conn.execute(select(quiz_tests).where(quiz_tests.c.id == test_id)).first()
            if test is None:
                raise UnknownTest(test_id)
            if not user.is_trainer or not user.manages(test.unit):
                raise NotAllowed("只有本单位的培训管理员可以查看测验成绩")
            rounds = {
                r.officer_id: r for r in conn.execute(select(quiz_rounds).where(quiz_rounds.c.test_id == test_id))
            }
            people = conn.execute(
                select(users).where(users.c.unit == test.unit, users.c.role == "officer").order_by(users.c.id)
            ).all()
            extra = [
                u
                for u in conn.execute(select(users).where(users.c.id.in_(list(rounds))))
                if u.id not in {p.id for p in people}
            ]
        status_names = {"open": "作答中", "submitted": "已交卷", "abandoned": "未完成"}
        out = []
        for p in [*people, *extra]:
            r = rounds.get(p.id)
            out.append(
                {
                    "officer_id": p.id,
                    "name": p.name,
                    "unit": p.unit,
                    "status": status_names[r.status] if r else "未参加",
                    "score": r.score if r else None,
                    "total": r.total if r else len(json.loads(test.questions)),
                    "passed": r.passed if r else None,
                    "started_at": r.started_at if r else None,
                    "submitted_at": r.submitted_at if r else None,
                    "seconds": r.seconds if r else None,
                    "round_id": r.id if r else None,
                }
            )
        return out

    def export_results(self, user: User, test_id: int) -> bytes:
        """The test's results as an XLSX workbook."""
        from .formats.results import results_xlsx

        rows = self.test_results(user, test_id)
        with self.db.read() as conn:
            test = conn.execute(select(quiz_tests).where(quiz_tests.c.id == test_id)).first()
        return results_xlsx(test.title, test.pass_mark, rows)

    # ------------------------------------------------------------ helpers

    def _seed(self, seed: int | None, now: datetime) -> int:
        return int(seed) if seed is not None else int(now.timestamp() * 1000) % (2**31)

    @staticmethod
    def _active(user: User) -> None:
        if user.disabled:
            raise NotAllowed(f"账号 {user.id} 已停用，不能练习或参加测验")


def _questions(row) -> list[Question]:
    return [Question.from_snapshot(q) for q in json.loads(row.questions)]


def _revealed(q: Question, correct: bool) -> dict:
    """What an answered question shows once its verdict may be seen: the verdict and the citation."""
    return {
        "correct": correct,
        "answer": q.answer,
        "explanation": q.explanation,
        "label": q.label,
        "clause_id": q.clause_id,
        "quote": q.quote,
    }


def _public(position: int, q: Question) -> dict:
    return {
        "position": position,
        "type": q.type,
        "type_name": TYPE_NAMES[q.type],
        "stem": q.stem,
        "options": list(q.options),
    }


def _user(conn, user_id: str) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        from ..errors import UnknownUser

        raise UnknownUser(user_id)
    return User(row.id, row.name, row.unit, row.role, bool(row.disabled))


def _local(when: datetime) -> str:
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
