"""Question bank files: XLSX (the trainers' template), CSV, JSON and Moodle's GIFT."""

from __future__ import annotations

from pathlib import Path

from ...errors import BankImportError
from .rows import COLUMNS, MAX_BYTES, RawRow

FORMATS = ("xlsx", "csv", "json", "gift")


def format_of(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    if ext in ("txt", "gift"):
        return "gift"
    if ext in FORMATS:
        return ext
    raise BankImportError(
        [f"不认识的文件类型 .{ext or '（无扩展名）'}：题库文件应为 .xlsx、.csv、.json 或 .gift（.txt）"], str(path)
    )


def read_rows(path: Path) -> list[RawRow]:
    """The file's rows, or BankImportError naming what is wrong with the file as a whole."""
    path = Path(path)
    fmt = format_of(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BankImportError([f"无法读取文件（{exc.strerror or exc}），请检查路径"], str(path)) from None
    if not data.strip():
        raise BankImportError(["文件是空的：请在模板的表头下面填写题目后再导入"], str(path))
    if len(data) > MAX_BYTES:
        raise BankImportError(
            [f"文件太大（{len(data) / 1048576:.1f} MB）：一次最多导入 {MAX_BYTES // 1048576} MB，请分成几个文件"],
            str(path),
        )
    if fmt == "xlsx":
        from .xlsx import read_xlsx

        return read_xlsx(data, str(path))
    if fmt == "csv":
        from .csvfile import read_csv

        return read_csv(data, str(path))
    if fmt == "json":
        from .jsonfile import read_json

        return read_json(data, str(path))
    from .gift import read_gift

    return read_gift(_decode(data, str(path)), str(path))


def write(fmt: str, rows: list[dict], questions=None) -> bytes:
    """Rows (question_row dicts, answers as letters for tables) in the format."""
    if fmt == "xlsx":
        from .xlsx import write_xlsx

        return write_xlsx(rows)
    if fmt == "csv":
        from .csvfile import write_csv

        return write_csv(rows)
    if fmt == "json":
        from .jsonfile import write_json

        return write_json(rows, questions)
    if fmt == "gift":
        from .gift import write_gift

        return write_gift(rows, questions).encode("utf-8")
    raise BankImportError([f"不支持的格式 {fmt!r}：应为 {'、'.join(FORMATS)} 之一"])


def _decode(data: bytes, where: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BankImportError(["无法识别文件编码：请另存为 UTF-8 编码后再导入"], where)


__all__ = ["COLUMNS", "FORMATS", "RawRow", "format_of", "read_rows", "write"]
