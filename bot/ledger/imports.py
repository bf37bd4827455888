"""Reading 学时 records from another learning platform: XLSX or CSV files, or JSON rows.

Columns (Chinese or English headers; extra columns are ignored, cells trimmed, blank rows
skipped): 执法证号, 姓名, 日期, 培训内容, 培训形式, 学时 or 分钟, 来源. This module checks the rows
(each on its own, then against the accounts and the day limits handed in);
LedgerService.import_rows runs the checks inside its write transaction and adds all rows or none.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..accounts import canonical_id
from ..errors import InvalidRecord, LedgerImportError
from .amounts import (
    DAY_SECONDS,
    MAX_CONTENT,
    MAX_FORM,
    MAX_ORIGIN,
    clean_text,
    day_full_message,
    day_load,
    parse_day,
    parse_hours,
    parse_minutes,
)

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000

# Header spellings accepted for each field; the first is the one messages use.
COLUMNS = {
    "officer_id": ("执法证号", "证号", "工号", "账号", "id", "officer_id"),
    "name": ("姓名", "name"),
    "day": ("日期", "培训日期", "date"),
    "content": ("培训内容", "内容", "课程名称", "content"),
    "form": ("培训形式", "形式", "form"),
    "hours": ("学时", "hours"),
    "minutes": ("分钟", "时长（分钟）", "时长(分钟)", "minutes"),
    "origin": ("来源", "来源平台", "origin", "source"),
}
REQUIRED = ("officer_id", "name", "day", "content", "form", "origin")
HEADER_HELP = "执法证号,姓名,日期,培训内容,培训形式,学时（或 分钟）,来源"
WHOLE_ROW = "整行"


@dataclass(frozen=True, order=True)
class RowProblem:
    row: int  # the row number in the file (the header being its own row), or the n-th JSON row
    column: str  # the header as written in the file
    message: str

    def text(self) -> str:
        where = f"「{self.column}」列" if self.column != WHOLE_ROW else "整行"
        return f"第 {self.row} 行{where}：{self.message}"

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


def in_file_order(problems: Iterable[RowProblem]) -> tuple[RowProblem, ...]:
    """By row, and within a row in the order of the standard columns (整行 first)."""
    spelled = {alias.lower(): n for n, aliases in enumerate(COLUMNS.values()) for alias in aliases}

    def key(p: RowProblem):
        column = -1 if p.column == WHOLE_ROW else spelled.get(p.column.strip().lower(), len(COLUMNS))
        return p.row, column, p.message

    return tuple(sorted(problems, key=key))


@dataclass(frozen=True)
class ImportReport:
    rows: int  # data rows read
    added: int
    already: int  # rows already in the ledger (an earlier import of the same records)
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            lines = [
                f"文件中有 {len(self.problems)} 处问题，本次没有导入任何记录。"
                "请修改以下各处后重新导入整个文件（已导入过的行不会重复计入）："
            ]
            lines += ["  " + p.text() for p in self.problems]
            return "\n".join(lines)
        text = f"共 {self.rows} 行：新增 {self.added} 条学时记录"
        if self.already:
            text += f"，{self.already} 行此前已导入过，未重复计入"
        return text + "。"

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "added": self.added,
            "already": self.already,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True)
class RawRow:
    line: int
    values: dict[str, Any]  # field -> cell value
    headers: dict[str, str]  # field -> header as written


@dataclass(frozen=True)
class CleanRow:
    line: int
    officer_id: str
    name: str
    day: date
    content: str
    form: str
    hours_hundredths: int | None
    seconds: int | None
    origin: str
    headers: dict[str, str]

    @property
    def key(self) -> str:
        """The same training, however it is spelled (full-width digits, spacing), gives the same
        key: importing a file again, or an overlapping export of the same platform, adds nothing."""
        amount = f"h{self.hours_hundredths}" if self.hours_hundredths is not None else f"s{self.seconds}"
        parts = (
            self.officer_id,
            self.day.isoformat(),
            _norm(self.content),
            _norm(self.form),
            amount,
            _norm(self.origin),
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def column(self, field: str) -> str:
        return self.headers.get(field, COLUMNS[field][0])


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


# --- reading files ---


def read_file(path: str | Path) -> list[RawRow]:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LedgerImportError(f"无法读取文件 {path}：{exc.strerror or exc}，请检查路径和权限") from exc
    _check_size(size, path.name)
    return read_bytes(path.read_bytes(), path.name)


def read_bytes(data: bytes, name: str) -> list[RawRow]:
    """An XLSX or CSV file's rows from its content (an upload); `name` is only for messages."""
    _check_size(len(data), name)
    if data.startswith(b"PK\x03\x04"):
        return _rows_from_table(_xlsx_rows(name, data), name)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerImportError(
            f"文件 {name} 是旧版 Excel（.xls）格式：请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入"
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerImportError(
            f"文件 {name} 不是 XLSX 或 CSV 表格（可能已损坏）：请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入"
        )
    return _rows_from_table(_csv_rows(_decode(data, name), name), name)


def _csv_rows(text: str, name: str):
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:  # a cell over the csv module's size limit, a stray NUL
        raise LedgerImportError(
            f"文件 {name} 第 {reader.line_num} 行无法读取（单元格过长或含有非法字符）：请确认它是 CSV 表格，"
            "或在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入"
        ) from exc


def _check_size(size: int, name: str) -> None:
    if size > MAX_IMPORT_BYTES:
        raise LedgerImportError(
            f"文件 {name} 有 {size / 1024 / 1024:.1f} MB，超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB 的上限："
            "请分成几个文件分别导入"
        )


# What a damaged workbook raises, from the zip container to the XML of a sheet (ParseError and
# lxml's errors are SyntaxErrors), whether on opening it or part-way through its rows.
_BROKEN_XLSX = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, SyntaxError, IndexError)


def _xlsx_rows(name: str, data: bytes):
    from openpyxl import load_workbook

    def broken(exc: Exception) -> LedgerImportError:
        return LedgerImportError(
            f"无法读取 Excel 文件 {name}（{type(exc).__name__}）：请确认文件未加密、未损坏，"
            "或在 Excel 中另存为 CSV UTF-8 后再导入"
        )

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN_XLSX as exc:
        raise broken(exc) from exc
    try:
        sheet = book.worksheets[0]  # the first sheet, whichever was open when it was saved
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    except _BROKEN_XLSX as exc:
        raise broken(exc) from exc
    finally:
        book.close()


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerImportError(
            f"文件 {name} 是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”后再导入"
        )
    # Excel on Chinese Windows saves plain "CSV" as GBK; GB18030 decodes GBK and more.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerImportError(f"无法识别文件 {name} 的编码，请另存为“CSV UTF-8（逗号分隔）”后再导入")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_from_table(table: Iterable[tuple[int, list]], name: str) -> list[RawRow]:
    """Rows under the header; the header is the first non-blank row, or a later one within the
    first five when the sheet starts with a title line."""
    header: dict[str, int] | None = None
    written: dict[str, str] = {}
    first: tuple[int, list] | None = None
    seen = 0
    rows: list[RawRow] = []
    for line, cells in table:
        if all(_blank(c) for c in cells):
            continue
        if header is None:
            seen += 1
            first = first or (line, cells)
            positions = _header_positions(cells)
            if len(positions) >= 3:
                header = positions
                written = {f: str(cells[i]).strip() for f, i in positions.items()}
                _check_header(header, line)
            elif seen >= 5:
                break
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise LedgerImportError(f"文件 {name} 超过 {MAX_IMPORT_ROWS} 行：请分成几个文件分别导入")
        rows.append(RawRow(line, {f: (cells[i] if i < len(cells) else None) for f, i in header.items()}, written))
    if header is None:
        if first is None:
            raise LedgerImportError(f"文件 {name} 是空的，请按表头 {HEADER_HELP} 填写学时记录")
        _check_header(_header_positions(first[1]), first[0])
    if not rows:
        raise LedgerImportError(f"文件 {name} 只有表头，没有记录行，请在表头下面逐行填写学时记录")
    return rows


def _header_positions(cells: list) -> dict[str, int]:
    spelled = {alias.lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        field = spelled.get(unicodedata.normalize("NFKC", str(cell)).strip().lower())
        if field is not None and field not in positions:
            positions[field] = i
    return positions


def _check_header(positions: dict[str, int], line: int) -> None:
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in positions]
    if "hours" not in positions and "minutes" not in positions:
        missing.append("学时（或 分钟）")
    if missing:
        raise LedgerImportError(f"第 {line} 行表头缺少列：{'、'.join(missing)}。表头应为 {HEADER_HELP}")


def rows_from_json(items: list) -> list[RawRow]:
    """Rows posted to the API: a list of objects keyed like the file headers (Chinese or English)."""
    if not isinstance(items, list) or not items:
        raise LedgerImportError(f"没有收到记录：请提交记录列表，每条包含 {HEADER_HELP}")
    if len(items) > MAX_IMPORT_ROWS:
        raise LedgerImportError(f"一次最多提交 {MAX_IMPORT_ROWS} 条记录，请分批提交")
    rows = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise LedgerImportError(f'第 {n} 条记录不是对象：每条记录应为 {{"执法证号": …, "日期": …}} 的形式')
        keys = list(item)
        positions = _header_positions(keys)
        _check_header(positions, n)
        rows.append(
            RawRow(n, {f: item[keys[i]] for f, i in positions.items()}, {f: str(keys[i]) for f, i in positions.items()})
        )
    return rows


# --- checking rows ---


def clean_rows(raw_rows: list[RawRow], today: date) -> tuple[list[CleanRow], list[RowProblem]]:
    """Each row checked on its own, and a row that repeats an earlier one exactly is a problem."""
    rows: list[CleanRow] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for raw in raw_rows:
        cleaned = clean_row(raw, today)
        if isinstance(cleaned, list):
            problems += cleaned
        elif cleaned.key in first_line:
            problems.append(
                RowProblem(raw.line, WHOLE_ROW, f"与第 {first_line[cleaned.key]} 行完全相同，请删除其中一行")
            )
        else:
            first_line[cleaned.key] = raw.line
            rows.append(cleaned)
    return rows, problems


def check_officers(actor, rows: list[CleanRow], officers: dict) -> list[RowProblem]:
    """Each row's officer exists, is managed by `actor`, and has the 姓名 the file gives."""
    problems = []
    for r in rows:
        officer = officers.get(r.officer_id)
        if officer is None or not actor.manages(officer.unit):
            # One message for both, so an import cannot probe which ids exist elsewhere.
            problems.append(
                RowProblem(
                    r.line,
                    r.column("officer_id"),
                    (
                        f"找不到执法证号 {r.officer_id}，或该人员不在您管理的单位："
                        "请核对证号，或先用 studybot users import 导入账号"
                    ),
                )
            )
        elif "".join(officer.name.split()) != "".join(r.name.split()):
            problems.append(
                RowProblem(
                    r.line,
                    r.column("name"),
                    (f"姓名「{r.name}」与执法证号 {r.officer_id} 的账号姓名「{officer.name}」不一致，请核对是否填错人"),
                )
            )
    return problems


def check_day_limits(rows: list[CleanRow], loads: dict) -> list[RowProblem]:
    """Rows that would take an officer's day past 24 hours, given what the ledger already holds."""
    loads = dict(loads)
    problems = []
    for r in rows:
        key = (r.officer_id, r.day)
        loads[key] = loads.get(key, 0) + day_load(r.hours_hundredths, r.seconds)
        if loads[key] > DAY_SECONDS:
            column = r.column("hours") if r.hours_hundredths is not None else r.column("minutes")
            problems.append(RowProblem(r.line, column, day_full_message(r.officer_id, r.day)))
    return problems


def clean_row(raw: RawRow, today: date) -> CleanRow | list[RowProblem]:
    """The row's cleaned fields, or every problem in it (each naming its column)."""
    problems: list[RowProblem] = []
    values: dict[str, Any] = {}

    def column(field: str) -> str:
        return raw.headers.get(field, COLUMNS[field][0])

    def check(field: str, parse, store: str | None = None) -> None:
        try:
            values[store or field] = parse(raw.values.get(field))
        except InvalidRecord as exc:
            problems.append(RowProblem(raw.line, column(field), str(exc)))

    check("officer_id", _officer_id)
    check("name", lambda v: clean_text(_text(v), "姓名", 100))
    check("day", lambda v: parse_day(v, today))
    check("content", lambda v: clean_text(_text(v), "培训内容", MAX_CONTENT))
    check("form", lambda v: clean_text(_text(v), "培训形式", MAX_FORM))
    check("origin", lambda v: clean_text(_text(v), "来源", MAX_ORIGIN))
    hours, minutes = raw.values.get("hours"), raw.values.get("minutes")
    values["hours"] = values["seconds"] = None
    if _blank(hours) and _blank(minutes):
        problems.append(
            RowProblem(
                raw.line,
                column("hours") if "hours" in raw.headers else column("minutes"),
                "学时和分钟都没有填写：请填写其中一项",
            )
        )
    elif not _blank(hours) and not _blank(minutes):
        problems.append(
            RowProblem(
                raw.line,
                column("minutes"),
                "学时和分钟只能填写一项：有明确学时的填学时，否则填分钟（按 45 分钟 = 1 学时折算）",
            )
        )
    elif not _blank(hours):
        check("hours", parse_hours)
    else:
        check("minutes", parse_minutes, store="seconds")
    if problems:
        return problems
    return CleanRow(
        raw.line,
        values["officer_id"],
        values["name"],
        values["day"],
        values["content"],
        values["form"],
        values["hours"],
        values["seconds"],
        values["origin"],
        raw.headers,
    )


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _officer_id(value) -> str:
    uid = canonical_id(_text(value))
    if not uid:
        raise InvalidRecord("执法证号不能为空，请填写执法证号")
    return uid
