"""Turning the clauses' candidates into questions: the seed picks and orders, the rules decide.

Every question is built from a candidate (bot/quiz/candidates.py) with a `random.Random(seed)`
and kept only if rules.check finds nothing wrong with it, so what reaches an officer has passed
the same checks the tests run over everything the seed corpus yields.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from .candidates import Blank, Quote, blanks_of, quotes_of
from .distractors import changed_numbers
from .facts import base_bodies
from .lookup import CorpusLookup
from .question import BLANK, CHOICE_BLANK, FALSE, TRUE, TYPES, Question
from .rules import check, distractor_problems

MAX_TRIES = 40
OPTIONS = 4  # single_choice and which_clause: the answer and three distractors, or at least two


@dataclass
class Slot:
    """One thing a question can be made of, and the types it can become."""

    clause_index: int
    types: tuple[str, ...]
    fact: tuple
    blank: Blank | None = None
    quote: Quote | None = None
    ready: Question | None = None  # a bank or model question, already written
    failed: set[str] = field(default_factory=set)


def pool_key(kind: str, sub: str) -> str:
    return f"{kind}:{sub}" if kind in ("date", "number", "term") else kind


class QuizGenerator:
    def __init__(self, lookup: CorpusLookup, candidates: dict[str, dict], documents: dict[str, dict] | None = None):
        self.lookup = lookup
        self.clauses = lookup.clauses
        self.candidates = candidates
        self.documents = documents or {}
        self.multi_doc = len({c.doc_id for c in self.clauses}) > 1
        # Parsed once: a quiz over 5,000 clauses would otherwise rebuild 20,000 blanks each time.
        self._blanks = {cid: blanks_of(data) for cid, data in candidates.items()}
        self._quotes = {cid: quotes_of(data) for cid, data in candidates.items()}
        pool: dict[str, set[str]] = {"body": set(base_bodies())}
        for blanks in self._blanks.values():
            for b in blanks:
                pool.setdefault(pool_key(b.kind, b.sub), set()).add(b.answer)
        self.pool = {k: sorted(v) for k, v in pool.items()}

    # ------------------------------------------------------------ choosing

    def slots(self, clause_ids=None, extra: list[Question] = ()) -> list[Slot]:
        wanted = None if clause_ids is None else set(clause_ids)
        out = []
        for ci, clause in enumerate(self.clauses):
            if wanted is not None and clause.clause_id not in wanted:
                continue
            for b in self._blanks.get(clause.clause_id, ()):
                out.append(
                    Slot(ci, ("fill_blank", "single_choice", "true_false"), (clause.clause_id, b.answer), blank=b)
                )
            for q in self._quotes.get(clause.clause_id, ()):
                out.append(Slot(ci, ("which_clause",), (clause.clause_id, "quote", q.sentence), quote=q))
        for q in extra:
            ci = self.lookup.index_of.get(q.clause_id, -1)
            out.append(Slot(ci, (q.type,), ("ready", q.key), ready=q))
        return out

    def generate(
        self,
        n: int,
        seed: int,
        clause_ids=None,
        extra: list[Question] = (),
        types: tuple[str, ...] = TYPES,
        exclude: set[str] = frozenset(),
    ) -> list[Question]:
        """Up to n questions, the types taking turns, spread over the clauses, each fact once."""
        rng = random.Random(seed)
        slots = self.slots(clause_ids, extra)
        rng.shuffle(slots)
        turn = [t for t in TYPES if t in types]
        rng.shuffle(turn)
        queues = {t: [s for s in slots if t in s.types] for t in turn}
        clauses = len({s.clause_index for s in slots}) or 1
        cap = max(1, math.ceil(n / clauses))
        out: list[Question] = []
        used_facts: set[tuple] = set()
        keys, stems = set(exclude), set()
        per_clause: Counter = Counter()
        while len(out) < n and any(queues.values()):
            deferred: dict[str, list[Slot]] = {t: [] for t in turn}
            progress = True
            while len(out) < n and progress:
                progress = False
                for t in [turn[(len(out) + i) % len(turn)] for i in range(len(turn))]:
                    q = self._next(t, queues[t], deferred[t], cap, rng, used_facts, per_clause, keys, stems)
                    if q is not None:
                        out.append(q)
                        progress = True
                        break
            queues = deferred
            cap = cap * 2
        return out

    def _next(self, t, queue, deferred, cap, rng, used_facts, per_clause, keys, stems) -> Question | None:
        while queue:
            slot = queue.pop(0)
            if slot.fact in used_facts or t in slot.failed:
                continue
            if per_clause[slot.clause_index] >= cap:
                deferred.append(slot)
                continue
            q = self.build(slot, t, rng)
            if q is None:
                slot.failed.add(t)
                continue
            stem = (q.type, q.stem)
            if q.key in keys or stem in stems:
                continue
            keys.add(q.key)
            stems.add(stem)
            used_facts.add(slot.fact)
            per_clause[slot.clause_index] += 1
            return q
        return None

    def all_questions(self, seed: int, clause_ids=None) -> list[Question]:
        """Every question the candidates yield at this seed (each slot as each of its types)."""
        rng = random.Random(seed)
        out, seen = [], set()
        for slot in self.slots(clause_ids):
            for t in slot.types:
                q = self.build(slot, t, rng)
                if q is not None and q.key not in seen and (q.type, q.stem) not in seen:
                    seen.update({q.key, (q.type, q.stem)})
                    out.append(q)
        return out

    # ------------------------------------------------------------ building

    def build(self, slot: Slot, t: str, rng: random.Random) -> Question | None:
        if slot.ready is not None:
            return slot.ready
        clause = self.clauses[slot.clause_index]
        if t == "which_clause":
            q = self._which_clause(clause, slot.quote, rng)
        else:
            q = self._from_blank(clause, slot.blank, t, rng)
        if q is None or check(q, self.lookup):
            return None
        return q

    def _prefix(self, clause, avoid: str) -> str | None:
        doc = f"《{self.documents.get(clause.doc_id, {}).get('title', clause.doc_id)}》" if self.multi_doc else ""
        for prefix in (f"根据{doc}{clause.label}「{clause.title}」，", f"根据{doc}「{clause.label}」，"):
            if avoid not in prefix:
                return prefix
        return None

    def _cite(self, clause, sentence: str) -> str:
        return f"依据{clause.label}「{clause.title}」：“{sentence}”"

    def _from_blank(self, clause, b: Blank, t: str, rng: random.Random) -> Question | None:
        prefix = self._prefix(clause, b.answer)
        if prefix is None:
            return None
        left, right = b.fragment[: b.start], b.fragment[b.end :]
        sentence = clause.sentences[b.sentence]
        common = dict(
            clause_id=clause.clause_id,
            label=clause.label,
            quote=sentence,
            fact=b.answer,
            kind=b.kind_key,
            doc_id=clause.doc_id,
        )
        if t == "fill_blank":
            return Question(
                "fill_blank",
                prefix + left + BLANK + right,
                (),
                b.answer,
                explanation=f"答案：{b.answer}。{self._cite(clause, sentence)}",
                **common,
            )
        if t == "single_choice":
            wrong = self._distractors(clause, b, left, right, OPTIONS - 1, rng)
            if len(wrong) < 2:
                return None
            options = [b.answer, *wrong]
            rng.shuffle(options)
            return Question(
                "single_choice",
                prefix + left + CHOICE_BLANK + right,
                tuple(options),
                b.answer,
                explanation=f"答案：{b.answer}。{self._cite(clause, sentence)}",
                **common,
            )
        if rng.random() < 0.5:
            wrong = self._distractors(clause, b, left, right, 1, rng)
            if wrong:
                d = wrong[0]
                statement = left + d + right
                if not self.lookup.clauses_containing(statement.rstrip("。")):
                    return Question(
                        "true_false",
                        "判断正误：" + prefix + statement,
                        (TRUE, FALSE),
                        FALSE,
                        replacement=d,
                        explanation=f"错误。条款规定的是“{b.answer}”，不是“{d}”。{self._cite(clause, sentence)}",
                        **common,
                    )
        return Question(
            "true_false",
            "判断正误：" + prefix + b.fragment,
            (TRUE, FALSE),
            TRUE,
            explanation=f"正确。{self._cite(clause, sentence)}",
            **common,
        )

    def _distractors(self, clause, b: Blank, left: str, right: str, k: int, rng: random.Random) -> list[str]:
        changed = changed_numbers(b.answer)
        others = [x for x in self.pool.get(pool_key(b.kind, b.sub), []) if x != b.answer]
        # Changed numbers first for numbers and dates (they read most like the real one), in
        # the seed's order; then facts of the same kind from other clauses.
        rng.shuffle(changed)
        others = rng.sample(others, len(others))
        # Terms ending alike (…执法, …制度) read as real alternatives: try them first.
        others.sort(key=lambda x: x[-1] != b.answer[-1])
        chosen: list[str] = []
        # Each try searches the corpus; a blank that cannot find k in this many gives up.
        for d in [*changed, *others][:MAX_TRIES]:
            if any(d in c or c in d for c in chosen):
                continue
            if not distractor_problems(d, b.answer, clause, left, right, self.lookup):
                chosen.append(d)
                if len(chosen) == k:
                    break
        return chosen

    def _which_clause(self, clause, quote: Quote, rng: random.Random) -> Question | None:
        holders = self.lookup.clauses_containing(quote.text)
        if len(holders) != 1:
            return None
        same_doc = [
            c
            for c in self.clauses
            if c.doc_id == clause.doc_id and c.clause_id != clause.clause_id and c.label not in quote.text
        ]
        if len(same_doc) < 2:
            return None
        others = rng.sample(same_doc, min(OPTIONS - 1, len(same_doc)))
        name = lambda c: f"{c.label}「{c.title}」"  # noqa: E731
        options = [name(clause), *map(name, others)]
        if len(set(options)) != len(options):
            return None
        rng.shuffle(options)
        doc = f"《{self.documents.get(clause.doc_id, {}).get('title', clause.doc_id)}》中，" if self.multi_doc else ""
        shown = quote.text + ("……" if quote.cut else "")
        sentence = clause.sentences[quote.sentence]
        return Question(
            "which_clause",
            f"{doc}“{shown}”出自下列哪一条款？",
            tuple(options),
            name(clause),
            clause_id=clause.clause_id,
            label=clause.label,
            quote=sentence,
            fact=quote.text,
            kind="clause",
            doc_id=clause.doc_id,
            explanation=f"答案：{name(clause)}。原文见{clause.label}「{clause.title}」：“{sentence}”",
        )
