"""The bank's columns and the checks every imported row goes through, whatever the file format.

Each format reads its file into `RawRow`s (the row's number in the file and a value per
column); `validate` turns them into questions or into problems that name the row and column in
Chinese ("第 3 行「答案」列：…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import StudyBotError
from ..question import BLANK, FALSE, LETTERS, TRUE, TYPE_NAMES, Question, normalize

OPTION_COLUMNS = tuple(f"选项{x}" for x in LETTERS)
COLUMNS = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析", "依据条款", "标签")
REQUIRED = ("题型", "题干", "答案", "依据条款")
TYPE_BY_NAME = {
    **{v: k for k, v in TYPE_NAMES.items()},
    **{k: k for k in TYPE_NAMES},
    "填空": "fill_blank",
    "单选": "single_choice",
    "选择题": "single_choice",
    "判断": "true_false",
    "出处": "which_clause",
}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_TEXT = 2000
UNDERSCORES = re.compile(r"_{2,}|＿{2,}")
TAG_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass
class RawRow:
    number: int  # as the trainer sees it: the spreadsheet row, the GIFT question's line
    values: dict[str, str]
    where: str = "行"  # "行" for tables; "题" for GIFT and JSON items
    line: int = 0  # GIFT: the line the question starts on


def row_name(row: RawRow) -> str:
    return f"第 {row.number} {row.where}" + (f"（第 {row.line} 行）" if row.line else "")


def check_header(header: list[str], where: str) -> list[str]:
    """Problems with a table's header: missing or unknown columns."""
    cleaned = [(h or "").strip() for h in header]
    if not any(cleaned):
        return [f"{where}第 1 行应为表头（{'、'.join(COLUMNS)}），但它是空的；请下载模板（studybot quiz template）填写"]
    problems = []
    missing = [c for c in REQUIRED if c not in cleaned]
    if missing:
        problems.append(
            f"{where}表头缺少「{'」「'.join(missing)}」列：表头应为 {'、'.join(COLUMNS)}，请下载模板（studybot quiz template）对照"
        )
    unknown = [h for h in cleaned if h and h not in COLUMNS]
    if unknown:
        problems.append(f"{where}表头有不认识的列「{'」「'.join(unknown)}」：可用的列为 {'、'.join(COLUMNS)}")
    return problems


def validate(rows: list[RawRow], store) -> tuple[list[Question], list[str]]:
    """(questions, problems); a file with any problem is refused whole by the caller."""
    questions, problems = [], []
    seen: dict[tuple[str, str], int] = {}
    if not rows:
        return [], ["文件中没有题目：表头下面至少要有一行题目"]
    if len(rows) > MAX_ROWS:
        return [], [f"题目太多（{len(rows)} 道）：一次最多导入 {MAX_ROWS} 道，请分成几个文件"]
    for row in rows:
        q, issues = _validate_row(row, store)
        problems += issues
        if q is None:
            continue
        dup = (q.type, normalize(q.stem))
        if dup in seen:
            problems.append(f"{row_name(row)}「题干」列：与第 {seen[dup]} {row.where}的题目重复")
            continue
        seen[dup] = row.number
        questions.append(q)
    return questions, problems


def _validate_row(row: RawRow, store) -> tuple[Question | None, list[str]]:
    v = {k: (row.values.get(k) or "").strip() for k in COLUMNS}
    at = row_name(row)
    problems = []

    def bad(column: str, message: str) -> None:
        problems.append(f"{at}「{column}」列：{message}")

    for column in COLUMNS:
        if len(v[column]) > MAX_TEXT:
            bad(column, f"内容太长（{len(v[column])} 个字符），最多 {MAX_TEXT} 个字符")
    qtype = TYPE_BY_NAME.get(v["题型"])
    if not v["题型"]:
        bad("题型", "不能为空，应为 填空题、单选题、判断题 或 出处题")
    elif qtype is None:
        bad("题型", f"不认识的题型“{v['题型']}”，应为 填空题、单选题、判断题 或 出处题")
    stem = UNDERSCORES.sub(BLANK, v["题干"])
    if not stem:
        bad("题干", "不能为空")
    options = [v[c] for c in OPTION_COLUMNS]
    last = max((i for i, o in enumerate(options) if o), default=-1)
    gaps = [OPTION_COLUMNS[i] for i in range(last + 1) if not options[i]]
    if gaps:
        bad(gaps[0], "选项之间不能有空列：请把后面的选项往前移")
    options = [o for o in options if o]
    answer = v["答案"]
    if not answer:
        bad("答案", "不能为空")
    if qtype == "fill_blank":
        if options:
            bad("选项A", "填空题不需要选项，请清空选项列")
        if stem and BLANK not in stem:
            bad("题干", "填空题的题干要用 ____（连续下划线）标出空的位置")
    elif qtype in ("single_choice", "which_clause"):
        if len(options) < 2:
            bad("选项A", f"{TYPE_NAMES[qtype]}至少要有两个选项（选项A、选项B）")
        elif len(set(options)) != len(options):
            bad("选项A", "选项有重复，请删去重复的选项")
        elif answer:
            letter = normalize(answer).upper()
            if len(letter) == 1 and letter in LETTERS:
                if LETTERS.index(letter) >= len(options):
                    bad("答案", f"答案是 {letter}，但选项{letter}是空的")
                else:
                    answer = options[LETTERS.index(letter)]
            elif answer not in options:
                bad("答案", f"答案“{answer}”不在选项中：请填选项字母（A–F）或与某个选项完全相同的文字")
    elif qtype == "true_false":
        if options and options not in (["正确", "错误"], ["对", "错"]):
            bad("选项A", "判断题不需要选项（或只写“正确”“错误”）")
        options = []
        word = normalize(answer)
        if word in {"正确", "对", "√", "✓", "t", "true", "是"}:
            answer = TRUE
        elif word in {"错误", "错", "×", "✗", "f", "false", "否"}:
            answer = FALSE
        elif answer:
            bad("答案", f"判断题的答案应为“正确”或“错误”，而不是“{answer}”")
    clause = None
    if not v["依据条款"]:
        bad("依据条款", "不能为空：请填条款编号（如 二（一）2）或 studybot clauses 列出的条款 ID")
    else:
        try:
            clause = store.find_clause(v["依据条款"])
        except StudyBotError as exc:
            bad("依据条款", f"“{v['依据条款']}”找不到对应的已索引条款（{exc}）")
    if problems or qtype is None:
        return None, problems
    from ..lookup import as_record

    clause = as_record(clause)
    if qtype == "true_false":
        options = [TRUE, FALSE]
    tags = tuple(dict.fromkeys(t for t in TAG_SPLIT.split(v["标签"]) if t))
    if any(len(t) > 100 for t in tags):
        return None, [f"{at}「标签」列：每个标签最多 100 个字符，多个标签用逗号或顿号隔开"]
    return Question(
        qtype,
        stem,
        tuple(options),
        answer,
        clause_id=clause.clause_id,
        label=clause.label,
        explanation=v["解析"],
        source="bank",
        doc_id=clause.doc_id,
        tags=tags,
    ), []


def question_row(q: Question, clause_ref: str, letters: bool = True) -> dict[str, str]:
    """A question as a table row; choice answers as letters when `letters`."""
    row = {c: "" for c in COLUMNS}
    row.update(
        {
            "题型": TYPE_NAMES[q.type],
            "题干": q.stem,
            "解析": q.explanation,
            "依据条款": clause_ref,
            "标签": "、".join(q.tags),
            "答案": q.answer,
        }
    )
    if q.type in ("single_choice", "which_clause"):
        for column, option in zip(OPTION_COLUMNS, q.options):
            row[column] = option
        if letters and q.answer in q.options:
            row["答案"] = LETTERS[q.options.index(q.answer)]
    return row
