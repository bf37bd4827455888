"""The 业务培训登记卡: one officer's records for a year with running totals, as JSON-ready data.

The year total is the exact sum of the counted records (in 1/2700 学时), floored to two decimals
only when shown; the running 年度累计 on each line is the floor of the exact sum so far. So a
card's last 年度累计 always equals its total, and 是否达标 compares the exact sum with the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .amounts import (
    SECONDS_PER_HOUR,
    SOURCES,
    floor_hundredths,
    hours_number,
    hours_text,
    units,
)


@dataclass(frozen=True)
class Line:
    id: int
    day: date
    content: str
    form: str
    source: str
    origin: str | None
    hundredths: int  # this record's 学时 as shown (floored; negative for a reversal)
    stated: bool  # stated 学时, or measured time
    seconds: int | None
    counted: bool  # chat study when STUDYBOT_CHAT_COUNTS is off is shown, not counted
    entered_by: str | None
    entered_at: datetime
    reverses: int | None
    reversed_by: int | None
    reason: str | None
    running: int  # 年度累计 after this line, in hundredths

    @property
    def source_name(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def note(self) -> str:
        """The card's 备注: where the time came from and what happened to the record since."""
        parts = []
        if self.origin:
            parts.append(f"来源：{self.origin}")
        if self.seconds is not None and self.reverses is None:
            parts.append(f"按时长 {_duration(self.seconds)}折算")
        if self.reverses is not None:
            parts.append(f"更正记录 {self.reverses}：{self.reason}")
        if self.reversed_by is not None:
            parts.append(f"已由记录 {self.reversed_by} 更正")
        if not self.counted:
            parts.append("不计入学时（仅展示）")
        return "；".join(parts)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "date": self.day.isoformat(),
            "content": self.content,
            "form": self.form,
            "source": self.source,
            "source_name": self.source_name,
            "origin": self.origin,
            "hours": hours_number(self.hundredths),
            "stated": self.stated,
            "seconds": self.seconds,
            "counted": self.counted,
            "year_total_after": hours_number(self.running),
            "entered_by": self.entered_by,
            "entered_at": self.entered_at.isoformat(),
            "reverses": self.reverses,
            "reversed_by": self.reversed_by,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Card:
    officer_id: str
    name: str
    unit: str
    year: int
    target: int
    lines: tuple[Line, ...]
    total_units: int
    open_session: dict | None = None

    @property
    def total(self) -> int:
        """Hundredths of a 学时, floored."""
        return floor_hundredths(self.total_units)

    @property
    def met(self) -> bool:
        return self.total_units >= self.target * SECONDS_PER_HOUR

    @property
    def remaining(self) -> int:
        return max(0, self.target * 100 - self.total)

    @property
    def progress_percent(self) -> float:
        """Floored to 0.1 %, at most 100: 59.99 of 60 shows 99.9, not 100."""
        permille = min(1000, self.total * 10 // max(1, self.target))
        return permille / 10

    def to_json(self, records: bool = True) -> dict:
        data = {
            "officer": {"id": self.officer_id, "name": self.name, "unit": self.unit},
            "year": self.year,
            "year_total": hours_number(self.total),
            "target": self.target,
            "met": self.met,
            "remaining": hours_number(self.remaining),
            "progress_percent": self.progress_percent,
            "open_session": self.open_session,
        }
        if records:
            data["records"] = [line.to_json() for line in self.lines]
        return data

    def headline(self) -> str:
        """'2025 年度学时 59.99 / 60，未达标，尚差 0.01 学时'."""
        state = "已达标" if self.met else f"未达标，尚差 {hours_text(self.remaining)} 学时"
        return f"{self.year} 年度学时 {hours_text(self.total)} / {self.target}，{state}"


def build_card(officer, rows, year: int, target: int, chat_counts: bool, open_session: dict | None = None) -> Card:
    """`officer` has id, name, unit; `rows` are the officer's ledger rows for the year, in order."""
    reversed_by = {row.reverses: row.id for row in rows if row.reverses is not None}
    lines, total = [], 0
    for row in rows:
        counted = chat_counts or row.source != "chat"
        amount = units(row.hours_hundredths, row.seconds)
        if counted:
            total += amount
        lines.append(
            Line(
                id=row.id,
                day=row.day,
                content=row.content,
                form=row.form,
                source=row.source,
                origin=row.origin,
                hundredths=floor_hundredths(amount),
                stated=row.hours_hundredths is not None,
                seconds=row.seconds,
                counted=counted,
                entered_by=row.entered_by,
                entered_at=row.entered_at,
                reverses=row.reverses,
                reversed_by=reversed_by.get(row.id),
                reason=row.reason,
                running=floor_hundredths(total),
            )
        )
    return Card(officer.id, officer.name, officer.unit, year, target, tuple(lines), total, open_session)


def _duration(seconds: int) -> str:
    minutes, rest = divmod(abs(seconds), 60)
    return f"{minutes} 分钟" if not rest else f"{minutes} 分 {rest} 秒"
