"""The rules every generated question must pass: checked when a question is made (a question
that fails is dropped) and again by the tests over everything the seed yields.

- the answer occurs in the source clause, and the explanation quotes the sentence it rests on;
- the blanked answer does not show elsewhere in the stem;
- a distractor is of the answer's kind, is not in the source clause, and is not true by the
  corpus: no clause states it in the stem's words, and no sentence stating it is about the same
  task (shares most of the stem's wording);
- a false statement occurs nowhere in the corpus;
- a which_clause quote is in its clause and in no other option's clause;
- no two questions are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .facts import classify
from .lookup import CorpusLookup, bigrams
from .question import BLANK, CHOICE_BLANK, FALSE, TRUE, Question, normalize

PREFIX = re.compile(r"^(?:判断正误：)?根据.{0,120}?」，")
WHICH = re.compile(r"“(.+?)(?:……)?”出自")
CONTEXT = 4  # characters each side of a blank that must not read the same with a distractor
SAME_TASK = 0.5  # share of the stem's bigrams above which another sentence is about the same task


def core(stem: str) -> str:
    """The statement without the leading 根据…「title」，"""
    return PREFIX.sub("", stem, count=1)


def check(q: Question, lookup: CorpusLookup) -> list[str]:
    """Every rule this question breaks, in Chinese; empty when it passes."""
    clause = lookup.clause(q.clause_id)
    if clause is None:
        return [f"依据条款 {q.clause_id} 不在索引中"]
    problems: list[str] = []
    if not q.quote or q.quote not in clause.text:
        problems.append("解析引用的句子不在依据条款中")
    elif q.quote not in q.explanation:
        problems.append("解析没有引用所依据的句子")
    if len(set(q.options)) != len(q.options):
        problems.append("选项有重复")
    if q.type == "fill_blank":
        problems += _blank_rules(q, clause, BLANK, lookup)
        if q.options:
            problems.append("填空题不应有选项")
    elif q.type == "single_choice":
        problems += _blank_rules(q, clause, CHOICE_BLANK, lookup)
        if not 3 <= len(q.options) <= 6 or q.answer not in q.options:
            problems.append("单选题应有 3 到 6 个选项且答案在其中")
        left, right = _around(core(q.stem), CHOICE_BLANK)
        for d in q.options:
            if d != q.answer:
                problems += distractor_problems(d, q.answer, clause, left, right, lookup)
    elif q.type == "true_false":
        problems += _true_false_rules(q, clause, lookup)
    elif q.type == "which_clause":
        problems += _which_clause_rules(q, clause, lookup)
    else:
        problems.append(f"未知题型 {q.type}")
    return problems


def check_unique(questions: Iterable[Question], per_fact: bool = False) -> list[str]:
    """Duplicates: the same key, the same stem of the same type, or (per_fact) the same fact twice."""
    problems, keys, stems, facts = [], set(), set(), set()
    for q in questions:
        stem = (q.type, normalize(q.stem))
        fact = (q.clause_id, q.fact or q.answer)
        if q.key in keys or stem in stems:
            problems.append(f"重复的题目：{q.stem}")
        elif per_fact and q.source != "bank" and fact in facts:
            problems.append(f"同一知识点出了两道题：{q.fact or q.answer}")
        keys.add(q.key)
        stems.add(stem)
        facts.add(fact)
    return problems


def distractor_problems(d: str, answer: str, clause, left: str, right: str, lookup: CorpusLookup) -> list[str]:
    """Why `d` cannot stand beside `answer` at the blank between `left` and `right`."""
    if not d.strip():
        return ["干扰项为空"]
    if d in answer or answer in d:
        return [f"干扰项“{d}”与答案“{answer}”相互包含"]
    if classify(d) != classify(answer):
        return [f"干扰项“{d}”与答案“{answer}”不是同一类"]
    if d in clause.text or d in clause.units:
        return [f"干扰项“{d}”出现在依据条款中"]
    source = lookup.index_of.get(clause.clause_id)
    before, after = left[-CONTEXT:], right[:CONTEXT]
    for probe in ((before + d) if len(before) >= 2 else "", (d + after) if len(after) >= 2 else ""):
        if probe and lookup.clauses_containing(probe):
            return [f"干扰项“{d}”按题干的说法在其他条款中成立"]
    wording = bigrams(left + right)
    if wording:
        for at in lookup.sentences_containing(d):
            if at[0] == source:
                continue
            other = bigrams(lookup.sentence(at).replace(d, ""))
            if len(wording & other) / len(wording) >= SAME_TASK:
                return [f"干扰项“{d}”在讲同一事项的其他条款中成立"]
    return []


def _around(text: str, marker: str) -> tuple[str, str]:
    left, _, right = text.partition(marker)
    return left, right


def _blank_rules(q: Question, clause, marker: str, lookup: CorpusLookup) -> list[str]:
    problems = []
    if q.stem.count(marker) != 1:
        problems.append(f"题干应恰有一个空（{marker}）")
    if not q.answer or q.answer not in clause.text:
        problems.append(f"答案“{q.answer}”不在依据条款中")
    if q.answer and normalize(q.answer) in normalize(q.stem.replace(marker, "")):
        problems.append(f"答案“{q.answer}”在题干其他位置出现")
    if q.source == "rules" and q.answer:
        # The statement with the answer filled in must be what the clause says (a model may
        # paraphrase; then only its answer and distractors are held to the clause).
        filled = core(q.stem).replace(marker, q.answer).rstrip("。")
        if not _said(filled, clause.text):
            problems.append("填入答案后的句子与依据条款不符")
    return problems


def _said(statement: str, text: str) -> bool:
    """Every clause-segment of the statement occurs in the text (the stem may join segments)."""
    return all(part in text for part in re.split(r"[，；：。]", statement) if part)


def _true_false_rules(q: Question, clause, lookup: CorpusLookup) -> list[str]:
    problems = []
    if tuple(q.options) != (TRUE, FALSE) or q.answer not in (TRUE, FALSE):
        return ["判断题的选项应为“正确”“错误”"]
    statement = core(q.stem).rstrip("。")
    if q.answer == TRUE:
        if not _said(statement, clause.text):
            problems.append("判断为“正确”的说法不在依据条款中")
        return problems
    if not q.fact or not q.replacement or q.replacement not in statement:
        return ["判断为“错误”的说法应记下改动的事实"]
    original = statement.replace(q.replacement, q.fact, 1)
    if not _said(original, clause.text):
        problems.append("改回原事实后的说法不在依据条款中")
    if lookup.clauses_containing(statement):
        problems.append("判断为“错误”的说法在语料中出现")
    left, right = _around(statement, q.replacement)
    problems += distractor_problems(q.replacement, q.fact, clause, left, right, lookup)
    return problems


def _which_clause_rules(q: Question, clause, lookup: CorpusLookup) -> list[str]:
    problems = []
    m = WHICH.search(q.stem)
    quote = q.fact or (m.group(1) if m else "")
    if not quote or quote not in clause.text:
        return ["出处题引用的原文不在依据条款中"]
    if q.answer not in q.options or not 3 <= len(q.options) <= 6:
        problems.append("出处题应有 3 到 6 个选项且答案在其中")
    if clause.label not in q.answer:
        problems.append("出处题的答案不是依据条款")
    if clause.label in q.stem.replace(quote, ""):
        problems.append("出处题的题干透露了条款编号")
    holders = {lookup.clauses[i].clause_id for i in lookup.clauses_containing(quote)}
    if holders != {clause.clause_id}:
        problems.append("出处题引用的原文不止出现在一个条款中")
    return problems
