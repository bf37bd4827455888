"""What the page shows, as HTML strings: questions, answers with their citations opened in
context, tables. Pure functions over plain data (an answer record is bot.conversations.answer_record),
so a restored conversation looks exactly like a fresh one; no Gradio here.

Each chat message is one HTML block without blank lines, so the chat's Markdown renderer passes
it through untouched (its sanitiser still runs) and nothing typed or quoted is read as Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

MAX_SHOWN_QUESTION = 2000
# Guangdong is on China Standard Time all year; the database stores UTC.
CHINA = timezone(timedelta(hours=8))
PENDING = '<p class="pending">正在查找条款……</p>'
CITED_HEAD = "引用条款（点开可看条款原文及前后条款）："
NEAREST_HEAD = "最接近的条款（仅供参考，并不回答这个问题）："


def esc(text) -> str:
    return html.escape(str(text or ""), quote=True)


def china_time(t: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(CHINA).strftime(fmt)


def question_html(question: str) -> str:
    text = question if len(question) <= MAX_SHOWN_QUESTION else question[:MAX_SHOWN_QUESTION] + "…"
    return '<div class="question">' + esc(text).replace("\n", "<br>") + "</div>"


def error_html(message: str) -> str:
    return f'<div class="answer"><p class="warning">⚠️ {esc(message)}</p></div>'


def _spans(text: str, citations: list[dict]) -> list[tuple[int, int]]:
    """Where in the answer text to emphasise: each citation's highlight inside its quote, or the
    whole quote when there is no highlight (non-overlapping, in order)."""
    spans: list[tuple[int, int]] = []
    for c in citations:
        quote = c.get("quote") or ""
        if not quote:
            continue
        at = text.find(quote)
        if at < 0:
            continue
        highlight = c.get("highlight") or ""
        inner = quote.find(highlight) if highlight else -1
        start, end = (at + inner, at + inner + len(highlight)) if inner >= 0 else (at, at + len(quote))
        if all(end <= s or start >= e for s, e in spans):
            spans.append((start, end))
    return sorted(spans)


def emphasised(text: str, citations: list[dict]) -> str:
    """The answer text, escaped, the fact each citation states marked."""
    out, pos = [], 0
    for start, end in _spans(text, citations):
        out += [esc(text[pos:start]), '<mark class="fact">', esc(text[start:end]), "</mark>"]
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def marked_clause(text: str, sentences, quote: str) -> str:
    """The clause text with the quoted sentence(s) marked; `sentences` are the clause's own."""
    parts = [p for p in (quote or "").split("……") if p]
    targets = []
    for part in parts:
        whole = next((s for s in sentences or () if part in s), part)
        at = text.find(whole)
        if at >= 0 and all(at + len(whole) <= s or at >= e for s, e in targets):
            targets.append((at, at + len(whole)))
    out, pos = [], 0
    for start, end in sorted(targets):
        out += [esc(text[pos:start]), '<mark class="quoted">', esc(text[start:end]), "</mark>"]
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def clause_context(store, clause_id: str) -> dict | None:
    """What clause_context_html opens: the clause with its neighbours from the current index
    (`store`, an IndexStore), or None when it is no longer there."""
    clause = store.by_id.get(clause_id)
    if clause is None:
        return None
    return {
        "document": store.documents[clause.doc_id]["title"],
        "focus": clause_id,
        "clauses": store.neighbours(clause, around=1),
    }


def clause_context_html(citation: dict, context: dict | None) -> str:
    """The opened citation: the document and headings, the clause before (greyed), the cited clause
    with its quoted sentence marked and its 责任单位 on a line of its own, the clause after (greyed).

    `context` is {"document": title, "clauses": [ClauseRecord…], "focus": clause_id} from the
    current index, or None when the clause is no longer in it (the text kept with the answer is shown).
    """
    quote = citation.get("quote") or ""
    if context is None:
        head = f"{esc(citation.get('label'))}「{esc(citation.get('title'))}」"
        body = (
            f'<div class="cited"><p class="clause-head">{head}</p>'
            f"<p>{marked_clause(citation.get('text', ''), (), quote)}</p>"
            '<p class="stale">（当前索引中已没有这一条，以上为回答时的条文。）</p></div>'
        )
        return f'<div class="clause-context">{body}</div>'
    out = ['<div class="clause-context">']
    focus = next((c for c in context["clauses"] if c.clause_id == context["focus"]), None)
    if focus is not None and focus.headings:  # the document's title is on the summary line already
        out.append('<p class="doc">' + " › ".join(esc(h) for h in focus.headings) + "</p>")
    for c in context["clauses"]:
        head = f"{esc(c.label)}「{esc(c.title)}」"
        if c.clause_id == context["focus"]:
            out.append(
                f'<div class="cited"><p class="clause-head">{head}</p>'
                f"<p>{marked_clause(c.text, c.sentences, quote)}</p>"
            )
            if c.units:
                out.append(f'<p class="units">责任单位：{esc(c.units)}</p>')
            out.append("</div>")
        else:
            text = esc(c.text).replace("\n", "<br>")
            out.append(f'<div class="neighbour"><p class="clause-head">{head}</p><p>{text}</p></div>')
    out.append("</div>")
    return "".join(out)


def answer_html(record: dict, context: Callable[[str], dict | None]) -> str:
    """One answer: the short conclusion when there is one, the answer with its fact marked, notices,
    then the citations (or, for a refusal, the nearest clauses) to open in place."""
    if "error" in record:
        return error_html(record["error"])
    citations = record.get("citations") or []
    out = ['<div class="answer">']
    if record.get("conclusion"):
        out.append(f'<p class="conclusion">{esc(record["conclusion"])}</p>')
    for line in (record.get("answer") or "").split("\n"):
        if line.strip():
            out.append(f"<p>{emphasised(line, [] if record.get('refused') else citations)}</p>")
    for notice in record.get("notices") or ():
        out.append(f'<p class="notice">（提示：{esc(notice)}）</p>')
    if citations:
        out.append(f'<p class="cite-head">{NEAREST_HEAD if record.get("refused") else CITED_HEAD}</p>')
        for n, c in enumerate(citations, start=1):
            out.append(
                f'<details class="citation"><summary>[{n}] {esc(c.get("label"))}「{esc(c.get("title"))}」'
                f'<span class="doc-title">《{esc(c.get("doc_title"))}》</span></summary>'
                f"{clause_context_html(c, context(c.get('clause_id', '')))}</details>"
            )
    out.append("</div>")
    return "".join(out)


def turn_messages(question: str, record: dict, context) -> list[dict]:
    return [
        {"role": "user", "content": question_html(question)},
        {"role": "assistant", "content": answer_html(record, context)},
    ]


RATINGS = {1: "Like", -1: "Dislike"}


def rating_label(rating: int) -> str:
    return {1: "👍 有帮助", -1: "👎 没帮助"}.get(rating, str(rating))


ACCOUNT_HEADERS = ("账号", "姓名", "单位", "角色", "状态", "须改密码")


def account_rows(users) -> list[list]:
    return [
        [
            u.id,
            u.name,
            u.unit,
            u.role_name,
            "已停用" if u.disabled else "正常",
            "是" if u.must_change_password else "否",
        ]
        for u in users
    ]


def conversation_label(summary) -> str:
    return f"{china_time(summary.updated_at, '%m-%d %H:%M')}  {summary.title}"
