"""Time measured on the server: active seconds between events, and chat-study sessions.

Only events the server itself handles count (a question asked, a citation opened, a quiz
answer submitted); the page cannot send minutes. Time between two consecutive events counts
when the gap is at most the idle gap; a longer gap counts nothing (the officer was away).

Every event time is first floored to the whole second, so the counted gaps telescope: a
session's seconds are exactly its last event minus its first, to the second, however many
events it had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from ..db import study_sessions

CHAT_CONTENT, CHAT_FORM = "问答学习", "线上"
# Server events that count as studying with the assistant.
TOUCH_KINDS = {"question": "提问", "citation": "查看引用", "feedback": "评价回答"}


def _second(moment: datetime) -> int:
    return int(moment.timestamp() // 1)


def active_seconds(times: Sequence[datetime], idle_gap: timedelta) -> int:
    """Seconds between consecutive event times (in time order), leaving out gaps longer than idle_gap."""
    stamps = sorted(_second(t) for t in times)
    limit = idle_gap.total_seconds()
    return sum(b - a for a, b in zip(stamps, stamps[1:]) if b - a <= limit)


@dataclass(frozen=True)
class ClosedSession:
    """A finished session, to be appended to the ledger as one record."""

    officer_id: str
    started_at: datetime
    seconds: int


def touch_session(conn: Connection, officer_id: str, at: datetime, idle_gap: timedelta) -> ClosedSession | None:
    """Apply one event to the officer's open session; returns the session it closed, if any.

    The caller holds the officer's row lock (or SQLite's write lock), so two events for one
    officer never interleave here.
    """
    row = conn.execute(select(study_sessions).where(study_sessions.c.officer_id == officer_id)).one_or_none()
    fresh = dict(started_at=at, last_event_at=at, seconds=0, events=1)
    if row is None:
        conn.execute(insert(study_sessions).values(officer_id=officer_id, **fresh))
        return None
    gap = _second(at) - _second(row.last_event_at)
    where = study_sessions.c.officer_id == officer_id
    if gap <= 0:
        # Same second, or an event that finished after a later one (two tabs): nothing to add.
        conn.execute(update(study_sessions).where(where).values(events=row.events + 1))
        return None
    if gap <= idle_gap.total_seconds():
        conn.execute(
            update(study_sessions)
            .where(where)
            .values(last_event_at=at, seconds=row.seconds + gap, events=row.events + 1)
        )
        return None
    conn.execute(update(study_sessions).where(where).values(**fresh))
    return ClosedSession(officer_id, row.started_at, row.seconds)


def stale_officers(conn: Connection, officer_ids: Sequence[str] | None, before: datetime, unit_query=None) -> list[str]:
    """Officers whose open session saw its last event before `before` (so it has ended)."""
    query = select(study_sessions.c.officer_id).where(study_sessions.c.last_event_at < before)
    if officer_ids is not None:
        query = query.where(study_sessions.c.officer_id.in_(list(officer_ids)))
    if unit_query is not None:
        query = query.where(study_sessions.c.officer_id.in_(unit_query))
    return sorted(conn.execute(query).scalars())


def close_if_stale(conn: Connection, officer_id: str, before: datetime) -> ClosedSession | None:
    """Remove the officer's session if it is still stale (the caller holds the lock); return it."""
    row = conn.execute(select(study_sessions).where(study_sessions.c.officer_id == officer_id)).one_or_none()
    if row is None or row.last_event_at >= before:
        return None  # closed meanwhile by another reader, or a new event arrived
    conn.execute(delete(study_sessions).where(study_sessions.c.officer_id == officer_id))
    return ClosedSession(officer_id, row.started_at, row.seconds)


def open_session(conn: Connection, officer_id: str):
    return conn.execute(select(study_sessions).where(study_sessions.c.officer_id == officer_id)).one_or_none()
