"""A published test's results as an XLSX workbook for the trainer."""

from __future__ import annotations

import io
from datetime import timedelta, timezone

CHINA = timezone(timedelta(hours=8))
HEADER = (
    "执法证号",
    "姓名",
    "单位",
    "状态",
    "得分",
    "满分",
    "正确率",
    "是否及格",
    "开始时间",
    "交卷时间",
    "用时（分钟）",
)


def _when(value) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def results_xlsx(title: str, pass_mark: int, rows: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "成绩"
    sheet.append([f"{title}（及格线 {pass_mark}%）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        score = r["score"]
        rate = f"{score * 100 / r['total']:.0f}%" if score is not None and r["total"] else ""
        passed = "" if r["passed"] is None else ("及格" if r["passed"] else "不及格")
        minutes = round(r["seconds"] / 60, 1) if r["seconds"] is not None else ""
        sheet.append(
            [
                r["officer_id"],
                r["name"],
                r["unit"],
                r["status"],
                "" if score is None else score,
                r["total"],
                rate,
                passed,
                _when(r["started_at"]),
                _when(r["submitted_at"]),
                minutes,
            ]
        )
    for column, width in zip("ABCDEFGHIJK", (14, 10, 24, 8, 6, 6, 8, 8, 18, 18, 10)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
