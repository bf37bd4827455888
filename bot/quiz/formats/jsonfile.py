"""The JSON bank: a list of questions with the CLI's fields (type, stem, options, answer as text,
explanation, citation) plus tags; Chinese column names are read too."""

from __future__ import annotations

import json

from ...errors import BankImportError
from ..question import TYPE_NAMES
from .rows import OPTION_COLUMNS, RawRow

FIELDS = {"type": "题型", "stem": "题干", "answer": "答案", "explanation": "解析", "clause": "依据条款", "tags": "标签"}


def read_json(data: bytes, where: str) -> list[RawRow]:
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankImportError([f"不是有效的 JSON（{exc}）：文件应为题目对象的列表，UTF-8 编码"], where) from None
    if isinstance(items, dict) and isinstance(items.get("questions"), list):
        items = items["questions"]
    if not isinstance(items, list):
        raise BankImportError(['JSON 文件应为题目对象的列表（[{"type": …, "stem": …}, …]）'], where)
    out, problems = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f'第 {number} 题：应为一个对象（{{"type": …, "stem": …}}）')
            continue
        values = {FIELDS.get(k, k): v for k, v in item.items() if k not in ("options", "citation", "选项")}
        citation = item.get("citation") or {}
        if not values.get("依据条款") and isinstance(citation, dict):
            values["依据条款"] = citation.get("clause_id") or citation.get("label") or ""
        options = item.get("options", item.get("选项")) or []
        if not isinstance(options, list) or len(options) > len(OPTION_COLUMNS):
            problems.append(f"第 {number} 题「选项」：应为最多 {len(OPTION_COLUMNS)} 个选项文字的列表")
            continue
        values.update({c: o for c, o in zip(OPTION_COLUMNS, options)})
        if isinstance(values.get("标签"), list):
            values["标签"] = "、".join(map(str, values["标签"]))
        out.append(RawRow(number, {k: "" if v is None else str(v) for k, v in values.items()}, where="题"))
    if problems:
        raise BankImportError(problems, where)
    return out


def write_json(rows: list[dict], questions) -> bytes:
    items = []
    for row, q in zip(rows, questions):
        items.append(
            {
                "type": q.type,
                "type_name": TYPE_NAMES[q.type],
                "stem": q.stem,
                "options": list(q.options),
                "answer": q.answer,
                "explanation": q.explanation,
                "citation": {"clause_id": q.clause_id, "label": q.label},
                "clause": row["依据条款"],
                "tags": list(q.tags),
            }
        )
    return (json.dumps(items, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
