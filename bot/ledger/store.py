"""The ledger's queries: locking officers, appending records, reading a year.

Every write that depends on what is already in an officer's ledger (the 24-hours-a-day check,
an import's duplicate check, closing a study session) first locks that officer's `users` row.
On SQLite the write transaction already holds the database's write lock (BEGIN IMMEDIATE), and
FOR UPDATE is not rendered; on PostgreSQL, READ COMMITTED re-reads committed data after the
lock, so two writers for one officer run one after the other and nothing is counted twice.
Several officers are locked in id order, so two bulk writers cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from sqlalchemy import Connection, and_, func, insert, select

from ..db import ledger_records, users
from .amounts import day_load

CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_officers(conn: Connection, officer_ids: Iterable[str]) -> dict:
    """The users rows of these ids that exist, locked until the transaction ends."""
    found = {}
    for chunk in chunks(sorted(set(officer_ids))):
        query = (
            select(users.c.id, users.c.name, users.c.unit, users.c.role, users.c.disabled)
            .where(users.c.id.in_(chunk))
            .order_by(users.c.id)
            # NO KEY UPDATE: enough to serialise ledger writers, and it does not block the
            # key-share locks that inserting rows referencing users takes.
            .with_for_update(key_share=True)
        )
        found.update({row.id: row for row in conn.execute(query)})
    return found


def officer_rows(conn: Connection, officer_ids: Iterable[str]) -> dict:
    found = {}
    for chunk in chunks(sorted(set(officer_ids))):
        query = select(users.c.id, users.c.name, users.c.unit, users.c.role, users.c.disabled).where(
            users.c.id.in_(chunk)
        )
        found.update({row.id: row for row in conn.execute(query)})
    return found


def append(conn: Connection, values: dict) -> int:
    return conn.execute(insert(ledger_records).values(**values)).inserted_primary_key[0]


def append_many(conn: Connection, rows: list[dict]) -> None:
    for chunk in chunks(rows):
        conn.execute(insert(ledger_records), list(chunk))


def day_loads(conn: Connection, pairs: Iterable[tuple[str, date]]) -> dict[tuple[str, date], int]:
    """Seconds of each (officer, day) already taken up (reversals subtract)."""
    pairs = sorted(set(pairs))
    loads: dict[tuple[str, date], int] = {}
    officers = sorted({officer for officer, _ in pairs})
    days = sorted({day for _, day in pairs})
    if not pairs:
        return loads
    c = ledger_records.c
    for chunk in chunks(officers):
        query = (
            select(c.officer_id, c.day, func.sum(c.hours_hundredths), func.sum(c.seconds))
            .where(c.officer_id.in_(chunk), c.day >= days[0], c.day <= days[-1])
            .group_by(c.officer_id, c.day)
        )
        for officer, day, hundredths, seconds in conn.execute(query):
            loads[(officer, day)] = day_load(hundredths, seconds)
    return loads


def existing_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(sorted(set(keys))):
        found.update(
            conn.execute(select(ledger_records.c.import_key).where(ledger_records.c.import_key.in_(chunk))).scalars()
        )
    return found


def record(conn: Connection, record_id: int):
    return conn.execute(select(ledger_records).where(ledger_records.c.id == record_id)).one_or_none()


def reversal_of(conn: Connection, record_id: int):
    return conn.execute(select(ledger_records).where(ledger_records.c.reverses == record_id)).one_or_none()


def year_records(conn: Connection, year: int, *, officer_id: str | None = None, unit: str | None = None) -> list:
    """One officer's or one unit's records dated in the year, in card order (date, then entry)."""
    c = ledger_records.c
    query = select(ledger_records).where(and_(c.day >= date(year, 1, 1), c.day <= date(year, 12, 31)))
    if officer_id is not None:
        query = query.where(c.officer_id == officer_id)
    if unit is not None:
        query = query.where(c.officer_id.in_(select(users.c.id).where(users.c.unit == unit)))
    return list(conn.execute(query.order_by(c.officer_id, c.day, c.id)))


def unit_officers(conn: Connection, unit: str) -> list:
    """Everyone in the unit who keeps a card: officers and trainers (not system admins)."""
    query = (
        select(users.c.id, users.c.name, users.c.unit, users.c.role, users.c.disabled)
        .where(users.c.unit == unit, users.c.role != "admin")
        .order_by(users.c.id)
    )
    return list(conn.execute(query))
