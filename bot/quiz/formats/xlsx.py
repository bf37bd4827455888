"""The XLSX bank: the template trainers download and fill, and exports in the same layout."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from ...errors import BankImportError
from .rows import COLUMNS, RawRow, check_header

SHEET = "题库"
GUIDE = [
    ("列", "怎么填"),
    ("题型", "填空题、单选题、判断题 或 出处题（问“这句话出自哪一条款”）"),
    ("题干", "题目文字；填空题用 ____（连续下划线）标出空的位置"),
    ("选项A–选项F", "单选题和出处题的选项，从选项A起连续填写，至少两个；填空题、判断题留空"),
    ("答案", "单选题、出处题填选项字母（如 B）或与选项完全相同的文字；判断题填“正确”或“错误”；填空题填应填的词"),
    ("解析", "答对答错后显示的说明，建议引用条款原文"),
    ("依据条款", "条款编号，如 二（一）2；多个文件有同一编号时写 文件ID:编号（studybot docs 可查文件ID）"),
    ("标签", "可选，多个标签用逗号或顿号隔开，练习时可按标签选题"),
    ("", ""),
    ("示例", "填空题｜根据二（一）2，确保每人每年接受不少于____的培训。｜答案 60学时｜依据条款 二（一）2"),
    ("示例", "单选题｜推行（　　）制度，进一步强化涉企行政执法监督。｜选项A 扫码入企 选项B 一案一码｜答案 A"),
    ("示例", "判断题｜未取得行政执法证件的人员不得独立从事行政执法工作。｜答案 正确｜依据条款 二（一）3"),
    ("", "有任何一行不符合要求时整个文件都不会导入，提示会写明第几行哪一列，改正后重新导入即可。"),
]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(data: bytes, where: str) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BankImportError(
            [f"不是有效的 XLSX 文件（{type(exc).__name__}）：请用 Excel 或 WPS 另存为 .xlsx 后再导入"], where
        ) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())]
    problems = check_header(header, f"工作表「{sheet.title}」")
    if problems:
        raise BankImportError(problems, where)
    out = []
    for number, values in enumerate(rows, start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        out.append(RawRow(number, {h: c for h, c in zip(header, cells) if h}))
    book.close()
    return out


def write_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(c, "") for c in COLUMNS])
    widths = {"题型": 8, "题干": 60, "答案": 16, "解析": 50, "依据条款": 14, "标签": 14}
    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = widths.get(column, 18)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    guide = book.create_sheet("填写说明")
    for line in GUIDE:
        guide.append(list(line))
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
