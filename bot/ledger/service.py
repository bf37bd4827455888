"""LedgerService: the one object behind the CLI, the web tab and the HTTP API.

Methods that act for somebody take the acting `User` and check the role on the server every
time: an officer sees only their own records, a trainer manages the officers of their own unit,
an admin every unit. Out of scope is `Forbidden`, and for a non-admin an unknown officer is
also `Forbidden`, so the answer never tells which ids exist. Results are JSON-ready dicts.

The quiz module and the chat page call `record_measured` and `touch` for the officer the
server already knows from the session; those take no acting user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ..accounts import User, canonical_id
from ..db import Database, users, utcnow
from ..errors import ConfigError, Forbidden, InvalidRecord, UnknownRecord, UnknownUser
from ..settings import Settings
from . import store, timing
from .amounts import (
    DAY_SECONDS,
    MAX_CONTENT,
    MAX_FORM,
    MAX_REASON,
    SOURCES,
    check_seconds,
    clean_text,
    day_full_message,
    day_load,
    local_date,
    parse_day,
    parse_hours,
    parse_minutes,
)
from .cards import Card, build_card
from .exports import cards_csv, cards_xlsx
from .imports import (
    ImportReport,
    RawRow,
    check_day_limits,
    check_officers,
    clean_rows,
    in_file_order,
    read_bytes,
    read_file,
    rows_from_json,
)

# The command line runs on the server, as whoever may open the database anyway: an admin with
# no account row (records it enters have no 录入人).
OPERATOR = User("(命令行)", "服务器操作员", "", "admin")
EXPORT_FORMATS = ("csv", "xlsx")


class LedgerService:
    def __init__(self, db: Database, settings: Settings, *, now: Callable[[], datetime] = utcnow):
        if settings.hours_target <= 0:
            raise ConfigError(f"STUDYBOT_HOURS_TARGET={settings.hours_target} 无效：应为正整数，如 60")
        if settings.idle_minutes <= 0:
            raise ConfigError(f"STUDYBOT_IDLE_MINUTES={settings.idle_minutes} 无效：应大于 0，如 5")
        self.db = db
        self.target = settings.hours_target
        self.idle_gap = timedelta(minutes=settings.idle_minutes)
        self.chat_counts = settings.chat_counts
        self._now = now

    # --- entering records (trainers) ---

    def add(
        self,
        actor: User,
        officer_ids: Sequence[str],
        *,
        day,
        content: str,
        form: str = "线下",
        hours=None,
        minutes=None,
    ) -> list[int]:
        """One training for one or more officers at once (all or none); returns the record ids.

        Either `hours` (stated 学时) or `minutes` (measured time), not both.
        """
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以录入学时；如需补录请联系本单位培训管理员")
        ids = [canonical_id(i) for i in officer_ids]
        if not ids or not all(ids):
            raise InvalidRecord("没有指定执法人员：请至少填写一个执法证号")
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InvalidRecord(f"执法证号重复：{'、'.join(twice)}，同一人同一次培训只能登记一次")
        amount = self._amount(hours, minutes)
        values = dict(
            day=parse_day(day, self._today()),
            content=clean_text(content, "培训内容", MAX_CONTENT),
            form=clean_text(form, "培训形式", MAX_FORM),
            source="trainer",
            **amount,
        )
        now = self._now()
        with self.db.write() as conn:
            officers = store.lock_officers(conn, ids)
            self._require_manages(actor, ids, officers)
            loads = store.day_loads(conn, [(i, values["day"]) for i in ids])
            for i in ids:
                self._check_day(i, values["day"], loads.get((i, values["day"]), 0), amount)
            return [
                store.append(conn, dict(values, officer_id=i, entered_by=_entered_by(actor), entered_at=now))
                for i in ids
            ]

    def record_measured(
        self,
        officer_id: str,
        *,
        day: date,
        content: str,
        form: str,
        source: str,
        seconds: int,
        entered_by: str | None = None,
    ) -> int:
        """Append measured time (quizzes, practice) for an officer; returns the record id."""
        if source not in SOURCES:
            raise InvalidRecord(f"来源 {source!r} 无效：应为 {', '.join(SOURCES)} 之一")
        amount = {"hours_hundredths": None, "seconds": check_seconds(seconds)}
        day = parse_day(day, self._today())
        values = dict(
            officer_id=canonical_id(officer_id),
            day=day,
            source=source,
            content=clean_text(content, "培训内容", MAX_CONTENT),
            form=clean_text(form, "培训形式", MAX_FORM),
            entered_by=entered_by,
            **amount,
        )
        with self.db.write() as conn:
            if not store.lock_officers(conn, [values["officer_id"]]):
                raise UnknownUser(officer_id)
            if entered_by is not None and not store.officer_rows(conn, [entered_by]):
                raise UnknownUser(entered_by)
            load = store.day_loads(conn, [(values["officer_id"], day)]).get((values["officer_id"], day), 0)
            self._check_day(values["officer_id"], day, load, amount)
            return store.append(conn, dict(values, entered_at=self._now()))

    def correct(
        self,
        actor: User,
        record_id: int,
        reason: str,
        *,
        day=None,
        content: str | None = None,
        form: str | None = None,
        hours=None,
        minutes=None,
    ) -> dict:
        """Reverse a record (a new record that cancels it, with the reason); with any of the
        other arguments, also append the corrected record. Nothing is edited or deleted."""
        reason = clean_text(reason, "更正原因", MAX_REASON)
        now = self._now()
        with self.db.write() as conn:
            original = store.record(conn, record_id)
            if original is None:
                if actor.is_admin:
                    raise UnknownRecord(record_id)
                raise Forbidden(f"无权操作记录 {record_id}：找不到该记录，或它不属于您管理的单位")
            officers = store.lock_officers(conn, [original.officer_id])
            self._require_manages(actor, [original.officer_id], officers, record=record_id)
            if original.reverses is not None:
                raise InvalidRecord(f"记录 {record_id} 本身是更正记录，不能再更正；如需恢复原记录请重新录入")
            done = store.reversal_of(conn, record_id)
            if done is not None:
                raise InvalidRecord(f"记录 {record_id} 已被记录 {done.id} 更正过，不能重复更正")
            reversal = store.append(
                conn,
                dict(
                    officer_id=original.officer_id,
                    day=original.day,
                    content=original.content,
                    form=original.form,
                    source=original.source,
                    origin=original.origin,
                    hours_hundredths=_negative(original.hours_hundredths),
                    seconds=_negative(original.seconds),
                    entered_by=_entered_by(actor),
                    entered_at=now,
                    reverses=original.id,
                    reason=reason,
                ),
            )
            result = {"reversal": reversal, "replacement": None}
            if all(v is None for v in (day, content, form, hours, minutes)):
                return result
            if hours is None and minutes is None:
                amount = {"hours_hundredths": original.hours_hundredths, "seconds": original.seconds}
            else:
                amount = self._amount(hours, minutes)
            values = dict(
                officer_id=original.officer_id,
                day=original.day if day is None else parse_day(day, self._today()),
                content=original.content if content is None else clean_text(content, "培训内容", MAX_CONTENT),
                form=original.form if form is None else clean_text(form, "培训形式", MAX_FORM),
                source="trainer",
                entered_by=_entered_by(actor),
                entered_at=now,
                **amount,
            )
            load = store.day_loads(conn, [(original.officer_id, values["day"])]).get(
                (original.officer_id, values["day"]), 0
            )
            self._check_day(original.officer_id, values["day"], load, amount)
            result["replacement"] = store.append(conn, values)
            return result

    # --- measured chat study ---

    def touch(self, officer_id: str, kind: str, at: datetime | None = None) -> None:
        """A server event of chat study (a question asked, a citation opened) for the officer.

        Within the idle gap of the last event it extends the open session by the gap; later, it
        closes that session into one ledger record and starts a new one.
        """
        if kind not in timing.TOUCH_KINDS:
            raise ValueError(f"unknown study event kind {kind!r}; one of {sorted(timing.TOUCH_KINDS)}")
        at = at or self._now()
        uid = canonical_id(officer_id)
        with self.db.write() as conn:
            if not store.lock_officers(conn, [uid]):
                raise UnknownUser(officer_id)
            closed = timing.touch_session(conn, uid, at, self.idle_gap)
            if closed is not None:
                self._append_session(conn, closed)

    def close_idle_sessions(self, officer_ids: Iterable[str] | None = None, *, unit: str | None = None) -> int:
        """Close sessions whose last event is older than the idle gap; returns how many were closed.

        Called before every read of totals, so a finished session counts without waiting for
        the officer's next event.
        """
        before = self._now() - self.idle_gap
        unit_query = select_unit_ids(unit) if unit is not None else None
        ids = list(officer_ids) if officer_ids is not None else None
        with self.db.read() as conn:
            stale = timing.stale_officers(conn, ids, before, unit_query)
        if not stale:
            return 0  # the usual case: no write lock taken for a read
        closed = 0
        with self.db.write() as conn:
            for uid in store.lock_officers(conn, stale):
                session = timing.close_if_stale(conn, uid, before)
                if session is not None:
                    closed += self._append_session(conn, session)
        return closed

    def _append_session(self, conn, session: timing.ClosedSession) -> int:
        if session.seconds <= 0:
            return 0  # a single event: nothing measured
        # Server-observed time, so no 24-hours check: it cannot exceed the time that passed.
        store.append(
            conn,
            dict(
                officer_id=session.officer_id,
                day=local_date(session.started_at),
                content=timing.CHAT_CONTENT,
                form=timing.CHAT_FORM,
                source="chat",
                seconds=session.seconds,
                hours_hundredths=None,
                entered_by=None,
                entered_at=self._now(),
            ),
        )
        return 1

    # --- reading (officers, trainers, the sharing API) ---

    def officer_card(self, actor: User, officer_id: str, year: int | None = None) -> Card:
        year = self._year(year)
        uid = canonical_id(officer_id)
        with self.db.read() as conn:
            officer = store.officer_rows(conn, [uid]).get(uid)
        if officer is None:
            if actor.is_admin:
                raise UnknownUser(officer_id)
            raise _forbidden_officer(officer_id)
        if actor.id != uid and not actor.manages(officer.unit):
            raise _forbidden_officer(officer_id)
        self.close_idle_sessions([uid])
        with self.db.read() as conn:
            rows = store.year_records(conn, year, officer_id=uid)
            session = timing.open_session(conn, uid)
        return build_card(officer, rows, year, self.target, self.chat_counts, self._session_json(session))

    def officer_hours(self, actor: User, officer_id: str, year: int | None = None) -> dict:
        """GET /api/v1/officers/{id}/hours and `studybot hours show --json`: the year's total,
        target, 是否达标, what remains, and every record with where it came from."""
        return self.officer_card(actor, officer_id, year).to_json()

    def unit_cards(self, actor: User, unit: str, year: int | None = None) -> list[Card]:
        year = self._year(year)
        unit = (unit or "").strip()
        if not actor.manages(unit):
            raise Forbidden(f"您没有管理单位「{unit}」学时的权限：培训管理员只能查看和导出本单位的登记卡")
        self.close_idle_sessions(unit=unit)
        with self.db.read() as conn:
            officers = store.unit_officers(conn, unit)
            rows = store.year_records(conn, year, unit=unit)
        if not officers:
            raise InvalidRecord(f"单位「{unit}」没有任何账号：请核对单位名称（studybot users list 可查看全部单位）")
        by_officer: dict[str, list] = {}
        for row in rows:
            by_officer.setdefault(row.officer_id, []).append(row)
        return [
            build_card(o, by_officer.get(o.id, []), year, self.target, self.chat_counts)
            for o in officers
            if not (o.disabled and o.id not in by_officer)
        ]

    def unit_hours(self, actor: User, unit: str, year: int | None = None, records: bool = True) -> dict:
        """GET /api/v1/units/{unit}/hours: each officer's total, target, 是否达标 and records."""
        cards = self.unit_cards(actor, unit, year)
        return {
            "unit": unit.strip(),
            "year": self._year(year),
            "target": self.target,
            "met_count": sum(c.met for c in cards),
            "officers": [c.to_json(records) for c in cards],
        }

    def export(self, actor: User, unit: str, year: int | None, fmt: str) -> bytes:
        """The unit's 登记卡 for the year: 'xlsx' (summary sheet + one card per officer) or 'csv'."""
        if fmt not in EXPORT_FORMATS:
            raise InvalidRecord(f"导出格式 {fmt!r} 无效：请选择 csv 或 xlsx")
        cards = self.unit_cards(actor, unit, year)
        if fmt == "csv":
            return cards_csv(cards)
        return cards_xlsx(cards, unit.strip(), self._year(year), self.target)

    # --- importing from other platforms ---

    def import_file(self, actor: User, path: str | Path) -> ImportReport:
        """`studybot hours import FILE`: an XLSX or CSV file, all rows or none."""
        return self.import_rows(actor, read_file(path))

    def import_upload(self, actor: User, data: bytes, name: str) -> ImportReport:
        """An XLSX or CSV file's content (the page's upload, POST /api/v1/records with a file)."""
        self._require_trainer_import(actor)
        return self.import_rows(actor, read_bytes(data, name))

    def import_json(self, actor: User, items: list) -> dict:
        """POST /api/v1/records: the same checks and idempotency as a file."""
        return self.import_rows(actor, rows_from_json(items)).to_json()

    def import_rows(self, actor: User, raw_rows: list[RawRow]) -> ImportReport:
        self._require_trainer_import(actor)
        rows, problems = clean_rows(raw_rows, self._today())
        now = self._now()
        with self.db.write() as conn:
            officers = store.lock_officers(conn, [r.officer_id for r in rows])
            problems += check_officers(actor, rows, officers)
            done = store.existing_keys(conn, [r.key for r in rows])
            fresh = [r for r in rows if r.key not in done]
            problems += check_day_limits(fresh, store.day_loads(conn, [(r.officer_id, r.day) for r in fresh]))
            if problems:
                return ImportReport(len(raw_rows), 0, 0, in_file_order(problems))
            store.append_many(
                conn,
                [
                    dict(
                        officer_id=r.officer_id,
                        day=r.day,
                        content=r.content,
                        form=r.form,
                        source="import",
                        origin=r.origin,
                        hours_hundredths=r.hours_hundredths,
                        seconds=r.seconds,
                        entered_by=_entered_by(actor),
                        entered_at=now,
                        import_key=r.key,
                    )
                    for r in fresh
                ],
            )
        return ImportReport(len(raw_rows), len(fresh), len(rows) - len(fresh), ())

    # --- helpers ---

    @staticmethod
    def _require_trainer_import(actor: User) -> None:
        if not actor.is_trainer:
            raise Forbidden("只有培训管理员可以导入学时记录")

    def _today(self) -> date:
        return local_date(self._now())

    def _year(self, year: int | None) -> int:
        if year is None:
            return self._today().year
        try:
            number = int(str(year).strip())
        except ValueError:
            number = 0
        if not 2000 <= number <= self._today().year:
            raise InvalidRecord(f"年度 {year} 无效：请填写 2000 到 {self._today().year} 之间的年份")
        return number

    @staticmethod
    def _amount(hours, minutes) -> dict:
        if (hours is None) == (minutes is None):
            raise InvalidRecord("请填写学时或分钟中的一项：有明确学时的用学时，否则用分钟（按 45 分钟 = 1 学时折算）")
        if hours is not None:
            return {"hours_hundredths": parse_hours(hours), "seconds": None}
        return {"hours_hundredths": None, "seconds": parse_minutes(minutes)}

    @staticmethod
    def _check_day(officer_id: str, day: date, load: int, amount: dict) -> None:
        if load + day_load(amount["hours_hundredths"], amount["seconds"]) > DAY_SECONDS:
            raise InvalidRecord(day_full_message(officer_id, day))

    @staticmethod
    def _require_manages(actor: User, ids: Sequence[str], officers: dict, record: int | None = None) -> None:
        outside = [i for i in ids if i not in officers or not actor.manages(officers[i].unit)]
        if not outside:
            return
        if actor.is_admin:
            raise UnknownUser(outside[0])
        what = f"记录 {record}" if record is not None else f"执法证号 {'、'.join(outside)}"
        raise Forbidden(f"无权操作{what}：找不到该人员，或该人员不在您管理的单位")

    def _session_json(self, row) -> dict | None:
        if row is None:
            return None
        return {
            "status": "进行中",
            "started_at": row.started_at.isoformat(),
            "last_event_at": row.last_event_at.isoformat(),
            "seconds": row.seconds,
            "counted": self.chat_counts,
        }


def select_unit_ids(unit: str):
    return select(users.c.id).where(users.c.unit == unit)


def _entered_by(actor: User) -> str | None:
    return None if actor == OPERATOR else actor.id


def _negative(value: int | None) -> int | None:
    return None if value is None else -value


def _forbidden_officer(officer_id: str) -> Forbidden:
    return Forbidden(f"无权查看执法证号 {officer_id} 的学时：只能查看本人或本单位人员的记录")
