"""What the 学时 tab shows, as HTML strings and table rows: pure functions over a ledger Card (and
its JSON), so tests read them without Gradio. Every value from the database is escaped here."""

from __future__ import annotations

import csv
import dataclasses
import io

from ..ledger.amounts import hours_text
from ..ledger.cards import Card, Line
from .render import esc

# Who entered a record, when no account did: time the server measured, or the command line.
MEASURED_BY = "系统计时"
OPERATOR_BY = "服务器操作员"
MEASURED_SOURCES = ("chat", "practice", "test")

# Scoped to each gr.HTML (css_template): the summary, the progress bar, the records table, which
# turns into one block per record on a phone.
SUMMARY_CSS = """
.hours-total-line { font-size: 1.35rem; margin: .2em 0; }
.hours-total-line strong { font-size: 1.7rem; color: var(--color-accent); }
"""
PROGRESS_CSS = """
.bar { height: 14px; border-radius: 7px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--color-accent); }
.bar.met > span { background: #059669; }
.status { margin: .45em 0 .2em; }
.status .met { color: #065f46; font-weight: 600; }
.status .not-met { color: #9a3412; font-weight: 600; }
.open-session { color: var(--body-text-color-subdued); font-size: .92em; margin: .2em 0; }
"""
RECORDS_CSS = """
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--border-color-primary); padding: 5px 6px; text-align: left;
  vertical-align: top; }
th { background: var(--background-fill-secondary); white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.reversal td { color: #9a3412; }
tr.reversed td.num { text-decoration: line-through; }
tr.uncounted td { color: var(--body-text-color-subdued); }
.note { color: var(--body-text-color-subdued); font-size: .88em; }
.empty { color: var(--body-text-color-subdued); }
@media (max-width: 640px) {
  thead { display: none; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 0 0 8px; padding: 4px 8px; }
  td { border: 0; padding: 2px 0; text-align: left !important; }
  td::before { content: attr(data-label) "："; color: var(--body-text-color-subdued); }
  td.content::before { content: none; }
  td.content { font-weight: 600; }
}
"""

RECORD_COLUMNS = ("记录号", "日期", "培训内容", "培训形式", "来源", "学时", "录入人", "备注")
UNIT_HEADERS = ("执法证号", "姓名", "年度累计", "目标学时", "是否达标", "尚差学时", "记录数")
CARD_HEADERS = ("记录号", "日期", "培训内容", "培训形式", "来源", "学时", "年度累计", "录入人", "备注")


def total_html(card: Card, this_year: int) -> str:
    """'本年度累计 2.00 学时' (another year: '2024 年度累计 …'): floored, never rounded up."""
    label = "本年度累计" if card.year == this_year else f"{card.year} 年度累计"
    return f'<p class="hours-total-line"><span>{label}</span> <strong>{hours_text(card.total)}</strong> 学时</p>'


def progress_html(card: Card, idle_minutes: float) -> str:
    """The bar to the target, 是否达标 and what remains, and chat study still being timed."""
    width = f"{card.progress_percent:.1f}%"
    total = hours_text(card.total)
    if card.met:
        state = '<span class="met">已达标</span>'
    else:
        state = f'<span class="not-met">未达标</span>，尚差 <strong>{hours_text(card.remaining)}</strong> 学时'
    out = [
        f'<div class="bar{" met" if card.met else ""}" role="progressbar" aria-label="年度学时进度" '
        f'aria-valuemin="0" aria-valuemax="{card.target}" aria-valuenow="{total}" '
        f'aria-valuetext="{total} / {card.target} 学时"><span style="width: {width}"></span></div>',
        f'<p class="status">目标 {card.target} 学时 · 已完成 {card.progress_percent:.1f}% · 是否达标：{state}</p>',
    ]
    session = card.open_session
    if session:
        minutes = session["seconds"] // 60
        counted = "" if session.get("counted", True) else "（按设置不计入学时，仅展示）"
        out.append(
            f'<p class="open-session">⏱ 问答学习进行中：已计时 {minutes} 分钟，'
            f"停止操作 {idle_minutes:g} 分钟后计入登记卡{counted}</p>"
        )
    return "".join(out)


def entered_by(line: Line, names: dict[str, str]) -> str:
    if line.entered_by is None:
        return MEASURED_BY if line.source in MEASURED_SOURCES else OPERATOR_BY
    name = names.get(line.entered_by)
    return f"{name}（{line.entered_by}）" if name else line.entered_by


def source_text(line: Line) -> str:
    """'外部平台导入：广东省干部网络学院'."""
    return f"{line.source_name}：{line.origin}" if line.origin else line.source_name


def note_text(line: Line) -> str:
    """The card's 备注 without the platform (shown with the source already)."""
    return dataclasses.replace(line, origin=None).note


def records_html(card: Card, names: dict[str, str]) -> str:
    """The officer's records for the year, corrections shown as such."""
    if not card.lines:
        return f'<p class="empty">{card.year} 年度尚无学时记录。</p>'
    head = "".join(f"<th>{c}</th>" for c in RECORD_COLUMNS)
    rows = []
    for line in card.lines:
        kind = (
            "reversal"
            if line.reverses is not None
            else "reversed"
            if line.reversed_by is not None
            else "uncounted"
            if not line.counted
            else ""
        )
        cells = (
            ("", line.id),
            ("", line.day.isoformat()),
            ("content", line.content),
            ("", line.form),
            ("", source_text(line)),
            ("num", hours_text(line.hundredths)),
            ("", entered_by(line, names)),
            ("note", note_text(line)),
        )
        tds = "".join(
            f'<td class="{cls}" data-label="{label}">{esc(value)}</td>'
            for label, (cls, value) in zip(RECORD_COLUMNS, cells)
        )
        rows.append(f'<tr class="{kind}">{tds}</tr>')
    return (
        f'<table aria-label="{card.year} 年度学时记录"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def card_rows(card: Card, names: dict[str, str]) -> list[list]:
    """One officer's card as table rows for a trainer (with 记录号, to correct one)."""
    return [
        [
            line.id,
            line.day.isoformat(),
            line.content,
            line.form,
            source_text(line),
            hours_text(line.hundredths),
            hours_text(line.running),
            entered_by(line, names),
            note_text(line),
        ]
        for line in card.lines
    ]


def unit_rows(cards: list[Card]) -> list[list]:
    """The unit's cards as the trainer's overview: one row per officer."""
    return [
        [
            c.officer_id,
            c.name,
            hours_text(c.total),
            c.target,
            "是" if c.met else "否",
            hours_text(c.remaining),
            len(c.lines),
        ]
        for c in cards
    ]


def unit_headline(unit: str, year: int, cards: list[Card], target: int) -> str:
    met = sum(c.met for c in cards)
    return f"<strong>{esc(unit)}</strong> {esc(year)} 年度：共 {len(cards)} 人，已达标 {met} 人，未达标 {len(cards) - met} 人（目标 {target} 学时）"


def csv_table(data: bytes, limit: int) -> tuple[list[str], list[list[str]], int]:
    """The exported CSV as a table (what the trainer downloads, shown first): header, the first
    `limit` rows, and how many rows there are in all."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(reader)
    rows, count = [], 0
    for row in reader:
        count += 1
        if len(rows) < limit:
            rows.append(row)
    return header, rows, count
