"""Evaluation runs kept in the application database: accuracy over time, and which questions a
later run got wrong that an earlier one got right."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from ..db import Database, eval_runs, utcnow
from ..errors import UnknownEvalRun
from .metrics import Outcome
from .runner import EvalRun


@dataclass(frozen=True)
class StoredRun:
    id: int
    created_at: datetime
    created_by: str | None
    set_name: str
    generation: str
    settings: dict
    metrics: dict  # variant → metrics
    by_kind: dict
    outcomes: dict  # question id → {"ok", "question", "kind"}
    failures: list


def _right(o: Outcome) -> bool:
    return o.refused if o.question.refusal else (o.key_ok and not o.reasons)


class EvalStore:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self._now = now

    def save(self, run: EvalRun, created_by: str | None = None) -> int:
        main = run.results["fusion"]
        outcomes = {
            o.question.id: {"ok": _right(o), "question": o.question.question, "kind": o.question.kind}
            for o in main["outcomes"]
        }
        with self.db.write() as conn:
            result = conn.execute(
                insert(eval_runs).values(
                    created_at=self._now(),
                    created_by=created_by,
                    set_name=run.set_name,
                    set_sha256=run.set_sha256,
                    generation=run.generation,
                    settings=json.dumps(run.settings, ensure_ascii=False),
                    metrics=json.dumps({name: r["metrics"] for name, r in run.results.items()}),
                    by_kind=json.dumps(main["by_kind"], ensure_ascii=False),
                    outcomes=json.dumps(outcomes, ensure_ascii=False),
                    failures=json.dumps(main["failures"], ensure_ascii=False),
                )
            )
            return result.inserted_primary_key[0]

    def runs(self, limit: int = 200) -> list[StoredRun]:
        """Newest first."""
        with self.db.read() as conn:
            rows = conn.execute(select(eval_runs).order_by(eval_runs.c.id.desc()).limit(limit)).all()
        return [_stored(r) for r in rows]

    def get(self, run_id: int) -> StoredRun:
        with self.db.read() as conn:
            row = conn.execute(select(eval_runs).where(eval_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise UnknownEvalRun(run_id)
        return _stored(row)

    def got_worse(self, before_id: int, after_id: int) -> list[dict]:
        """Questions right in the earlier run and wrong in the later one (same question id)."""
        before, after = self.get(before_id), self.get(after_id)
        return [
            {"id": qid, **after.outcomes[qid]}
            for qid, was in before.outcomes.items()
            if was["ok"] and qid in after.outcomes and not after.outcomes[qid]["ok"]
        ]


def _stored(row) -> StoredRun:
    return StoredRun(
        row.id,
        row.created_at,
        row.created_by,
        row.set_name,
        row.generation,
        json.loads(row.settings),
        json.loads(row.metrics),
        json.loads(row.by_kind),
        json.loads(row.outcomes),
        json.loads(row.failures),
    )
