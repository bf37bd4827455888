"""Evaluation question sets (eval/gold/*.jsonl): one question per line, checked on load.

The format is described for trainers in eval/gold/README.md. Loading needs no index: whether
`gold` names real clauses and `key` strings occur in them is checked by tests/test_gold.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import GoldSetError

DEFAULT_DOC = "gd-plan-2023-2025"

KINDS = {
    "fact": "事实",
    "date": "时间节点",
    "unit": "责任单位",
    "yesno": "是非判断",
    "list": "列举",
    "followup": "追问",
    "traditional": "繁体提问",
    "colloquial": "口语提问",
    "paraphrase": "换种说法",
    "out_of_scope": "超出范围",
    "injection": "指令注入",
}

# The right answer to these is a refusal, so they name no clause and no answer key.
REFUSAL_KINDS = frozenset({"out_of_scope", "injection"})

FIELDS = ("id", "question", "kind", "gold", "key", "previous", "doc", "note")
REQUIRED = ("id", "question", "kind", "gold", "key")


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    key: tuple[str, ...]
    previous: str | None = None
    doc: str = DEFAULT_DOC
    note: str = ""

    @property
    def refusal(self) -> bool:
        """True when the right answer is to decline (out of scope, injected instructions)."""
        return self.kind in REFUSAL_KINDS


def load_gold(path) -> list[GoldQuestion]:
    """Every question of one file, in file order; GoldSetError lists every bad line at once."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise GoldSetError(path) from None
    except UnicodeDecodeError:
        raise GoldSetError(path, not_text=True) from None
    questions, problems, seen = [], [], {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        data, reasons = _check(line)
        qid = data.get("id") if data else None
        if _text(qid):
            qid = qid.strip()
            if qid in seen:
                reasons.append(f"id {qid!r} 与第 {seen[qid]} 行重复，每道题的 id 必须唯一")
            else:
                seen[qid] = number
        if reasons:
            problems.append((number, "；".join(reasons)))
        else:
            questions.append(_build(data))
    if problems:
        raise GoldSetError(path, problems)
    return questions


def _check(line: str) -> tuple[dict | None, list[str]]:
    """The line's object (None if it is not one) and every reason it is not a valid question."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        return None, [f"不是合法的 JSON（{e.msg}，第 {e.colno} 个字符）"]
    if not isinstance(data, dict):
        return None, ["每行应是一个 JSON 对象 {…}"]
    reasons = []
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        reasons.append(f"未知字段 {'、'.join(unknown)}（可用字段：{'、'.join(FIELDS)}）")
    for name in REQUIRED:
        if name not in data:
            reasons.append(f"缺少字段 {name}")
    for name in ("id", "question", "kind"):
        if name in data and not _text(data[name]):
            reasons.append(f"字段 {name} 应是非空文字")
    for name in ("gold", "key"):
        if name in data and not (isinstance(data[name], list) and all(_text(x) for x in data[name])):
            reasons.append(f'字段 {name} 应是文字列表，如 ["二（一）2"]，且不能含空串')
    for name in ("previous", "doc", "note"):
        if data.get(name) is not None and not isinstance(data[name], str):
            reasons.append(f"字段 {name} 应是文字")
    kind = data.get("kind")
    if _text(kind) and kind not in KINDS:
        reasons.append(f"未知题型 {kind!r}（可用：{'、'.join(KINDS)}）")
    if not reasons:
        reasons += _kind_rules(data)
    return data, reasons


def _build(data: dict) -> GoldQuestion:
    return GoldQuestion(
        id=data["id"].strip(),
        question=data["question"].strip(),
        kind=data["kind"],
        gold=tuple(data["gold"]),
        key=tuple(data["key"]),
        previous=(data.get("previous") or "").strip() or None,
        doc=(data.get("doc") or "").strip() or DEFAULT_DOC,
        note=data.get("note") or "",
    )


def _kind_rules(data: dict) -> list[str]:
    kind, reasons = data["kind"], []
    if kind in REFUSAL_KINDS:
        if data["gold"]:
            reasons.append(f"{kind} 题应当拒答，gold 必须为空列表 []")
        if data["key"]:
            reasons.append(f"{kind} 题应当拒答，key 必须为空列表 []")
    else:
        if not data["gold"]:
            reasons.append('范围内的题 gold 不能为空，请填出处条款编号，如 ["二（一）2"]')
        if not data["key"]:
            reasons.append('范围内的题 key 不能为空，请填答案必须包含的原文片段，如 ["60学时"]')
    if kind == "followup" and not _text(data.get("previous")):
        reasons.append("followup（追问）题必须填 previous：它接着问的上一个问题")
    return reasons


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())
