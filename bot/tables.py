"""Reading a spreadsheet a trainer uploads (CSV or XLSX) into numbered rows of text cells.

Shared by every import (accounts, 学时 records, question banks), so each reports rows the way
Excel shows them: line 1 is the header, a cell is named by its row and its column letter.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from .errors import TableError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
SAVE_AS_CSV = "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_table(path: str | Path, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> list[tuple[int, list[str]]]:
    """(row number, cells) of every non-empty row, the header first; TableError for the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(f"无法读取文件 {path}：{exc.strerror or exc}，请检查路径和权限") from exc
    if size > max_bytes:
        raise TableError(
            f"文件 {path.name} 有 {size / 1024 / 1024:.1f} MB，超过上限 {max_bytes / 1024 / 1024:g} MB，请拆分后分批导入"
        )
    data = path.read_bytes()
    if path.suffix.lower() == ".xlsx" or data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(path, data, max_rows)
    elif path.suffix.lower() == ".xls":
        raise TableError(f"文件 {path.name} 是旧版 Excel（.xls），{SAVE_AS_CSV}")
    else:
        rows = _csv_rows(path, data, max_rows)
    if not rows:
        raise TableError(f"文件 {path.name} 是空的，请按模板的表头填写")
    return rows


def _csv_rows(path: Path, data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_decode(path, data)))
    rows = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((reader.line_num, [cell.strip() for cell in cells]))
            if len(rows) > max_rows + 1:
                raise TableError(f"文件 {path.name} 超过 {max_rows} 行，请拆分后分批导入")
    return rows


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(f"文件 {path.name} 是 UTF-16 编码（Excel 的“Unicode 文本”），{SAVE_AS_CSV}")
    if b"\x00" in data[:4096]:
        raise TableError(f"文件 {path.name} 不是文本表格（CSV），{SAVE_AS_CSV}")
    # Excel on Chinese Windows saves plain "CSV" as GBK; GB18030 decodes GBK and more.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(f"无法识别文件 {path.name} 的编码，{SAVE_AS_CSV}")


def _xlsx_rows(path: Path, data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(f"文件 {path.name} 不是有效的 .xlsx 表格（{type(exc).__name__}），{SAVE_AS_CSV}") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > max_rows + 1:
                    raise TableError(f"文件 {path.name} 超过 {max_rows} 行，请拆分后分批导入")
        return rows
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
