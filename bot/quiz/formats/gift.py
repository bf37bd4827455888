"""Moodle's GIFT text format, so banks move between studybot and Moodle.

    // 题型：单选题
    // 标签：学时
    ::二（一）2::根据二（一）2，确保每人每年接受不少于（　　）的培训。{
    =60学时
    ~40学时
    ####依据二（一）2「加强业务学习培训」：“……”
    }

The question's name (::…::) is its 依据条款; the comments carry what GIFT has no place for (题型
出处题, tags) and Moodle ignores them. Fill-in-the-blank questions are GIFT short answers written
where the blank is ("…不少于{=60学时}的…"), true/false are {TRUE}/{FALSE}, general feedback
(####) is the 解析. Questions from Moodle without the comments are read by their answer shape.
"""

from __future__ import annotations

import re

from ...errors import BankImportError
from ..question import BLANK, TRUE, TYPE_NAMES
from .rows import OPTION_COLUMNS, RawRow

SPECIAL = "~=#{}:"
HEADER = (
    "// studybot 题库（GIFT 格式，可导入 Moodle）。题目名称（::…::）为依据条款；注释记下题型与标签，Moodle 导入时忽略。"
)


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def write_gift(rows: list[dict], questions) -> str:
    blocks = [HEADER]
    for row, q in zip(rows, questions):
        lines = [f"// 题型：{TYPE_NAMES[q.type]}"]
        if q.tags:
            lines.append(f"// 标签：{'、'.join(q.tags)}")
        name = f"::{escape(row['依据条款'])}::"
        feedback = f"####{escape(q.explanation)}" if q.explanation else ""
        if q.type == "fill_blank":
            left, _, right = q.stem.partition(BLANK)
            lines.append(f"{name}{escape(left)}{{={escape(q.answer)}{feedback}}}{escape(right)}")
        elif q.type == "true_false":
            lines.append(f"{name}{escape(q.stem)}{{{'TRUE' if q.answer == TRUE else 'FALSE'}{feedback}}}")
        else:
            lines.append(f"{name}{escape(q.stem)}{{")
            lines += [("=" if o == q.answer else "~") + escape(o) for o in q.options]
            if feedback:
                lines.append(feedback)
            lines.append("}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _unescaped(text: str, chars: str, start: int = 0) -> int:
    """Index of the first of `chars` at or after start that is not escaped, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            return i
        i += 1
    return -1


def _split_answers(spec: str) -> list[tuple[str, str]]:
    """'=a ~b ~c' → [('=', 'a'), ('~', 'b'), ('~', 'c')]; per-answer feedback (#…) dropped."""
    out, i = [], _unescaped(spec, "=~")
    while i >= 0:
        j = _unescaped(spec, "=~", i + 1)
        body = spec[i + 1 : j if j >= 0 else len(spec)]
        hash_at = _unescaped(body, "#")
        if hash_at >= 0:
            body = body[:hash_at]
        body = re.sub(r"^%-?\d+(?:\.\d+)?%", "", body.strip())
        out.append((spec[i], unescape(body.strip())))
        i = j
    return out


def read_gift(text: str, where: str) -> list[RawRow]:
    rows, problems = [], []
    blocks, current, start = [], [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    index = 0
    for line_no, lines in blocks:
        comments = [line.strip()[2:].strip() for line in lines if line.strip().startswith("//")]
        body = "\n".join(line for line in lines if not line.strip().startswith("//")).strip()
        if not body or body.startswith("$CATEGORY"):
            continue
        index += 1
        row = _parse_question(body, comments)
        if isinstance(row, str):
            problems.append(f"第 {index} 题（第 {line_no} 行）：{row}")
            continue
        rows.append(RawRow(index, row, where="题", line=line_no))
    if problems:
        raise BankImportError(problems, where)
    return rows


def _parse_question(body: str, comments: list[str]) -> dict | str:
    values: dict[str, str] = {}
    for c in comments:
        m = re.match(r"(题型|标签)[：:]\s*(.*)", c)
        if m:
            values[m.group(1)] = m.group(2).strip()
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            return "题目名称缺少结尾的 ::"
        name, body = unescape(body[2:end].strip()), body[end + 2 :]
    values["依据条款"] = name
    open_at = _unescaped(body, "{")
    close_at = _unescaped(body, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        return "缺少答案部分 {…}：GIFT 题目的答案要写在花括号里"
    left, spec, right = body[:open_at], body[open_at + 1 : close_at], body[close_at + 1 :]
    left, right = unescape(left.strip()), unescape(right.strip())
    general = ""
    gf = spec.find("####")
    if gf >= 0:
        spec, general = spec[:gf], unescape(spec[gf + 4 :].strip())
    values["解析"] = general
    spec = spec.strip()
    tf = re.fullmatch(r"(TRUE|FALSE|T|F)(#.*)?", spec, flags=re.S)
    answers = [] if tf else _split_answers(spec)
    declared = values.get("题型", "")
    if tf:
        values.update({"题干": left + right, "答案": "正确" if tf.group(1).startswith("T") else "错误"})
        values.setdefault("题型", TYPE_NAMES["true_false"])
    elif answers and all(mark == "=" for mark, _ in answers) and declared not in ("单选题", "出处题"):
        values.update({"题干": f"{left}{BLANK}{right}", "答案": answers[0][1]})
        values.setdefault("题型", TYPE_NAMES["fill_blank"])
    elif answers:
        right_ones = [text for mark, text in answers if mark == "="]
        if len(right_ones) != 1:
            return f"单选题应恰有一个正确选项（=），这里有 {len(right_ones)} 个"
        if len(answers) > len(OPTION_COLUMNS):
            return f"选项太多（{len(answers)} 个）：最多 {len(OPTION_COLUMNS)} 个"
        values.update({"题干": (left + right).strip(), "答案": right_ones[0]})
        values.update({c: text for c, (_, text) in zip(OPTION_COLUMNS, answers)})
        values.setdefault("题型", TYPE_NAMES["single_choice"])
    else:
        return "答案部分 {…} 是空的：填空题写 {=答案}，单选题写 {=正确项 ~错误项}，判断题写 {TRUE} 或 {FALSE}"
    return values
