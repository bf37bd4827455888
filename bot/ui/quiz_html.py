"""What the 练习 tab shows, as HTML strings and table rows: the round's head (progress, timer), a
question, the verdict after an answer, the results, the 错题本, the trainers' tables. Pure
functions over the quiz engine's plain data; the cited clause opens in context as in the chat
(render.clause_context_html). Everything typed by a trainer or an officer is escaped."""

from __future__ import annotations

from collections.abc import Callable

from ..ledger.amounts import floor_hundredths, hours_text
from ..quiz.question import LETTERS
from .render import china_time, clause_context_html, esc

MODE_NAMES = {"practice": "练习", "test": "测验"}
STATUS_NAMES = {"open": "作答中", "submitted": "已交卷", "abandoned": "未完成"}


def duration(seconds: int | None) -> str:
    minutes, secs = divmod(int(seconds or 0), 60)
    return f"{minutes} 分 {secs} 秒" if minutes else f"{secs} 秒"


def clock(seconds: int) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def head_html(view, position: int, remaining: int | None, stamp: int) -> str:
    """第 3/10 题 · 已答 2 题, the scope, and in a test the countdown from the server's deadline
    (`remaining` seconds when this was rendered; the page's script counts down from there)."""
    total = len(view.questions)
    parts = [
        f'<span class="quiz-mode">{MODE_NAMES[view.mode]}</span>',
        f'<span class="quiz-scope">{esc(view.scope_label)}</span>',
        f'<span id="quiz-progress">第 {position + 1}/{total} 题</span>',
        f'<span class="quiz-done">已答 {len(view.answered)} 题</span>',
    ]
    if remaining is not None:
        parts.append(
            f'<span id="quiz-timer" data-remaining="{remaining}" data-stamp="{stamp}">剩余 {clock(remaining)}</span>'
        )
    return '<div class="quiz-head">' + "".join(parts) + "</div>"


def question_html(question: dict) -> str:
    return (
        f'<div class="quiz-question"><p class="quiz-type">{esc(question["type_name"])}</p>'
        f'<p class="quiz-stem">{esc(question["stem"])}</p></div>'
    )


def option_choices(question: dict) -> list[tuple[str, str]]:
    """Radio choices (label shown, value sent): the option's text goes to the engine, which grades
    text for every type (a true/false answer must be 正确/错误, not a letter)."""
    return [(f"{letter}. {option}", option) for letter, option in zip(LETTERS, question["options"])]


def citation_html(label: str, clause_id: str, quote: str, context: Callable[[str], dict | None]) -> str:
    """查看条款: the cited clause opened in place, with the quoted sentence marked and its neighbours."""
    found = context(clause_id) if clause_id else None
    if found is None:
        return (
            f'<details class="quiz-cite"><summary>查看条款 {esc(label)}</summary>'
            '<div class="clause-context"><p class="stale">当前索引中已没有这一条（条款可能已修改），'
            "解析中引用的是出题时的条文。</p></div></details>"
        )
    clause = next(c for c in found["clauses"] if c.clause_id == clause_id)
    citation = {"label": clause.label, "title": clause.title, "text": clause.text, "quote": quote}
    return (
        f'<details class="quiz-cite"><summary>查看条款 {esc(clause.label)}「{esc(clause.title)}」'
        f'<span class="doc-title">《{esc(found["document"])}》</span></summary>'
        f"{clause_context_html(citation, found)}</details>"
    )


def given_text(question: dict, given: str | None) -> str:
    if given is None or not str(given).strip():
        return "未作答"
    options = question.get("options") or []
    if given in options and question["type"] != "true_false":
        return f"{LETTERS[options.index(given)]}. {given}"
    return str(given)


def feedback_html(question: dict, answered: dict | None, mode: str, context) -> str:
    """After an answer: in practice the verdict, the right answer, the explanation and the clause;
    in a test only that it was taken (results come when the test is handed in)."""
    if answered is None:
        return ""
    if "correct" not in answered:
        return '<div class="quiz-feedback taken"><p>本题已作答，交卷后公布对错。</p></div>'
    right = answered["correct"]
    verdict = "✓ 回答正确" if right else f"✗ 回答错误。正确答案：{esc(given_text(question, answered['answer']))}"
    return (
        f'<div class="quiz-feedback {"right" if right else "wrong"}">'
        f'<p class="verdict">{verdict}</p>'
        f'<p class="given">你的答案：{esc(given_text(question, answered["given"]))}</p>'
        f'<p class="explanation">{esc(answered["explanation"])}</p>'
        f"{citation_html(answered['label'], answered['clause_id'], answered.get('quote', ''), context)}</div>"
    )


def result_html(result, scope_label: str, pass_mark: int | None, context) -> str:
    """The round handed in: score, pass or fail in a test, the time recorded as 学时, and every
    question with the answer given, the right one, the explanation and its clause."""
    percent = round(result.score * 100 / result.total) if result.total else 0
    out = [
        f'<div class="quiz-result"><p class="quiz-score" id="quiz-score">'
        f"{MODE_NAMES[result.mode]}「{esc(scope_label)}」得分 {result.score}/{result.total}（{percent}%）"
    ]
    if result.passed is not None:
        mark = "passed" if result.passed else "failed"
        out.append(
            f'<span class="{mark}">{"及格" if result.passed else "不及格"}</span>'
            f'<span class="pass-mark">及格线 {pass_mark}%</span>'
        )
    out.append("</p>")
    if result.status == "abandoned":
        out.append('<p class="quiz-note">这一轮未交卷，已按已作答的题目计分。</p>')
    if result.ledger_entry_id is not None:
        out.append(
            f'<p class="quiz-time">作答用时 {duration(result.seconds)}，已记入学时'
            f"（{hours_text(floor_hundredths(result.seconds))} 学时）。</p>"
        )
    else:
        out.append(f'<p class="quiz-time">作答用时 {duration(result.seconds)}，没有可记入学时的作答时间。</p>')
    out.append('<ol class="quiz-items">')
    for item in result.items:
        out.append(_item_html(item, context))
    out.append("</ol></div>")
    return "".join(out)


def _item_html(item: dict, context) -> str:
    state = "right" if item["correct"] else "wrong"
    mark = "✓" if item["correct"] else "✗"
    options = ""
    if item["options"] and item["type"] != "true_false":
        options = (
            '<ul class="quiz-options-list">'
            + "".join(
                f'<li class="{"answer" if o == item["answer"] else ""}">{letter}. {esc(o)}</li>'
                for letter, o in zip(LETTERS, item["options"])
            )
            + "</ul>"
        )
    return (
        f'<li class="quiz-item {state}"><p class="quiz-stem"><span class="mark">{mark}</span> '
        f"{esc(item['stem'])}</p>{options}"
        f'<p class="given">你的答案：{esc(given_text(item, item["given"]))}　'
        f"正确答案：{esc(given_text(item, item['answer']))}</p>"
        f'<p class="explanation">{esc(item["explanation"])}</p>'
        f"{citation_html(item['label'], item['clause_id'], item.get('quote', ''), context)}</li>"
    )


def notebook_html(entries, now, context) -> str:
    """错题本: each missed question with its answer, explanation and clause, and when it is due."""
    if not entries:
        return '<div class="quiz-notebook"><p class="quiz-note">错题本是空的：练习中答错的题会记在这里，并按遗忘规律安排复习。</p></div>'
    due = sum(1 for e in entries if e.due <= now)
    out = [
        f'<div class="quiz-notebook"><p class="quiz-note" id="notebook-summary">共 {len(entries)} 道错题，'
        f"其中 {due} 道已到复习时间。答对两次即移出错题本。</p><ol>"
    ]
    for e in entries:
        q = e.question
        when = "已到期" if e.due <= now else "下次复习"
        out.append(
            f'<li class="notebook-item{" due" if e.due <= now else ""}">'
            f'<p class="quiz-stem">【{esc(q.type_name)}】{esc(q.stem)}</p>'
            f'<p class="meta">依据 {esc(q.label)} · 答错 {e.lapses} 次 · {when} {china_time(e.due)}</p>'
            f'<details class="quiz-answer"><summary>看答案和解析</summary>'
            f'<p>正确答案：{esc(q.answer)}</p><p class="explanation">{esc(q.explanation)}</p>'
            f"{citation_html(q.label, q.clause_id, q.quote, context)}</details></li>"
        )
    out.append("</ol></div>")
    return "".join(out)


ROUND_HEADERS = ("编号", "开始时间", "类型", "范围", "得分", "用时", "状态")


def round_rows(rounds) -> list[list]:
    return [
        [
            r["id"],
            china_time(r["started_at"]),
            MODE_NAMES[r["mode"]],
            r["scope"],
            "" if r["score"] is None else f"{r['score']}/{r['total']}",
            duration(r["seconds"]),
            STATUS_NAMES[r["status"]] + ("" if r["passed"] is None else ("，及格" if r["passed"] else "，不及格")),
        ]
        for r in rounds
    ]


BANK_HEADERS = ("编号", "题库", "单位", "来源文件", "题目数", "在用", "导入时间")


def bank_rows(banks) -> list[list]:
    return [
        [
            b["id"],
            b["name"],
            b["unit"] or "全部单位",
            b["source"],
            b["questions"],
            b["live"],
            china_time(b["created_at"]),
        ]
        for b in banks
    ]


QUESTION_HEADERS = ("编号", "题库", "题型", "题干", "答案", "依据条款", "标签", "状态")


def question_rows(questions, retired: set[int]) -> list[list]:
    return [
        [
            q.question_id,
            q.bank_id,
            q.type_name,
            q.stem,
            q.answer,
            q.label,
            "、".join(q.tags),
            "已停用" if q.question_id in retired else "在用",
        ]
        for q in questions
    ]


RESULT_HEADERS = ("执法证号", "姓名", "状态", "得分", "是否及格", "用时", "交卷时间")


def result_rows(results) -> list[list]:
    return [
        [
            r["officer_id"],
            r["name"],
            r["status"],
            "" if r["score"] is None else f"{r['score']}/{r['total']}",
            "" if r["passed"] is None else ("及格" if r["passed"] else "不及格"),
            "" if r["seconds"] is None else duration(r["seconds"]),
            "" if r["submitted_at"] is None else china_time(r["submitted_at"]),
        ]
        for r in results
    ]


def results_summary(test: dict, results) -> str:
    taken = [r for r in results if r["status"] != "未参加"]
    passed = sum(1 for r in taken if r["passed"])
    return (
        f'<p class="quiz-note" id="results-summary">「{esc(test["title"])}」（{esc(test["unit"])}）：'
        f"应参加 {len(results)} 人，已参加 {len(taken)} 人，及格 {passed} 人；"
        f"开放时间 {china_time(test['opens_at'])} 至 {china_time(test['closes_at'])}，"
        f"限时 {test['time_limit_minutes']} 分钟，及格线 {test['pass_mark']}%。</p>"
    )


def test_label(test: dict) -> str:
    taken = "，已参加" if test.get("taken") else ""
    return (
        f"{test['title']}（{test['questions']} 题，限时 {test['time_limit_minutes']} 分钟，"
        f"截止 {china_time(test['closes_at'])}{taken}）"
    )
