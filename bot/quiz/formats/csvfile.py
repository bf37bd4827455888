"""The CSV bank: the template's columns, UTF-8 with a BOM so Excel opens it right (GBK read too)."""

from __future__ import annotations

import csv
import io

from ...errors import BankImportError
from .rows import COLUMNS, RawRow, check_header


def read_csv(data: bytes, where: str) -> list[RawRow]:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise BankImportError(["无法识别文件编码：请另存为 UTF-8 编码的 CSV 后再导入"], where)
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise BankImportError([f"CSV 格式有误（{exc}）：请检查引号是否成对"], where) from None
    header = [h.strip() for h in table[0]] if table else []
    problems = check_header(header, "")
    if problems:
        raise BankImportError(problems, where)
    out = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        out.append(RawRow(number, {h: c for h, c in zip(header, cells) if h}))
    return out


def write_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
