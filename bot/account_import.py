"""Import of accounts from CSV or XLSX: header mapping, row checks and the report.

AccountService.import_file (bot/accounts.py) checks the rows against the database and adds them;
reading the file itself is bot/tables.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidAccount, TableError
from .tables import read_table

# Header spellings accepted for each field.
CSV_COLUMNS = {
    "id": ("id", "执法证号", "工号", "账号"),
    "name": ("name", "姓名"),
    "unit": ("unit", "单位"),
    "role": ("role", "角色"),
    "password": ("password", "密码", "初始密码"),
}
CSV_HEADER_HELP = "id,name,unit,role,password（或 执法证号,姓名,单位,角色,密码）"
MAX_ACCOUNTS = 20_000


@dataclass(frozen=True, order=True)
class RowIssue:
    line: int  # line number in the file, the header being line 1
    user_id: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    skipped: tuple[RowIssue, ...]
    problems: tuple[RowIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """A Chinese report for the CLI and the trainers' page."""
        if self.problems:
            lines = [
                f"文件中有 {len(self.problems)} 行有问题，本次没有导入任何账号。请修改以下各行后重新导入整个文件："
            ]
            lines += [f"  第 {p.line} 行 {p.user_id}：{p.reason}" for p in self.problems]
        else:
            lines = [f"已导入 {len(self.added)} 个账号。文件中有初始密码，请删除或妥善保管该文件。"]
        if self.skipped:
            lines.append(f"已存在而跳过 {len(self.skipped)} 个账号：" + "、".join(s.user_id for s in self.skipped))
        return "\n".join(lines)


def read_account_rows(path: str | Path, validate: Callable[..., dict]) -> tuple[list[dict], list[RowIssue]]:
    """Valid rows (with their line numbers) and bad rows, or CsvImportError for the whole file.

    ``validate`` is ``accounts.validate_account``, passed in because accounts imports this module.
    """
    records = read_table(Path(path), max_rows=MAX_ACCOUNTS)
    columns = _column_positions(*records[0])
    if len(records) == 1:
        raise TableError(f"文件 {path} 只有表头，没有账号行，请在表头下面逐行填写账号")

    rows: list[dict] = []
    problems: list[RowIssue] = []
    first_line: dict[str, int] = {}
    for line, cells in records[1:]:
        raw = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        try:
            row = validate(**{("user_id" if f == "id" else f): v for f, v in raw.items()})
        except InvalidAccount as exc:
            problems.append(RowIssue(line, raw["id"], str(exc)))
            continue
        row["line"] = line
        if row["id"] in first_line:
            first = first_line[row["id"]]
            problems.append(RowIssue(line, row["id"], f"与第 {first} 行的执法证号重复，请删除或改正其中一行"))
            continue
        first_line[row["id"]] = line
        rows.append(row)
    return rows, problems


def _column_positions(line: int, header: list[str]) -> dict[str, int]:
    spelled = {alias.lower(): field for field, aliases in CSV_COLUMNS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        field = spelled.get(unicodedata.normalize("NFKC", cell).strip().lower())
        if field is not None and field not in positions:
            positions[field] = i
    missing = [CSV_COLUMNS[f][1] for f in CSV_COLUMNS if f not in positions]
    if missing:
        raise TableError(f"第 {line} 行表头缺少列：{'、'.join(missing)}。表头应为 {CSV_HEADER_HELP}")
    return positions
