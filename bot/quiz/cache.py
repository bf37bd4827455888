"""The candidate cache: each clause's candidates in the database, keyed by clause_id.

Why the database rather than the index generation folder: clause_id already changes with a
clause's text, so keying by it makes a rebuilt index (a new generation folder) reuse every
unchanged clause's candidates, and only a changed or new clause is worked out again; the index
folder is also written by one builder only, while any process may fill this cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import delete, insert, select

from ..db import Database, quiz_candidates, utcnow

CHUNK = 500


class CandidateCache:
    def __init__(self, db: Database, now: Callable = utcnow):
        self.db = db
        self.now = now
        self.computed = 0  # how many clauses the last load() had to work out (for tests and benchmarks)

    def load(self, clauses, generator: str, version: str, compute: Callable) -> dict[str, object]:
        """{clause_id: data}, read where cached at this version, else compute(clause) and stored."""
        ids = [c.clause_id for c in clauses]
        found: dict[str, object] = {}
        with self.db.read() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                rows = conn.execute(
                    select(quiz_candidates.c.clause_id, quiz_candidates.c.data).where(
                        quiz_candidates.c.clause_id.in_(chunk),
                        quiz_candidates.c.generator == generator,
                        quiz_candidates.c.version == version,
                    )
                )
                found.update({r.clause_id: json.loads(r.data) for r in rows})
        missing = [c for c in clauses if c.clause_id not in found]
        self.computed = len(missing)
        if missing:
            fresh = {c.clause_id: compute(c) for c in missing}
            self.store(fresh, generator, version)
            found.update(fresh)
        return found

    def store(self, data: dict[str, object], generator: str, version: str) -> None:
        now = self.now()
        ids = list(data)
        with self.db.write() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                conn.execute(
                    delete(quiz_candidates).where(
                        quiz_candidates.c.clause_id.in_(chunk), quiz_candidates.c.generator == generator
                    )
                )
                conn.execute(
                    insert(quiz_candidates),
                    [
                        {
                            "clause_id": i,
                            "generator": generator,
                            "version": version,
                            "data": json.dumps(data[i], ensure_ascii=False),
                            "created_at": now,
                        }
                        for i in chunk
                    ],
                )

    def prune(self, keep_ids: set[str]) -> int:
        """Drop candidates of clauses no longer indexed; returns how many rows went."""
        with self.db.write() as conn:
            stale = [
                r.clause_id
                for r in conn.execute(select(quiz_candidates.c.clause_id).distinct())
                if r.clause_id not in keep_ids
            ]
            for start in range(0, len(stale), CHUNK):
                conn.execute(
                    delete(quiz_candidates).where(quiz_candidates.c.clause_id.in_(stale[start : start + CHUNK]))
                )
        return len(stale)
