"""A unit's 登记卡 for a year as XLSX (a summary sheet, then one card per officer) or CSV.

学时 cells hold the floored two-decimal numbers shown everywhere else, formatted 0.00, so the
totals a checker reads in Excel are the ones the system reports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from .amounts import hours_number, hours_text
from .cards import Card

SUMMARY_SHEET = "汇总"
SUMMARY_HEADER = ("序号", "执法证号", "姓名", "单位", "年度累计", "目标学时", "是否达标", "尚差学时", "记录数")
CARD_HEADER = ("日期", "培训内容", "培训形式", "学时", "年度累计", "来源", "记录号", "备注")
CSV_HEADER = (
    "执法证号",
    "姓名",
    "单位",
    "日期",
    "培训内容",
    "培训形式",
    "学时",
    "年度累计",
    "是否达标",
    "来源",
    "记录号",
    "备注",
)
TOTAL_LABEL = "年度合计"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _yes(met: bool) -> str:
    return "是" if met else "否"


def _csv_text(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) gets a leading quote: content
    imported from elsewhere must not become a command in a trainer's Excel."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def cards_csv(cards: Sequence[Card]) -> bytes:
    """One row per record, each officer's block closed by a 年度合计 row with 是否达标.

    UTF-8 with a BOM: without it Excel on Chinese Windows reads the file as GBK and garbles it.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for card in cards:
        who = tuple(_csv_text(v) for v in (card.officer_id, card.name, card.unit))
        for line in card.lines:
            writer.writerow(
                (
                    *who,
                    line.day.isoformat(),
                    _csv_text(line.content),
                    _csv_text(line.form),
                    hours_text(line.hundredths),
                    hours_text(line.running),
                    "",
                    line.source_name,
                    line.id,
                    _csv_text(line.note),
                )
            )
        writer.writerow(
            (
                *who,
                TOTAL_LABEL,
                "",
                "",
                hours_text(card.total),
                hours_text(card.total),
                _yes(card.met),
                "",
                "",
                f"目标 {card.target} 学时",
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def cards_xlsx(cards: Sequence[Card], unit: str, year: int, target: int) -> bytes:
    # Write-only mode streams rows instead of keeping every cell, and only the cells that need
    # a style get one (学时 as 0.00, headings in bold): per-cell styles dominate the time.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold, title_font = Font(bold=True), Font(bold=True, size=14)

    def text(sheet, value):
        if isinstance(value, str) and value.startswith("="):
            c = WriteOnlyCell(sheet, value=value)
            c.data_type = "s"  # openpyxl would store it as a formula
            return c
        return value

    def hours(sheet, hundredths: int, font=None):
        c = WriteOnlyCell(sheet, value=hours_number(hundredths))
        c.number_format = "0.00"
        if font is not None:
            c.font = font
        return c

    def heading(sheet, value, font=bold):
        c = WriteOnlyCell(sheet, value=value)
        c.font = font
        return c

    summary = book.create_sheet(SUMMARY_SHEET)
    for letter, width in zip("ABCDEFGHI", (6, 14, 10, 28, 10, 10, 9, 10, 8)):
        summary.column_dimensions[letter].width = width
    summary.append(
        [heading(summary, f"{unit} {year} 年度业务培训学时汇总（每人每年不少于 {target} 学时）", title_font)]
    )
    summary.append([heading(summary, h) for h in SUMMARY_HEADER])
    for n, card in enumerate(cards, start=1):
        summary.append(
            [
                n,
                text(summary, card.officer_id),
                text(summary, card.name),
                text(summary, card.unit),
                hours(summary, card.total),
                card.target,
                _yes(card.met),
                hours(summary, card.remaining),
                len(card.lines),
            ]
        )

    names: set[str] = {SUMMARY_SHEET.lower()}
    for card in cards:
        sheet = book.create_sheet(_sheet_name(card, names))
        for letter, width in zip("ABCDEFGH", (12, 40, 10, 9, 10, 14, 8, 40)):
            sheet.column_dimensions[letter].width = width
        sheet.append([heading(sheet, f"业务培训登记卡（{year} 年度）", title_font)])
        for label, value in (("姓名", card.name), ("执法证号", card.officer_id), ("单位", card.unit)):
            sheet.append([heading(sheet, label), text(sheet, value)])
        sheet.append([])
        sheet.append([heading(sheet, h) for h in CARD_HEADER])
        for line in card.lines:
            # A date value gets openpyxl's yyyy-mm-dd format by itself.
            sheet.append(
                [
                    line.day,
                    text(sheet, line.content),
                    text(sheet, line.form),
                    hours(sheet, line.hundredths),
                    hours(sheet, line.running),
                    line.source_name,
                    line.id,
                    text(sheet, line.note or None),
                ]
            )
        sheet.append(
            [
                heading(sheet, TOTAL_LABEL),
                None,
                None,
                hours(sheet, card.total, bold),
                hours(sheet, card.total, bold),
                None,
                None,
                f"目标 {card.target} 学时，是否达标：{_yes(card.met)}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(card: Card, taken: set[str]) -> str:
    """'张三 GD001': Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    base = _SHEET_FORBIDDEN.sub("_", f"{card.name} {card.officer_id}").strip("'")[:31]
    name, n = base, 1
    while name.lower() in taken:  # Excel compares sheet names without case
        n += 1
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name
